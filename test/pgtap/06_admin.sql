-- Administrators' API contract: the edit functions (signatures, security
-- attributes, one SQLSTATE per refusal), the effective views under the
-- original names with the original columns, the base tables pg_dump keeps
-- (administrators' rows only), and one audit record per change.
BEGIN;
SELECT plan(52);

-- the edit functions: SECURITY DEFINER, volatile, not for PUBLIC
CREATE TEMP TABLE edit_function (name text, args text[]);
INSERT INTO edit_function VALUES
  ('add_transition_rule', ARRAY['text', 'text', 'text']),
  ('remove_transition_rule', ARRAY['text', 'text', 'text']),
  ('set_status_text', ARRAY['text', 'text', 'text', 'text']),
  ('remove_status_text', ARRAY['text', 'text']),
  ('set_message_template', ARRAY['text', 'text', 'text']),
  ('remove_message_template', ARRAY['text', 'text']),
  ('set_bot_text', ARRAY['text', 'text', 'text']),
  ('remove_bot_text', ARRAY['text', 'text']),
  ('set_info', ARRAY['text', 'text', 'text', 'text']),
  ('remove_info', ARRAY['text', 'text', 'text']),
  ('add_tariff', ARRAY['text', 'text', 'integer', 'date', 'bigint', 'text']),
  ('remove_tariff', ARRAY['text', 'text', 'integer', 'date']);
SELECT has_function('passport', name, args) FROM edit_function ORDER BY name;
SELECT is((SELECT count(*)::integer FROM edit_function f
            JOIN pg_proc p ON p.pronamespace = 'passport'::regnamespace AND p.proname = f.name
           WHERE p.prosecdef AND p.provolatile = 'v'
             AND EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c = 'search_path=pg_catalog, pg_temp')
             AND NOT has_function_privilege('public', p.oid, 'EXECUTE')),
          12, 'every edit function is SECURITY DEFINER, volatile, with a pinned search_path, and not for PUBLIC');

-- readers see the original names and columns
SELECT columns_are('passport', 'transition', ARRAY['from_status', 'to_status', 'actor_role'], 'transition keeps its columns');
SELECT columns_are('passport', 'status_text', ARRAY['status', 'language', 'label', 'next_step'], 'status_text keeps its columns');
SELECT columns_are('passport', 'message_template', ARRAY['template', 'language', 'body'], 'message_template keeps its columns');
SELECT columns_are('passport', 'bot_text', ARRAY['key', 'language', 'body'], 'bot_text keeps its columns');
SELECT columns_are('passport', 'info', ARRAY['topic', 'service', 'language', 'body'], 'info keeps its columns');
SELECT is((SELECT count(*)::integer FROM pg_class c
            WHERE c.relnamespace = 'passport'::regnamespace AND c.relkind = 'v'
              AND c.relname IN ('transition', 'status_text', 'message_template', 'bot_text', 'info')),
          5, 'the five are views of the effective rows');
SELECT col_is_pk('passport', 'transition_base', ARRAY['from_status', 'to_status', 'actor_role', 'builtin'],
                 'a shipped rule and an administrators'' rule of one move do not collide');
SELECT col_is_pk('passport', 'bot_text_base', ARRAY['key', 'language', 'builtin'],
                 'a shipped text and an administrators'' text of one key do not collide');
SELECT results_eq(
  $$SELECT c::regclass::text, e.extcondition[i] COLLATE "default"
      FROM pg_extension e, unnest(e.extconfig) WITH ORDINALITY u(c, i)
     WHERE e.extname = 'passport' AND c::regclass::text ~ '_base$|tariff$' ORDER BY 1$$,
  $$VALUES ('passport.bot_text_base', 'WHERE NOT builtin'), ('passport.info_base', 'WHERE NOT builtin'),
           ('passport.message_template_base', 'WHERE NOT builtin'), ('passport.status_text_base', 'WHERE NOT builtin'),
           ('passport.tariff', 'WHERE NOT builtin'), ('passport.transition_base', 'WHERE NOT builtin'),
           ('passport.whatsapp_template_base', 'WHERE NOT builtin'), ('passport.whatsapp_text_base', 'WHERE NOT builtin')$$,
  'pg_dump keeps administrators'' rows and leaves the shipped ones to the installation');
SELECT is((SELECT count(*)::integer FROM (
             SELECT 1 FROM passport.transition GROUP BY from_status, to_status, actor_role HAVING count(*) > 1
             UNION ALL SELECT 1 FROM passport.bot_text GROUP BY key, language HAVING count(*) > 1
             UNION ALL SELECT 1 FROM passport.status_text GROUP BY status, language HAVING count(*) > 1
             UNION ALL SELECT 1 FROM passport.message_template GROUP BY template, language HAVING count(*) > 1
             UNION ALL SELECT 1 FROM passport.info GROUP BY topic, service, language HAVING count(*) > 1) d),
          0, 'the effective views show one row per key');

