#!/usr/bin/env bash
# Issue 7: I/O faults during compact and merge (faults_test.sh covers ingest).
#
# 1. Injected faults (any user): LEAKDEX_TEST_FAULT_AT=N makes the Nth create,
#    write, fsync, rename or directory fsync fail with ENOSPC (src/file_io.h);
#    N sweeps 1, 2, ... until the command gets through, so every I/O call of
#    compact, merge and ingest (sort runs included) fails once, whatever the
#    format writes.
# 2. A file-size limit (ulimit -f, EFBIG) and a full disk (a small tmpfs, when
#    this user may mount one) at byte counts derived from a trial run's segment
#    size: nothing, a little, half, almost all of the new segment; on tmpfs also
#    room for the segment but not for the MANIFEST after it.
# 3. Unwritable places: a read-only file system, an index directory or OUT
#    parent this user may not write (as root: run as nobody), OUT existing as a
#    file or under a file.
# 4. Merge inputs that are missing, lost a segment or cannot be read: exit 4
#    (SPEC §4.6: index missing or unreadable), never a half-created OUT.
#
# Every failure: exit 6 (or 4 for a bad input), an error naming a file and a
# reason and holding no value, the previous index (compact) or the inputs and
# the previous OUT (merge) byte-identical, no "*.tmp-*" file left anywhere, and
# `leakdex verify` passing on what remains. The one exception is a failure
# after the MANIFEST's publishing rename (its directory fsync): then the new
# index is in place, and it must equal the uninterrupted run's and verify.
source "$(dirname "$0")/lib.sh"
S="$LEAKDEX_DATA_DIR/samples/standard"
K="$T/k.key"
new_key "$K"
chmod 0755 "$T"
trials=0     # fault trials run
kept_old=0   # ... that left the previous state byte-identical
got_new=0    # ... that failed after publishing (the new index, verified)

# snapshot DIR: every directory, every file's name, size and SHA-256.
snapshot() {
  (cd "$1" && find . -type d | sort && find . -type f -printf '%p %s\n' | sort &&
    find . -type f -exec sha256sum {} + | sort)
}
temp_files() { find "$@" -name '*.tmp-*' 2>/dev/null; }

# check_message WHAT: stderr names a file and gives a reason, and holds no
# value (no run of 9+ digits, no e-mail).
check_message() {
  checks=$((checks + 1))
  grep -q '/' "$T/err" || fail "$1: the error names no file: $(head -c 300 "$T/err")"
  if grep -qE '[0-9]{9,}|@' "$T/err"; then fail "$1: the error may hold a value: $(head -c 300 "$T/err")"; fi
}

# expect_compact_safe WHAT DIR BEFORE RC MAY_PUBLISH: the index DIR after a
# faulted compact. MAY_PUBLISH=1 accepts the new index after a failure past
# the MANIFEST rename (injected faults only).
expect_compact_safe() {
  local what=$1 dir=$2 before=$3 rc=$4 may_publish=${5:-0}
  trials=$((trials + 1))
  checks=$((checks + 4))
  [[ $rc -eq 6 ]] || { fail "$what: exit $rc, expected 6"; sed 's/^/  stderr: /' "$T/err" | head -3 >&2; }
  check_message "$what"
  if [[ "$(snapshot "$dir")" == "$before" ]]; then
    kept_old=$((kept_old + 1))
  elif [[ $may_publish -eq 1 ]] && grep -q 'directory fsync failed' "$T/err" && cmp -s "$dir/MANIFEST" "$REF/MANIFEST"; then
    got_new=$((got_new + 1))
  else
    fail "$what: the index changed"
    diff <(echo "$before") <(snapshot "$dir") | head -5 >&2
  fi
  [[ -z "$(temp_files "$dir")" ]] || fail "$what: temporary files left: $(temp_files "$dir")"
  "$LEAKDEX_BIN" verify "$dir" >/dev/null 2>&1 || fail "$what: verify fails on what is left"
}

# Inputs, checked unchanged after every merge trial.
inputs_snapshot() { snapshot "$A"; snapshot "$B"; }

