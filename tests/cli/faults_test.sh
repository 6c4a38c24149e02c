#!/usr/bin/env bash
# Issue 7: I/O faults during ingest. Disk full (a small tmpfs, when this user
# may mount one), a file-size limit (ulimit -f: EFBIG), a read-only index
# directory and an unwritable parent, and stdout on a full device: every
# failing command exits 6, the previous index stays byte-identical, and no
# temporary file is left behind. A later ingest without the fault succeeds.
source "$(dirname "$0")/lib.sh"
S="$LEAKDEX_DATA_DIR/samples/standard"
K="$T/k.key"
new_key "$K"
trials=0

# snapshot DIR: names, sizes and hashes of every file (LOCK included).
snapshot() { (cd "$1" && find . -type f -printf '%p %s\n' | sort && find . -type f -exec sha256sum {} + | sort); }

# expect_fault_safe WHAT DIR BEFORE_SNAPSHOT RC
expect_fault_safe() {
  local what=$1 dir=$2 before=$3 rc=$4
  trials=$((trials + 1))
  checks=$((checks + 3))
  [[ $rc -eq 6 ]] || { fail "$what: exit $rc, expected 6"; sed 's/^/  stderr: /' "$T/err" | head -3 >&2; }
  [[ "$(snapshot "$dir")" == "$before" ]] || fail "$what: the index changed"
  if find "$dir" -name '*.tmp-*' | grep -q .; then fail "$what: temporary files left: $(find "$dir" -name '*.tmp-*')"; fi
}

# --- 1. File-size limit (ulimit -f): works for any user. ---------------------
I="$T/idx"
leakdex ingest -q -k "$K" -i "$I" --source persons "$S/persons.ndjson" || fail "base ingest"
before=$(snapshot "$I")
# The faulting ingest (persons.csv as a new source) writes one new segment.
ingest2() { leakdex ingest -q -k "$K" -i "$1" --source persons-csv "$S/persons.csv"; }
# Its size, from a trial run on a copy: every fault below leaves less room than that.
cp -r "$I" "$T/probe" && ingest2 "$T/probe" || fail "trial ingest"
seg_kib=$(( $(stat -c %s "$(ls "$T"/probe/seg-* | sort | tail -n 1)") / 1024 ))
rm -rf "$T/probe"
(( seg_kib >= 16 )) || fail "the new segment is only $seg_kib KiB: too small to fault in its middle"
for limit in 0 1 8 $((seg_kib / 2)) $((seg_kib - 4)); do
  (ulimit -f "$limit"; ingest2 "$I") >"$T/out" 2>"$T/err"
  expect_fault_safe "ulimit -f $limit KiB" "$I" "$before" $?
done
expect_contains "$T/err" "File too large"
expect_not_contains "$T/err" "1380013"
expect_exit 0 ingest2 "$I"
expect_exit 0 leakdex verify "$I"

# --- 2. Standard output on a full device: check, info, ingest --report. -----
if [[ -w /dev/full ]]; then
  for cmd in "info $I" "info $I --format json" "verify $I"; do
    # shellcheck disable=SC2086
    leakdex $cmd >/dev/full 2>"$T/err"; rc=$?
    trials=$((trials + 1)); checks=$((checks + 1))
    [[ $rc -eq 6 ]] || fail "$cmd >/dev/full: exit $rc, expected 6"
  done
  echo 13800138000 | leakdex check -k "$K" -i "$I" --phone - >/dev/full 2>"$T/err"; rc=$?
  trials=$((trials + 1)); checks=$((checks + 1))
  [[ $rc -eq 6 ]] || fail "check >/dev/full: exit $rc, expected 6"
fi

