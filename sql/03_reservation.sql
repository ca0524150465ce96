-- Reservations: reserve, duplicates, rules, cancel, reschedule, check-in, sweep.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-01 09:00+07';
SET passport.cooldown = '1d';
SET passport.max_active_per_sender = 4;
-- Runs a statement; shows 'ok' or its SQLSTATE, message and detail, with
-- reservation numbers (random per installation) masked.
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN regexp_replace(SQLSTATE || ': ' || SQLERRM || coalesce(' | ' || nullif(d, ''), ''),
                        '[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}', '#####-#####', 'g');
END $$;
-- a booking without its (random) number, for stable output
CREATE FUNCTION pg_temp.book(office text, day date, nik text, birth date, sender text,
                             key text DEFAULT NULL, pref time DEFAULT NULL,
                             earliest boolean DEFAULT false, lane text DEFAULT 'regular')
RETURNS TABLE (local_date date, start_time time, end_time time, lane text, status text, duplicate boolean)
LANGUAGE sql AS $$
  SELECT b.local_date, b.start_time, b.end_time, b.lane, b.status, b.duplicate
    FROM passport.reserve(office, 'new_adult', lane, day, nik, 'Pemohon Uji', birth,
                          NULL, 'whatsapp', sender, key, pref, earliest) b
$$;

-- a booking at the preferred time, answered with local date and time
SELECT * FROM pg_temp.book('JKS', '2026-12-02', '3171014708900001', '1990-08-07', '0812-1111-0001', 'k1', '10:00');
-- the same request again: the same answer, marked duplicate, nothing booked twice
SELECT * FROM pg_temp.book('JKS', '2026-12-02', '3171014708900001', '1990-08-07', '0812-1111-0001', 'k1', '10:00');
SELECT count(*) AS reservations, (SELECT sum(booked) FROM passport.slot) AS booked FROM passport.reservation;
-- the same key for another applicant is a conflict
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02', '3171014708900002', 'X', '1990-08-07', NULL, 'whatsapp', '0812-1111-0001', 'k1')$$);

-- stored: canonical number, E.164 sender, NIK digits
SELECT code ~ '^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$' AS shaped, sender, nik, status, channel
  FROM passport.reservation;

-- one active reservation per NIK, at any office
SELECT pg_temp.try($$SELECT passport.reserve('JYP', 'new_adult', 'regular', '2026-12-07', '3171014708900001', 'X', '1990-08-07', NULL, 'app', 'dev-1')$$);

-- identity rules
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02', '3171014708900009', 'X', '1990-08-08', NULL, 'app', 'dev-1')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02', '3171013002900001', 'X', '1990-02-28', NULL, 'app', 'dev-1')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02', '3171014708900009', 'X', '1990-08-07', '021-555-1234', 'app', 'dev-1')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02', '3171014708900009', 'X', '1990-08-07', NULL, 'whatsapp', 'not a phone')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02', '3171014708900009', ' ', '1990-08-07', NULL, 'app', 'dev-1')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02', NULL, 'X', '1990-08-07')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02', '3171014708900009', 'X', NULL)$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02', '3171014708900009', 'X', '1990-08-07', NULL, 'fax')$$);

-- catalog rules: office, lane, service, released dates only
SELECT pg_temp.try($$SELECT passport.reserve('NOPE', 'new_adult', 'regular', '2026-12-02', '3171014708900009', 'X', '1990-08-07')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'vip', '2026-12-02', '3171014708900009', 'X', '1990-08-07')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'visa', 'regular', '2026-12-02', '3171014708900009', 'X', '1990-08-07')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'priority', '2026-12-02', '3171014708900009', 'X', '1990-08-07')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-06', '3171014708900009', 'X', '1990-08-07')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-25', '3171014708900009', 'X', '1990-08-07')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2027-02-01', '3171014708900009', 'X', '1990-08-07')$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-11-30', '3171014708900009', 'X', '1990-08-07')$$);
-- today: only slots that have not started (it is 09:00 in Jakarta)
SELECT * FROM pg_temp.book('JKS', '2026-12-01', '3171014708900009', '1990-08-07', '0812-1111-0009', pref => '08:00');
-- earliest from a weekend date takes Monday 08:00
SELECT * FROM pg_temp.book('JKS', '2026-12-05', '3171014708900010', '1990-08-07', '0812-1111-0010', earliest => true);

