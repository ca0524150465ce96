-- Trust boundaries, each checked as a login in the real group roles: the
-- clock, officers and their offices, the settings a role can change,
-- payments, idempotency keys, walk-ins and capacity, the installation key.
SELECT count(*) >= 0 AS roles_ready FROM passport.setup_roles();
CREATE ROLE regress_sec_bot LOGIN IN ROLE passport_adapter;
CREATE ROLE regress_sec_bot2 LOGIN IN ROLE passport_adapter;
CREATE ROLE regress_sec_officer LOGIN IN ROLE passport_officer;
CREATE ROLE regress_sec_bank LOGIN IN ROLE passport_payment;
CREATE ROLE regress_sec_admin LOGIN IN ROLE passport_admin;
CREATE ROLE regress_sec_clock LOGIN IN ROLE passport_adapter;

--------------------------------------------------------------------------
-- 1. the clock: only a superuser, or a role granted SET on the parameter
--------------------------------------------------------------------------
\c - regress_sec_bot
-- set before the module is loaded in this session: refused when it loads,
-- then refused at once
SET passport.now_override = '2030-01-01 09:00+07';
SELECT passport.now() = transaction_timestamp() AS clock_not_moved;
SET passport.now_override = '2030-01-01 09:00+07';
BEGIN;
SET LOCAL passport.now_override = '2030-01-01 09:00+07';
ROLLBACK;
SELECT set_config('passport.now_override', '2030-01-01 09:00+07', false);
ALTER ROLE regress_sec_bot SET passport.now_override = '2030-01-01 09:00+07';
SELECT passport.now() = transaction_timestamp() AS clock_still_not_moved;
\c - regress_sec_clock
SELECT passport.now() IS NOT NULL AS module_loaded;
SET passport.now_override = '2030-01-01 09:00+07';
\c - postgres
GRANT SET ON PARAMETER passport.now_override TO regress_sec_clock;
\c - regress_sec_clock
SET passport.now_override = '2030-01-01 09:00+07';
SELECT passport.now() = '2030-01-01 09:00+07' AS clock_role_pins;
\c - postgres
REVOKE SET ON PARAMETER passport.now_override FROM regress_sec_clock;

-- back as the superuser
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN regexp_replace(regexp_replace(SQLSTATE || ': ' || SQLERRM || coalesce(' | ' || nullif(d, ''), ''),
                        '[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}', '#####-#####', 'g'),
                        '\m[0-9]{15,16}\M', '<number>', 'g');
END $$;
-- the superuser pins only finite times ('-infinity' used to reach XX000)
SELECT passport.now() IS NOT NULL AS module_loaded;
SELECT pg_temp.try($$SET passport.now_override = '-infinity'$$);
SELECT pg_temp.try($$SET passport.now_override = 'infinity'$$);
SELECT pg_temp.try($$SET passport.now_override = '1999-12-31 23:59+00'$$);
SET passport.now_override = '2026-12-01 09:00+07';

-- two offices: the officer is bound to SEC1 only
SELECT passport.create_office('SEC1', 'Kanim Uji Satu', 'kanim', 'Asia/Jakarta') > 0 AS sec1,
       passport.create_office('SEC2', 'Kanim Uji Dua', 'kanim', 'Asia/Jakarta') > 0 AS sec2;
SELECT count(*) > 0 AS rules FROM (
  SELECT passport.add_capacity_rule(o, d, l, '08:00', '10:00', 60, c)
    FROM unnest(ARRAY['SEC1', 'SEC2']) o, generate_series(1, 5) d,
         (VALUES ('regular', 4), ('percepatan', 1), ('priority', 2)) v(l, c)) x;
SELECT passport.release_slots('SEC1', '2026-12-07', '2026-12-11') > 0 AS sec1_released,
       passport.release_slots('SEC2', '2026-12-07', '2026-12-11') > 0 AS sec2_released;

SELECT passport.bind_officer('regress_sec_officer', 'SEC1');
SELECT pg_temp.try($$SELECT passport.bind_officer('regress_sec_bot', 'SEC1')$$);
SELECT pg_temp.try($$SELECT passport.bind_officer('regress_nobody_at_all', 'SEC1')$$);
SELECT actor, action, object FROM passport.admin_audit WHERE action = 'bind_officer' AND object LIKE '%regress_sec%' ORDER BY audit_id;

