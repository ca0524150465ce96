-- What reads an office's history reads the days or weeks it is about, not
-- all of it: the no-show, processing, backlog and feedback dashboards, and
-- the sweep's clearing of NIK cooldowns (a guard per NIK that ever booked).
-- The chat's pickup and payment answers read the sender's applications,
-- not every ready or unpaid one of the country.
SET client_min_messages = warning;
SET timezone = 'Asia/Jakarta';
SELECT passport.create_office('HIST', 'Kantor Sejarah', 'kanim', 'Asia/Jakarta') > 0 AS office;
-- 200 applications, each made ready 50 times years ago: 10,000 moves to ready
CREATE TEMP TABLE h AS
  SELECT (passport.open_walk_in('HIST', 'priority', 'renewal', '327301010190' || lpad(i::text, 4, '0'),
                                'Pemohon ' || i, '1990-01-01')).application_number AS num
    FROM generate_series(1, 200) i;
INSERT INTO passport.application_event (office_id, application_number, seq, from_status, to_status,
                                        actor, actor_role, channel, at)
SELECT passport.office_id('HIST'), h.num, 100 + k, 'printed', 'ready', 'arsip', 'officer', 'counter',
       now() - interval '3 years' + k * interval '1 day'
  FROM h, generate_series(1, 50) k;
-- 10,000 old feedback messages
INSERT INTO passport.feedback (office_id, channel, sender_hash, category, rating, body, created_at)
SELECT passport.office_id('HIST'), 'whatsapp', 'h' || i, 'appreciation', 5, 'Terima kasih',
       now() - interval '2 years'
  FROM generate_series(1, 10000) i;
-- 10,000 NIK guards left free by visits long past
INSERT INTO passport.nik_guard (nik)
SELECT '32' || lpad(i::text, 14, '0') FROM generate_series(1, 10000) i;
-- 10,000 visits of years ago, and the 200 passports long collected
INSERT INTO passport.reservation (office_id, code, slot_id, shard, lane, service, local_date, starts_at,
                                  ends_at, status, nik, full_name, birth_date, channel, created_at, status_at)
SELECT passport.office_id('HIST'), 'H' || lpad(i::text, 10, '0'), 1, 0, 'regular', 'new_adult',
       current_date - 1000 - i % 300, now() - interval '1000 days', now() - interval '1000 days',
       CASE WHEN i % 10 = 0 THEN 'no_show' ELSE 'checked_in' END, '3273010101900001', 'Lama', '1990-01-01',
       'web', now() - interval '1000 days', now() - interval '1000 days'
  FROM generate_series(1, 10000) i;
UPDATE passport.application SET status = 'collected', status_at = now() - interval '2 years'
 WHERE office_id = passport.office_id('HIST');
-- and 10,000 more passports collected years ago
INSERT INTO passport.application (office_id, application_number, service, passport_kind, validity_years,
                                  lane, nik, full_name, birth_date, status, version, opened_at, status_at)
SELECT passport.office_id('HIST'), '9' || lpad(i::text, 15, '0'), 'renewal', 'electronic', 10, 'regular',
       '3273010101900003', 'Lama', '1990-01-01', 'collected', 9, now() - interval '3 years',
       now() - interval '3 years'
  FROM generate_series(1, 10000) i;
-- and what the figures should show: two visits today, one a no-show;
-- three passports in process, made ready for the first time yesterday
-- (and one made ready again, which is not its first); four recent
-- messages; two cooldowns just over
CREATE TEMP TABLE fresh AS
  SELECT (passport.open_walk_in('HIST', 'priority', 'renewal', '327301010190' || lpad(i::text, 4, '0'),
                                'Pemohon ' || i, '1990-01-01')).application_number AS num
    FROM generate_series(201, 203) i;
INSERT INTO passport.application_event (office_id, application_number, seq, from_status, to_status,
                                        actor, actor_role, channel, at)
SELECT passport.office_id('HIST'), num, 100, 'printed', 'ready', 'loket', 'officer', 'counter', now() - interval '1 day'
  FROM (SELECT num FROM fresh UNION ALL SELECT min(num) FROM h) x;
INSERT INTO passport.reservation (office_id, code, slot_id, shard, lane, service, local_date, starts_at,
                                  ends_at, status, nik, full_name, birth_date, channel, created_at, status_at)
SELECT passport.office_id('HIST'), 'N' || lpad(i::text, 10, '0'), 1, 0, 'regular', 'new_adult',
       current_date, now(), now(), CASE i WHEN 1 THEN 'no_show' ELSE 'checked_in' END,
       '3273010101900002', 'Baru', '1990-01-01', 'web', now(), now()
  FROM generate_series(1, 2) i;
