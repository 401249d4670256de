#!/usr/bin/env python3
"""Checks cxv-report's --rejects and --imported files against the rows cxv-validate read.

Usage: check-row-files.py VALIDATED.ndjson STREAM.ndjson REJECTS.csv IMPORTED.csv
VALIDATED is cxv-validate's output (each row as read is the `record` of a contact or a
reject, by `line`); STREAM is the finished stream, whose completed chunks say which job
carried which line. The two CSVs must hold every row exactly once between them, with the
columns it was read with (a short row's missing columns are empty), each imported row with
the chunk and the job that carried it. Prints `ok REJECTED IMPORTED`, or what is wrong.
"""
import csv, json, re, sys

def records(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]

def table(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]

def filled(row):
    return {k: v for k, v in row.items() if v != ""}

validated, stream, rejects_csv, imported_csv = sys.argv[1:5]
expected = {}
for r in records(validated):
    if r["kind"] in ("contact", "reject"):
        assert r["line"] not in expected, f"cxv-validate gave line {r['line']} twice"
        expected[r["line"]] = filled(r.get("record", {}))
carried = {}
for r in records(stream):
    if r["kind"] == "chunk" and r["state"] == "completed":
        for line in r["lines"]:
            carried[line] = (str(r["seq"]), r["job"]["id"])

problems, seen = [], {}
header, rows = table(rejects_csv)
if header[-1] != "error":
    problems.append(f"rejects file ends with {header[-1]!r}, not 'error'")
for row in rows:
    cells = dict(zip(header, row))
    m = re.match(r"line (\d+): ", cells.pop("error"))
    if not m:
        problems.append(f"a reject's error names no line: {row}")
        continue
    line = int(m.group(1))
    seen.setdefault(line, []).append("rejects")
    if filled(cells) != expected.get(line):
        problems.append(f"line {line} in rejects is {filled(cells)}, read as {expected.get(line)}")
header, rows = table(imported_csv)
if header[-3:] != ["source_line", "chunk_seq", "job_id"]:
    problems.append(f"imported file ends with {header[-3:]}")
for row in rows:
    cells = dict(zip(header, row))
    line, seq, job = int(cells.pop("source_line")), cells.pop("chunk_seq"), cells.pop("job_id")
    seen.setdefault(line, []).append("imported")
    if filled(cells) != expected.get(line):
        problems.append(f"line {line} imported is {filled(cells)}, read as {expected.get(line)}")
    if carried.get(line) != (seq, job):
        problems.append(f"line {line} imported by chunk {seq} job {job}, the stream says {carried.get(line)}")
for line, where in seen.items():
    if len(where) > 1:
        problems.append(f"line {line} is in {where}")
missing = sorted(set(expected) - set(seen))
if missing:
    problems.append(f"{len(missing)} lines in neither file, first {missing[:5]}")
extra = sorted(set(seen) - set(expected))
if extra:
    problems.append(f"lines never read: {extra[:5]}")
if problems:
    print("\n".join(problems[:20]))
    sys.exit(1)
print("ok", sum(1 for w in seen.values() if w == ["rejects"]), sum(1 for w in seen.values() if w == ["imported"]))
