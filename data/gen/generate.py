#!/usr/bin/env python3
"""Deterministic generator of SYNTHETIC Chinese person data for leakdex tests.

Every value is made up from the vocabularies in pools.py and a seeded PRNG.
Nothing here comes from a real leak.  Same seed and arguments -> the same
bytes (with the same Python minor version; see data/README.md).

Usage:
    python3 data/gen/generate.py --seed 42 --persons 2000 --out DIR \
        [--deliveries K] [--customers M] [--formats ndjson,csv,delivery,customers] \
        [--malformed RATE] [--gzip]

Design notes:
  * Person i is a pure function of (seed, i): it is rebuilt from its own PRNG
    stream, so deliveries and customer lists can refer to dump persons without
    holding the dump in memory.  The one exception is the sequence part of the
    ID number, handed out in dump order so that ID numbers never repeat.
  * Dump persons have indexes 0..N-1.  "Fresh" persons (customers that are NOT
    in the dump) have indexes N.., live on a disjoint set of roads and get
    phone numbers from the same bijection, so no key of theirs can collide
    with a dump person.
  * Output is streamed; memory use does not grow with --persons (apart from a
    fixed ~6 MB ID-sequence table and, for huge --customers, the customer plan).
"""

import argparse
import base64
import csv
import gzip
import json
import os
import random
import sys
import time
from array import array
from datetime import date
from json.encoder import encode_basestring as _jq  # C-accelerated JSON string quoting

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pools  # noqa: E402  (local module next to this script)

GENERATOR_VERSION = "1"

# The leak happened mid-2022; ages are computed against this fixed date (never
# "today", which would break determinism).
REFERENCE_DATE = date(2022, 6, 30)
MIN_AGE = 18
FIRST_BIRTH_YEAR = 1932

# Independent PRNG streams, so that enabling one output never changes another.
STREAM_PERSON, STREAM_DELIVERY, STREAM_CUSTOMER, STREAM_MALFORMED, STREAM_SETUP = range(1, 6)

ALL_FORMATS = ("ndjson", "csv", "delivery", "customers")
FORMAT_ALIASES = {"deliveries": "delivery", "customer": "customers", "json": "ndjson"}

# Rates (per person unless noted).
RATE_DOT_NAME = 0.004        # Uyghur-style names with a middle dot
RATE_COMPOUND = 0.02         # compound surnames such as 欧阳
RATE_SINGLE_GIVEN = 0.25     # one-character given name
RATE_HOUSEHOLD = 0.06        # shares the address of a nearby person
RATE_EMAIL = 0.35
RATE_OUTSIDE_SHANGHAI = 0.22  # ID address code outside Shanghai
RATE_ABOLISHED = 0.05        # abolished Shanghai code (births up to 2000)
RATE_LIVE_IN_ID_DISTRICT = 0.6
RATE_PHONE_NUMBER = 0.10     # sjhm written as a JSON number
RATE_DIRTY = 0.01            # one field replaced by a junk value
RATE_COMMA_ADDRESS = 0.004   # dump address carries ",<remark>"
MISSING_RATES = (("xm", 0.004), ("xb", 0.004), ("csrq", 0.015), ("sfzh", 0.01),
                 ("sjhm", 0.03), ("dz", 0.025), ("mz", 0.05), ("zy", 0.08))
RATE_CUSTOMER_VARIANT = 0.30

CUSTOMER_VARIANTS = ("phone_plus86", "phone_0086", "phone_whitespace",
                     "name_traditional", "address_no_shi")
NDJSON_MALFORMED_KINDS = ("truncated_json", "invalid_utf8", "non_object")
CSV_MALFORMED_KINDS = ("too_many_fields", "too_few_fields")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
SEQ_SLOTS = 499  # sequence values per (region, birth day, gender)

PERSON_CSV_HEADER = ["姓名", "性别", "出生日期", "身份证号", "手机号", "地址"]
DELIVERY_CSV_HEADER = ["order_id", "sender_name", "sender_phone", "sender_address",
                       "recipient_name", "recipient_phone", "recipient_address", "item"]
CUSTOMER_CSV_HEADER = ["customer_id", "name", "phone", "address"]
CUSTOMER_TRUTH_HEADER = ["customer_id", "in_dump", "variant"]
DELIVERY_TRUTH_HEADER = ["order_id", "sender_id", "recipient_id"]


# --- Small helpers -----------------------------------------------------------

class GenerationError(Exception):
    """The requested output cannot be generated (reported, exit status 1)."""


