-- Administration as real logins in the group roles: administrators change
-- the catalog, rules and texts only through the functions, each change
-- leaves one audit record with the calling login and the time, the edits
-- take effect where the texts and rules are read, no role rewrites the
-- audit, and other roles cannot call the edit functions.
SELECT count(*) >= 0 AS roles_set_up FROM passport.setup_roles();
SELECT current_user AS superuser, statement_timestamp() AS t0,
       coalesce((SELECT max(audit_id) FROM passport.admin_audit), 0) AS mark \gset
CREATE ROLE regress_admin_login LOGIN IN ROLE passport_admin;
CREATE ROLE regress_officer_login LOGIN IN ROLE passport_officer;
CREATE ROLE regress_bot_login LOGIN IN ROLE passport_adapter;
CREATE ROLE regress_reporter_login LOGIN IN ROLE passport_reporter;
-- try() survives reconnecting: shows 'ok' or the SQLSTATE, message and detail
CREATE SCHEMA regress_admin;
CREATE FUNCTION regress_admin.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN regexp_replace(SQLSTATE || ': ' || SQLERRM || coalesce(' | ' || nullif(d, ''), ''),
                        '\m[0-9]{15,16}\M', '<number>', 'g');
END $$;
GRANT USAGE ON SCHEMA regress_admin TO PUBLIC;
-- an application to move: submitted at JKS
SET passport.now_override = '2026-12-08 09:00+07';
CREATE TABLE regress_admin.app AS
  SELECT application_number FROM passport.open_walk_in('JKS', 'priority', 'renewal', '3171014708900091',
                                                       'Rina Wulandari', '1990-08-07');
GRANT SELECT ON regress_admin.app TO PUBLIC;
RESET passport.now_override;

-- the administrator, logged in as itself
\c - regress_admin_login
SELECT session_user, current_user;
SELECT passport.create_office('SMG', 'Kantor Imigrasi Kelas I TPI Semarang', 'kanim', 'Asia/Jakarta') > 0 AS office;
SELECT passport.set_release_policy('SMG', 14, '07:00');
SELECT passport.set_release_policy('SMG', 14, '07:00');    -- no change, no record
SELECT passport.add_capacity_rule('SMG', 3, 'regular', '08:00', '10:00', 60, 6) > 0 AS rule;
SELECT passport.add_capacity_rule('SMG', 4, 'regular', '08:00', '10:00', 60, 6) AS thursday_rule \gset
SELECT passport.remove_capacity_rule('SMG', :thursday_rule);
SELECT passport.close_day('SMG', '2027-01-13', 'Renovasi loket');
SELECT passport.release_slots('SMG', '2027-01-04', '2027-01-17') AS created;
SELECT passport.release_slots('SMG', '2027-01-04', '2027-01-17') AS created_again;    -- nothing new, no record
SELECT passport.set_slot_capacity('SMG', 'regular', '2027-01-06', '08:00', 8);
SELECT passport.add_tariff('passport', 'electronic', 10, '2027-07-01', 1000000, 'PP 99/2027');
SELECT passport.add_tariff('percepatan', NULL, NULL, '2027-07-01', 1100000);
SELECT passport.remove_tariff('percepatan', '', 0, '2027-07-01');
SELECT passport.remove_transition_rule('submitted', 'cancelled');
SELECT passport.add_transition_rule('submitted', 'rejected');
SELECT passport.set_status_text('rejected', 'en', 'Not approved', 'Ask the office which document was missing.');
SELECT passport.set_message_template('status_rejected', 'en',
         'Application {application_number} was not approved. Ask {office} why.');
SELECT passport.set_bot_text('reason_PP009', 'id', 'kantor belum atau sudah tidak melayani check-in.');
SELECT passport.set_bot_text('reason_PP009', 'en', 'the office is not checking in now.');
SELECT passport.set_info('requirements', 'renewal', 'en', 'Renewal: your KTP and the old passport, both originals.');
-- setting the shipped text again removes the override, and is a change too
SELECT passport.set_info('requirements', 'renewal', 'en', 'Renewal: electronic ID card and the old passport.');

-- the administrator reads the effective rows and the base tables
SELECT * FROM passport.transition WHERE from_status = 'submitted' ORDER BY to_status;
SELECT from_status, to_status, actor_role, builtin, removed FROM passport.transition_base
 WHERE NOT builtin ORDER BY 1, 2;
SELECT key, language, body FROM passport.bot_text WHERE key = 'reason_PP009';
SELECT count(*) AS own_info_rows FROM passport.info_base WHERE NOT builtin;

