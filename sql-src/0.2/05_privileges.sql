--------------------------------------------------------------------------
-- Privileges as data: what each group role may use, one row per grant,
-- applied by passport.setup_roles()
--------------------------------------------------------------------------

-- The privilege model in one table. setup_roles() makes the grants of the
-- group roles on passport's objects exactly these rows (granting what is
-- missing, revoking what is not listed), so the model can be read, tested
-- and documented from one place. Part files of later versions add rows for
-- the objects they create.
--
-- Extension scripts never grant to or revoke from these roles themselves:
-- a GRANT or REVOKE run by CREATE or ALTER EXTENSION is recorded as the
-- object's initial privilege, which pg_dump then leaves out of a dump.
-- After ALTER EXTENSION UPDATE, run SELECT passport.setup_roles().
CREATE TABLE passport.role_privilege (
  role_name   text NOT NULL,
  object_kind text NOT NULL,
  object_name text NOT NULL,
  privilege   text NOT NULL,
  CONSTRAINT role_privilege_pkey PRIMARY KEY (role_name, object_kind, object_name, privilege),
  CONSTRAINT role_privilege_role_known CHECK (role_name IN
    ('passport_adapter', 'passport_officer', 'passport_reporter', 'passport_admin', 'passport_payment')),
  CONSTRAINT role_privilege_kind_known CHECK (object_kind IN ('schema', 'function', 'table', 'sequence')),
  CONSTRAINT role_privilege_privilege_known CHECK (privilege IN
    ('USAGE', 'EXECUTE', 'SELECT', 'INSERT', 'UPDATE', 'DELETE'))
);
COMMENT ON TABLE passport.role_privilege IS
  'The privilege model: each row is one privilege of a group role on one object (functions by signature, tables and views by name). passport.setup_roles() makes the grants equal to these rows.';
REVOKE ALL ON passport.role_privilege FROM PUBLIC;

INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege)
SELECT r, 'schema', 'passport', 'USAGE'
  FROM unnest(ARRAY['passport_adapter', 'passport_officer', 'passport_reporter', 'passport_admin']) r
UNION ALL
SELECT r, 'function', f, 'EXECUTE'
  FROM unnest(ARRAY['passport_adapter', 'passport_officer', 'passport_reporter', 'passport_admin']) r,
       unnest(ARRAY['passport.now()', 'passport.current_office_id()', 'passport.is_admin()']) f
UNION ALL
-- adapters (bots, apps): only the calls a booking channel needs
SELECT 'passport_adapter', 'function', f, 'EXECUTE' FROM unnest(ARRAY[
  'passport.reserve(text,text,text,date,text,text,date,text,text,text,text,time without time zone,boolean)',
  'passport.cancel(text,text,date)',
  'passport.reschedule(text,date,time without time zone,text,date,boolean)',
  'passport.find_reservation(text,text,date)',
  'passport.availability(text,date,integer,text)',
  'passport.normalize_reservation_number(text)',
  'passport.is_reservation_number(text)',
  'passport.normalize_phone(text)',
  'passport.nik_problem(text)',
  'passport.tariff_amount(text,text,integer,date)',
  'passport.billing_amount(text,text,integer,boolean,boolean,date)',
  'passport.application_status(text,text,date,text)',
  'passport.confirm_payment(text,bigint,text,timestamp with time zone)',
  'passport.claim_messages(text,integer,text,interval)',
  'passport.ack_message(bigint,bigint)',
  'passport.fail_message(bigint,bigint,text)',
  'passport.handle_message(text,text,text,text)']) f
UNION ALL
-- waiting-room screens are adapters too: ticket codes and counters only
SELECT 'passport_adapter', 'table', 'passport.queue_display', 'SELECT'
UNION ALL
-- officers: their office's reservations (row-level security) and the counter
SELECT 'passport_officer', 'function', f, 'EXECUTE' FROM unnest(ARRAY[
  'passport.check_in(text,text)',
  'passport.find_reservation(text,text,date)',
  'passport.availability(text,date,integer,text)',
  'passport.normalize_reservation_number(text)',
  'passport.nik_parts(text)',
  'passport.tariff_amount(text,text,integer,date)',
  'passport.billing_amount(text,text,integer,boolean,boolean,date)',
  'passport.add_working_days(bigint,date,integer)',
  'passport.open_application(text,text,integer,boolean)',
  'passport.open_walk_in(text,text,text,text,text,date,text,text,integer,boolean)',
  'passport.transition(text,text,text,integer,text,text)',
  'passport.application_status(text,text,date,text)',
  'passport.walk_in_ticket(text,text)',
  'passport.pickup_ticket(text)',
  'passport.call_next(text,text,text[])',
  'passport.recall(text,text)',
  'passport.start_service(text,text)',
  'passport.finish_service(text,text)']) f