def stream_seed(seed, stream, index):
    """Seed for the PRNG of one (stream, index); distinct for distinct inputs."""
    return ((seed * 16 + stream) << 40) + index


def expand_weighted(pairs):
    """Turn [(value, int_weight), ...] into a flat table for O(1) weighted picks."""
    table = []
    for value, weight in pairs:
        table.extend([value] * weight)
    return table


def pick(table, rnd):
    """Uniform pick from an expanded table using the float source rnd()."""
    return table[int(rnd() * len(table))]


def digit_weight_sum(digits, first_position):
    """Partial checksum of `digits` placed at ID position first_position (0-based)."""
    return sum(int(c) * ID_WEIGHTS[first_position + k] for k, c in enumerate(digits))


def coprime_to_ten(value):
    """Smallest integer >= value that is odd and not a multiple of 5."""
    while value % 2 == 0 or value % 5 == 0:
        value += 1
    return value


# --- Precomputed world -------------------------------------------------------

class World:
    """All seed-dependent lookup tables, built once per run."""

    def __init__(self, seed, persons):
        self.seed = seed
        self.persons = persons
        setup = random.Random(stream_seed(seed, STREAM_SETUP, 0))
        self._build_names()
        self._build_days()
        self._build_regions()
        self._build_roads(setup)
        self._build_phone_permutation(setup)
        self.prefixes = expand_weighted(pools.MOBILE_PREFIXES)
        self.email_domains = expand_weighted(pools.EMAIL_DOMAINS)
        self.ethnicities = expand_weighted(pools.ETHNICITIES)
        self.occ_student = expand_weighted(pools.OCCUPATIONS_STUDENT)
        self.occ_working = expand_weighted(pools.OCCUPATIONS_WORKING)
        self.occ_retired = expand_weighted(pools.OCCUPATIONS_RETIRED)
        self.carriers = expand_weighted(pools.CARRIERS)
        # The one dump person whose address carries an embedded newline.
        self.newline_index = setup.randrange(persons) if persons else -1

    def _build_names(self):
        """Weighted surname tables (single and compound)."""
        self.surnames = expand_weighted([((s, p), w) for s, p, w in pools.SURNAMES])
        self.compound = expand_weighted([((s, p), w) for s, p, w in pools.COMPOUND_SURNAMES])

    def _build_days(self):
        """Birth-day table: offset -> 'YYYYMMDD', year, checksum part."""
        self.day0 = date(FIRST_BIRTH_YEAR, 1, 1).toordinal()
        last = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - MIN_AGE).toordinal()
        self.ndays = last - self.day0 + 1
        self.day_str, self.day_year, self.day_sum = [], array("H"), array("H")
        for off in range(self.ndays):
            d = date.fromordinal(self.day0 + off)
            s = f"{d.year:04d}{d.month:02d}{d.day:02d}"
            self.day_str.append(s)
            self.day_year.append(d.year)
            self.day_sum.append(digit_weight_sum(s, 6))
        # Birth-year buckets (a rough population pyramid): (first, last, weight).
        buckets = [(1932, 1939, 2), (1940, 1949, 5), (1950, 1959, 12), (1960, 1969, 18),
                   (1970, 1979, 16), (1980, 1989, 18), (1990, 1999, 17),
                   (2000, REFERENCE_DATE.year - MIN_AGE, 8)]
        ranges = []
        for first, last_year, weight in buckets:
            lo = date(first, 1, 1).toordinal() - self.day0
            hi = min(date(last_year, 12, 31).toordinal() - self.day0, self.ndays - 1)
            ranges.append(((lo, hi - lo + 1), weight))
        self.day_ranges = expand_weighted(ranges)

    def _build_regions(self):
        """ID address codes: index tables plus their checksum parts."""
        codes = [c for _, c, _ in pools.SHANGHAI_DISTRICTS]
        codes += [c for c, _ in pools.SHANGHAI_ABOLISHED_CODES]
        codes += [c for c, _ in pools.OTHER_REGION_CODES]
        codes += [c for c, _ in pools.XINJIANG_REGION_CODES]
        self.region_codes = codes
        index = {c: k for k, c in enumerate(codes)}
        self.region_sum = [digit_weight_sum(c, 0) for c in codes]
        self.sh_districts = expand_weighted(
            [((name, index[code]), w) for name, code, w in pools.SHANGHAI_DISTRICTS])
        self.sh_district_of_region = {index[code]: name for name, code, _ in pools.SHANGHAI_DISTRICTS}
        self.abolished = expand_weighted([(index[c], w) for c, w in pools.SHANGHAI_ABOLISHED_CODES])
        self.other_regions = expand_weighted([(index[c], w) for c, w in pools.OTHER_REGION_CODES])
        self.xj_regions = expand_weighted([(index[c], w) for c, w in pools.XINJIANG_REGION_CODES])

    def _build_roads(self, setup):
        """Split road names into a dump pool and a disjoint pool for fresh persons."""
        stems = list(dict.fromkeys(pools.ROAD_STEMS))
        roads = [(stem + suffix, w) for stem in stems for suffix, w in pools.ROAD_SUFFIXES]
        setup.shuffle(roads)
        cut = len(roads) // 8
        self.fresh_roads = expand_weighted(roads[:cut])
        self.dump_roads = expand_weighted(roads[cut:])

    def _build_phone_permutation(self, setup):
        """Parameters of a seeded bijection index -> 8-digit subscriber number."""
        self.ph_a1 = coprime_to_ten(setup.randrange(10**7, 10**8))
        self.ph_b1 = setup.randrange(10**8)
        self.ph_a2 = coprime_to_ten(setup.randrange(10**7, 10**8))
        self.ph_b2 = setup.randrange(10**8)

    def subscriber(self, index):
        """8-digit subscriber part; a bijection on [0, 10**8), so never repeats."""
        x = (self.ph_a1 * index + self.ph_b1) % 10**8
        x = int(f"{x:08d}"[::-1])  # digit reversal: also a bijection
        return f"{(self.ph_a2 * x + self.ph_b2) % 10**8:08d}"


