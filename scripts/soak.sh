#!/usr/bin/env bash
# make soak: 10,000,000 contacts through the six stages in one pipeline against cxv-sandbox
# with mild faults on (503s, drops, resets mid-request and mid-answer, failed jobs). Prints
# each stage's peak memory and time, the sandbox's peak, the elapsed time, and checks that
# the server holds every valid contact once and the report balances. Not in CI: it takes a
# while and needs about 2 GB of disk.
# Usage: scripts/soak.sh BIN_DIR   (N=10000000 by default)
# DEDUPE=1 adds cxv-validate --dedupe, whose table of every number kept grows with the input
# (16 bytes a number, in a table that doubles): its peak is printed, not held to 64 MiB.
set -euo pipefail
bin=${1:?usage: soak.sh BIN_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-10000000}
out="$here/bench/out/soak"
mkdir -p "$out"
csv="$here/bench/out/contacts-$N.csv"
[ -s "$csv" ] || python3 "$here/scripts/gen-contacts.py" --count "$N" > "$csv"
echo "input: $N contacts, $(du -m "$csv" | cut -f1) MB of CSV ($csv)"

"$bin/cxv-sandbox" --port 0 --job-time 0.5 --latency 5ms --seed 10 --fail-rate 0.01 --drop-rate 0.005 \
  --reset-rate 0.005 --reset-response-rate 0.005 --job-fail-rate 0.01 > "$out/sandbox.out" 2>/dev/null &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/sandbox.out" ] && break; sleep 0.05; done
url=$(sed -n '1s/^listening on //p' "$out/sandbox.out")
export CXONE_BASE_URL=$url CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret XDG_CACHE_HOME="$out/cache"
rm -rf "$out/cache" "$out/journal.ndjson" "$out"/*.time

# Each stage under GNU time, which writes its peak resident set (KiB) and seconds to a file of its own.
timed() { local stage=$1; shift; /usr/bin/time -f '%M %e' -o "$out/$stage.time" "$@"; }
# No --region: the generated file's national numbers and vanity numbers (555-CALL-NOW) are
# rejects, so every contact left has a number of its own.
validate_flags=()
[ "${DEDUPE:-0}" = 1 ] && validate_flags+=(--dedupe)
start=$(date +%s.%N)
set +e
timed validate "$bin/cxv-validate" ${validate_flags[@]+"${validate_flags[@]}"} "$csv" \
  | timed chunk "$bin/cxv-chunk" | timed gzip "$bin/cxv-gzip" \
  | timed upload "$bin/cxv-upload" --journal "$out/journal.ndjson" --max-attempts 10 \
  | timed poll "$bin/cxv-poll" --interval 0.2 --max-attempts 10 \
  | timed report "$bin/cxv-report" --rejects "$out/rejects.csv" > "$out/report.txt"
statuses=("${PIPESTATUS[@]}")
set -e
elapsed=$(echo "$(date +%s.%N) - $start" | bc -l)
sandbox_kib=$(awk '/^VmHWM/ { print $2 }' "/proc/$sandbox/status")
stats=$(curl -s "$url/sandbox/stats")
stat_of() { python3 -c "import json,sys; s=json.loads(sys.argv[1]); print($1)" "$stats"; }

missed=()
check() { [ "$(echo "$2 $3 $4" | bc -l)" -eq 1 ] || missed+=("$1: $2, target $3 $4"); }
printf '%-9s %10s %9s %7s\n' stage "peak MiB" seconds status
i=0
for stage in validate chunk gzip upload poll report; do
  read -r kib seconds < <(grep -E '^[0-9]+ [0-9.]+$' "$out/$stage.time")
  mib=$(echo "scale=1; $kib / 1024" | bc -l)
  printf '%-9s %10s %9s %7s\n' "$stage" "$mib" "$seconds" "${statuses[$i]}"
  [ "$stage" = validate ] && [ "${DEDUPE:-0}" = 1 ] || check "cxv-$stage peak MiB" "$mib" "<" 64
  i=$((i + 1))
done
printf '%-9s %10s\n' sandbox "$(echo "scale=1; $sandbox_kib / 1024" | bc -l)"
printf 'elapsed   %.1f s for %s contacts\n' "$elapsed" "$N"

imported=$(awk '$1 == "imported" { print $2 }' "$out/report.txt")
stored=$(stat_of 's["contactsStored"]')
distinct=$(stat_of 's["distinctPhoneNumbers"]')
echo "imported (report) $imported, stored $stored, distinct numbers stored $distinct"
echo "requests: $(stat_of 's["requests"]')"
echo "jobs: $(stat_of 's["jobs"]')"
check "validate exit (1: rejects)" "${statuses[0]}" "<=" 1
for i in 1 2 3 4; do check "stage $i exit" "${statuses[$i]}" "==" 0; done
check "report exit (1: rejects)" "${statuses[5]}" "<=" 1
check "stored = imported" "$stored" "==" "$imported"
check "each number stored once" "$distinct" "==" "$stored"
check "unaccounted" "$(awk '$1 == "unaccounted" { print $2 }' "$out/report.txt")" "==" 0
check "in failed chunks" "$(awk '$1 == "in" && $2 == "failed" { print $4 }' "$out/report.txt")" "==" 0
if [ ${#missed[@]} -gt 0 ]; then
  printf 'MISSED: %s\n' "${missed[@]}"
  exit 1
fi
echo "soak: every target met"