-- but writes no table directly, and cannot rewrite the audit
SELECT regress_admin.try($$INSERT INTO passport.bot_text VALUES ('menu', 'en', 'x')$$);
SELECT regress_admin.try($$UPDATE passport.bot_text_base SET body = 'x' WHERE key = 'menu'$$);
SELECT regress_admin.try($$DELETE FROM passport.transition WHERE from_status = 'submitted'$$);
SELECT regress_admin.try($$DELETE FROM passport.transition_base WHERE NOT builtin$$);
SELECT regress_admin.try($$UPDATE passport.status_text SET label = 'x'$$);
SELECT regress_admin.try($$UPDATE passport.message_template_base SET body = 'x'$$);
SELECT regress_admin.try($$INSERT INTO passport.info_base VALUES ('requirements', 'renewal', 'en', 'x', false)$$);
SELECT regress_admin.try($$INSERT INTO passport.tariff VALUES ('lost', '', 0, '2027-09-01', 1, NULL, false)$$);
SELECT regress_admin.try($$INSERT INTO passport.capacity_rule (office_id, weekday, lane, start_time, end_time, slot_minutes, capacity)
                           VALUES (1, 5, 'regular', '13:00', '14:00', 60, 1)$$);
SELECT regress_admin.try($$UPDATE passport.admin_audit SET actor = 'someone else'$$);
SELECT regress_admin.try($$DELETE FROM passport.admin_audit$$);
SELECT regress_admin.try($$INSERT INTO passport.admin_audit (actor, action, object, after) VALUES ('x', 'x', 'x', '{}')$$);
SELECT regress_admin.try($$SELECT passport.audit('forged', 'x', NULL, '{}')$$);

-- bad edits: each a clear SQLSTATE, nothing changed
SELECT regress_admin.try($$SELECT passport.add_transition_rule('submitted', 'lost')$$);
SELECT regress_admin.try($$SELECT passport.add_transition_rule('ready', 'ready')$$);
SELECT regress_admin.try($$SELECT passport.add_transition_rule('collected', 'ready', 'admin')$$);
SELECT regress_admin.try($$SELECT passport.add_transition_rule('ready', 'collected', 'payment')$$);
SELECT regress_admin.try($$SELECT passport.add_transition_rule('ready', 'collected', 'clerk')$$);
SELECT regress_admin.try($$SELECT passport.add_transition_rule('ready', NULL)$$);
SELECT regress_admin.try($$SELECT passport.remove_transition_rule('submitted', 'cancelled')$$);
SELECT regress_admin.try($$SELECT passport.remove_transition_rule('awaiting_payment', 'paid', 'payment')$$);
SELECT regress_admin.try($$SELECT passport.set_status_text('lost', 'en', 'x', 'y')$$);
SELECT regress_admin.try($$SELECT passport.set_status_text('ready', 'fr', 'Prêt', 'Venez')$$);
SELECT regress_admin.try($$SELECT passport.set_status_text('ready', 'en', ' ', 'Come')$$);
SELECT regress_admin.try($$SELECT passport.set_message_template('status_lost', 'en', 'x')$$);
SELECT regress_admin.try($$SELECT passport.set_message_template('status_rejected', 'en', '')$$);
SELECT regress_admin.try($$SELECT passport.set_bot_text('welcome', 'en', 'Hi')$$);
SELECT regress_admin.try($$SELECT passport.set_bot_text('reason_pp9', 'en', 'x')$$);
SELECT regress_admin.try($$SELECT passport.set_bot_text('reason_PP018', 'en', 'no walk-in places left today.')$$);
SELECT regress_admin.try($$SELECT passport.remove_bot_text('reason_PP009', 'id')$$);
SELECT regress_admin.try($$SELECT passport.set_info('opening_hours', '', 'en', 'x')$$);
SELECT regress_admin.try($$SELECT passport.set_info('requirements', 'visa', 'en', 'x')$$);
SELECT regress_admin.try($$SELECT passport.remove_bot_text('menu', 'en')$$);
SELECT regress_admin.try($$SELECT passport.remove_status_text('ready', 'en')$$);
SELECT regress_admin.try($$SELECT passport.remove_message_template('visit_reminder', 'id')$$);
SELECT regress_admin.try($$SELECT passport.remove_info('requirements', 'renewal', 'en')$$);
SELECT regress_admin.try($$SELECT passport.add_tariff('visa', '', 0, '2027-07-01', 1)$$);
SELECT regress_admin.try($$SELECT passport.add_tariff('passport', 'regular', 7, '2027-07-01', 1)$$);
SELECT regress_admin.try($$SELECT passport.add_tariff('lost', 'regular', 0, '2027-07-01', 1)$$);
SELECT regress_admin.try($$SELECT passport.add_tariff('lost', '', 0, '2027-07-01', -1)$$);
SELECT regress_admin.try($$SELECT passport.add_tariff('lost', '', 0, NULL, 1)$$);
SELECT regress_admin.try($$SELECT passport.add_tariff('passport', 'electronic', 10, '2027-07-01', 1)$$);
SELECT regress_admin.try($$SELECT passport.remove_tariff('passport', 'regular', 5, '2024-12-17')$$);
SELECT regress_admin.try($$SELECT passport.remove_tariff('passport', 'regular', 5, '2030-01-01')$$);
-- a placeholder that nothing fills is accepted with a warning
SELECT passport.set_bot_text('ask_office', 'en', 'Which office, {name}? Type its code or a city.');
SELECT passport.set_message_template('visit_reminder', 'en',
         'Tomorrow {date} {time} at {office}, number {reservation_number}, counter {counter}.');
