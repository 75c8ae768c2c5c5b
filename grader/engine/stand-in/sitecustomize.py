"""lab-grader stand-in, Python 3.11 and later: the `site` module that ran at startup is the copy frozen into
Debian's python binary, with Debian's patch (system packages in dist-packages under /usr/local/local/lib and
/usr/local/lib/python3), not the unpatched site.py beside this file. This puts the system site-packages where
the official images have it, after the user site as site.main orders them, and makes site.getsitepackages
answer as the unpatched module does. A venv needs nothing: Debian's site finds a venv's site-packages itself.
"""
import os
import site
import sys


def getsitepackages(prefixes=None):
    sitepackages = []
    for prefix in dict.fromkeys(p for p in (site.PREFIXES if prefixes is None else prefixes) if p):
        for libdir in dict.fromkeys([sys.platlibdir, "lib"]):
            sitepackages.append(os.path.join(prefix, libdir, "python%d.%d" % sys.version_info[:2], "site-packages"))
    return sitepackages


site.getsitepackages = getsitepackages
if sys.prefix == sys.base_prefix:
    for path in getsitepackages():
        if os.path.isdir(path) and path not in sys.path:
            site.addsitedir(path)
