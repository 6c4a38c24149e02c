#!/usr/bin/env python3
"""Check a directory written by generate.py against its promises.

Usage: python3 data/gen/validate.py DIR

Checks (each failure is printed; exit status 1 if any):
  * persons.ndjson: good lines are ES-export objects; malformed lines match the
    manifest; every full 18-character sfzh has a valid GB 11643 check character,
    agrees with csrq and xb, and is unique; full phones are valid 11-digit CN
    mobiles and unique.
  * persons.csv: header, the same persons with the same values as the NDJSON,
    and the manifest's malformed-row count.
  * deliveries.csv: senders and recipients are dump persons (via the truth file).
  * customers.csv: exactly the planned number of dump persons; every exposed row
    matches its dump person after simple normalisation; no fresh row shares a
    phone or address with any dump or delivery person.
Reads .gz files transparently.  Stdlib only; meant for tests and CI.
"""

import csv
import gzip
import io
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pools  # noqa: E402

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MOBILE_PREFIXES = {p for p, _ in pools.MOBILE_PREFIXES}
T2S_NAME = {t: s for s, t in pools.S2T_NAME.items()}
PHONE_RE = re.compile(r"^1\d{10}$")
ID_RE = re.compile(r"^\d{17}[\dX]$")


class Report:
    """Collects failures; prints a line per check."""

    def __init__(self):
        self.failures = 0

    def check(self, ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        self.failures += not ok


def open_bytes(directory, name):
    """Open name or name.gz in binary mode, or None if absent."""
    path = os.path.join(directory, name)
    if os.path.exists(path):
        return open(path, "rb")
    if os.path.exists(path + ".gz"):
        return gzip.open(path + ".gz", "rb")
    return None


def read_csv(directory, name):
    """All rows of a CSV output (header included), or None if absent."""
    f = open_bytes(directory, name)
    if f is None:
        return None
    with f:
        return list(csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline="")))


def id_ok(sfzh, csrq, xb):
    """Checksum, birth date and gender parity of an 18-character ID."""
    total = sum(int(c) * w for c, w in zip(sfzh[:17], ID_WEIGHTS))
    if "10X98765432"[total % 11] != sfzh[17]:
        return False
    if isinstance(csrq, str) and re.match(r"^\d{8}$", csrq) and sfzh[6:14] != csrq:
        return False
    if xb in ("男", "女") and (int(sfzh[16]) % 2 == 1) != (xb == "男"):
        return False
    return True


def canonical_phone(raw):
    """Digits of a CN mobile with +86/0086 and whitespace removed."""
    digits = re.sub(r"\D", "", raw)
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            digits = digits[len(prefix):]
    return digits


def canonical_name(raw):
    """Name with the generator's Traditional characters folded back."""
    return "".join(T2S_NAME.get(c, c) for c in raw)


def canonical_address(raw):
    """Undo the address_no_shi variant (上海… -> 上海市…)."""
    return "上海市" + raw[2:] if raw.startswith("上海") and not raw.startswith("上海市") else raw


def load_ndjson(directory, manifest, rep):
    """Parse persons.ndjson; return list of _source dicts keyed by _id (or None)."""
    f = open_bytes(directory, "persons.ndjson")
    if f is None:
        return None
    records, bad = {}, 0
    with f:
        for raw in f:
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                bad += 1
                continue
            if not isinstance(obj, dict) or "_source" not in obj or "_id" not in obj:
                bad += 1
                continue
            records[obj["_id"]] = obj["_source"]
    info = manifest["files"]["persons.ndjson"]
    rep.check(len(records) == info["records"], f"persons.ndjson: {len(records)} good records")
    rep.check(bad == info["malformed_lines"], f"persons.ndjson: {bad} malformed lines as in manifest")
    rep.check(all(r.get("_index", "shga_person") for r in records.values()), "persons.ndjson shape")
    return records


def check_persons(records, rep):
    """ID numbers and phones of the person dump."""
    ids, phones, bad_ids, bad_phones = set(), set(), 0, 0
    dup_ids = dup_phones = 0
    for src in records.values():
        sfzh = src.get("sfzh")
        if isinstance(sfzh, str) and ID_RE.match(sfzh):
            bad_ids += not id_ok(sfzh, src.get("csrq"), src.get("xb"))
            dup_ids += sfzh in ids
            ids.add(sfzh)
        phone = str(src.get("sjhm", ""))
        if PHONE_RE.match(phone):
            bad_phones += phone[:3] not in MOBILE_PREFIXES
            dup_phones += phone in phones
            phones.add(phone)
    rep.check(bad_ids == 0, f"sfzh: {len(ids)} full IDs, {bad_ids} with bad checksum/date/gender")
    rep.check(dup_ids == 0, f"sfzh: {dup_ids} duplicates")
    rep.check(bad_phones == 0, f"sjhm: {len(phones)} full phones, {bad_phones} with bad prefix")
    rep.check(dup_phones == 0, f"sjhm: {dup_phones} duplicates")
    dotted = sum("·" in str(r.get("xm", "")) for r in records.values())
    compound = sum(str(r.get("xm", ""))[:2] in {s for s, _, _ in pools.COMPOUND_SURNAMES}
                   for r in records.values())
    numbers = sum(isinstance(r.get("sjhm"), int) for r in records.values())
    print(f"info dotted names={dotted} compound surnames={compound} numeric phones={numbers}")


