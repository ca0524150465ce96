-- What reads an office's history reads the days or weeks it is about, not
-- all of it: the processing and feedback dashboards, and the sweep's
-- clearing of NIK cooldowns (a guard per NIK that ever booked).
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
-- and what the figures should show: three passports made ready for the
-- first time yesterday (and one made ready again, which is not its first),
-- four recent messages, two cooldowns just over
CREATE TEMP TABLE fresh AS
  SELECT (passport.open_walk_in('HIST', 'priority', 'renewal', '327301010190' || lpad(i::text, 4, '0'),
                                'Pemohon ' || i, '1990-01-01')).application_number AS num
    FROM generate_series(201, 203) i;
INSERT INTO passport.application_event (office_id, application_number, seq, from_status, to_status,
                                        actor, actor_role, channel, at)
SELECT passport.office_id('HIST'), num, 100, 'printed', 'ready', 'loket', 'officer', 'counter', now() - interval '1 day'
  FROM (SELECT num FROM fresh UNION ALL SELECT min(num) FROM h) x;
INSERT INTO passport.feedback (office_id, channel, sender_hash, category, rating, body, created_at)
SELECT passport.office_id('HIST'), 'whatsapp', 'f' || i, 'complaint', 2, 'Antre lama', now() - interval '1 day'
  FROM generate_series(1, 4) i;
INSERT INTO passport.nik_guard (nik, cooldown_until)
SELECT '33' || lpad(i::text, 14, '0'), now() - interval '1 hour' FROM generate_series(1, 2) i;
ANALYZE passport.application, passport.application_event, passport.feedback, passport.nik_guard;

BEGIN;
SELECT count(*) AS weeks, sum(ready) AS ready FROM passport.dashboard_processing('HIST');
SELECT pg_stat_get_xact_tuples_fetched('passport.application_event'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.application_event'::regclass) < 100 AS few_events_read;
COMMIT;
BEGIN;
SELECT category, messages FROM passport.dashboard_feedback('HIST');
SELECT pg_stat_get_xact_tuples_fetched('passport.feedback'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.feedback'::regclass) < 100 AS few_feedback_read;
COMMIT;
BEGIN;
SELECT office_code, no_shows, cooldowns_cleared FROM passport.sweep('HIST');
SELECT pg_stat_get_xact_tuples_fetched('passport.nik_guard'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.nik_guard'::regclass) < 100 AS few_guards_read;
COMMIT;
