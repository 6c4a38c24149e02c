#!/usr/bin/env python3
"""Searches files for any personal value found in synthetic input files (SPEC P1).

usage: privacy_scan.py --inputs F [F...] --scan PATH [PATH...]

Values are every string field of the inputs that looks like personal data (names, phones,
addresses, ID numbers, e-mails). Each is searched as UTF-8 and, for values with digits, as
its digit string. Exits 1 and lists (value kind, file) on any hit; never prints a value.
"""
import argparse
import csv
import io
import json
import re
import sys

import needle_search  # beside this script

PERSONAL_KEYS = re.compile(
    r"(name|xm|phone|mobile|tel|sjhm|address|addr|dz|sfzh|id_|idcard|email|姓名|手机|电话|地址|身份证)", re.I)


def values_from_json(obj, key=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from values_from_json(v, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from values_from_json(v, key)
    elif isinstance(obj, (str, int)) and not isinstance(obj, bool) and PERSONAL_KEYS.search(key):
        yield key, str(obj)


def collect(paths):
    found = set()
    for path in paths:
        text = open(path, encoding="utf-8", errors="replace").read()
        if path.endswith((".ndjson", ".jsonl", ".json")):
            for line in text.splitlines():
                try:
                    found.update(values_from_json(json.loads(line)))
                except ValueError:
                    continue
        else:
            for row in csv.DictReader(io.StringIO(text)):
                for k, v in row.items():
                    if k and v and PERSONAL_KEYS.search(k):
                        found.add((k, v))
    needles = set()
    for kind, v in found:
        v = v.strip()
        if len(v.encode()) >= 6 and v.upper() not in ("NULL", "NONE"):
            needles.add((kind, v.encode("utf-8")))
        digits = re.sub(r"\D", "", v)
        if len(digits) >= 7:
            needles.add((kind + " (digits)", digits.encode()))
    return needles


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", nargs="+", required=True)
    ap.add_argument("--scan", nargs="+", required=True)
    a = ap.parse_args()
    needles = collect(a.inputs)
    if len(needles) < 100:
        print(f"privacy_scan: only {len(needles)} values found in the inputs; the scan would prove little",
              file=sys.stderr)
        return 2
    hits, scanned = needle_search.search("privacy_scan", [(k, "utf-8", n) for k, n in needles], a.scan)
    print(f"privacy_scan: {len(needles)} values searched in {scanned} files: {hits} hits")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
