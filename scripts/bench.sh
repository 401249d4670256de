#!/usr/bin/env bash
# make bench: the offline pipeline on generated contacts, measured in one run
# against gzip -6 and Miller on the same bytes. Timing lives here, never in tests.
# Usage: scripts/bench.sh BIN_DIR   (N=1000000 and BIG=5000000 by default)
set -euo pipefail
bin=${1:?usage: bench.sh BIN_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000000}
BIG=${BIG:-5000000}
out="$here/bench/out"
mkdir -p "$out"

gen() {  # gen COUNT -> path of a cached CSV of COUNT contacts
  local f="$out/contacts-$1.csv"
  [ -s "$f" ] || python3 "$here/scripts/gen-contacts.py" --count "$1" > "$f"
  echo "$f"
}

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

# Peak resident memory (MiB) of one stage reading FILE, output discarded.
peak() {
  local input=$1; shift
  # cxv-validate's status 1 (rejects) is expected; only the memory figure matters here.
  { /usr/bin/time -f '%M' "$@" < "$input" > /dev/null || true; } 2>&1 | tail -1 | awk '{printf "%.1f", $1/1024}'
}

csv=$(gen "$N")
echo "input: $N contacts, $(du -m "$csv" | cut -f1) MB of CSV ($csv)"

t0=$(now); gzip -6 -c < "$csv" > /dev/null; t1=$(now)
t_gzip=$(elapsed "$t0" "$t1")

# cxv-validate exits 1 here: the generated file has rejects on purpose.
validate() { "$bin/cxv-validate" "$@" || [ $? -eq 1 ]; }

t0=$(now); validate "$csv" | "$bin/cxv-chunk" | "$bin/cxv-gzip" > /dev/null; t1=$(now)
t_pipe=$(elapsed "$t0" "$t1")

t0=$(now); validate "$csv" > /dev/null; t1=$(now)
t_validate=$(elapsed "$t0" "$t1")

t0=$(now); mlr --icsv --ojsonl cat "$csv" > /dev/null; t1=$(now)
t_mlr=$(elapsed "$t0" "$t1")

printf '\n%-52s %8s\n' "command" "seconds"
printf '%-52s %8.2f\n' "gzip -6 -c" "$t_gzip"
printf '%-52s %8.2f\n' "cxv-validate | cxv-chunk | cxv-gzip" "$t_pipe"
printf '%-52s %8.2f\n' "cxv-validate" "$t_validate"
printf '%-52s %8.2f\n' "mlr --icsv --ojsonl cat" "$t_mlr"
echo
echo "pipeline / gzip -6:        $(ratio "$t_pipe" "$t_gzip")   (target <= 2.00)"
echo "cxv-validate / mlr:        $(ratio "$t_validate" "$t_mlr")   (target < 1.00)"

# Peak memory per stage, at N and at BIG contacts: bounded means the same at both.
echo
printf '%-14s %12s %12s   (MiB, target < 64 and flat)\n' "stage" "$N" "$BIG"
big=$(gen "$BIG")
for size in "$N" "$BIG"; do
  f=$(gen "$size")
  validate "$f" > "$out/valid-$size.ndjson"
  "$bin/cxv-chunk" < "$out/valid-$size.ndjson" > "$out/chunks-$size.ndjson"
  "$bin/cxv-gzip" < "$out/chunks-$size.ndjson" > "$out/gz-$size.ndjson"
done
for stage in validate chunk gzip report; do
  row=()
  for size in "$N" "$BIG"; do
    case $stage in
      validate) row+=("$(peak "$(gen "$size")" "$bin/cxv-validate")") ;;
      chunk) row+=("$(peak "$out/valid-$size.ndjson" "$bin/cxv-chunk")") ;;
      gzip) row+=("$(peak "$out/chunks-$size.ndjson" "$bin/cxv-gzip")") ;;
      report) row+=("$(peak "$out/gz-$size.ndjson" "$bin/cxv-report")") ;;
    esac
  done
  printf '%-14s %12s %12s\n' "cxv-$stage" "${row[0]}" "${row[1]}"
done
rm -f "$out"/valid-*.ndjson "$out"/chunks-*.ndjson "$out"/gz-*.ndjson
