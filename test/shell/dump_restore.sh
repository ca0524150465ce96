#!/usr/bin/env bash
# pg_dump / pg_restore round trip into a fresh database (TAP output):
# catalog, slots, reservations, tariffs and the installation key survive;
# administrators' texts, templates and rules (edited, added, removed) and
# the audit survive beside the fresh installation's shipped rows;
# numbers issued before the dump stay valid, numbers issued after it never
# collide with them. Runs against the cluster the PG* variables name.
set -u
n=0
check() {   # description, then a command whose output must be "t"
    local desc=$1; shift
    n=$((n + 1))
    if [ "$("$@" 2>&1)" = "t" ]; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fi
}
q() { psql -XAtq -d "$1" -c "$2"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; dropdb --if-exists pp_src >/dev/null 2>&1; dropdb --if-exists pp_dst >/dev/null 2>&1' EXIT
dropdb --if-exists pp_src >/dev/null 2>&1; dropdb --if-exists pp_dst >/dev/null 2>&1
createdb pp_src && createdb pp_dst

psql -XAtq -v ON_ERROR_STOP=1 -d pp_src > "$tmp/setup.out" 2>&1 <<'SQL'
CREATE EXTENSION passport;
SET passport.now_override = '2026-12-01 09:00+07';
SELECT passport.create_office('JKS', 'Kanim Jakarta Selatan', 'kanim', 'Asia/Jakarta');
SELECT passport.add_capacity_rule('JKS', 1, 'regular', '08:00', '12:00', 30, 10);
SELECT passport.close_day('JKS', '2026-12-14', 'Renovasi');
SELECT passport.release_slots('JKS', '2026-12-07', '2026-12-21');
SELECT passport.add_tariff('passport', 'regular', 5, '2027-01-01', 400000);
-- administrators' edits of shipped texts and rules, and an added text
SELECT passport.set_bot_text('menu', 'en', 'Passport service. 1 book, 2 status, 3 pay, 4 requirements, 5 pickup, 6 feedback.');
SELECT passport.set_bot_text('reason_PP018', 'id', 'tempat walk-in hari ini sudah habis.');
SELECT passport.set_status_text('rejected', 'en', 'Not approved', 'Ask the office which document was missing.');
SELECT passport.set_message_template('status_rejected', 'en', 'Application {application_number} was not approved.');
SELECT passport.set_info('requirements', 'renewal', 'en', 'Renewal: your KTP and the old passport.');
SELECT passport.remove_transition_rule('awaiting_payment', 'cancelled', 'admin');
SELECT passport.add_transition_rule('awaiting_payment', 'rejected', 'admin');
CREATE TABLE public.issued AS
  SELECT (passport.reserve('JKS', 'new_adult', 'regular', '2026-12-07', '31710101019000' || lpad(i::text, 2, '0'),
                           'Pemohon ' || i, '1990-01-01')).reservation_number AS code
    FROM generate_series(1, 12) i;
CREATE TABLE public.apps AS
  SELECT (passport.open_walk_in('JKS', 'priority', 'renewal', '31710101019001' || lpad(i::text, 2, '0'),
                                'Pemohon ' || i, '1990-01-01')).application_number AS num
    FROM generate_series(1, 3) i;
SELECT passport.transition(num, 'verified', 'submitted') FROM public.apps;
SELECT passport.transition(num, 'interviewed', 'verified') FROM public.apps;
SELECT passport.transition(num, 'awaiting_payment', 'interviewed') FROM public.apps;
SQL
check "source database set up" q pp_src "SELECT count(*) = 12 FROM public.issued"
check "source has 12 reservations" q pp_src "SELECT count(*) = 12 FROM passport.reservation"

pg_dump -Fc -d pp_src -f "$tmp/dump" 2> "$tmp/dump.err"
check "pg_dump succeeds" bash -c "test -s $tmp/dump && ! test -s $tmp/dump.err && echo t"
pg_restore -d pp_dst "$tmp/dump" 2> "$tmp/restore.err"
check "pg_restore reports no error" bash -c "test ! -s $tmp/restore.err && echo t"
[ -s "$tmp/restore.err" ] && sed 's/^/# /' "$tmp/restore.err" | head -20

for t in office capacity_rule office_closure slot reservation nik_guard application application_event billing; do
    a=$(q pp_src "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.$t x")
    b=$(q pp_dst "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.$t x")
    check "passport.$t has the same rows" bash -c "[ -n '$a' ] && [ '$a' = '$b' ] && echo t"
done
for t in transition status_text message_template bot_text info; do
    a=$(q pp_src "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.${t}_base x WHERE NOT builtin")
    b=$(q pp_dst "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.${t}_base x WHERE NOT builtin")
    check "administrators' rows of passport.${t}_base are kept" bash -c "[ -n '$a' ] && [ '$a' = '$b' ] && echo t"
    a=$(q pp_src "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.$t x")
    b=$(q pp_dst "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.$t x")
    check "passport.$t shows the same effective rows" bash -c "[ -n '$a' ] && [ '$a' = '$b' ] && echo t"
    a=$(q pp_src "SELECT count(*) FROM passport.${t}_base WHERE builtin")
    b=$(q pp_dst "SELECT count(*) FROM passport.${t}_base WHERE builtin")
    check "shipped rows of passport.${t}_base are not duplicated" bash -c "[ '$a' -gt 0 ] && [ '$a' = '$b' ] && echo t"
done
check "an edited shipped text is the one sent after the restore" \
    q pp_dst "SELECT passport.bot_say('menu', 'en') LIKE 'Passport service.%'
                 AND passport.bot_reason('PP018', 'en', '') = 'tempat walk-in hari ini sudah habis.'
                 AND passport.render_message('status_rejected', 'en', '{\"application_number\": \"1\"}')
                     = 'Application 1 was not approved.'"
check "a removed shipped rule stays removed after the restore" \
    q pp_dst "SELECT NOT EXISTS (SELECT 1 FROM passport.transition
                                  WHERE from_status = 'awaiting_payment' AND to_status = 'cancelled')"
