#!/usr/bin/env bash
# make demo: the six stages on the bundled messy sample, against cxv-sandbox on a
# free loopback port with mild faults, then the report; then the same contacts into a
# CXone calling list (access key, discovery) on the same sandbox. Exits with the first
# report's status.
# Usage: scripts/demo.sh BIN_DIR
set -uo pipefail
bin=${1:?usage: demo.sh BIN_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
sample="$here/samples/messy-contacts.csv"
work=$(mktemp -d)
sandbox_pid=
cleanup() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Some throttling, a few 503s and a short token lifetime: what a busy tenant looks like.
"$bin/cxv-sandbox" --port 0 --seed 1 --throttle 30 --fail-rate 0.05 --token-ttl 5s --job-time 0.5 \
  > "$work/sandbox.out" 2> "$work/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 50); do
  [ -s "$work/sandbox.out" ] && break
  sleep 0.1
done
url=$(sed -n '1s/^listening on //p' "$work/sandbox.out")
[ -n "$url" ] || { echo "cxv-sandbox did not start:" >&2; cat "$work/sandbox.err" >&2; exit 69; }

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
echo "report exit status: $status (1: finished, some contacts rejected — the sample is messy on purpose)"

echo
echo "The same contacts into a CXone calling list: access-key sign-in, the API found through discovery."
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
    | "$bin/cxv-report" | sed -n '/=== ACCOUNTING ===/,$p'
)
echo "What the list holds: $(curl -s "$url/sandbox/stats" | python3 -c 'import json,sys; l=json.load(sys.stdin)["lists"]["demo-list"]; print(l["totalRecords"], "records,", l["validRecords"], "valid,", l["invalidRecords"], "invalid")')"
exit "$status"
