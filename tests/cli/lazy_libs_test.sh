#!/usr/bin/env bash
# Issue 6: libraries only some values need are opened with dlopen on first use
# (src/lazy_library.h). The dynamic loader's own trace (LD_DEBUG=files, on
# stderr) shows which objects a process mapped: a `check` of a mobile number,
# an ID number or a Simplified name maps neither libarchive, OpenCC nor the
# libphonenumber/ICU plugin; the values that need them still work and load them.
source "$(dirname "$0")/lib.sh"
new_key "$T/k.key"
cat >"$T/dump.csv" <<'EOF'
姓名,手机号,地址,身份证号,出生日期
張偉,13812345678,上海市黃浦區南京東路1號,110101199003074514,1990-03-07
李四,021-55551234,,,
EOF
K=(--key "$T/k.key" --index "$T/idx" --format json)
kinds() { json_get "$T/out" '[m["key"] for m in d["matches"]]'; }
lazy_libs=(libarchive.so libisal.so libzstd.so libopencc.so libmarisa.so leakdex-i18n.so libphonenumber.so libicuuc.so libprotobuf.so)

# traced EXPECTED_EXIT CMD...: runs CMD under LD_DEBUG=files; the loader's
# trace goes to $T/trace (LD_DEBUG_OUTPUT), the command's output to $T/out.
traced() {
  local want=$1; shift
  rm -f "$T"/trace.*
  LD_DEBUG=files LD_DEBUG_OUTPUT="$T/trace" expect_exit "$want" "$@"
  cat "$T"/trace.* >"$T/trace" 2>/dev/null
  checks=$((checks + 1))
  grep -q "file=" "$T/trace" || fail "no loader trace for: $*"
}
maps() { grep "file=" "$T/trace" | grep -qF "$1"; }
expect_unmapped() {
  for lib in "$@"; do checks=$((checks + 1)); if maps "$lib"; then fail "$lib mapped by: $label"; fi; done
}
expect_mapped() {
  for lib in "$@"; do checks=$((checks + 1)); maps "$lib" || fail "$lib not mapped by: $label"; done
}

# Plain CSV ingest: no container, so no libarchive, ISA-L or libzstd.
label="ingest of plain CSV"
traced 0 leakdex ingest --key "$T/k.key" --index "$T/idx" --source s1 --quiet "$T/dump.csv"
expect_unmapped libarchive.so libisal.so libzstd.so

label="check --phone (mobile)"
traced 1 leakdex check "${K[@]}" --phone - <<<"13812345678"
expect_eq "$(kinds)" "['phone']" "$label"
expect_unmapped "${lazy_libs[@]}"

label="check --id-number --name (Simplified)"
traced 1 leakdex check "${K[@]}" --id-number - --name 张伟 <<<"110101199003074514"
expect_eq "$(kinds)" "['id_number', 'name+id_number']" "$label"
expect_unmapped "${lazy_libs[@]}"

label="check --email (ASCII domain)"
traced 0 leakdex check "${K[@]}" --email - <<<"someone@example.com"
expect_unmapped "${lazy_libs[@]}"

# A Traditional name is converted from OpenCC's tables embedded at build time
# (src/normalize/t2s.cpp): OpenCC is not loaded, and the name still matches.
label="check --name (Traditional)"
traced 1 leakdex check "${K[@]}" --name - --birth-date 1990-03-07 <<<"張偉"
expect_eq "$(kinds)" "['name+birth_date']" "$label"
expect_unmapped "${lazy_libs[@]}"

# OpenCC's dictionaries differ from those the embedded t2s tables were built
# from (here: one byte appended): the fingerprint check notices, every
# non-ASCII name goes through OpenCC (so even a Simplified one loads it), and
# both spellings still match.
mkdir -p "$T/occ" && cp /usr/share/opencc/t2s.json /usr/share/opencc/TS*.ocd2 "$T/occ/"
printf 'x' >>"$T/occ/TSPhrases.ocd2"
for name in 张伟 張偉; do
  label="check --name $name with changed OpenCC data"
  LEAKDEX_OPENCC_DIR="$T/occ" traced 1 leakdex check "${K[@]}" --name - --birth-date 1990-03-07 <<<"$name"
  expect_eq "$(kinds)" "['name+birth_date']" "$label"
  expect_mapped libopencc.so
done

# A fixed line needs libphonenumber: the plugin is loaded and the number matches.
label="check --phone (fixed line)"
traced 1 leakdex check "${K[@]}" --phone - <<<"(021) 5555 1234"
expect_eq "$(kinds)" "['phone']" "$label"
expect_mapped leakdex-i18n.so libphonenumber.so
expect_unmapped libarchive.so libopencc.so

# A gzip stream needs ISA-L (src/sources/codec_api.h), not libarchive: loaded, and its rows are indexed.
printf 'phone\n13900001111\n' | gzip -c >"$T/more.csv.gz"
label="ingest of .csv.gz"
traced 0 leakdex ingest --key "$T/k.key" --index "$T/idx" --source s2 --quiet "$T/more.csv.gz"
expect_mapped libisal.so
expect_unmapped libarchive.so libzstd.so
expect_exit 1 leakdex check "${K[@]}" --phone - <<<"13900001111"
expect_eq "$(json_get "$T/out" 'd["matches"][0]["sources"]')" "['s2']" "gzip rows indexed"

