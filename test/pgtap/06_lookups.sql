-- Lookups with a second factor: the contract of find_reservation and
-- application_status (answers, limits, SQLSTATEs), as an adapter sees it.
BEGIN;
SELECT plan(12);
SET LOCAL passport.now_override = '2026-12-01 09:00+07';
SET LOCAL passport.max_active_per_sender = 0;
SELECT passport.create_office('TLK', 'Kanim Lookup TAP', 'kanim', 'Asia/Jakarta');
SELECT passport.add_capacity_rule('TLK', d, 'regular', '08:00', '12:00', 60, 10) FROM generate_series(1, 5) d;
SELECT passport.release_slots('TLK', '2026-12-01', '2026-12-31');
CREATE TEMP TABLE b AS
  SELECT * FROM passport.reserve('TLK', 'renewal', 'regular', '2026-12-07', '3171014708900071', 'Tap Satu',
                                 '1990-08-07', NULL, 'whatsapp', '0812-7100-0001');

SELECT function_returns('passport', 'find_reservation', ARRAY['text', 'text', 'date'], 'passport.booking');
SELECT volatility_is('passport', 'find_reservation', ARRAY['text', 'text', 'date'], 'volatile');
SELECT is((SELECT status FROM passport.find_reservation((SELECT reservation_number FROM b), sender => '+62 812 7100 0001')),
          'booked', 'the sender is compared in E.164, whatever its form');
SELECT is((SELECT row(f.reservation_number, f.office_code, f.local_date, f.status)::text
             FROM passport.find_reservation((SELECT reservation_number FROM b), birth_date => '1990-08-08') f),
          row(NULL::text, NULL::text, NULL::date, 'not_found')::text,
          'a wrong factor is an answer: status not_found, nothing else');
SELECT is((SELECT row(f.*)::text FROM passport.find_reservation((SELECT reservation_number FROM b), sender => '0812-0000-0001') f),
          (SELECT row(f.*)::text FROM passport.find_reservation('00000-00000', sender => '0812-0000-0001') f),
          'a wrong factor answers exactly like an unknown number');
SELECT throws_ok($$SELECT passport.find_reservation((SELECT reservation_number FROM b))$$, '22004', NULL,
                 '22004 without a second factor');
SELECT throws_ok($$SELECT passport.find_reservation('ABCDE-FGHJK', birth_date => '1990-08-07')$$, 'PP101', NULL,
                 'PP101 for a malformed number');
-- birth dates for one number: 10 wrong ones a day (one was tried above)
SELECT lives_ok($q$DO $d$ BEGIN FOR i IN 1..9 LOOP
                   PERFORM passport.find_reservation((SELECT reservation_number FROM b), birth_date => date '1980-01-01' + i);
                 END LOOP; END $d$$q$, 'ten wrong birth dates answer not_found');
SELECT throws_ok($$SELECT passport.find_reservation((SELECT reservation_number FROM b), birth_date => '1990-08-07')$$,
                 'PP017', 'too many lookups of this number', 'PP017 then, for the right birth date too');
SELECT throws_ok($$SELECT passport.application_status((SELECT reservation_number FROM b), birth_date => '1990-08-07')$$,
                 'PP017', 'too many lookups of this number', 'application_status shares the limit');
SELECT is((SELECT status FROM passport.application_status((SELECT reservation_number FROM b), sender => '0812-7100-0001')),
          'booked', 'the sender that booked still looks it up');
-- senders: 20 lookups in 10 minutes, find_reservation and application_status together
SELECT throws_ok($q$DO $d$ BEGIN FOR i IN 1..12 LOOP
                    PERFORM passport.find_reservation((SELECT reservation_number FROM b), sender => '0812-7100-0009');
                    PERFORM passport.application_status('9999999999999990', sender => '0812-7100-0009');
                  END LOOP; END $d$$q$,
                 'PP017', 'too many lookups from this sender', 'PP017 past 20 lookups from one sender');
SELECT * FROM finish();
ROLLBACK;
