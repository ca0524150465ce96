--------------------------------------------------------------------------
-- WhatsApp gateway: what the passport-whatsapp daemon calls. The daemon
-- parses, verifies, calls these functions and sends; every rule (replies
-- and their delivery, claims and leases, retries, template choice, what a
-- failed delivery does to a message) lives here.
--------------------------------------------------------------------------

-- Who holds a claim, and under which provider id a message went out.
-- claimed_role is the login that claimed (passport.calling_role()), so that
-- only that login can acknowledge or fail the claim; provider_message_id is
-- the id the messaging provider gave the message when it was accepted
-- (WhatsApp's wamid), so that a later delivery failure reported by the
-- provider can be recorded against it.
ALTER TABLE passport.outbox ADD COLUMN claimed_role name;
ALTER TABLE passport.outbox ADD COLUMN provider_message_id text;
CREATE INDEX outbox_provider_message ON passport.outbox (provider_message_id)
  WHERE provider_message_id IS NOT NULL;
-- A claim that ran out after the last allowed attempt is marked dead by
-- the claim that reaches it in the due order (claim_outbox), so claims need
-- no index of their own: a claim writes two index entries (primary key,
-- outbox_due), not three.
DROP INDEX passport.outbox_claimed;
COMMENT ON COLUMN passport.outbox.claimed_role IS
  'The login that holds (or last held) the claim; only it may acknowledge or fail the message.';
COMMENT ON COLUMN passport.outbox.provider_message_id IS
  'The provider''s id of the sent message (WhatsApp wamid), stored on acknowledgement; a delivery failure reported later is matched by it.';

-- The WhatsApp template of each outbox template, per language. Messages a
-- business starts (notifications) are accepted by WhatsApp outside the
-- 24-hour window of a conversation only as pre-approved templates: name,
-- language code and the body parameters {{1}}, {{2}}, ... which are taken
-- from the message's payload by key, in order. Shipped rows and
-- administrators' rows are kept apart (builtin is in the primary key), so
-- that a restore never collides with the rows CREATE EXTENSION ships; the
-- view shows the effective ones, the administrator's first.
CREATE TABLE passport.whatsapp_template_base (
  template      text    NOT NULL,
  language      text    NOT NULL,
  builtin       boolean NOT NULL DEFAULT false,
  name          text    NOT NULL,
  name_language text    NOT NULL,
  parameters    text[]  NOT NULL DEFAULT '{}',
  CONSTRAINT whatsapp_template_base_pkey PRIMARY KEY (template, language, builtin),
  CONSTRAINT whatsapp_template_base_language_known CHECK (language IN ('id', 'en')),
  CONSTRAINT whatsapp_template_base_name_valid CHECK (name ~ '^[a-z0-9_]+$' AND pg_catalog.length(name) <= 512),
  CONSTRAINT whatsapp_template_base_name_language_valid CHECK (name_language ~ '^[a-z]{2,3}(_[A-Z]{2})?$'),
  CONSTRAINT whatsapp_template_base_parameters_valid CHECK (
    pg_catalog.cardinality(parameters) <= 20
    AND pg_catalog.array_position(parameters, NULL) IS NULL
    AND pg_catalog.array_to_string(parameters, ',') ~ '^([a-z_][a-z0-9_]*(,[a-z_][a-z0-9_]*)*)?$')
);
COMMENT ON TABLE passport.whatsapp_template_base IS
  'The WhatsApp template (name, language code, body parameters as payload keys in the order {{1}}, {{2}}, ...) of each outbox template in each language: shipped rows (builtin) and administrators'' rows, which override them. passport.whatsapp_template shows the effective ones. Edited through set_whatsapp_template and remove_whatsapp_template; pg_dump keeps the administrators'' rows.';
COMMENT ON COLUMN passport.whatsapp_template_base.builtin IS
  'True for the rows CREATE EXTENSION ships (never dumped, never edited), false for an administrator''s.';
REVOKE ALL ON passport.whatsapp_template_base FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.whatsapp_template_base', 'WHERE NOT builtin');

INSERT INTO passport.whatsapp_template_base (template, language, builtin, name, name_language, parameters)
SELECT v.template, l.language, true, 'passport_' || v.template, l.language,
       CASE WHEN l.language = 'id' AND v.template = 'pickup_deadline'
            THEN ARRAY['application_number', 'pickup_until', 'office'] ELSE v.parameters END
  FROM (VALUES
    ('reservation_confirmed',  ARRAY['office', 'reservation_number', 'date', 'time']),
    ('visit_reminder',         ARRAY['date', 'time', 'office', 'reservation_number']),
    ('billing_issued',         ARRAY['billing_code', 'amount', 'expires_at']),
    ('billing_expiring',       ARRAY['billing_code', 'amount', 'expires_at']),
    ('status_incomplete',      ARRAY['application_number', 'office']),
    ('status_approved',        ARRAY['application_number', 'promised_ready_on']),
    ('status_rejected',        ARRAY['application_number', 'office']),
    ('status_cancelled',       ARRAY['application_number']),
    ('status_payment_expired', ARRAY['application_number']),
    ('status_forfeited',       ARRAY['application_number']),
    ('passport_ready',         ARRAY['application_number', 'office', 'pickup_until']),
    ('pickup_deadline',        ARRAY['application_number', 'office', 'pickup_until']),
    ('status_uncollected',     ARRAY['application_number'])) AS v(template, parameters),
       (VALUES ('id'), ('en')) AS l(language);

CREATE VIEW passport.whatsapp_template AS
  SELECT t.template, t.language, t.name, t.name_language, t.parameters
    FROM passport.whatsapp_template_base t
   WHERE NOT t.builtin
      OR NOT EXISTS (SELECT 1 FROM passport.whatsapp_template_base a
                      WHERE a.template = t.template AND a.language = t.language AND NOT a.builtin);
COMMENT ON VIEW passport.whatsapp_template IS
  'The WhatsApp template of each outbox template in each language (the effective rows of passport.whatsapp_template_base).';
REVOKE ALL ON passport.whatsapp_template FROM PUBLIC;

-- The few texts the WhatsApp channel adds to the dialogue's own, kept the
-- same way.
CREATE TABLE passport.whatsapp_text_base (
  key      text    NOT NULL,
  language text    NOT NULL,
  builtin  boolean NOT NULL DEFAULT false,
  body     text    NOT NULL,
  CONSTRAINT whatsapp_text_base_pkey PRIMARY KEY (key, language, builtin),
  CONSTRAINT whatsapp_text_base_language_known CHECK (language IN ('id', 'en')),
  CONSTRAINT whatsapp_text_base_key_known CHECK (key IN ('please_type', 'choose')),
  CONSTRAINT whatsapp_text_base_body_valid CHECK (pg_catalog.length(body) BETWEEN 1 AND 1000
    AND (key <> 'choose' OR pg_catalog.length(body) <= 20))
);
COMMENT ON TABLE passport.whatsapp_text_base IS
  'Texts of the WhatsApp channel per language (please_type answers a message the bot cannot read: image, audio, location, sticker...; choose labels the button that opens a list of choices, 20 characters at most): shipped rows (builtin) and administrators'' rows, which override them. passport.whatsapp_text shows the effective ones. Edited through set_whatsapp_text and remove_whatsapp_text; pg_dump keeps the administrators'' rows.';
COMMENT ON COLUMN passport.whatsapp_text_base.builtin IS
  'True for the rows CREATE EXTENSION ships (never dumped, never edited), false for an administrator''s.';
REVOKE ALL ON passport.whatsapp_text_base FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.whatsapp_text_base', 'WHERE NOT builtin');
INSERT INTO passport.whatsapp_text_base (key, language, builtin, body) VALUES
  ('please_type', 'id', true, 'Maaf, kami hanya dapat membaca pesan teks. Silakan ketik pesan Anda, atau ketik 0 untuk menu.'),
  ('please_type', 'en', true, 'Sorry, I can only read text messages. Please type your message, or type 0 for the menu.'),
  ('choose', 'id', true, 'Pilih'),
  ('choose', 'en', true, 'Choose');

CREATE VIEW passport.whatsapp_text AS
  SELECT t.key, t.language, t.body
    FROM passport.whatsapp_text_base t
   WHERE NOT t.builtin
      OR NOT EXISTS (SELECT 1 FROM passport.whatsapp_text_base a
                      WHERE a.key = t.key AND a.language = t.language AND NOT a.builtin);
COMMENT ON VIEW passport.whatsapp_text IS
  'The texts of the WhatsApp channel per language (the effective rows of passport.whatsapp_text_base).';
REVOKE ALL ON passport.whatsapp_text FROM PUBLIC;

CREATE FUNCTION passport.whatsapp_say(key text, language text)
  RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  body text;
BEGIN
  -- plpgsql keeps the plan of this lookup across calls
  SELECT t.body INTO body FROM passport.whatsapp_text t
   WHERE t.key = whatsapp_say.key AND t.language IN (whatsapp_say.language, 'id')
   ORDER BY t.language = whatsapp_say.language DESC
   LIMIT 1;
  RETURN body;
END;
$$;
COMMENT ON FUNCTION passport.whatsapp_say(text, text) IS
  'A text of the WhatsApp channel in a language (Indonesian when missing).';
REVOKE ALL ON FUNCTION passport.whatsapp_say(text, text) FROM PUBLIC;

CREATE FUNCTION passport.choice_labels(reply text, choices text[])
  RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  labels text[] := choices;
  found boolean[];
  line text;
  token text;
  i integer;
BEGIN
  IF choices IS NULL OR pg_catalog.cardinality(choices) = 0 THEN
    RETURN choices;
  END IF;
  found := pg_catalog.array_fill(false, ARRAY[pg_catalog.cardinality(choices)]);
  -- one pass over the lines: "<choice><space . ) : or -><label>"
  FOREACH line IN ARRAY pg_catalog.string_to_array(coalesce(reply, ''), E'\n') LOOP
    line := pg_catalog.ltrim(line);
    token := pg_catalog.split_part(line, ' ', 1);
    i := pg_catalog.array_position(choices, pg_catalog.rtrim(token, '.):-'));
    IF i IS NULL OR found[i] THEN
      CONTINUE;
    END IF;
    line := pg_catalog.btrim(pg_catalog.ltrim(pg_catalog.substr(line, pg_catalog.length(pg_catalog.rtrim(token, '.):-')) + 1), ' .):-'));
    IF line <> '' THEN
      labels[i] := line;
      found[i] := true;
    END IF;
  END LOOP;
  RETURN labels;
END;
$$;
COMMENT ON FUNCTION passport.choice_labels(text, text[]) IS
  'What each choice of a reply means: the rest of the reply''s first line that starts with the choice ("1 Reservasi antrean paspor" gives "Reservasi antrean paspor"), else the choice itself. Channels with buttons or lists show it.';
REVOKE ALL ON FUNCTION passport.choice_labels(text, text[]) FROM PUBLIC;

-- Replies on their way. The reply itself is stored with the inbound
-- message (passport.inbound_message); a row here says that the login which
-- received the message is sending it now, until its lease. Sent replies are
-- deleted (replies_sent, in batches); a reply whose first send fails, or
-- whose lease runs out because its gateway died, becomes an outbox message
-- (office 0: no office) and is retried, or dies, like every other one. The
-- table holds only what is in flight, a few rows.
CREATE SEQUENCE passport.reply_delivery_id_seq AS bigint;
COMMENT ON SEQUENCE passport.reply_delivery_id_seq IS 'Numbers replies on their way.';
REVOKE ALL ON SEQUENCE passport.reply_delivery_id_seq FROM PUBLIC;
CREATE TABLE passport.reply_delivery (
  delivery_id  bigint      NOT NULL DEFAULT pg_catalog.nextval('passport.reply_delivery_id_seq'),
  channel      text        NOT NULL,
  message_id   text        NOT NULL,
  recipient    text        NOT NULL,
  lease_until  timestamptz NOT NULL,
  claimed_by   text,
  claimed_role name        NOT NULL,
  CONSTRAINT reply_delivery_pkey PRIMARY KEY (delivery_id)
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_cost_delay = 0);
COMMENT ON TABLE passport.reply_delivery IS
  'Replies of the dialogue being sent by the login that received their message (reply text in inbound_message), until lease_until. Deleted when sent; moved to the outbox when the first send fails or the lease runs out. A queue table: vacuumed after every 1000 dead rows.';
REVOKE ALL ON passport.reply_delivery FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.reply_delivery', '');
SELECT pg_catalog.pg_extension_config_dump('passport.reply_delivery_id_seq', '');

-- One inbound WhatsApp message: the dialogue's reply, handed to the caller
-- to send, with a delivery row in the same transaction, so that nothing is
-- lost between the reply's commit and its delivery.
CREATE FUNCTION passport.receive_whatsapp_message(sender text, message_id text, kind text, body text,
                                                  worker text DEFAULT NULL,
                                                  lease interval DEFAULT '2 minutes',
                                                  OUT duplicate boolean, OUT delivery_id bigint,
                                                  OUT recipient text, OUT reply text, OUT choices text[],
                                                  OUT choice_labels text[], OUT choice_prompt text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  who text := left(btrim(coalesce(receive_whatsapp_message.sender, '')), 64);
  msg text := left(btrim(coalesce(receive_whatsapp_message.message_id, '')), 200);
  answer passport.bot_reply;
  lang text;
BEGIN
  IF lease IS NULL OR lease < interval '1 second' OR lease > interval '1 day' THEN
    RAISE EXCEPTION 'lease % is out of range', lease USING ERRCODE = '22023', DETAIL = 'A lease lasts 1 second to 1 day.';
  END IF;
  IF who = '' OR msg = '' THEN
    RAISE EXCEPTION 'channel, sender and message_id are required'
      USING ERRCODE = '22004', DETAIL = 'The adapter must pass the channel, the sender and the message id.';
  END IF;
  -- the sender as the dialogue knows it
  IF who ~ '^[+0-9() .-]+$' THEN
    BEGIN
      who := passport.normalize_phone(who);
    EXCEPTION WHEN OTHERS THEN
      NULL;
    END;
  END IF;
  duplicate := false;

  IF kind IN ('reaction', 'system') THEN
    -- a reaction to a message, or a notice about the account: no answer
    RETURN;
  ELSIF coalesce(kind, '') = 'text' THEN
    answer := passport.handle_message('whatsapp', receive_whatsapp_message.sender, msg, body);
  ELSE
    -- what the bot cannot read gets the polite "please type", once per
    -- message id, and leaves the dialogue where it was
    lang := coalesce((SELECT c.language FROM passport.conversation c
                       WHERE c.channel = 'whatsapp' AND c.sender = who), 'id');
    answer := (passport.whatsapp_say('please_type', lang), NULL, false);
    INSERT INTO passport.inbound_message AS m (channel, message_id, sender, received_at, reply, choices)
    VALUES ('whatsapp', msg, who, t, answer.reply, NULL)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      answer := (NULL, NULL, true);
    END IF;
  END IF;
  IF answer.duplicate OR answer.reply IS NULL THEN
    duplicate := true;
    RETURN;
  END IF;

  INSERT INTO passport.reply_delivery AS d (channel, message_id, recipient, lease_until, claimed_by, claimed_role)
  VALUES ('whatsapp', msg, who, t + lease, worker, passport.calling_role())
  RETURNING d.delivery_id INTO delivery_id;
  recipient := who;
  reply := answer.reply;
  IF answer.choices IS NOT NULL THEN
    IF lang IS NULL THEN
      lang := coalesce((SELECT c.language FROM passport.conversation c
                         WHERE c.channel = 'whatsapp' AND c.sender = who), 'id');
    END IF;
    choices := answer.choices;
    choice_labels := passport.choice_labels(answer.reply, answer.choices);
    choice_prompt := passport.whatsapp_say('choose', lang);
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.receive_whatsapp_message(text, text, text, text, text, interval) IS
  'One inbound WhatsApp message (kind text: the text or the id of the chosen button or list row; reactions and system notices get no answer; any other kind, such as image, audio, location or sticker, gets the please_type text once): the dialogue''s reply for the caller to send now, with what its choices mean, and a delivery id held by the calling login for lease, to end with replies_sent or reply_failed. A redelivered message (same id) returns duplicate and nothing to send.';
REVOKE ALL ON FUNCTION passport.receive_whatsapp_message(text, text, text, text, text, interval) FROM PUBLIC;

-- A reply that has not gone out becomes an outbox message of office 0, due
-- at once (its lease ran out: the gateway died) or after a backoff (its
-- first send failed).
CREATE FUNCTION passport.reply_to_outbox(d passport.reply_delivery, t timestamptz, status text,
                                         attempts integer, available_at timestamptz, error text)
  RETURNS bigint
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m passport.inbound_message;
  lang text;
  new_id bigint;
BEGIN
  SELECT * INTO m FROM passport.inbound_message x
   WHERE x.channel = d.channel AND x.message_id = d.message_id AND x.sender = d.recipient;
  IF NOT FOUND OR m.reply IS NULL THEN
    RETURN NULL;
  END IF;
  lang := coalesce((SELECT c.language FROM passport.conversation c
                     WHERE c.channel = d.channel AND c.sender = d.recipient), 'id');
  -- queued by the outbox's one writer (which also wakes the adapters),
  -- then given the attempt it is at
  PERFORM passport.enqueue_message(0, d.channel, d.recipient, 'reply', lang,
                                   CASE WHEN reply_to_outbox.status = 'dead' THEN '{}'::jsonb
                                        ELSE jsonb_build_object('reply', m.reply, 'choices', to_jsonb(m.choices)) END,
                                   'reply:' || d.delivery_id, t);
  UPDATE passport.outbox o
     SET status = reply_to_outbox.status, attempts = reply_to_outbox.attempts,
         available_at = reply_to_outbox.available_at, last_error = left(error, 500)
   WHERE o.office_id = 0 AND o.dedupe_key = 'reply:' || d.delivery_id
  RETURNING o.message_id INTO new_id;
  RETURN new_id;
END;
$$;
COMMENT ON FUNCTION passport.reply_to_outbox(passport.reply_delivery, timestamptz, text, integer, timestamptz, text) IS
  'Writes a reply on its way to the outbox as a message of office 0 with the given status (its text and choices from inbound_message, none when dead; its language from the conversation). Used by reply_failed and claim_whatsapp_messages; granted to no role.';
REVOKE ALL ON FUNCTION passport.reply_to_outbox(passport.reply_delivery, timestamptz, text, integer, timestamptz, text) FROM PUBLIC;

CREATE FUNCTION passport.replies_sent(delivery_ids bigint[])
  RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me name := passport.calling_role();
  n integer;
BEGIN
  IF delivery_ids IS NULL THEN
    RAISE EXCEPTION 'delivery ids are required' USING ERRCODE = '22004';
  END IF;
  DELETE FROM passport.reply_delivery d
   WHERE d.delivery_id = ANY (replies_sent.delivery_ids) AND d.claimed_role = me;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n < (SELECT count(DISTINCT u.id) FROM unnest(replies_sent.delivery_ids) AS u(id)) THEN
    RAISE EXCEPTION 'a reply of the batch is not on its way from role "%"', me
      USING ERRCODE = 'PP030',
            DETAIL = 'Only the login that received a message ends its reply''s delivery, unless its lease ran out and a claim moved it to the outbox; nothing was changed.',
            HINT = 'A reply whose lease ran out is in the outbox: claim it with claim_whatsapp_messages.';
  END IF;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION passport.replies_sent(bigint[]) IS
  'Ends the delivery of replies the provider accepted (delivery ids from receive_whatsapp_message), in one statement. All or nothing: PP030 when one of them is not on its way from the calling login (unknown, already ended, or moved to the outbox after its lease). Returns how many ended.';
REVOKE ALL ON FUNCTION passport.replies_sent(bigint[]) FROM PUBLIC;

CREATE FUNCTION passport.reply_failed(delivery_id bigint, error text, retry_after interval DEFAULT NULL)
  RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  me name := passport.calling_role();
  max_attempts integer := pg_catalog.current_setting('passport.outbox_max_attempts')::integer;
  d passport.reply_delivery;
BEGIN
  DELETE FROM passport.reply_delivery x
   WHERE x.delivery_id = reply_failed.delivery_id AND x.claimed_role = me
  RETURNING * INTO d;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'reply % is not on its way from role "%"', reply_failed.delivery_id, me
      USING ERRCODE = 'PP030',
            DETAIL = 'Only the login that received a message ends its reply''s delivery, unless its lease ran out and a claim moved it to the outbox.',
            HINT = 'A reply whose lease ran out is in the outbox: claim it with claim_whatsapp_messages.';
  END IF;
  IF retry_after IS NULL AND max_attempts <= 1 THEN
    PERFORM passport.reply_to_outbox(d, t, 'dead', 1, t, error);
    RETURN 'dead';
  END IF;
  PERFORM passport.reply_to_outbox(d, t, 'pending', CASE WHEN retry_after IS NULL THEN 1 ELSE 0 END,
                                   t + CASE WHEN retry_after IS NULL THEN interval '60 seconds'
                                            ELSE least(greatest(retry_after, interval '1 second'), interval '1 day') END,
                                   error);
  RETURN 'pending';
END;
$$;
COMMENT ON FUNCTION passport.reply_failed(bigint, text, interval) IS
  'The first send of a reply failed: it becomes an outbox message (office 0) due after the backoff of a first attempt (60 s), or after retry_after (the provider asked to wait; the attempt does not count), and is retried like every outbox message. Returns its status; PP030 when the reply is not on its way from the calling login.';
REVOKE ALL ON FUNCTION passport.reply_failed(bigint, text, interval) FROM PUBLIC;

-- The claim of every office's due messages on a single node, planned once
-- (a generic plan): the locking subquery finds the rows and the update
-- takes them by ctid, so the plan does not depend on the batch's size.  A
-- custom plan each time (the default: with the LIMIT unknown, the generic
-- plan of a join on the keys reads the whole outbox) was a tenth of a claim.
CREATE FUNCTION passport.claim_due(channel text, batch integer, worker text, t timestamptz,
                                   lease_end timestamptz, due_from timestamp, me name,
                                   max_attempts integer)
  RETURNS SETOF passport.outbox
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  -- a row locked by the subquery is the row at its ctid until the
  -- transaction ends; one that a transaction committed after this
  -- statement's snapshot changed is left for the next claim
  RETURN QUERY
  UPDATE passport.outbox o
     SET status = CASE WHEN o.status = 'claimed' AND o.attempts >= max_attempts THEN 'dead' ELSE 'claimed' END,
         last_error = CASE WHEN o.status = 'claimed' AND o.attempts >= max_attempts
                           THEN coalesce(o.last_error, 'lease expired without acknowledgement') ELSE o.last_error END,
         payload = CASE WHEN o.status = 'claimed' AND o.attempts >= max_attempts AND o.template = 'reply'
                        THEN '{}'::jsonb ELSE o.payload END,
         attempts = CASE WHEN o.status = 'claimed' AND o.attempts >= max_attempts THEN o.attempts ELSE o.attempts + 1 END,
         lease_until = CASE WHEN o.status = 'claimed' AND o.attempts >= max_attempts THEN o.lease_until ELSE lease_end END,
         available_at = CASE WHEN o.status = 'claimed' AND o.attempts >= max_attempts THEN o.available_at
                             ELSE (due_from + pg_catalog.make_interval(secs => 30 * pg_catalog.power(2, o.attempts)))
                                  AT TIME ZONE 'UTC' END,
         claimed_by = CASE WHEN o.status = 'claimed' AND o.attempts >= max_attempts THEN o.claimed_by ELSE worker END,
         claimed_role = CASE WHEN o.status = 'claimed' AND o.attempts >= max_attempts THEN o.claimed_role ELSE me END
   WHERE o.ctid = ANY (ARRAY(
           SELECT x.ctid FROM passport.outbox x
            WHERE x.channel = claim_due.channel AND x.status IN ('pending', 'claimed') AND x.available_at <= t
            ORDER BY x.available_at, x.message_id
            LIMIT batch FOR UPDATE SKIP LOCKED))
  RETURNING o.*;
END;
$$;
COMMENT ON FUNCTION passport.claim_due(text, integer, text, timestamptz, timestamptz, timestamp, name, integer) IS
  'One pass of claim_outbox() over every office on a single node: up to batch due messages of a channel taken (FOR UPDATE SKIP LOCKED) for the lease, or marked dead when their claim ran out after the last allowed attempt; returns the rows as changed. Granted to no role.';
REVOKE ALL ON FUNCTION passport.claim_due(text, integer, text, timestamptz, timestamptz, timestamp, name, integer) FROM PUBLIC;

-- Claims, in one place for every adapter: claim_messages (any channel,
-- rendered text) and claim_whatsapp_messages (replies and WhatsApp
-- templates) both take their rows from here.
CREATE FUNCTION passport.claim_outbox(channel text, batch integer, worker text, lease interval,
                                      office_id bigint DEFAULT NULL)
  RETURNS SETOF passport.outbox
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  me name := passport.calling_role();
  max_attempts integer := pg_catalog.current_setting('passport.outbox_max_attempts')::integer;
  -- a claimed message is due again at the lease's end plus 30 s x
  -- 2^attempts, added in UTC without a time zone (Citus takes no stable
  -- function of a column in an UPDATE of a distributed table)
  due_from timestamp := (t + lease) AT TIME ZONE 'UTC';
  -- the lease's end as a value (Citus takes only immutable functions in
  -- a CASE of an UPDATE of a distributed table)
  lease_end timestamptz := t + lease;
  busy record;
  m passport.outbox;
  claimed integer := 0;
  died integer;
  n integer;
BEGIN
  IF batch IS NULL OR batch NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'batch % is out of range', batch USING ERRCODE = '22023', DETAIL = 'Claim 1 to 1000 messages at once.';
  END IF;
  IF lease IS NULL OR lease < interval '1 second' OR lease > interval '1 day' THEN
    RAISE EXCEPTION 'lease % is out of range', lease USING ERRCODE = '22023', DETAIL = 'A lease lasts 1 second to 1 day.';
  END IF;
  IF claim_outbox.office_id IS NULL AND passport.distributed() THEN
    -- a distributed installation takes row locks one office at a time
    -- (Citus takes none across shards): the offices with due messages
    -- first, read without locks, then each office's claim
    FOR busy IN SELECT x.office_id FROM passport.outbox x
              WHERE x.channel = claim_outbox.channel AND x.status IN ('pending', 'claimed') AND x.available_at <= t
              GROUP BY x.office_id ORDER BY pg_catalog.min(x.available_at) LIMIT batch
    LOOP
      RETURN QUERY SELECT * FROM passport.claim_outbox(claim_outbox.channel, batch - claimed, worker, lease, busy.office_id);
      GET DIAGNOSTICS n = ROW_COUNT;
      claimed := claimed + n;
      EXIT WHEN claimed >= batch;
    END LOOP;
    RETURN;
  END IF;
  -- The due messages in their order, each taken once (SKIP LOCKED): a
  -- message whose claim ran out after the last allowed attempt becomes
  -- dead in the same statement instead of claimed (so no index of claims
  -- is needed to find them), and the claim goes on for the places those
  -- took.  One office's messages in statements that name it (one shard of
  -- a distributed installation), or every office's (claim_due; a
  -- distributed installation claims office by office, above).
  LOOP
    died := 0;
    IF claim_outbox.office_id IS NOT NULL THEN
      FOR m IN
      WITH c AS MATERIALIZED (
        SELECT o.office_id, o.message_id, o.status = 'claimed' AND o.attempts >= max_attempts AS expired
          FROM passport.outbox o
         WHERE o.office_id = claim_outbox.office_id
           AND o.channel = claim_outbox.channel AND o.status IN ('pending', 'claimed') AND o.available_at <= t
         ORDER BY o.available_at, o.message_id
         LIMIT batch - claimed FOR UPDATE SKIP LOCKED)
      UPDATE passport.outbox o
         SET status = CASE WHEN c.expired THEN 'dead' ELSE 'claimed' END,
             last_error = CASE WHEN c.expired THEN coalesce(o.last_error, 'lease expired without acknowledgement')
                               ELSE o.last_error END,
             payload = CASE WHEN c.expired AND o.template = 'reply' THEN '{}'::jsonb ELSE o.payload END,
             attempts = CASE WHEN c.expired THEN o.attempts ELSE o.attempts + 1 END,
             lease_until = CASE WHEN c.expired THEN o.lease_until ELSE lease_end END,
             available_at = CASE WHEN c.expired THEN o.available_at
                                 ELSE (due_from + pg_catalog.make_interval(secs => 30 * pg_catalog.power(2, o.attempts)))
                                      AT TIME ZONE 'UTC' END,
             claimed_by = CASE WHEN c.expired THEN o.claimed_by ELSE worker END,
             claimed_role = CASE WHEN c.expired THEN o.claimed_role ELSE me END
        FROM c
       WHERE o.office_id = claim_outbox.office_id AND o.office_id = c.office_id AND o.message_id = c.message_id
      RETURNING o.*
      LOOP
        IF m.status = 'dead' THEN died := died + 1; ELSE claimed := claimed + 1; RETURN NEXT m; END IF;
      END LOOP;
    ELSE
      FOR m IN SELECT * FROM passport.claim_due(claim_outbox.channel, batch - claimed, worker, t, lease_end,
                                                  due_from, me, max_attempts)
      LOOP
        IF m.status = 'dead' THEN died := died + 1; ELSE claimed := claimed + 1; RETURN NEXT m; END IF;
      END LOOP;
    END IF;
    EXIT WHEN died = 0 OR claimed >= batch;
  END LOOP;
