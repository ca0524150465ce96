--------------------------------------------------------------------------
-- Conversation engine: texts apart from logic, one function per flow
-- behind a small dispatcher
--------------------------------------------------------------------------
--
-- handle_message(channel, sender, message_id, text) keeps the dialogue of
-- one sender in passport.conversation (its state, language and the fields
-- collected so far) and answers each message once. One message is one
-- turn (passport.bot_turn): bot_step reads the commands that work at any
-- step, then hands the turn to the flow that owns the conversation's state:
--
--   booking       bot_booking      book_office .. book_confirm
--   reservation   bot_reservation  status_number, status_birth,
--                                  cancel_number, resched_number, resched_date
--   information   bot_information  payment, requirements (req_service), pickup
--   feedback      bot_feedback     fb_text, fb_rating, fb_office
--
-- A flow is entered through its entry state (book, book_quick, status,
-- cancel, resched, payment, requirements, pickup, feedback), which the menu
-- and the shortcuts set and which the flow replaces within the same turn:
-- entry states are never stored. Stored states are those of 0.1, so that
-- conversations in progress survive an update.
--
-- Texts: every sentence the bot sends is a row of passport.bot_text, read
-- by passport.bot_text_body() alone; requirements are rows of
-- passport.info, read by passport.info_text() alone. Lists (services) are
-- built from their tables. The flows call the booking API (reserve, cancel,
-- reschedule) through one function each (bot_book, bot_cancel, bot_move).
--
-- The flows are called from handle_message only: they are neither SECURITY
-- DEFINER nor granted, and run with handle_message's rights and its pinned
-- search_path (every name in them is qualified).

--------------------------------------------------------------------------
-- Texts
--------------------------------------------------------------------------

-- The order in which lists show services (the bot numbers them from 1).
ALTER TABLE passport.service ADD COLUMN ordinal smallint NOT NULL DEFAULT 0;
UPDATE passport.service s SET ordinal = v.ordinal
  FROM (VALUES ('new_adult', 1), ('new_child', 2), ('renewal', 3), ('lost', 4), ('damaged', 5),
               ('data_change', 6)) AS v(service_code, ordinal)
 WHERE s.service_code = v.service_code;
COMMENT ON COLUMN passport.service.ordinal IS 'Position of the service in lists shown to applicants (the bot numbers them from 1).';

-- The one reader of passport.bot_text: the text of key in language, the
-- Indonesian one when that language has none, NULL when neither exists.
CREATE FUNCTION passport.bot_text_body(key text, language text)
  RETURNS text
  LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  body text;
BEGIN
  SELECT t.body INTO body FROM passport.bot_text t
   WHERE t.key = bot_text_body.key AND t.language = bot_text_body.language;
  IF body IS NULL THEN
    SELECT t.body INTO body FROM passport.bot_text t WHERE t.key = bot_text_body.key AND t.language = 'id';
  END IF;
  RETURN body;
END;
$$;
COMMENT ON FUNCTION passport.bot_text_body(text, text) IS
  'The one reader of passport.bot_text: the text of a key in a language, else in Indonesian, else NULL.';
REVOKE ALL ON FUNCTION passport.bot_text_body(text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION passport.bot_say(key text, language text, fill jsonb DEFAULT '{}')
  RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(passport.fill_text(passport.bot_text_body(bot_say.key, bot_say.language),
                                     passport.policy_values() || coalesce(bot_say.fill, '{}')),
                  bot_say.key)
$$;
COMMENT ON FUNCTION passport.bot_say(text, text, jsonb) IS
  'A bot text in a language (else Indonesian) with {name} filled from fill and the rule values of passport.policy_values(); the key itself when no text exists.';

CREATE OR REPLACE FUNCTION passport.bot_reason(sqlstate text, language text, fallback text)
  RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(passport.bot_text_body('reason_' || bot_reason.sqlstate, bot_reason.language), bot_reason.fallback)
$$;
COMMENT ON FUNCTION passport.bot_reason(text, text, text) IS
  'The bot''s explanation of an error by its SQLSTATE (bot text reason_<SQLSTATE>), or fallback when it has none.';

-- The one reader of passport.info: the body of a topic for a service in a
-- language, the Indonesian one when that language has none.
CREATE FUNCTION passport.info_text(topic text, service text, language text)
  RETURNS text
  LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  body text;
BEGIN
  SELECT i.body INTO body FROM passport.info i
   WHERE i.topic = info_text.topic AND i.service = coalesce(info_text.service, '') AND i.language = info_text.language;
  IF body IS NULL THEN
    SELECT i.body INTO body FROM passport.info i
     WHERE i.topic = info_text.topic AND i.service = coalesce(info_text.service, '') AND i.language = 'id';
  END IF;
  RETURN passport.fill_text(body, passport.policy_values());
END;
$$;
COMMENT ON FUNCTION passport.info_text(text, text, text) IS
  'The one reader of passport.info: the body of a topic for a service (NULL: none) in a language, else in Indonesian, else NULL; the rule values of passport.policy_values() filled in.';
REVOKE ALL ON FUNCTION passport.info_text(text, text, text) FROM PUBLIC;

-- The services as the bot offers them: codes in list order and the
-- numbered list in the language, both from passport.service.
CREATE FUNCTION passport.bot_services(language text, OUT codes text[], OUT list text)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
  SELECT pg_catalog.array_agg(s.service_code ORDER BY s.n),
         pg_catalog.string_agg(s.n || ' ' || CASE bot_services.language WHEN 'en' THEN s.name_en ELSE s.name_id END,
                               E'\n' ORDER BY s.n)
    INTO codes, list
    FROM (SELECT x.service_code, x.name_id, x.name_en,
                 pg_catalog.row_number() OVER (ORDER BY x.ordinal, x.service_code) AS n
            FROM passport.service x) s;
END;
$$;
COMMENT ON FUNCTION passport.bot_services(text) IS
  'The services in list order (passport.service.ordinal): their codes, and a list numbered from 1 named in the language.';
REVOKE ALL ON FUNCTION passport.bot_services(text) FROM PUBLIC;

-- The 0.1 helper took the services as a hand-written array; lists now come
-- from the table (bot_services).
DROP FUNCTION passport.bot_service_list(text[], text);

CREATE FUNCTION passport.service_name(service text, language text)
  RETURNS text
  LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  name text;
BEGIN
  SELECT CASE service_name.language WHEN 'en' THEN s.name_en ELSE s.name_id END INTO name
    FROM passport.service s WHERE s.service_code = service_name.service;
  RETURN name;
END;
$$;
COMMENT ON FUNCTION passport.service_name(text, text) IS 'The name of a service in a language (Indonesian unless en).';
REVOKE ALL ON FUNCTION passport.service_name(text, text) FROM PUBLIC;

--------------------------------------------------------------------------
-- What people type: commands, menu numbers
--------------------------------------------------------------------------

-- Words that work at any step: menu, a language, the # shortcuts.
CREATE FUNCTION passport.bot_command(low text)
  RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE
           WHEN low IN ('0', 'menu', '#menu', 'halo', 'hai', 'hi', 'hello', 'start', 'mulai') THEN 'menu'
           WHEN low IN ('en', 'english', 'inggris') THEN 'en'
           WHEN low IN ('id', 'indonesia', 'bahasa', 'bahasa indonesia') THEN 'id'
           WHEN low = '#bayar' THEN 'payment'
           WHEN low = '#batal' THEN 'cancel'
           WHEN low = '#ubah' THEN 'resched'
         END
$$;
COMMENT ON FUNCTION passport.bot_command(text) IS
  'The command a lower-case message is at any step: menu, en, id (language), payment (#bayar), cancel (#batal), resched (#ubah); else NULL.';
REVOKE ALL ON FUNCTION passport.bot_command(text) FROM PUBLIC;

-- The menu: the flow entry of each number, in the order of the menu text.
CREATE FUNCTION passport.bot_menu_entries()
  RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ARRAY['book', 'status', 'payment', 'requirements', 'pickup', 'feedback']
$$;
COMMENT ON FUNCTION passport.bot_menu_entries() IS
  'The entry state each menu number starts (1 book, 2 status, 3 payment, 4 requirements, 5 pickup, 6 feedback), as the menu text lists them.';
REVOKE ALL ON FUNCTION passport.bot_menu_entries() FROM PUBLIC;

-- Choices '1'..'n' for channels with buttons.
CREATE FUNCTION passport.bot_numbers(n integer)
  RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  choices text[];
BEGIN
  FOR i IN 1 .. coalesce(n, 0) LOOP
    choices := choices || i::text;
  END LOOP;
  RETURN choices;
END;
$$;
COMMENT ON FUNCTION passport.bot_numbers(integer) IS 'The choices ''1'' to n (NULL when n < 1).';
REVOKE ALL ON FUNCTION passport.bot_numbers(integer) FROM PUBLIC;

-- What a conversation keeps when it returns to the menu: the reservation it
-- made, for #batal and #ubah; every other field (NIK, name, birth date) goes.
CREATE FUNCTION passport.bot_kept(context jsonb)
  RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('last_reservation', context -> 'last_reservation'))