# expect_merge_safe WHAT OUT OUT_BEFORE RC WANT_RC MAY_PUBLISH: OUT_BEFORE is
# "absent" (OUT must not exist afterwards, nor any directory merge created)
# or a snapshot of the previous OUT.
expect_merge_safe() {
  local what=$1 out=$2 out_before=$3 rc=$4 want=$5 may_publish=${6:-0}
  trials=$((trials + 1))
  checks=$((checks + 5))
  [[ $rc -eq $want ]] || { fail "$what: exit $rc, expected $want"; sed 's/^/  stderr: /' "$T/err" | head -3 >&2; }
  check_message "$what"
  [[ "$(inputs_snapshot)" == "$inputs_before" ]] || fail "$what: an input index changed"
  local outcome=bad stray
  if [[ $out_before == absent && ! -e $out ]] || { [[ $out_before != absent ]] && [[ "$(snapshot "$out")" == "$out_before" ]]; }; then
    outcome=old kept_old=$((kept_old + 1))
  elif [[ $may_publish -eq 1 ]] && grep -q 'directory fsync failed' "$T/err" && cmp -s "$out/MANIFEST" "$MREF/MANIFEST" &&
    "$LEAKDEX_BIN" verify "$out" >/dev/null 2>&1; then
    outcome=new got_new=$((got_new + 1))
  else
    fail "$what: OUT half-created or changed: $(find "$out" 2>/dev/null | head -5 | tr '\n' ' ')"
  fi
  # $MP holds only what the test put there (keep*), unless OUT was published.
  stray=$(find "$MP" -mindepth 1 -maxdepth 1 ! -name 'keep*')
  [[ $outcome == new || -z $stray ]] || fail "$what: merge left behind: $stray"
  [[ -z "$(temp_files "$out" "$A" "$B")" ]] || fail "$what: temporary files left"
  "$LEAKDEX_BIN" verify "$A" >/dev/null 2>&1 && "$LEAKDEX_BIN" verify "$B" >/dev/null 2>&1 || fail "$what: an input fails verify"
}

# --- The indexes: I (3 segments) to compact, A and B (1 and 2) to merge. -------
I="$T/idx"
ingest() { leakdex ingest -q -k "$K" -i "$1" --source "$2" "$3"; }
ingest "$I" persons "$S/persons.ndjson" && ingest "$I" persons-csv "$S/persons.csv" &&
  ingest "$I" deliveries "$S/deliveries.csv" || fail "building the index"
A="$T/part-a" B="$T/part-b"
ingest "$A" persons "$S/persons.ndjson" && ingest "$B" persons-csv "$S/persons.csv" &&
  ingest "$B" deliveries "$S/deliveries.csv" || fail "building the merge inputs"
chmod -R a+rX "$T" && chmod 0600 "$K"   # inputs readable by nobody (section 3); the key stays private
inputs_before=$(inputs_snapshot)
before=$(snapshot "$I")
# Trial runs: the compacted and the merged index, and their segment sizes.
REF="$T/ref-compact" MREF="$T/ref-merge"
cp -a "$I" "$REF" && leakdex compact -q "$REF" || fail "trial compact"
leakdex merge -q "$MREF" "$A" "$B" || fail "trial merge"
seg_bytes() { stat -c %s "$(ls "$1"/seg-* | sort | tail -n 1)"; }
cseg=$(seg_bytes "$REF") mseg=$(seg_bytes "$MREF")
echo "faults: compacted segment $cseg bytes, merged segment $mseg bytes"
(( cseg >= 32768 && mseg >= 32768 )) || fail "segments too small to fault in their middle ($cseg, $mseg bytes)"
MP="$T/m"  # merge outputs go here; it must hold nothing else afterwards
mkdir -p "$MP"

# --- 1. Injected faults at every I/O call. ------------------------------------
W="$T/work"
n=1
while (( n <= 1000 )); do
  rm -rf "$W" && cp -a "$I" "$W"
  LEAKDEX_TEST_FAULT_AT=$n leakdex compact -q "$W" >"$T/out" 2>"$T/err"; rc=$?
  [[ $rc -eq 0 ]] && break
  expect_compact_safe "compact, fault at I/O call $n" "$W" "$before" $rc 1
  [[ $rc -eq 6 ]] || break
  n=$((n + 1))
