# Shared helpers for the end-to-end CLI tests (sourced by tests/cli/*_test.sh).
# ctest sets LEAKDEX_BIN, LEAKDEX_DATA_DIR and LEAKDEX_SRC_DIR.
set -uo pipefail
: "${LEAKDEX_BIN:?run through ctest (LEAKDEX_BIN unset)}"
LEAKDEX_DATA_DIR="${LEAKDEX_DATA_DIR:-}"
T="$(mktemp -d "${TMPDIR:-/tmp}/leakdex-cli.XXXXXX")"
trap 'rm -rf "$T"' EXIT
unset LEAKDEX_KEY LEAKDEX_INDEX
failures=0
checks=0

leakdex() { "$LEAKDEX_BIN" "$@"; }

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect_exit CODE CMD...: runs CMD, stdout to $T/out, stderr to $T/err.
expect_exit() {
  local want=$1; shift
  checks=$((checks + 1))
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    fail "expected exit $want, got $got: $*"
    sed 's/^/  stderr: /' "$T/err" | head -5 >&2
  fi
}

# expect_contains FILE TEXT
expect_contains() {
  checks=$((checks + 1))
  grep -qF -- "$2" "$1" || { fail "$1 does not contain: $2"; head -c 600 "$1" | sed 's/^/  got: /' >&2; }
}

expect_not_contains() {
  checks=$((checks + 1))
  if grep -qF -- "$2" "$1"; then fail "$1 unexpectedly contains: $2"; fi
}

# json_get FILE PYTHON_EXPR: evaluates EXPR with `d` bound to the parsed JSON.
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

expect_eq() {
  checks=$((checks + 1))
  [[ "$1" == "$2" ]] || fail "${3:-value}: expected '$2', got '$1'"
}

new_key() { leakdex keygen "$1" >/dev/null; }

finish() {
  echo "$checks checks, $failures failed"
  [[ $failures -eq 0 ]]
}
