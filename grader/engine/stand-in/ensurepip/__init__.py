"""ensurepip for lab-grader's stand-in images: installs the pip (and, below Python 3.12, setuptools) wheels
bundled next to this file, as the ensurepip of a CPython built from source does. Debian's own ensurepip is
patched to refuse the system Python and to copy Debian's wheel directory into every venv.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

__all__ = ["version", "bootstrap"]

_BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bundled")
_PROJECTS = ["setuptools", "pip"] if sys.version_info < (3, 12) else ["pip"]


def _wheel(project):
    found = glob.glob(os.path.join(_BUNDLED, project + "-*.whl"))
    if len(found) != 1:
        raise RuntimeError("ensurepip: expected one bundled %s wheel, found %d" % (project, len(found)))
    return found[0]


def version():
    """The version of the bundled pip."""
    return os.path.basename(_wheel("pip")).split("-")[1]


def _run_pip(args, wheels):
    # A separate interpreter, with the wheels first on sys.path: pip runs from its own wheel.
    code = "import runpy, sys; sys.path[0:0] = %r; sys.argv[1:] = %r; runpy.run_module('pip', run_name='__main__', alter_sys=True)" % (wheels, args)
    return subprocess.run([sys.executable, "-c", code], check=True).returncode


def _bootstrap(*, root=None, upgrade=False, user=False, altinstall=False, default_pip=False, verbosity=0):
    if altinstall and default_pip:
        raise ValueError("Cannot use altinstall and default_pip together")
    sys.audit("ensurepip.bootstrap", root)
    for key in [k for k in os.environ if k.startswith("PIP_")]:
        del os.environ[key]
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    # pip reads ENSUREPIP_OPTIONS to choose its script names: pipX.Y only, pipX and pipX.Y, or all three.
    if altinstall:
        os.environ["ENSUREPIP_OPTIONS"] = "altinstall"
    elif not default_pip:
        os.environ["ENSUREPIP_OPTIONS"] = "install"
    with tempfile.TemporaryDirectory() as tmpdir:
        wheels = [shutil.copy(_wheel(project), tmpdir) for project in _PROJECTS]
        args = ["install", "--no-cache-dir", "--no-index", "--find-links", tmpdir]
        if root:
            args += ["--root", root]
        if upgrade:
            args += ["--upgrade"]
        if user:
            args += ["--user"]
        if verbosity:
            args += ["-" + "v" * verbosity]
        return _run_pip(args + _PROJECTS, wheels)


def bootstrap(*, root=None, upgrade=False, user=False, altinstall=False, default_pip=False, verbosity=0):
    """Installs the bundled pip into the running Python (or under `root`)."""
    _bootstrap(root=root, upgrade=upgrade, user=user, altinstall=altinstall, default_pip=default_pip, verbosity=verbosity)


def _main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ensurepip")
    parser.add_argument("--version", action="version", version="pip {}".format(version()),
                        help="Show the version of pip that is bundled with this Python.")
    parser.add_argument("-v", "--verbose", action="count", default=0, dest="verbosity",
                        help="Give more output. Option is additive, and can be used up to 3 times.")
    parser.add_argument("-U", "--upgrade", action="store_true", default=False,
                        help="Upgrade pip and dependencies, even if already installed.")
    parser.add_argument("--user", action="store_true", default=False,
                        help="Install using the user scheme.")
    parser.add_argument("--root", default=None, help="Install everything relative to this alternate root directory.")
    parser.add_argument("--altinstall", action="store_true", default=False,
                        help="Make an alternate install, installing only the X.Y versioned scripts.")
    parser.add_argument("--default-pip", action="store_true", default=False,
                        help="Make a default pip install, installing the unqualified pip in addition to the versioned scripts.")
    args = parser.parse_args(argv)
    return _bootstrap(root=args.root, upgrade=args.upgrade, user=args.user, verbosity=args.verbosity,
                      altinstall=args.altinstall, default_pip=args.default_pip)
