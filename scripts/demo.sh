#!/usr/bin/env bash
# make demo: the offline pipeline on the bundled messy sample, then the report.
# Usage: scripts/demo.sh BIN_DIR
set -uo pipefail
bin=${1:?usage: demo.sh BIN_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
sample="$here/samples/messy-contacts.csv"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "\$ cxv-validate --region US --dedupe samples/messy-contacts.csv | cxv-chunk | cxv-gzip | cxv-report --rejects rejects.csv"
"$bin/cxv-validate" --region US --dedupe "$sample" \
  | "$bin/cxv-chunk" \
  | "$bin/cxv-gzip" \
  | "$bin/cxv-report" --rejects "$out/rejects.csv"
status=$?
echo
echo "First rejected rows, ready to fix and feed back to cxv-validate:"
head -4 "$out/rejects.csv"
# Status 1 means "finished, some contacts rejected": what this messy sample is for.
case $status in
  0|1) echo; echo "report exit status: $status"; exit 0 ;;
  *) echo "report exit status: $status" >&2; exit "$status" ;;
esac
