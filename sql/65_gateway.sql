-- The WhatsApp gateway's SQL: replies written to the outbox and claimed
-- by the receiving login, claims held per login, acknowledgements and
-- failures only by the claim's holder (PP030 otherwise), batch
-- acknowledgement, Retry-After, delivery failures reported later, the
-- template mapping and its precedence. Run as a real login in
-- passport_adapter, as the gateway runs.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
-- Runs a statement; shows 'ok' or its SQLSTATE and message (message ids masked).
CREATE FUNCTION public.regress_gw_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN regexp_replace(regexp_replace(SQLSTATE || ': ' || SQLERRM, 'message [0-9]+ of office [0-9]+', 'message N of office N'),
                        'reply [0-9]+ ', 'reply N ');
END $$;
SELECT current_user AS superuser \gset
SELECT count(*) >= 0 AS roles FROM passport.setup_roles();
CREATE ROLE regress_gateway LOGIN IN ROLE passport_adapter;
CREATE ROLE regress_other_bot LOGIN IN ROLE passport_adapter;
CREATE ROLE regress_gw_admin LOGIN IN ROLE passport_admin;
ALTER ROLE regress_gateway SET passport.outbox_max_attempts = 3;
-- the test pins the clock in these logins' sessions
GRANT SET ON PARAMETER passport.now_override TO regress_gateway, regress_other_bot;
SET passport.now_override = '2026-12-15 10:00+07';
-- the earlier suites' messages are done with
DELETE FROM passport.outbox;
SELECT passport.office_id('JKS') AS jks \gset
-- notifications waiting for the gateway: a booking confirmation and a reminder
INSERT INTO passport.outbox (office_id, channel, recipient, template, language, payload, available_at, created_at)
SELECT passport.office_id('JKS'), 'whatsapp', '+6281570000' || lpad(i::text, 3, '0'),
       (ARRAY['reservation_confirmed', 'visit_reminder', 'status_approved', 'passport_ready'])[i],
       (ARRAY['id', 'en', 'en', 'id'])[i],
       jsonb_build_object('office', 'Kantor Imigrasi Jakarta Selatan', 'reservation_number', 'AAAAA-BBBBB',
                          'date', '2026-12-16', 'time', '08:30', 'application_number', '1234567890123456',
                          'promised_ready_on', '', 'pickup_until', '2027-01-15'),
       '2026-12-15 09:00+07', '2026-12-15 09:00+07'
  FROM generate_series(1, 4) i;

\c - regress_gateway
SET passport.now_override = '2026-12-15 10:00+07';
-- the gateway reads no table
SELECT public.regress_gw_try($$SELECT count(*) FROM passport.outbox$$);
SELECT public.regress_gw_try($$SELECT count(*) FROM passport.whatsapp_template$$);
SELECT public.regress_gw_try($$SELECT count(*) FROM passport.reply_delivery$$);

-- acknowledging or failing what it never claimed is refused, and changes nothing
\c - :superuser
SELECT min(message_id) AS first_message FROM passport.outbox \gset
\c - regress_gateway
SET passport.now_override = '2026-12-15 10:00+07';
SELECT public.regress_gw_try('SELECT passport.ack_message(' || :jks || ', ' || :first_message || ')');
SELECT public.regress_gw_try('SELECT passport.ack_message(' || :jks || ', ' || :first_message || ', 1, ''wamid.x'')');
SELECT public.regress_gw_try('SELECT passport.fail_message(' || :jks || ', ' || :first_message || ', ''timeout'')');
SELECT public.regress_gw_try('SELECT passport.ack_messages(ARRAY[' || :jks || ']::bigint[], ARRAY[' || :first_message || '], ARRAY[1])');
SELECT public.regress_gw_try('SELECT passport.ack_message(' || :jks || ', 999999)');
\c - :superuser
SELECT status, attempts, sent_at IS NULL AS unsent FROM passport.outbox ORDER BY message_id;

-- a claim, in the form the gateway sends: templates with their parameters
\c - regress_gateway
SET passport.now_override = '2026-12-15 10:00+07';
CREATE TEMP TABLE c AS SELECT * FROM passport.claim_whatsapp_messages(10, 'gw-1', '1 minute');
SELECT recipient, language, attempt, template, template_name, template_language, parameters FROM c ORDER BY message_id;

-- another login cannot end this login's claims
\c - regress_other_bot
SET passport.now_override = '2026-12-15 10:00:10+07';
SELECT public.regress_gw_try('SELECT passport.ack_message(' || :jks || ', ' || :first_message || ')');
SELECT public.regress_gw_try('SELECT passport.fail_message(' || :jks || ', ' || :first_message || ', 1, ''x'')');
SELECT count(*) AS claimed_by_other FROM passport.claim_whatsapp_messages(10, 'other', '1 minute');

