#!/usr/bin/env python3
"""Generate contacts CSV for cxv.

  gen-contacts.py --count N [--seed S] > contacts.csv     bench data, mostly clean
  gen-contacts.py --messy [--expect FILE] > messy.csv      the bundled messy sample

The messy sample mixes every problem a CRM export has (national formats, bad
numbers, missing names, duplicates, quotes, commas, non-ASCII, CRLF, multi-line
fields, short rows) and, with --expect, writes the counts cxv-validate
--region US --dedupe must produce, by reject code.
"""
import argparse
import json
import random
import sys

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Ken", "Dennis", "Margaret", "Linus",
         "José", "Zoë", "Björn", "Søren", "Chloé", "Łukasz", "Nguyễn", "山田", "Олег", "Aoife"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Thompson", "Ritchie", "Hamilton",
        "Torvalds", "Müller", "O'Brien", "García", "Smith, Jr.", 'The "Rock"', "Ñúñez", "太郎", "Иванов"]


def quote(field):
    if any(c in field for c in ',"\r\n') or field != field.strip():
        return '"' + field.replace('"', '""') + '"'
    return field


def bench(count, seed):
    rng = random.Random(seed)
    out = sys.stdout
    out.write("phone_number,first_name,last_name,email\n")
    rows = []
    for i in range(count):
        first = rng.choice(FIRST[:10])
        last = rng.choice(LAST[:10])
        area = 201 + (i // 10_000_000) % 700
        number = f"+1{area}{i % 10_000_000:07d}"
        r = rng.random()
        if r < 0.005:
            number = f"+1 ({area}) {number[5:8]}-{number[8:]}"  # international, formatted: libphonenumber
        elif r < 0.01:
            number = f"{area}-{number[5:8]}-{number[8:]}"  # national: rejected without --region
        elif r < 0.015:
            number = "555-CALL-NOW"
        rows.append(f"{number},{first},{last},{first.lower()}.{last.lower()}{i}@example.com\n")
        if len(rows) == 10000:
            out.write("".join(rows))
            rows.clear()
    out.write("".join(rows))


def messy(expect_path):
    rng = random.Random(3500)
    header = ["Phone Number", "First Name", "Last Name", "E-mail", "Notes", "Account ID"]
    lines = [",".join(header)]
    expect = {"read": 0, "contacts": 0, "rejects": {}}
    used = []  # numbers already imported, for duplicates

    def reject(code):
        expect["rejects"][code] = expect["rejects"].get(code, 0) + 1

    def row(fields):
        lines.append(",".join(quote(f) for f in fields))
        expect["read"] += 1

    n = 0
    while expect["read"] < 3500:
        n += 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.encode('ascii', 'ignore').decode().lower() or 'x'}.{n}@example.com"
        notes = rng.choice(["", "call after 5pm", "VIP, handle with care", 'said "maybe"', "line one\nline two"])
        account = f"A{n:05d}"
        e164 = f"+1202555{n:04d}" if n < 10000 else f"+1303555{n % 10000:04d}"
        kind = rng.random()
        if kind < 0.60:
            row([e164, first, last, email, notes, account])
            expect["contacts"] += 1
            used.append(e164)
        elif kind < 0.68:
            national = rng.choice([f"(202) 555-{e164[-4:]}", f"202.555.{e164[-4:]}", f"202-555-{e164[-4:]}",
                                   f"  +1 202 555 {e164[-4:]} "])
            if e164.startswith("+1303"):
                national = f"(303) 555-{e164[-4:]}"
            row([national, first, last, email, notes, account])
            expect["contacts"] += 1
            used.append(e164)
        elif kind < 0.72:
            row([f"+44 20 7946 {n % 10000:04d}", first, last, email, notes, account])
            expect["contacts"] += 1
            used.append(f"+44207946{n % 10000:04d}")
        elif kind < 0.76:
            row([rng.choice(["CALL-ME-NOW", "12", "+0123456", "n/a", "tbd"]), first, last, email, notes, account])
            reject("not_e164")
        elif kind < 0.78:
            row(["", first, last, email, notes, account])
            reject("required")
        elif kind < 0.82:
            if rng.random() < 0.5:
                row([e164, "", last, email, notes, account])
            else:
                row([e164, first, " ", email, notes, account])
            reject("required")
        elif kind < 0.85:
            row([e164, first, last, rng.choice(["bob@", "bob at example.com", "a@b", "x@@y.com"]), notes, account])
            reject("invalid_email")
        elif kind < 0.93 and used:
            dup = rng.choice(used)
            shown = dup if dup.startswith("+44") or rng.random() < 0.5 else f"({dup[2:5]}) {dup[5:8]}-{dup[8:]}"
            row([shown, first, last, email, notes, account])
            reject("duplicate")
        elif kind < 0.95:
            lines.append(",".join(quote(f) for f in [e164, first, last, email]))  # a column short
            expect["read"] += 1
            reject("field_count")
        else:
            row([e164, first, last, "", "no email given", account])
            expect["contacts"] += 1
            used.append(e164)
    sys.stdout.buffer.write(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    if expect_path:
        expect["rejected"] = sum(expect["rejects"].values())
        with open(expect_path, "w") as f:
            json.dump(expect, f, indent=2, sort_keys=True)
            f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, help="number of bench contacts")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--messy", action="store_true", help="write the 3,500-row messy sample")
    ap.add_argument("--expect", help="with --messy: write the expected counts here")
    args = ap.parse_args()
    if args.messy:
        messy(args.expect)
    elif args.count is not None:
        bench(args.count, args.seed)
    else:
        ap.error("give --count N or --messy")


if __name__ == "__main__":
    main()