SELECT passport.remove_bot_text('ask_office', 'en');
SELECT passport.remove_message_template('visit_reminder', 'en');
-- any text may state a rule by its placeholder (passport.policy_values): no warning
SELECT passport.set_bot_text('ask_office', 'en', 'Which office? Bookings open {reschedule_min_days} day(s) ahead at least.');
SELECT passport.remove_bot_text('ask_office', 'en');

-- other roles cannot call the edit functions nor touch the audit
\c - regress_officer_login
SELECT f, regress_admin.try('SELECT passport.' || f) FROM unnest(ARRAY[
  $$add_transition_rule('submitted', 'rejected')$$,
  $$remove_transition_rule('submitted', 'verified')$$,
  $$set_status_text('ready', 'en', 'x', 'y')$$,
  $$set_bot_text('menu', 'en', 'x')$$,
  $$set_message_template('status_rejected', 'en', 'x')$$,
  $$set_info('requirements', 'renewal', 'en', 'x')$$,
  $$add_tariff('lost', '', 0, '2028-01-01', 1)$$,
  $$create_office('XYZ', 'x', 'kanim', 'Asia/Jakarta')$$,
  $$close_day('JKS', '2027-02-01', 'x')$$]) f;
SELECT regress_admin.try($$UPDATE passport.admin_audit SET actor = 'x'$$);
SELECT regress_admin.try($$SELECT count(*) FROM passport.admin_audit$$);
SELECT count(*) > 0 AS officer_reads_rules FROM passport.transition;
\c - regress_bot_login
SELECT regress_admin.try($$SELECT passport.set_bot_text('menu', 'en', 'x')$$);
SELECT regress_admin.try($$SELECT passport.remove_bot_text('reason_PP009', 'en')$$);
SELECT regress_admin.try($$SELECT passport.release_slots('SMG', '2027-01-18', '2027-01-24')$$);
SELECT regress_admin.try($$DELETE FROM passport.admin_audit$$);
\c - regress_reporter_login
SELECT regress_admin.try($$SELECT passport.set_status_text('ready', 'en', 'x', 'y')$$);
SELECT regress_admin.try($$SELECT passport.add_tariff('lost', '', 0, '2028-01-01', 1)$$);
SELECT regress_admin.try($$UPDATE passport.admin_audit SET actor = 'x'$$);

\c - :superuser
-- no group role may change or delete audit records, or write them directly
SELECT r.rolname, has_table_privilege(r.rolname, 'passport.admin_audit', 'INSERT') AS can_insert,
       has_table_privilege(r.rolname, 'passport.admin_audit', 'UPDATE') AS can_update,
       has_table_privilege(r.rolname, 'passport.admin_audit', 'DELETE') AS can_delete,
       has_table_privilege(r.rolname, 'passport.admin_audit', 'TRUNCATE') AS can_truncate,
       has_function_privilege(r.rolname, 'passport.audit(text, text, jsonb, jsonb)', 'EXECUTE') AS can_audit
  FROM pg_roles r WHERE r.rolname LIKE 'passport\_%' ORDER BY 1;
-- one record per change, in order, each with the login that called and the real time
SELECT action, regexp_replace(object, 'rule [0-9]+', 'rule #') AS object,
       before IS NOT NULL AS has_before, after IS NOT NULL AS has_after
  FROM passport.admin_audit WHERE audit_id > :mark ORDER BY audit_id;
