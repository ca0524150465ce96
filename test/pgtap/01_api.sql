-- API contract: signatures, security attributes, and one SQLSTATE per
-- condition an adapter branches on (the README's table).
BEGIN;
SELECT plan(64);
SET LOCAL passport.now_override = '2026-12-01 09:00+07';

-- signatures
SELECT has_schema('passport');
SELECT has_function('passport', 'reserve', ARRAY['text', 'text', 'text', 'date', 'text', 'text', 'date', 'text', 'text', 'text', 'text', 'time without time zone', 'boolean']);
SELECT has_function('passport', 'cancel', ARRAY['text', 'text', 'date']);
SELECT has_function('passport', 'reschedule', ARRAY['text', 'date', 'time without time zone', 'text', 'date', 'boolean']);
SELECT has_function('passport', 'check_in', ARRAY['text', 'text']);
SELECT has_function('passport', 'sweep', ARRAY['text']);
SELECT has_function('passport', 'availability', ARRAY['text', 'date', 'integer', 'text']);
SELECT has_function('passport', 'find_reservation', ARRAY['text', 'text', 'date']);
SELECT has_function('passport', 'release_slots', ARRAY['text', 'date', 'date']);
SELECT has_function('passport', 'normalize_reservation_number', ARRAY['text']);
SELECT has_function('passport', 'nik_parts', ARRAY['text']);
SELECT has_function('passport', 'normalize_phone', ARRAY['text']);
SELECT has_function('passport', 'setup_roles', ARRAY[]::text[]);
SELECT function_returns('passport', 'reserve', ARRAY['text', 'text', 'text', 'date', 'text', 'text', 'date', 'text', 'text', 'text', 'text', 'time without time zone', 'boolean'], 'passport.booking');

-- security attributes
SELECT is_definer('passport', 'reserve', ARRAY['text', 'text', 'text', 'date', 'text', 'text', 'date', 'text', 'text', 'text', 'text', 'time without time zone', 'boolean']);
SELECT is_definer('passport', 'cancel', ARRAY['text', 'text', 'date']);
SELECT isnt_definer('passport', 'setup_roles', ARRAY[]::text[]);
SELECT volatility_is('passport', 'normalize_reservation_number', ARRAY['text'], 'immutable');
SELECT volatility_is('passport', 'reserve', ARRAY['text', 'text', 'text', 'date', 'text', 'text', 'date', 'text', 'text', 'text', 'text', 'time without time zone', 'boolean'], 'volatile');
SELECT ok(NOT has_function_privilege('public', 'passport.reserve(text, text, text, date, text, text, date, text, text, text, text, time, boolean)', 'EXECUTE'),
          'PUBLIC cannot execute reserve');
SELECT ok(NOT has_table_privilege('public', 'passport.secret', 'SELECT'), 'PUBLIC cannot read the key');
SELECT is((SELECT count(*)::integer FROM pg_extension WHERE extname = 'passport' AND NOT extrelocatable), 1,
          'the extension is not relocatable');

-- a small office to trip every condition
SELECT lives_ok($$SELECT passport.create_office('TAP', 'Kanim Uji', 'kanim', 'Asia/Jakarta')$$, 'office created');
SELECT lives_ok($$SELECT passport.create_office('TAP2', 'Kanim Uji Dua', 'kanim', 'Asia/Jayapura')$$, 'second office created');
SELECT lives_ok($$SELECT passport.add_capacity_rule('TAP', 1, 'regular', '08:00', '09:00', 60, 1)$$, 'one place on Mondays');
SELECT lives_ok($$SELECT passport.add_capacity_rule('TAP2', 1, 'regular', '08:00', '09:00', 60, 5)$$, 'five places on Mondays');
SELECT is(passport.release_slots('TAP', '2026-12-07', '2026-12-14'), 2, 'two Mondays released, one counter row each');
SELECT is(passport.release_slots('TAP2', '2026-12-07', '2026-12-07'), 5, 'five counter rows of one place');
CREATE TEMP TABLE b AS
  SELECT * FROM passport.reserve('TAP', 'renewal', 'regular', '2026-12-07', '3171014708900001', 'Uji Satu',
                                 '1990-08-07', '081234567890', 'whatsapp', '081234567890', 'tap-1');
SELECT results_eq($$SELECT office_code, local_date, start_time, end_time, lane, service, status, duplicate FROM b$$,
                  $$VALUES ('TAP', '2026-12-07'::date, '08:00'::time, '09:00'::time, 'regular', 'renewal', 'booked', false)$$,
                  'reserve answers office, local date and times, lane, service, status');
SELECT matches((SELECT reservation_number FROM b), '^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$', 'the number is shown XXXXX-XXXXX');
SELECT is((SELECT duplicate FROM passport.reserve('TAP', 'renewal', 'regular', '2026-12-07', '3171014708900001', 'Uji Satu',
                                 '1990-08-07', '081234567890', 'whatsapp', '081234567890', 'tap-1')), true,
          'a retry with the same key is answered as a duplicate');

-- every adapter-relevant SQLSTATE
SELECT throws_ok($$SELECT passport.reserve('TAP', 'renewal', 'regular', '2026-12-07', '3171010101900002', 'Dua', '1990-01-01')$$,
                 'PP001', NULL, 'PP001 sold out');
SELECT throws_ok($$SELECT passport.reserve('TAP', 'renewal', 'regular', '2026-12-08', '3171010101900002', 'Dua', '1990-01-01')$$,
                 'PP002', NULL, 'PP002 nothing released that day');
SELECT throws_ok($$SELECT passport.reserve('TAP2', 'renewal', 'regular', '2026-12-07', '3171014708900001', 'Uji Satu', '1990-08-07')$$,
                 'PP003', NULL, 'PP003 the NIK already has an active reservation');
SET LOCAL passport.max_active_per_sender = 1;
SELECT throws_ok($$SELECT passport.reserve('TAP2', 'renewal', 'regular', '2026-12-07', '3171010101900002', 'Dua', '1990-01-01', NULL, 'whatsapp', '+6281234567890')$$,
                 'PP004', NULL, 'PP004 sender limit');
SET LOCAL passport.max_active_per_sender = 4;
SELECT lives_ok($$SELECT passport.cancel((SELECT reservation_number FROM b), sender => '0812-3456-7890')$$, 'cancel with the sender');
SELECT throws_ok($$SELECT passport.reserve('TAP2', 'renewal', 'regular', '2026-12-07', '3171014708900001', 'Uji Satu', '1990-08-07')$$,
                 'PP005', NULL, 'PP005 cooldown after a cancellation');
SELECT is((SELECT status FROM passport.cancel((SELECT reservation_number FROM b), birth_date => '1991-01-01')),
          'not_found', 'a wrong second factor answers not_found, like an unknown number');
SELECT throws_ok($$SELECT passport.check_in(passport.issue_reservation_number(passport.office_id('TAP')))$$,
                 'PP006', NULL, 'PP006 a number nobody booked, at the counter');
SELECT throws_ok($$SELECT passport.check_in((SELECT reservation_number FROM b))$$,
                 'PP007', NULL, 'PP007 a cancelled reservation cannot check in');
CREATE TEMP TABLE c AS
  SELECT * FROM passport.reserve('TAP2', 'renewal', 'regular', '2026-12-07', '3171010101900003', 'Tiga', '1990-01-01');
SET LOCAL passport.reschedule_limit = 0;
SELECT throws_ok($$SELECT passport.reschedule((SELECT reservation_number FROM c), '2026-12-07', birth_date => '1990-01-01')$$,
                 'PP008', NULL, 'PP008 reschedule refused');
SELECT throws_ok($$SELECT passport.check_in((SELECT reservation_number FROM c))$$,
                 'PP009', NULL, 'PP009 check-in outside its window');
SELECT is((SELECT duplicate FROM passport.reserve('TAP2', 'renewal', 'regular', '2026-12-07', '3171010101900004', 'Empat', '1990-01-01', NULL, 'whatsapp', '0812-0000-0004', 'tap-1')),
          false, 'an idempotency key belongs to its office and channel');
CREATE TEMP TABLE d AS
  SELECT * FROM passport.reserve('TAP2', 'renewal', 'regular', '2026-12-07', '3171010101900005', 'Lima', '1990-01-01', NULL, 'api', NULL, 'tap-5');
SELECT throws_ok($$SELECT passport.reserve('TAP2', 'renewal', 'regular', '2026-12-07', '3171010101900006', 'Enam', '1990-01-01', NULL, 'api', NULL, 'tap-5')$$,
                 'PP010', NULL, 'PP010 a key reused for another request');
SELECT throws_ok($$SELECT passport.reserve('NOPE', 'renewal', 'regular', '2026-12-07', '3171010101900006', 'Enam', '1990-01-01')$$,
                 'PP011', NULL, 'PP011 unknown office');
SELECT is((SELECT status FROM passport.application_status('9999999999999990', sender => '0812-7777-0000')), 'not_found',
          'an unknown application number answers not_found');
SELECT is((SELECT row(status, label, next_step)::text FROM passport.application_status((SELECT reservation_number FROM c), birth_date => '1991-01-01')),
          (SELECT row(status, label, next_step)::text FROM passport.application_status('9999999999999990', birth_date => '1991-01-01')),
          'a wrong second factor answers exactly like an unknown number');
SELECT throws_ok($q$DO $d$ BEGIN FOR i IN 1..25 LOOP
                    PERFORM passport.application_status('9999999999999990', sender => '0812-7777-0000');
                  END LOOP; END $d$$q$,
                 'PP017', NULL, 'PP017 too many lookups from one sender');
SELECT throws_ok($$SELECT passport.normalize_reservation_number('ABCDE-FGHJK')$$, 'PP101', NULL, 'PP101 bad check symbol');
SELECT throws_ok($$SELECT passport.nik_parts('3171010101900000')$$, 'PP102', NULL, 'PP102 impossible NIK');
SELECT throws_ok($$SELECT passport.reserve('TAP2', 'renewal', 'regular', '2026-12-07', '3171010101900006', 'Enam', '1990-01-02')$$,
                 'PP103', NULL, 'PP103 NIK and birth date disagree');
SELECT throws_ok($$SELECT passport.normalize_phone('021 555 1234')$$, 'PP104', NULL, 'PP104 not a mobile number');
SELECT throws_ok($$SELECT passport.normalize_application_number('1234567890123451')$$, 'PP105', NULL, 'PP105 bad check digit');
SELECT throws_ok($$SELECT passport.normalize_billing_code('12345678901234')$$, 'PP106', NULL, 'PP106 wrong length');
SELECT throws_ok($$SELECT passport.create_office('X1', 'x', 'kanim', 'Asia/Atlantis')$$, '22023', NULL, 'unknown time zone is 22023');
SELECT throws_ok($$SELECT passport.add_capacity_rule('TAP', 1, 'regular', '08:30', '10:00', 30, 1)$$, '23P01', NULL, 'overlapping window is 23P01');
SELECT throws_ok($$SELECT passport.set_slot_capacity('TAP2', 'regular', '2026-12-07', '08:00', 1)$$, '23514', NULL, 'capacity below booked is 23514');

-- tariffs: each service and kind, from the dated table
SELECT is(passport.tariff_amount('passport', 'regular', 5, '2024-12-16'), 350000::bigint, 'regular 5 years before 2024-12-17');
SELECT is(passport.tariff_amount('passport', 'electronic', 5, '2024-12-16'), 650000::bigint, 'electronic 5 years before 2024-12-17');
SELECT is(passport.tariff_amount('passport', 'regular', 10, '2024-12-17'), 650000::bigint, 'regular 10 years from 2024-12-17');
SELECT is(passport.tariff_amount('passport', 'electronic', 10, '2024-12-17'), 950000::bigint, 'electronic 10 years from 2024-12-17');
SELECT is(passport.tariff_amount('lost', '', 0, '2025-06-01'), 1000000::bigint, 'lost passport surcharge');
SELECT is(passport.tariff_amount('damaged', '', 0, '2025-06-01'), 500000::bigint, 'damaged passport surcharge');
SELECT throws_ok($$SELECT passport.tariff_amount('passport', 'electronic', 10, '2019-06-01')$$, '22023', NULL, 'no 10-year passport in 2019');

SELECT * FROM finish();
ROLLBACK;
