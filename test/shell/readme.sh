#!/usr/bin/env bash
# The README's API reference against the catalog (TAP): every function the
# README documents (a `name(arg, arg DEFAULT x, ...)` signature in the API
# reference, outside code blocks) exists with exactly those arguments, every
# function granted to a group role is documented that way, documented result
# columns (`→ (a, b)`, and the answer types `passport.t`: `(a, b)`) match the
# catalog, the SQLSTATE table lists every PP code the extension raises, and
# the settings table every setting. Runs against the cluster
# the PG* variables name.
set -u
cd "$(dirname "$0")/../.."
n=0
fail() { n=$((n + 1)); echo "not ok $n - $1"; }
pass() { n=$((n + 1)); echo "ok $n - $1"; }
DB=passport_readme
dropdb --if-exists $DB >/dev/null 2>&1
createdb $DB
trap 'dropdb --if-exists $DB >/dev/null 2>&1' EXIT
psql -XAtq -d $DB -c "CREATE EXTENSION passport" -c "SELECT passport.setup_roles()" >/dev/null

# documented signatures: "name|arg,arg,..." one per line
perl -0777 -ne '
  my ($api) = /^## API reference\n(.*?)^## /ms or die "no API reference section\n";
  $api =~ s/^```.*?^```//msg;                       # code blocks are examples
  while ($api =~ /`([^`]+)`/gs) {
    my $span = $1; $span =~ s/\s+/ /g;
    next unless $span =~ /^([a-z_][a-z0-9_]*)\((.*?)\)(?: → (.*))?$/;
    my ($name, $args, $ret) = ($1, $2, $3);
    next if $args eq "...";
    my @names = map { /^\s*([a-z_][a-z0-9_]*)/ ? $1 : "?" } grep { /\S/ } split /,/, $args;
    print "$name|", join(",", @names), "\n";
    if (defined $ret and $ret =~ /^\((.*)\)$/) {
      my @cols = map { /^\s*([a-z_][a-z0-9_]*)/ ? $1 : "?" } split /,/, $1;
      print STDERR "$name|", join(",", @cols), "\n";
    }
  }
  # answer types: `passport.type`: `(a, b, ...)`
  while ($api =~ /`passport\.([a-z_]+)`:\s*`\(([^`]*)\)`/gs) {
    my ($type, $cols) = ($1, $2); $cols =~ s/\s+/ /g;
    print STDERR "type $type|", join(",", map { /^\s*([a-z_][a-z0-9_]*)/ ? $1 : "?" } split /,/, $cols), "\n";
  }' README.md 2> /tmp/readme_cols.$$ | sort -u > /tmp/readme_api.$$
documented=$(wc -l < /tmp/readme_api.$$)

# the catalog: "name|arg,arg,..." of every function of the extension
psql -XAtq -d $DB > /tmp/catalog_api.$$ <<'SQL'
SELECT p.proname || '|' || coalesce(
         (SELECT string_agg(a.n, ',' ORDER BY a.i)
            FROM unnest(p.proargnames) WITH ORDINALITY AS a(n, i)
           WHERE p.proargmodes IS NULL OR p.proargmodes[a.i] IN ('i', 'b', 'v')), '')
  FROM pg_proc p
 WHERE p.pronamespace = 'passport'::regnamespace;
SQL

missing=$(grep -vxF -f /tmp/catalog_api.$$ /tmp/readme_api.$$)
if [ "$documented" -gt 50 ] && [ -z "$missing" ]; then
    pass "every one of the README's $documented signatures exists with those arguments"
else
    fail "README signatures without such a function ($documented documented)"
    echo "$missing" | sed 's/^/#   /'
fi

# every function granted to a group role is documented with its arguments
psql -XAtq -d $DB > /tmp/granted_api.$$ <<'SQL'
SELECT DISTINCT p.proname || '|' || coalesce(
         (SELECT string_agg(a.n, ',' ORDER BY a.i)
            FROM unnest(p.proargnames) WITH ORDINALITY AS a(n, i)
           WHERE p.proargmodes IS NULL OR p.proargmodes[a.i] IN ('i', 'b', 'v')), '')
  FROM passport.role_privilege r JOIN pg_proc p ON p.oid = r.object_name::regprocedure
 WHERE r.object_kind = 'function'
   AND p.proname NOT IN ('now', 'office_scope', 'sees_all_offices');
SQL
undocumented=$(grep -vxF -f /tmp/readme_api.$$ /tmp/granted_api.$$)
if [ -z "$undocumented" ]; then
    pass "every function granted to a group role is documented ($(wc -l < /tmp/granted_api.$$) functions)"
else
    fail "functions granted to a group role but not documented with their arguments"
    echo "$undocumented" | sed 's/^/#   /'
fi

# documented result columns (functions "→ (a, b)", answer types "`passport.t`: `(a, b)`")
psql -XAtq -d $DB > /tmp/catalog_cols.$$ <<'SQL'
SELECT p.proname || '|' || (SELECT string_agg(a.n, ',' ORDER BY a.i)
                              FROM unnest(p.proargnames) WITH ORDINALITY AS a(n, i)
                             WHERE p.proargmodes[a.i] IN ('o', 'b', 't'))
  FROM pg_proc p
 WHERE p.pronamespace = 'passport'::regnamespace
   AND p.proargmodes && ARRAY['o', 'b', 't']::"char"[]
UNION ALL
SELECT p.proname || '|' || (SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a
                             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
  FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype AND t.typtype = 'c'
 WHERE p.pronamespace = 'passport'::regnamespace
   AND NOT coalesce(p.proargmodes && ARRAY['o', 'b', 't']::"char"[], false)
UNION ALL
SELECT 'type ' || t.typname || '|' || string_agg(a.attname, ',' ORDER BY a.attnum)
  FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE t.typnamespace = 'passport'::regnamespace AND t.typtype = 'c'
   AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'
 GROUP BY t.typname;
SQL
wrongcols=$(grep -vxF -f /tmp/catalog_cols.$$ /tmp/readme_cols.$$)
if [ -s /tmp/readme_cols.$$ ] && [ -z "$wrongcols" ]; then
    pass "every documented result shape matches ($(wc -l < /tmp/readme_cols.$$) functions and answer types)"
else
    fail "documented result columns that differ from the catalog"
    echo "$wrongcols" | sed 's/^/#   /'
fi

# every PP SQLSTATE raised in the code is in the README's table
raised=$(grep -rhoE "MAKE_SQLSTATE\('P','P','[0-9]','[0-9]','[0-9]'\)|ERRCODE = 'PP[0-9]{3}'|SQLSTATE 'PP[0-9]{3}'" src sql-src \
         | sed -E "s/MAKE_SQLSTATE\('P','P','([0-9])','([0-9])','([0-9])'\)/PP\1\2\3/; s/.*'(PP[0-9]{3})'.*/\1/" | sort -u)
listed=$(sed -n '/^### SQLSTATEs/,/^### /p' README.md | grep -oE '^\| PP[0-9]{3} ' | grep -oE 'PP[0-9]{3}' | sort -u)
unlisted=$(comm -23 <(echo "$raised") <(echo "$listed"))
if [ -n "$raised" ] && [ -z "$unlisted" ]; then
    pass "every PP SQLSTATE the code raises is in the README's table ($(echo "$raised" | wc -l) codes)"
else
    fail "PP SQLSTATEs raised but not in the README's table: $(echo $unlisted)"
fi
# every setting is in the README's settings table
settings=$(psql -XAtq -d $DB -c "SELECT passport.now() IS NOT NULL" -c "SELECT name FROM pg_settings WHERE name LIKE 'passport.%' ORDER BY 1" | grep '^passport\.')
listed_settings=$(sed -n '/^### Settings/,/^## /p' README.md | grep -oE '^\| `passport\.[a-z_]+`' | grep -oE 'passport\.[a-z_]+' | sort -u)
unlisted_settings=$(comm -23 <(echo "$settings") <(echo "$listed_settings"))
if [ -n "$settings" ] && [ -z "$unlisted_settings" ]; then
    pass "every setting is in the README's settings table ($(echo "$settings" | wc -l) settings)"
else
    fail "settings missing from the README's table: $(echo $unlisted_settings)"
fi
rm -f /tmp/readme_api.$$ /tmp/catalog_api.$$ /tmp/granted_api.$$ /tmp/readme_cols.$$ /tmp/catalog_cols.$$
echo "1..$n"
