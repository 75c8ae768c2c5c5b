#!/bin/sh
# Makes Debian's python3 an installed Python in /usr/local, laid out as the official python images have it
# (CPython built from source with --prefix=/usr/local), then removes Debian's Python packages. Python finds its
# prefix from where its executable is (the landmark lib/pythonX.Y/os.py above the bin directory), so the same
# binary run from /usr/local/bin uses the standard library copied to /usr/local/lib/pythonX.Y.
# Run by stand-in.Dockerfile with the recipe files in $1 and the wheelhouse in /opt/lab-grader/wheelhouse.
set -eu
recipe=$1
wheelhouse=/opt/lab-grader/wheelhouse
version=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
stdlib=/usr/local/lib/python$version

cp /usr/bin/python$version /usr/local/bin/python$version
mkdir -p $stdlib && cp -a /usr/lib/python$version/. $stdlib/
# What the official images leave out (tests), and Debian's own additions: its pip lock, its apport hook, its
# distutils patch module and its ensurepip.
rm -rf $stdlib/test $stdlib/idlelib/idle_test $stdlib/lib2to3/tests $stdlib/EXTERNALLY-MANAGED \
       $stdlib/sitecustomize.py $stdlib/_distutils_system_mod.py $stdlib/ensurepip $stdlib/dist-packages
python3 $recipe/unpatch-debian-python.py $stdlib
mkdir -p $stdlib/site-packages $stdlib/ensurepip/_bundled
cp $recipe/ensurepip/__init__.py $recipe/ensurepip/__main__.py $stdlib/ensurepip/
# The release's own pip wheel where the base has one (Debian 13 on: the wheelhouse's pip predates Python 3.12).
if ls /usr/share/python-wheels/pip-*.whl > /dev/null 2>&1; then
  cp /usr/share/python-wheels/pip-*.whl $stdlib/ensurepip/_bundled/
else
  cp $wheelhouse/pip-*.whl $stdlib/ensurepip/_bundled/
fi
cp $wheelhouse/setuptools-*.whl $stdlib/ensurepip/_bundled/
ln -s python$version /usr/local/bin/python3
ln -s python3 /usr/local/bin/python
# From 3.11 on, the binary runs the site module frozen into it at Debian's build, not site.py from the disk.
if /usr/local/bin/python$version -S -c 'import site, sys; sys.exit(site.__spec__.origin != "frozen")'; then
  cp $recipe/sitecustomize.py $stdlib/
fi

# Debian's Python goes: its packages are purged (the libraries its modules link to stay, kept as installed by hand).
python_packages=$(dpkg-query -W -f '${Package}\n' | grep -E '^(lib)?python3|^python[0-9.]*-.*whl$|^python3-venv$' || true)
apt-mark manual $(dpkg-query -W -f '${Package}\n') > /dev/null
dpkg --purge $python_packages
rm -rf /usr/lib/python3 /usr/lib/python$version /etc/python3*

# pip, setuptools and wheel, as the official images install them (3.12 and later: pip alone).
/usr/local/bin/python$version -m ensurepip --default-pip
if /usr/local/bin/python$version -c 'import sys; sys.exit(sys.version_info >= (3, 12))'; then
  /usr/local/bin/pip install --no-cache-dir wheel
fi
find /usr/local -depth -name __pycache__ -exec rm -rf {} +
rm -rf /root/.cache