-- visits at both offices on Monday 7 December, checked in at 08:00
CREATE TEMP TABLE v AS
  SELECT o, n, (passport.reserve(o, 'renewal', 'regular', '2026-12-07',
                                 '317101010190' || CASE o WHEN 'SEC1' THEN '1' ELSE '2' END || '00' || n,
                                 'Pemohon ' || n, '1990-01-01')).reservation_number AS code
    FROM unnest(ARRAY['SEC1', 'SEC2']) o, generate_series(1, 3) n;
GRANT SELECT ON v TO regress_sec_officer;
SET passport.now_override = '2026-12-07 07:55+07';
SELECT o, count(*) AS checked_in FROM v, LATERAL passport.check_in(v.code) c
 WHERE v.n = 1 GROUP BY o ORDER BY o;
SELECT o, (passport.open_application(code)).status FROM v WHERE n = 1 ORDER BY o;
CREATE TEMP TABLE a AS
  SELECT v.o, a.office_id, a.application_number AS num FROM passport.application a
    JOIN v ON a.reservation_code = v.code;
GRANT SELECT ON a TO regress_sec_officer;

SET passport.now_override = '2026-12-07 08:05+07';

--------------------------------------------------------------------------
-- 2. officers act on their offices only, in every function they may call
--------------------------------------------------------------------------
-- every function granted to officers is either listed here with a call on
-- the office the officer is not bound to, or reads no office's data
CREATE TEMP TABLE officer_call (fn text, stmt text);
INSERT INTO officer_call VALUES
  ('passport.check_in(text,text)', $$SELECT passport.check_in((SELECT code FROM v WHERE o = 'SEC2' AND n = 2))$$),
  ('passport.open_application(text,text,integer,boolean)', $$SELECT passport.open_application((SELECT code FROM v WHERE o = 'SEC2' AND n = 1))$$),
  ('passport.open_walk_in(text,text,text,text,text,date,text,text,integer,boolean)', $$SELECT passport.open_walk_in('SEC2', 'priority', 'renewal', '3171010101900299', 'Pejalan Kaki', '1990-01-01')$$),
  ('passport.transition(text,text,text,integer,text,text)', $$SELECT passport.transition((SELECT num FROM a WHERE o = 'SEC2'), 'verified')$$),
  ('passport.walk_in_ticket(text,text)', $$SELECT passport.walk_in_ticket('SEC2', 'priority')$$),
  ('passport.pickup_ticket(text)', $$SELECT passport.pickup_ticket((SELECT num FROM a WHERE o = 'SEC2'))$$),
  ('passport.call_next(text,text,text[])', $$SELECT passport.call_next('SEC2', 'Loket 1')$$),
  ('passport.recall(text,text)', $$SELECT passport.recall('SEC2', 'A-001')$$),
  ('passport.start_service(text,text)', $$SELECT passport.start_service('SEC2', 'A-001')$$),
  ('passport.finish_service(text,text)', $$SELECT passport.finish_service('SEC2', 'A-001')$$),
  ('passport.find_reservation(text,text,date)', $$SELECT passport.find_reservation((SELECT code FROM v WHERE o = 'SEC2' AND n = 2), birth_date => '1990-01-01')$$),
  ('passport.application_status(text,text,date,text)', $$SELECT passport.application_status((SELECT num FROM a WHERE o = 'SEC2'), birth_date => '1990-01-01')$$),
  -- the same with the office's number first (what a distributed installation delegates)
  ('passport.check_in_at(bigint,text)', $$SELECT passport.check_in_at((SELECT x.office_id FROM passport.office x WHERE x.code = 'SEC2'), (SELECT code FROM v WHERE o = 'SEC2' AND n = 2))$$),
  ('passport.open_application_at(bigint,text,text,integer,boolean)', $$SELECT passport.open_application_at((SELECT x.office_id FROM passport.office x WHERE x.code = 'SEC2'), (SELECT code FROM v WHERE o = 'SEC2' AND n = 1))$$),
  ('passport.open_walk_in_at(bigint,text,text,text,text,date,text,text,integer,boolean)', $$SELECT passport.open_walk_in_at((SELECT x.office_id FROM passport.office x WHERE x.code = 'SEC2'), 'priority', 'renewal', '3171010101900299', 'Pejalan Kaki', '1990-01-01')$$),
  ('passport.transition_at(bigint,text,text,text,integer,text,text)', $$SELECT passport.transition_at((SELECT x.office_id FROM passport.office x WHERE x.code = 'SEC2'), (SELECT num FROM a WHERE o = 'SEC2'), 'verified')$$),
  ('passport.walk_in_ticket_at(bigint,text)', $$SELECT passport.walk_in_ticket_at((SELECT x.office_id FROM passport.office x WHERE x.code = 'SEC2'), 'priority')$$),
  ('passport.pickup_ticket_at(bigint,text)', $$SELECT passport.pickup_ticket_at((SELECT x.office_id FROM passport.office x WHERE x.code = 'SEC2'), (SELECT num FROM a WHERE o = 'SEC2'))$$),
  ('passport.call_next_at(bigint,text,text[])', $$SELECT passport.call_next_at((SELECT x.office_id FROM passport.office x WHERE x.code = 'SEC2'), 'Loket 1')$$),
  ('passport.recall_at(bigint,text)', $$SELECT passport.recall_at((SELECT x.office_id FROM passport.office x WHERE x.code = 'SEC2'), 'A-001')$$),
  ('passport.start_service_at(bigint,text)', $$SELECT passport.start_service_at((SELECT x.office_id FROM passport.office x WHERE x.code = 'SEC2'), 'A-001')$$),
  ('passport.finish_service_at(bigint,text)', $$SELECT passport.finish_service_at((SELECT x.office_id FROM passport.office x WHERE x.code = 'SEC2'), 'A-001')$$),
  ('passport.dashboard_office(text)', $$SELECT passport.dashboard_office('SEC2')$$),
  ('passport.dashboard_queue(text)', $$SELECT passport.dashboard_queue('SEC2')$$),
  ('passport.dashboard_heatmap(text,integer)', $$SELECT passport.dashboard_heatmap('SEC2')$$),
  ('passport.dashboard_no_shows(text,integer)', $$SELECT passport.dashboard_no_shows('SEC2')$$),
  ('passport.dashboard_processing(text,integer)', $$SELECT passport.dashboard_processing('SEC2')$$),
  ('passport.dashboard_backlog(text)', $$SELECT passport.dashboard_backlog('SEC2')$$),
  ('passport.dashboard_feedback(text,integer)', $$SELECT passport.dashboard_feedback('SEC2')$$);