check "the audit came along" \
    q pp_dst "SELECT count(*) = $(q pp_src "SELECT count(*) FROM passport.admin_audit") AND count(*) = 12
                 AND md5(string_agg(x::text, ',' ORDER BY audit_id))
                     = '$(q pp_src "SELECT md5(string_agg(x::text, ',' ORDER BY audit_id)) FROM passport.admin_audit x")'
                FROM passport.admin_audit x"
check "shipped tariffs are not duplicated, the added one is kept" \
    q pp_dst "SELECT count(*) = 13 AND count(DISTINCT (item, passport_kind, validity_years, valid_from)) = 13 FROM passport.tariff"
check "numbers issued before the dump decode to their office" \
    q pp_dst "SELECT bool_and(passport.reservation_number_office(code) = passport.office_id('JKS')) FROM public.issued"
check "a reservation issued before the dump is found with its second factor" \
    q pp_dst "SELECT (passport.find_reservation((SELECT min(code) FROM public.issued), birth_date => '1990-01-01')).status = 'booked'"
psql -XAtq -d pp_dst > "$tmp/after.out" 2>&1 <<'SQL'
SET passport.now_override = '2026-12-01 10:00+07';
SELECT passport.cancel((SELECT min(code) FROM public.issued), birth_date => '1990-01-01');
CREATE TABLE public.issued_after AS
  SELECT (passport.reserve('JKS', 'new_adult', 'regular', '2026-12-07', '31710101019001' || lpad(i::text, 2, '0'),
                           'Pemohon ' || i, '1990-01-01')).reservation_number AS code
    FROM generate_series(1, 12) i;
SQL
check "a reservation issued before the dump can be cancelled after the restore" \
    q pp_dst "SELECT status = 'cancelled' FROM passport.reservation WHERE code = (SELECT min(code) FROM public.issued)"
check "numbers issued after the restore never collide with earlier ones" \
    q pp_dst "SELECT count(*) = 12 AND NOT EXISTS (SELECT 1 FROM public.issued i JOIN public.issued_after a USING (code)) FROM public.issued_after"
check "application numbers and billing codes issued before the dump decode to their office" \
    q pp_dst "SELECT bool_and(passport.application_number_office(application_number) = office_id
                        AND passport.billing_code_office(billing_code) = office_id) FROM passport.billing"
check "the counter continued from the dump" \
    q pp_dst "SELECT sum(last_value) >= 12 FROM passport.office_counter WHERE kind = 'reservation'"
psql -XAtq -d pp_dst > "$tmp/rules.out" 2>&1 <<'SQL'
SET passport.now_override = '2026-12-01 10:00+07';
SELECT passport.transition((SELECT min(num) FROM public.apps), 'cancelled', 'awaiting_payment');
SELECT passport.transition((SELECT max(num) FROM public.apps), 'rejected', 'awaiting_payment');
SELECT passport.set_status_text('rejected', 'id', 'Tidak disetujui', 'Tanyakan ke kantor imigrasi.');
SQL
check "the restored rules are in force: the removed move is refused, the added one made" \
    q pp_dst "SELECT (SELECT status FROM passport.application WHERE application_number = (SELECT min(num) FROM public.apps))
                     = 'awaiting_payment'
                 AND (SELECT status FROM passport.application WHERE application_number = (SELECT max(num) FROM public.apps))
                     = 'rejected'"
check "the audit goes on after the restore" \
    q pp_dst "SELECT action = 'set_status_text' AND object = 'status text rejected/id'
                 AND audit_id > $(q pp_src "SELECT max(audit_id) FROM passport.admin_audit")
                FROM passport.admin_audit ORDER BY audit_id DESC LIMIT 1"
check "the closure survived: no slot released on the closed day" \
    q pp_dst "SELECT count(*) = 0 FROM passport.slot WHERE local_date = '2026-12-14'"
echo "1..$n"