$$;
COMMENT ON FUNCTION passport.bot_kept(jsonb) IS
  'The part of a conversation''s context kept across flows: the last reservation it made (for #batal and #ubah), nothing personal.';
REVOKE ALL ON FUNCTION passport.bot_kept(jsonb) FROM PUBLIC;

-- One turn of the dialogue: what arrived and what the conversation holds,
-- then what the flow answers.
CREATE TYPE passport.bot_turn AS (
  channel    text,
  sender     text,
  message_id text,
  now        timestamptz,
  txt        text,
  low        text,
  pick       integer,
  state      text,
  language   text,
  context    jsonb,
  reply      text,
  choices    text[]
);
COMMENT ON TYPE passport.bot_turn IS
  'One turn of the conversation engine: channel, sender, message id and time; the text (txt trimmed, low in lower case, pick a one- or two-digit number); the conversation''s state, language and context; the reply and choices the flow sets.';
REVOKE ALL ON TYPE passport.bot_turn FROM PUBLIC;

-- The menu, leaving the flow: state menu, context reduced to what is kept.
CREATE FUNCTION passport.bot_menu(t passport.bot_turn, reset boolean DEFAULT true)
  RETURNS passport.bot_turn
  LANGUAGE plpgsql STABLE
AS $$
BEGIN
  t.state := 'menu';
  IF reset THEN
    t.context := passport.bot_kept(t.context);
  END IF;
  t.reply := passport.bot_say('menu', t.language);
  t.choices := passport.bot_numbers(pg_catalog.array_length(passport.bot_menu_entries(), 1));
  RETURN t;
END;
$$;
COMMENT ON FUNCTION passport.bot_menu(passport.bot_turn, boolean) IS
  'Answers the menu and returns the conversation to it (with reset, the context keeps only passport.bot_kept()).';
REVOKE ALL ON FUNCTION passport.bot_menu(passport.bot_turn, boolean) FROM PUBLIC;

--------------------------------------------------------------------------
-- Internal errors: logged and counted, never shown
--------------------------------------------------------------------------

-- What operators see of errors the bot did not expect: counts per day
-- (UTC), step and SQLSTATE. No text of the error, no sender, no message:
-- error texts can quote what a person typed.
CREATE TABLE passport.conversation_error (
  day      date        NOT NULL,
  step     text        NOT NULL,
  sqlstate text        NOT NULL,
  errors   bigint      NOT NULL,
  last_at  timestamptz NOT NULL,
  CONSTRAINT conversation_error_pkey PRIMARY KEY (day, step, sqlstate),
  CONSTRAINT conversation_error_errors_positive CHECK (errors > 0)
);
COMMENT ON TABLE passport.conversation_error IS
  'Unexpected errors of the conversation engine per day (UTC), step (the conversation''s state) and SQLSTATE, with the time of the last one. The person got the generic apology; the server log has one LOG line per error with step and SQLSTATE. No personal data.';
REVOKE ALL ON passport.conversation_error FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.conversation_error', '');

INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege) VALUES
  ('passport_admin', 'table', 'passport.conversation_error', 'SELECT'),
  ('passport_reporter', 'table', 'passport.conversation_error', 'SELECT');

-- Whether an error from the booking API is one of its answers (class PP: a
-- condition the bot explains) or an internal error.
CREATE FUNCTION passport.bot_expected(sqlstate text)
  RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT sqlstate LIKE 'PP%'
$$;
COMMENT ON FUNCTION passport.bot_expected(text) IS
  'True for SQLSTATEs of class PP (conditions the bot explains to the person); any other error in a step is internal.';
REVOKE ALL ON FUNCTION passport.bot_expected(text) FROM PUBLIC;

CREATE FUNCTION passport.note_conversation_error(step text, sqlstate text, at timestamptz)
  RETURNS void
  LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RAISE LOG 'passport conversation: unexpected error in step "%", SQLSTATE %', step, sqlstate;
  INSERT INTO passport.conversation_error AS e (day, step, sqlstate, errors, last_at)
  VALUES ((at AT TIME ZONE 'UTC')::date, coalesce(step, '-'), sqlstate, 1, at)
  ON CONFLICT ON CONSTRAINT conversation_error_pkey
  DO UPDATE SET errors = e.errors + 1, last_at = GREATEST(e.last_at, excluded.last_at);