# --- Persons -----------------------------------------------------------------

class Person:
    """One synthetic person, plus how the person dump renders them."""

    __slots__ = ("index", "pid", "surname", "surname_py", "given", "given_py", "name",
                 "dotted", "male", "day", "region", "phone", "address", "email",
                 "ethnicity", "occupation", "missing", "dirty", "phone_as_number",
                 "address_remark")

    @property
    def clean(self):
        """True if the dump shows name, phone and address exactly as they are."""
        return not (self.address_remark or self.dirty
                    or {"xm", "sjhm", "dz"} & self.missing)


def make_person(world, index, fresh=False, allow_household=True, core_only=False):
    """Build person `index` from its own PRNG stream (pure function of seed+index).

    core_only stops after pid, name, gender, birth, region, phone and address
    (same values as a full build, since those are drawn first); it is enough
    for delivery records and about twice as fast.
    """
    rng = random.Random(stream_seed(world.seed, STREAM_PERSON, index))
    rnd = rng.random
    p = Person()
    p.index = index
    p.pid = base64.urlsafe_b64encode(rng.getrandbits(120).to_bytes(15, "big")).decode()
    p.male = rnd() < 0.5
    _draw_name(world, p, rnd)
    _draw_birth_and_region(world, p, rnd)
    p.phone = pick(world.prefixes, rnd) + world.subscriber(index)
    _draw_address(world, p, rnd, fresh, allow_household and not fresh)
    if core_only:
        return p
    p.email = _draw_email(world, p, rng) if rnd() < RATE_EMAIL else None
    p.ethnicity = "维吾尔族" if p.dotted else pick(world.ethnicities, rnd)
    p.occupation = _draw_occupation(world, p, rnd)
    _draw_dump_shape(world, p, rnd)
    return p


def _draw_name(world, p, rnd):
    """Name: surname + 1-2 given characters, compound surname, or a dotted name."""
    u = rnd()
    if u < RATE_DOT_NAME:
        first = pick(pools.DOT_NAME_FIRST_MALE if p.male else pools.DOT_NAME_FIRST_FEMALE, rnd)
        p.dotted, p.surname, p.surname_py, p.given_py = True, "", "", ""
        p.given = first + "·" + pick(pools.DOT_NAME_SECOND, rnd)
        p.name = p.given
        return
    p.dotted = False
    table = world.compound if u < RATE_DOT_NAME + RATE_COMPOUND else world.surnames
    p.surname, p.surname_py = pick(table, rnd)
    given_pool = pools.GIVEN_MALE if p.male else pools.GIVEN_FEMALE
    count = 1 if rnd() < RATE_SINGLE_GIVEN else 2
    chars = [pick(given_pool, rnd) for _ in range(count)]
    p.given = "".join(c for c, _ in chars)
    p.given_py = "".join(py for _, py in chars)
    p.name = p.surname + p.given