SELECT count(*) AS records, count(DISTINCT actor) AS actors, min(actor) AS actor,
       bool_and(at >= :'t0' AND at <= statement_timestamp()) AS at_real_time,
       bool_and(actor <> (SELECT proowner::regrole::text FROM pg_proc
                           WHERE oid = 'passport.create_office(text,text,text,text,text,text,text,integer,integer,time)'::regprocedure))
         AS never_the_owner
  FROM passport.admin_audit WHERE audit_id > :mark;
-- before and after, e.g. the release policy and the slot capacity
SELECT before ->> 'release_days_ahead' AS days_before, after ->> 'release_days_ahead' AS days_after,
       before ->> 'release_time' AS time_before, after ->> 'release_time' AS time_after
  FROM passport.admin_audit WHERE audit_id > :mark AND action = 'set_release_policy';
SELECT before ->> 'capacity' AS capacity_before, after ->> 'capacity' AS capacity_after, after ->> 'booked' AS booked
  FROM passport.admin_audit WHERE audit_id > :mark AND action = 'set_slot_capacity';
SELECT after - 'office_id' AS release FROM passport.admin_audit WHERE audit_id > :mark AND action = 'release_slots';
SELECT before ->> 'body' AS before, after ->> 'body' AS after
  FROM passport.admin_audit WHERE audit_id > :mark AND action = 'set_bot_text' AND object = 'bot text reason_PP009/en';

-- the edits take effect where the rules and texts are read
SET datestyle = 'ISO, YMD';
SET passport.now_override = '2026-12-08 10:00+07';
SELECT regress_admin.try(format($$SELECT passport.transition(%L, 'cancelled', 'submitted')$$,
                                (SELECT application_number FROM regress_admin.app)));
SELECT status, version FROM passport.transition((SELECT application_number FROM regress_admin.app), 'rejected', 'submitted');
SELECT label, next_step FROM passport.application_status((SELECT application_number FROM regress_admin.app),
                                                         birth_date => '1990-08-07', language => 'en');
SELECT passport.render_message('status_rejected', 'en', '{"application_number": "1234", "office": "JKS"}');
SELECT passport.render_message('status_rejected', 'id', '{"application_number": "1234", "office": "JKS"}');
SELECT passport.bot_reason('PP009', 'en', 'fallback'), passport.bot_reason('PP009', 'id', 'fallback');
SELECT passport.tariff_amount('passport', 'electronic', 10, '2027-06-30') AS until_june,
       passport.tariff_amount('passport', 'electronic', 10, '2027-07-01') AS from_july;
SELECT local_date, count(DISTINCT slot_id) AS slots, sum(capacity) AS capacity,
       min(opens_at AT TIME ZONE 'Asia/Jakarta') AS opens
  FROM passport.slot WHERE office_id = passport.office_id('SMG') GROUP BY local_date ORDER BY local_date;
RESET passport.now_override;

-- back to the shipped rules and texts, through the functions
\c - regress_admin_login
SELECT passport.add_transition_rule('submitted', 'cancelled');
SELECT passport.remove_transition_rule('submitted', 'rejected');
SELECT passport.remove_status_text('rejected', 'en');
SELECT passport.remove_message_template('status_rejected', 'en');
SELECT passport.remove_bot_text('reason_PP009', 'en');
SELECT passport.remove_bot_text('reason_PP009', 'id');
SELECT passport.remove_tariff('passport', 'electronic', 10, '2027-07-01');
SELECT (SELECT count(*) FROM passport.transition_base WHERE NOT builtin)
     + (SELECT count(*) FROM passport.status_text_base WHERE NOT builtin)
     + (SELECT count(*) FROM passport.message_template_base WHERE NOT builtin)
     + (SELECT count(*) FROM passport.bot_text_base WHERE NOT builtin)
     + (SELECT count(*) FROM passport.info_base WHERE NOT builtin)
     + (SELECT count(*) FROM passport.tariff WHERE NOT builtin) AS administrators_rows_left;
SELECT action, before IS NOT NULL AS has_before, after IS NOT NULL AS has_after
  FROM passport.admin_audit WHERE audit_id > :mark AND (action LIKE 'remove%' OR action = 'add_transition_rule')
 ORDER BY audit_id DESC LIMIT 7;

\c - :superuser
DROP SCHEMA regress_admin CASCADE;
DROP ROLE regress_admin_login, regress_officer_login, regress_bot_login, regress_reporter_login;
