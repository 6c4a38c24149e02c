"""Searching files for needles (byte strings derived from personal values), shared by
canary.py and privacy_scan.py. A hit is reported by the value's kind and how it was
encoded, never by the value itself (SPEC P1 applies to test output too)."""
import os
import sys


def files_under(paths):
    """Every regular file under the given files and directories."""
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in names:
                    yield os.path.join(root, n)
        elif os.path.isfile(p):
            yield p


def search(label, needles, paths, shown=20):
    """needles: (kind, encoding, bytes). Prints the first `shown` hits to stderr as
    '<label>: <kind> found as <encoding> in <file>'. Returns (hits, files scanned)."""
    hits = scanned = 0
    for path in files_under(paths):
        with open(path, "rb") as f:
            data = f.read()
        scanned += 1
        for kind, enc, needle in needles:
            if needle in data:
                hits += 1
                if hits <= shown:
                    print(f"{label}: {kind} found as {enc} in {path}", file=sys.stderr)
    return hits, scanned
