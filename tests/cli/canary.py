#!/usr/bin/env python3
"""Canary identities for the privacy proof (issue 7; SPEC §2 P1).

  canary.py make OUTDIR
      Writes one input file per format, each holding its own canary identities
      (name, phone, e-mail, ID number, address, birth date) among synthetic filler
      rows: NDJSON, JSON array, CSV, TSV, colon-delimited, SQL dump, CSV in GB18030,
      CSV in UTF-16LE (BOM) and UTF-16BE (BOM), NDJSON.gz and a zip of CSV. Also
      OUTDIR/canaries.json (the values), OUTDIR/indexed.json (those in the
      files to ingest) and OUTDIR/queries.csv (canaries for batch).
  canary.py scan CANARIES PATH...
      Searches every file under PATH for every canary value as UTF-8, GB18030,
      UTF-16LE, UTF-16BE, JSON \\u-escaped, digits only (values with 7+ digits) and hex (lower and
      upper case of the UTF-8 bytes). Exit 1 on any hit; prints the kind, the
      encoding and the file, never the value.
  canary.py hashes CANARIES PATH...
      Searches for unkeyed hashes of every canonical form of every canary: MD5,
      SHA-1, SHA-256, XXH64 and XXH3-64 (seed 0) of the value and of the value
      framed as leakdex frames PRF input (u32le length + bytes); the first 8 bytes
      of each digest in both byte orders. Exit 1 on any hit.
Both searches print how many needles and files they checked.
"""
import ctypes
import gzip
import hashlib
import io
import json
import os
import re
import struct
import sys
import zipfile

import needle_search  # beside this script

FORMATS = ["ndjson", "json", "csv", "tsv", "colon", "sql", "gb18030", "utf16le", "utf16be", "gz", "zip", "query"]
SURNAMES = "甄隗逯璩"
GIVEN = ["雀鸣", "金丝", "试岚", "探微"]


def id_check(body17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * k for c, k in zip(body17, w)) % 11]


def canary(fmt_no, j):
    """The j-th canary of format number fmt_no: every value unique to it."""
    n = fmt_no * 4 + j
    body = f"330106{1970 + n % 30}{(n % 12) + 1:02d}{(n % 27) + 1:02d}{700 + n:03d}"
    return {
        "name": SURNAMES[j % 4] + GIVEN[(fmt_no + j) % 4] + chr(0x4E00 + 0x321 + n),
        "phone": f"1390571{n:04d}",
        "email": f"canary.{n:03d}.qx7@leak-canary.example",
        "id_number": body + id_check(body),
        "address": f"浙江省杭州市西湖区金丝雀路{100 + n}号{n % 9 + 1}单元",
        "birth_date": f"{1970 + n % 30}{(n % 12) + 1:02d}{(n % 27) + 1:02d}",
    }


FILLER = [{"name": "王伟", "phone": "13800138000", "email": "wang@example.com", "id_number": "110101199003074518",
           "address": "上海市黄浦区南京东路1号", "birth_date": "19900307"}]
COLS = ["name", "phone", "email", "id_number", "address", "birth_date"]
CN_COLS = ["姓名", "手机号", "邮箱", "身份证号", "地址", "出生日期"]


def rows_for(fmt_no):
    return FILLER + [canary(fmt_no, j) for j in range(3)]


def delimited(rows, sep, header=COLS):
    return sep.join(header) + "\n" + "".join(sep.join(r[c] for c in COLS) + "\n" for r in rows)


