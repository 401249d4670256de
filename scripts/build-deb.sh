#!/usr/bin/env bash
# make deb: dist/cxv_VERSION_amd64.deb from two programs built with the Swift runtime linked
# in, cxv-validate and the multi-call `cxv` (the other six tools), the seven names as links,
# man pages, completions and the Debian documentation files. Depends: is computed by
# dpkg-shlibdeps from the two programs.
# Usage: scripts/build-deb.sh BIN_DIR CHECKOUTS_DIR
#   BIN_DIR       the release build's folder, holding `cxv` and `cxv-validate`
#   CHECKOUTS_DIR the build's package checkouts, whose licenses go into the copyright file
# DEB_MAINTAINER overrides the Maintainer field.
set -euo pipefail
bin=${1:?usage: build-deb.sh BIN_DIR CHECKOUTS_DIR}
checkouts=${2:?usage: build-deb.sh BIN_DIR CHECKOUTS_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
tools=(cxv-validate cxv-chunk cxv-gzip cxv-upload cxv-poll cxv-report cxv-sandbox)
maintainer=${DEB_MAINTAINER:-cxv engineers <cxv-engineers@example.com>}
die() { echo "build-deb: $*" >&2; exit 1; }

for program in cxv cxv-validate; do
  [ -x "$bin/$program" ] || die "no program $bin/$program: build it first (make deb does)"
done
[ -d "$checkouts" ] || die "no folder $checkouts"
version=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' "$here/Sources/CXVCore/Support/Version.swift")
[ -n "$version" ] || die "no version in Sources/CXVCore/Support/Version.swift"
# The changelog is written by hand, one entry a release; a package whose newest entry is
# for another version would contradict itself.
changelog_version=$(sed -n '1s/^cxv (\([^)]*\)).*/\1/p' "$here/packaging/deb/changelog")
[ "$changelog_version" = "$version" ] ||
  die "packaging/deb/changelog's newest entry is for '$changelog_version', --version says '$version': add an entry"

umask 022
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/debian/cxv
doc=$root/usr/share/doc/cxv
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/libexec/cxv" "$root/usr/share/man/man1" \
  "$root/usr/share/man/man7" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" "$doc" \
  "$root/usr/share/lintian/overrides"

for program in cxv cxv-validate; do
  # dh_strip's flags for a program: no symbol table, no .comment or .note (the build id stays).
  install -m 0755 "$bin/$program" "$root/usr/libexec/cxv/$program"
  strip --remove-section=.comment --remove-section=.note "$root/usr/libexec/cxv/$program"
  # packaging/deb/exports.map keeps the dynamic symbol table to what the program imports; a
  # build that lost it would export ~40,000 symbols and start slower.
  exported=$(readelf --dyn-syms -W "$root/usr/libexec/cxv/$program" | awk '$7 != "UND" && $5 == "GLOBAL"' | wc -l)
  [ "$exported" -le 50 ] || die "$program exports $exported symbols: was it linked with packaging/deb/exports.map?"
done
for t in "${tools[@]}"; do
  # cxv-validate is its own program; the other six are one, run by the name of the link.
  if [ "$t" = cxv-validate ]; then ln -s ../libexec/cxv/cxv-validate "$root/usr/bin/$t"; else ln -s ../libexec/cxv/cxv "$root/usr/bin/$t"; fi
  gzip -9n < "$here/man/$t.1" > "$root/usr/share/man/man1/$t.1.gz"
  # bash-completion sources these files: Debian wants no #! line in them.
  sed '1{/^#!/d}' "$here/completions/bash/$t" > "$root/usr/share/bash-completion/completions/$t"
  install -m 0644 "$here/completions/zsh/_$t" "$root/usr/share/zsh/vendor-completions/_$t"
  install -m 0644 "$here/completions/fish/$t.fish" "$root/usr/share/fish/vendor_completions.d/$t.fish"
done
gzip -9n < "$here/man/cxv.7" > "$root/usr/share/man/man7/cxv.7.gz"
gzip -9n < "$here/packaging/deb/changelog" > "$doc/changelog.gz"
install -m 0644 "$here/packaging/deb/lintian-overrides" "$root/usr/share/lintian/overrides/cxv"

# The copyright file: cxv's, the toolchain's, then one paragraph per license among the
# Swift packages this build linked in, read from their own LICENSE files.
{
  cat "$here/packaging/deb/copyright"
  apache=()
  for dir in "$checkouts"/*/; do
    name=$(basename "$dir")
    license=$(ls "$dir" | grep -m1 -iE '^(license|copying)(\.txt|\.md)?$') ||
      die "the package $name has no LICENSE file: say its license in packaging/deb/copyright"
    if grep -q 'Apache License' "$dir/$license" && grep -q 'Version 2\.0' "$dir/$license"; then
      apache+=("$name")
    else
      # Any other license goes in word for word, under the package's own name.
      echo
      echo "Files: swift-packages/$name/*"
      echo "Copyright: $(grep -m1 -i 'copyright' "$dir/$license" | sed 's/^[[:space:]]*//')"
      echo "License: $name-license"
      sed -e 's/^[[:space:]]*$/./' -e 's/^/ /' "$dir/$license"
    fi
  done
  if [ "${#apache[@]}" -gt 0 ]; then
    echo
    echo "Files: swift-packages/*"
    echo "Copyright: Apple Inc., the SwiftNIO, Hummingbird and AsyncHTTPClient project authors,"
    echo " The BoringSSL Authors, and the other authors each package names"
    echo "License: Apache-2.0"
    echo " Licensed under the Apache License, Version 2.0 (the \"License\"); you may"
    echo " not use this file except in compliance with the License."
    echo " ."
    echo " On Debian systems the full text of the Apache License, Version 2.0 is in"
    echo " /usr/share/common-licenses/Apache-2.0."
    echo "Comment: $(echo "${apache[*]}" | sed 's/ /, /g' | fold -s -w 72 | sed -e 's/ *$//' -e '2,$s/^/ /')"
  fi
} > "$doc/copyright"
chmod 0644 "$doc/copyright"

# dpkg-shlibdeps reads the libraries the program really loads (its NEEDED entries) and
# names the Debian packages and versions they come from. It wants a debian/control, and
# the package's tree in debian/PACKAGE, as in a Debian source package.
printf 'Source: cxv\n\nPackage: cxv\nArchitecture: amd64\n' > "$stage/debian/control"
depends=$(cd "$stage" && dpkg-shlibdeps -O -e"$root/usr/libexec/cxv/cxv" -e"$root/usr/libexec/cxv/cxv-validate" |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || die "dpkg-shlibdeps named no dependencies for $bin/cxv and $bin/cxv-validate"

# Every file dated by the last commit, so the same commit gives the same package.
epoch=$(git -C "$here" log -1 --format=%ct)
installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@MAINTAINER@|$maintainer|" -e "s|@INSTALLED_SIZE@|$installed_size|" \
  -e "s|@DEPENDS@|$depends|" "$here/packaging/deb/control" > "$root/DEBIAN/control"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$epoch" {} +

mkdir -p "$here/dist"
deb=$here/dist/cxv_${version}_amd64.deb
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" > /dev/null
echo "$deb: $(du -k "$deb" | cut -f1) KiB, installed $installed_size KiB"
echo "Depends: $depends"
