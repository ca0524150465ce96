-- Catalog: offices, capacity rules, closures, release, local times.
CREATE EXTENSION passport;
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-01 09:00+07';
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

-- offices in the three Indonesian time zones
SELECT passport.create_office('JKS', 'Kantor Imigrasi Kelas I Khusus Jakarta Selatan', 'kanim', 'Asia/Jakarta', city => 'Jakarta');
SELECT passport.create_office('MKS', 'Kantor Imigrasi Kelas I TPI Makassar', 'kanim', 'Asia/Makassar', city => 'Makassar');
SELECT passport.create_office('JYP', 'Kantor Imigrasi Kelas I TPI Jayapura', 'kanim', 'Asia/Jayapura', city => 'Jayapura');
SELECT passport.create_office('ULP_BLOKM', 'ULP Blok M', 'ulp', 'Asia/Jakarta', parent_code => 'jks');
SELECT code, kind, time_zone, (SELECT p.code FROM passport.office p WHERE p.office_id = o.parent_id) AS parent
  FROM passport.office o ORDER BY office_id;

-- bad office input: each a clear SQLSTATE, never XX000
SELECT pg_temp.try($$SELECT passport.create_office('BAD', 'x', 'kanim', 'Mars/Olympus')$$);
SELECT pg_temp.try($$SELECT passport.create_office('BAD', 'x', 'kanim', 'WIB')$$);
SELECT pg_temp.try($$SELECT passport.create_office('BAD', 'x', 'kanim', '+07')$$);
SELECT pg_temp.try($$SELECT passport.create_office('BAD', 'x', 'embassy', 'Asia/Jakarta')$$);
SELECT pg_temp.try($$SELECT passport.create_office('B', 'x', 'kanim', 'Asia/Jakarta')$$);
SELECT pg_temp.try($$SELECT passport.create_office('JKS', 'again', 'kanim', 'Asia/Jakarta')$$);
SELECT pg_temp.try($$SELECT passport.create_office('BAD', 'x', 'ulp', 'Asia/Jakarta', parent_code => 'NOPE')$$);
SELECT pg_temp.try($$SELECT passport.create_office('BAD', ' ', 'ulp', 'Asia/Jakarta')$$);
SELECT pg_temp.try($$SELECT passport.create_office('BAD', 'x', 'ulp', 'Asia/Jakarta', slot_shards => 0)$$);
SELECT pg_temp.try($$SELECT passport.set_release_policy('NOPE', 14, '08:00')$$);
SELECT pg_temp.try($$SELECT passport.set_release_policy('JKS', -1, '08:00')$$);

-- capacity rules: Monday-Friday 08:00-12:00 in 30-minute slots of 10
SELECT count(*) FROM (SELECT passport.add_capacity_rule('JKS', d, 'regular', '08:00', '12:00', 30, 10)
                        FROM generate_series(1, 5) d) r;
SELECT passport.add_capacity_rule('JKS', 1, 'percepatan', '08:00', '10:00', 60, 3) > 0 AS added;
SELECT passport.add_capacity_rule('JYP', 1, 'regular', '08:00', '10:00', 60, 2) > 0 AS added;
SELECT passport.add_capacity_rule('MKS', 1, 'regular', '08:00', '09:00', 60, 2) > 0 AS added;

-- bad rules
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('JKS', 1, 'regular', '11:30', '13:00', 30, 10)$$);
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('JKS', 1, 'regular', '12:00', '08:00', 30, 10)$$);
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('JKS', 1, 'regular', '13:00', '13:00', 30, 10)$$);
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('JKS', 1, 'regular', '13:00', '15:00', 30, 0)$$);
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('JKS', 1, 'regular', '13:00', '15:00', 30, -5)$$);
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('JKS', 8, 'regular', '13:00', '15:00', 30, 5)$$);
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('JKS', 1, 'vip', '13:00', '15:00', 30, 5)$$);
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('JKS', 1, 'regular', '13:00', '14:10', 30, 5)$$);
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('JKS', 1, 'regular', '13:00', '15:00', 0, 5)$$);
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('NOPE', 1, 'regular', '13:00', '15:00', 30, 5)$$);
-- an adjacent window is not an overlap
SELECT pg_temp.try($$SELECT passport.add_capacity_rule('JKS', 1, 'regular', '12:00', '13:00', 30, 4)$$);

