-- After ALTER EXTENSION UPDATE of a 0.1 database whose administrators
-- edited texts and rules directly (test/upgrade/admin_edits_0.1.sql): what
-- they changed or added became administrators' rows over the shipped ones,
-- a shipped rule they deleted stays removed, a shipped text they deleted is
-- shown again (texts are overridden, not removed, from 0.2 on), a text
-- changed back is shipped, and every other effective row reads as before
-- (but the two reasons that 0.2 words from the settings).
BEGIN;
SELECT plan(10);

-- The effective rows as users read them: 0.2 states the rules by
-- placeholder ({documents_days}...), filled from the settings.
CREATE TEMP VIEW effective_0_2 AS
  SELECT 'transition' AS tbl, to_jsonb(t) AS content FROM passport.transition t
  UNION ALL SELECT 'status_text', to_jsonb(t) || jsonb_build_object('next_step', passport.fill_text(t.next_step, passport.policy_values()))
              FROM passport.status_text t
  UNION ALL SELECT 'message_template', to_jsonb(t) || jsonb_build_object('body', passport.fill_text(t.body, passport.policy_values()))
              FROM passport.message_template t
  UNION ALL SELECT 'bot_text', to_jsonb(t) || jsonb_build_object('body', passport.fill_text(t.body, passport.policy_values()))
              FROM passport.bot_text t
  UNION ALL SELECT 'info', to_jsonb(t) FROM passport.info t;

SELECT results_eq(
  $$SELECT t, k FROM (
      SELECT 'transition' AS t, concat_ws('/', from_status, to_status, actor_role, CASE WHEN removed THEN 'removed' END) AS k
        FROM passport.transition_base WHERE NOT builtin
      UNION ALL SELECT 'status_text', concat_ws('/', status, language) FROM passport.status_text_base WHERE NOT builtin
      UNION ALL SELECT 'message_template', concat_ws('/', template, language) FROM passport.message_template_base WHERE NOT builtin
      UNION ALL SELECT 'bot_text', concat_ws('/', key, language) FROM passport.bot_text_base WHERE NOT builtin
      UNION ALL SELECT 'info', concat_ws('/', topic, service, language) FROM passport.info_base WHERE NOT builtin) x
    ORDER BY 1, 2$$,
  $$VALUES ('bot_text', 'menu/en'), ('bot_text', 'reason_PP018/id'), ('info', 'requirements/data_change/en'),
           ('message_template', 'pickup_deadline/en'), ('transition', 'interviewed/cancelled/officer/removed'),
           ('transition', 'verified/rejected/officer')$$,
  'what administrators changed, added or removed under 0.1 is theirs, nothing else');

SELECT ok((SELECT body LIKE 'Welcome to the Immigration passport WhatsApp service.%'
             FROM passport.bot_text_base WHERE key = 'menu' AND language = 'en' AND builtin),
          'the shipped text under an edited one is 0.1''s');
SELECT ok((SELECT body FROM passport.message_template_base WHERE template = 'pickup_deadline' AND language = 'en' AND builtin)
          = 'Your passport ({application_number}) has not been collected. Collect it at {office} by {pickup_until}.',
          'the shipped template under an edited one is 0.1''s');
SELECT ok(EXISTS (SELECT 1 FROM passport.transition_base
                   WHERE from_status = 'interviewed' AND to_status = 'cancelled' AND builtin),
          'a shipped rule deleted under 0.1 is shipped again');
SELECT ok(NOT EXISTS (SELECT 1 FROM passport.transition WHERE from_status = 'interviewed' AND to_status = 'cancelled'),
          'and stays removed');
SELECT results_eq(
  $$SELECT tbl, content FROM (
      SELECT tbl, content FROM pg_temp.effective_0_2
      EXCEPT SELECT tbl, content FROM public.effective_0_1) x ORDER BY tbl, content::text COLLATE "C"$$,
  $$SELECT * FROM (VALUES ('bot_text', '{"key": "reason_PP005", "body": "this NIK recently cancelled or missed a visit; try again after 24 hours.", "language": "en"}'::jsonb),
           ('bot_text', '{"key": "reason_PP005", "body": "NIK ini baru membatalkan atau tidak hadir; coba lagi setelah 24 jam.", "language": "id"}'::jsonb),
           ('bot_text', '{"key": "reason_PP008", "body": "a booking can be moved 1 time(s), at least 1 day(s) before.", "language": "en"}'::jsonb),
           ('bot_text', '{"key": "reason_PP008", "body": "jadwal hanya dapat diubah 1 kali dan paling lambat 1 hari sebelumnya.", "language": "id"}'::jsonb),
           ('status_text', '{"label": "Not collected", "status": "uncollected", "language": "en", "next_step": "The passport was not collected within 30 days and has been cancelled."}'::jsonb)) v (tbl, content) ORDER BY tbl, content::text COLLATE "C"$$,
  'every effective row is as before, and a shipped text deleted under 0.1 is shown again');
SELECT is((SELECT count(*)::integer FROM public.effective_0_1 e
            WHERE NOT EXISTS (SELECT 1 FROM pg_temp.effective_0_2 n
                               WHERE n.tbl = e.tbl AND n.content = e.content)
              AND NOT (e.tbl = 'bot_text' AND e.content->>'key' IN ('reason_PP005', 'reason_PP008'))),
          0, 'no effective row of 0.1 is lost but the two reasons reworded in 0.2');
SELECT is(passport.bot_say('menu', 'en'),
          'Passport service: 1 book, 2 status, 3 pay, 4 requirements, 5 pickup, 6 feedback.',
          'the bot sends the administrators'' text');
SELECT lives_ok($$SELECT passport.remove_bot_text('menu', 'en')$$, 'an override kept from 0.1 is removed like any other');
SELECT ok(passport.bot_say('menu', 'en') LIKE 'Welcome to the Immigration passport WhatsApp service.%',
          'and the shipped text is sent again');

SELECT * FROM finish();
ROLLBACK;
