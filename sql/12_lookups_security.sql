-- Lookups with a second factor under their real roles: an adapter login
-- (and the bot) cannot try birth dates or senders one after another, and
-- senders are compared as cancel compares them.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-01 09:00+07';
SET passport.max_active_per_sender = 0;
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
-- Runs each statement on its own, as separate calls of an adapter would
-- (an error undoes only that call), and counts the outcomes: the single
-- value a statement returns, or the SQLSTATE it raised, in order of first
-- appearance.
CREATE FUNCTION pg_temp.tally(stmts text[]) RETURNS TABLE (outcome text, calls bigint) LANGUAGE plpgsql AS $$
DECLARE
  outcomes text[] := '{}';
  o text;
BEGIN
  FOR i IN 1 .. array_length(stmts, 1) LOOP
    BEGIN
      EXECUTE stmts[i] INTO o;
      outcomes := outcomes || coalesce(o, '<null>');
    EXCEPTION WHEN OTHERS THEN
      outcomes := outcomes || SQLSTATE;
    END;
  END LOOP;
  RETURN QUERY SELECT x.o, count(*) FROM unnest(outcomes) WITH ORDINALITY AS x(o, n) GROUP BY x.o ORDER BY min(x.n);
END $$;
-- Status lookups through the bot, one per row of tries(who, number,
-- birth): 2, the number, then (when asked for it) a birth date, sent by the
-- bot login 20 seconds apart (under the bot's limit of 20 messages a
-- minute). Counts the first lines of the answers, in order of first
-- appearance.
CREATE FUNCTION pg_temp.bot_lookups(tries text[][]) RETURNS TABLE (reply text, lookups bigint) LANGUAGE plpgsql AS $$
DECLARE
  replies text[] := '{}';
  who text;
  number text;
  answer text;
BEGIN
  FOR i IN 1 .. array_length(tries, 1) LOOP
    RESET ROLE;
    PERFORM set_config('passport.now_override', (timestamptz '2026-12-01 10:00+07' + i * interval '20 seconds')::text, false);
    SET ROLE regress_lookup_bot;
    who := tries[i][1];
    number := tries[i][2];
    PERFORM passport.handle_message('whatsapp', who, who || '-1-' || number, '2');
    answer := (passport.handle_message('whatsapp', who, who || '-2-' || number, number)).reply;
    IF answer LIKE 'Nomor ini tidak terdaftar%' THEN
      answer := (passport.handle_message('whatsapp', who, who || '-3-' || number, tries[i][3])).reply;
    END IF;
    replies := replies || split_part(answer, E'\n', 1);
  END LOOP;
  RESET ROLE;
  PERFORM set_config('passport.now_override', '2026-12-01 09:00+07', false);
  RETURN QUERY SELECT x.r, count(*) FROM unnest(replies) WITH ORDINALITY AS x(r, n) GROUP BY x.r ORDER BY min(x.n);
END $$;
SELECT count(*) >= 0 AS roles_ready FROM passport.setup_roles();
CREATE ROLE regress_lookup_bot LOGIN IN ROLE passport_adapter;
CREATE ROLE regress_lookup_officer LOGIN IN ROLE passport_officer;
SELECT passport.create_office('LKP', 'Kantor Imigrasi Lookup', 'kanim', 'Asia/Jakarta') > 0 AS created;
SELECT count(*) AS rules FROM (SELECT passport.add_capacity_rule('LKP', d, 'regular', '08:00', '12:00', 60, 10)
                                 FROM generate_series(1, 5) d) x;
SELECT passport.release_slots('LKP', '2026-12-01', '2026-12-31') > 0 AS released;
SELECT passport.bind_officer('regress_lookup_officer', 'LKP');
-- bookings made through WhatsApp (the sender is stored in E.164), birth date 7 August 1990
SELECT reservation_number AS code1 FROM passport.reserve('LKP', 'renewal', 'regular', '2026-12-07', '3171014708900061',
  'Dewi Lestari', '1990-08-07', NULL, 'whatsapp', '+62 812 3456 7890') \gset
SELECT reservation_number AS code2 FROM passport.reserve('LKP', 'renewal', 'regular', '2026-12-07', '3171014708900062',
  'Rina Wati', '1990-08-07', NULL, 'whatsapp', '+62 812 3456 7890') \gset
SELECT reservation_number AS code3 FROM passport.reserve('LKP', 'renewal', 'regular', '2026-12-07', '3171014708900063',
  'Sri Wahyuni', '1990-08-07', NULL, 'whatsapp', '+62 812 3456 7890') \gset
SELECT reservation_number AS code4 FROM passport.reserve('LKP', 'renewal', 'regular', '2026-12-07', '3171014708900064',
  'Ayu Lestari', '1990-08-07', NULL, 'whatsapp', '+62 812 3456 7890') \gset
