#!/usr/bin/env bash
# The main job on the bundled synthetic data: install, build, create a
# throwaway key, ingest the sample dumps, check a person, show the index.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh" "$root/build" >/dev/null
leakdex="$root/build/src/leakdex"
samples="$root/data/samples/standard"
work="$(mktemp -d "${TMPDIR:-/tmp}/leakdex-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step leakdex keygen demo.key
"$leakdex" keygen "$work/demo.key"
export LEAKDEX_KEY="$work/demo.key" LEAKDEX_INDEX="$work/index"

step leakdex ingest --source shga-2022-person persons.ndjson
"$leakdex" ingest --source shga-2022-person "$samples/persons.ndjson"
step leakdex ingest --source express-2022 --class delivery_record deliveries.csv
"$leakdex" ingest --source express-2022 --class delivery_record "$samples/deliveries.csv"

# A person from the sample dump, typed the way a user would: with +86 and spaces.
phone=$(python3 - "$samples/persons.ndjson" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        src = json.loads(line)["_source"]
    except Exception:
        continue
    p = str(src.get("sjhm", ""))
    if len(p) == 11 and p.isdigit():
        print(f"+86 {p[:3]} {p[3:7]} {p[7:]}")
        break
PY
)
step "echo '<a phone from the sample>' | leakdex check --phone -"
set +e
echo "$phone" | "$leakdex" check --phone -
rc=$?
echo "(exit $rc: 1 means exposed)"
step "echo '<a phone not in the sample>' | leakdex check --phone - --format json"
echo "+86 199 0000 0000" | "$leakdex" check --phone - --format json
echo "(exit $?: 0 means not found)"
set -e
step leakdex info
"$leakdex" info
step leakdex verify
"$leakdex" verify
