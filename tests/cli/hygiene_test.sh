#!/usr/bin/env bash
# Issue 7, process hygiene. While `ingest` runs (blocked opening a FIFO input,
# after it has loaded the key):
#  1. it is not dumpable: its /proc/PID files belong to root (the kernel's mark
#     of PR_SET_DUMPABLE 0) and a process of the same user cannot read its
#     /proc/PID/environ; a control process of that user can be read;
#  2. key memory: reading its whole memory (/proc/PID/mem, root only), the key
#     file's text (header + hex) is nowhere (the read buffer was wiped) and the
#     raw 32 key bytes occur at most once (only in the guarded key buffer).
# As root the process runs as user nobody (root may read anything).
source "$(dirname "$0")/lib.sh"
S="$LEAKDEX_DATA_DIR/samples/standard"
K="$T/k.key"; F="$T/fifo"; I="$T/idx"
new_key "$K"
mkfifo "$F"
as_user=()
if [[ $(id -u) -eq 0 ]]; then
  command -v setpriv >/dev/null || { fail "running as root needs setpriv (util-linux)"; finish; exit 1; }
  chmod 0755 "$T"; chown nobody "$K" "$F"; mkdir -p "$I"; chown nobody "$I"
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
uid=$("${as_user[@]}" id -u)

"${as_user[@]}" "$LEAKDEX_BIN" ingest -q -k "$K" -i "$I" --source s "$F" >"$T/out" 2>"$T/err" &
pid=$!
# Wait until it blocks opening the FIFO (the key and index are open by then).
# (Any thread: the reader runs on a producer thread.)
at_fifo() {
  local w
  for w in /proc/"$pid"/task/*/wchan; do cat "$w" 2>/dev/null; echo; done | grep -Eq '^(fifo_open|wait_for_partner)'
}
for _ in $(seq 300); do at_fifo && break; sleep 0.1; done
checks=$((checks + 1))
at_fifo || fail "ingest did not reach the FIFO open"

"${as_user[@]}" sleep 30 &
control=$!
sleep 0.2
expect_eq "$(stat -c %u /proc/$pid/status)" 0 "owner of /proc/PID/status of a non-dumpable process"
expect_eq "$(stat -c %u /proc/$control/status)" "$uid" "owner of /proc/PID/status of a dumpable control"
checks=$((checks + 2))
if "${as_user[@]}" cat /proc/$pid/environ >/dev/null 2>&1; then fail "same user could read the environ of leakdex"; fi
"${as_user[@]}" cat /proc/$control/environ >/dev/null 2>&1 || fail "control: same user could not read environ (test broken)"
kill "$control" 2>/dev/null; wait "$control" 2>/dev/null

if [[ $(id -u) -eq 0 ]]; then
  checks=$((checks + 1))
  python3 - "$pid" "$K" <<'PY' || fail "key material found in process memory"
import re, sys
pid, key_path = sys.argv[1], sys.argv[2]
text = open(key_path, "rb").read()
hex_part = text.split(b"\n")[1]
raw = bytes.fromhex(hex_part.decode())
counts = {"file text": 0, "hex": 0, "raw key": 0}
scanned = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        start, end, perms = int(m[1], 16), int(m[2], 16), m[3]
        if perms[0] != "r" or "[vvar]" in line or "[vsyscall]" in line:
            continue
        if end - start > 1 << 30:  # sanitizer shadow memory (terabytes, mostly unmapped)
            continue
        try:
            mem.seek(start)
            chunk = mem.read(end - start)
        except OSError:
            continue
        scanned += len(chunk)
        counts["file text"] += chunk.count(text)
        counts["hex"] += chunk.count(hex_part)
        counts["raw key"] += chunk.count(raw)
print(f"hygiene: scanned {scanned} bytes of process memory: key file text {counts['file text']}, "
      f"hex {counts['hex']}, raw key {counts['raw key']} occurrence(s)")
sys.exit(0 if scanned > 0 and counts["file text"] == 0 and counts["hex"] == 0 and counts["raw key"] <= 1 else 1)
PY
else
  echo "hygiene: not root: the process-memory scan for key material is skipped (needs CAP_SYS_PTRACE)"
fi

# Let it finish normally: the run itself must succeed, reading the FIFO once
# (an input opened twice would hang: the watchdog turns that into a failure).
head -n 50 "$S/persons.ndjson" | timeout 60 tee "$F" >/dev/null
for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$pid" 2>/dev/null; then fail "ingest from a FIFO hangs"; kill -KILL "$pid"; fi
wait "$pid"; rc=$?
expect_eq "$rc" 0 "ingest from the FIFO"
finish