def make(out):
    os.makedirs(out, exist_ok=True)
    files, all_canaries = {}, []
    for i, fmt in enumerate(FORMATS):
        rows = rows_for(i)
        all_canaries += rows[1:]
        nd = "".join(json.dumps({"_source": r}, ensure_ascii=(i % 2 == 0)) + "\n" for r in rows)
        if fmt == "ndjson":
            files["a.ndjson"] = nd.encode()
        elif fmt == "json":
            files["b.json"] = json.dumps(rows, ensure_ascii=False, indent=1).encode()
        elif fmt == "csv":
            files["c.csv"] = delimited(rows, ",", CN_COLS).encode()
        elif fmt == "tsv":
            files["d.tsv"] = delimited(rows, "\t").encode()
        elif fmt == "colon":
            files["e.txt"] = delimited(rows, ":").encode()
        elif fmt == "sql":
            vals = ",\n".join("(" + ",".join("'" + r[c].replace("'", "''") + "'" for c in COLS) + ")" for r in rows)
            files["f.sql"] = ("-- MySQL dump\nCREATE TABLE `users` (\n" + ",\n".join(f"  `{c}` varchar(64)" for c in COLS)
                              + "\n) ENGINE=InnoDB;\nINSERT INTO `users` VALUES " + vals + ";\n").encode()
        elif fmt == "gb18030":
            files["g.csv"] = delimited(rows, ",", CN_COLS).encode("gb18030")
        elif fmt == "utf16le":
            files["h.csv"] = b"\xff\xfe" + delimited(rows, ",").encode("utf-16-le")
        elif fmt == "utf16be":
            files["i.csv"] = b"\xfe\xff" + delimited(rows, ",").encode("utf-16-be")
        elif fmt == "gz":
            files["j.ndjson.gz"] = gzip.compress(nd.encode(), mtime=0)
        elif fmt == "zip":
            z = io.BytesIO()
            with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("dump/k.csv", delimited(rows, ","))
            files["k.zip"] = z.getvalue()
        elif fmt == "query":  # not indexed: the batch command's own input
            files["queries.csv"] = delimited(rows_for(0)[1:] + rows, ",").encode()
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "canaries.json"), "w") as f:
        json.dump(all_canaries, f, ensure_ascii=False)
    with open(os.path.join(out, "indexed.json"), "w") as f:  # all but the batch-only ones
        json.dump(all_canaries[:-3], f, ensure_ascii=False)


def canonical_forms(kind, v):
    """Canonical spellings of a value (docs/NORMALISATION.md) and the raw one."""
    forms = {v}
    if kind == "phone":
        forms |= {"+86" + v, "86" + v}
    elif kind == "email":
        forms.add(v.lower())
    elif kind == "birth_date":
        forms.add(f"{v[:4]}-{v[4:6]}-{v[6:]}")
    elif kind == "address":
        forms |= {v.lower(), v.replace("浙江省", "").replace("杭州市", "")}
    return forms


def needles(canaries):
    out = []
    for c in canaries:
        for kind, v in c.items():
            for enc in ("utf-8", "gb18030", "utf-16-le", "utf-16-be"):
                out.append((kind, enc, v.encode(enc)))
            b = v.encode()
            out += [(kind, "hex", b.hex().encode()), (kind, "HEX", b.hex().upper().encode())]
            escaped = json.dumps(v)[1:-1].encode()  # \uXXXX, as JSON writers escape
            if escaped != b:
                out.append((kind, "json-escaped", escaped))
            digits = re.sub(r"\D", "", v)
            if len(digits) >= 7:
                out.append((kind, "digits", digits.encode()))
    return out


def xxh():
    for name in ("libxxhash.so.0", "libxxhash.so"):
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    else:
        sys.exit("canary.py: libxxhash not found (package libxxhash0)")
    lib.XXH64.restype = ctypes.c_uint64
    lib.XXH64.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
    lib.XXH3_64bits.restype = ctypes.c_uint64
    lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lib


def hash_needles(canaries):
    lib = xxh()
    out = []
    for c in canaries:
        for kind, v in c.items():
            for form in canonical_forms(kind, v):
                b = form.encode()
                for data in (b, struct.pack("<I", len(b)) + b):
                    digests = {"md5": hashlib.md5(data).digest(), "sha1": hashlib.sha1(data).digest(),
                               "sha256": hashlib.sha256(data).digest(),
                               "xxh64": struct.pack(">Q", lib.XXH64(data, len(data), 0)),
                               "xxh3": struct.pack(">Q", lib.XXH3_64bits(data, len(data)))}
                    for algo, d in digests.items():
                        out.append((kind, algo + "/be", d[:8]))
                        out.append((kind, algo + "/le", d[:8][::-1]))
    return out


def search(what, ns, paths):
    hits, scanned = needle_search.search("canary.py", ns, paths)
    print(f"canary.py {what}: {len(ns)} needles x {scanned} files: {hits} hits")
    return 1 if hits or scanned == 0 else 0


def main():
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2])
        return 0
    canaries = json.load(open(sys.argv[2], encoding="utf-8"))
    ns = needles(canaries) if cmd == "scan" else hash_needles(canaries)
    return search(cmd, ns, sys.argv[3:])


if __name__ == "__main__":
    sys.exit(main())