END;
$$;
COMMENT ON FUNCTION passport.note_conversation_error(text, text, timestamptz) IS
  'Counts one unexpected error of the conversation engine in passport.conversation_error and writes a LOG line with the step and SQLSTATE only.';
REVOKE ALL ON FUNCTION passport.note_conversation_error(text, text, timestamptz) FROM PUBLIC;

-- The reason the bot gives for an error of the booking API: its reason text
-- (bot text reason_<SQLSTATE>); else, for the API's own conditions, the
-- fallback; anything else is internal: counted, and answered with the
-- generic apology rather than its message.
CREATE FUNCTION passport.bot_failure(t passport.bot_turn, sqlstate text, fallback text)
  RETURNS text
  LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  IF passport.bot_text_body('reason_' || sqlstate, t.language) IS NULL AND NOT passport.bot_expected(sqlstate) THEN
    PERFORM passport.note_conversation_error(t.state, sqlstate, t.now);
    RETURN passport.bot_say('error', t.language);
  END IF;
  RETURN passport.bot_reason(sqlstate, t.language, fallback);
END;
$$;
COMMENT ON FUNCTION passport.bot_failure(passport.bot_turn, text, text) IS
  'The explanation of a booking API error for the person: its reason text, else fallback for class PP; any other SQLSTATE is counted as an internal error and explained with the generic apology.';
REVOKE ALL ON FUNCTION passport.bot_failure(passport.bot_turn, text, text) FROM PUBLIC;

--------------------------------------------------------------------------
-- The booking API, called from one place each
--------------------------------------------------------------------------

-- The lane the bot books and offers days of.
CREATE FUNCTION passport.bot_lane()
  RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT 'regular'::text
$$;
COMMENT ON FUNCTION passport.bot_lane() IS 'The lane the conversation engine books and offers days of.';
REVOKE ALL ON FUNCTION passport.bot_lane() FROM PUBLIC;

CREATE OR REPLACE FUNCTION passport.bot_dates(office_code text, language text, OUT list text, OUT items jsonb, OUT office_name text)
  LANGUAGE plpgsql STABLE
AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  list := '';
  items := '[]';
  SELECT o.name INTO office_name FROM passport.office o WHERE o.code = bot_dates.office_code;
  FOR r IN SELECT a.local_date, a.free FROM passport.availability(bot_dates.office_code, NULL, 30, passport.bot_lane()) a
            WHERE a.free > 0 ORDER BY a.local_date LIMIT 5 LOOP
    n := n + 1;
    items := items || pg_catalog.to_jsonb(r.local_date::text);
    list := list || n || ' ' || pg_catalog.to_char(r.local_date, 'DD-MM-YYYY') || ' (' || r.free || E')\n';
  END LOOP;
  list := pg_catalog.rtrim(list, E'\n');
END;
$$;
COMMENT ON FUNCTION passport.bot_dates(text, text) IS 'The next five days with free places at an office in the bot''s lane, as a numbered list for the bot.';

-- Books what a conversation collected. The idempotency key is derived from
-- the sender and the message id: a message id is the sender's own, so
-- another sender's message with the same id is another request (reserve
-- scopes keys to the channel and sender as well), and the hash keeps any
-- message id within reserve's 200 characters.
CREATE FUNCTION passport.bot_book(t passport.bot_turn, OUT booking passport.booking,
                                  OUT office_name text, OUT office_address text)
  LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  booking := passport.reserve(t.context ->> 'office', t.context ->> 'service', passport.bot_lane(),
                              (t.context ->> 'visit_date')::date, t.context ->> 'nik', t.context ->> 'name',
                              (t.context ->> 'birth')::date, NULL, t.channel, t.sender,
                              'msg:' || pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
                                t.sender || E'\n' || t.message_id, 'UTF8')), 'hex'));
  SELECT o.name, o.address INTO office_name, office_address
    FROM passport.office o WHERE o.code = booking.office_code;
END;
$$;
COMMENT ON FUNCTION passport.bot_book(passport.bot_turn) IS
  'The conversation''s one call of passport.reserve: the collected office, service, date and applicant, idempotent on the sender and message id.';
REVOKE ALL ON FUNCTION passport.bot_book(passport.bot_turn) FROM PUBLIC;

CREATE FUNCTION passport.bot_cancel(reservation_number text, sender text)
  RETURNS text
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  b passport.booking := passport.cancel(bot_cancel.reservation_number, sender => bot_cancel.sender);
BEGIN
  IF b.status = 'not_found' THEN
    -- the bot's sender is its own factor: the conversation's rate limit bounds the guesses
    RAISE EXCEPTION 'reservation not found' USING ERRCODE = 'PP006';
  END IF;
  RETURN b.reservation_number;
END;
$$;
COMMENT ON FUNCTION passport.bot_cancel(text, text) IS
  'The conversation''s one call of passport.cancel, with the sender as the second factor; returns the reservation number.';
REVOKE ALL ON FUNCTION passport.bot_cancel(text, text) FROM PUBLIC;

CREATE FUNCTION passport.bot_move(reservation_number text, visit_date date, sender text)
  RETURNS passport.booking
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  b passport.booking := passport.reschedule(bot_move.reservation_number, bot_move.visit_date,
                                            sender => bot_move.sender);
BEGIN
  IF b.status = 'not_found' THEN
    RAISE EXCEPTION 'reservation not found' USING ERRCODE = 'PP006';
  END IF;
  RETURN b;
END;
$$;
COMMENT ON FUNCTION passport.bot_move(text, date, text) IS
  'The conversation''s one call of passport.reschedule, with the sender as the second factor.';
REVOKE ALL ON FUNCTION passport.bot_move(text, date, text) FROM PUBLIC;

--------------------------------------------------------------------------
-- Flow: booking (office, service, day, NIK, name, birth date, confirmation)
--------------------------------------------------------------------------

-- Each step either asks its question and returns, or stores its answer and
-- goes on to the next step in the same turn, so that fields the
-- conversation already has (from #Name#DDMMYYYY#DDMMYYYY or a failed
-- attempt) are not asked again.
CREATE FUNCTION passport.bot_booking(t passport.bot_turn)
  RETURNS passport.bot_turn
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  lang text := t.language;
  m text[];
  n integer;
  r record;
  v_items text[] := '{}';
  v_list text := '';
  v_code text;
  v_day date;
  v_reason text;
  v_state text;
  svc record;
