#!/usr/bin/env python3
"""Streams a large SYNTHETIC police-style dump as NDJSON to stdout, fast.

    bench/bigdump.py --gb 20 | leakdex ingest ... -        (the dump)
    bench/bigdump.py --person K --field phone              (one value of person K)

The Shanghai leak was ~23 TB for ~1 billion residents: most of its bytes are
case and delivery records around a few identities. Each line here is one
person (name, gender, birth date, 18-digit ID number with a valid check
digit, mobile number, Shanghai address, sometimes an e-mail) plus a long case
record text of ~700 bytes, so 20 GB is ~20 million persons and ~1.4e8 keys.

Person K is a pure function of K (no RNG state), so --person can name any
person's values for spot checks without generating the others. Phone numbers
are distinct for every K below 4.6e9 (prefix = K mod 46, then an affine
bijection of K div 46 onto 8 digits); other fields repeat as in real data.
data/gen/generate.py is the realistic generator (messy variants, households,
deliveries) but costs ~27 us a person; this one costs ~3 us so that a 20 GB
benchmark is bounded by leakdex, not by the generator. Every value is built
from the generic vocabularies in data/gen/pools.py: nothing is real.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "gen"))
import pools  # noqa: E402

PREFIXES = [p for p, _ in pools.MOBILE_PREFIXES]
SURNAMES = [s for s, _, _ in pools.SURNAMES]
GIVEN = [c for c, _ in pools.GIVEN_MALE] + [c for c, _ in pools.GIVEN_FEMALE]
DISTRICTS = [(n, c) for n, c, _ in pools.SHANGHAI_DISTRICTS]
ROADS = [s + x for s in pools.ROAD_STEMS for x, _ in pools.ROAD_SUFFIXES]
OCCUPATIONS = [o for o, _ in pools.OCCUPATIONS_WORKING]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
PHRASES = ["报案人称", "于当日晚间", "在小区门口", "发现电动自行车被盗", "经民警现场勘查", "调取周边监控",
           "嫌疑人身穿深色外套", "随后向东逃离", "已录入系统", "案件正在侦办中", "涉案金额约", "元",
           "当事人情绪稳定", "双方达成调解协议", "告知相关法律规定", "已电话回访", "物品已追回", "移交辖区派出所"]


def mix(k, salt):
    """A 64-bit bijective mix (splitmix64 finaliser) of k and salt."""
    z = (k * 0x9E3779B97F4A7C15 + salt) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


def case_texts(count=4096, length=700):
    """Precomputed case-record texts (~length bytes of UTF-8 each)."""
    texts = []
    for t in range(count):
        parts, size, j = [], 0, 0
        while size < length:
            p = PHRASES[mix(t, j) % len(PHRASES)]
            parts.append(p)
            size += len(p.encode()) + 3
            j += 1
        texts.append("，".join(parts) + "。")
    return texts


def person(k):
    """The fields of person k as a dict of plain strings."""
    m = mix(k, 1)
    phone = PREFIXES[k % 46] + "%08d" % ((k // 46 * 7919 + 12345) % 100000000)
    surname = SURNAMES[m % len(SURNAMES)]
    given = GIVEN[(m >> 8) % len(GIVEN)]
    if (m >> 16) & 1:
        given += GIVEN[(m >> 20) % len(GIVEN)]
    district, code = DISTRICTS[(m >> 28) % len(DISTRICTS)]
    year, month, day = 1940 + (m >> 32) % 66, 1 + (m >> 40) % 12, 1 + (m >> 44) % 28
    seq = (m >> 50) % 1000
    body = "%s%04d%02d%02d%03d" % (code, year, month, day, seq)
    check = ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]
    road = ROADS[(m >> 12) % len(ROADS)]
    address = "上海市%s%s%d号%d室" % (district, road, 1 + (m >> 24) % 999, 101 + (m >> 36) % 2400)
    return {"xm": surname + given, "xb": "男" if seq % 2 else "女", "csrq": body[6:14],
            "sfzh": body + check, "sjhm": phone, "dz": address,
            "zy": OCCUPATIONS[(m >> 56) % len(OCCUPATIONS)],
            "email": ("u%d@example.com" % k) if m % 5 == 0 else ""}


def line(k, texts):
    p = person(k)
    email = ',"email":"%s"' % p["email"] if p["email"] else ""
    return ('{"_index":"shga_case","_id":"%d","_source":{"xm":"%s","xb":"%s","csrq":"%s","sfzh":"%s",'
            '"sjhm":"%s","dz":"%s","zy":"%s"%s,"ajxx":"%s"}}\n') % (
        k, p["xm"], p["xb"], p["csrq"], p["sfzh"], p["sjhm"], p["dz"], p["zy"], email,
        texts[mix(k, 2) % len(texts)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gb", type=float, help="stop after this many GB (1e9 bytes) of NDJSON")
    ap.add_argument("--persons", type=int, help="or after this many persons")
    ap.add_argument("--person", type=int, help="print one field of person K and exit")
    ap.add_argument("--field", default="sjhm", help="with --person: sjhm, sfzh, xm, dz or email")
    args = ap.parse_args()
    if args.person is not None:
        print(person(args.person)[args.field])
        return
    if args.gb is None and args.persons is None:
        ap.error("give --gb or --persons")
    limit_bytes = int(args.gb * 1e9) if args.gb else None
    limit_persons = args.persons
    texts = case_texts()
    out = sys.stdout.buffer
    k, written, batch = 0, 0, 20000
    while True:
        if limit_persons is not None and k >= limit_persons:
            break
        if limit_bytes is not None and written >= limit_bytes:
            break
        stop = k + batch if limit_persons is None else min(k + batch, limit_persons)
        chunk = "".join(line(i, texts) for i in range(k, stop)).encode()
        out.write(chunk)
        written += len(chunk)
        k = stop
    out.flush()
    print("bigdump: %d persons, %d bytes" % (k, written), file=sys.stderr)


if __name__ == "__main__":
    main()