# --- 3. Disk full (tmpfs) and a read-only index (needs mount: root). --------
M="$T/mnt"
mkdir -p "$M"
if mount -t tmpfs -o size=1m,mode=0755 tmpfs "$M" 2>/dev/null; then
  trap 'umount "$M" 2>/dev/null; rm -rf "$T"' EXIT
  leakdex ingest -q -k "$K" -i "$M/idx" --source persons "$S/persons.ndjson" || fail "base ingest on tmpfs"
  # Leave a little free: enough to start, not enough for the new segment.
  for free_kib in 0 4 $((seg_kib / 2)) $((seg_kib - 8)); do
    used=$(df -k --output=used "$M" | tail -n 1)
    mount -o remount,size=$(( (used + free_kib) * 1024 )) "$M" || { fail "remount"; break; }
    before=$(snapshot "$M/idx")
    ingest2 "$M/idx" >"$T/out" 2>"$T/err"
    expect_fault_safe "disk full with $free_kib KiB free" "$M/idx" "$before" $?
  done
  expect_contains "$T/err" "No space left on device"
  # A new index on a full disk: nothing is left but what was there.
  used=$(df -k --output=used "$M" | tail -n 1)
  mount -o remount,size=$(( (used + 8) * 1024 )) "$M"
  before=$(snapshot "$M")
  leakdex ingest -q -k "$K" -i "$M/new" --source persons "$S/persons.ndjson" >"$T/out" 2>"$T/err"; rc=$?
  trials=$((trials + 1)); checks=$((checks + 1))
  [[ $rc -eq 6 ]] || fail "new index on a full disk: exit $rc"
  find "$M" -name '*.tmp-*' -o -name 'seg-*' -path "$M/new/*" | grep -q . && fail "new index on a full disk left files behind"
  # Read-only file system: the index and a new index beside it.
  mount -o remount,size=64m "$M"
  rm -rf "$M/new"
  mount -o remount,ro "$M"
  before=$(snapshot "$M/idx")
  ingest2 "$M/idx" >"$T/out" 2>"$T/err"
  expect_fault_safe "read-only index directory" "$M/idx" "$before" $?
  ingest2 "$M/new" >"$T/out" 2>"$T/err"
  expect_fault_safe "new index in a read-only directory" "$M/idx" "$before" $?
  expect_exit 0 leakdex verify "$M/idx"   # reading still works
  mount -o remount,rw "$M"
  expect_exit 0 ingest2 "$M/idx"
  expect_exit 0 leakdex verify "$M/idx"
  umount "$M"
  trap 'rm -rf "$T"' EXIT
else
  echo "faults: cannot mount a tmpfs here (not root?): disk-full and read-only cases skipped"
fi

# --- 4. Unwritable directories for a user without root powers. --------------
if [[ $(id -u) -ne 0 ]]; then
  U="$T/ro"; cp -a "$T/idx" "$U"; chmod 0555 "$U"
  before=$(snapshot "$U")
  leakdex ingest -q -k "$K" -i "$U" --source persons-csv "$S/persons.csv" >"$T/out" 2>"$T/err"
  expect_fault_safe "unwritable index directory" "$U" "$before" $?
  chmod 0755 "$U"
elif command -v setpriv >/dev/null; then
  # As root, permissions do not bind: run leakdex as nobody instead.
  U="$T/ro"; cp -a "$T/idx" "$U"; chmod 0755 "$T" "$U"; chmod 0644 "$U"/*
  cp "$K" "$T/nobody.key"; chown nobody "$T/nobody.key"; chmod 0600 "$T/nobody.key"
  before=$(snapshot "$U")
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$LEAKDEX_BIN" ingest -q -k "$T/nobody.key" -i "$U" \
    --source persons-csv "$S/persons.csv" >"$T/out" 2>"$T/err"
  expect_fault_safe "index directory not writable by this user" "$U" "$before" $?
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$LEAKDEX_BIN" ingest -q -k "$T/nobody.key" -i "$U/sub/new" \
    --source persons-csv "$S/persons.csv" >"$T/out" 2>"$T/err"
  expect_fault_safe "new index under a directory not writable by this user" "$U" "$before" $?
fi

echo "faults: $trials fault trials, each exit 6 with the previous index byte-identical and no temporary file left"
finish
