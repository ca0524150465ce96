#!/usr/bin/env bash
# CREATE EXTENSION needs no shared_preload_libraries, and DROP EXTENSION
# leaves no object behind in a fresh database (TAP output).
set -u
n=0
check() {
    local desc=$1; shift
    n=$((n + 1))
    if [ "$("$@" 2>&1)" = "t" ]; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fi
}
q() { psql -XAtq -d pp_drop -c "$1"; }
dropdb --if-exists pp_drop >/dev/null 2>&1; createdb pp_drop
trap 'dropdb --if-exists pp_drop >/dev/null 2>&1' EXIT
check "shared_preload_libraries does not name passport" q "SELECT current_setting('shared_preload_libraries') NOT LIKE '%passport%'"
before=$(q "SELECT count(*) FROM pg_class")
q "CREATE EXTENSION passport" >/dev/null
check "CREATE EXTENSION passport works" q "SELECT count(*) = 1 FROM pg_extension WHERE extname = 'passport'"
check "the schema belongs to the extension" q "SELECT count(*) = 1 FROM pg_depend d JOIN pg_namespace n ON n.oid = d.objid WHERE n.nspname = 'passport' AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'passport') AND d.deptype = 'e'"
q "DROP EXTENSION passport" >/dev/null
check "DROP EXTENSION removes the schema" q "SELECT count(*) = 0 FROM pg_namespace WHERE nspname = 'passport'"
after=$(q "SELECT count(*) FROM pg_class")
check "no relation is left behind" bash -c "[ '$after' = '$before' ] && echo t"
echo "1..$n"