GRANT SELECT ON officer_call TO regress_sec_officer;
SELECT p.object_name AS officer_function_not_classified
  FROM passport.role_privilege p
 WHERE p.role_name = 'passport_officer' AND p.object_kind = 'function'
   AND p.object_name NOT IN (SELECT fn FROM officer_call)
   AND p.object_name NOT IN (
     -- no office's data: reference data, arithmetic, the caller's own scope
     'passport.availability(text,date,integer,text)', 'passport.normalize_reservation_number(text)',
     'passport.nik_parts(text)', 'passport.tariff_amount(text,text,integer,date)',
     'passport.billing_amount(text,text,integer,boolean,boolean,date)',
     'passport.add_working_days(bigint,date,integer)', 'passport.now()', 'passport.office_scope()',
     'passport.sees_all_offices()', 'passport.my_offices()',
     -- public by design: the waiting-room display (ticket codes and counters)
     'passport.display_board(text)')
 ORDER BY 1;
-- every one of them, on the other office, fails and changes nothing
CREATE TEMP TABLE before_calls AS
  SELECT (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.reservation x) AS reservations,
         (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.application x) AS applications,
         (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.queue_ticket x) AS tickets,
         (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.slot x) AS slots,
         (SELECT count(*) FROM passport.application_event) AS events;
SET ROLE regress_sec_officer;
SELECT fn, pg_temp.try(stmt) AS on_sec2 FROM officer_call ORDER BY fn;
RESET ROLE;
SELECT (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.reservation x) = reservations
       AND (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.application x) = applications
       AND (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.queue_ticket x) = tickets
       AND (SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM passport.slot x) = slots
       AND (SELECT count(*) FROM passport.application_event) = events AS nothing_changed
  FROM before_calls;
