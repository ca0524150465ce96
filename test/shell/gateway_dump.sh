#!/usr/bin/env bash
# pg_dump / pg_restore of the WhatsApp gateway's data (TAP output): an
# administrator's template mapping and text survive into a fresh database,
# the shipped rows are neither lost nor doubled (a restore cannot collide
# with them), the administrator's row still wins, and replies on their way
# are kept. Runs against the cluster the PG* variables name.
set -u
n=0
check() {   # description, then a command whose output must be "t"
    local desc=$1; shift
    n=$((n + 1))
    if [ "$("$@" 2>&1)" = "t" ]; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fi
}
q() { psql -XAtq -d "$1" -c "$2"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; dropdb --if-exists pp_gw_src >/dev/null 2>&1; dropdb --if-exists pp_gw_dst >/dev/null 2>&1' EXIT
dropdb --if-exists pp_gw_src >/dev/null 2>&1; dropdb --if-exists pp_gw_dst >/dev/null 2>&1
createdb pp_gw_src && createdb pp_gw_dst

psql -XAtq -v ON_ERROR_STOP=1 -d pp_gw_src > "$tmp/setup.out" 2>&1 <<'SQL'
CREATE EXTENSION passport;
SET passport.now_override = '2026-12-01 09:00+07';
SELECT passport.set_whatsapp_template('visit_reminder', 'id', 'kanim_pengingat', 'id', ARRAY['date', 'time', 'office']);
SELECT passport.set_whatsapp_text('choose', 'id', 'Pilih layanan');
SELECT count(*) FROM passport.receive_whatsapp_message('6281577700001', 'wamid.dump-1', 'text', 'halo', 'gw');
SQL
check "source database set up" q pp_gw_src "SELECT count(*) = 1 FROM passport.reply_delivery"

pg_dump -Fc -d pp_gw_src -f "$tmp/dump" 2> "$tmp/dump.err"
check "pg_dump succeeds" bash -c "test -s $tmp/dump && ! test -s $tmp/dump.err && echo t"
pg_restore -d pp_gw_dst "$tmp/dump" 2> "$tmp/restore.err"
check "pg_restore reports no error (no collision with the shipped rows)" bash -c "test ! -s $tmp/restore.err && echo t"
[ -s "$tmp/restore.err" ] && sed 's/^/# /' "$tmp/restore.err" | head -20

check "the shipped mappings are there once, the administrator's too" \
    q pp_gw_dst "SELECT count(*) FILTER (WHERE builtin) = 26 AND count(*) FILTER (WHERE NOT builtin) = 1 FROM passport.whatsapp_template_base"
check "the administrator's mapping still wins" \
    q pp_gw_dst "SELECT name = 'kanim_pengingat' AND parameters = ARRAY['date', 'time', 'office']
                   FROM passport.whatsapp_template WHERE template = 'visit_reminder' AND language = 'id'"
check "the administrator's text survives and wins" \
    q pp_gw_dst "SELECT passport.whatsapp_say('choose', 'id') = 'Pilih layanan'"
check "the shipped texts are there once" \
    q pp_gw_dst "SELECT count(*) FILTER (WHERE builtin) = 4 FROM passport.whatsapp_text_base"
check "the reply on its way is kept, with its sequence" \
    q pp_gw_dst "SELECT count(*) = 1 AND max(delivery_id) <= (SELECT last_value FROM passport.reply_delivery_id_seq) FROM passport.reply_delivery"
echo "1..$n"
