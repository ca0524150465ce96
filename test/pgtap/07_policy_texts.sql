-- Texts that state a rule (how many days, hours, times) name it by
-- placeholder and show what the setting says now: changing the setting
-- changes the bot's answer, the status lookup and the outbox messages,
-- with no text to edit.
BEGIN;
SELECT plan(24);

SELECT ok(passport.bot_say('pickup', 'en') LIKE '%not collected within 30 days%', 'the pickup answer states 30 days by default');
SELECT ok(passport.bot_say('pickup', 'en') LIKE '%take a P ticket%', 'and the pickup lane''s letter');
SET LOCAL passport.pickup_days = 45;
SELECT ok(passport.bot_say('pickup', 'en') LIKE '%not collected within 45 days%', 'a longer pickup window shows in the answer');
SELECT ok(passport.bot_say('pickup', 'id') LIKE '%tidak diambil dalam 45 hari%', 'in both languages');
SELECT is(passport.render_message('status_uncollected', 'en', '{"application_number": "X1"}'),
          'Passport X1 was not collected within 45 days and has been cancelled.', 'and in the outbox message');

SET LOCAL passport.documents_days = 10;
SELECT is(passport.render_message('status_incomplete', 'id', '{"application_number": "X2", "office": "Kanim"}'),
          'Berkas permohonan X2 belum lengkap. Lengkapi di Kanim dalam 10 hari.', 'the documents deadline from its setting');
SELECT is(passport.render_message('status_incomplete', 'en', '{"application_number": "X2", "office": "Kanim", "documents_days": "99"}'),
          'Application X2 is missing documents. Complete them at Kanim within 99 days.',
          'a payload value wins over the rule value of the same name');

SET LOCAL passport.cooldown = '36h';
SELECT is(passport.bot_say('reason_PP005', 'en'), 'this NIK recently cancelled or missed a visit; try again after 36 hours.',
          'the cooldown in hours');
SET LOCAL passport.reschedule_limit = 2;
SET LOCAL passport.reschedule_min_days = 3;
SELECT is(passport.bot_say('reason_PP008', 'id'), 'jadwal hanya dapat diubah 2 kali dan paling lambat 3 hari sebelumnya.',
          'the reschedule limits');
SET LOCAL passport.billing_valid_after_interview = '5d';
SET LOCAL passport.billing_valid_at_booking = '3h';
SELECT ok(passport.bot_say('payment', 'en') LIKE '%(5 days; 3 hours when paying in the app)%', 'the billing validity');

SELECT is((SELECT count(*)::integer FROM (
             SELECT body AS t FROM passport.bot_text UNION ALL SELECT body FROM passport.message_template
             UNION ALL SELECT next_step FROM passport.status_text) x
            WHERE t ~ '\m(7|30) (days|hari)\M|again tomorrow|lagi besok|\monce\M|sekali'),
          0, 'no shipped text states a rule''s value by hand');
SELECT is((SELECT count(*)::integer FROM (
             SELECT passport.fill_text(body, passport.policy_values()) AS t FROM passport.bot_text
             UNION ALL SELECT passport.fill_text(body, passport.policy_values()) FROM passport.message_template
             UNION ALL SELECT passport.fill_text(next_step, passport.policy_values()) FROM passport.status_text) x
            WHERE EXISTS (SELECT 1 FROM jsonb_object_keys(passport.policy_values()) k WHERE strpos(x.t, '{' || k || '}') > 0)),
          0, 'filled with the rule values, no rule placeholder is left');

SELECT lives_ok($$SET LOCAL client_min_messages = error;
                  SELECT passport.set_info('requirements', '', 'en', 'Bring your KTP; missing papers within {documents_days} days.')$$,
                'an administrator''s text may state a rule by placeholder');
SELECT is(passport.info_text('requirements', '', 'en'), 'Bring your KTP; missing papers within 10 days.',
          'and reads as the setting says');
-- a WhatsApp template takes the rule value as a body parameter
SET LOCAL passport.now_override = '2026-12-01 09:00+07';
UPDATE passport.outbox SET available_at = 'infinity' WHERE status = 'pending';   -- others' messages wait
SELECT passport.create_office('TPL', 'Kanim Policy TAP', 'kanim', 'Asia/Jakarta');
SELECT passport.enqueue_message((SELECT office_id FROM passport.office WHERE code = 'TPL'), 'whatsapp',
                                '+6281270000099', 'status_incomplete', 'en',
                                '{"application_number": "X3", "office": "Kanim Policy TAP"}');
SELECT is((SELECT parameters FROM passport.claim_whatsapp_messages(1000) WHERE template = 'status_incomplete' AND recipient = '+6281270000099'),
          ARRAY['X3', 'Kanim Policy TAP', '10'], 'the gateway sends the documents deadline as the setting says');

-- fill_text (C since 0.2) gives what 0.1's PL/pgSQL loop gave
CREATE FUNCTION pg_temp.fill_text_0_1(body text, fill jsonb) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  kv record;
BEGIN
  FOR kv IN SELECT key, value FROM jsonb_each_text(coalesce(fill, '{}')) LOOP
    body := replace(body, '{' || kv.key || '}', coalesce(kv.value, ''));
  END LOOP;
  RETURN body;
END $f$;
SELECT is(passport.fill_text('{a} and {a}, {b}; {c} {missing} {', '{"a": "x", "b": 2.50, "c": null}'),
          'x and x, 2.50;  {missing} {', 'every placeholder of a key, numbers as written, null as nothing, others kept');
SELECT is(passport.fill_text('{o} {l} {t}', '{"o": {"k": [1, "v"]}, "l": [true, null], "t": true}'),
          '{"k": [1, "v"]} [true, null] true', 'objects and arrays as JSON, booleans as words');
SELECT is(passport.fill_text('{a}', '{"a": "{bb}", "bb": "filled"}'), 'filled',
          'keys are filled one after the other in the object''s order (shorter keys first)');
SELECT is(passport.fill_text(NULL, '{"a": "x"}'), NULL, 'NULL text stays NULL');
SELECT is(passport.fill_text('{a}', NULL), '{a}', 'a NULL fill leaves the text as it is');
SELECT is(passport.fill_text('Jl. {jalan} — {kota} ✓', '{"jalan": "Sudirman № 5", "kota": "Kota Baru"}'),
          'Jl. Sudirman № 5 — Kota Baru ✓', 'multibyte text and values');
SELECT throws_ok($$SELECT passport.fill_text('{a}', '[1, 2]')$$, '22023', NULL, 'an array is not a fill');
SELECT throws_ok($$SELECT passport.fill_text('{a}', '"a"')$$, '22023', NULL, 'nor is a scalar');
SELECT is((SELECT count(*) FROM passport.message_template t, passport.lane l
            WHERE passport.fill_text(t.body, passport.policy_values() || jsonb_build_object(
                    'reservation_number', 'ABCDE-FGHJK', 'office', l.name_id, 'date', '2026-12-07',
                    'time', '08:00', 'application_number', '1234', 'amount', 350000, 'reason', '{documents_days} hari'))
                  IS DISTINCT FROM pg_temp.fill_text_0_1(t.body, passport.policy_values() || jsonb_build_object(
                    'reservation_number', 'ABCDE-FGHJK', 'office', l.name_id, 'date', '2026-12-07',
                    'time', '08:00', 'application_number', '1234', 'amount', 350000, 'reason', '{documents_days} hari'))),
          0::bigint, 'every shipped message template fills as 0.1 filled it');

SELECT * FROM finish();
ROLLBACK;