-- the same calls on its own office work
SET ROLE regress_sec_officer;
SELECT (passport.check_in((SELECT code FROM v WHERE o = 'SEC1' AND n = 2))).status AS own_check_in;
SELECT (passport.transition((SELECT num FROM a WHERE o = 'SEC1'), 'verified')).status AS own_move;
SELECT (passport.walk_in_ticket('SEC1', 'priority')).ticket AS own_walk_in;
SELECT (passport.call_next('SEC1', 'Loket 1')).ticket AS own_call;
SELECT office_code FROM passport.my_offices();
-- row-level security shows the bound office only, and the setting names
-- only bound offices
SELECT count(*) AS rows_without_scope FROM passport.reservation;
SELECT pg_temp.try($$SET passport.office = 'SEC2'$$);
SELECT pg_temp.try($$SET passport.office = 'SEC1,SEC2'$$);
BEGIN;
SET LOCAL passport.office = 'sec1';
SELECT count(*) AS own_rows, count(DISTINCT office_id) AS offices FROM passport.reservation;
COMMIT;
SELECT current_setting('passport.office') = '' AS scope_ended_with_transaction;
RESET ROLE;
-- an administrator withdraws the officer: its next call is refused
SELECT passport.unbind_officer('regress_sec_officer', 'SEC1');
SET ROLE regress_sec_officer;
SELECT pg_temp.try($$SELECT passport.call_next('SEC1', 'Loket 1')$$);
RESET ROLE;
SELECT passport.bind_officer('regress_sec_officer', 'SEC1');

--------------------------------------------------------------------------
-- 3. the settings a role can change do not widen what it can do
--------------------------------------------------------------------------
SELECT name, context FROM pg_settings WHERE name LIKE 'passport.%' ORDER BY name;
CREATE TEMP TABLE setting_try (role text, name text, outcome text);
GRANT INSERT ON setting_try TO PUBLIC;
DO $$
DECLARE
  r text;
  s record;
BEGIN
  FOR r IN SELECT unnest(ARRAY['regress_sec_bot', 'regress_sec_officer', 'regress_sec_bank', 'regress_sec_admin']) LOOP
    EXECUTE format('SET ROLE %I', r);
    FOR s IN SELECT name, CASE name WHEN 'passport.now_override' THEN '2030-01-01 00:00+07'
                                    WHEN 'passport.office' THEN 'SEC2'
                                    WHEN 'passport.max_active_per_sender' THEN '0'
                                    WHEN 'passport.cooldown' THEN '0'
                                    WHEN 'passport.reschedule_limit' THEN '100'
                                    WHEN 'passport.reschedule_min_days' THEN '0'
                                    WHEN 'passport.checkin_early' THEN '1440'
                                    WHEN 'passport.checkin_late' THEN '1440'
                                    WHEN 'passport.max_calls' THEN '20'
                                    WHEN 'passport.outbox_max_attempts' THEN '100'
                                    WHEN 'passport.outbox_notify' THEN 'on'
                                    WHEN 'passport.queue_notify' THEN 'off'
                                    WHEN 'passport.conversation_timeout' THEN '1440'
                                    WHEN 'passport.documents_days' THEN '90'
                                    WHEN 'passport.pickup_days' THEN '365'
                                    WHEN 'passport.billing_valid_after_interview' THEN '129600'
                                    WHEN 'passport.billing_valid_at_booking' THEN '129600'
                                    WHEN 'passport.test_pause' THEN 'claim=1'
                                    ELSE NULL END AS wide
                FROM pg_settings WHERE name LIKE 'passport.%' LOOP
      BEGIN
        IF s.wide IS NULL THEN
          INSERT INTO setting_try VALUES (r, s.name, 'no widening value known');
        ELSE
          PERFORM set_config(s.name, s.wide, true);
          INSERT INTO setting_try VALUES (r, s.name, 'changed');
        END IF;
      EXCEPTION WHEN OTHERS THEN
        INSERT INTO setting_try VALUES (r, s.name, SQLSTATE);
      END;
    END LOOP;
    RESET ROLE;
  END LOOP;
END $$;
-- administrators may name any office (they see all anyway); nobody else
-- changes anything
SELECT role, name, outcome FROM setting_try WHERE outcome <> '42501' ORDER BY role, name;