-- the holder acknowledges a batch with the provider ids, once; twice is harmless
\c - regress_gateway
SET passport.now_override = '2026-12-15 10:00:20+07';
CREATE TEMP TABLE c AS SELECT * FROM passport.claim_whatsapp_messages(10, 'gw-1', '1 minute');
SELECT count(*) AS claimed_again_within_lease FROM c;
\c - :superuser
SELECT message_id AS m1, message_id + 1 AS m2, message_id + 2 AS m3, message_id + 3 AS m4
  FROM passport.outbox ORDER BY message_id LIMIT 1 \gset
\c - regress_gateway
SET passport.now_override = '2026-12-15 10:00:20+07';
SELECT passport.ack_messages(ARRAY[:jks, :jks]::bigint[], ARRAY[:m1, :m2]::bigint[], ARRAY[1, 1], ARRAY['wamid.A1', 'wamid.A2']) AS acked;
SELECT passport.ack_messages(ARRAY[:jks, :jks]::bigint[], ARRAY[:m1, :m2]::bigint[], ARRAY[1, 1], ARRAY['wamid.A1', 'wamid.A2']) AS acked_again;
SELECT passport.ack_message(:jks, :m1) AS single_form_again;
-- a batch with one message not held is refused whole
SELECT public.regress_gw_try('SELECT passport.ack_messages(ARRAY[' || :jks || ', ' || :jks || ']::bigint[], ARRAY[' || :m3 || ', 999999]::bigint[], ARRAY[1, 1])');
SELECT public.regress_gw_try('SELECT passport.ack_messages(ARRAY[' || :jks || ']::bigint[], ARRAY[' || :m3 || ', ' || :m4 || ']::bigint[], ARRAY[1, 1])');
-- the wrong attempt is not this claim
SELECT public.regress_gw_try('SELECT passport.ack_message(' || :jks || ', ' || :m3 || ', 2)');

-- rate limited: due again after Retry-After, the attempt not counted
SELECT passport.fail_message(:jks, :m3, 1, 'HTTP 429', '7 seconds') AS after_429;
-- a server error: back after 30 s x 2^attempts
SELECT passport.fail_message(:jks, :m4, 1, 'HTTP 503') AS after_503;
\c - :superuser
SELECT message_id - :m1 AS n, status, attempts, available_at - '2026-12-15 10:00:20+07' AS due_after,
       last_error, provider_message_id
  FROM passport.outbox ORDER BY message_id;

-- the failed one comes back after its backoff and dies after the last attempt
\c - regress_gateway
SET passport.now_override = '2026-12-15 10:00:28+07';
SELECT message_id - :m1 AS n, attempt FROM passport.claim_whatsapp_messages(10, 'gw-1', '1 minute');
SELECT passport.ack_message(:jks, :m3, 1, 'wamid.A3') AS acked_after_429;
SET passport.now_override = '2026-12-15 10:02+07';
SELECT message_id - :m1 AS n, attempt FROM passport.claim_whatsapp_messages(10, 'gw-1', '1 minute');
SELECT passport.fail_message(:jks, :m4, 2, 'HTTP 503') AS second_failure;
SET passport.now_override = '2026-12-15 10:05+07';
SELECT message_id - :m1 AS n, attempt FROM passport.claim_whatsapp_messages(10, 'gw-1', '1 minute');
SELECT passport.fail_message(:jks, :m4, 3, 'HTTP 503') AS third_failure;

-- a delivery failure reported later is recorded against the message the
-- login sent under that provider id; unknown ids and other logins' are not
SELECT passport.message_undelivered('whatsapp', 'wamid.A2', '131026 Message undeliverable') AS recorded;
SELECT passport.message_undelivered('whatsapp', 'wamid.A2', '131026 Message undeliverable') AS recorded_twice;
SELECT passport.message_undelivered('whatsapp', 'wamid.unknown', 'x') AS unknown;
\c - regress_other_bot
SELECT passport.message_undelivered('whatsapp', 'wamid.A1', 'x') AS other_login;
\c - :superuser
SELECT message_id - :m1 AS n, status, attempts, last_error FROM passport.outbox ORDER BY message_id;

-- inbound messages: the reply comes back with a delivery held by the
-- receiving login; a redelivery sends nothing; media get "please type";
-- reactions get nothing
\c - regress_gateway
SET passport.now_override = '2026-12-15 10:10+07';
SELECT duplicate, delivery_id IS NOT NULL AS on_its_way, recipient, choices, choice_labels, choice_prompt
  FROM passport.receive_whatsapp_message('6281234560001', 'wamid.in-1', 'text', 'halo', 'gw-1', '1 minute');
