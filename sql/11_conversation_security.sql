-- The conversation engine under its real roles: a bot login in
-- passport_adapter talks, reporter and administrator logins read what
-- operators see.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-01 09:00+07';
SET passport.max_active_per_sender = 0;
-- one message: the reply with reservation numbers and long digit strings masked
CREATE FUNCTION pg_temp.say(channel text, who text, id text, msg text) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(regexp_replace(r.reply, '[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}', '#####-#####', 'g'),
                        '\m[0-9]{15,16}\M', '<number>', 'g')
         || CASE WHEN r.duplicate THEN E'\n[redelivered]' ELSE '' END
    FROM passport.handle_message(channel, who, id, msg) r
$$;
-- a whole conversation: the last reply
CREATE FUNCTION pg_temp.talk(channel text, who text, prefix text, msgs text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  reply text;
BEGIN
  FOR i IN 1 .. array_length(msgs, 1) LOOP
    reply := pg_temp.say(channel, who, prefix || i, msgs[i]);
  END LOOP;
  RETURN reply;
END $$;
SELECT count(*) >= 0 AS roles_ready FROM passport.setup_roles();
CREATE ROLE regress_conv_bot LOGIN IN ROLE passport_adapter;
CREATE ROLE regress_conv_reporter LOGIN IN ROLE passport_reporter;
CREATE ROLE regress_conv_admin LOGIN IN ROLE passport_admin;
SELECT passport.create_office('CNV', 'Kantor Imigrasi Percakapan', 'kanim', 'Asia/Jakarta', city => 'Kota Percakapan') > 0 AS created;
SELECT count(*) AS rules FROM (SELECT passport.add_capacity_rule('CNV', d, 'regular', '08:00', '10:00', 60, 4)
                                 FROM generate_series(1, 5) d) x;
SELECT passport.release_slots('CNV', '2026-12-01', '2026-12-31') > 0 AS released;

-- Unexpected errors: the person gets the apology, the error is counted by
-- day, step and SQLSTATE where reporters and administrators see it, and
-- the LOG line names the step and SQLSTATE only (shown here with
-- client_min_messages = log).
SET client_min_messages = log;
-- the feedback store refuses every rated row
ALTER TABLE passport.feedback ADD CONSTRAINT regress_refuse_rated CHECK (rating IS NULL) NOT VALID;
SET ROLE regress_conv_bot;
SELECT pg_temp.talk('whatsapp', '0811-7000-0001', 'fb', ARRAY['6', 'Petugas Siti sangat membantu, NIK saya 3171014708900001', '5', '-']);
RESET ROLE;
ALTER TABLE passport.feedback DROP CONSTRAINT regress_refuse_rated;
-- the booking API refuses the channel (22023): the reason is the apology, not its message
SET ROLE regress_conv_bot;
SELECT pg_temp.talk('sms', '0811-7000-0002', 'sm', ARRAY['1', 'CNV', '3', '1', '3171014708900001', 'Siti Aminah', '07-08-1990']);
SELECT pg_temp.say('sms', '0811-7000-0002', 'sm8', '1');
-- what people type is never an internal error
SELECT pg_temp.talk('whatsapp', '0811-7000-0003', 'ok', ARRAY['2', 'abc', '9999999999999990', 'besok', '#batal', 'ABCDE-FGHJK']);
RESET ROLE;
RESET client_min_messages;
SET ROLE regress_conv_reporter;
SELECT day, step, sqlstate, errors, last_at FROM passport.conversation_error ORDER BY step;
RESET ROLE;
SET ROLE regress_conv_admin;
SELECT sum(errors) AS errors FROM passport.conversation_error;
RESET ROLE;
-- a bot cannot read them
SET ROLE regress_conv_bot;
SELECT count(*) FROM passport.conversation_error;
RESET ROLE;

-- Message ids are the sender's own: a redelivery is the same channel,
-- sender and message id. Another sender who reuses an id gets an answer of
-- its own, never the stored reply of the first sender (which can hold a
-- NIK, a name and a birth date), and the first sender's real message with
-- an id someone else used first is answered, not swallowed.
SET ROLE regress_conv_bot;
SELECT pg_temp.talk('whatsapp', '0811-7000-0010', 'a', ARRAY['1', 'CNV', '1', '1', '3171014708900010', 'Ratna Dewi']);
-- the reply to this message holds the NIK, the name and the birth date
SELECT pg_temp.say('whatsapp', '0811-7000-0010', 'wamid.SHARED', '07-08-1990');
-- another sender, the same id: its own reply, not a redelivery
SELECT pg_temp.say('whatsapp', '0811-7000-0020', 'wamid.SHARED', 'halo');
-- the first sender's webhook again: a redelivery of its own message
SELECT pg_temp.say('whatsapp', '0811-7000-0010', 'wamid.SHARED', '07-08-1990');
SELECT pg_temp.say('whatsapp', '0811-7000-0010', 'a7', '1');
-- an id another sender used first does not swallow this sender's message
SELECT pg_temp.say('whatsapp', '0811-7000-0020', 'wamid.NEXT', '2');
SELECT pg_temp.say('whatsapp', '0811-7000-0010', 'wamid.NEXT', '2');
-- two senders confirm a booking with the same message id: two bookings,
-- each with its own number (the idempotency key is the sender's too)
SELECT pg_temp.talk('whatsapp', '0811-7000-0030', 'c', ARRAY['1', 'CNV', '1', '1', '3171014708900030', 'Budi Santoso', '07-08-1990']);
SELECT pg_temp.say('whatsapp', '0811-7000-0030', 'wamid.CONFIRM', '1');
SELECT pg_temp.talk('whatsapp', '0811-7000-0040', 'd', ARRAY['1', 'CNV', '1', '1', '3171014708900040', 'Ani Lestari', '07-08-1990']);
SELECT pg_temp.say('whatsapp', '0811-7000-0040', 'wamid.CONFIRM', '1');
RESET ROLE;
SELECT nik, full_name, sender FROM passport.reservation
 WHERE office_id = passport.office_id('CNV') ORDER BY nik;
SELECT sender, message_id, reply LIKE '%NIK%' AS holds_nik FROM passport.inbound_message
 WHERE message_id IN ('wamid.SHARED', 'wamid.NEXT', 'wamid.CONFIRM') ORDER BY message_id, sender;

-- Feedback keeps the sender as an HMAC under a key of its own purpose
-- (feedback_sender), derived from the installation key, not as a hash of
-- the number keyed with the key of the reservation numbers.
SET ROLE regress_conv_bot;
SELECT pg_temp.talk('whatsapp', '0811-7000-0050', 'f', ARRAY['6', 'Antrean rapi', '4', 'cnv']);
RESET ROLE;
SELECT f.sender_hash = passport.keyed_hash('feedback_sender', '+6281170000050') AS hmac_of_its_purpose,
       f.sender_hash <> encode(sha256((SELECT s.key FROM passport.secret s WHERE s.purpose = 'ff1'
                                        ORDER BY s.created_at LIMIT 1)
                                      || convert_to('+6281170000050', 'UTF8')), 'hex') AS not_the_ff1_key,
       f.category, f.rating
  FROM passport.feedback f WHERE f.body = 'Antrean rapi';

DROP ROLE regress_conv_bot, regress_conv_reporter, regress_conv_admin;