--------------------------------------------------------------------------
-- 4. payments come from the bank's role only, in time, with a national NTPN
--------------------------------------------------------------------------
-- two applications awaiting payment, one per office
SELECT count(*) AS moved FROM a, LATERAL (
  SELECT passport.transition(a.num, 'verified') WHERE a.o = 'SEC2') t;
SELECT count(*) AS interviewed FROM a, LATERAL passport.transition(a.num, 'interviewed') t;
SELECT count(*) AS awaiting FROM a, LATERAL passport.transition(a.num, 'awaiting_payment') t;
CREATE TEMP TABLE b AS
  SELECT a.o, x.billing_code, x.amount, x.issued_at, x.expires_at FROM passport.billing x JOIN a
      ON a.office_id = x.office_id AND a.num = x.application_number WHERE x.status = 'open';
GRANT SELECT ON b TO regress_sec_bot, regress_sec_bank;
SET ROLE regress_sec_bot;
SELECT pg_temp.try(format($$SELECT passport.confirm_payment(%L, %s, 'ANYNTPN123')$$, billing_code, amount)) AS bot_pays
  FROM b WHERE o = 'SEC1';
RESET ROLE;
-- even a role that was granted EXECUTE by hand is refused by the function
GRANT EXECUTE ON FUNCTION passport.confirm_payment(text, bigint, text, timestamptz) TO regress_sec_bot;
SET ROLE regress_sec_bot;
SELECT pg_temp.try(format($$SELECT passport.confirm_payment(%L, %s, 'ANYNTPN123')$$, billing_code, amount)) AS bot_granted_pays
  FROM b WHERE o = 'SEC1';
RESET ROLE;
REVOKE EXECUTE ON FUNCTION passport.confirm_payment(text, bigint, text, timestamptz) FROM regress_sec_bot;
-- two minutes before the expiry, the bank reports a payment made a minute after it
SELECT set_config('passport.now_override', (expires_at - interval '2 minutes')::text, false) IS NOT NULL AS near_expiry
  FROM b WHERE o = 'SEC1';
SET ROLE regress_sec_bank;
SELECT pg_temp.try(format($$SELECT passport.confirm_payment(%L, %s, 'NTPN0000000001', %L)$$,
                          billing_code, amount, expires_at + interval '1 minute')) AS paid_after_expiry
  FROM b WHERE o = 'SEC1';
RESET ROLE;
SET passport.now_override = '2026-12-07 08:05+07';
SET ROLE regress_sec_bank;
SELECT pg_temp.try(format($$SELECT passport.confirm_payment(%L, %s, 'NTPN0000000001', %L)$$,
                          billing_code, amount, issued_at - interval '1 minute')) AS paid_before_issue
  FROM b WHERE o = 'SEC1';
SELECT pg_temp.try(format($$SELECT passport.confirm_payment(%L, %s, 'NTPN0000000001', %L)$$,
                          billing_code, amount, passport.now() + interval '1 hour')) AS paid_in_future
  FROM b WHERE o = 'SEC1';
SELECT (passport.confirm_payment(billing_code, amount, 'NTPN0000000001')).status AS bank_pays
  FROM b WHERE o = 'SEC1';
SELECT (passport.confirm_payment(billing_code, amount, 'NTPN0000000001')).status AS same_callback_again
  FROM b WHERE o = 'SEC1';
SELECT pg_temp.try(format($$SELECT passport.confirm_payment(%L, %s, 'NTPN0000000001')$$, billing_code, amount))
       AS same_ntpn_other_office
  FROM b WHERE o = 'SEC2';
RESET ROLE;
SELECT ntpn, office_id = passport.office_id('SEC1') AS sec1 FROM passport.ntpn
 WHERE office_id IN (passport.office_id('SEC1'), passport.office_id('SEC2'));

--------------------------------------------------------------------------
-- 5. idempotency keys belong to the client that chose them
--------------------------------------------------------------------------
SET passport.now_override = '2026-12-01 09:00+07';
SET ROLE regress_sec_bot;
SELECT status, duplicate FROM passport.reserve('SEC1', 'new_adult', 'regular', '2026-12-08', '3171014708900301',
       'Siti Korban', '1990-08-07', NULL, 'whatsapp', '0811-1111-1111', 'order-1001');