def check_csv_matches(directory, records, manifest, rep):
    """persons.csv holds the same values as persons.ndjson."""
    rows = read_csv(directory, "persons.csv")
    if rows is None:
        return
    rep.check(rows[0] == ["姓名", "性别", "出生日期", "身份证号", "手机号", "地址"], "persons.csv header")
    good = [r for r in rows[1:] if len(r) == 6]
    info = manifest["files"]["persons.csv"]
    rep.check(len(good) == info["records"], f"persons.csv: {len(good)} six-field rows")
    rep.check(len(rows) - 1 - len(good) == info["malformed_rows"],
              f"persons.csv: {len(rows) - 1 - len(good)} malformed rows as in manifest")
    rep.check(any("\n" in r[5] for r in good), "persons.csv: an address with an embedded newline")
    rep.check(any("," in r[5] for r in good), "persons.csv: addresses with commas")
    if records is not None:
        fields = ("xm", "xb", "csrq", "sfzh", "sjhm", "dz")
        expect = [[str(src.get(f, "")) for f in fields] for src in records.values()]
        rep.check(expect == good, "persons.csv rows equal persons.ndjson values, in order")


def check_deliveries(directory, records, rep):
    """Delivery parties are dump persons; returns their (phones, addresses)."""
    rows = read_csv(directory, "deliveries.csv")
    truth = read_csv(directory, "deliveries.truth.csv")
    if rows is None or truth is None or records is None:
        return set(), set()
    ok = all(t[1] in records and t[2] in records and t[1] != t[2] for t in truth[1:])
    rep.check(ok, f"deliveries: {len(rows) - 1} records, all parties are dump persons")
    names_ok = all(records[t[1]].get("xm", r[1]) in (r[1], "", "NULL")
                   for r, t in zip(rows[1:], truth[1:]))
    rep.check(names_ok, "deliveries: sender names agree with the dump")
    phones = {r[2] for r in rows[1:]} | {r[5] for r in rows[1:]}
    addresses = {r[3] for r in rows[1:]} | {r[6] for r in rows[1:]}
    return phones, addresses


def check_customers(directory, records, manifest, extra_phones, extra_addresses, rep):
    """Exposed rows match the dump; fresh rows match nothing; variants as recorded."""
    rows = read_csv(directory, "customers.csv")
    truth = read_csv(directory, "customers.truth.csv")
    if rows is None or truth is None:
        return
    info = manifest["files"]["customers.csv"]
    exposed = sum(t[1] == "1" for t in truth[1:])
    rep.check(exposed == info["in_dump"] and len(truth) - 1 - exposed == info["not_in_dump"],
              f"customers: {exposed} in dump of {len(truth) - 1}")
    if records is None:
        return
    by_phone = {str(s["sjhm"]): s for s in records.values() if "sjhm" in s}
    dump_addresses = {s["dz"] for s in records.values() if isinstance(s.get("dz"), str)}
    miss, false_hits, variants_ok = 0, 0, True
    for row, t in zip(rows[1:], truth[1:]):
        phone, name, addr = canonical_phone(row[2]), canonical_name(row[1]), canonical_address(row[3])
        src = by_phone.get(phone)
        if t[1] == "1":
            miss += not (src and src.get("xm") == name and src.get("dz") == addr)
        else:
            false_hits += bool(src) or phone in extra_phones or addr in dump_addresses \
                or addr in extra_addresses
        variants_ok &= (t[2] == "none") == (row[1] == name and row[2] == phone
                                            and row[3] == addr)
    rep.check(miss == 0, f"customers: {miss} exposed rows not found in the dump")
    rep.check(false_hits == 0, f"customers: {false_hits} fresh rows colliding with dump/deliveries")
    rep.check(variants_ok, "customers: rows differ from canonical form exactly when variant != none")


def main(argv):
    """Run every check that applies to the files present in DIR."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = argv[1]
    with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    rep = Report()
    rep.check(manifest.get("synthetic") is True, "manifest says synthetic")
    rep.check(id_ok("11010519491231002X", None, None) and id_ok("440524188001010014", None, None)
              and not id_ok("110105194912310021", None, None), "GB 11643 reference vectors")
    records = load_ndjson(directory, manifest, rep)
    if records is not None:
        check_persons(records, rep)
    check_csv_matches(directory, records, manifest, rep)
    phones, addresses = check_deliveries(directory, records, rep)
    check_customers(directory, records, manifest, phones, addresses, rep)
    print(f"{rep.failures} failure(s)")
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
