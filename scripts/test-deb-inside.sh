#!/usr/bin/env bash
# Run by scripts/test-deb.sh inside the clean Debian root: install the package with apt,
# run the tools as a user would, remove it, check nothing of it is left.
# Usage: test-deb-inside.sh DEB
set -euo pipefail
deb=${1:?usage: test-deb-inside.sh DEB}
tools=(cxv-validate cxv-chunk cxv-gzip cxv-upload cxv-poll cxv-report cxv-sandbox)
work=$(mktemp -d)
sandbox_pid=
cleanup() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }
step() { echo "test-deb: $*"; }
export DEBIAN_FRONTEND=noninteractive

step "no Swift toolchain here"
! command -v swift > /dev/null || fail "swift is on PATH"
[ ! -e /opt/swift ] || fail "/opt/swift exists"
! ls /usr/lib/swift /usr/lib/x86_64-linux-gnu/libswiftCore.so > /dev/null 2>&1 || fail "a Swift runtime is installed"

step "apt-get install ./$(basename "$deb") (Depends resolved from Debian)"
apt-get update -q > "$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get update"; }
apt-get install -y -q --no-install-recommends "$deb" > "$work/apt.log" 2>&1 ||
  { cat "$work/apt.log" >&2; fail "apt-get install"; }
for t in "${tools[@]}"; do
  command -v "$t" > /dev/null || fail "$t is not on PATH"
  if ldd "$(readlink -f "$(command -v "$t")")" | grep -E 'not found|swift'; then
    fail "$t loads a library apt did not bring, or a Swift library"
  fi
  [ "$("$t" --version)" = "$(dpkg-query -W -f='${Version}' cxv)" ] || fail "$t --version is not the package's version"
done
# Into files, not `| grep -q`: grep stopping early would fail the pipe with SIGPIPE.
cxv-upload --help > "$work/help.txt" || fail "cxv-upload --help exited $?"
grep -q -- '--journal' "$work/help.txt" || fail "cxv-upload --help has no --journal"

step "offline stages on the sample"
cd "$work"
set +e
cxv-validate --region US --dedupe /test/messy-contacts.csv | cxv-chunk | cxv-gzip | cxv-report --format json > offline.json
status=$?
set -e
# 1: finished with rejects (the sample is messy on purpose).
[ "$status" -eq 1 ] || fail "offline cxv-report exited $status, not 1"
grep -q '"unaccounted":0' offline.json || fail "offline run left contacts unaccounted: $(cat offline.json)"

step "an Excel workbook (ZIPFoundation and libxml2 from the package's Depends)"
set +e
cxv-validate --region US /test/contacts.xlsx > workbook.ndjson
status=$?
set -e
[ "$status" -eq 1 ] || fail "cxv-validate contacts.xlsx exited $status, not 1"
[ "$(grep -c '"kind":"contact"' workbook.ndjson)" -eq 4 ] || fail "contacts.xlsx gave $(grep -c '"kind":"contact"' workbook.ndjson) contacts, not 4"

step "six stages against the packaged cxv-sandbox on 127.0.0.1"
cxv-sandbox --host 127.0.0.1 --port 0 --job-time 0.2 > sandbox.out 2> sandbox.err &
sandbox_pid=$!
for _ in $(seq 100); do
  [ -s sandbox.out ] && break
  sleep 0.1
done
url=$(sed -n '1s/^listening on //p' sandbox.out)
[ -n "$url" ] || fail "cxv-sandbox did not start: $(cat sandbox.err)"
export CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret XDG_CACHE_HOME="$work/cache"
set +e
cxv-validate --region US --dedupe /test/messy-contacts.csv | cxv-chunk | cxv-gzip \
  | cxv-upload --base-url "$url" --journal journal.ndjson | cxv-poll --base-url "$url" --interval 0.1 \
  | cxv-report --rejects rejects.csv --format json > online.json
status=$?
set -e
[ "$status" -eq 1 ] || fail "six-stage cxv-report exited $status, not 1: $(cat online.json)"
grep -q '"unaccounted":0' online.json || fail "six-stage run left contacts unaccounted: $(cat online.json)"
imported=$(grep -o '"imported":[0-9]*' online.json | cut -d: -f2)
[ "${imported:-0}" -gt 0 ] || fail "nothing imported: $(cat online.json)"
# What the server holds, asked without curl (not in a minimal root): bash's /dev/tcp.
port=${url##*:}
exec 3<> "/dev/tcp/127.0.0.1/$port"
printf 'GET /sandbox/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
stored=$(cat <&3 | grep -o '"contactsStored" *: *[0-9]*' | grep -o '[0-9]*$')
exec 3<&-
[ "$stored" = "$imported" ] || fail "the sandbox holds ${stored:-no} contacts, the report says $imported imported"
[ -s rejects.csv ] || fail "no rejects.csv"
kill "$sandbox_pid" && wait "$sandbox_pid" 2>/dev/null || true
sandbox_pid=
step "imported $imported, the sandbox holds $stored"

step "man cxv-upload (man-db installed here as a test tool; the package does not need it)"
apt-get install -y -q --no-install-recommends man-db > "$work/apt.log" 2>&1 ||
  { cat "$work/apt.log" >&2; fail "apt-get install man-db"; }
man -P cat cxv-upload > "$work/man1.txt" 2> /dev/null || fail "man cxv-upload exited $?"
grep -q -- '--journal' "$work/man1.txt" || fail "man cxv-upload shows no --journal"
man -P cat 7 cxv > "$work/man7.txt" 2> /dev/null || fail "man 7 cxv exited $?"
grep -q 'RECORD STREAM' "$work/man7.txt" || fail "man 7 cxv has no RECORD STREAM section"

step "dpkg -r cxv leaves nothing behind"
dpkg-query -L cxv > "$work/files"
dpkg -r cxv > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -r cxv"; }
# Every file and link it installed is gone, and every folder of its own.
while read -r path; do
  [ "$path" = /. ] && continue
  if [ -d "$path" ] && [ ! -L "$path" ]; then
    dpkg-query -S "$path" > /dev/null 2>&1 || [ -z "$(ls -A "$path")" ] || fail "$path is left"
  elif [ -e "$path" ] || [ -L "$path" ]; then
    fail "$path is left"
  fi
done < "$work/files"
# /var/cache/man holds man-db's formatted copies of the pages shown above: its cache, not
# the package's files, which man-db expires itself.
left=$(find / -xdev \( -path /proc -o -path "$work" -o -path /test -o -path /var/cache/man \) -prune -o -name '*cxv*' -print)
[ -z "$left" ] || fail "left behind: $left"
echo "test-deb: ok"
