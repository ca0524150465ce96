-- Retention under the real roles: a bot login leaves personal data behind
-- (an abandoned booking, a confirmation, feedback, a cancelled booking),
-- an officer writes a reason in a history, and an administrator login's
-- purge removes each after its period while the reports keep their
-- figures.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-01 09:00+07';
SET passport.max_active_per_sender = 4;
CREATE FUNCTION pg_temp.say(who text, id text, msg text) RETURNS text LANGUAGE sql AS $$
  SELECT split_part(r.reply, E'\n', 1) || CASE WHEN r.duplicate THEN ' [redelivered]' ELSE '' END
    FROM passport.handle_message('whatsapp', who, id, msg) r
$$;
SELECT count(*) >= 0 AS roles_ready FROM passport.setup_roles();
CREATE ROLE regress_retention_bot LOGIN IN ROLE passport_adapter;
CREATE ROLE regress_retention_admin LOGIN IN ROLE passport_admin;
SELECT passport.create_office('RTN', 'Kantor Imigrasi Retensi', 'kanim', 'Asia/Jakarta') > 0 AS created;
SELECT count(*) AS rules FROM (SELECT passport.add_capacity_rule('RTN', d, 'regular', '08:00', '12:00', 60, 10)
                                 FROM generate_series(1, 5) d) x;
SELECT passport.release_slots('RTN', '2026-12-01', '2026-12-31') > 0 AS released;

-- what a bot leaves behind
SET ROLE regress_retention_bot;
-- a booking abandoned at its confirmation: NIK, name and birth date in the conversation and in the stored reply
SELECT count(pg_temp.say('0815-9000-0001', 'a' || i, m)) AS messages
  FROM unnest(ARRAY['1', 'RTN', '1', '1', '3171014708900081', 'Siti Rahma']) WITH ORDINALITY AS x(m, i);
SELECT pg_temp.say('0815-9000-0001', 'a-confirm', '07-08-1990');
-- a booking made and cancelled: the sender's counter goes back to zero
SELECT count(pg_temp.say('0815-9000-0002', 'b' || i, m)) AS messages
  FROM unnest(ARRAY['1', 'RTN', '1', '1', '3171014708900082', 'Rudi Hartono', '07-08-1990', '1', '#batal'])
       WITH ORDINALITY AS x(m, i);
-- feedback with personal words in it
SELECT count(pg_temp.say('0815-9000-0003', 'c' || i, m)) AS messages
  FROM unnest(ARRAY['6', 'Bu Siti di loket 3 ramah, nomor saya 0815-9000-0003', '5', 'rtn']) WITH ORDINALITY AS x(m, i);
RESET ROLE;
-- an officer's reason in a history
SELECT reservation_number AS code FROM passport.reserve('RTN', 'renewal', 'regular', '2026-12-07', '3171014708900083',
  'Dewi Anggraini', '1990-08-07', '0815-9000-0004', 'app', 'device-rtn-4', 'order-0815-9000-0004') \gset
SET passport.now_override = '2026-12-07 07:45+07';
SELECT status FROM passport.check_in(:'code');
SELECT application_number AS app FROM passport.open_application(:'code') \gset
SELECT status FROM passport.transition(:'app', 'cancelled', 'submitted',
                                       reason => 'Ibu Dewi Anggraini membatalkan, KK a.n. Budi tidak dibawa');

-- what is there before any purge
SELECT state, context ? 'nik' AS context_holds_nik FROM passport.conversation WHERE sender = '+6281590000001';
SELECT count(*) FILTER (WHERE reply LIKE '%NIK:%') AS replies_with_nik FROM passport.inbound_message
 WHERE sender IN ('+6281590000001', '+6281590000002');
SELECT sender, active FROM passport.sender_guard WHERE sender = '+6281590000002';
SELECT body <> '' AS feedback_text FROM passport.feedback WHERE body LIKE 'Bu Siti%';
SELECT to_status, reason IS NOT NULL AS has_reason FROM passport.application_event
 WHERE application_number = :'app' ORDER BY seq;
CREATE TEMP TABLE feedback_before AS SELECT * FROM passport.report_feedback;

-- six days later: the abandoned conversation has been idle past
-- passport.conversation_timeout, its stored replies are six days old
SET passport.now_override = '2026-12-07 09:00+07';
SET ROLE regress_retention_admin;
SELECT what FROM passport.purge_personal_data();
RESET ROLE;
SELECT state, context FROM passport.conversation WHERE sender = '+6281590000001';
SELECT count(*) AS sender_counters FROM passport.sender_guard WHERE sender = '+6281590000002';
-- the replies stay while a webhook may still be redelivered
SELECT count(*) FILTER (WHERE reply LIKE '%NIK:%') AS replies_with_nik FROM passport.inbound_message
 WHERE sender IN ('+6281590000001', '+6281590000002');

-- after a week and a day
SET passport.now_override = '2026-12-09 09:01+07';
SET ROLE regress_retention_admin;
SELECT count(*) FROM passport.purge_personal_data();
RESET ROLE;
SELECT count(*) FILTER (WHERE reply IS NOT NULL) AS replies_kept, count(*) AS messages_kept FROM passport.inbound_message
 WHERE sender IN ('+6281590000001', '+6281590000002');
-- a late redelivery is still recognised and has no second effect
SET ROLE regress_retention_bot;
SELECT r.reply IS NULL AS no_text, r.duplicate FROM passport.handle_message('whatsapp', '0815-9000-0001', 'a-confirm', '07-08-1990') r;
RESET ROLE;

-- after the retention period: the texts go, the reports keep their figures
SET passport.now_override = '2029-01-01 09:00+07';
SET ROLE regress_retention_admin;
SELECT count(*) FROM passport.purge_personal_data();
RESET ROLE;
SELECT body = '' AS feedback_text_gone, rating, category, sender_hash ~ '^[0-9a-f]{64}$' AS pseudonym_kept
  FROM passport.feedback WHERE office_id = passport.office_id('RTN');
SELECT to_status, actor_role, reason IS NULL AS reason_gone FROM passport.application_event
 WHERE application_number = :'app' ORDER BY seq;
SELECT nik, full_name, birth_date, sender, idempotency_key FROM passport.reservation WHERE code = :'code';
SELECT NOT EXISTS (SELECT * FROM passport.report_feedback EXCEPT SELECT * FROM feedback_before)
       AND NOT EXISTS (SELECT * FROM feedback_before EXCEPT SELECT * FROM passport.report_feedback) AS feedback_report_unchanged;
SELECT count(*) AS conversations_left FROM passport.conversation WHERE sender LIKE '+6281590%';

DROP ROLE regress_retention_bot, regress_retention_admin;