UNION ALL
SELECT 'passport_officer', 'table', t, 'SELECT' FROM unnest(ARRAY[
  'passport.queue_ticket', 'passport.queue_display', 'passport.office', 'passport.lane',
  'passport.service', 'passport.passport_kind', 'passport.reservation', 'passport.slot',
  'passport.application', 'passport.application_event', 'passport.billing', 'passport.transition',
  'passport.application_status', 'passport.status_text']) t
UNION ALL
-- reporters: reference data and aggregates, never NIK or phone
SELECT 'passport_reporter', 'table', t, 'SELECT' FROM unnest(ARRAY[
  'passport.office', 'passport.lane', 'passport.service', 'passport.passport_kind', 'passport.tariff',
  'passport.holiday', 'passport.capacity_overview', 'passport.transition', 'passport.application_status',
  'passport.status_text', 'passport.queue_display', 'passport.feedback', 'passport.report_utilisation',
  'passport.report_no_shows', 'passport.report_waiting', 'passport.report_processing',
  'passport.report_backlog', 'passport.report_feedback']) t
UNION ALL
-- administrators: the catalog through its functions, every row but the key
SELECT 'passport_admin', 'function', f, 'EXECUTE' FROM unnest(ARRAY[
  'passport.create_office(text,text,text,text,text,text,text,integer,integer,time without time zone)',
  'passport.set_release_policy(text,integer,time without time zone)',
  'passport.add_capacity_rule(text,integer,text,time without time zone,time without time zone,integer,integer)',
  'passport.remove_capacity_rule(text,bigint)',
  'passport.close_day(text,date,text)',
  'passport.release_slots(text,date,date)',
  'passport.set_slot_capacity(text,text,date,time without time zone,integer)',
  'passport.availability(text,date,integer,text)',
  'passport.sweep(text)',
  'passport.office_id(text)',
  'passport.check_in(text,text)',
  'passport.find_reservation(text,text,date)',
  'passport.tariff_amount(text,text,integer,date)',
  'passport.nik_parts(text)',
  'passport.billing_amount(text,text,integer,boolean,boolean,date)',
  'passport.add_working_days(bigint,date,integer)',
  'passport.open_application(text,text,integer,boolean)',
  'passport.open_walk_in(text,text,text,text,text,date,text,text,integer,boolean)',
  'passport.transition(text,text,text,integer,text,text)',
  'passport.application_status(text,text,date,text)',
  'passport.walk_in_ticket(text,text)',
  'passport.pickup_ticket(text)',
  'passport.call_next(text,text,text[])',
  'passport.recall(text,text)',
  'passport.start_service(text,text)',
  'passport.finish_service(text,text)',
  'passport.render_message(text,text,jsonb)',
  'passport.purge_personal_data(interval,interval)']) f
UNION ALL
SELECT 'passport_admin', 'table', t, 'SELECT' FROM unnest(ARRAY[
  'passport.queue_ticket', 'passport.queue_display', 'passport.outbox', 'passport.message_template',
  'passport.bot_text', 'passport.info', 'passport.feedback', 'passport.report_utilisation',
  'passport.report_no_shows', 'passport.report_waiting', 'passport.report_processing',
  'passport.report_backlog', 'passport.report_feedback', 'passport.office', 'passport.lane',
  'passport.service', 'passport.passport_kind', 'passport.tariff', 'passport.capacity_rule',
  'passport.holiday', 'passport.office_closure', 'passport.slot', 'passport.reservation',
  'passport.capacity_overview', 'passport.application', 'passport.application_event',
  'passport.billing', 'passport.transition', 'passport.application_status', 'passport.status_text']) t
UNION ALL
-- administrators edit the rules and the texts; the history stays append-only
SELECT 'passport_admin', 'table', t, p
  FROM unnest(ARRAY['passport.message_template', 'passport.bot_text', 'passport.info',
                    'passport.transition', 'passport.status_text']) t,
       unnest(ARRAY['INSERT', 'UPDATE', 'DELETE']) p;

CREATE FUNCTION passport.grant_privileges()
  RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  g record;
