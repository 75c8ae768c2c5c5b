"""Repack Debian-installed Python distributions into pure-Python wheels.

Runs inside a Debian container that has the packages installed with apt. Debian strips
install_requires from the egg-info it ships, so Requires-Dist is rebuilt from the Debian
package's own Depends field (alternatives such as `python3-x | python3 (>> 3.10)` become
environment markers). Compiled speedups are left out: every package here has a pure fallback.

usage: repack-debian-wheels.py OUT_DIR DEBIAN_PACKAGE...
"""
import email.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile

SITE = "/usr/lib/python3/dist-packages/"


def dpkg_field(package, field):
    return subprocess.run(
        ["dpkg-query", "-W", "-f", "${" + field + "}", package],
        check=True, capture_output=True, text=True).stdout.strip()


def is_installed(package):
    result = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", package],
                            capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == "install ok installed"


def package_files(package):
    out = subprocess.run(["dpkg", "-L", package], check=True, capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.startswith(SITE)]


def metadata_dir(package):
    for path in package_files(package):
        rest = path[len(SITE):]
        if "/" not in rest and rest.endswith((".egg-info", ".dist-info")):
            return path
    raise SystemExit(f"{package}: no .egg-info or .dist-info under {SITE}")


def read_metadata(package):
    meta = metadata_dir(package)
    name = "METADATA" if meta.endswith(".dist-info") else "PKG-INFO"
    with open(os.path.join(meta, name), encoding="utf-8") as handle:
        return meta, email.parser.Parser().parse(handle)


def dist_name(package):
    if is_installed(package):
        return read_metadata(package)[1]["Name"]
    return package[len("python3-"):]


def upstream_version(debian_version):
    version = debian_version.split(":", 1)[-1]
    version = version.rsplit("-", 1)[0] if "-" in version else version
    return version.rstrip("~").replace("~", "")


OPERATORS = {">=": ">=", "<=": "<=", ">>": ">", "<<": "<", "=": "=="}
RELATION = re.compile(r"^(?P<name>[a-z0-9.+-]+)(?::any)?\s*(?:\((?P<op>>=|<=|>>|<<|=)\s*(?P<version>[^)]+)\))?$")


def parse_relation(text):
    match = RELATION.match(text.strip())
    if not match:
        raise SystemExit(f"cannot parse Debian relation {text!r}")
    return match["name"], match["op"], match["version"]


def python_marker(op, version):
    """The marker under which an alternative `python3 (op version)` is NOT satisfied."""
    version = upstream_version(version)
    negated = {">>": ">=", ">=": ">="}
    if op not in negated:
        raise SystemExit(f"unsupported python3 alternative ({op} {version})")
    return f'python_version < "{version}"'


# Dependencies Debian's packages name for every platform that upstream's metadata limits to some.
UPSTREAM_MARKERS = {("click", "colorama"): 'platform_system == "Windows"'}


def requires_dist(package):
    """Requires-Dist lines and the python3-* packages they name."""
    lines, needed = [], []
    for group in filter(None, (g.strip() for g in dpkg_field(package, "Depends").split(","))):
        alternatives = [parse_relation(a) for a in group.split("|")]
        wanted = [a for a in alternatives if a[0].startswith("python3-")]
        fallback = [a for a in alternatives if a[0] == "python3" and a[1]]
        if not wanted:
            continue
        name, op, version = wanted[0]
        requirement = dist_name(name)
        if op and op in OPERATORS:
            requirement += f" ({OPERATORS[op]}{upstream_version(version)})"
        marker = UPSTREAM_MARKERS.get((dist_name(package), dist_name(name)))
        if fallback:
            requirement += f"; {python_marker(fallback[0][1], fallback[0][2])}"
        elif marker:
            requirement += f"; {marker}"
        lines.append(requirement)
        if is_installed(name):
            needed.append(name)
    return lines, needed


def repack(package, out_dir):
    meta_path, metadata = read_metadata(package)
    name, version = metadata["Name"], metadata["Version"]
    requirements, needed = requires_dist(package)
    del metadata["Requires-Dist"]
    for requirement in requirements:
        metadata["Requires-Dist"] = requirement
    if metadata.get("Metadata-Version", "1.0") < "2.1":
        metadata.replace_header("Metadata-Version", "2.1")

    with tempfile.TemporaryDirectory() as work:
        stem = re.sub(r"[-_.]+", "_", name)
        root = os.path.join(work, f"{stem}-{version}")
        for path in package_files(package):
            rest = path[len(SITE):]
            if rest.startswith(os.path.basename(meta_path)) or "__pycache__" in rest or rest.endswith(".so"):
                continue
            target = os.path.join(root, rest)
            if os.path.isdir(path) and not os.path.islink(path):
                os.makedirs(target, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(path, target)
        info = os.path.join(root, f"{stem}-{version}.dist-info")
        os.makedirs(info)
        with open(os.path.join(info, "METADATA"), "w", encoding="utf-8") as handle:
            handle.write(metadata.as_string())
        with open(os.path.join(info, "WHEEL"), "w", encoding="utf-8") as handle:
            handle.write("Wheel-Version: 1.0\nGenerator: lab-grader repack-debian-wheels\n"
                         "Root-Is-Purelib: true\nTag: py3-none-any\n")
        for extra in ("top_level.txt", "entry_points.txt"):
            source = os.path.join(meta_path, extra)
            if os.path.exists(source):
                shutil.copy2(source, info)
        subprocess.run([sys.executable, "-m", "wheel", "pack", "-d", out_dir, root],
                       check=True, stdout=subprocess.DEVNULL)
    print(f"{package}: {name} {version} requires {requirements or 'nothing'}")
    return needed


def main():
    out_dir, queue = sys.argv[1], list(sys.argv[2:])
    os.makedirs(out_dir, exist_ok=True)
    done = set()
    while queue:
        package = queue.pop(0)
        if package not in done:
            done.add(package)
            queue.extend(repack(package, out_dir))


if __name__ == "__main__":
    main()
