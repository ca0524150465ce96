--------------------------------------------------------------------------
-- The offices, the codes of lanes, services, channels and passport kinds,
-- the application statuses and moves, kept by each backend of a single
-- node
--------------------------------------------------------------------------

-- Every booking checks its lane, service and channel, every move of an
-- application its rule, and most calls read their office. A backend keeps
-- the offices (number, code, name, time zone, payment policy, whether
-- active), those codes, the lanes' terms, the statuses and the moves
-- instead of reading the rows in every call's statements; a statement
-- that changes one of these tables invalidates what every backend keeps,
-- at its commit (and in its own transaction at once). A backend keeps the
-- installation key (passport.secret) likewise, instead of reading it in
-- every transaction that issues or reads a number. (The trigger of
-- passport.transition_base comes with that table, in part 95.)
-- passport.distribute() drops the triggers: Citus takes no trigger on a
-- reference table, and on a cluster backends keep nothing.
CREATE FUNCTION passport.reference_changed()
  RETURNS trigger
  AS 'MODULE_PATHNAME', 'passport_reference_changed'
  LANGUAGE C;
COMMENT ON FUNCTION passport.reference_changed() IS
  'Statement trigger of the tables whose rows each backend of a single node keeps (passport.office, lane, service, channel, passport_kind, application_status, transition_base, secret): what a backend keeps of the table is read again after the change commits.';
REVOKE ALL ON FUNCTION passport.reference_changed() FROM PUBLIC;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['office', 'lane', 'service', 'channel', 'passport_kind', 'application_status', 'secret'] LOOP
    EXECUTE pg_catalog.format('CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                              'ON passport.%I FOR EACH STATEMENT EXECUTE FUNCTION passport.reference_changed()', t);
  END LOOP;
END
$$;
