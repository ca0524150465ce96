-- The WhatsApp gateway's SQL contract: signatures and security attributes,
-- privileges of passport_adapter and passport_admin, PP030 for every way of
-- ending what the caller does not hold (as a login in passport_adapter),
-- 22023 for a bad template mapping, and the mapping kept by pg_dump.
BEGIN;
SELECT plan(33);
SET LOCAL passport.now_override = '2026-12-01 09:00+07';
SELECT count(*) >= 0 FROM passport.setup_roles();
CREATE ROLE tap_gateway LOGIN IN ROLE passport_adapter;
CREATE ROLE tap_other LOGIN IN ROLE passport_adapter;

-- signatures and attributes
SELECT has_function('passport', 'receive_whatsapp_message', ARRAY['text', 'text', 'text', 'text', 'text', 'interval']);
SELECT has_function('passport', 'claim_whatsapp_messages', ARRAY['integer', 'text', 'interval', 'text']);
SELECT has_function('passport', 'replies_sent', ARRAY['bigint[]']);
SELECT has_function('passport', 'reply_failed', ARRAY['bigint', 'text', 'interval']);
SELECT has_function('passport', 'ack_message', ARRAY['bigint', 'bigint', 'integer', 'text']);
SELECT has_function('passport', 'ack_messages', ARRAY['bigint[]', 'bigint[]', 'integer[]', 'text[]']);
SELECT has_function('passport', 'fail_message', ARRAY['bigint', 'bigint', 'integer', 'text', 'interval']);
SELECT has_function('passport', 'message_undelivered', ARRAY['text', 'text', 'text']);
SELECT is_definer('passport', 'receive_whatsapp_message', ARRAY['text', 'text', 'text', 'text', 'text', 'interval']);
SELECT is_definer('passport', 'ack_messages', ARRAY['bigint[]', 'bigint[]', 'integer[]', 'text[]']);
SELECT isnt_definer('passport', 'ack_outbox', ARRAY['bigint[]', 'bigint[]', 'integer[]', 'text[]']);
SELECT volatility_is('passport', 'choice_labels', ARRAY['text', 'text[]'], 'immutable');

-- privileges: the adapter calls, reads nothing; the internals are nobody's
SELECT ok(has_function_privilege('passport_adapter', 'passport.receive_whatsapp_message(text, text, text, text, text, interval)', 'EXECUTE'),
          'passport_adapter may receive messages');
SELECT ok(has_function_privilege('passport_adapter', 'passport.ack_messages(bigint[], bigint[], integer[], text[])', 'EXECUTE'),
          'passport_adapter may acknowledge in batches');
SELECT ok(NOT has_function_privilege('passport_adapter', 'passport.ack_outbox(bigint[], bigint[], integer[], text[])', 'EXECUTE'),
          'passport_adapter may not call ack_outbox directly');
SELECT ok(NOT has_function_privilege('passport_adapter', 'passport.set_whatsapp_template(text, text, text, text, text[])', 'EXECUTE'),
          'passport_adapter may not map templates');
SELECT ok(has_function_privilege('passport_admin', 'passport.set_whatsapp_template(text, text, text, text, text[])', 'EXECUTE'),
          'passport_admin maps templates');
SELECT ok(NOT has_table_privilege('passport_adapter', 'passport.reply_delivery', 'SELECT'), 'passport_adapter reads no delivery');
SELECT ok(NOT has_table_privilege('passport_admin', 'passport.whatsapp_template_base', 'UPDATE'),
          'passport_admin edits the mapping only through its functions');
SELECT ok(NOT has_function_privilege('public', 'passport.replies_sent(bigint[])', 'EXECUTE'), 'PUBLIC cannot end deliveries');

-- the mapping survives pg_dump, the shipped rows do not need to
SELECT is((SELECT e.extcondition[array_position(e.extconfig, 'passport.whatsapp_template_base'::regclass)]
             FROM pg_extension e WHERE e.extname = 'passport'), 'WHERE NOT builtin',
          'administrators'' template mappings are dumped, the shipped ones are not');

-- what a login does not hold, it cannot end: PP030
SELECT lives_ok($$SELECT passport.create_office('TGW', 'Kanim Uji Gateway', 'kanim', 'Asia/Jakarta')$$, 'office created');
INSERT INTO passport.outbox (office_id, channel, recipient, template, payload, available_at, created_at)
VALUES (passport.office_id('TGW'), 'tap', '+6281590000001', 'status_cancelled', '{"application_number": "1"}',
        '2026-12-01 08:00+07', '2026-12-01 08:00+07');
CREATE TEMP TABLE ids AS SELECT office_id, message_id FROM passport.outbox WHERE channel = 'tap';
GRANT SELECT ON ids TO tap_gateway, tap_other;
SET LOCAL ROLE tap_gateway;
SELECT throws_ok($$SELECT passport.ack_message(office_id, message_id) FROM ids$$, 'PP030', NULL,
                 'acknowledging a message never claimed raises PP030');
SELECT throws_ok($$SELECT passport.fail_message(office_id, message_id, 'x') FROM ids$$, 'PP030', NULL,
                 'failing a message never claimed raises PP030');
SELECT is((SELECT count(*)::integer FROM passport.claim_messages('tap', 5, 'tap-1', '1 minute')), 1, 'the login claims it');
SET LOCAL ROLE tap_other;
SELECT throws_ok($$SELECT passport.ack_messages(ARRAY[office_id], ARRAY[message_id], ARRAY[1]) FROM ids$$, 'PP030', NULL,
                 'another login cannot acknowledge it');
SELECT throws_ok($$SELECT passport.fail_message(office_id, message_id, 1, 'x', '5 seconds') FROM ids$$, 'PP030', NULL,
                 'another login cannot fail it');
SET LOCAL ROLE tap_gateway;
SELECT throws_ok($$SELECT passport.ack_message(office_id, message_id, 2) FROM ids$$, 'PP030', NULL,
                 'an attempt that is not the claim''s raises PP030');
SELECT ok((SELECT passport.ack_message(office_id, message_id, 1, 'wamid.tap') FROM ids), 'the holder acknowledges it');
CREATE TEMP TABLE d AS SELECT delivery_id FROM passport.receive_whatsapp_message('6281590000002', 'wamid.tap-in', 'text', 'halo');
GRANT SELECT ON d TO tap_other;
SET LOCAL ROLE tap_other;
SELECT throws_ok($$SELECT passport.replies_sent(ARRAY(SELECT delivery_id FROM d))$$, 'PP030', NULL,
                 'another login cannot end a reply''s delivery');
SELECT throws_ok($$SELECT passport.reply_failed((SELECT delivery_id FROM d), 'x')$$, 'PP030', NULL,
                 'nor fail it');
SET LOCAL ROLE tap_gateway;
SELECT is((SELECT passport.replies_sent(ARRAY(SELECT delivery_id FROM d))), 1, 'the receiving login ends it');
RESET ROLE;

SELECT throws_ok($$SELECT passport.set_whatsapp_template('no_such', 'id', 'x', 'id', '{}')$$, '22023', NULL,
                 'mapping an unknown template raises 22023');

SELECT * FROM finish();
ROLLBACK;
