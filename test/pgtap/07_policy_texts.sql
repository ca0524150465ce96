-- Texts that state a rule (how many days, hours, times) name it by
-- placeholder and show what the setting says now: changing the setting
-- changes the bot's answer, the status lookup and the outbox messages,
-- with no text to edit.
BEGIN;
SELECT plan(14);

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
SELECT * FROM finish();
ROLLBACK;
