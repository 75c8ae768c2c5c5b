"""Undo Debian's install-layout patches in a copy of Debian's Python standard library.

Debian patches site, sysconfig and distutils so that packages go to dist-packages under /usr/local/lib and
/usr/lib/python3. The official python images are CPython built from source with --prefix=/usr/local, where
they go to {prefix}/lib/pythonX.Y/site-packages. Each edit below finds Debian's code by its syntax tree, and
the script fails when an edit finds nothing to change, so a changed Debian patch stops the stand-in build
instead of leaving a stand-in that behaves differently.

usage: unpatch-debian-python.py STDLIB_DIR   (run by Debian's python3, before it is removed)
"""
import ast
import os
import sys


class Source:
    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as handle:
            self.lines = handle.read().split("\n")
        self.edits = []

    def tree(self):
        return ast.parse("\n".join(self.lines))

    def replace(self, first, last, text):
        """Replaces lines first..last (1-based, inclusive) with `text`, indented like line `first`."""
        indent = self.lines[first - 1][: len(self.lines[first - 1]) - len(self.lines[first - 1].lstrip())]
        new = [indent + line if line else line for line in text.split("\n")] if text is not None else []
        self.lines[first - 1 : last] = new

    def save(self):
        with open(self.path, "w", encoding="utf-8") as handle:
            handle.write("\n".join(self.lines))


def function(tree, name, within=None):
    scope = tree if within is None else next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == within)
    for node in scope.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise SystemExit(f"unpatch: no function {name}")


def nodes(root, kind, matches):
    return [n for n in ast.walk(root) if isinstance(n, kind) and matches(n)]


def one(found, what):
    if len(found) != 1:
        raise SystemExit(f"unpatch: expected one {what}, found {len(found)}")
    return found[0]


def mentions(node, text):
    return any(isinstance(n, ast.Constant) and n.value == text for n in ast.walk(node))


def remove_schemes(source, dict_name, schemes):
    """Drops Debian's schemes from a scheme table: keys of its literal, and `TABLE['name'] = ...` statements."""
    removed = 0
    tree = source.tree()
    spans = []
    for assign in nodes(tree, ast.Assign, lambda n: any(isinstance(t, ast.Name) and t.id == dict_name for t in n.targets)):
        if isinstance(assign.value, ast.Dict):
            for key, value in zip(assign.value.keys, assign.value.values):
                if isinstance(key, ast.Constant) and key.value in schemes:
                    spans.append((key.lineno, value.end_lineno))
    for assign in nodes(tree, ast.Assign, lambda n: True):
        target = assign.targets[0]
        if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == dict_name
                and isinstance(target.slice, ast.Constant) and target.slice.value in schemes):
            spans.append((assign.lineno, assign.end_lineno))
    for first, last in sorted(spans, reverse=True):
        source.replace(first, last, None)
        removed += 1
    if removed != len(schemes):
        raise SystemExit(f"unpatch: {source.path}: expected to remove {schemes}, removed {removed}")


SITE_PACKAGES = """libdirs = [sys.platlibdir]
if sys.platlibdir != "lib":
    libdirs.append("lib")
for libdir in libdirs:
    path = os.path.join(prefix, libdir,
                        "python%d.%d" % sys.version_info[:2],
                        "site-packages")
    sitepackages.append(path)"""


def unpatch_site(stdlib):
    source = Source(os.path.join(stdlib, "site.py"))
    posix = one(nodes(function(source.tree(), "getsitepackages"), ast.If,
                      lambda n: mentions(n, "dist-packages") and isinstance(n.test, ast.Compare)), "posix branch of getsitepackages")
    source.replace(posix.body[0].lineno, posix.body[-1].end_lineno, SITE_PACKAGES)
    source.save()


def unpatch_sysconfig(stdlib):
    # A module up to 3.12, a package from 3.13 on.
    module = os.path.join(stdlib, "sysconfig.py")
    source = Source(module if os.path.exists(module) else os.path.join(stdlib, "sysconfig", "__init__.py"))
    tree = source.tree()
    if any(isinstance(n, ast.FunctionDef) and n.name == "_get_preferred_schemes" for n in tree.body):
        choice = one(nodes(function(tree, "_get_preferred_schemes"), ast.If, lambda n: mentions(n, "DEB_PYTHON_INSTALL_LAYOUT") and isinstance(n.test, (ast.BoolOp, ast.Compare))),
                     "Debian's scheme choice")
        source.replace(choice.lineno, choice.end_lineno, "prefix_scheme = 'posix_prefix'")
        remove_schemes(source, "_INSTALL_SCHEMES", ["posix_local", "deb_system"])
        build = "('posix_prefix', 'posix_home', 'posix_local', 'deb_system')"
        source.lines = [line.replace(build, "('posix_prefix', 'posix_home')") for line in source.lines]
    source.save()


def unpatch_distutils(stdlib):
    if not os.path.isdir(os.path.join(stdlib, "distutils")):
        return
    source = Source(os.path.join(stdlib, "distutils", "sysconfig.py"))
    flag = one(nodes(function(source.tree(), "get_python_lib"), ast.Assign,
                     lambda n: isinstance(n.targets[0], ast.Name) and n.targets[0].id == "is_default_prefix"), "is_default_prefix")
    source.replace(flag.lineno, flag.end_lineno, "is_default_prefix = False")
    source.save()

    source = Source(os.path.join(stdlib, "distutils", "command", "install.py"))
    layout = one(nodes(function(source.tree(), "finalize_unix", within="install"), ast.If,
                       lambda n: isinstance(n.test, ast.Attribute) and n.test.attr == "install_layout"), "install_layout branch")
    source.replace(layout.lineno, layout.end_lineno, 'self.select_scheme("unix_prefix")')
    remove_schemes(source, "INSTALL_SCHEMES", ["unix_local", "deb_system"])
    source.save()


def main():
    stdlib = sys.argv[1]
    unpatch_site(stdlib)
    unpatch_sysconfig(stdlib)
    unpatch_distutils(stdlib)


if __name__ == "__main__":
    main()