def _draw_birth_and_region(world, p, rnd):
    """Birth day offset and the region index of the ID address code."""
    lo, span = pick(world.day_ranges, rnd)
    p.day = lo + int(rnd() * span)
    if p.dotted:
        p.region = pick(world.xj_regions, rnd)
    elif rnd() < RATE_OUTSIDE_SHANGHAI:
        p.region = pick(world.other_regions, rnd)
    elif world.day_year[p.day] <= 2000 and rnd() < RATE_ABOLISHED:
        p.region = pick(world.abolished, rnd)
    else:
        p.region = pick(world.sh_districts, rnd)[1]


def _draw_address(world, p, rnd, fresh, allow_household):
    """Shanghai address; a few persons share a nearby person's address and surname."""
    if allow_household and p.index > 0 and rnd() < RATE_HOUSEHOLD:
        other = make_person(world, max(0, p.index - 1 - int(rnd() * 3)),
                            allow_household=False, core_only=True)
        p.address = other.address
        if rnd() < 0.5 and not p.dotted and not other.dotted:
            p.surname, p.surname_py = other.surname, other.surname_py
            p.name = p.surname + p.given
        return
    home = world.sh_district_of_region.get(p.region)
    if home is None or rnd() >= RATE_LIVE_IN_ID_DISTRICT:
        home = pick(world.sh_districts, rnd)[0]
    road = pick(world.fresh_roads if fresh else world.dump_roads, rnd)
    p.address = "上海市" + home + road + _house_number(rnd)


def _house_number(rnd):
    """The part after the road: 号, 弄…号, 栋, 室 in common Shanghai shapes."""
    form = rnd()
    number = 1 + int(rnd() ** 1.7 * 1500)
    room = f"{1 + int(rnd() * 28)}{1 + int(rnd() * 6):02d}"
    if form < 0.30:
        return f"{number}号"
    if form < 0.65:
        return f"{number}弄{1 + int(rnd() * 120)}号{room}室"
    if form < 0.85:
        return f"{number}号{1 + int(rnd() * 30)}栋{room}室"
    return f"{number}号{room}室"


def _draw_email(world, p, rng):
    """An e-mail address: QQ number, phone@139.com or a pinyin local part."""
    rnd = rng.random
    domain = pick(world.email_domains, rnd)
    if domain == "139.com":
        return f"{p.phone}@{domain}"
    if domain in ("qq.com", "vip.qq.com") or p.dotted:
        return f"{rng.randrange(10000, 3999999999)}@{domain}"
    year = world.day_year[p.day]
    style = rnd()
    if style < 0.35:
        local = f"{p.surname_py}{p.given_py}{year}"
    elif style < 0.6:
        local = f"{p.surname_py}{p.given_py}{rng.randrange(1, 1000)}"
    elif style < 0.8:
        local = f"{p.given_py}.{p.surname_py}"
    else:
        local = f"{p.surname_py[0]}{p.given_py}{year % 100:02d}"
    return f"{local}@{domain}"


def _draw_occupation(world, p, rnd):
    """Occupation consistent with age."""
    age = REFERENCE_DATE.year - world.day_year[p.day]
    if age <= 23:
        return pick(world.occ_student, rnd)
    if age >= 62:
        return pick(world.occ_retired, rnd)
    return pick(world.occ_working, rnd)


def _draw_dump_shape(world, p, rnd):
    """How the person dump renders this person: gaps, junk values, number phones."""
    p.missing = {field for field, rate in MISSING_RATES if rnd() < rate}
    p.phone_as_number = rnd() < RATE_PHONE_NUMBER
    p.dirty = None
    if rnd() < RATE_DIRTY:
        field = ("sjhm", "sjhm", "sfzh", "xm", "dz", "csrq")[int(rnd() * 6)]
        kind = ("", "NULL", "masked")[int(rnd() * 3)]
        if kind == "masked" and field not in ("sjhm", "sfzh"):
            kind = "NULL"
        p.dirty = (field, kind)
        p.missing.discard(field)
    p.address_remark = None
    if p.index == world.newline_index:
        p.address_remark = "\n" + pick(pools.ADDRESS_REMARKS, rnd)
    elif rnd() < RATE_COMMA_ADDRESS:
        p.address_remark = "," + pick(pools.ADDRESS_REMARKS, rnd)


