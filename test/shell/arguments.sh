#!/usr/bin/env bash
# Every function and procedure of the extension, called with every argument
# NULL, then zero or empty, then extreme (negative numbers, the smallest
# integer, 100,000-character texts, infinite dates and times), answers an
# error with its SQLSTATE or a result: none ends the backend, none answers
# an internal error (XX000). TAP output.
set -u
n=0
DB=pp_args
q() { psql -XAtq -d $DB -c "$1"; }
dropdb --if-exists $DB >/dev/null 2>&1; createdb $DB
trap 'dropdb --if-exists $DB >/dev/null 2>&1' EXIT
q "CREATE EXTENSION passport" >/dev/null
q "SELECT passport.create_office('ARGS', 'Kantor Argumen', 'kanim', 'Asia/Jakarta')" >/dev/null
# one call per function, every input argument a typed NULL (distribute()
# needs Citus and commits: it is left out)
calls=$(q "SELECT CASE p.prokind WHEN 'p' THEN 'CALL ' ELSE 'SELECT ' END || 'passport.'
                  || quote_ident(p.proname) || '('
                  || coalesce((SELECT string_agg('NULL::' || format_type(a.t, NULL), ', ' ORDER BY a.n)
                                 FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]))
                                      WITH ORDINALITY AS a(t, n)
                                WHERE coalesce(p.proargmodes[a.n], 'i') IN ('i', 'b', 'v')), '')
                  || ')'
             FROM pg_proc p
            WHERE p.pronamespace = 'passport'::regnamespace
              AND p.prorettype IS DISTINCT FROM 'trigger'::regtype
              AND p.proname <> 'distribute'
            ORDER BY p.proname, p.oid")
count=$(printf '%s\n' "$calls" | grep -c .)
n=$((n + 1))
if [ "$count" -ge 100 ]; then echo "ok $n - $count calls, one per function and procedure"
else echo "not ok $n - only $count calls generated"; fi

zero() {
    sed "s/NULL::bigint\[\]/'{}'::bigint[]/g; s/NULL::integer\[\]/'{}'::integer[]/g;
         s/NULL::text\[\]/'{}'::text[]/g; s/NULL::bigint/0::bigint/g; s/NULL::integer/0/g;
         s/NULL::smallint/0::smallint/g; s/NULL::text/''::text/g; s/NULL::boolean/false/g;
         s/NULL::jsonb/'{}'::jsonb/g"
}
extreme() {
    sed "s/NULL::bigint\[\]/'{-1,NULL}'::bigint[]/g; s/NULL::integer\[\]/'{-1,NULL}'::integer[]/g;
         s/NULL::text\[\]/'{\"\",NULL}'::text[]/g; s/NULL::bigint/(-1)::bigint/g;
         s/NULL::integer/(-2147483648)/g; s/NULL::smallint/(-1)::smallint/g;
         s/NULL::text/repeat('x', 100000)/g; s/NULL::date/'infinity'::date/g;
         s/NULL::timestamp with time zone/'-infinity'::timestamptz/g;
         s/NULL::time without time zone/'24:00'::time/g; s/NULL::jsonb/'[]'::jsonb/g"
}
for variant in null zero extreme; do
    bad=""
    while IFS= read -r call; do
        [ -z "$call" ] && continue
        case $variant in
            zero) call=$(printf '%s' "$call" | zero) ;;
            extreme) call=$(printf '%s' "$call" | extreme) ;;
        esac
        out=$(psql -Xq -d $DB -c "SET statement_timeout = '10s'" -c '\set VERBOSITY sqlstate' \
                   -c "$call" 2>&1)
        case "$out" in
            *XX000*|*"server closed"*|*"connection to server"*|*"terminated abnormally"*)
                bad="$bad
#   $call: $(printf '%s' "$out" | head -2 | tr '\n' ' ')"
                # a crashed server restarts: wait for it
                for _ in 1 2 3 4 5 6 7 8 9 10; do q "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done ;;
        esac
    done <<< "$calls"
    n=$((n + 1))
    if [ -z "$bad" ]; then echo "ok $n - $variant arguments: no call ends the backend or answers XX000"
    else echo "not ok $n - $variant arguments: calls that ended the backend or answered XX000:$bad"; fi
done
echo "1..$n"