-- sold out: Makassar has one slot of 2 places on 7 December
SELECT * FROM pg_temp.book('MKS', '2026-12-07', '7371010101900001', '1990-01-01', '0812-2222-0001');
SELECT * FROM pg_temp.book('MKS', '2026-12-07', '7371010101900002', '1990-01-01', '0812-2222-0002');
SELECT pg_temp.try($$SELECT passport.reserve('MKS', 'new_adult', 'regular', '2026-12-07', '7371010101900003', 'X', '1990-01-01')$$);
SELECT * FROM passport.availability('MKS', '2026-12-07', 1);

-- sender limit: one phone books for a family, up to the limit
SET passport.max_active_per_sender = 2;
SELECT * FROM pg_temp.book('JKS', '2026-12-03', '3171010101800001', '1980-01-01', '0812-3333-0001');
SELECT * FROM pg_temp.book('JKS', '2026-12-03', '3171010101800002', '1980-01-01', '0812-3333-0001');
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-03', '3171010101800003', 'X', '1980-01-01', NULL, 'whatsapp', '+62 812 3333 0001')$$);
-- without a limit every booking still counts, so that a limit set later
-- applies to what the sender holds by then
SET passport.max_active_per_sender = 0;
SELECT * FROM pg_temp.book('JKS', '2026-12-03', '3171010101800004', '1980-01-01', '0812-3333-0004');
SELECT * FROM pg_temp.book('JKS', '2026-12-03', '3171010101800005', '1980-01-01', '0812-3333-0004');
SET passport.max_active_per_sender = 2;
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-03', '3171010101800006', 'X', '1980-01-01', NULL, 'whatsapp', '+62 812 3333 0004')$$);
RESET passport.max_active_per_sender;

-- cancel needs the number and a second factor; a wrong factor answers
-- exactly like an unknown number (status not_found, every other field
-- empty), as an answer, so that the guess stays counted
CREATE TEMP TABLE k AS SELECT code, nik, sender, birth_date FROM passport.reservation WHERE idempotency_key = 'k1';
SELECT * FROM passport.cancel((SELECT code FROM k), sender => '0812-9999-9999');
SELECT * FROM passport.cancel((SELECT code FROM k), birth_date => '2000-01-01');
SELECT * FROM passport.cancel('00000-00000', birth_date => '2000-01-01');
SELECT pg_temp.try($$SELECT passport.cancel('ABCDE-FGHJK', birth_date => '2000-01-01')$$);
SELECT pg_temp.try(format($$SELECT passport.cancel(%L)$$, (SELECT code FROM k)));
SELECT status, local_date, start_time FROM passport.cancel((SELECT lower(code) FROM k), sender => '0812 1111 0001');
-- cancelling again answers the same; the place came back; the NIK cools down
SELECT status FROM passport.cancel((SELECT code FROM k), birth_date => '1990-08-07');
SELECT sum(booked) AS booked_counters, (SELECT count(*) FROM passport.reservation WHERE status = 'booked') AS booked_rows
  FROM passport.slot;
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-04', '3171014708900001', 'X', '1990-08-07')$$);
SET passport.now_override = '2026-12-02 09:30+07';
SELECT * FROM pg_temp.book('JKS', '2026-12-04', '3171014708900001', '1990-08-07', '0812-1111-0001', 'k2', '09:00');

-- reschedule: once, at least a day before; a full date leaves the booking untouched
CREATE TEMP TABLE k2 AS SELECT code FROM passport.reservation WHERE idempotency_key = 'k2';
SELECT pg_temp.try(format($$SELECT passport.reschedule(%L, '2026-12-07', sender => '0812-1111-0001')$$, (SELECT code FROM k2)))
  AS to_jakarta_monday;
SELECT local_date, start_time, status FROM passport.find_reservation((SELECT code FROM k2), birth_date => '1990-08-07');
SELECT pg_temp.try(format($$SELECT passport.reschedule(%L, '2026-12-08', sender => '0812-1111-0001')$$, (SELECT code FROM k2)));
SET passport.reschedule_limit = 3;
-- close every place of 8 December, then try to move there
SELECT passport.set_slot_capacity('JKS', 'regular', '2026-12-08', t::time, 0)
  FROM generate_series('2026-12-08 08:00'::timestamp, '2026-12-08 11:30', '30 min') t;
SELECT pg_temp.try(format($$SELECT passport.reschedule(%L, '2026-12-08', sender => '0812-1111-0001')$$, (SELECT code FROM k2)));
SELECT local_date, start_time, status FROM passport.find_reservation((SELECT code FROM k2), birth_date => '1990-08-07');
SET passport.now_override = '2026-12-07 07:00+07';
SELECT pg_temp.try(format($$SELECT passport.reschedule(%L, '2026-12-09', sender => '0812-1111-0001')$$, (SELECT code FROM k2)));
RESET passport.reschedule_limit;

