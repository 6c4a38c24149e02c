#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest.
# Exits non-zero on any failure. Usage: scripts/test.sh [ctest args...]
#
# Two builds (issue 7):
#   build/       Release (gcc): the whole suite.
#   build-asan/  clang, ASan+UBSan, with the libFuzzer targets of fuzz/: the
#                whole suite again under the sanitizers, then every fuzz
#                target's seed corpus replayed and each target fuzzed briefly
#                (LEAKDEX_FUZZ_SECONDS, default 20 s each; ctest label "fuzz").
# LEAKDEX_SKIP_ASAN=1 runs the Release build only (quick local runs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc)"
"$root/scripts/build.sh" "$root/build"
(cd "$root/build" && ctest --output-on-failure --parallel "$jobs" "$@")

if [[ "${LEAKDEX_SKIP_ASAN:-0}" == 1 ]]; then exit 0; fi
cxx=$(command -v clang++-14 || command -v clang++ || true)
if [[ -z "$cxx" ]]; then
  echo "leakdex: clang++ not found; the sanitizer and fuzz build needs it (scripts/packages.txt)" >&2
  exit 1
fi
CXX="$cxx" "$root/scripts/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLEAKDEX_SANITIZE=ON -DLEAKDEX_FUZZ=ON -DLEAKDEX_NATIVE=OFF \
  -DLEAKDEX_FUZZ_SECONDS="${LEAKDEX_FUZZ_SECONDS:-20}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Slow sweeps scale themselves down under the sanitizers (see tests/).
export LEAKDEX_TEST_SANITIZED=1
cd "$root/build-asan"
ctest --output-on-failure --parallel "$jobs" -LE fuzz "$@"
ctest --output-on-failure --parallel "$jobs" -L fuzz "$@"
