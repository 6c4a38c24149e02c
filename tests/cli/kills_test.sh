#!/usr/bin/env bash
# Issue 7: SIGKILL during ingest at many random points (LEAKDEX_KILL_TRIALS,
# default 50). After every kill the index is the old one or the new one, never
# a mixture: `verify` passes, and `info` reports exactly the old or the new
# keys/segments/sources, and `check` answers the old or the new way for a phone
# only the new source holds. Every fifth trial then reruns the ingest without a
# kill: it must succeed (a stale lock or temporary file never blocks a writer),
# give the new state, and leave no temporary file. Uses only the CLI, so it
# holds for any index format.
source "$(dirname "$0")/lib.sh"
S="$LEAKDEX_DATA_DIR/samples/standard"
K="$T/k.key"
new_key "$K"
trials=${LEAKDEX_KILL_TRIALS:-50}

# state DIR: what the index says it holds (format-independent).
state() {
  leakdex info "$1" --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["keys"], d["segments"], ",".join(sorted(s["name"] for s in d["sources"])))'
}
# A phone number that only the new source (customers.csv) holds.
probe=$(python3 - "$S/customers.csv" "$S/persons.ndjson" <<'PY'
import csv, re, sys
old = open(sys.argv[2], encoding="utf-8").read()
for row in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    for k, v in row.items():
        d = re.sub(r"\D", "", v or "")
        if "phone" in k.lower() and len(d) == 11 and d.startswith("1") and d not in old:
            print(d); sys.exit(0)
sys.exit(1)
PY
) || { fail "no probe phone in customers.csv"; finish; exit 1; }
check_rc() { echo "$probe" | leakdex check -k "$K" -i "$1" --phone - >/dev/null 2>&1; echo $?; }

B="$T/base"
leakdex ingest -q -k "$K" -i "$B" --source persons "$S/persons.ndjson" || fail "base ingest"
old=$(state "$B"); old_rc=$(check_rc "$B")
new_args=(ingest -q -k "$K" --source customers "$S/customers.csv")
ingest_new() { "$LEAKDEX_BIN" "${new_args[@]}" -i "$1"; }
cp -a "$B" "$T/ref"
start=$(date +%s%N)
ingest_new "$T/ref" || fail "reference ingest"
span_us=$(( ($(date +%s%N) - start) / 1000 ))
new=$(state "$T/ref"); new_rc=$(check_rc "$T/ref")
expect_eq "$old_rc" 0 "probe absent from the old index"
expect_eq "$new_rc" 1 "probe found in the new index"
[[ "$old" != "$new" ]] || fail "old and new states are the same: the test would prove nothing"

saw_old=0 saw_new=0
for ((i = 1; i <= trials; i++)); do
  I="$T/t$i"; cp -a "$B" "$I"
  # A kill point anywhere from process start to a little past the reference run.
  delay_us=$(( (RANDOM * 32768 + RANDOM) % (span_us * 6 / 5 + 1) ))
  # The binary itself in the background (not a shell function: killing a
  # subshell would leave leakdex running).
  "$LEAKDEX_BIN" "${new_args[@]}" -i "$I" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '0.%06d' "$delay_us")" 2>/dev/null || sleep "$((delay_us / 1000000)).$(printf '%06d' $((delay_us % 1000000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  checks=$((checks + 3))
  leakdex verify "$I" >"$T/out" 2>"$T/err" || { fail "trial $i (kill at ${delay_us}us): verify failed"; sed 's/^/  /' "$T/err" >&2; }
  got=$(state "$I")
  rc=$(check_rc "$I")
  if [[ "$got" == "$old" ]]; then
    saw_old=$((saw_old + 1)); [[ $rc == "$old_rc" ]] || fail "trial $i: old state but check exit $rc"
  elif [[ "$got" == "$new" ]]; then
    saw_new=$((saw_new + 1)); [[ $rc == "$new_rc" ]] || fail "trial $i: new state but check exit $rc"
  else
    fail "trial $i (kill at ${delay_us}us): neither old nor new: $got"
  fi
  if ((i % 5 == 0)); then
    checks=$((checks + 2))
    ingest_new "$I" >/dev/null 2>"$T/err" || { fail "trial $i: ingest after the kill failed"; sed 's/^/  /' "$T/err" >&2; }
    [[ "$(state "$I")" == "$new" ]] || fail "trial $i: ingest after the kill did not give the new state"
    if find "$I" -name '*.tmp-*' | grep -q .; then fail "trial $i: temporary files left after a clean ingest"; fi
  fi
  rm -rf "$I"
done
echo "kills: $trials SIGKILL trials over ${span_us}us: $saw_old left the old index, $saw_new the new one; verify passed each time"
# Both outcomes must occur, or the kill points did not cover the write.
checks=$((checks + 1))
((saw_old > 0 && saw_new > 0)) || fail "kill points did not cover both outcomes (old $saw_old, new $saw_new)"
finish
