#!/usr/bin/env bash
# The README's "A first session" runs as written (TAP): its SQL block, on a
# fresh database, fails only where the README says it fails (PP003), and
# what it shows matches the outputs the README prints beside it, apart from
# the reservation number (each installation has its own key). Runs against
# the cluster the PG* variables name.
set -u
cd "$(dirname "$0")/../.."
n=0
ok() { n=$((n + 1)); if [ "$2" -eq 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
DB=passport_first_session
T=$(mktemp -d)
dropdb --if-exists $DB >/dev/null 2>&1
createdb $DB
trap 'dropdb --if-exists $DB >/dev/null 2>&1; rm -rf "$T"' EXIT
psql -XAtq -d $DB -c "CREATE EXTENSION passport" >/dev/null

perl -0777 -ne 'print $1 if /<!-- first-session:[^\n]*\n```sql\n(.*?)^```/ms' README.md > "$T/block.sql"
[ -s "$T/block.sql" ]; ok "the README has the first session's SQL block" $?

psql -XAt -F ' | ' -v VERBOSITY=verbose -d $DB -f "$T/block.sql" > "$T/out" 2> "$T/err"
errors=$(grep -c 'ERROR:' "$T/err")
grep -q 'ERROR:  PP003:' "$T/err"
ok "it fails once, with PP003 where the README says so ($errors error(s))" $(( $? + errors - 1 ))

# every "-- a | b | c" output line of the README appears in what psql printed
# (a reservation number as any reservation number)
rc=0
while IFS= read -r line; do
    want=$(printf '%s' "$line" | sed -E 's/^-- //; s/ {2,}\(.*$//')
    pat=$(printf '%s' "$want" | sed -E 's/[][\.*^$|()+?{}]/\\&/g; s/[0-9A-Z]{5}-[0-9A-Z]{5}/[0-9A-Z]{5}-[0-9A-Z]{5}/g')
    if ! grep -qxE "$pat" "$T/out"; then echo "# not shown: $want"; rc=1; fi
done < <(grep -E '^-- [^ ].* \| ' "$T/block.sql")
ok "every output the README shows is what the block prints" $rc