-- closures: a national holiday and one office closure
SELECT passport.close_day(NULL, '2026-12-25', 'Hari Raya Natal');
SELECT passport.close_day('JKS', '2026-12-24', 'Cuti bersama');
SELECT pg_temp.try($$SELECT passport.close_day('JKS', '2026-12-26', ' ')$$);

-- release December: idempotent
SELECT passport.release_slots('JKS', '2026-12-01', '2026-12-31') AS created;
SELECT passport.release_slots('JKS', '2026-12-01', '2026-12-31') AS created_again;
SELECT passport.release_slots('JYP', '2026-12-07', '2026-12-07') AS created;
SELECT passport.release_slots('MKS', '2026-12-07', '2026-12-07') AS created;
SELECT pg_temp.try($$SELECT passport.release_slots('JKS', '2026-12-31', '2026-12-01')$$);
SELECT pg_temp.try($$SELECT passport.release_slots('NOPE', '2026-12-01', '2026-12-31')$$);

-- no slots on weekends, the holiday or the closure
SELECT local_date, count(DISTINCT slot_id) AS slots, sum(capacity) AS capacity
  FROM passport.slot s JOIN passport.office o USING (office_id)
 WHERE o.code = 'JKS' AND s.lane = 'regular' AND local_date BETWEEN '2026-12-19' AND '2026-12-28'
 GROUP BY local_date ORDER BY local_date;

-- the same 08:00 local start in each time zone, in UTC
SET TIME ZONE 'UTC';
SELECT o.code, o.time_zone, s.local_date, (s.starts_at AT TIME ZONE o.time_zone)::time AS local_start,
       s.starts_at AS utc_start
  FROM passport.slot s JOIN passport.office o USING (office_id)
 WHERE s.local_date = '2026-12-07' AND s.lane = 'regular' AND s.shard = 0
   AND (s.starts_at AT TIME ZONE o.time_zone)::time = '08:00'
 ORDER BY o.office_id;
SET TIME ZONE 'Asia/Jakarta';

-- shards: a slot of 10 places spread over 8 counter rows, 3 places over 3
SELECT lane, array_agg(capacity ORDER BY shard) AS per_shard
  FROM passport.slot s JOIN passport.office o USING (office_id)
 WHERE o.code = 'JKS' AND local_date = '2026-12-07' AND (starts_at AT TIME ZONE 'Asia/Jakarta')::time = '08:00'
 GROUP BY lane ORDER BY lane;

-- release policy: 30 days ahead at 00:00 local by default
SELECT (opens_at AT TIME ZONE 'Asia/Jakarta') AS opens_local FROM passport.slot s JOIN passport.office o USING (office_id)
 WHERE o.code = 'JKS' AND local_date = '2026-12-07' LIMIT 1;

-- a rule added later changes nothing released; capacity changes are explicit
SELECT passport.add_capacity_rule('JKS', 2, 'percepatan', '08:00', '09:00', 60, 5) > 0 AS added;
SELECT passport.release_slots('JKS', '2026-12-01', '2026-12-31') AS created_for_new_rule;
SELECT passport.set_slot_capacity('JKS', 'regular', '2026-12-07', '08:00', 12);
SELECT array_agg(capacity ORDER BY shard) FROM passport.slot s JOIN passport.office o USING (office_id)
 WHERE o.code = 'JKS' AND lane = 'regular' AND local_date = '2026-12-07'
   AND (starts_at AT TIME ZONE 'Asia/Jakarta')::time = '08:00';
SELECT pg_temp.try($$SELECT passport.set_slot_capacity('JKS', 'regular', '2026-12-07', '08:15', 12)$$);
SELECT pg_temp.try($$SELECT passport.set_slot_capacity('JKS', 'regular', '2026-12-07', '08:00', -1)$$);

-- availability: released, future slots only
SELECT * FROM passport.availability('JKS', '2026-12-01', 4);
SELECT pg_temp.try($$SELECT * FROM passport.availability('JKS', '2026-12-01', 0)$$);

-- tariffs: dated, never hard-coded
SELECT passport.tariff_amount('passport', 'regular', 5, '2020-01-01') AS regular_5y_2020,
       passport.tariff_amount('passport', 'electronic', 10, '2025-01-01') AS electronic_10y_2025,
       passport.tariff_amount('percepatan') AS percepatan,
       passport.tariff_amount('damaged') AS damaged;
SELECT pg_temp.try($$SELECT passport.tariff_amount('passport', 'regular', 10, '2020-01-01')$$);

-- the time source is pinnable and validated
SELECT passport.now();
SELECT pg_temp.try($$SET passport.now_override = 'not a time'$$);
