#!/usr/bin/env python3
"""Every address value the synthetic generator (data/gen/generate.py) writes, one
per record, NUL-separated on stdout (values may hold newlines).

    tests/address_corpus.py PERSONS [SEED]

For each of PERSONS dump persons: the dump's `dz` value (address plus its
",<remark>" / "\\n<remark>" remark, or the junk value of a dirty record), the
customer list's "上海" spelling (address_no_shi), and the address of a fresh
(not-in-dump) person of the same index. Uses the generator's own functions, so
it follows any change to its address shapes. Used by the address differential
test (tests/normalize_address_differential_test.cpp) and the address benchmark
(bench/normalize_bench --addresses). Synthetic data only.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "gen"))
import generate  # noqa: E402


def main(argv):
    persons = int(argv[1])
    seed = int(argv[2]) if len(argv) > 2 else 42
    world = generate.World(seed, persons)
    out = sys.stdout.buffer
    for i in range(persons):
        p = generate.make_person(world, i)
        values = dict(generate.dump_values(p, "", world))
        dz = values.get("dz")
        if dz is not None:
            out.write(str(dz).encode() + b"\0")
        _, _, no_shi = generate.render_customer(p, "address_no_shi", None)
        out.write(no_shi.encode() + b"\0")
        fresh = generate.make_person(world, persons + i, fresh=True, core_only=True)
        out.write(fresh.address.encode() + b"\0")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
