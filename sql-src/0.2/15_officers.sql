--------------------------------------------------------------------------
-- Officers and their offices: administrators bind officer roles to
-- offices; every officer function and row-level security check the binding
-- of the calling role
--------------------------------------------------------------------------

CREATE TABLE passport.officer_office (
  role_name text        NOT NULL,
  office_id bigint      NOT NULL,
  bound_at  timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp(),
  bound_by  text        NOT NULL,
  CONSTRAINT officer_office_pkey PRIMARY KEY (role_name, office_id),
  CONSTRAINT officer_office_office_fkey FOREIGN KEY (office_id) REFERENCES passport.office (office_id)
);
COMMENT ON TABLE passport.officer_office IS
  'Which offices each officer role acts on (a login role, or a group role whose members are officers). An officer may hold several offices. Written by passport.bind_officer() and passport.unbind_officer().';
CREATE INDEX officer_office_office ON passport.officer_office (office_id);
REVOKE ALL ON passport.officer_office FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.officer_office', '');

CREATE FUNCTION passport.bind_officer(role_name name, office_code text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.office_id(office_code);
BEGIN
  IF role_name IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = bind_officer.role_name) THEN
    RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = '42704';
  END IF;
  IF NOT pg_catalog.pg_has_role(role_name, 'passport_officer', 'MEMBER') THEN
    RAISE EXCEPTION 'role "%" is not an officer', role_name
      USING ERRCODE = '22023',
            DETAIL = 'Only members of passport_officer are bound to offices.',
            HINT = format('GRANT passport_officer TO %I first.', role_name);
  END IF;
  INSERT INTO passport.officer_office (role_name, office_id, bound_by)
  VALUES (bind_officer.role_name, oid_, passport.calling_role())
  ON CONFLICT ON CONSTRAINT officer_office_pkey DO NOTHING;
  IF FOUND THEN
    PERFORM passport.audit('bind_officer', format('officer %s office %s', role_name, upper(office_code)),
                           NULL, jsonb_build_object('role_name', role_name, 'office', upper(office_code)));
  END IF;
  IF passport.distributed() THEN
    PERFORM passport.sync_office_roles();
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.bind_officer(name, text) IS
  'Binds an officer role (a member of passport_officer) to an office: from then on it acts on that office''s reservations, applications, tickets and rows. Idempotent; audited.';
REVOKE ALL ON FUNCTION passport.bind_officer(name, text) FROM PUBLIC;