INSERT INTO passport.feedback (office_id, channel, sender_hash, category, rating, body, created_at)
SELECT passport.office_id('HIST'), 'whatsapp', 'f' || i, 'complaint', 2, 'Antre lama', now() - interval '1 day'
  FROM generate_series(1, 4) i;
INSERT INTO passport.nik_guard (nik, cooldown_until)
SELECT '33' || lpad(i::text, 14, '0'), now() - interval '1 hour' FROM generate_series(1, 2) i;
-- elsewhere, 5,000 passports ready and 5,000 applications awaiting payment
-- of other people; one of each for the sender who asks
SELECT passport.create_office('HIST2', 'Kantor Lain', 'kanim', 'Asia/Jakarta') > 0 AS office;
INSERT INTO passport.application (office_id, application_number, service, passport_kind, validity_years,
                                  lane, nik, full_name, birth_date, sender, status, version, opened_at, status_at,
                                  pickup_until)
SELECT passport.office_id('HIST2'), '8' || lpad(i::text, 15, '0'), 'renewal', 'electronic', 10, 'regular',
       '3273010101900004', 'Orang Lain', '1990-01-01', CASE WHEN i = 0 THEN '+6281299990000' ELSE '+62899' || lpad(i::text, 8, '0') END,
       CASE WHEN i % 2 = 0 THEN 'ready' ELSE 'awaiting_payment' END, 7, now() - interval '20 days',
       now() - interval '1 day', current_date + 20
  FROM generate_series(0, 10001) i;
INSERT INTO passport.billing (office_id, billing_code, application_number, amount, breakdown, issued_at, expires_at)
SELECT passport.office_id('HIST2'), '7' || lpad(i::text, 14, '0'), '8' || lpad(i::text, 15, '0'), 350000, '{}',
       now() - interval '1 day', now() + interval '6 days'
  FROM generate_series(1, 10001, 2) i;
UPDATE passport.application SET sender = '+6281299990000'
 WHERE application_number = '8' || lpad('10001', 15, '0');
ANALYZE passport.reservation, passport.application, passport.application_event, passport.feedback, passport.nik_guard;

SELECT pg_stat_force_next_flush();  -- what came before is counted apart
BEGIN;
SELECT sum(visits_due) AS visits_due, sum(no_shows) AS no_shows FROM passport.dashboard_no_shows('HIST');
SELECT pg_stat_get_xact_tuples_fetched('passport.reservation'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.reservation'::regclass) < 100 AS few_reservations_read;
COMMIT;
SELECT pg_stat_force_next_flush();  -- what came before is counted apart
BEGIN;
SELECT status, applications FROM passport.dashboard_backlog('HIST') WHERE applications > 0;
SELECT pg_stat_get_xact_tuples_fetched('passport.application'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.application'::regclass) < 100 AS few_applications_read;
COMMIT;
SELECT pg_stat_force_next_flush();  -- what came before is counted apart
BEGIN;
SELECT count(*) AS weeks, sum(ready) AS ready FROM passport.dashboard_processing('HIST');
SELECT pg_stat_get_xact_tuples_fetched('passport.application_event'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.application_event'::regclass) < 100 AS few_events_read;
COMMIT;
SELECT pg_stat_force_next_flush();  -- what came before is counted apart
BEGIN;
SELECT category, messages FROM passport.dashboard_feedback('HIST');
SELECT pg_stat_get_xact_tuples_fetched('passport.feedback'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.feedback'::regclass) < 100 AS few_feedback_read;
COMMIT;
SELECT pg_stat_force_next_flush();  -- what came before is counted apart
BEGIN;
SELECT office_code, no_shows, cooldowns_cleared FROM passport.sweep('HIST');
SELECT pg_stat_get_xact_tuples_fetched('passport.nik_guard'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.nik_guard'::regclass) < 100 AS few_guards_read;
COMMIT;
-- the sender asks about pickup (5) and payment (3)
SELECT (passport.handle_message('whatsapp', '+6281299990000', 'h1', 'Halo')).reply IS NOT NULL AS menu;
SELECT pg_stat_force_next_flush();  -- what came before is counted apart
BEGIN;
SELECT position('8000000000000000' IN (passport.handle_message('whatsapp', '+6281299990000', 'h2', '5')).reply) > 0
       AS own_passport_ready;
SELECT pg_stat_get_xact_tuples_fetched('passport.application'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.application'::regclass) < 100 AS few_applications_read;
COMMIT;
SELECT pg_stat_force_next_flush();  -- what came before is counted apart
BEGIN;
SELECT position('700000000010001' IN (passport.handle_message('whatsapp', '+6281299990000', 'h3', '3')).reply) > 0
       AS own_billing_shown;
SELECT pg_stat_get_xact_tuples_fetched('passport.application'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.application'::regclass) +
       pg_stat_get_xact_tuples_fetched('passport.billing'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.billing'::regclass) < 100 AS few_rows_read;
COMMIT;