END;
$$;
COMMENT ON FUNCTION passport.claim_outbox(text, integer, text, interval, bigint) IS
  'Claims up to batch due messages of a channel (of one office, or of all) for a lease, for the calling login (FOR UPDATE SKIP LOCKED: two adapters never get the same row); a due message whose claim ran out after the last allowed attempt is marked dead instead, and another is taken in its place. On a distributed installation a claim of all offices claims office by office. Used by claim_messages, claim_messages_at and claim_whatsapp_messages; granted to no role.';
REVOKE ALL ON FUNCTION passport.claim_outbox(text, integer, text, interval, bigint) FROM PUBLIC;

-- A claim with each message's text: what claim_messages and
-- claim_messages_at answer.
CREATE FUNCTION passport.claim_rendered(channel text, batch integer, worker text, lease interval,
                                        office bigint DEFAULT NULL)
  RETURNS TABLE (office_id bigint, message_id bigint, recipient text, language text,
                 body text, attempt integer)
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  policy jsonb := passport.policy_values();   -- once for the batch
BEGIN
  RETURN QUERY
  SELECT o.office_id, o.message_id, o.recipient, o.language,
         CASE WHEN o.template = 'reply' THEN o.payload ->> 'reply'
              ELSE passport.render_text(o.template, o.language, policy || coalesce(o.payload, '{}')) END,
         o.attempts
    FROM passport.claim_outbox(claim_rendered.channel, claim_rendered.batch, claim_rendered.worker,
                               claim_rendered.lease, claim_rendered.office) o;
