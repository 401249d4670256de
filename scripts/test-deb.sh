#!/usr/bin/env bash
# make test-deb: install the package in a clean Debian 12 root (debootstrap minbase, no
# Swift toolchain), run the tools there, remove the package and check nothing is left.
# Usage: scripts/test-deb.sh DEB CACHE_DIR
#   DEB       the package (dist/cxv_VERSION_amd64.deb)
#   CACHE_DIR where the clean root's tarball is kept between runs
# DEBIAN_MIRROR overrides the mirror, by default the one this machine's apt uses.
set -euo pipefail
deb=${1:?usage: test-deb.sh DEB CACHE_DIR}
cache=${2:?usage: test-deb.sh DEB CACHE_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "test-deb: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mount)"
[ -f "$deb" ] || die "no package $deb: run make deb"
command -v debootstrap > /dev/null || die "no debootstrap: apt-get install debootstrap (make test-deb does)"

# The mirror this machine installs from (CI reaches no other): the first one, not the
# security archive, of its apt sources in either format.
sources_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -n -e 's/^URIs:[[:space:]]*//p' \
      -e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\)[[:space:]].*/\2/p' "$f"
  done | grep -v -- '-security' | head -1 || true
}
mirror=${DEBIAN_MIRROR:-$(sources_mirror)}
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt: set DEBIAN_MIRROR"

work=$(mktemp -d)
root=$work/root
cleanup() {
  # A sandbox left running inside would keep /proc busy: end what runs in the root first.
  if mountpoint -q "$root/proc"; then
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
      [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] && kill "$pid" 2>/dev/null
    done
    umount "$root/proc" || umount -l "$root/proc"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

tarball=$cache/bookworm-minbase.tar
if [ ! -f "$tarball" ]; then
  echo "debootstrap --variant=minbase bookworm from $mirror (once; kept in $tarball)"
  mkdir -p "$cache" "$work/fresh"
  debootstrap --variant=minbase bookworm "$work/fresh" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  tar -C "$work/fresh" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
  rm -rf "$work/fresh"
fi
mkdir "$root"
tar -C "$root" -xf "$tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mkdir -p "$root/test"
cp "$deb" "$root/test/"
cp "$here/samples/messy-contacts.csv" "$here/Tests/Fixtures/xlsx/contacts.xlsx" "$root/test/"
cp "$here/scripts/test-deb-inside.sh" "$root/test/"

# Nothing of the host comes in: a clean environment, and no toolchain folder bound in.
inside() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb chroot "$root" "$@"; }
inside /bin/bash /test/test-deb-inside.sh "/test/$(basename "$deb")"
