#!/usr/bin/env bash
# make demo: the six stages on the bundled messy sample, against cxv-sandbox on a
# free loopback port with mild faults, then the report; then the same contacts into a
# CXone calling list (access key, discovery) on the same sandbox. Exits 0 when both runs
# ended as designed (every contact accounted for; rejects are the sample's, on purpose),
# and with the report's status when one did not.
# Usage: scripts/demo.sh BIN_DIR
set -uo pipefail
bin=${1:?usage: demo.sh BIN_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
sample="$here/samples/messy-contacts.csv"
work=$(mktemp -d)
sandbox_pids=()
cleanup() {
  for pid in "${sandbox_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a cxv-sandbox with these options on a free loopback port; sets $url.
start_sandbox() {
  local out="$work/sandbox-${#sandbox_pids[@]}"
  "$bin/cxv-sandbox" --port 0 "$@" > "$out.out" 2> "$out.err" &
  sandbox_pids+=($!)
  for _ in $(seq 50); do
    [ -s "$out.out" ] && break
    sleep 0.1
  done
  url=$(sed -n '1s/^listening on //p' "$out.out")
  [ -n "$url" ] || { echo "cxv-sandbox did not start:" >&2; cat "$out.err" >&2; exit 69; }
}

# What a busy tenant looks like: throttling (the first uploads meet 429s), a few 503s, a
# token that expires mid-run, and one job that fails for a transient reason and is sent
# again. The seed replays the same faults on every run.
start_sandbox --seed 4 --throttle 3 --fail-rate 0.1 --token-ttl 5s --job-time 0.5 --job-fail-rate 0.3

export CXONE_CLIENT_ID=cxv-demo CXONE_CLIENT_SECRET=cxv-demo-secret XDG_CACHE_HOME="$work/cache"
echo "cxv-sandbox listening on $url"
echo "\$ cxv-validate --region US --dedupe samples/messy-contacts.csv | cxv-chunk | cxv-gzip \\"
echo "    | cxv-upload --journal journal.ndjson | cxv-poll | cxv-report --rejects rejects.csv"
echo
"$bin/cxv-validate" --region US --dedupe "$sample" \
  | "$bin/cxv-chunk" \
  | "$bin/cxv-gzip" \
  | "$bin/cxv-upload" --base-url "$url" --journal "$work/journal.ndjson" \
  | "$bin/cxv-poll" --base-url "$url" --interval 0.25 \
  | "$bin/cxv-report" --rejects "$work/rejects.csv"
status=$?
echo
echo "First rejected rows, ready to fix and feed back to cxv-validate:"
head -4 "$work/rejects.csv"
echo
echo "What the server holds: $(curl -s "$url/sandbox/stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["contactsStored"], "contacts stored,", s["distinctPhoneNumbers"], "distinct numbers,", s["tokensIssued"], "token(s) issued")')"
case $status in
  0) echo "report: every contact imported" ;;
  1) echo "report: finished; every contact accounted for, some rejected (the sample is messy on purpose)" ;;
  *) echo "report: exit status $status: something went wrong (see above)" ;;
esac

echo
echo "The same contacts into a CXone calling list: access-key sign-in, the API found through discovery,"
echo "throttling without Retry-After (cxv backs off on its own) and a few 503s."
# No job failures here: a cancelled call-list job is someone's decision in CXone, not a
# transient fault, and cxv reports its chunk failed instead of sending it again.
start_sandbox --seed 4 --throttle 3 --fail-rate 0.1 --token-ttl 5s --job-time 0.5
echo "\$ export CXONE_API=call-lists CXONE_ACCESS_KEY_ID=… CXONE_ACCESS_KEY_SECRET=… CXONE_LIST_ID=demo-list"
echo "\$ cxv-validate --region US --dedupe samples/messy-contacts.csv | cxv-chunk --external-id phone | cxv-gzip \\"
echo "    | cxv-upload --journal lists.journal | cxv-poll | cxv-report"
echo
(
  unset CXONE_CLIENT_ID CXONE_CLIENT_SECRET
  export CXONE_API=call-lists CXONE_ACCESS_KEY_ID=cxv-demo-key CXONE_ACCESS_KEY_SECRET=cxv-demo-key-secret \
    CXONE_LIST_ID=demo-list CXONE_AUTH_URL="$url" CXONE_DISCOVERY_URL="$url"
  "$bin/cxv-validate" --region US --dedupe "$sample" 2> /dev/null \
    | "$bin/cxv-chunk" --external-id phone \
    | "$bin/cxv-gzip" \
    | "$bin/cxv-upload" --journal "$work/lists.journal" \
    | "$bin/cxv-poll" --interval 0.25 \
    | "$bin/cxv-report" > "$work/lists.report"
  list_status=$?
  sed -n '/=== ACCOUNTING ===/,$p' "$work/lists.report"
  exit "$list_status"
)
list_status=$?
echo "What the list holds: $(curl -s "$url/sandbox/stats" | python3 -c 'import json,sys; l=json.load(sys.stdin)["lists"]["demo-list"]; print(l["totalRecords"], "records,", l["validRecords"], "valid,", l["invalidRecords"], "invalid")')"
# Status 1 is the sample's rejects, as designed; anything else is a failure of the demo.
for s in "$status" "$list_status"; do
  [ "$s" -le 1 ] || exit "$s"
done
exit 0