CREATE FUNCTION passport.unbind_officer(role_name name, office_code text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.office_id(office_code);
  gone passport.officer_office;
BEGIN
  DELETE FROM passport.officer_office b
   WHERE b.role_name = unbind_officer.role_name AND b.office_id = oid_
  RETURNING * INTO gone;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role "%" is not bound to office "%"', role_name, upper(office_code)
      USING ERRCODE = 'PP006';
  END IF;
  PERFORM passport.audit('unbind_officer', format('officer %s office %s', role_name, upper(office_code)),
                         jsonb_build_object('role_name', role_name, 'office', upper(office_code),
                                            'bound_at', gone.bound_at, 'bound_by', gone.bound_by), NULL);
  IF passport.distributed() THEN
    PERFORM passport.sync_office_roles();
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.unbind_officer(name, text) IS
  'Withdraws an officer role from an office; its next call on that office is refused. Audited.';
REVOKE ALL ON FUNCTION passport.unbind_officer(name, text) FROM PUBLIC;

CREATE FUNCTION passport.my_offices()
  RETURNS TABLE (office_code text, office_name text, bound_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT o.code, o.name, pg_catalog.min(b.bound_at)
    FROM passport.officer_office b
    JOIN pg_catalog.pg_roles r ON r.rolname = b.role_name
    JOIN passport.office o ON o.office_id = b.office_id
   WHERE pg_catalog.pg_has_role(passport.calling_role(), r.oid, 'MEMBER')
   GROUP BY o.code, o.name
   ORDER BY o.code
$$;
COMMENT ON FUNCTION passport.my_offices() IS
  'The offices the calling role is bound to (directly or through a role it belongs to).';
REVOKE ALL ON FUNCTION passport.my_offices() FROM PUBLIC;

CREATE VIEW passport.officer_binding AS
  SELECT b.role_name, o.code AS office_code, b.bound_at, b.bound_by
    FROM passport.officer_office b JOIN passport.office o ON o.office_id = b.office_id;
COMMENT ON VIEW passport.officer_binding IS 'Officer roles and the offices they are bound to (for administrators).';
REVOKE ALL ON passport.officer_binding FROM PUBLIC;

-- Row-level security reads the checked setting passport.office through
-- these two functions, which read no table: a policy on a distributed table
-- must not.
CREATE FUNCTION passport.office_scope()
  RETURNS bigint[]
  AS 'MODULE_PATHNAME', 'passport_office_scope'
  LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION passport.office_scope() IS
  'Office numbers of the setting passport.office, which admits only offices the role is bound to: what row-level security shows an officer.';
REVOKE ALL ON FUNCTION passport.office_scope() FROM PUBLIC;

CREATE FUNCTION passport.sees_all_offices()
  RETURNS boolean
  AS 'MODULE_PATHNAME', 'passport_sees_all_offices'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION passport.sees_all_offices() IS
  'True for superusers and members of passport_admin, whom row-level security shows every office.';
REVOKE ALL ON FUNCTION passport.sees_all_offices() FROM PUBLIC;

ALTER POLICY reservation_by_office ON passport.reservation
  USING (office_id = ANY (passport.office_scope()) OR passport.sees_all_offices());
ALTER POLICY application_by_office ON passport.application
  USING (office_id = ANY (passport.office_scope()) OR passport.sees_all_offices());
ALTER POLICY application_event_by_office ON passport.application_event
  USING (office_id = ANY (passport.office_scope()) OR passport.sees_all_offices());
ALTER POLICY billing_by_office ON passport.billing
  USING (office_id = ANY (passport.office_scope()) OR passport.sees_all_offices());
ALTER POLICY queue_ticket_by_office ON passport.queue_ticket
  USING (office_id = ANY (passport.office_scope()) OR passport.sees_all_offices());
ALTER POLICY outbox_by_office ON passport.outbox
  USING (office_id = ANY (passport.office_scope()) OR passport.sees_all_offices());
ALTER POLICY slot_by_office ON passport.slot
  USING (office_id = ANY (passport.office_scope()) OR passport.sees_all_offices());

-- the unchecked helpers of 0.1's policies are gone
DROP FUNCTION passport.current_office_id();
DROP FUNCTION passport.is_admin();
DELETE FROM passport.role_privilege
 WHERE object_kind = 'function' AND object_name IN ('passport.current_office_id()', 'passport.is_admin()');

-- every group role may evaluate the policies (the planner calls these
-- functions even for a role that is then refused the table)
INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege)
SELECT r, 'function', f, 'EXECUTE'
  FROM unnest(ARRAY['passport_adapter', 'passport_officer', 'passport_reporter', 'passport_admin',
                    'passport_payment']) r,
       unnest(ARRAY['passport.office_scope()', 'passport.sees_all_offices()']) f
UNION ALL
SELECT r, 'function', 'passport.my_offices()', 'EXECUTE'
  FROM unnest(ARRAY['passport_officer', 'passport_admin']) r
UNION ALL
SELECT 'passport_admin', 'function', f, 'EXECUTE'
  FROM unnest(ARRAY['passport.bind_officer(name,text)', 'passport.unbind_officer(name,text)']) f
UNION ALL
SELECT 'passport_admin', 'table', 'passport.officer_binding', 'SELECT';

CREATE FUNCTION passport.require_office(office_id bigint)
  RETURNS void
  AS 'MODULE_PATHNAME', 'passport_require_office'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION passport.require_office(bigint) IS
  'For the lookups adapters and officers both call: raises 42501 when the calling role is an officer (and not an adapter) that is not bound to the office. Granted to no role; the lookups call it.';
REVOKE ALL ON FUNCTION passport.require_office(bigint) FROM PUBLIC;
