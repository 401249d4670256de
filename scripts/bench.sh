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
missed=()
# check NAME VALUE OP LIMIT: a target the figure must meet, or make bench fails at the end.
check() { [ "$(echo "$2 $3 $4" | bc -l)" -eq 1 ] || missed+=("$1: $2, target $3 $4"); }

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
check "pipeline / gzip -6" "$(ratio "$t_pipe" "$t_gzip")" "<=" 2.00
check "cxv-validate / mlr" "$(ratio "$t_validate" "$t_mlr")" "<" 1.00

# pairs RUNS A B: run command strings A and B one after the other RUNS times (interleaved, so
# both see the same machine) and print the median of the ratios A/B.
pairs() {
  local runs=$1 a=$2 b=$3 t0 t1 ta tb ratios=()
  for _ in $(seq "$runs"); do
    t0=$(now); eval "$a"; t1=$(now); ta=$(elapsed "$t0" "$t1")
    t0=$(now); eval "$b"; t1=$(now); tb=$(elapsed "$t0" "$t1")
    ratios+=("$(ratio "$ta" "$tb")")
  done
  printf '%s\n' "${ratios[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

# The offline pipeline against pigz -6 on the same bytes and the same cores.
echo
offline_vs_pigz=$(pairs 7 'validate "$csv" | "$bin/cxv-chunk" | "$bin/cxv-gzip" > /dev/null' 'pigz -6 -c < "$csv" > /dev/null')
echo "pipeline / pigz -6:        $offline_vs_pigz   (median of 7 interleaved pairs; target <= 1.00)"
check "pipeline / pigz -6" "$offline_vs_pigz" "<=" 1.00

# Phone numbers as CRMs export them: the same contacts in US national format, read with
# --region US, and the E.164 file under --strict, each against the E.164 file as it is.
national="$out/contacts-$N-us-national.csv"
[ -s "$national" ] || awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next }
  length($1) == 12 && substr($1, 1, 2) == "+1" { $1 = "(" substr($1, 3, 3) ") " substr($1, 6, 3) "-" substr($1, 9, 4) } { print }' \
  "$csv" > "$national"
national_ratio=$(pairs 5 'validate --region US "$national" > /dev/null' 'validate "$csv" > /dev/null')
strict_ratio=$(pairs 5 'validate --strict "$csv" > /dev/null' 'validate "$csv" > /dev/null')
echo "national --region US / E.164: $national_ratio   (median of 5 interleaved pairs; target <= 2.00)"
echo "--strict / E.164:             $strict_ratio   (median of 5 interleaved pairs; target <= 2.00)"
check "national --region US / E.164" "$national_ratio" "<=" 2.00
check "--strict / E.164" "$strict_ratio" "<=" 2.00
national_peak=$(peak "$national" "$bin/cxv-validate" --region US)
strict_peak=$(peak "$csv" "$bin/cxv-validate" --strict)
echo "peak MiB: --region US $national_peak, --strict $strict_peak   (target < 64)"
check "cxv-validate --region US peak MiB" "$national_peak" "<" 64
check "cxv-validate --strict peak MiB" "$strict_peak" "<" 64

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
  check "cxv-$stage peak MiB at $N" "${row[0]}" "<" 64
  check "cxv-$stage peak MiB at $BIG" "${row[1]}" "<" 64
  check "cxv-$stage peak MiB flat from $N to $BIG" "${row[1]}" "<=" "${row[0]} * 1.10"
done
rm -f "$out"/valid-*.ndjson "$out"/chunks-*.ndjson "$out"/gz-*.ndjson

# ---- The network stages against cxv-sandbox (no faults) --------------------------
sandbox_out="$out/sandbox.out"
start_sandbox() {  # start_sandbox ARGS... -> sets $url, $sandbox_pid
  "$bin/cxv-sandbox" --port 0 "$@" > "$sandbox_out" 2>/dev/null &
  sandbox_pid=$!
  for _ in $(seq 100); do [ -s "$sandbox_out" ] && break; sleep 0.05; done
  url=$(sed -n '1s/^listening on //p' "$sandbox_out")
}
stop_sandbox() { kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; }
trap 'stop_sandbox' EXIT
export CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret
stat_of() { curl -s "$url/sandbox/stats" | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }

# Three pairs, each the offline pipeline then the six stages (cxv-report included) against
# a fresh sandbox, back to back so both see the same machine; the median ratio is the figure.
echo
echo "six stages against cxv-sandbox (job-time 0) and the offline pipeline, in pairs (targets: ratio <= 1.50, 1 token, <= 3 requests a chunk)"
printf '%-5s %9s %9s %7s %7s %15s %9s\n' "run" "offline" "six" "ratio" "tokens" "requests/chunk" "stored"
ratios=()
for run in 1 2 3; do
  t0=$(now); validate "$csv" | "$bin/cxv-chunk" | "$bin/cxv-gzip" > /dev/null; t1=$(now)
  t_offline=$(elapsed "$t0" "$t1")
  start_sandbox --job-time 0
  export XDG_CACHE_HOME="$out/cache-pair-$run"; rm -rf "$XDG_CACHE_HOME"
  t0=$(now)
  # cxv-report exits 1 here: the validate rejects are in its count.
  validate "$csv" | "$bin/cxv-chunk" | "$bin/cxv-gzip" | "$bin/cxv-upload" --base-url "$url" \
    | "$bin/cxv-poll" --base-url "$url" --interval 0.01 | "$bin/cxv-report" > "$out/network-report.txt" || [ $? -eq 1 ]
  t1=$(now)
  t_network=$(elapsed "$t0" "$t1")
  chunks=$(stat_of 's["jobs"]["COMPLETED"]')
  api_requests=$(stat_of 'sum(sum(v.values()) for k, v in s["requests"].items() if k != "POST /oauth/token")')
  tokens=$(stat_of 's["tokensIssued"]')
  stored=$(stat_of 's["contactsStored"]')
  stop_sandbox
  ratios+=("$(ratio "$t_network" "$t_offline")")
  printf '%-5s %8.2fs %8.2fs %7s %7s %15s %9s\n' "$run" "$t_offline" "$t_network" "${ratios[-1]}" \
    "$tokens" "$(ratio "$api_requests" "$chunks")" "$stored"
  check "tokens issued (run $run)" "$tokens" "==" 1
  check "API requests per chunk (run $run)" "$(ratio "$api_requests" "$chunks")" "<=" 3
  # Nothing lost on the way: the server holds exactly what the report says was imported.
  check "contacts stored = imported in the report (run $run)" "$stored" "==" \
    "$(awk '$1 == "imported" { print $2 }' "$out/network-report.txt")"
  check "unaccounted in the report (run $run)" "$(awk '$1 == "unaccounted" { print $2 }' "$out/network-report.txt")" "==" 0
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | sed -n 2p)
echo "six stages / offline pipeline: $median   (median of the 3 runs; target <= 1.50)"
check "six stages / offline pipeline" "$median" "<=" 1.50

# 100 chunks, jobs taking 1 s, 50 ms of latency a request. The tutorial's loop does one
# chunk at a time: upload (one round trip), sleep 2 s, poll (one round trip), so at
# least 100 x (2 s + 2 x 50 ms) = 210 s; cxv must take under 5 % of that.
start_sandbox --job-time 1s --latency 50ms
export XDG_CACHE_HOME="$out/cache-2"; rm -rf "$XDG_CACHE_HOME"
head -100001 "$csv" > "$out/100k.csv"
t0=$(now)
validate "$out/100k.csv" | "$bin/cxv-chunk" | "$bin/cxv-gzip" | "$bin/cxv-upload" --base-url "$url" \
  | "$bin/cxv-poll" --base-url "$url" --interval 1s > /dev/null
t1=$(now)
t_latency=$(elapsed "$t0" "$t1")
latency_chunks=$(stat_of 's["jobs"]["COMPLETED"]')
stop_sandbox
tutorial=$(echo "$latency_chunks * 2.1" | bc -l)
printf '%-52s %8.2f\n' "$latency_chunks chunks, job-time 1s, latency 50ms" "$t_latency"
share=$(printf '%.1f' "$(echo "100 * $t_latency / $tutorial" | bc -l)")
echo "against the tutorial's loop (>= $(printf '%.0f' "$tutorial") s): $share %   (target < 5 %)"
check "chunks in the latency run" "$latency_chunks" "==" 100
check "100 chunks against the tutorial's loop (%)" "$share" "<" 5

echo
if [ ${#missed[@]} -eq 0 ]; then
  echo "every target met"
else
  printf 'MISSED %s\n' "${missed[@]}"
  exit 1
fi
