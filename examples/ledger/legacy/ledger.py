#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""ledger - summarise a CSV of transactions.

Legacy tool (the reference behaviour for paritykit's ledger example).

    ledger.py FILE [--currency CODE] [--out DIR]

FILE is a CSV with the header ``date,account,description,amount,currency``
(``-`` reads it from standard input). Writes ``summary.json`` and
``report.csv`` into DIR (default: the working directory) and prints a table
of balances.

Exit codes: 0 done (even with skipped rows), 1 no transactions in FILE,
2 usage error or unreadable FILE.

Standard library only; runs on any Python 3.
"""

import csv
import io
import json
import optparse
import os
import re
import sys

HEADER = ["date", "account", "description", "amount", "currency"]

# [0-9] and not \d: in Python 3 \d also matches other scripts' digits.
DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
AMOUNT_RE = re.compile(r"^[-+]?[0-9]+(\.[0-9]+)?$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")

DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

PROG = "ledger"


def make_parser():
    # An explicit width, so that the help does not depend on $COLUMNS.
    formatter = optparse.IndentedHelpFormatter(width=78)
    parser = optparse.OptionParser(
        prog=PROG,
        usage="%prog [options] FILE",
        description="Summarise a CSV of transactions.",
        formatter=formatter,
    )
    parser.add_option("-c", "--currency", dest="currency", metavar="CODE",
                      help="only count transactions in CODE, e.g. EUR")
    parser.add_option("-o", "--out", dest="out", metavar="DIR", default=".",
                      help="write summary.json and report.csv into DIR")
    return parser


def fail(message, code):
    sys.stderr.write("%s: error: %s\n" % (PROG, message))
    sys.exit(code)


def warn(message):
    sys.stderr.write("%s: warning: %s\n" % (PROG, message))


def is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def valid_date(text):
    m = DATE_RE.match(text)
    if not m:
        return False
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if year < 1 or month < 1 or month > 12:
        return False
    last = DAYS_IN_MONTH[month - 1]
    if month == 2 and is_leap(year):
        last = 29
    return 1 <= day <= last


def check_row(row):
    """Return None when the row is usable, else the reason it is skipped."""
    if len(row) != len(HEADER):
        return "expected %d fields, found %d" % (len(HEADER), len(row))
    date, account, description, amount, currency = row
    if not valid_date(date.strip()):
        return "bad date '%s'" % date
    if not account.strip():
        return "missing account"
    if not AMOUNT_RE.match(amount.strip()):
        return "bad amount '%s'" % amount
    if not CURRENCY_RE.match(currency.strip()):
        return "bad currency '%s'" % currency
    return None


def open_input(path):
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")
    if not os.path.exists(path):
        fail("%s: no such file" % path, 2)
    try:
        return open(path, "r", encoding="utf-8", newline="")
    except (IOError, OSError) as e:
        fail("cannot read %s: %s" % (path, e.strerror), 2)


def read_rows(path):
    """Yield (line number, row) for every non-blank data row; checks the header."""
    f = open_input(path)
    try:
        reader = csv.reader(f)
        header_seen = False
        rows = []
        for row in reader:
            if not row:
                continue
            if not header_seen:
                if row != HEADER:
                    fail("%s: line %d: expected the header %s"
                         % (path, reader.line_num, ",".join(HEADER)), 2)
                header_seen = True
                continue
            rows.append((reader.line_num, row))
        return rows
    except UnicodeDecodeError:
        fail("%s is not UTF-8 text" % path, 2)
    finally:
        f.close()


def new_account():
    return {"balance": 0.0, "credits": 0.0, "debits": 0.0, "count": 0,
            "first_date": None, "last_date": None, "currencies": []}


def summarise(rows, currency_filter):
    accounts = {}
    grand_total = 0.0
    read = skipped = filtered = 0
    for line_num, row in rows:
        read += 1
        problem = check_row(row)
        if problem:
            warn("line %d: %s; row skipped" % (line_num, problem))
            skipped += 1
            continue
        date = row[0].strip()
        name = row[1].strip()
        amount = float(row[3].strip())
        currency = row[4].strip()
        if currency_filter and currency != currency_filter:
            filtered += 1
            continue
        acct = accounts.get(name)
        if acct is None:
            acct = accounts[name] = new_account()
        # Plain += on purpose: sum() of floats is compensated since Python 3.12.
        acct["balance"] += amount
        if amount < 0:
            acct["debits"] += -amount
        else:
            acct["credits"] += amount
        acct["count"] += 1
        if acct["first_date"] is None or date < acct["first_date"]:
            acct["first_date"] = date
        if acct["last_date"] is None or date > acct["last_date"]:
            acct["last_date"] = date
        if currency not in acct["currencies"]:
            acct["currencies"].append(currency)
        grand_total += amount
    return accounts, grand_total, read, skipped, filtered


def money(value):
    # round() on a float: round half to even, on the float's exact binary value.
    return round(value, 2)


def build_summary(source, currency_filter, accounts, grand_total, read, skipped, filtered):
    out = {}
    for name in accounts:
        acct = accounts[name]
        out[name] = {
            "balance": money(acct["balance"]),
            "count": acct["count"],
            "credits": money(acct["credits"]),
            "currencies": sorted(acct["currencies"]),
            "debits": money(acct["debits"]),
            "first_date": acct["first_date"],
            "last_date": acct["last_date"],
        }
    return {
        "accounts": out,
        "currency": currency_filter,
        "grand_total": money(grand_total),
        "rows_filtered": filtered,
        "rows_read": read,
        "rows_skipped": skipped,
        "source": source,
    }


def write_summary(path, summary):
    f = open(path, "w", encoding="utf-8", newline="")
    try:
        f.write(json.dumps(summary, indent=2, sort_keys=True))
        f.write("\n")
    finally:
        f.close()


def write_report(path, accounts):
    # The csv module's default dialect ends rows with \r\n; kept on purpose.
    f = open(path, "w", encoding="utf-8", newline="")
    try:
        writer = csv.writer(f)
        writer.writerow(["account", "count", "debits", "credits", "balance"])
        for name in sorted(accounts):
            acct = accounts[name]
            writer.writerow([name, acct["count"],
                             "%.2f" % money(acct["debits"]),
                             "%.2f" % money(acct["credits"]),
                             "%.2f" % money(acct["balance"])])
    finally:
        f.close()


def plural(n, word):
    if n == 1:
        return "%d %s" % (n, word)
    return "%d %ss" % (n, word)


def print_table(accounts, grand_total, currency_filter):
    if currency_filter:
        print("Currency: %s" % currency_filter)
    header = "%-28s %6s %14s" % ("Account", "Count", "Balance")
    rule = "-" * len(header)
    print(header)
    print(rule)
    total_count = 0
    for name in sorted(accounts):
        acct = accounts[name]
        total_count += acct["count"]
        print("%-28s %6d %14s" % (name, acct["count"], "%.2f" % money(acct["balance"])))
    print(rule)
    print("%-28s %6d %14s" % ("TOTAL", total_count, "%.2f" % money(grand_total)))
    print("Processed %s for %s." % (plural(total_count, "transaction"),
                                    plural(len(accounts), "account")))


def main(argv):
    parser = make_parser()
    options, args = parser.parse_args(argv)
    if len(args) != 1:
        parser.error("expected exactly one FILE, got %d" % len(args))
    path = args[0]
    currency_filter = options.currency
    if currency_filter is not None and not CURRENCY_RE.match(currency_filter):
        parser.error("--currency must be a 3-letter code such as EUR, got '%s'" % currency_filter)
    if not options.out:
        parser.error("--out needs a directory name")

    rows = read_rows(path)
    if not rows:
        fail("%s: no transactions found" % path, 1)

    if os.path.exists(options.out) and not os.path.isdir(options.out):
        fail("--out %s is not a directory" % options.out, 2)
    if not os.path.isdir(options.out):
        os.makedirs(options.out)

    accounts, grand_total, read, skipped, filtered = summarise(rows, currency_filter)

    if not currency_filter:
        seen = []
        for name in accounts:
            for cur in accounts[name]["currencies"]:
                if cur not in seen:
                    seen.append(cur)
        if len(seen) > 1:
            warn("several currencies (%s) summed together; use --currency"
                 % ", ".join(sorted(seen)))

    summary = build_summary(path, currency_filter, accounts, grand_total, read, skipped, filtered)
    write_summary(os.path.join(options.out, "summary.json"), summary)
    write_report(os.path.join(options.out, "report.csv"), accounts)
    print_table(accounts, grand_total, currency_filter)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
