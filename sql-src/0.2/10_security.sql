--------------------------------------------------------------------------
-- Security foundations: who is calling, keys per purpose, the
-- administrative audit
--------------------------------------------------------------------------

CREATE FUNCTION passport.calling_role()
  RETURNS name
  AS 'MODULE_PATHNAME', 'passport_calling_role'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION passport.calling_role() IS
  'The role that called, outside every SECURITY DEFINER function (the session''s role after SET ROLE): what access checks and the audit record, never the functions'' owner.';
REVOKE ALL ON FUNCTION passport.calling_role() FROM PUBLIC;

CREATE FUNCTION passport.keyed_hash(purpose text, value text)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_keyed_hash'
  LANGUAGE C STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.keyed_hash(text, text) IS
  'Hex HMAC-SHA256 of value under the key of purpose, derived from the installation key (HMAC of the key with the purpose''s name): a pseudonym stable within one installation and purpose. Purposes are lower-case names; "ff1" is reserved for the numbers.';
REVOKE ALL ON FUNCTION passport.keyed_hash(text, text) FROM PUBLIC;

-- Administrative audit: every change an administrator makes through
-- passport's functions, with who, when, and the row before and after.
-- Append-only: no role may UPDATE or DELETE it; the time is the real
-- statement time, never the pinnable passport.now().
CREATE TABLE passport.admin_audit (
  audit_id bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
  at       timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp(),
  actor    text        NOT NULL,
  action   text        NOT NULL,
  object   text        NOT NULL,
  before   jsonb,
  after    jsonb,
  CONSTRAINT admin_audit_pkey PRIMARY KEY (audit_id),
  CONSTRAINT admin_audit_changes CHECK (before IS NOT NULL OR after IS NOT NULL)
);
COMMENT ON TABLE passport.admin_audit IS
  'Append-only record of administrative changes made through passport''s functions (catalog, capacity, closures, releases, rules, texts, templates, tariffs, office bindings, privileges): who (the calling role), when (real time), what, and the row before and after.';
COMMENT ON SEQUENCE passport.admin_audit_audit_id_seq IS 'Numbers audit records.';
REVOKE ALL ON passport.admin_audit FROM PUBLIC;
REVOKE ALL ON SEQUENCE passport.admin_audit_audit_id_seq FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.admin_audit', '');
SELECT pg_catalog.pg_extension_config_dump('passport.admin_audit_audit_id_seq', '');

CREATE FUNCTION passport.audit(action text, object text, before jsonb, after jsonb)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO passport.admin_audit (actor, action, object, before, after)
  VALUES (passport.calling_role(), action, object, before, after)
$$;
COMMENT ON FUNCTION passport.audit(text, text, jsonb, jsonb) IS
  'Records one administrative change in passport.admin_audit with the calling role (used by the administrators'' functions; granted to no role).';
REVOKE ALL ON FUNCTION passport.audit(text, text, jsonb, jsonb) FROM PUBLIC;

INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege) VALUES
  ('passport_admin', 'table', 'passport.admin_audit', 'SELECT');