BEGIN
  -- grant what the model lists and the roles lack, revoke what it does not
  -- list; every change goes into the administrative audit
  FOR g IN
    SELECT 'GRANT' AS verb, p.* FROM passport.role_privilege p
     WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = p.role_name)
       AND NOT EXISTS (SELECT 1 FROM passport.granted_privileges() x
                        WHERE x.role_name = p.role_name AND x.object_kind = p.object_kind
                          AND x.object_name = p.object_name AND x.privilege = p.privilege)
    UNION ALL
    SELECT 'REVOKE', x.* FROM passport.granted_privileges() x
     WHERE NOT EXISTS (SELECT 1 FROM passport.role_privilege p
                        WHERE p.role_name = x.role_name AND p.object_kind = x.object_kind
                          AND p.object_name = x.object_name AND p.privilege = x.privilege)
    ORDER BY 1, 2, 3, 4, 5
  LOOP
    EXECUTE format('%s %s ON %s %s %s %I', g.verb, g.privilege,
                   CASE g.object_kind WHEN 'schema' THEN 'SCHEMA' WHEN 'function' THEN 'ROUTINE'
                                      WHEN 'sequence' THEN 'SEQUENCE' ELSE 'TABLE' END,
                   g.object_name, CASE g.verb WHEN 'GRANT' THEN 'TO' ELSE 'FROM' END, g.role_name);
    PERFORM passport.audit(lower(g.verb), format('%s %s on %s %s', g.role_name, g.privilege, g.object_kind, g.object_name),
                           CASE g.verb WHEN 'REVOKE' THEN jsonb_build_object('privilege', g.privilege) END,
                           CASE g.verb WHEN 'GRANT' THEN jsonb_build_object('privilege', g.privilege) END);
  END LOOP;
END;
$$;
COMMENT ON FUNCTION passport.grant_privileges() IS
  'Makes the privileges of the existing group roles on passport''s objects equal to passport.role_privilege (grants what is missing, revokes the rest), recording each change in passport.admin_audit. Called by setup_roles().';
REVOKE ALL ON FUNCTION passport.grant_privileges() FROM PUBLIC;

CREATE FUNCTION passport.granted_privileges()
  RETURNS TABLE (role_name text, object_kind text, object_name text, privilege text)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH roles AS (
    SELECT r.oid, r.rolname FROM pg_catalog.pg_roles r
     WHERE r.rolname IN ('passport_adapter', 'passport_officer', 'passport_reporter', 'passport_admin',
                         'passport_payment')
  ), objects AS (
    SELECT 'schema' AS kind, n.nspname::text AS name, n.nspacl AS acl
      FROM pg_catalog.pg_namespace n WHERE n.nspname = 'passport'
    UNION ALL
    SELECT 'function', p.oid::pg_catalog.regprocedure::text, p.proacl
      FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'passport'::pg_catalog.regnamespace
    UNION ALL
    SELECT CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END, c.oid::pg_catalog.regclass::text, c.relacl
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'passport'::pg_catalog.regnamespace AND c.relkind IN ('r', 'v', 'm', 'S', 'p')
  )
  SELECT roles.rolname::text, o.kind, o.name, a.privilege_type
    FROM objects o
   CROSS JOIN LATERAL pg_catalog.aclexplode(o.acl) a
    JOIN roles ON roles.oid = a.grantee
$$;
COMMENT ON FUNCTION passport.granted_privileges() IS
  'The privileges the group roles hold on passport''s objects now, in the shape of passport.role_privilege (for setup_roles() and the tests).';
REVOKE ALL ON FUNCTION passport.granted_privileges() FROM PUBLIC;

CREATE OR REPLACE FUNCTION passport.setup_roles()
  RETURNS SETOF text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r text;
  existing pg_catalog.pg_roles;
BEGIN
  FOR r IN SELECT DISTINCT p.role_name FROM passport.role_privilege p ORDER BY 1
  LOOP
    SELECT * INTO existing FROM pg_catalog.pg_roles x WHERE x.rolname = r;
    IF NOT FOUND THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      PERFORM passport.audit('create_role', format('role %s', r), NULL, jsonb_build_object('login', false));
      RETURN NEXT r;
    ELSIF existing.rolcanlogin OR existing.rolsuper OR existing.rolcreaterole OR existing.rolcreatedb
          OR existing.rolreplication OR existing.rolbypassrls THEN
      -- somebody made a role of that name first: granting to it would hand
      -- passport's privileges to whoever can use it
      RAISE EXCEPTION 'role "%" exists and is not a plain group role', r
        USING ERRCODE = '55000',
              DETAIL = 'passport''s group roles are NOLOGIN roles without special attributes; this one can log in or has SUPERUSER, CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS.',
              HINT = 'Drop or rename that role, or remove its attributes, then run passport.setup_roles() again.';
    END IF;
  END LOOP;
  PERFORM passport.grant_privileges();
  RETURN;
END;
$$;
COMMENT ON FUNCTION passport.setup_roles() IS
  'Creates the missing group roles (NOLOGIN) of passport.role_privilege and makes their privileges equal to its rows. Refuses a pre-existing role of the same name that can log in or has special attributes. Returns the roles it created. Needs CREATEROLE and ownership of the extension''s objects (a superuser); run it after CREATE EXTENSION and after every ALTER EXTENSION UPDATE.';
