-- Invariants under many bookings, cancellations and reschedules in one
-- session: never over capacity, counters equal rows, numbers unique.
BEGIN;
SELECT plan(8);
SET LOCAL passport.now_override = '2026-12-01 09:00+07';
SET LOCAL passport.max_active_per_sender = 0;
SET LOCAL passport.cooldown = 0;
SET LOCAL passport.reschedule_limit = 100;

SELECT lives_ok($$SELECT passport.create_office('INV', 'Kanim Invarian', 'kanim', 'Asia/Makassar', slot_shards => 4)$$, 'office');
SELECT lives_ok($$SELECT passport.add_capacity_rule('INV', d, 'regular', '08:00', '12:00', 30, 7) FROM generate_series(1, 5) d$$, 'rules');
SELECT cmp_ok(passport.release_slots('INV', '2026-12-07', '2026-12-11'), '>', 0, 'a week released');

-- 400 attempts for 280 places, with cancellations and reschedules mixed in
CREATE TEMP TABLE attempt (n int, code text, outcome text);
DO $$
DECLARE
  i int;
  r passport.booking;
  nik text;
BEGIN
  FOR i IN 1..400 LOOP
    nik := '7371010101' || '90' || lpad(i::text, 4, '0');
    BEGIN
      r := passport.reserve('INV', 'new_adult', 'regular', '2026-12-07', nik, 'Pemohon ' || i, '1990-01-01',
                            preferred_time => make_time(8 + (i % 4), 0, 0), earliest => true);
      INSERT INTO attempt VALUES (i, r.reservation_number, 'booked');
      IF i % 7 = 0 THEN
        PERFORM passport.cancel(r.reservation_number, birth_date => '1990-01-01');
        UPDATE attempt SET outcome = 'cancelled' WHERE n = i;
      ELSIF i % 11 = 0 THEN
        PERFORM passport.reschedule(r.reservation_number, '2026-12-10', birth_date => '1990-01-01');
        UPDATE attempt SET outcome = 'rescheduled' WHERE n = i;
      END IF;
    EXCEPTION WHEN SQLSTATE 'PP001' THEN
      INSERT INTO attempt VALUES (i, NULL, 'sold out');
    END;
  END LOOP;
END $$;

-- the office's own rows (the database may hold other offices' data)
SELECT is((SELECT count(*)::int FROM passport.slot WHERE office_id = passport.office_id('INV') AND booked > capacity),
          0, 'no counter row over capacity');
SELECT is((SELECT count(*)::int FROM passport.slot s
            WHERE s.office_id = passport.office_id('INV')
              AND s.booked <> (SELECT count(*) FROM passport.reservation r
                                WHERE r.office_id = s.office_id AND r.slot_id = s.slot_id AND r.shard = s.shard
                                  AND r.status = 'booked')), 0, 'every counter equals its booked rows');
SELECT is((SELECT count(DISTINCT code)::int FROM passport.reservation), (SELECT count(*)::int FROM passport.reservation),
          'reservation numbers are unique');
SELECT is((SELECT sum(capacity)::int FROM passport.slot WHERE office_id = passport.office_id('INV')), 280,
          'the week holds 280 places');
SELECT ok((SELECT count(*) FROM attempt WHERE outcome = 'sold out') > 0
          AND (SELECT sum(booked) = sum(capacity) FROM passport.slot WHERE office_id = passport.office_id('INV')),
          'the week fills up exactly and then answers sold out');

SELECT * FROM finish();
ROLLBACK;