done
compact_points=$((n - 1))
# A segment and a MANIFEST: create, write, fsync, rename, directory fsync each.
(( compact_points >= 10 )) || fail "compact made only $compact_points I/O calls"
cmp -s "$W/MANIFEST" "$REF/MANIFEST" || fail "compact after the sweep differs from the trial run"
expect_exit 0 leakdex verify "$W"

n=1
while (( n <= 1000 )); do
  rm -rf "$MP/out"
  LEAKDEX_TEST_FAULT_AT=$n leakdex merge -q "$MP/out" "$A" "$B" >"$T/out" 2>"$T/err"; rc=$?
  [[ $rc -eq 0 ]] && break
  expect_merge_safe "merge, fault at I/O call $n" "$MP/out" absent $rc 6 1
  [[ $rc -eq 6 ]] || break
  n=$((n + 1))
done
merge_points=$((n - 1))
(( merge_points >= 12 )) || fail "merge made only $merge_points I/O calls"  # + mkdir OUT, LOCK
cmp -s "$MP/out/MANIFEST" "$MREF/MANIFEST" || fail "merge after the sweep differs from the trial run"
rm -rf "$MP/out"
# Into nested new directories: each one merge created is removed again.
for n in 1 2 3 4 6; do
  LEAKDEX_TEST_FAULT_AT=$n leakdex merge -q "$MP/x/y/out" "$A" "$B" >"$T/out" 2>"$T/err"; rc=$?
  expect_merge_safe "merge into new nested directories, fault at I/O call $n" "$MP/x" absent $rc 6
done
# Into an existing empty directory: it stays, empty.
mkdir "$MP/keep-empty"
for n in 1 2 5 9; do
  LEAKDEX_TEST_FAULT_AT=$n leakdex merge -q "$MP/keep-empty" "$A" "$B" >"$T/out" 2>"$T/err"; rc=$?
  expect_merge_safe "merge into an empty directory, fault at I/O call $n" "$MP/keep-empty" "$(snapshot "$MP/keep-empty")" $rc 6
done

# Ingest with a 64 KiB memory budget spills many sort runs and merges them:
# their writes are faulted too (256 KiB, fewer runs, under the slow sanitizers).
mem=64K min_points=40
[[ ${LEAKDEX_TEST_SANITIZED:-0} == 1 ]] && mem=256K min_points=20
a_before=$(snapshot "$A")
n=1
while (( n <= 2000 )); do
  rm -rf "$W" && cp -a "$A" "$W"
  LEAKDEX_TEST_FAULT_AT=$n leakdex ingest -q -k "$K" -i "$W" --memory "$mem" --source persons-csv "$S/persons.csv" \
    >"$T/out" 2>"$T/err"; rc=$?
  [[ $rc -eq 0 ]] && break
  trials=$((trials + 1)); checks=$((checks + 3))
  [[ $rc -eq 6 ]] || { fail "ingest, fault at I/O call $n: exit $rc"; sed 's/^/  stderr: /' "$T/err" | head -3 >&2; break; }
  check_message "ingest, fault at I/O call $n"
  if [[ "$(snapshot "$W")" == "$a_before" ]]; then kept_old=$((kept_old + 1))
  elif grep -q 'directory fsync failed' "$T/err" && "$LEAKDEX_BIN" verify "$W" >/dev/null 2>&1; then got_new=$((got_new + 1))
  else fail "ingest, fault at I/O call $n: the index changed"; fi
  [[ -z "$(temp_files "$W")" ]] || fail "ingest, fault at I/O call $n: temporary files left"
  n=$((n + 1))
done
ingest_points=$((n - 1))
(( ingest_points >= min_points )) || fail "ingest made only $ingest_points I/O calls (sort runs not spilled?)"
echo "faults: injected at every I/O call: compact $compact_points, merge $merge_points, ingest $ingest_points calls ($SECONDS s so far)"

# --- 2a. File-size limit (ulimit -f, in KiB): any user. ---------------------------
limits() { echo 0 1 4 $(($1 / 4096)) $(($1 / 2048)) $(($1 / 1024 - 4)); }
for limit in $(limits "$cseg"); do
  # stderr through a pipe: under the limit, a file could not take the message.
  (ulimit -f "$limit"; exec "$LEAKDEX_BIN" compact -q "$I" 2>&1 >/dev/null) | cat >"$T/err"
  expect_compact_safe "compact, ulimit -f $limit KiB" "$I" "$before" "${PIPESTATUS[0]}"