-- check-in: inside the window only, at the right office
SET passport.now_override = '2026-12-07 06:45+07';
SELECT pg_temp.try(format($$SELECT passport.check_in(%L)$$, (SELECT code FROM k2)));
SET passport.now_override = '2026-12-07 07:45+07';
SELECT pg_temp.try(format($$SELECT passport.check_in(%L, 'JYP')$$, (SELECT code FROM k2)));
SELECT status, local_date, start_time FROM passport.check_in((SELECT code FROM k2), 'jks');
SELECT status FROM passport.check_in((SELECT code FROM k2));
SELECT pg_temp.try(format($$SELECT passport.cancel(%L, birth_date => '1990-08-07')$$, (SELECT code FROM k2)));
-- after check-in the NIK is free to book its next visit
SELECT nik FROM passport.nik_guard WHERE nik = '3171014708900001';

-- sweep: the days that ended become no-shows (office local time), once
SET passport.now_override = '2026-12-08 00:30+09';  -- past midnight in Jayapura, 22:30 the day before in Jakarta
SELECT * FROM passport.sweep() ORDER BY 1;
SELECT * FROM passport.sweep() ORDER BY 1;
SET passport.now_override = '2026-12-08 00:30+07';
SELECT * FROM passport.sweep('JKS');
SELECT status, count(*) FROM passport.reservation GROUP BY status ORDER BY status;
SELECT pg_temp.try($$SELECT * FROM passport.sweep('NOPE')$$);
-- no-shows cool down and their senders are counted down
SELECT count(*) FILTER (WHERE code IS NULL AND cooldown_until IS NOT NULL) AS cooling FROM passport.nik_guard;
SELECT sum(active) AS active_by_sender FROM passport.sender_guard;

-- invariants: no counter over capacity, counters equal rows, distinct numbers
SELECT count(*) FILTER (WHERE booked > capacity) AS overbooked FROM passport.slot;
SELECT count(*) AS mismatched FROM (
  SELECT s.office_id, s.slot_id, s.shard, s.booked,
         (SELECT count(*) FROM passport.reservation r
           WHERE r.office_id = s.office_id AND r.slot_id = s.slot_id AND r.shard = s.shard
             AND r.status IN ('booked', 'checked_in', 'no_show')) AS rows_
    FROM passport.slot s) c WHERE booked <> rows_;
SELECT count(*) = count(DISTINCT code) AS codes_distinct FROM passport.reservation;
-- every sender's count equals its booked reservations
SELECT count(*) AS sender_counts_off FROM (
  SELECT coalesce(g.sender, r.sender) AS sender
    FROM passport.sender_guard g
    FULL JOIN (SELECT x.sender, count(*) AS booked FROM passport.reservation x
                WHERE x.status = 'booked' AND x.sender IS NOT NULL GROUP BY x.sender) r ON r.sender = g.sender
   WHERE coalesce(g.active, 0) <> coalesce(r.booked, 0)) c;

-- a booking made in steps that never happened (its node stopped after
-- the NIK's claim and the sender's count): settling voids its fence, drops
-- the claim and gives the sender's place back, through the sender its
-- pending claim names (one node keeps no holds; a cluster's are in
-- test/citus)
INSERT INTO passport.nik_guard (nik, office_id, token, claimed_at, sender)
  VALUES ('3171010101900099', passport.office_id('JKS'), 4242, clock_timestamp() - interval '1 hour', '+6281599990000');
INSERT INTO passport.sender_guard (sender, active) VALUES ('+6281599990000', 1);
SELECT claims_voided, claims_finished FROM passport.settle_guards();
SELECT (SELECT count(*) FROM passport.nik_guard WHERE nik = '3171010101900099') AS claims,
       (SELECT active FROM passport.sender_guard WHERE sender = '+6281599990000') AS sender_active,
       (SELECT outcome FROM passport.booking_fence WHERE token = 4242) AS fence;
-- settling again changes nothing
SELECT claims_voided, claims_finished FROM passport.settle_guards();
SELECT active AS sender_active FROM passport.sender_guard WHERE sender = '+6281599990000';
DELETE FROM passport.sender_guard WHERE sender = '+6281599990000';
DELETE FROM passport.booking_fence WHERE token = 4242;
-- the sender's column holds a pending claim's sender only
DO $$
BEGIN
  UPDATE passport.nik_guard SET sender = '+6281599990001' WHERE code IS NOT NULL;
EXCEPTION WHEN check_violation THEN
  RAISE NOTICE 'an active claim with a sender: refused (%)', SQLSTATE;
END $$;