SELECT duplicate, delivery_id IS NULL AS nothing_to_send
  FROM passport.receive_whatsapp_message('6281234560001', 'wamid.in-1', 'text', 'halo', 'gw-1', '1 minute');
SELECT duplicate, reply, choices FROM passport.receive_whatsapp_message('6281234560001', 'wamid.in-2', 'text', 'EN', 'gw-1');
SELECT duplicate, reply, choice_prompt FROM passport.receive_whatsapp_message('6281234560001', 'wamid.in-3', 'image', NULL, 'gw-1');
SELECT duplicate FROM passport.receive_whatsapp_message('6281234560001', 'wamid.in-3', 'image', NULL, 'gw-1');
SELECT duplicate, delivery_id IS NULL AS nothing_to_send
  FROM passport.receive_whatsapp_message('6281234560001', 'wamid.in-r', 'reaction', NULL, 'gw-1');
SELECT public.regress_gw_try($$SELECT * FROM passport.receive_whatsapp_message('', 'wamid.in-4', 'text', 'halo')$$);
SELECT public.regress_gw_try($$SELECT * FROM passport.receive_whatsapp_message('6281234560001', 'wamid.in-4', 'text', 'halo', 'gw', '0 seconds')$$);
\c - :superuser
SELECT min(delivery_id) AS d1, min(delivery_id) + 1 AS d2, min(delivery_id) + 2 AS d3,
       count(*) AS deliveries FROM passport.reply_delivery \gset
SELECT :deliveries AS replies_on_their_way;

-- only the receiving login ends a delivery
\c - regress_other_bot
SELECT public.regress_gw_try('SELECT passport.replies_sent(ARRAY[' || :d1 || ']::bigint[])');
SELECT public.regress_gw_try('SELECT passport.reply_failed(' || :d1 || ', ''x'')');
\c - regress_gateway
SET passport.now_override = '2026-12-15 10:10:05+07';
SELECT passport.replies_sent(ARRAY[:d1]::bigint[]) AS sent;
SELECT public.regress_gw_try('SELECT passport.replies_sent(ARRAY[' || :d1 || ']::bigint[])');
-- all or nothing: the second reply stays on its way
SELECT public.regress_gw_try('SELECT passport.replies_sent(ARRAY[' || :d2 || ', 999999]::bigint[])');
-- a failed first send goes to the outbox: after 60 s, or after Retry-After (not counted)
SELECT passport.reply_failed(:d2, 'HTTP 500', NULL) AS after_500;
SELECT passport.reply_failed(:d3, 'HTTP 429', '7 seconds') AS after_429;
-- a delivery whose gateway dies: its lease runs out, the next claim moves it
SELECT delivery_id AS d5 FROM passport.receive_whatsapp_message('6281234560001', 'wamid.in-5', 'text', '2', 'gw-1', '1 minute') \gset
\c - :superuser
SELECT template, status, attempts, available_at - '2026-12-15 10:10:05+07' AS due_after, last_error,
       payload ? 'reply' AS has_text FROM passport.outbox WHERE office_id = 0 ORDER BY message_id;
\c - regress_other_bot
SET passport.now_override = '2026-12-15 10:11:30+07';
SELECT attempt, left(reply, 26) AS reply, choices, choice_prompt FROM passport.claim_whatsapp_messages(10, 'other')
 WHERE office_id = 0 ORDER BY attempt, reply;
\c - regress_gateway
SELECT public.regress_gw_try('SELECT passport.replies_sent(ARRAY[' || :d5 || ']::bigint[])');
\c - :superuser
SELECT count(*) AS still_on_their_way FROM passport.reply_delivery;
SELECT template, status, attempts, claimed_by, recipient, language, last_error
  FROM passport.outbox WHERE office_id = 0 ORDER BY message_id;

-- claim_messages renders a reply as its text for any other adapter
SET passport.now_override = '2026-12-15 10:30+07';
SELECT template, body FROM passport.claim_messages('whatsapp', 10, 'legacy') c
  JOIN passport.outbox o USING (office_id, message_id) ORDER BY message_id LIMIT 1;

-- what each choice means, from the reply's lines
SELECT passport.choice_labels(E'Pilih kantor:\n1 Kantor Imigrasi Jakarta Selatan (JKS)\n2. Kantor Imigrasi Makassar (MKS)\nBalas 1 untuk konfirmasi', ARRAY['1', '2', '3', '-']);

