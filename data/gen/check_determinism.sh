#!/bin/sh
# Verify that generate.py is deterministic.
#
#   data/gen/check_determinism.sh            two runs (plain and --gzip --malformed)
#                                            must give identical bytes, --jobs must
#                                            not change the output, and the
#                                            committed data/samples must be
#                                            reproduced exactly
#   data/gen/check_determinism.sh ARGS...    two runs with these generator
#                                            arguments (without --out) must match
#
# Exit status 0 if everything matches, 1 otherwise.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
gen="$here/generate.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

# Samples: keep this command in sync with data/README.md.
SAMPLE_ARGS="--seed 42 --persons 2000 --deliveries 500 --customers 400"
SAMPLE_MALFORMED_ARGS="--seed 7 --persons 200 --deliveries 0 --customers 0 --formats ndjson,csv --malformed 0.05"

two_runs() {
    # two_runs NAME ARGS... : generate twice, compare byte for byte.
    name=$1; shift
    python3 "$gen" "$@" --quiet --out "$tmp/$name.a"
    python3 "$gen" "$@" --quiet --out "$tmp/$name.b"
    if diff -r "$tmp/$name.a" "$tmp/$name.b" >/dev/null; then
        echo "ok   $name: two runs identical ($(ls "$tmp/$name.a" | wc -l) files)"
    else
        echo "FAIL $name: two runs differ"; status=1
    fi
}

jobs_invariant() {
    # jobs_invariant ARGS... : --jobs 1 and --jobs 3 must give the same bytes.
    python3 "$gen" "$@" --jobs 1 --quiet --out "$tmp/jobs1"
    python3 "$gen" "$@" --jobs 3 --quiet --out "$tmp/jobs3"
    if diff -r "$tmp/jobs1" "$tmp/jobs3" >/dev/null; then
        echo "ok   --jobs 1 and --jobs 3 identical"
    else
        echo "FAIL --jobs 1 and --jobs 3 differ"; status=1
    fi
}

matches_committed() {
    # matches_committed DIR ARGS... : regenerate and compare with data/samples/DIR.
    dir=$1; shift
    python3 "$gen" "$@" --quiet --out "$tmp/regen.$dir"
    if diff -r "$tmp/regen.$dir" "$repo/data/samples/$dir" >/dev/null; then
        echo "ok   data/samples/$dir reproduced exactly"
    else
        echo "FAIL data/samples/$dir differs from a fresh run:"
        diff -rq "$tmp/regen.$dir" "$repo/data/samples/$dir" || true
        status=1
    fi
}

if [ $# -gt 0 ]; then
    two_runs custom "$@"
else
    # shellcheck disable=SC2086
    two_runs plain --seed 42 --persons 20000 --customers 2000
    # shellcheck disable=SC2086
    two_runs gzip-malformed --seed 9 --persons 5000 --malformed 0.02 --gzip
    jobs_invariant --seed 3 --persons 5000 --customers 600 --malformed 0.01
    # shellcheck disable=SC2086
    matches_committed standard $SAMPLE_ARGS
    # shellcheck disable=SC2086
    matches_committed malformed $SAMPLE_MALFORMED_ARGS
fi
exit $status