class IdAllocator:
    """Hands out the 3-digit ID sequence so that no two dump persons share an ID."""

    def __init__(self, world):
        self.world = world
        self.counts = array("H", bytes(2 * len(world.region_codes) * world.ndays * 2))
        self.seq_sum = [digit_weight_sum(f"{seq:03d}", 14) for seq in range(1000)]

    def assign(self, p):
        """Return the 18-digit ID of p; may move p.day by a few days if a slot is full."""
        w = self.world
        while True:
            slot = (p.region * w.ndays + p.day) * 2 + p.male
            n = self.counts[slot]
            if n < SEQ_SLOTS:
                break
            p.day = (p.day + 1) % w.ndays
        self.counts[slot] = n + 1
        half = ((slot * 2654435761 >> 7) + n * 37) % SEQ_SLOTS  # 37 is coprime to 499
        seq = 2 * half + (1 if p.male else 2)                   # odd = male, even = female
        total = w.region_sum[p.region] + w.day_sum[p.day] + self.seq_sum[seq]
        return f"{w.region_codes[p.region]}{w.day_str[p.day]}{seq:03d}{ID_CHECK_CHARS[total % 11]}"


# --- Output sinks ------------------------------------------------------------

class Sink:
    """Buffered UTF-8 text/bytes writer to a plain or gzip file (reproducible)."""

    FLUSH_EVERY = 4096

    def __init__(self, path, use_gzip):
        self.path = path + (".gz" if use_gzip else "")
        self._raw = open(self.path, "wb")
        self._out = (gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0,
                                   compresslevel=6) if use_gzip else self._raw)
        self._parts = []

    def write(self, text):
        """Queue text (also the interface csv.writer needs)."""
        self._parts.append(text)
        if len(self._parts) >= self.FLUSH_EVERY:
            self._flush()

    def write_bytes(self, data):
        """Write raw bytes (used for deliberately invalid UTF-8)."""
        self._flush()
        self._out.write(data)

    def _flush(self):
        """Encode and write the queued text."""
        if self._parts:
            self._out.write("".join(self._parts).encode("utf-8"))
            self._parts.clear()

    def close(self):
        """Flush and close (finishing the gzip member if any)."""
        self._flush()
        if self._out is not self._raw:
            self._out.close()
        self._raw.close()


