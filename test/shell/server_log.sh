#!/usr/bin/env bash
# What refused inputs leave in the server log (TAP): an invalid NIK, phone
# number and application number reach the client with the value given,
# and the server log with the reason only. The database is set as the
# README advises (log_min_error_statement = panic), so that no statement
# text is logged either. Runs against the cluster the PG* variables name;
# skipped when that cluster's log cannot be read from here.
set -u
cd "$(dirname "$0")/../.."
n=0
ok() { n=$((n + 1)); if [ "$2" -eq 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
DB=passport_server_log
T=$(mktemp -d)
dropdb --if-exists $DB >/dev/null 2>&1
createdb $DB
trap 'dropdb --if-exists $DB >/dev/null 2>&1; rm -rf "$T"' EXIT
psql -XAtq -d $DB -c "ALTER DATABASE $DB SET log_min_error_statement = panic" \
     -c "CREATE EXTENSION passport" >/dev/null

# the log: the logging collector's file, else server.log beside the data
# directory (where tools/pgcluster puts it)
datadir=$(psql -XAt -d $DB -c "SHOW data_directory")
current=$(psql -XAt -d $DB -c "SELECT pg_current_logfile()")
log=""
if [ -n "$current" ]; then
    case $current in /*) log=$current ;; *) log=$datadir/$current ;; esac
elif [ -r "$(dirname "$datadir")/server.log" ]; then
    log=$(dirname "$datadir")/server.log
fi
if [ -z "$log" ] || [ ! -r "$log" ]; then
    echo "ok 1 # SKIP the cluster's server log cannot be read here"
    exit 0
fi
start=$(( $(stat -c %s "$log") + 1 ))

# values of this run (4 digits of its own): a NIK whose birth date is 30
# February, a landline number, an application number one digit short
s=$(( 1000 + RANDOM % 9000 ))
nik=317101300290$s
phone=021-555-$s
app=12345678901$s
rc=0
for call in "nik_parts('$nik')|invalid NIK|$nik" \
            "normalize_phone('$phone')|invalid phone number|$phone" \
            "normalize_application_number('$app')|invalid application number|$app"; do
    IFS='|' read -r sql what value <<< "$call"
    psql -XAtq -d $DB -c "SELECT passport.$sql" > /dev/null 2> "$T/err"
    grep -q "ERROR:  $what\$" "$T/err" && grep -q "Given: \"$value\"" "$T/err" \
        || { echo "# the client got:"; sed 's/^/#   /' "$T/err"; rc=1; }
done
ok "the client gets each refusal with the value given" $rc

# the server writes its log lines before the error reaches the client
tail -c "+$start" "$log" > "$T/log"
got=$(grep -cE 'ERROR:  (invalid NIK|invalid phone number|invalid application number)$' "$T/log")
[ "$got" -eq 3 ]; ok "the server log has the three refusals ($got)" $?
grep -qE 'DETAIL:  The birth date \(digits 7-12\) does not exist\.$' "$T/log"
ok "with their reasons" $?
if grep -q -e "$nik" -e "555-$s" -e "$app" "$T/log"; then
    echo "# in the server log:"; grep -e "$nik" -e "555-$s" -e "$app" "$T/log" | sed 's/^/#   /'
    ok "none of the values given is in the server log" 1
else
    ok "none of the values given is in the server log" 0
fi
echo "1..$n"