done
expect_contains "$T/err" "File too large"
for limit in $(limits "$mseg"); do
  (ulimit -f "$limit"; exec "$LEAKDEX_BIN" merge -q "$MP/out" "$A" "$B" 2>&1 >/dev/null) | cat >"$T/err"
  expect_merge_safe "merge, ulimit -f $limit KiB" "$MP/out" absent "${PIPESTATUS[0]}" 6
done
expect_contains "$T/err" "File too large"

# --- 2b. Disk full and a read-only file system (tmpfs: needs mount rights). ----
M="$T/mnt"
mkdir -p "$M"
if mount -t tmpfs -o size=4m,mode=0755 tmpfs "$M" 2>/dev/null; then
  trap 'umount "$M" 2>/dev/null; rm -rf "$T"' EXIT
  # fill_to FREE_KIB: leave exactly that much room (tmpfs counts 4 KiB pages).
  fill_to() {
    local used
    used=$(df -k --output=used "$M" | tail -n 1)
    mount -o remount,size=$(((used + $1) * 1024)) "$M" || fail "remount"
  }
  pages_kib() { echo $(((($1 + 4095) / 4096) * 4)); }
  # Free space: none, one page, half the segment, all but a page, and exactly
  # the segment (it is written and renamed; the MANIFEST then finds no room).
  frees() { echo 0 4 $(($(pages_kib "$1") / 8 * 4)) $(($(pages_kib "$1") - 4)) "$(pages_kib "$1")"; }
  cp -a "$I" "$M/idx"
  for free_kib in $(frees "$cseg"); do
    fill_to "$free_kib"
    b=$(snapshot "$M/idx")
    leakdex compact -q "$M/idx" >"$T/out" 2>"$T/err"
    expect_compact_safe "compact, disk full with $free_kib KiB free" "$M/idx" "$b" $?
  done
  expect_contains "$T/err" "MANIFEST"   # the last case faults in the MANIFEST write
  expect_contains "$T/err" "No space left on device"
  for free_kib in $(frees "$mseg"); do
    fill_to "$free_kib"
    leakdex merge -q "$M/out" "$A" "$B" >"$T/out" 2>"$T/err"
    expect_merge_safe "merge, disk full with $free_kib KiB free" "$M/out" absent $? 6
  done
  expect_contains "$T/err" "MANIFEST"
  # Read-only: compact, and merge into it.
  mount -o remount,size=64m "$M" && mount -o remount,ro "$M"
  b=$(snapshot "$M/idx")
  leakdex compact -q "$M/idx" >"$T/out" 2>"$T/err"
  expect_compact_safe "compact on a read-only file system" "$M/idx" "$b" $?
  leakdex merge -q "$M/out" "$A" "$B" >"$T/out" 2>"$T/err"
  expect_merge_safe "merge into a read-only file system" "$M/out" absent $? 6
  mount -o remount,rw "$M"
  expect_exit 0 leakdex compact -q "$M/idx"
  expect_exit 0 leakdex verify "$M/idx"
  umount "$M"
  trap 'rm -rf "$T"' EXIT
else
  echo "faults: cannot mount a tmpfs here (not root?): disk-full and read-only cases skipped"
fi

# --- 3. Unwritable directories. -------------------------------------------------
# unpriv CMD...: run without the power to write into root's 0555 directories
# (as root, permissions do not bind: run as nobody).
unpriv_ok=1
if [[ $(id -u) -eq 0 ]]; then
  if command -v setpriv >/dev/null; then
    unpriv() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
  else
    unpriv_ok=0
  fi
else
  unpriv() { "$@"; }