-- a number this installation issued that belongs to no reservation
SELECT passport.issue_reservation_number(passport.office_id('JKS')) AS unknown \gset

-- find_reservation compares the sender as cancel does: every way of
-- writing the number that booked finds the booking
SET ROLE regress_lookup_bot;
SELECT status FROM passport.find_reservation(:'code1', sender => '0812-3456-7890');
SELECT status FROM passport.find_reservation(:'code1', sender => '6281234567890');
SELECT status FROM passport.find_reservation(:'code1', sender => '+62 812 3456 7890');
-- another sender, a wrong birth date, an unknown number: one answer, every other field empty
SELECT * FROM passport.find_reservation(:'code1', sender => '0812-0000-0000');
SELECT status FROM passport.find_reservation(:'code2', birth_date => '1990-08-08');
SELECT status FROM passport.find_reservation(:'unknown', birth_date => '1990-08-07');
SELECT pg_temp.try(format('SELECT passport.find_reservation(%L)', :'code1'));
RESET ROLE;

-- 60 birth dates tried for one number, one call each: after 10 that did
-- not match, the number is refused (PP017), the right date included, for
-- every caller; the next day it answers again
SET ROLE regress_lookup_bot;
SELECT * FROM pg_temp.tally(ARRAY(SELECT format('SELECT status FROM passport.find_reservation(%L, birth_date => %L)',
                                               :'code1', date '1980-01-01' + i) FROM generate_series(1, 60) i));
SELECT pg_temp.try(format('SELECT passport.find_reservation(%L, birth_date => %L)', :'code1', '1990-08-07'));
-- the sender that booked still finds it
SELECT status FROM passport.find_reservation(:'code1', sender => '0812-3456-7890');
RESET ROLE;
SET ROLE regress_lookup_officer;
SELECT pg_temp.try(format('SELECT passport.find_reservation(%L, birth_date => %L)', :'code1', '1990-08-07'));
RESET ROLE;
SET passport.now_override = '2026-12-02 09:01+07';
SET ROLE regress_lookup_officer;
SELECT status FROM passport.find_reservation(:'code1', birth_date => '1990-08-07');
RESET ROLE;
SET passport.now_override = '2026-12-01 09:00+07';

-- a sender that tries senders or numbers: 20 lookups in 10 minutes
SET ROLE regress_lookup_bot;
SELECT * FROM pg_temp.tally(ARRAY(SELECT format('SELECT status FROM passport.find_reservation(%L, sender => %L)',
                                               :'code2', '0812-5555-0001') FROM generate_series(1, 22) i));
RESET ROLE;

-- application_status: without a sender, birth dates for one number are
-- limited too, and changing senders between tries does not help
SET ROLE regress_lookup_bot;
SELECT * FROM pg_temp.tally(ARRAY(SELECT format('SELECT status FROM passport.application_status(%L, sender => %L, birth_date => %L)',
                                               :'code3', CASE WHEN i % 2 = 0 THEN '0812-6000-' || lpad(i::text, 4, '0') END,
                                               date '1980-01-01' + i) FROM generate_series(1, 14) i));
-- lookups that find the number do not use up its tries
SELECT * FROM pg_temp.tally(ARRAY(SELECT format('SELECT status FROM passport.application_status(%L, birth_date => %L)',
                                               :'code4', '1990-08-07') FROM generate_series(1, 25) i));
RESET ROLE;

-- The bot passes the sender at the birth-date step. Eleven senders try
-- birth dates for one number that is not theirs: the eleventh is refused.
SELECT * FROM pg_temp.bot_lookups(ARRAY(SELECT ARRAY['0813-7000-' || lpad(i::text, 4, '0'), :'code4',
                                                     to_char(date '1980-01-01' + i, 'DD-MM-YYYY')]
                                          FROM generate_series(1, 11) i));
-- One sender tries eleven numbers: each try is two lookups against the
-- sender (the number, then the birth date), so the eleventh is refused.
SELECT * FROM pg_temp.bot_lookups(ARRAY(SELECT ARRAY['0813-8000-0001', passport.issue_reservation_number(passport.office_id('LKP')),
                                                     '01-01-1980']
                                          FROM generate_series(1, 11) i));

-- the counters hold senders and numbers, nothing else
SELECT sender, lookups FROM passport.lookup_guard WHERE sender IN ('+6281255550001', '+6281380000001') ORDER BY sender;
SELECT failures, count(*) AS numbers FROM passport.lookup_number_guard
 WHERE office_id = passport.office_id('LKP') GROUP BY failures ORDER BY failures;

SELECT passport.unbind_officer('regress_lookup_officer', 'LKP');
DROP ROLE regress_lookup_bot, regress_lookup_officer;
