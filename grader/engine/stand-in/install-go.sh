#!/bin/sh
# Makes Debian's Go toolchain (golang-X.Y-go) an installed Go in /usr/local/go, laid out as the official golang
# images have it (Go's release archive unpacked there), then removes Debian's Go packages. The go command takes
# as GOROOT the parent of its bin directory when that has pkg/tool, so the same binary run from /usr/local/go/bin
# reports and uses /usr/local/go; nothing may be left at Debian's path, which it would prefer as the same directory.
# Run by golang-stand-in.Dockerfile with the Go minor version (1.24) in $1.
set -eu
minor=$1
goroot=/usr/local/go

cp -a /usr/lib/go-$minor $goroot
# Debian keeps the architecture-independent parts (src, api, lib, misc, test, pkg/include) in /usr/share/go-X.Y,
# linked from the tree: copied in as real directories.
find $goroot -type l | while read -r link; do
  target=$(readlink -f "$link")
  case $target in
    /usr/share/go-$minor/*) rm "$link" && cp -a "$target" "$link" ;;
  esac
done
if [ -n "$(find $goroot -type l -lname '/*')" ] || [ -n "$(find -L $goroot -type l)" ]; then
  echo "install-go.sh: links left in $goroot that point out of it or nowhere:" >&2
  find $goroot -type l -exec ls -l {} + >&2
  exit 1
fi

dpkg --purge golang-$minor-go golang-$minor-src
rm -rf /usr/lib/go-$minor /usr/share/go-$minor

# GOPATH as the official image makes it, writable by any user.
mkdir -p /go/src /go/bin && chmod -R 1777 /go

# The toolchain must find itself at /usr/local/go and report the packaged release.
PATH=$goroot/bin:$PATH GOTOOLCHAIN=local
export PATH GOTOOLCHAIN
test "$(go env GOROOT)" = $goroot
go version | grep -q "^go version go$minor[. ]"
rm -rf /root/.cache /root/.config