# A zstd stream needs libzstd, not libarchive; a .tar.gz needs ISA-L, then libarchive for the tar.
printf 'phone\n13900002222\n' | zstd -q -c >"$T/more.csv.zst"
label="ingest of .csv.zst"
traced 0 leakdex ingest --key "$T/k.key" --index "$T/idx" --source s2 --quiet "$T/more.csv.zst"
expect_mapped libzstd.so
expect_unmapped libarchive.so libisal.so
mkdir -p "$T/tgz" && printf 'phone\n13900003333\n' >"$T/tgz/a.csv" && tar -C "$T/tgz" -czf "$T/more.tar.gz" a.csv
label="ingest of .tar.gz"
traced 0 leakdex ingest --key "$T/k.key" --index "$T/idx" --source s2 --quiet "$T/more.tar.gz"
expect_mapped libisal.so libarchive.so
for phone in 13900002222 13900003333; do expect_exit 1 leakdex check "${K[@]}" --phone - <<<"$phone"; done

# ISA-L that cannot be loaded (a bogus libisal.so.2 first on the library path):
# libarchive reads the gzip stream instead, with the same rows and errors.
mkdir -p "$T/noisal" && : >"$T/noisal/libisal.so.2"
printf 'phone\n13900004444\n' | gzip -c >"$T/fallback.csv.gz"
label="ingest of .csv.gz without a loadable ISA-L"
LD_LIBRARY_PATH="$T/noisal" traced 0 leakdex ingest --key "$T/k.key" --index "$T/idx" --source s2 --quiet "$T/fallback.csv.gz"
expect_mapped libarchive.so
expect_exit 1 leakdex check "${K[@]}" --phone - <<<"13900004444"
seq 1 200000 | sed 's/^/13800138000,/' | gzip | head -c 100000 >"$T/cut.gz"
LD_LIBRARY_PATH="$T/noisal" expect_exit 3 leakdex ingest --key "$T/k.key" --index "$T/idx-cut" --source cut -q "$T/cut.gz"
expect_contains "$T/err" "truncated or corrupt"

# A lazy library that cannot be loaded ends the run with exit 70 (internal
# error, SPEC §4.6) and an error naming it, never a value; an index being
# written keeps its bytes. Bogus files stand in for the plugin and for OpenCC.
mkdir -p "$T/broken" && : >"$T/broken/leakdex-i18n.so" && : >"$T/broken/libopencc.so.1.1"
label="check --phone (fixed line) with a broken plugin"
LEAKDEX_PLUGIN_DIR="$T/broken" expect_exit 70 leakdex check "${K[@]}" --phone - <<<"(021) 5555 1234"
expect_contains "$T/err" "leakdex-i18n.so"
expect_not_contains "$T/err" "5555"
label="check --name (Traditional) with a broken OpenCC"
LEAKDEX_OPENCC_DIR="$T/occ" LD_LIBRARY_PATH="$T/broken" expect_exit 70 leakdex check "${K[@]}" --name - --birth-date 1990-03-07 <<<"張偉"
expect_contains "$T/err" "libopencc.so.1.1"
expect_contains "$T/err" "libopencc1.1"
before=$(cat "$T"/idx/MANIFEST "$T"/idx/*.ldx | sha256sum)
printf '手机号\n(021) 5555 9876\n' >"$T/landline.csv"
label="ingest of a landline with a broken plugin"
LEAKDEX_PLUGIN_DIR="$T/broken" expect_exit 70 leakdex ingest --key "$T/k.key" --index "$T/idx" --source s3 --quiet "$T/landline.csv"
expect_contains "$T/err" "leakdex-i18n.so"
expect_not_contains "$T/err" "9876"
expect_eq "$(cat "$T"/idx/MANIFEST "$T"/idx/*.ldx | sha256sum)" "$before" "index unchanged after the failed ingest"
expect_exit 0 leakdex verify "$T/idx"

# Installed layout (`cmake --install`): the executable in bin/, the plugin in
# lib/leakdex/, found there (not in the build tree) by an installed leakdex.
if [[ -n "${LEAKDEX_BUILD_DIR:-}" ]]; then
  cmake --install "$LEAKDEX_BUILD_DIR" --prefix "$T/prefix" >/dev/null || fail "cmake --install"
  checks=$((checks + 2))
  [[ -x "$T/prefix/bin/leakdex" ]] || fail "installed bin/leakdex missing"
  [[ -f "$T/prefix/lib/leakdex/leakdex-i18n.so" ]] || fail "installed lib/leakdex/leakdex-i18n.so missing"
  label="installed check --phone (fixed line)"
  LEAKDEX_BIN="$T/prefix/bin/leakdex" traced 1 leakdex check "${K[@]}" --phone - <<<"(021) 5555 1234"
  expect_eq "$(kinds)" "['phone']" "$label"
  expect_mapped "$T/prefix/lib/leakdex/leakdex-i18n.so"
fi
finish