SELECT status, duplicate FROM passport.reserve('SEC1', 'new_adult', 'regular', '2026-12-08', '3171014708900301',
       'Siti Korban', '1990-08-07', NULL, 'whatsapp', '0811-1111-1111', 'order-1001');
RESET ROLE;
SET ROLE regress_sec_bot2;
-- another sender reusing the key with the victim's NIK gets no answer of hers
SELECT pg_temp.try($q$SELECT passport.reserve('SEC1', 'new_adult', 'regular', '2026-12-08', '3171014708900301',
       'Siti Korban', '1990-08-07', NULL, 'whatsapp', '0822-2222-2222', 'order-1001')$q$) AS other_sender_same_key;
RESET ROLE;
SET ROLE regress_sec_bot;
-- the same sender reusing the key for another request is refused
SELECT pg_temp.try($q$SELECT passport.reserve('SEC1', 'new_adult', 'regular', '2026-12-08', '3171014708900301',
       'Nama Lain', '1990-08-07', NULL, 'whatsapp', '0811-1111-1111', 'order-1001')$q$) AS same_key_other_name;
RESET ROLE;

--------------------------------------------------------------------------
-- 6. walk-ins take places from the same counters as online bookings
--------------------------------------------------------------------------
-- percepatan has 1 place per hour, 2 on Tuesday 8 December at SEC2
SET passport.now_override = '2026-12-08 07:30+07';
SET ROLE regress_sec_officer;
RESET ROLE;
SELECT passport.bind_officer('regress_sec_officer', 'SEC2');
SET ROLE regress_sec_officer;
SELECT (passport.walk_in_ticket('SEC2', 'percepatan')).ticket AS first_walk_in;
SELECT (passport.walk_in_ticket('SEC2', 'percepatan')).ticket AS second_walk_in;
SELECT pg_temp.try($$SELECT passport.walk_in_ticket('SEC2', 'percepatan')$$) AS third_walk_in;
RESET ROLE;
SELECT pg_temp.try($$SELECT passport.reserve('SEC2', 'renewal', 'percepatan', '2026-12-08', '3171014708900302',
                                             'Daring', '1990-08-07')$$) AS online_after_walk_ins;
SELECT count(*) AS counters_unequal FROM passport.slot s
  LEFT JOIN (SELECT office_id, slot_id, shard, count(*) AS n FROM passport.reservation
              WHERE status IN ('booked', 'checked_in', 'no_show') GROUP BY 1, 2, 3) r
         USING (office_id, slot_id, shard)
  LEFT JOIN (SELECT office_id, slot_id, shard, count(*) AS n FROM passport.queue_ticket
              WHERE slot_id IS NOT NULL GROUP BY 1, 2, 3) w
         USING (office_id, slot_id, shard)
 WHERE s.office_id IN (passport.office_id('SEC1'), passport.office_id('SEC2'))
   AND s.booked <> coalesce(r.n, 0) + coalesce(w.n, 0);

--------------------------------------------------------------------------
-- 7. a key change that rolled back is never used for numbers
--------------------------------------------------------------------------
SELECT passport.reservation_number_office(passport.issue_reservation_number(passport.office_id('SEC1')))
       = passport.office_id('SEC1') AS before_change;
BEGIN;
UPDATE passport.secret SET key = passport.random_bytes(32);
SELECT passport.issue_reservation_number(passport.office_id('SEC1')) IS NOT NULL AS issued_under_new_key;
ROLLBACK;
SELECT passport.reservation_number_office(passport.issue_reservation_number(passport.office_id('SEC1')))
       = passport.office_id('SEC1') AS after_rollback;

--------------------------------------------------------------------------
-- 8. bad dates answer clearly
--------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT passport.add_working_days(1, NULL, 1)$$);
SELECT pg_temp.try($$SELECT passport.add_working_days(1, 'infinity', 1)$$);
SELECT pg_temp.try($$SELECT passport.add_working_days(1, '-infinity', 1)$$);

RESET passport.now_override;
SELECT passport.unbind_officer('regress_sec_officer', 'SEC1'), passport.unbind_officer('regress_sec_officer', 'SEC2');
DROP TABLE officer_call, before_calls, setting_try, v, a, b;
DROP ROLE regress_sec_bot, regress_sec_bot2, regress_sec_officer, regress_sec_bank, regress_sec_admin, regress_sec_clock;