-- the mapping: an administrator's row takes precedence over the builtin
-- one, is audited, and can be removed; builtin rows cannot be touched
\c - regress_gw_admin
SELECT public.regress_gw_try($$SELECT passport.set_whatsapp_template('visit_reminder', 'en', 'h1_visit_reminder', 'en_US', ARRAY['date', 'time', 'office'])$$);
SELECT public.regress_gw_try($$SELECT passport.set_whatsapp_template('no_such_template', 'en', 'x', 'en', '{}')$$);
SELECT public.regress_gw_try($$SELECT passport.set_whatsapp_template('visit_reminder', 'en', 'Bad Name', 'en', '{}')$$);
SELECT public.regress_gw_try($$SELECT passport.set_whatsapp_template('visit_reminder', 'en', 'x', 'en', ARRAY['no spaces'])$$);
SELECT public.regress_gw_try($$SELECT passport.set_whatsapp_text('choose', 'en', 'Pick one of the options below')$$);
SELECT public.regress_gw_try($$SELECT passport.set_whatsapp_text('choose', 'en', 'Pick')$$);
SELECT public.regress_gw_try($$UPDATE passport.whatsapp_template_base SET name = 'x' WHERE builtin$$);
SELECT public.regress_gw_try($$INSERT INTO passport.whatsapp_template_base VALUES ('visit_reminder', 'id', false, 'x', 'id', '{}')$$);
SELECT template, language, builtin, name, name_language, parameters
  FROM passport.whatsapp_template_base WHERE template = 'visit_reminder' ORDER BY language, builtin;
SELECT template, language, name FROM passport.whatsapp_template WHERE template = 'visit_reminder' ORDER BY language;
SELECT actor, action, object, before IS NULL AS created, after ->> 'name' AS name FROM passport.admin_audit
 WHERE action LIKE '%whatsapp%' ORDER BY audit_id;
\c - :superuser
-- a template nobody mapped (its shipped mapping removed for the test)
CREATE TEMP TABLE kept AS SELECT * FROM passport.whatsapp_template_base WHERE template = 'status_cancelled';
DELETE FROM passport.whatsapp_template_base WHERE template = 'status_cancelled';
INSERT INTO passport.outbox (office_id, channel, recipient, template, language, payload, available_at, created_at)
VALUES (:jks, 'whatsapp', '+6281570000099', 'visit_reminder', 'en', '{"date": "2026-12-16", "time": "08:30", "office": "JKS"}',
        '2026-12-15 09:00+07', '2026-12-15 09:00+07'),
       (:jks, 'whatsapp', '+6281570000098', 'status_cancelled', 'en', '{"application_number": "1"}',
        '2026-12-15 09:00+07', '2026-12-15 09:00+07');
SET passport.now_override = '2026-12-15 10:30+07';
SELECT template, template_name, template_language, parameters
  FROM passport.claim_whatsapp_messages(10, 'gw-2') WHERE office_id = :jks ORDER BY message_id;
INSERT INTO passport.whatsapp_template_base SELECT * FROM kept;
\c - regress_gw_admin
SELECT passport.remove_whatsapp_template('visit_reminder', 'en') AS removed,
       passport.remove_whatsapp_template('visit_reminder', 'en') AS removed_again;
SELECT passport.remove_whatsapp_text('choose', 'en') AS removed_text;
SELECT count(*) AS own_rows FROM passport.whatsapp_template_base WHERE NOT builtin;

-- every shipped mapping names the placeholders of its shipped text, in order
\c - :superuser
SELECT w.template, w.language
  FROM passport.whatsapp_template_base w JOIN passport.message_template_base m USING (template, language)
 WHERE w.builtin AND m.builtin AND w.parameters IS DISTINCT FROM
       (SELECT array_agg(x.m[1] ORDER BY x.i) FROM regexp_matches(m.body, '\{([a-z_]+)\}', 'g') WITH ORDINALITY AS x(m, i));
SELECT count(*) AS templates_without_whatsapp FROM passport.message_template m
 WHERE NOT EXISTS (SELECT 1 FROM passport.whatsapp_template w WHERE w.template = m.template AND w.language = m.language);

DELETE FROM passport.outbox;
DELETE FROM passport.reply_delivery;
DELETE FROM passport.inbound_message WHERE message_id LIKE 'wamid.in-%';
DELETE FROM passport.conversation WHERE sender = '+6281234560001';
DROP FUNCTION public.regress_gw_try(text);
REVOKE SET ON PARAMETER passport.now_override FROM regress_gateway, regress_other_bot;
DROP ROLE regress_gateway, regress_other_bot, regress_gw_admin;
