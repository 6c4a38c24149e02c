#!/usr/bin/env bash
# Smoke test for the benchmark suite: bench/run.sh --size tiny (a few thousand persons) must run
# end to end into a temporary directory, never touch docs/, and write a results JSON with the
# expected fields. Tools that are not installed become "not available" (no apt-get from ctest).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${LEAKDEX_SRC_DIR:?run through ctest (LEAKDEX_SRC_DIR unset)}"

if [[ ! -f "$LEAKDEX_SRC_DIR/data/gen/generate.py" ]]; then
  echo "skipped: data/gen/generate.py not present (datagen not merged yet)"
  finish
  exit $?
fi

docs_before="$(cd "$LEAKDEX_SRC_DIR" && find docs -type f -exec sha256sum {} + 2>/dev/null | sort)"

checks=$((checks + 1))
if ! bash "$LEAKDEX_SRC_DIR/bench/run.sh" --size tiny --no-install --no-build --no-docs \
    --leakdex "$LEAKDEX_BIN" --work "$T/work" --results "$T/results" >"$T/run.log" 2>&1; then
  fail "bench/run.sh --size tiny failed"
  tail -20 "$T/run.log" | sed 's/^/  log: /' >&2
fi

checks=$((checks + 1))
[[ -f "$T/results/tiny.json" ]] || fail "no results/tiny.json written"

if [[ -f "$T/results/tiny.json" ]]; then
  checks=$((checks + 1))
  python3 "$LEAKDEX_SRC_DIR/bench/benchlib.py" check "$T/results/tiny.json" 2>"$T/check.err" ||
    { fail "results JSON lacks expected fields"; sed 's/^/  /' "$T/check.err" >&2; }
  expect_eq "$(json_get "$T/results/tiny.json" 'd["size"]')" tiny "size"
  expect_eq "$(json_get "$T/results/tiny.json" 'd["config"]["persons"]')" 3000 "persons"
  # Index and lookups must have really worked: keys were indexed, the check found the phone.
  expect_eq "$(json_get "$T/results/tiny.json" 'd["sizes"]["index_keys"] > 0')" True "index keys"
  expect_eq "$(json_get "$T/results/tiny.json" 'd["ingest_report"]["records_read"]')" 3000 "records read"
fi

docs_after="$(cd "$LEAKDEX_SRC_DIR" && find docs -type f -exec sha256sum {} + 2>/dev/null | sort)"
expect_eq "$docs_after" "$docs_before" "docs/ unchanged by --size tiny"

finish