fi
if [[ $unpriv_ok -eq 1 ]]; then
  U="$T/ro"
  cp -a "$I" "$U" && chmod 0644 "$U"/* && chmod 0666 "$U/LOCK" && chmod 0555 "$U"
  b=$(snapshot "$U")
  unpriv "$LEAKDEX_BIN" compact -q "$U" >"$T/out" 2>"$T/err"
  expect_compact_safe "compact, index directory not writable (LOCK writable)" "$U" "$b" $?
  expect_contains "$T/err" "Permission denied"
  chmod 0644 "$U/LOCK"
  [[ $(id -u) -ne 0 ]] && chmod 0444 "$U/LOCK"
  b=$(snapshot "$U")
  unpriv "$LEAKDEX_BIN" compact -q "$U" >"$T/out" 2>"$T/err"
  expect_compact_safe "compact, index directory and LOCK not writable" "$U" "$b" $?
  chmod 0755 "$U"
  P="$MP/keep-ro-parent"
  mkdir "$P" && chmod 0555 "$P"
  unpriv "$LEAKDEX_BIN" merge -q "$P/out" "$A" "$B" >"$T/out" 2>"$T/err"
  expect_merge_safe "merge, OUT's parent not writable" "$P/out" absent $? 6
  expect_contains "$T/err" "Permission denied"
  # An input this user cannot read: an index error (4), OUT not created.
  chmod 0600 "$B/MANIFEST"
  [[ $(id -u) -eq 0 ]] || chmod 0000 "$B/MANIFEST"
  unpriv "$LEAKDEX_BIN" merge -q "$MP/out" "$A" "$B" >"$T/out" 2>"$T/err"
  expect_merge_safe "merge, an input MANIFEST not readable" "$MP/out" absent $? 4
  expect_contains "$T/err" "$B/MANIFEST"
  chmod 0644 "$B/MANIFEST"
else
  echo "faults: root without setpriv: unwritable-directory cases skipped"
fi

# OUT existing as a file, or under a file: exit 6, the file untouched.
echo "not an index" >"$MP/keep-file"
b=$(snapshot "$MP")
leakdex merge -q "$MP/keep-file" "$A" "$B" >"$T/out" 2>"$T/err"
# (the path passed as OUT below only stands for "nothing new appears")
expect_merge_safe "merge, OUT is a file" "$MP/keep-file.nothing-new" absent $? 6
[[ "$(snapshot "$MP")" == "$b" ]] || fail "merge, OUT is a file: the file changed"
expect_contains "$T/err" "not a directory"
leakdex merge -q "$MP/keep-file/out" "$A" "$B" >"$T/out" 2>"$T/err"
expect_merge_safe "merge, OUT under a file" "$MP/keep-file/out" absent $? 6
[[ "$(snapshot "$MP")" == "$b" ]] || fail "merge, OUT under a file: the file changed"

# --- 4. Merge inputs missing or damaged: exit 4, OUT not created. ---------------
leakdex merge -q "$MP/out" "$A" "$T/no-such-index" >"$T/out" 2>"$T/err"
expect_merge_safe "merge, an input does not exist" "$MP/out" absent $? 4
expect_contains "$T/err" "$T/no-such-index"
Bl="$T/part-b-lost"
cp -a "$B" "$Bl" && rm "$Bl"/seg-000001.ldx
leakdex merge -q "$MP/out" "$A" "$Bl" >"$T/out" 2>"$T/err"
expect_merge_safe "merge, an input lost a segment" "$MP/out" absent $? 4
expect_contains "$T/err" "$Bl/seg-000001.ldx"
mkdir "$T/empty-dir"
leakdex merge -q "$MP/out" "$T/empty-dir" "$B" >"$T/out" 2>"$T/err"
expect_merge_safe "merge, an input is not an index" "$MP/out" absent $? 4

# After all this, the real thing still works.
expect_exit 0 leakdex compact -q "$I"
cmp -s "$I/MANIFEST" "$REF/MANIFEST" || fail "compact after the faults differs from the trial run"
expect_exit 0 leakdex verify "$I"
expect_exit 0 leakdex merge -q "$MP/out" "$A" "$B"
cmp -s "$MP/out/MANIFEST" "$MREF/MANIFEST" || fail "merge after the faults differs from the trial run"
expect_exit 0 leakdex verify "$MP/out"

echo "faults: $trials compact/merge/ingest fault trials: $kept_old left the previous state byte-identical, $got_new failed after publishing and left the new index (verified); every one without temporary files"
finish