END;
$$;
COMMENT ON FUNCTION passport.claim_rendered(text, integer, text, interval, bigint) IS
  'claim_outbox() (of one office, or of all) with each message''s rendered text, the rule values computed once for the batch. Used by claim_messages and claim_messages_at; granted to no role.';
REVOKE ALL ON FUNCTION passport.claim_rendered(text, integer, text, interval, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION passport.claim_messages(channel text, batch integer DEFAULT 10,
                                                   worker text DEFAULT NULL, lease interval DEFAULT '2 minutes')
  RETURNS TABLE (office_id bigint, message_id bigint, recipient text, language text,
                 body text, attempt integer)
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT * FROM passport.claim_rendered(claim_messages.channel, claim_messages.batch,
                                        claim_messages.worker, claim_messages.lease)
$$;
COMMENT ON FUNCTION passport.claim_messages(text, integer, text, interval) IS
  'Claims up to batch due messages of a channel for a lease, for the calling login (FOR UPDATE SKIP LOCKED: two adapters never get the same row), with their rendered text. A claim not acknowledged within its lease comes back after a backoff of 30 s x 2^attempts; after passport.outbox_max_attempts attempts it is dead. Only the claiming login can acknowledge or fail it.';

CREATE FUNCTION passport.claim_whatsapp_messages(batch integer DEFAULT 10, worker text DEFAULT NULL,
                                                 lease interval DEFAULT '2 minutes',
                                                 channel text DEFAULT 'whatsapp')
  RETURNS TABLE (office_id bigint, message_id bigint, attempt integer, recipient text, language text,
                 reply text, choices text[], choice_labels text[], choice_prompt text,
                 template text, template_name text, template_language text, parameters text[])
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  d passport.reply_delivery;
  policy jsonb := passport.policy_values();
BEGIN
  -- replies whose gateway died before it could end their delivery
  FOR d IN DELETE FROM passport.reply_delivery x
            WHERE x.channel = claim_whatsapp_messages.channel AND x.lease_until <= t
           RETURNING * LOOP
    PERFORM passport.reply_to_outbox(d, t, 'pending', 1, t, 'lease expired without acknowledgement');
  END LOOP;
  RETURN QUERY
  SELECT o.office_id, o.message_id, o.attempts, o.recipient, o.language,
         r.reply, r.choices,
         CASE WHEN r.choices IS NOT NULL THEN passport.choice_labels(r.reply, r.choices) END,
         CASE WHEN r.choices IS NOT NULL THEN passport.whatsapp_say('choose', o.language) END,
         o.template, w.name, w.name_language,
         (SELECT array_agg(coalesce(nullif(btrim((policy || o.payload) ->> p.key), ''), '-') ORDER BY p.i)
            FROM unnest(w.parameters) WITH ORDINALITY AS p(key, i))
    FROM passport.claim_outbox(claim_whatsapp_messages.channel, claim_whatsapp_messages.batch,
                               claim_whatsapp_messages.worker, claim_whatsapp_messages.lease) o
    LEFT JOIN LATERAL (
      SELECT o.payload ->> 'reply' AS reply,
             CASE WHEN jsonb_typeof(o.payload -> 'choices') = 'array'
                  THEN ARRAY(SELECT jsonb_array_elements_text(o.payload -> 'choices')) END AS choices
       WHERE o.template = 'reply') r ON true
    LEFT JOIN LATERAL (
      SELECT x.name, x.name_language, x.parameters FROM passport.whatsapp_template x
       WHERE x.template = o.template AND x.language IN (o.language, 'id')
       ORDER BY x.language = o.language DESC
       LIMIT 1) w ON o.template <> 'reply'
   ORDER BY o.message_id;
END;
$$;
COMMENT ON FUNCTION passport.claim_whatsapp_messages(integer, text, interval, text) IS
  'Claims up to batch due WhatsApp messages for a lease, like claim_messages, in the form the gateway sends, after moving to the outbox the replies whose delivery lease ran out: a reply of the dialogue (reply, choices, what each choice means, the label of a list''s button), or a notification as its WhatsApp template (name, language code, body parameters from the payload and the rule values of passport.policy_values(); template_name is NULL when no template is mapped, and the gateway then fails the message).';
REVOKE ALL ON FUNCTION passport.claim_whatsapp_messages(integer, text, interval, text) FROM PUBLIC;

-- Acknowledgements: only the login holding a claim can end it.
CREATE FUNCTION passport.ack_outbox(office_ids bigint[], message_ids bigint[], attempts integer[],
                                    provider_message_ids text[])
  RETURNS integer
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  me name := passport.calling_role();
  n integer;
  bad record;
BEGIN
  IF ack_outbox.office_ids IS NULL OR ack_outbox.message_ids IS NULL
     OR cardinality(ack_outbox.office_ids) <> cardinality(ack_outbox.message_ids)
     OR cardinality(ack_outbox.attempts) <> cardinality(ack_outbox.message_ids)
     OR cardinality(ack_outbox.provider_message_ids) <> cardinality(ack_outbox.message_ids) THEN
    RAISE EXCEPTION 'acknowledgement arrays differ in length'
      USING ERRCODE = '22023', DETAIL = 'Pass one office id, message id, attempt and provider id per message.';
  END IF;
  IF cardinality(ack_outbox.message_ids) = 1 THEN
    -- one message: a statement that names its office (one shard of a
    -- distributed installation)
    UPDATE passport.outbox o
       SET status = 'sent', sent_at = coalesce(o.sent_at, t), lease_until = NULL,
           provider_message_id = coalesce(left(ack_outbox.provider_message_ids[1], 200), o.provider_message_id),
           payload = CASE WHEN o.template = 'reply' THEN '{}'::jsonb ELSE o.payload END
     WHERE o.office_id = ack_outbox.office_ids[1] AND o.message_id = ack_outbox.message_ids[1]
       AND o.status = 'claimed' AND o.claimed_role = me
       AND (ack_outbox.attempts[1] IS NULL OR o.attempts = ack_outbox.attempts[1]);
  ELSE
    UPDATE passport.outbox o
       SET status = 'sent', sent_at = coalesce(o.sent_at, t), lease_until = NULL,
           provider_message_id = coalesce(left(a.provider_message_id, 200), o.provider_message_id),
           payload = CASE WHEN o.template = 'reply' THEN '{}'::jsonb ELSE o.payload END
      FROM unnest(ack_outbox.office_ids, ack_outbox.message_ids, ack_outbox.attempts,
                  ack_outbox.provider_message_ids) AS a(office_id, message_id, attempt, provider_message_id)
     WHERE o.office_id = a.office_id AND o.message_id = a.message_id
       AND o.status = 'claimed' AND o.claimed_role = me
       AND (a.attempt IS NULL OR o.attempts = a.attempt);
  END IF;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n < cardinality(ack_outbox.message_ids) THEN
    -- the others must have been acknowledged under the same claim already
    SELECT a.office_id, a.message_id INTO bad
      FROM unnest(ack_outbox.office_ids, ack_outbox.message_ids, ack_outbox.attempts)
           AS a(office_id, message_id, attempt)
     WHERE NOT EXISTS (SELECT 1 FROM passport.outbox o
                        WHERE o.office_id = a.office_id AND o.message_id = a.message_id
                          AND o.status = 'sent' AND o.claimed_role = me
                          AND (a.attempt IS NULL OR o.attempts = a.attempt))
     LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'message % of office % is not claimed by role "%"', bad.message_id, bad.office_id, me
        USING ERRCODE = 'PP030',
              DETAIL = 'Only a message claimed by the same login, whose claim was not taken over after its lease, can be acknowledged or failed.',
              HINT = 'Claim messages with claim_messages or claim_whatsapp_messages and acknowledge what that claim returned.';
    END IF;
  END IF;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION passport.ack_outbox(bigint[], bigint[], integer[], text[]) IS
  'Marks sent the listed messages claimed by the calling login (under the given attempts when not NULL), storing the provider''s ids; raises PP030 (nothing changed) when one of them is neither claimed by that login nor already acknowledged under that claim. Returns how many became sent. Used by ack_message and ack_messages; granted to no role.';
REVOKE ALL ON FUNCTION passport.ack_outbox(bigint[], bigint[], integer[], text[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION passport.ack_message(office_id bigint, message_id bigint)
  RETURNS boolean
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT passport.ack_outbox(ARRAY[ack_message.office_id], ARRAY[ack_message.message_id], NULL, NULL) = 1
$$;
COMMENT ON FUNCTION passport.ack_message(bigint, bigint) IS
  'Marks sent a message claimed by the calling login; it is never delivered again. True when it became sent, false when it was already acknowledged (acknowledging twice is harmless); PP030 when the caller does not hold its claim (unknown, never claimed, dead, or claimed by another login).';

CREATE FUNCTION passport.ack_message(office_id bigint, message_id bigint, attempt integer,
                                     provider_message_id text DEFAULT NULL)
  RETURNS boolean
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT passport.ack_outbox(ARRAY[ack_message.office_id], ARRAY[ack_message.message_id],
                             ARRAY[ack_message.attempt], ARRAY[ack_message.provider_message_id]) = 1
$$;
COMMENT ON FUNCTION passport.ack_message(bigint, bigint, integer, text) IS
  'Marks sent a message claimed by the calling login under that attempt (the attempt its claim returned), with the provider''s id of the sent message. True when it became sent, false when already acknowledged under that claim; PP030 when the caller does not hold that claim (also when the claim ran out and was taken over).';
REVOKE ALL ON FUNCTION passport.ack_message(bigint, bigint, integer, text) FROM PUBLIC;

CREATE FUNCTION passport.ack_messages(office_ids bigint[], message_ids bigint[], attempts integer[],
                                      provider_message_ids text[] DEFAULT NULL)
  RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT passport.ack_outbox(ack_messages.office_ids, ack_messages.message_ids, ack_messages.attempts,
                             ack_messages.provider_message_ids)
$$;
COMMENT ON FUNCTION passport.ack_messages(bigint[], bigint[], integer[], text[]) IS
  'Acknowledges a batch in one statement: the i-th message of the i-th office, claimed by the calling login under the i-th attempt, sent with the i-th provider id. All or nothing: PP030 when one of them is not held by the caller. Returns how many became sent.';
REVOKE ALL ON FUNCTION passport.ack_messages(bigint[], bigint[], integer[], text[]) FROM PUBLIC;

-- Failures: back after a backoff, dead after the last attempt.
CREATE FUNCTION passport.fail_outbox(office_id bigint, message_id bigint, attempt integer, error text,
                                     retry_after interval)
  RETURNS text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  me name := passport.calling_role();
  max_attempts integer := pg_catalog.current_setting('passport.outbox_max_attempts')::integer;
  wait interval := CASE WHEN retry_after IS NOT NULL
                          THEN least(greatest(retry_after, interval '1 second'), interval '1 day') END;
  -- due again at now plus the wait, or 30 s x 2^attempts, added in UTC
  -- without a time zone (Citus takes no stable function of a column in
  -- an UPDATE of a distributed table)
  t_utc timestamp := t AT TIME ZONE 'UTC';
  result text;
BEGIN
  UPDATE passport.outbox o
     SET status = CASE WHEN retry_after IS NULL AND o.attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
         attempts = CASE WHEN retry_after IS NULL THEN o.attempts ELSE o.attempts - 1 END,
         available_at = (t_utc + coalesce(wait, pg_catalog.make_interval(secs => 30 * pg_catalog.power(2, o.attempts))))
                        AT TIME ZONE 'UTC',
         lease_until = NULL, last_error = left(error, 500),
         payload = CASE WHEN o.template = 'reply' AND retry_after IS NULL AND o.attempts >= max_attempts
                        THEN '{}'::jsonb ELSE o.payload END
   WHERE o.office_id = fail_outbox.office_id AND o.message_id = fail_outbox.message_id
     AND o.status = 'claimed' AND o.claimed_role = me
     AND (fail_outbox.attempt IS NULL OR o.attempts = fail_outbox.attempt)
  RETURNING o.status INTO result;
  IF result IS NULL THEN
    RAISE EXCEPTION 'message % of office % is not claimed by role "%"', message_id, office_id, me
      USING ERRCODE = 'PP030',
            DETAIL = 'Only a message claimed by the same login, whose claim was not taken over after its lease, can be acknowledged or failed.',
            HINT = 'Claim messages with claim_messages or claim_whatsapp_messages and fail what that claim returned.';
  END IF;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.fail_outbox(bigint, bigint, integer, text, interval) IS
  'Ends a claim of the calling login without delivery: pending again after 30 s x 2^attempts, or dead after passport.outbox_max_attempts attempts; with retry_after (the provider asked to wait, e.g. HTTP 429) pending again after that wait (1 s to 1 day) and the attempt not counted. PP030 when the caller does not hold the claim. Used by fail_message; granted to no role.';
REVOKE ALL ON FUNCTION passport.fail_outbox(bigint, bigint, integer, text, interval) FROM PUBLIC;

CREATE OR REPLACE FUNCTION passport.fail_message(office_id bigint, message_id bigint, error text DEFAULT NULL)
  RETURNS text
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT passport.fail_outbox(fail_message.office_id, fail_message.message_id, NULL, fail_message.error, NULL)
$$;
COMMENT ON FUNCTION passport.fail_message(bigint, bigint, text) IS
  'An adapter could not send a message it claimed: it comes back after a backoff of 30 s x 2^attempts, or is dead after passport.outbox_max_attempts attempts. Returns the new status (pending or dead); PP030 when the calling login does not hold the message''s claim.';

CREATE FUNCTION passport.fail_message(office_id bigint, message_id bigint, attempt integer, error text,
                                      retry_after interval DEFAULT NULL)
  RETURNS text
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT passport.fail_outbox(fail_message.office_id, fail_message.message_id, fail_message.attempt,
                              fail_message.error, fail_message.retry_after)
$$;
COMMENT ON FUNCTION passport.fail_message(bigint, bigint, integer, text, interval) IS
  'An adapter could not send a message it claimed under that attempt: back after a backoff of 30 s x 2^attempts, or dead after passport.outbox_max_attempts attempts. With retry_after (the provider asked to wait: HTTP 429 with Retry-After) it is due again after that wait (1 s to 1 day) and the attempt does not count. Returns the new status; PP030 when the caller does not hold that claim.';
REVOKE ALL ON FUNCTION passport.fail_message(bigint, bigint, integer, text, interval) FROM PUBLIC;

CREATE FUNCTION passport.message_undelivered(channel text, provider_message_id text, error text DEFAULT NULL)
  RETURNS boolean
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me name := passport.calling_role();
BEGIN
  UPDATE passport.outbox o
     SET status = 'dead', last_error = left('undelivered: ' || coalesce(error, 'reported by the provider'), 500),
         payload = CASE WHEN o.template = 'reply' THEN '{}'::jsonb ELSE o.payload END
   WHERE o.provider_message_id = message_undelivered.provider_message_id
     AND o.channel = message_undelivered.channel
     AND o.status = 'sent' AND o.claimed_role = me;
  RETURN FOUND;
END;
$$;
COMMENT ON FUNCTION passport.message_undelivered(text, text, text) IS
  'Records a delivery failure the provider reported after accepting a message (WhatsApp status "failed"): the message the calling login acknowledged under that provider id becomes dead, with the error. False when no such message is known (not yet acknowledged, sent by another login, or already recorded).';
REVOKE ALL ON FUNCTION passport.message_undelivered(text, text, text) FROM PUBLIC;

-- Administrators edit the mapping and the texts through functions, which
-- write their own rows (never the builtin ones, which a restore recreates)
-- and the audit.
CREATE FUNCTION passport.set_whatsapp_template(template text, language text, name text,
                                               name_language text, parameters text[])
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  old_row jsonb;
  new_row jsonb;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM passport.message_template m WHERE m.template = set_whatsapp_template.template) THEN
    RAISE EXCEPTION 'no message template "%"', set_whatsapp_template.template
      USING ERRCODE = '22023', DETAIL = 'A WhatsApp template is mapped to a template of passport.message_template.';
  END IF;
  SELECT to_jsonb(w) INTO old_row FROM passport.whatsapp_template_base w
   WHERE w.template = set_whatsapp_template.template AND w.language = set_whatsapp_template.language
     AND NOT w.builtin;
  BEGIN
    INSERT INTO passport.whatsapp_template_base AS w (template, language, builtin, name, name_language, parameters)
    VALUES (set_whatsapp_template.template, set_whatsapp_template.language, false, set_whatsapp_template.name,
            set_whatsapp_template.name_language, coalesce(set_whatsapp_template.parameters, '{}'))
    ON CONFLICT ON CONSTRAINT whatsapp_template_base_pkey DO UPDATE
      SET name = excluded.name, name_language = excluded.name_language, parameters = excluded.parameters
    RETURNING to_jsonb(w) INTO new_row;
  EXCEPTION WHEN check_violation OR not_null_violation THEN
    RAISE EXCEPTION 'invalid WhatsApp template for "%" in "%"', set_whatsapp_template.template, set_whatsapp_template.language
      USING ERRCODE = '22023',
            DETAIL = 'The language is id or en, the name lower-case letters, digits and underscores, the language code like id or en_US, and the parameters up to 20 payload keys.';
  END;
  PERFORM passport.audit('set_whatsapp_template',
                         'whatsapp_template ' || set_whatsapp_template.template || '/' || set_whatsapp_template.language,
                         old_row, new_row);
END;
$$;
COMMENT ON FUNCTION passport.set_whatsapp_template(text, text, text, text, text[]) IS
  'Sets the WhatsApp template (name, language code, payload keys of its body parameters in order) of an outbox template in a language, over the shipped one; pg_dump keeps it. Audited. 22023 for an unknown template or an invalid value.';
REVOKE ALL ON FUNCTION passport.set_whatsapp_template(text, text, text, text, text[]) FROM PUBLIC;

CREATE FUNCTION passport.remove_whatsapp_template(template text, language text)
  RETURNS boolean
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  old_row jsonb;
BEGIN
  DELETE FROM passport.whatsapp_template_base w
   WHERE w.template = remove_whatsapp_template.template AND w.language = remove_whatsapp_template.language
     AND NOT w.builtin
  RETURNING to_jsonb(w) INTO old_row;
  IF old_row IS NULL THEN
    RETURN false;
  END IF;
  PERFORM passport.audit('remove_whatsapp_template',
                         'whatsapp_template ' || remove_whatsapp_template.template || '/' || remove_whatsapp_template.language,
                         old_row, NULL);
  RETURN true;
END;
$$;
COMMENT ON FUNCTION passport.remove_whatsapp_template(text, text) IS
  'Removes the administrator''s WhatsApp template of an outbox template in a language, so that the shipped one applies again. False when there was none. Audited.';
REVOKE ALL ON FUNCTION passport.remove_whatsapp_template(text, text) FROM PUBLIC;

CREATE FUNCTION passport.set_whatsapp_text(key text, language text, body text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  old_row jsonb;
  new_row jsonb;
BEGIN
  SELECT to_jsonb(w) INTO old_row FROM passport.whatsapp_text_base w
   WHERE w.key = set_whatsapp_text.key AND w.language = set_whatsapp_text.language AND NOT w.builtin;
  BEGIN
    INSERT INTO passport.whatsapp_text_base AS w (key, language, builtin, body)
    VALUES (set_whatsapp_text.key, set_whatsapp_text.language, false, set_whatsapp_text.body)
    ON CONFLICT ON CONSTRAINT whatsapp_text_base_pkey DO UPDATE SET body = excluded.body
    RETURNING to_jsonb(w) INTO new_row;
  EXCEPTION WHEN check_violation OR not_null_violation THEN
    RAISE EXCEPTION 'invalid WhatsApp text "%" in "%"', set_whatsapp_text.key, set_whatsapp_text.language
      USING ERRCODE = '22023',
            DETAIL = 'The key is please_type or choose, the language id or en, the text 1 to 1000 characters (20 for choose).';
  END;
  PERFORM passport.audit('set_whatsapp_text', 'whatsapp_text ' || set_whatsapp_text.key || '/' || set_whatsapp_text.language,
                         old_row, new_row);
END;
$$;
COMMENT ON FUNCTION passport.set_whatsapp_text(text, text, text) IS
  'Sets a text of the WhatsApp channel (please_type, choose) in a language, over the shipped one; pg_dump keeps it. Audited. 22023 for an unknown key or an invalid text.';
REVOKE ALL ON FUNCTION passport.set_whatsapp_text(text, text, text) FROM PUBLIC;

CREATE FUNCTION passport.remove_whatsapp_text(key text, language text)
  RETURNS boolean
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  old_row jsonb;
BEGIN
  DELETE FROM passport.whatsapp_text_base w
   WHERE w.key = remove_whatsapp_text.key AND w.language = remove_whatsapp_text.language AND NOT w.builtin
  RETURNING to_jsonb(w) INTO old_row;
  IF old_row IS NULL THEN
    RETURN false;
  END IF;
  PERFORM passport.audit('remove_whatsapp_text', 'whatsapp_text ' || remove_whatsapp_text.key || '/' || remove_whatsapp_text.language,
                         old_row, NULL);
  RETURN true;
END;
$$;
COMMENT ON FUNCTION passport.remove_whatsapp_text(text, text) IS
  'Removes the administrator''s WhatsApp text of a key in a language, so that the shipped one applies again. False when there was none. Audited.';
REVOKE ALL ON FUNCTION passport.remove_whatsapp_text(text, text) FROM PUBLIC;

-- New due messages: the extension notifies channel passport_outbox with
-- the outbox channel's name as payload when it enqueues a message; the
-- gateway listens and also polls, so it serves databases with or without
-- that notification.

INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege)
SELECT 'passport_adapter', 'function', f, 'EXECUTE' FROM unnest(ARRAY[
  'passport.claim_whatsapp_messages(integer,text,interval,text)',
  'passport.receive_whatsapp_message(text,text,text,text,text,interval)',
  'passport.replies_sent(bigint[])',
  'passport.reply_failed(bigint,text,interval)',
  'passport.ack_message(bigint,bigint,integer,text)',
  'passport.ack_messages(bigint[],bigint[],integer[],text[])',
  'passport.fail_message(bigint,bigint,integer,text,interval)',
  'passport.message_undelivered(text,text,text)']) f
UNION ALL
SELECT 'passport_admin', 'function', f, 'EXECUTE' FROM unnest(ARRAY[
  'passport.set_whatsapp_template(text,text,text,text,text[])',
  'passport.remove_whatsapp_template(text,text)',
  'passport.set_whatsapp_text(text,text,text)',
  'passport.remove_whatsapp_text(text,text)']) f
UNION ALL
SELECT 'passport_admin', 'table', t, 'SELECT'
  FROM unnest(ARRAY['passport.whatsapp_template', 'passport.whatsapp_template_base',
                    'passport.whatsapp_text', 'passport.whatsapp_text_base']) t;