-- an override wins over the shipped row, and the shipped text again removes it
SELECT lives_ok($$SELECT passport.set_bot_text('unknown', 'en', 'Sorry?')$$, 'a shipped bot text is overridden');
SELECT is((SELECT body FROM passport.bot_text WHERE key = 'unknown' AND language = 'en'), 'Sorry?', 'the view shows the override');
SELECT is((SELECT count(*)::integer FROM passport.bot_text_base WHERE key = 'unknown' AND language = 'en'), 2,
          'the shipped row stays under it');
SELECT is((SELECT count(*)::integer FROM passport.admin_audit
            WHERE action = 'set_bot_text' AND object = 'bot text unknown/en' AND actor = session_user
              AND before ->> 'body' = 'Sorry, I did not understand that.' AND after ->> 'body' = 'Sorry?'),
          1, 'one audit record with the caller, before and after');
SELECT lives_ok($$SELECT passport.set_bot_text('unknown', 'en', 'Sorry, I did not understand that.')$$,
                'the shipped text set again');
SELECT is((SELECT count(*)::integer FROM passport.bot_text_base WHERE key = 'unknown' AND language = 'en' AND NOT builtin), 0,
          'removes the override');
SELECT lives_ok($$SELECT passport.set_bot_text('unknown', 'en', 'Sorry, I did not understand that.')$$, 'setting it once more');
SELECT is((SELECT count(*)::integer FROM passport.admin_audit WHERE object = 'bot text unknown/en'), 2,
          'changes nothing and records nothing');
SELECT lives_ok($$SELECT passport.remove_transition_rule('submitted', 'incomplete')$$, 'a shipped rule is removed');
SELECT ok(NOT EXISTS (SELECT 1 FROM passport.transition WHERE from_status = 'submitted' AND to_status = 'incomplete'),
          'the move is gone from passport.transition');
SELECT ok(EXISTS (SELECT 1 FROM passport.transition_base WHERE from_status = 'submitted' AND to_status = 'incomplete'
                    AND NOT builtin AND removed), 'as an administrators'' row marked removed');
SELECT lives_ok($$SELECT passport.add_transition_rule('submitted', 'incomplete')$$, 'and comes back');
SELECT is((SELECT count(*)::integer FROM passport.transition_base WHERE from_status = 'submitted' AND to_status = 'incomplete'),
          1, 'as the shipped rule alone');

-- one SQLSTATE per refusal
SELECT throws_ok($$SELECT passport.add_transition_rule('submitted', 'archived')$$, '22023', NULL, 'unknown status: 22023');
SELECT throws_ok($$SELECT passport.add_transition_rule('verified', 'verified')$$, '22023', NULL, 'a move to itself: 22023');
SELECT throws_ok($$SELECT passport.add_transition_rule('rejected', 'submitted')$$, '22023', NULL, 'a move out of a final status: 22023');
SELECT throws_ok($$SELECT passport.add_transition_rule('awaiting_payment', 'paid', 'payment')$$, '22023', NULL,
                 'payment and system moves are not edited: 22023');
SELECT throws_ok($$SELECT passport.add_transition_rule(NULL, 'paid')$$, '22004', NULL, 'a missing status: 22004');
SELECT throws_ok($$SELECT passport.remove_transition_rule('verified', 'ready')$$, 'PP006', NULL, 'no such rule: PP006');
SELECT throws_ok($$SELECT passport.set_bot_text('no_such_key', 'id', 'x')$$, '22023', NULL, 'unknown bot text key: 22023');
SELECT throws_ok($$SELECT passport.set_bot_text('menu', 'de', 'x')$$, '22023', NULL, 'unknown language: 22023');
SELECT throws_ok($$SELECT passport.set_bot_text('menu', 'en', '  ')$$, '22023', NULL, 'an empty text: 22023');
SELECT throws_ok($$SELECT passport.remove_bot_text('menu', 'id')$$, 'PP006', NULL, 'a shipped text is not removed: PP006');
SELECT throws_ok($$SELECT passport.set_message_template('no_such_template', 'id', 'x')$$, '22023', NULL, 'unknown template: 22023');
SELECT throws_ok($$SELECT passport.set_status_text('archived', 'id', 'x', 'y')$$, '22023', NULL, 'unknown status text: 22023');
SELECT throws_ok($$SELECT passport.set_info('requirements', 'visa', 'id', 'x')$$, '22023', NULL, 'unknown service: 22023');
SELECT throws_ok($$SELECT passport.add_tariff('passport', 'regular', 5, '2019-05-03', 1)$$, '23505', NULL,
                 'an existing tariff: 23505');
SELECT throws_ok($$SELECT passport.add_tariff('passport', 'diplomatic', 5, '2030-01-01', 1)$$, '22023', NULL,
                 'an unknown passport kind: 22023');
SELECT throws_ok($$SELECT passport.remove_tariff('lost', '', 0, '2019-05-03')$$, '22023', NULL,
                 'a shipped tariff is not removed: 22023');

SELECT * FROM finish();
ROLLBACK;