def csv_writer(sink):
    """RFC 4180 quoting (minimal), LF line ends."""
    return csv.writer(sink, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


# --- Person dump (NDJSON + CSV) -----------------------------------------------

def dump_values(p, id_number, world):
    """Ordered (field, value) pairs the dump holds for p; value may be an int."""
    address = p.address + (p.address_remark or "")
    values = [("xm", p.name), ("xb", "男" if p.male else "女"), ("csrq", world.day_str[p.day]),
              ("sfzh", id_number), ("sjhm", int(p.phone) if p.phone_as_number else p.phone),
              ("dz", address), ("mz", p.ethnicity), ("zy", p.occupation)]
    if p.email:
        values.append(("dzyx", p.email))
    if p.dirty:
        field, kind = p.dirty
        values = [(f, _dirty_value(v, kind) if f == field else v) for f, v in values]
    return [(f, v) for f, v in values if f not in p.missing]


def _dirty_value(value, kind):
    """Junk replacement for a field value."""
    if kind == "masked":
        s = str(value)
        return s[:3] + "****" + s[7:] if len(s) == 11 else s[:4] + "*" * 10 + s[14:]
    return kind


def ndjson_line(p, values):
    """One Elasticsearch-export line (with trailing newline)."""
    fields = ",".join(f'"{f}":{v}' if isinstance(v, int) else f'"{f}":{_jq(v)}'
                      for f, v in values)
    return f'{{"_index":"shga_person","_id":"{p.pid}","_source":{{{fields}}}}}\n'


CSV_FIELDS = ("xm", "xb", "csrq", "sfzh", "sjhm", "dz")


def csv_row(values):
    """The persons.csv row (missing fields become empty cells)."""
    d = dict(values)
    return [str(d.get(f, "")) for f in CSV_FIELDS]


# Valid JSON texts that are not objects (so a reader must reject, not unwrap).
NON_OBJECT_LINES = ('[1,2,3]', '"shga_person"', '42', 'null', 'true')


def malformed_ndjson(line, rng, counts):
    """A deliberately broken NDJSON line derived from a good one (bytes)."""
    kind = NDJSON_MALFORMED_KINDS[int(rng.random() * len(NDJSON_MALFORMED_KINDS))]
    counts[kind] = counts.get(kind, 0) + 1
    body = line.rstrip("\n")
    if kind == "truncated_json":
        return body[:1 + int(rng.random() * (len(body) - 2))].encode("utf-8") + b"\n"
    if kind == "invalid_utf8":
        cut = body.index('"_source"') + 12 + int(rng.random() * 10)
        junk = (b"\xff", b"\xc3\x28", b"\xe4\xb8", b"\xed\xa0\x80")[int(rng.random() * 4)]
        return body[:cut].encode("utf-8") + junk + body[cut:].encode("utf-8") + b"\n"
    return NON_OBJECT_LINES[int(rng.random() * len(NON_OBJECT_LINES))].encode() + b"\n"


def malformed_csv(row, rng, counts):
    """A persons.csv row with too many or too few fields."""
    kind = CSV_MALFORMED_KINDS[int(rng.random() * 2)]
    counts[kind] = counts.get(kind, 0) + 1
    if kind == "too_many_fields":
        return row + ["备注"] * (1 + int(rng.random() * 3))
    return row[:2 + int(rng.random() * 3)]


def write_person_dump(world, args, out_dir, stats):
    """Stream persons 0..N-1 into persons.ndjson and/or persons.csv."""
    want_json, want_csv = "ndjson" in args.formats, "csv" in args.formats
    ndj = Sink(os.path.join(out_dir, "persons.ndjson"), args.gzip) if want_json else None
    csv_sink = Sink(os.path.join(out_dir, "persons.csv"), args.gzip) if want_csv else None
    writer = csv_writer(csv_sink) if want_csv else None
    if writer:
        writer.writerow(PERSON_CSV_HEADER)
    ids = IdAllocator(world)
    bad_rng = random.Random(stream_seed(world.seed, STREAM_MALFORMED, 0))
    bad_json, bad_csv = {}, {}
    shape = {"phone_as_number": 0, "dirty": 0, "records_with_missing_fields": 0,
             "address_with_comma": 0, "address_with_newline": 0, "clean": 0}
    for i in range(world.persons):
        p = make_person(world, i)
        values = dump_values(p, ids.assign(p), world)
        _count_shape(p, shape)
        if ndj:
            line = ndjson_line(p, values)
            ndj.write(line)
            if args.malformed and bad_rng.random() < args.malformed:
                ndj.write_bytes(malformed_ndjson(line, bad_rng, bad_json))
        if writer:
            row = csv_row(values)
            writer.writerow(row)
            if args.malformed and bad_rng.random() < args.malformed:
                writer.writerow(malformed_csv(row, bad_rng, bad_csv))
    for sink in (ndj, csv_sink):
        if sink:
            sink.close()
    stats["persons"] = dict(count=world.persons, **shape)
    if ndj:
        stats["persons.ndjson"] = {"records": world.persons,
                                   "malformed_lines": sum(bad_json.values()),
                                   "malformed_by_kind": dict(sorted(bad_json.items()))}
    if writer:
        stats["persons.csv"] = {"records": world.persons,
                                "malformed_rows": sum(bad_csv.values()),
                                "malformed_by_kind": dict(sorted(bad_csv.items()))}


def _count_shape(p, shape):
    """Add p's dump quirks to the manifest counters."""
    shape["phone_as_number"] += p.phone_as_number and "sjhm" not in p.missing and not (
        p.dirty and p.dirty[0] == "sjhm")
    shape["dirty"] += p.dirty is not None
    shape["records_with_missing_fields"] += bool(p.missing)
    shape["address_with_comma"] += bool(p.address_remark) and p.address_remark[0] == ","
    shape["address_with_newline"] += bool(p.address_remark) and p.address_remark[0] == "\n"
    shape["clean"] += p.clean


# --- Deliveries ----------------------------------------------------------------

def write_deliveries(world, args, out_dir, stats):
    """Express-delivery records whose senders and recipients are dump persons."""
    rng = random.Random(stream_seed(world.seed, STREAM_DELIVERY, 0))
    rnd = rng.random
    a = coprime_to_ten(rng.randrange(10**11, 10**12))
    b = rng.randrange(10**12)
    sink = Sink(os.path.join(out_dir, "deliveries.csv"), args.gzip)
    truth = Sink(os.path.join(out_dir, "deliveries.truth.csv"), args.gzip)
    out, tout = csv_writer(sink), csv_writer(truth)
    out.writerow(DELIVERY_CSV_HEADER)
    tout.writerow(DELIVERY_TRUTH_HEADER)
    n = world.persons
    for k in range(args.deliveries):
        s_idx = int(rnd() * n)
        r_idx = int(rnd() * (n - 1)) if n > 1 else 0
        r_idx += r_idx >= s_idx and n > 1
        sender = make_person(world, s_idx, core_only=True)
        recipient = make_person(world, r_idx, core_only=True)
        order_id = pick(world.carriers, rnd) + f"{(a * k + b) % 10**12:012d}"
        item = pick(pools.ITEMS, rnd)
        if rnd() < 0.2:
            item += f" x{2 + int(rnd() * 4)}"
        out.writerow([order_id, sender.name, sender.phone, sender.address,
                      recipient.name, recipient.phone, recipient.address, item])
        tout.writerow([order_id, sender.pid, recipient.pid])
    sink.close()
    truth.close()
    stats["deliveries.csv"] = {"records": args.deliveries}


# --- Customers -----------------------------------------------------------------

def plan_exposed(world, count, rng):
    """Distinct dump persons whose dump record shows name, phone and address cleanly."""
    chosen, seen = [], set()
    attempts, limit = 0, 20 * count + 1000
    while len(chosen) < count:
        attempts += 1
        if attempts > limit:
            raise GenerationError(f"cannot find {count} clean dump persons for the "
                                  f"customer list; use more --persons or fewer --customers")
        idx = int(rng.random() * world.persons)
        if idx in seen:
            continue
        seen.add(idx)
        p = make_person(world, idx)
        if p.clean:
            chosen.append(p)
    return chosen


def customer_variant(p, rng):
    """Pick a variant applicable to p, or 'none' (about 70 % of rows)."""
    if rng.random() >= RATE_CUSTOMER_VARIANT:
        return "none"
    options = [v for v in CUSTOMER_VARIANTS
               if v != "name_traditional" or traditional_name(p.name) != p.name]
    return options[int(rng.random() * len(options))]


def traditional_name(name):
    """Name with every mappable character in its Traditional form."""
    return "".join(pools.S2T_NAME.get(c, c) for c in name)


def render_customer(p, variant, rng):
    """(name, phone, address) as written in the customer list."""
    name, phone, address = p.name, p.phone, p.address
    if variant == "phone_plus86":
        phone = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
    elif variant == "phone_0086":
        phone = f"0086-{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    elif variant == "phone_whitespace":
        lead, trail = (("", " "), (" ", ""), ("\t", ""), ("", "\t"), ("  ", "\t"), (" \t", " "))[
            int(rng.random() * 6)]
        phone = lead + phone + trail
    elif variant == "name_traditional":
        name = traditional_name(name)
    elif variant == "address_no_shi":
        address = address.replace("上海市", "上海", 1)
    return name, phone, address


def write_customers(world, args, out_dir, stats):
    """Customer list: half dump persons (some written differently), half fresh persons."""
    rng = random.Random(stream_seed(world.seed, STREAM_CUSTOMER, 0))
    m = args.customers
    exposed_n = m // 2
    plan = [True] * exposed_n + [False] * (m - exposed_n)
    rng.shuffle(plan)
    exposed = iter(plan_exposed(world, exposed_n, rng))
    sink = Sink(os.path.join(out_dir, "customers.csv"), args.gzip)
    truth = Sink(os.path.join(out_dir, "customers.truth.csv"), args.gzip)
    out, tout = csv_writer(sink), csv_writer(truth)
    out.writerow(CUSTOMER_CSV_HEADER)
    tout.writerow(CUSTOMER_TRUTH_HEADER)
    width = max(6, len(str(m)))
    variants, fresh_k = {}, 0
    for k, in_dump in enumerate(plan):
        if in_dump:
            p = next(exposed)
        else:
            p = make_person(world, world.persons + fresh_k, fresh=True)
            fresh_k += 1
        variant = customer_variant(p, rng)
        key = ("exposed:" if in_dump else "fresh:") + variant
        variants[key] = variants.get(key, 0) + 1
        cid = f"C{k + 1:0{width}d}"
        out.writerow([cid, *render_customer(p, variant, rng)])
        tout.writerow([cid, 1 if in_dump else 0, variant])
    sink.close()
    truth.close()
    stats["customers.csv"] = {"records": m, "in_dump": exposed_n, "not_in_dump": m - exposed_n,
                              "variants": dict(sorted(variants.items()))}


# --- CLI -------------------------------------------------------------------------

def parse_args(argv):
    """Parse and validate the command line."""
    ap = argparse.ArgumentParser(
        description="Generate deterministic SYNTHETIC Chinese person data for leakdex tests.")
    ap.add_argument("--seed", type=int, default=42, help="PRNG seed (>= 0), default 42")
    ap.add_argument("--persons", type=int, required=True, help="persons in the dump (N)")
    ap.add_argument("--out", required=True, help="output directory (created if absent)")
    ap.add_argument("--customers", type=int, default=None,
                    help="customer-list rows (M); half are dump persons. Default min(1000, N)")
    ap.add_argument("--deliveries", type=int, default=None,
                    help="delivery records. Default N/4")
    ap.add_argument("--formats", default=",".join(ALL_FORMATS),
                    help="comma list of: " + ",".join(ALL_FORMATS) + " (default all)")
    ap.add_argument("--malformed", type=float, default=0.0, metavar="RATE",
                    help="after each person, add a malformed NDJSON line / CSV row with "
                         "this probability (0..1). Default 0")
    ap.add_argument("--gzip", action="store_true", help="write .gz files (reproducible headers)")
    ap.add_argument("--jobs", type=int, default=min(3, os.cpu_count() or 1),
                    help="worker processes for the independent outputs (person dump, "
                         "deliveries, customers); output is identical for any value. "
                         "Default min(3, CPUs)")
    ap.add_argument("--quiet", action="store_true", help="no summary on stderr")
    args = ap.parse_args(argv)
    _validate_args(ap, args)
    return args


def _validate_args(ap, args):
    """Normalise --formats and fill defaults; ap.error() (exit 2) on bad values."""
    formats = [FORMAT_ALIASES.get(f.strip(), f.strip()) for f in args.formats.split(",") if f.strip()]
    unknown = [f for f in formats if f not in ALL_FORMATS]
    if unknown:
        ap.error(f"unknown format(s): {','.join(unknown)}")
    args.formats = [f for f in ALL_FORMATS if f in formats]
    if args.seed < 0:
        ap.error("--seed must be >= 0")
    if args.persons < 1:
        ap.error("--persons must be >= 1")
    if args.customers is None:
        args.customers = min(1000, args.persons)
    if args.deliveries is None:
        args.deliveries = args.persons // 4
    if args.customers < 0 or args.deliveries < 0:
        ap.error("--customers and --deliveries must be >= 0")
    if args.persons + args.customers > 10**8:
        ap.error("--persons + --customers must stay below 100,000,000 (phone-number space)")
    if not 0.0 <= args.malformed <= 1.0:
        ap.error("--malformed must be between 0 and 1")


def write_manifest(args, out_dir, stats):
    """manifest.json: arguments and exact counts, so tests need not recount."""
    manifest = {
        "synthetic": True,
        "generator": "data/gen/generate.py",
        "generator_version": GENERATOR_VERSION,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "args": {"seed": args.seed, "persons": args.persons, "deliveries": args.deliveries,
                 "customers": args.customers, "formats": args.formats,
                 "malformed": args.malformed, "gzip": args.gzip},
        "reference_date": REFERENCE_DATE.isoformat(),
        "files": stats,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")


def _timed_step(name, step, world, args):
    """Run one output step; return (stats, {name: seconds}).  Picklable for workers."""
    t = time.perf_counter()
    stats = {}
    step(world, args, args.out, stats)
    return stats, {name: time.perf_counter() - t}


def run_steps(world, args, steps):
    """Run the enabled steps, in worker processes when --jobs > 1.

    Each step writes its own files from its own PRNG streams, so running them
    concurrently gives the same bytes as running them one after another.
    Results come back in step order, which keeps manifest.json deterministic.
    """
    enabled = [(name, step) for name, step, on in steps if on]
    if args.jobs <= 1 or len(enabled) <= 1:
        return [_timed_step(name, step, world, args) for name, step in enabled]
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(min(args.jobs, len(enabled))) as pool:
        pending = [pool.apply_async(_timed_step, (name, step, world, args))
                   for name, step in enabled]
        return [p.get() for p in pending]


def main(argv=None):
    """Generate every requested output into --out, then manifest.json."""
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    world = World(args.seed, args.persons)
    stats, timings = {}, {"setup": time.perf_counter() - t0}
    steps = [("persons", write_person_dump, "ndjson" in args.formats or "csv" in args.formats),
             ("deliveries", write_deliveries, "delivery" in args.formats),
             ("customers", write_customers, "customers" in args.formats)]
    try:
        for part_stats, part_timings in run_steps(world, args, steps):
            stats.update(part_stats)
            timings.update(part_timings)
    except GenerationError as e:
        print(f"generate.py: {e}", file=sys.stderr)
        return 1
    write_manifest(args, args.out, stats)
    if not args.quiet:
        parts = " ".join(f"{k}={v:.1f}s" for k, v in timings.items())
        print(f"generate.py: wrote {args.out} ({parts}, total={time.perf_counter() - t0:.1f}s)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