BEGIN
  IF t.state = 'book' THEN
    t.state := 'book_office'; t.context := t.context - 'office_choices';
    t.reply := passport.bot_say('ask_office', lang);
    RETURN t;
  END IF;
  IF t.state = 'book_quick' THEN
    -- #Name#DDMMYYYY#DDMMYYYY: name, birth date and day in one message
    m := pg_catalog.regexp_match(t.txt, '^#([^#]+)#([0-9]{8})#([0-9]{8})$');
    t.context := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', pg_catalog.btrim(m[1]),
                   'birth', passport.parse_day(m[2]), 'visit_date', passport.parse_day(m[3])));
    t.state := 'book_office';
    t.reply := passport.bot_say('ask_office', lang);
    RETURN t;
  END IF;

  IF t.state = 'book_office' THEN
    IF t.pick IS NOT NULL AND t.context ? 'office_choices'
       AND t.pick BETWEEN 1 AND pg_catalog.jsonb_array_length(t.context -> 'office_choices') THEN
      v_code := t.context -> 'office_choices' ->> (t.pick - 1);
    ELSE
      n := 0;
      FOR r IN SELECT o.code, o.name FROM passport.office o
                WHERE o.active AND t.txt <> ''
                  AND (o.code = pg_catalog.upper(t.txt)
                       OR o.name ILIKE '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(t.txt, '\', '\\'), '%', '\%'), '_', '\_') || '%'
                       OR o.city ILIKE '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(t.txt, '\', '\\'), '%', '\%'), '_', '\_') || '%')
                ORDER BY (o.code = pg_catalog.upper(t.txt)) DESC, o.code LIMIT 5 LOOP
        n := n + 1;
        v_items := v_items || r.code;
        v_list := v_list || n || ' ' || r.name || ' (' || r.code || E')\n';
      END LOOP;
      IF n = 0 THEN
        t.reply := passport.bot_say('office_none', lang, pg_catalog.jsonb_build_object('query', pg_catalog.left(t.txt, 40)));
        RETURN t;
      ELSIF n > 1 AND v_items[1] <> pg_catalog.upper(t.txt) THEN
        t.context := t.context || pg_catalog.jsonb_build_object('office_choices', pg_catalog.to_jsonb(v_items));
        t.reply := passport.bot_say('office_choices', lang, pg_catalog.jsonb_build_object('list', pg_catalog.rtrim(v_list, E'\n')));
        t.choices := passport.bot_numbers(n);
        RETURN t;
      END IF;
      v_code := v_items[1];
    END IF;
    t.context := (t.context - 'office_choices') || pg_catalog.jsonb_build_object('office', v_code);
    t.state := 'book_service';
  END IF;

  IF t.state = 'book_service' AND t.context ? 'service' THEN
    t.state := 'book_date';
  ELSIF t.state = 'book_service' THEN
    SELECT * INTO svc FROM passport.bot_services(lang);
    IF t.pick BETWEEN 1 AND pg_catalog.cardinality(svc.codes) AND t.context ? 'asked_service' THEN
      t.context := (t.context - 'asked_service') || pg_catalog.jsonb_build_object('service', svc.codes[t.pick]);
      t.state := 'book_date';
    ELSE
      t.context := t.context || '{"asked_service": true}';
      t.reply := passport.bot_say('ask_service', lang, pg_catalog.jsonb_build_object('list', svc.list));
      t.choices := passport.bot_numbers(pg_catalog.cardinality(svc.codes));
      RETURN t;
    END IF;
  END IF;

  IF t.state = 'book_date' AND t.context ? 'visit_date' AND NOT t.context ? 'date_choices' THEN
    t.state := 'book_nik';
  ELSIF t.state = 'book_date' THEN
    IF t.context ? 'date_choices' THEN
      IF t.pick BETWEEN 1 AND pg_catalog.jsonb_array_length(t.context -> 'date_choices') THEN
        v_day := (t.context -> 'date_choices' ->> (t.pick - 1))::date;
      ELSE
        v_day := passport.parse_day(t.txt);
      END IF;
      IF v_day IS NULL THEN
        t.reply := passport.bot_say('bad_date', lang);
        RETURN t;
      END IF;
      t.context := (t.context - 'date_choices') || pg_catalog.jsonb_build_object('visit_date', v_day);
      t.state := 'book_nik';
    ELSE
      SELECT * INTO r FROM passport.bot_dates(t.context ->> 'office', lang);
      IF pg_catalog.jsonb_array_length(r.items) = 0 THEN
        t.state := 'menu'; t.context := passport.bot_kept(t.context);
        t.reply := passport.bot_say('no_dates', lang, pg_catalog.jsonb_build_object('office', r.office_name));
        RETURN t;
      END IF;
      t.context := t.context || pg_catalog.jsonb_build_object('date_choices', r.items);
      t.reply := passport.bot_say('ask_date', lang, pg_catalog.jsonb_build_object('office', r.office_name, 'list', r.list));
      t.choices := passport.bot_numbers(pg_catalog.jsonb_array_length(r.items));
      RETURN t;
    END IF;
  END IF;

  IF t.state = 'book_nik' AND t.context ? 'nik' THEN
    t.state := 'book_name';
  ELSIF t.state = 'book_nik' THEN
    IF t.context ? 'asked_nik' THEN
      v_reason := passport.nik_problem(t.txt);
      IF v_reason IS NOT NULL THEN
        t.reply := passport.bot_say('bad_nik', lang, pg_catalog.jsonb_build_object('reason', v_reason));
        RETURN t;
      END IF;
      t.context := (t.context - 'asked_nik') || pg_catalog.jsonb_build_object('nik', (passport.nik_parts(t.txt)).digits);
      t.state := 'book_name';
    ELSE
      t.context := t.context || '{"asked_nik": true}';
      t.reply := passport.bot_say('ask_nik', lang);
      RETURN t;
    END IF;
  END IF;

  IF t.state = 'book_name' AND t.context ? 'name' THEN
    t.state := 'book_birth';
  ELSIF t.state = 'book_name' THEN
    IF t.context ? 'asked_name' AND pg_catalog.length(t.txt) BETWEEN 2 AND 100 AND t.txt ~ '^[[:alpha:] .''-]+$' THEN
      t.context := (t.context - 'asked_name') || pg_catalog.jsonb_build_object('name', t.txt);
      t.state := 'book_birth';
    ELSE
      t.context := t.context || '{"asked_name": true}';
      t.reply := passport.bot_say('ask_name', lang);
      RETURN t;
    END IF;
  END IF;

  IF t.state = 'book_birth' AND t.context ? 'birth' AND NOT t.context ? 'asked_birth' THEN
    IF (passport.nik_parts(t.context ->> 'nik')).birth_date IS DISTINCT FROM (t.context ->> 'birth')::date THEN
      t.context := (t.context - 'birth') || '{"asked_birth": true}';
      t.reply := passport.bot_say('bad_birth', lang);
      RETURN t;
    END IF;
    t.state := 'book_confirm';
  ELSIF t.state = 'book_birth' THEN
    IF t.context ? 'asked_birth' THEN
      v_day := passport.parse_day(t.txt);
      IF v_day IS NULL OR (passport.nik_parts(t.context ->> 'nik')).birth_date IS DISTINCT FROM v_day THEN
        t.reply := passport.bot_say('bad_birth', lang);
        RETURN t;
      END IF;
      t.context := (t.context - 'asked_birth') || pg_catalog.jsonb_build_object('birth', v_day);
      t.state := 'book_confirm';
    ELSE
      t.context := t.context || '{"asked_birth": true}';
      t.reply := passport.bot_say('ask_birth', lang);
      RETURN t;
    END IF;
  END IF;

  -- book_confirm
  IF t.context ? 'asked_confirm' AND t.pick = 1 THEN
    BEGIN
      SELECT * INTO r FROM passport.bot_book(t);
      t.reply := passport.bot_say('booked', lang, pg_catalog.jsonb_build_object(
                   'number', (r.booking).reservation_number,
                   'date', pg_catalog.to_char((r.booking).local_date, 'DD-MM-YYYY'),
                   'time', pg_catalog.to_char((r.booking).start_time, 'HH24:MI'),
                   'office', r.office_name, 'address', coalesce(r.office_address, '')));
      t.context := pg_catalog.jsonb_build_object('last_reservation', (r.booking).reservation_number);
    EXCEPTION WHEN OTHERS THEN
      v_state := SQLSTATE;
      v_reason := passport.bot_failure(t, v_state, SQLERRM);
      t.reply := passport.bot_say('booking_failed', lang, pg_catalog.jsonb_build_object('reason', v_reason));
      t.context := t.context - 'asked_confirm';
      IF v_state IN ('PP001', 'PP002') THEN
        -- offer other days at once
        SELECT * INTO r FROM passport.bot_dates(t.context ->> 'office', lang);
        IF pg_catalog.jsonb_array_length(r.items) > 0 THEN
          t.state := 'book_date';
          t.context := (t.context - 'visit_date') || pg_catalog.jsonb_build_object('date_choices', r.items);
          t.reply := t.reply || E'\n\n' || passport.bot_say('ask_date', lang,
                       pg_catalog.jsonb_build_object('office', r.office_name, 'list', r.list));
          t.choices := passport.bot_numbers(pg_catalog.jsonb_array_length(r.items));
          RETURN t;
        END IF;
      END IF;
    END;
    -- booked, or failed for good: back to the menu; a failed attempt keeps
    -- its fields, so that choosing 1 again asks only what is missing
    t.state := 'menu';
    t.context := t.context - 'asked_confirm';
    RETURN t;
  ELSIF t.context ? 'asked_confirm' AND t.pick = 2 THEN
    t.state := 'menu'; t.context := passport.bot_kept(t.context);
    t.reply := passport.bot_say('booking_aborted', lang);
    RETURN t;
  END IF;
  t.state := 'book_confirm';
  t.context := t.context || '{"asked_confirm": true}';
  t.reply := passport.bot_say('confirm', lang, pg_catalog.jsonb_build_object(
               'office', (SELECT o.name FROM passport.office o WHERE o.code = t.context ->> 'office'),
               'service', passport.service_name(t.context ->> 'service', lang),
               'date', pg_catalog.to_char((t.context ->> 'visit_date')::date, 'DD-MM-YYYY'), 'nik', t.context ->> 'nik',
               'name', t.context ->> 'name', 'birth', pg_catalog.to_char((t.context ->> 'birth')::date, 'DD-MM-YYYY')));
  t.choices := ARRAY['1', '2'];
  RETURN t;
END;
$$;
COMMENT ON FUNCTION passport.bot_booking(passport.bot_turn) IS
  'The booking flow of the conversation engine: office (by code, name or city), service, day (offered or typed), NIK, name, birth date, confirmation, then passport.reserve; a full or closed day offers other days at once.';
REVOKE ALL ON FUNCTION passport.bot_booking(passport.bot_turn) FROM PUBLIC;

--------------------------------------------------------------------------
-- Flow: status, cancel, reschedule (a number the person holds)
--------------------------------------------------------------------------

CREATE FUNCTION passport.bot_reservation(t passport.bot_turn)
  RETURNS passport.bot_turn
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  lang text := t.language;
  st record;
  v_day date;
  v_code text;
  v_limited boolean := false;
  v_found boolean := false;
  moved passport.booking;
BEGIN
  -- status: by application or reservation number; the sender is the second
  -- factor, else the birth date
  IF t.state = 'status' THEN
    t.state := 'status_number'; t.reply := passport.bot_say('ask_number', lang);
    RETURN t;
  END IF;
  IF t.state = 'status_number' THEN
    IF t.txt = '' THEN
      t.reply := passport.bot_say('ask_number', lang);
      RETURN t;
    END IF;
    BEGIN
      SELECT * INTO st FROM passport.application_status(t.txt, sender => t.sender, language => lang);
    EXCEPTION WHEN SQLSTATE 'PP017' THEN
      t.state := 'menu'; t.reply := passport.bot_say('rate_limited', lang);
      RETURN t;
    WHEN OTHERS THEN
      IF NOT passport.bot_expected(SQLSTATE) THEN
        PERFORM passport.note_conversation_error(t.state, SQLSTATE, t.now);
      END IF;
      t.reply := passport.bot_say('status_not_found', lang) || E'\n' || passport.bot_say('ask_number', lang);
      RETURN t;
    END;
    IF st.status = 'not_found' THEN
      t.state := 'status_birth'; t.context := pg_catalog.jsonb_build_object('status_number', t.txt);
      t.reply := passport.bot_say('ask_status_birth', lang);
      RETURN t;
    END IF;
    t.state := 'menu';
    t.reply := passport.bot_say('status', lang, pg_catalog.jsonb_build_object('applicant', st.applicant,
                 'label', st.label, 'next_step', st.next_step,
                 'extra', coalesce(E'\n' || st.payment_instructions, '')));
    RETURN t;
  END IF;
  IF t.state = 'status_birth' THEN
    v_day := passport.parse_day(t.txt);
    IF v_day IS NOT NULL THEN
      BEGIN
        -- the sender is passed too: the lookup counts against it
        SELECT * INTO st FROM passport.application_status(t.context ->> 'status_number', sender => t.sender,
                                                           birth_date => v_day, language => lang);
        v_found := st.status <> 'not_found';
      EXCEPTION WHEN SQLSTATE 'PP017' THEN
        v_limited := true;
      WHEN OTHERS THEN
        IF NOT passport.bot_expected(SQLSTATE) THEN
          PERFORM passport.note_conversation_error(t.state, SQLSTATE, t.now);
        END IF;
      END;
    END IF;
    t.state := 'menu';
    t.context := passport.bot_kept(t.context);
    IF v_limited THEN
      t.reply := passport.bot_say('rate_limited', lang);
    ELSIF NOT v_found THEN
      -- no date, an unknown number or a wrong birth date answer alike
      t.reply := passport.bot_say('status_not_found', lang);
    ELSE
      t.reply := passport.bot_say('status', lang, pg_catalog.jsonb_build_object('applicant', st.applicant,
                   'label', st.label, 'next_step', st.next_step,
                   'extra', coalesce(E'\n' || st.payment_instructions, '')));
    END IF;
    RETURN t;
  END IF;

  -- cancel: the reservation this conversation made (#batal), or a number
  IF t.state = 'cancel' THEN
    t.state := 'cancel_number';
    IF NOT t.context ? 'last_reservation' THEN
      t.reply := passport.bot_say('ask_cancel_number', lang);
      RETURN t;
    END IF;
    t.txt := t.context ->> 'last_reservation';
  END IF;
  IF t.state = 'cancel_number' THEN
    BEGIN
      v_code := passport.bot_cancel(t.txt, t.sender);
      t.reply := passport.bot_say('cancelled', lang, pg_catalog.jsonb_build_object('number', v_code));
      t.context := t.context - 'last_reservation';
    EXCEPTION WHEN OTHERS THEN
      t.reply := passport.bot_say('action_failed', lang, pg_catalog.jsonb_build_object('reason',
                   passport.bot_failure(t, SQLSTATE, passport.bot_say('unknown', lang))));
    END;
    t.state := 'menu';
    RETURN t;
  END IF;

  -- reschedule: the reservation this conversation made (#ubah), or a number
  IF t.state = 'resched' THEN
    IF t.context ? 'last_reservation' THEN
      t.state := 'resched_date';
      t.reply := passport.bot_say('ask_new_date', lang, pg_catalog.jsonb_build_object('number', t.context ->> 'last_reservation'));
    ELSE
      t.state := 'resched_number';
      t.reply := passport.bot_say('ask_number', lang);
    END IF;
    RETURN t;
  END IF;
  IF t.state = 'resched_number' THEN
    IF NOT passport.is_reservation_number(t.txt) THEN
      t.reply := passport.bot_say('action_failed', lang, pg_catalog.jsonb_build_object('reason', passport.bot_say('reason_PP101', lang)));
      t.state := 'menu';
      RETURN t;
    END IF;
    t.context := t.context || pg_catalog.jsonb_build_object('last_reservation', passport.normalize_reservation_number(t.txt));
    t.state := 'resched_date';
    t.reply := passport.bot_say('ask_new_date', lang, pg_catalog.jsonb_build_object('number', t.context ->> 'last_reservation'));
    RETURN t;
  END IF;
  -- resched_date
  v_day := passport.parse_day(t.txt);
  IF v_day IS NULL THEN
    t.reply := passport.bot_say('bad_date', lang);
    RETURN t;
  END IF;
  BEGIN
    moved := passport.bot_move(t.context ->> 'last_reservation', v_day, t.sender);
    t.reply := passport.bot_say('rescheduled', lang, pg_catalog.jsonb_build_object('number', moved.reservation_number,
                 'date', pg_catalog.to_char(moved.local_date, 'DD-MM-YYYY'), 'time', pg_catalog.to_char(moved.start_time, 'HH24:MI')));
  EXCEPTION WHEN OTHERS THEN
    t.reply := passport.bot_say('action_failed', lang, pg_catalog.jsonb_build_object('reason',
                 passport.bot_failure(t, SQLSTATE, passport.bot_say('unknown', lang))));
  END;
  t.state := 'menu';
  RETURN t;
END;
$$;
COMMENT ON FUNCTION passport.bot_reservation(passport.bot_turn) IS
  'The flow of a number the person holds: status (application or reservation number; the sender as second factor, else the birth date), cancel (#batal) and reschedule (#ubah), the booking of this conversation by default.';
REVOKE ALL ON FUNCTION passport.bot_reservation(passport.bot_turn) FROM PUBLIC;

--------------------------------------------------------------------------
-- Flow: information (payment, requirements, pickup)
--------------------------------------------------------------------------

-- A sender's applications that the bot tells about by the sender's
-- number alone, whatever the office: a passport ready for pickup, an
-- application awaiting its payment. Without it each such question read
-- every ready or open application of the country.
CREATE INDEX application_sender_due ON passport.application (sender)
  WHERE status IN ('ready', 'awaiting_payment');

CREATE FUNCTION passport.bot_information(t passport.bot_turn)
  RETURNS passport.bot_turn
  LANGUAGE plpgsql STABLE
AS $$
DECLARE
  lang text := t.language;
  r record;
  svc record;
BEGIN
  IF t.state = 'payment' THEN
    -- how to pay, and the sender's open billing if any
    t.state := 'menu';
    t.reply := passport.bot_say('payment', lang);
    SELECT b.billing_code, b.amount, b.expires_at, o.time_zone INTO r
      FROM passport.application a
      JOIN passport.billing b ON b.office_id = a.office_id AND b.application_number = a.application_number
      JOIN passport.office o ON o.office_id = a.office_id
     WHERE a.sender = t.sender AND a.status = 'awaiting_payment'   -- (a billing is open only then)
       AND b.status = 'open' AND b.expires_at > t.now
     ORDER BY b.expires_at LIMIT 1;
    IF FOUND THEN
      t.reply := t.reply || passport.bot_say('payment_open', lang, pg_catalog.jsonb_build_object('code', r.billing_code,
                   'amount', pg_catalog.to_char(r.amount, 'FM999G999G999'),
                   'deadline', pg_catalog.to_char(r.expires_at AT TIME ZONE r.time_zone, 'YYYY-MM-DD HH24:MI')));
    END IF;
    RETURN t;
  END IF;
  IF t.state = 'pickup' THEN
    -- how pickup works, and the sender's passport ready for pickup if any
    t.state := 'menu';
    t.reply := passport.bot_say('pickup', lang);
    SELECT a.application_number, o.name, a.pickup_until INTO r
      FROM passport.application a JOIN passport.office o ON o.office_id = a.office_id
     WHERE a.sender = t.sender AND a.status = 'ready' ORDER BY a.status_at DESC LIMIT 1;
    IF FOUND THEN
      t.reply := t.reply || passport.bot_say('pickup_ready', lang, pg_catalog.jsonb_build_object('number', r.application_number,
                   'office', r.name, 'until', r.pickup_until));
    END IF;
    RETURN t;
  END IF;
  SELECT * INTO svc FROM passport.bot_services(lang);
  IF t.state = 'requirements' THEN
    t.state := 'req_service';
    t.reply := passport.bot_say('ask_requirements', lang, pg_catalog.jsonb_build_object('list', svc.list));
    t.choices := passport.bot_numbers(pg_catalog.cardinality(svc.codes));
    RETURN t;
  END IF;
  -- req_service
  IF t.pick BETWEEN 1 AND pg_catalog.cardinality(svc.codes) THEN
    t.state := 'menu';
    t.reply := passport.info_text('requirements', svc.codes[t.pick], lang);
  ELSE
    t.reply := passport.bot_say('unknown', lang);
  END IF;
  RETURN t;
END;
$$;
COMMENT ON FUNCTION passport.bot_information(passport.bot_turn) IS
  'The information flow of the conversation engine: how to pay (with the sender''s open billing), requirements per service (passport.info), how pickup works (with the sender''s ready passport).';
REVOKE ALL ON FUNCTION passport.bot_information(passport.bot_turn) FROM PUBLIC;

--------------------------------------------------------------------------
-- Flow: appreciation and aspirations
--------------------------------------------------------------------------

CREATE FUNCTION passport.bot_feedback(t passport.bot_turn)
  RETURNS passport.bot_turn
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  lang text := t.language;
  v_office bigint;
  v_rating integer;
BEGIN
  IF t.state = 'feedback' THEN
    t.state := 'fb_text'; t.context := passport.bot_kept(t.context);
    t.reply := passport.bot_say('ask_feedback', lang);
    RETURN t;
  END IF;
  IF t.state = 'fb_text' THEN
    IF t.txt = '' THEN
      t.reply := passport.bot_say('ask_feedback', lang);
      RETURN t;
    END IF;
    t.context := pg_catalog.jsonb_build_object('feedback', pg_catalog.left(t.txt, 1000));
    t.state := 'fb_rating'; t.reply := passport.bot_say('ask_rating', lang);
    t.choices := passport.bot_numbers(5) || '-'::text;
    RETURN t;
  END IF;
  IF t.state = 'fb_rating' THEN
    IF t.low = '-' OR t.pick BETWEEN 1 AND 5 THEN
      t.context := t.context || pg_catalog.jsonb_build_object('rating', CASE WHEN t.pick BETWEEN 1 AND 5 THEN t.pick END);
      t.state := 'fb_office'; t.reply := passport.bot_say('ask_feedback_office', lang);
    ELSE
      t.reply := passport.bot_say('ask_rating', lang);
    END IF;
    RETURN t;
  END IF;
  -- fb_office
  SELECT o.office_id INTO v_office FROM passport.office o WHERE o.code = pg_catalog.upper(t.txt);
  IF t.low <> '-' AND v_office IS NULL THEN
    t.reply := passport.bot_say('ask_feedback_office', lang);
    RETURN t;
  END IF;
  -- the sender only as a keyed pseudonym of its own purpose
  v_rating := (t.context ->> 'rating')::integer;
  INSERT INTO passport.feedback (office_id, channel, sender_hash, category, rating, body, created_at)
  VALUES (v_office, t.channel, passport.keyed_hash('feedback_sender', t.sender),
          CASE WHEN v_rating >= 4 THEN 'appreciation' WHEN v_rating <= 2 THEN 'complaint' ELSE 'aspiration' END,
          v_rating, t.context ->> 'feedback', t.now);
  t.state := 'menu'; t.context := passport.bot_kept(t.context);
  t.reply := passport.bot_say('thanks_feedback', lang);
  RETURN t;
END;
$$;
COMMENT ON FUNCTION passport.bot_feedback(passport.bot_turn) IS
  'The appreciation and aspirations flow: text, rating (1-5 or -), office (code or -), stored in passport.feedback with the sender as passport.keyed_hash(''feedback_sender'', sender).';
REVOKE ALL ON FUNCTION passport.bot_feedback(passport.bot_turn) FROM PUBLIC;

--------------------------------------------------------------------------
-- The dispatcher
--------------------------------------------------------------------------

-- The flow that owns a state (entry states included); NULL: the menu.
CREATE FUNCTION passport.bot_flow(state text)
  RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE
           WHEN state IN ('book', 'book_quick', 'book_office', 'book_service', 'book_date', 'book_nik',
                          'book_name', 'book_birth', 'book_confirm') THEN 'booking'
           WHEN state IN ('status', 'status_number', 'status_birth', 'cancel', 'cancel_number',
                          'resched', 'resched_number', 'resched_date') THEN 'reservation'
           WHEN state IN ('payment', 'requirements', 'req_service', 'pickup') THEN 'information'
           WHEN state IN ('feedback', 'fb_text', 'fb_rating', 'fb_office') THEN 'feedback'
         END
$$;
COMMENT ON FUNCTION passport.bot_flow(text) IS
  'The flow that owns a conversation state: booking, reservation (status, cancel, reschedule), information (payment, requirements, pickup) or feedback; NULL for the menu and unknown states.';
REVOKE ALL ON FUNCTION passport.bot_flow(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION passport.bot_step(channel text, sender text, message_id text, body text,
                                             now timestamptz, INOUT state text, INOUT language text,
                                             INOUT context jsonb, OUT reply text, OUT choices text[])
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  t passport.bot_turn;
  cmd text;
  entry text;
BEGIN
  t.channel := channel; t.sender := sender; t.message_id := message_id; t.now := now;
  t.txt := pg_catalog.btrim(body);
  t.low := pg_catalog.lower(t.txt);
  t.pick := CASE WHEN t.low ~ '^[0-9]{1,2}$' THEN t.low::integer END;
  t.state := state; t.language := language; t.context := context;

  -- commands that work at any step
  cmd := passport.bot_command(t.low);
  IF cmd = 'menu' THEN
    t := passport.bot_menu(t);
  ELSIF cmd IN ('en', 'id') THEN
    t.language := cmd;
    t := passport.bot_menu(t);
    t.reply := passport.bot_say('language_set', t.language) || E'\n\n' || t.reply;
  ELSE
    -- shortcuts the service's users know enter a flow from any step
    IF pg_catalog.regexp_replace(t.txt, '[\s.-]', '', 'g') ~ '^[0-9]{16}$' AND t.state <> 'book_nik' THEN
      t.state := 'status_number';
    ELSIF cmd IS NOT NULL THEN
      t.state := cmd;
    ELSIF t.txt ~ '^#[^#]{2,100}#[0-9]{8}#[0-9]{8}$' THEN
      t.state := 'book_quick';
    ELSIF t.state = 'menu' THEN
      -- the menu: a number starts its flow, anything else shows it again
      entry := (passport.bot_menu_entries())[t.pick];
      t.state := coalesce(entry, 'menu');
    END IF;
    t := CASE passport.bot_flow(t.state)
           WHEN 'booking' THEN passport.bot_booking(t)
           WHEN 'reservation' THEN passport.bot_reservation(t)
           WHEN 'information' THEN passport.bot_information(t)
           WHEN 'feedback' THEN passport.bot_feedback(t)
           ELSE passport.bot_menu(t, reset => t.state <> 'menu')
         END;
  END IF;
  state := t.state; language := t.language; context := t.context;
  reply := t.reply; choices := t.choices;
END;
$$;
COMMENT ON FUNCTION passport.bot_step(text, text, text, text, timestamptz, text, text, jsonb) IS
  'One step of the dialogue (used by handle_message): commands that work at any step (menu, language, shortcuts), then the flow that owns the state (passport.bot_flow) answers and moves it.';

--------------------------------------------------------------------------
-- handle_message: one answer per message, message ids scoped to the sender
--------------------------------------------------------------------------

-- A message id is chosen by the sender's client: a redelivery is the same
-- (channel, sender, message_id), and another sender's message with the same
-- id is a message of its own. The key of 0.1, (channel, message_id), is a
-- subset of this one, so the rows there already are unique under it; the
-- key includes the sender, by which the table is distributable.
ALTER TABLE passport.inbound_message DROP CONSTRAINT inbound_message_pkey;
ALTER TABLE passport.inbound_message
  ADD CONSTRAINT inbound_message_pkey PRIMARY KEY (channel, sender, message_id);
COMMENT ON TABLE passport.inbound_message IS
  'Each inbound message once per channel, sender and message id (webhooks deliver at least once; message ids are the sender''s own): a redelivery gets the stored reply and has no second effect.';

CREATE OR REPLACE FUNCTION passport.handle_message(channel text, sender text, message_id text, body text)
  RETURNS passport.bot_reply
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  ch text := pg_catalog.lower(pg_catalog.left(pg_catalog.btrim(coalesce(channel, '')), 20));
  who text := pg_catalog.left(pg_catalog.btrim(coalesce(sender, '')), 64);
  msg text := pg_catalog.left(pg_catalog.btrim(coalesce(message_id, '')), 200);
  txt text;
  c passport.conversation;
  stored passport.inbound_message;
  s record;
  result passport.bot_reply;
BEGIN
  IF ch = '' OR who = '' OR msg = '' THEN
    RAISE EXCEPTION 'channel, sender and message_id are required'
      USING ERRCODE = '22004', DETAIL = 'The adapter must pass the channel, the sender and the message id.';
  END IF;
  IF ch IN ('whatsapp', 'sms') AND who ~ '^[+0-9() .-]+$' THEN
    BEGIN
      who := passport.normalize_phone(who);
    EXCEPTION WHEN OTHERS THEN
      NULL;
    END;
  END IF;

  -- the sender's conversation, locked: messages of one sender (and
  -- redeliveries of one message) are handled one at a time
  SELECT * INTO c FROM passport.conversation x WHERE x.channel = ch AND x.sender = who FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO passport.conversation AS x (channel, sender, updated_at, window_start)
    VALUES (ch, who, t, t)
    ON CONFLICT ON CONSTRAINT conversation_pkey DO NOTHING;
    SELECT * INTO c FROM passport.conversation x WHERE x.channel = ch AND x.sender = who FOR UPDATE;
  END IF;

  -- a redelivered message gets the original reply and has no second effect
  SELECT * INTO stored FROM passport.inbound_message m
   WHERE m.channel = ch AND m.sender = who AND m.message_id = msg;
  IF FOUND THEN
    RETURN (stored.reply, stored.choices, true)::passport.bot_reply;
  END IF;

  -- what a person typed: no control characters, at most 2000 characters
  txt := pg_catalog.btrim(pg_catalog.regexp_replace(pg_catalog.left(coalesce(body, ''), 2000),
                                                    '[\x01-\x09\x0b-\x1f\x7f]', ' ', 'g'));

  IF c.window_start <= t - interval '1 minute' THEN
    c.window_start := t;
    c.messages := 0;
  END IF;
  c.messages := c.messages + 1;
  IF c.updated_at < t - pg_catalog.current_setting('passport.conversation_timeout')::interval THEN
    c.state := 'menu';
    c.context := passport.bot_kept(c.context);
  END IF;

  IF c.messages > 20 THEN
    result := (passport.bot_say('rate_limited', c.language), NULL, false);
  ELSE
    BEGIN
      SELECT * INTO s FROM passport.bot_step(ch, who, msg, txt, t, c.state, c.language, c.context);
      c.state := s.state;
      c.language := s.language;
      c.context := s.context;
      result := (s.reply, s.choices, false);
    EXCEPTION WHEN OTHERS THEN
      -- nothing a person types raises here; anything that does is a fault:
      -- counted and logged with the step, the person gets an apology
      PERFORM passport.note_conversation_error(c.state, SQLSTATE, t);
      c.state := 'menu';
      c.context := passport.bot_kept(c.context);
      result := (passport.bot_say('error', c.language) || E'\n\n' || passport.bot_say('menu', c.language), NULL, false);
    END;
  END IF;

  UPDATE passport.conversation x
     SET state = c.state, language = c.language, context = c.context, updated_at = t,
         window_start = c.window_start, messages = c.messages
   WHERE x.channel = ch AND x.sender = who;
  INSERT INTO passport.inbound_message (channel, message_id, sender, received_at, reply, choices)
  VALUES (ch, msg, who, t, result.reply, result.choices)
  ON CONFLICT ON CONSTRAINT inbound_message_pkey DO NOTHING;
  IF NOT FOUND THEN
    -- cannot happen while the conversation row is locked; if it did, the
    -- message stored first (by this same sender) answers
    SELECT * INTO stored FROM passport.inbound_message m
     WHERE m.channel = ch AND m.sender = who AND m.message_id = msg;
    RETURN (stored.reply, stored.choices, true)::passport.bot_reply;
  END IF;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.handle_message(text, text, text, text) IS
  'The WhatsApp-style menu bot: the reply (and choices) to one inbound message. Idempotent on (channel, sender, message_id): message ids are the sender''s own. Never raises on what a person types; an unexpected error is counted in passport.conversation_error and answered with an apology. Per-sender rate limit; conversations expire after passport.conversation_timeout.';
