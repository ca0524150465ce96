--------------------------------------------------------------------------
-- Scale-out: the guards as claims with tokens, entry points that Citus can
-- delegate to the worker that owns an office, and passport.distribute()
--------------------------------------------------------------------------
--
-- On one node a booking claims the NIK, counts the sender and takes the
-- place in one transaction, as before. On a Citus cluster the NIK, the
-- sender and the office live on different workers; a booking then runs as
-- a short protocol of single-shard transactions (passport.reserve_at):
--   1. claim the NIK (its shard): pending, with a random token
--   2. hold a place in the sender's count (its shard), with the token
--   3. book at the office (its shard), first writing the token's fence row
--   4. finish the claim (the NIK's shard): active, with the number
-- A failed step gives back what the earlier ones took. A crash between the
-- steps leaves a pending claim, which passport.settle_guards() (run by the
-- sweep) settles: it writes the void fence row of the token on the office's
-- shard, which a late booking cannot get past, and releases the claim and
-- the sender's hold; or it finds the booking's fence row and finishes the
-- claim. Releases go by token and are idempotent.

-- A token: microseconds since 2000 (the time the claim was made) shifted
-- left by 10 bits, plus 10 random bits. Unique enough per office, sender
-- and NIK, and its age is readable, so that a booking refuses a claim that
-- is too old to be trusted.
ALTER TABLE passport.nik_guard
  ADD COLUMN token bigint,
  ADD COLUMN claimed_at timestamptz,
  ADD COLUMN sender text;
COMMENT ON COLUMN passport.nik_guard.token IS
  'The claim: the token of the booking that holds the NIK (pending while code is NULL, active with the reservation number), NULL during a cooldown.';
COMMENT ON COLUMN passport.nik_guard.claimed_at IS
  'When the claim was made (real time of the node that made it): a claim still pending a while later is settled by passport.settle_guards().';
COMMENT ON COLUMN passport.nik_guard.sender IS
  'While a claim of a booking made in steps is pending: the sender whose place the booking may hold (passport.sender_hold), which settling gives back when the booking never happened; NULL otherwise.';

ALTER TABLE passport.reservation ADD COLUMN claim_token bigint;
COMMENT ON COLUMN passport.reservation.claim_token IS
  'The token of the NIK claim and sender hold this reservation holds while it is booked; its end releases them by this token.';

-- Who holds a place in a sender's count on a distributed installation:
-- one row per active reservation of a sender, so that a release (carried
-- out from passport.guard_release, perhaps twice) is by token and happens
-- once. One node needs none: a reservation ends once, in the transaction
-- that releases its place.
CREATE TABLE passport.sender_hold (
  sender    text        NOT NULL,
  token     bigint      NOT NULL,
  office_id bigint      NOT NULL,
  held_at   timestamptz NOT NULL,
  CONSTRAINT sender_hold_pkey PRIMARY KEY (sender, token)
);
COMMENT ON TABLE passport.sender_hold IS
  'On a distributed installation, one row per active reservation counted in passport.sender_guard (the sender, the claim token, the office): a release deletes its row and counts one less, so it happens once. Empty on one node; passport.distribute() fills it.';
REVOKE ALL ON passport.sender_hold FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.sender_hold', '');

-- The fence of a claim token at its office: a booking writes 'booked'
-- first; settling a claim whose booking never committed writes 'void',
-- after which that booking can never commit.
CREATE TABLE passport.booking_fence (
  office_id bigint      NOT NULL,
  token     bigint      NOT NULL,
  outcome   text        NOT NULL,
  code      text,
  at        timestamptz NOT NULL,
  CONSTRAINT booking_fence_pkey PRIMARY KEY (office_id, token),
  CONSTRAINT booking_fence_outcome_known CHECK (outcome IN ('booked', 'void')),
  CONSTRAINT booking_fence_code_when_booked CHECK ((code IS NOT NULL) = (outcome = 'booked'))
);
COMMENT ON TABLE passport.booking_fence IS
  'Per office and claim token of a booking made in steps (a distributed installation): booked (with the reservation number) when the booking committed, void when it was settled as never committed. Rows older than a day are deleted by passport.settle_guards().';
REVOKE ALL ON passport.booking_fence FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.booking_fence', '');

-- Releases owed by reservations that ended on a distributed installation
-- (cancelled, checked in, no-show): written in the office's transaction,
-- carried out on the NIK's and the sender's shards right after, or by
-- passport.settle_guards().
CREATE TABLE passport.guard_release (
  office_id      bigint      NOT NULL,
  code           text        NOT NULL,
  nik            text        NOT NULL,
  token          bigint      NOT NULL,
  sender         text,
  cooldown_until timestamptz,
  at             timestamptz NOT NULL,
  CONSTRAINT guard_release_pkey PRIMARY KEY (office_id, code)
);
COMMENT ON TABLE passport.guard_release IS
  'Per reservation that ended on a distributed installation: the NIK claim and sender hold (by token) it still has to release, and the cooldown to start. Deleted once carried out.';
REVOKE ALL ON passport.guard_release FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.guard_release', '');

-- Booked reservations of 0.1 get their token, and their NIK claim and
-- sender count the same token; sender counts become the count of holds.
UPDATE passport.reservation r
   SET claim_token = ((pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - timestamptz '2000-01-01 UTC')
                       * 1000000)::bigint << 10)
                     | (('x' || pg_catalog.encode(passport.random_bytes(2), 'hex'))::bit(16)::integer & 1023)
 WHERE r.status = 'booked';
UPDATE passport.nik_guard g
   SET token = r.claim_token, claimed_at = r.created_at
  FROM passport.reservation r
 WHERE r.office_id = g.office_id AND r.code = g.code AND r.claim_token IS NOT NULL;
-- a 0.1 guard whose reservation is gone no longer holds anything
DELETE FROM passport.nik_guard g WHERE g.code IS NOT NULL AND g.token IS NULL AND g.cooldown_until IS NULL;
UPDATE passport.nik_guard g SET office_id = NULL, code = NULL WHERE g.code IS NOT NULL AND g.token IS NULL;
-- every booked reservation with a sender counts in its sender's count,
-- with a limit set or not
INSERT INTO passport.sender_guard AS g (sender, active)
SELECT r.sender, pg_catalog.count(*)
  FROM passport.reservation r
 WHERE r.status = 'booked' AND r.sender IS NOT NULL
 GROUP BY r.sender
ON CONFLICT ON CONSTRAINT sender_guard_pkey DO UPDATE SET active = excluded.active;
UPDATE passport.sender_guard g SET active = 0
 WHERE NOT EXISTS (SELECT 1 FROM passport.reservation r WHERE r.sender = g.sender AND r.status = 'booked');

ALTER TABLE passport.nik_guard DROP CONSTRAINT nik_guard_active_or_cooling;
ALTER TABLE passport.nik_guard ADD CONSTRAINT nik_guard_state_valid CHECK (
  (token IS NULL) = (office_id IS NULL) AND (token IS NULL) = (claimed_at IS NULL)
  AND (code IS NULL OR token IS NOT NULL)
  AND (sender IS NULL OR (token IS NOT NULL AND code IS NULL)));
COMMENT ON TABLE passport.nik_guard IS
  'Per NIK: its claim (office_id, token; pending, or active with the reservation number code), or a cooldown after a cancellation or no-show.';

-- Claims pending for a while (nothing in the index on one node, where a
-- booking's claim is active at once): what passport.settle_guards() reads.
CREATE INDEX nik_guard_pending ON passport.nik_guard (claimed_at)
  WHERE token IS NOT NULL AND code IS NULL;

CREATE FUNCTION passport.settle_guards(grace interval DEFAULT '2 minutes',
                                       OUT claims_voided integer, OUT claims_finished integer,
                                       OUT releases integer, OUT fences_dropped integer)
  AS 'MODULE_PATHNAME', 'passport_settle_guards'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.settle_guards(interval) IS
  'Settles what bookings made in steps left behind (a distributed installation): a NIK claim still pending after grace gets the void fence of its token at its office unless its booking committed, and is then released with its sender''s hold, or made active; the releases owed by reservations that ended are carried out; fence rows older than a day are deleted. The sweep runs it; on a cluster run it every minute or so. Returns what it did.';
REVOKE ALL ON FUNCTION passport.settle_guards(interval) FROM PUBLIC;

--------------------------------------------------------------------------
-- Entry points with the office's number first, which Citus delegates to
-- the worker that owns the office (passport.distribute() registers them)
--------------------------------------------------------------------------

-- The booking. A procedure: on a distributed installation it commits after
-- each step (see the top of this file), so it cannot be SECURITY DEFINER
-- and runs as its caller; it makes each step as the extension's owner.
-- Citus does not delegate it: it runs on the coordinator, which keeps its
-- connections to the workers between the steps (a delegated call runs in a
-- backend serving a Citus connection, where Citus opens a new connection
-- for every step that reaches another worker: about twenty times slower),
-- and each step is one single-shard transaction on one worker. The same
-- holds for cancel_at and reschedule_at.
-- Called inside a transaction block, and on a single node, it books in one
-- transaction as reserve() does. The INOUT parameters after earliest are
-- the answer (pass nothing for them).
CREATE PROCEDURE passport.reserve_at(office_id bigint, service text, lane text, visit_date date,
                                     nik text, full_name text, birth_date date,
                                     phone text DEFAULT NULL, channel text DEFAULT 'api',
                                     sender text DEFAULT NULL, idempotency_key text DEFAULT NULL,
                                     preferred_time time DEFAULT NULL, earliest boolean DEFAULT false,
                                     INOUT reservation_number text DEFAULT NULL,
                                     INOUT office_code text DEFAULT NULL,
                                     INOUT local_date date DEFAULT NULL,
                                     INOUT start_time time DEFAULT NULL,
                                     INOUT end_time time DEFAULT NULL,
                                     INOUT status text DEFAULT NULL,
                                     INOUT duplicate boolean DEFAULT NULL)
  AS 'MODULE_PATHNAME', 'passport_reserve_at'
  LANGUAGE C;
COMMENT ON PROCEDURE passport.reserve_at(bigint, text, text, date, text, text, date, text, text, text, text, time, boolean, text, text, date, time, time, text, boolean) IS
  'reserve() for the office with this number, the booking call of a distributed installation. On a cluster it books in single-shard steps run from the coordinator (claim the NIK, hold the sender, book at the office, activate the claim), each committed on one worker, so that no transaction writes to two workers; elsewhere, and inside a transaction block, in one transaction. Answers reservation_number, office_code, local_date, start_time, end_time, status and duplicate as reserve() does.';
REVOKE ALL ON PROCEDURE passport.reserve_at(bigint, text, text, date, text, text, date, text, text, text, text, time, boolean, text, text, date, time, time, text, boolean) FROM PUBLIC;

CREATE PROCEDURE passport.cancel_at(office_id bigint, INOUT reservation_number text,
                                    sender text DEFAULT NULL, birth_date date DEFAULT NULL,
                                    INOUT office_code text DEFAULT NULL,
                                    INOUT local_date date DEFAULT NULL,
                                    INOUT start_time time DEFAULT NULL,
                                    INOUT end_time time DEFAULT NULL,
                                    INOUT lane text DEFAULT NULL,
                                    INOUT service text DEFAULT NULL,
                                    INOUT status text DEFAULT NULL)
  AS 'MODULE_PATHNAME', 'passport_cancel_at'
  LANGUAGE C;
COMMENT ON PROCEDURE passport.cancel_at(bigint, text, text, date, text, date, time, time, text, text, text) IS
  'cancel() for a reservation number of the office with this number, the cancellation call of a distributed installation. On a cluster in single-shard steps run from the coordinator: the sender''s lookup count, the cancellation at the office, the NIK''s release (with its cooldown), the sender''s. A number of another office, an unknown number or a wrong second factor answer status not_found.';
REVOKE ALL ON PROCEDURE passport.cancel_at(bigint, text, text, date, text, date, time, time, text, text, text) FROM PUBLIC;

CREATE PROCEDURE passport.reschedule_at(office_id bigint, INOUT reservation_number text, visit_date date,
                                        preferred_time time DEFAULT NULL, sender text DEFAULT NULL,
                                        birth_date date DEFAULT NULL, earliest boolean DEFAULT false,
                                        INOUT office_code text DEFAULT NULL,
                                        INOUT local_date date DEFAULT NULL,
                                        INOUT start_time time DEFAULT NULL,
                                        INOUT end_time time DEFAULT NULL,
                                        INOUT lane text DEFAULT NULL,
                                        INOUT service text DEFAULT NULL,
                                        INOUT status text DEFAULT NULL)
  AS 'MODULE_PATHNAME', 'passport_reschedule_at'
  LANGUAGE C;
COMMENT ON PROCEDURE passport.reschedule_at(bigint, text, date, time, text, date, boolean, text, date, time, time, text, text, text) IS
  'reschedule() for a reservation number of the office with this number, the reschedule call of a distributed installation (on a cluster run from the coordinator: the sender''s lookup count is a step of its own, the move one transaction on the office''s worker). A number of another office, an unknown number or a wrong second factor answer status not_found.';
REVOKE ALL ON PROCEDURE passport.reschedule_at(bigint, text, date, time, text, date, boolean, text, date, time, time, text, text, text) FROM PUBLIC;

CREATE FUNCTION passport.check_in_at(office_id bigint, reservation_number text)
  RETURNS passport.booking
  AS 'MODULE_PATHNAME', 'passport_check_in_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.check_in_at(bigint, text) IS
  'check_in() for a reservation number of the office with this number (PP006 for a number of another office), the call a distributed installation delegates to the office''s worker; there the NIK and the sender are released by the next passport.settle_guards().';
REVOKE ALL ON FUNCTION passport.check_in_at(bigint, text) FROM PUBLIC;

INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege)
SELECT r, 'function', f, 'EXECUTE'
  FROM unnest(ARRAY['passport_adapter', 'passport_admin']) r,
       unnest(ARRAY[
         'passport.reserve_at(bigint,text,text,date,text,text,date,text,text,text,text,time without time zone,boolean,text,text,date,time without time zone,time without time zone,text,boolean)',
         'passport.cancel_at(bigint,text,text,date,text,date,time without time zone,time without time zone,text,text,text)',
         'passport.reschedule_at(bigint,text,date,time without time zone,text,date,boolean,text,date,time without time zone,time without time zone,text,text,text)']) f
UNION ALL
SELECT r, 'function', 'passport.check_in_at(bigint,text)', 'EXECUTE'
  FROM unnest(ARRAY['passport_officer', 'passport_admin']) r
UNION ALL
SELECT 'passport_admin', 'function', 'passport.settle_guards(interval)', 'EXECUTE';

-- The outbox claim of one office (an adapter of a distributed installation
-- claims office by office, each call on the office's worker).
CREATE FUNCTION passport.claim_messages_at(office bigint, channel text, batch integer DEFAULT 10,
                                           worker text DEFAULT NULL, lease interval DEFAULT '2 minutes')
  RETURNS TABLE (office_id bigint, message_id bigint, recipient text, language text,
                 body text, attempt integer)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF claim_messages_at.office IS NULL THEN
    RAISE EXCEPTION 'office is required' USING ERRCODE = '22004';
  END IF;
  RETURN QUERY
  SELECT * FROM passport.claim_rendered(claim_messages_at.channel, claim_messages_at.batch,
                                        claim_messages_at.worker, claim_messages_at.lease,
                                        claim_messages_at.office);
END;
$$;
COMMENT ON FUNCTION passport.claim_messages_at(bigint, text, integer, text, interval) IS
  'claim_messages() for the messages of the office with this number (office; the answer''s columns are claim_messages''), the call a distributed installation delegates to the office''s worker.';
REVOKE ALL ON FUNCTION passport.claim_messages_at(bigint, text, integer, text, interval) FROM PUBLIC;
INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege) VALUES
  ('passport_adapter', 'function', 'passport.claim_messages_at(bigint,text,integer,text,interval)', 'EXECUTE');

-- The officers' calls and the bank's callback with the office's number
-- first. Those that find the office by a number refuse a number of another
-- office with PP006; otherwise each is its function.
CREATE FUNCTION passport.open_application_at(office_id bigint, reservation_number text,
                                             passport_kind text DEFAULT 'electronic',
                                             validity_years integer DEFAULT 10,
                                             force_majeure boolean DEFAULT false)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_open_application_at'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.open_application_at(bigint, text, text, integer, boolean) IS
  'open_application() for a reservation number of the office with this number (PP006 for another office''s), the call a distributed installation delegates to the office''s worker.';

CREATE FUNCTION passport.open_walk_in_at(office_id bigint, lane text, service text, nik text,
                                         full_name text, birth_date date, phone text DEFAULT NULL,
                                         passport_kind text DEFAULT 'electronic',
                                         validity_years integer DEFAULT 10,
                                         force_majeure boolean DEFAULT false)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_open_walk_in_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.open_walk_in_at(bigint, text, text, text, text, date, text, text, integer, boolean) IS
  'open_walk_in() at the office with this number, the call a distributed installation delegates to the office''s worker.';

CREATE FUNCTION passport.transition_at(office_id bigint, application_number text, to_status text,
                                       expected_status text DEFAULT NULL,
                                       expected_version integer DEFAULT NULL,
                                       reason text DEFAULT NULL, channel text DEFAULT 'counter')
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_transition_at'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.transition_at(bigint, text, text, text, integer, text, text) IS
  'transition() for an application number of the office with this number (PP006 for another office''s), the call a distributed installation delegates to the office''s worker.';

CREATE FUNCTION passport.confirm_payment_at(office_id bigint, billing_code text, amount bigint, ntpn text,
                                            paid_at timestamptz DEFAULT NULL)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_confirm_payment_at'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.confirm_payment_at(bigint, text, bigint, text, timestamptz) IS
  'confirm_payment() for a billing code of the office with this number (PP006 for another office''s), the call a distributed installation delegates to the office''s worker. The NTPN lives on its own shard: on a cluster a payment is a two-phase commit when that shard is on another worker (payments are few).';

CREATE FUNCTION passport.walk_in_ticket_at(office_id bigint, lane text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_walk_in_ticket_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.walk_in_ticket_at(bigint, text) IS
  'walk_in_ticket() at the office with this number, the call a distributed installation delegates to the office''s worker.';

CREATE FUNCTION passport.pickup_ticket_at(office_id bigint, application_number text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_pickup_ticket_at'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.pickup_ticket_at(bigint, text) IS
  'pickup_ticket() for an application number of the office with this number (PP006 for another office''s), the call a distributed installation delegates to the office''s worker.';

CREATE FUNCTION passport.call_next_at(office_id bigint, counter text, lanes text[] DEFAULT NULL)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_call_next_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.call_next_at(bigint, text, text[]) IS
  'call_next() at the office with this number, the call a distributed installation delegates to the office''s worker.';

CREATE FUNCTION passport.recall_at(office_id bigint, ticket text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_recall_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.recall_at(bigint, text) IS
  'recall() at the office with this number, the call a distributed installation delegates to the office''s worker.';

CREATE FUNCTION passport.start_service_at(office_id bigint, ticket text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_start_service_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.start_service_at(bigint, text) IS
  'start_service() at the office with this number, the call a distributed installation delegates to the office''s worker.';

CREATE FUNCTION passport.finish_service_at(office_id bigint, ticket text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_finish_service_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.finish_service_at(bigint, text) IS
  'finish_service() at the office with this number, the call a distributed installation delegates to the office''s worker.';

REVOKE ALL ON FUNCTION passport.open_application_at(bigint, text, text, integer, boolean),
                       passport.open_walk_in_at(bigint, text, text, text, text, date, text, text, integer, boolean),
                       passport.transition_at(bigint, text, text, text, integer, text, text),
                       passport.confirm_payment_at(bigint, text, bigint, text, timestamptz),
                       passport.walk_in_ticket_at(bigint, text), passport.pickup_ticket_at(bigint, text),
                       passport.call_next_at(bigint, text, text[]), passport.recall_at(bigint, text),
                       passport.start_service_at(bigint, text), passport.finish_service_at(bigint, text)
  FROM PUBLIC;

INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege)
SELECT r, 'function', f, 'EXECUTE'
  FROM unnest(ARRAY['passport_officer', 'passport_admin']) r,
       unnest(ARRAY[
         'passport.open_application_at(bigint,text,text,integer,boolean)',
         'passport.open_walk_in_at(bigint,text,text,text,text,date,text,text,integer,boolean)',
         'passport.transition_at(bigint,text,text,text,integer,text,text)',
         'passport.walk_in_ticket_at(bigint,text)', 'passport.pickup_ticket_at(bigint,text)',
         'passport.call_next_at(bigint,text,text[])', 'passport.recall_at(bigint,text)',
         'passport.start_service_at(bigint,text)', 'passport.finish_service_at(bigint,text)']) f
UNION ALL
SELECT 'passport_payment', 'function', 'passport.confirm_payment_at(bigint,text,bigint,text,timestamp with time zone)', 'EXECUTE';

--------------------------------------------------------------------------
-- Officers' offices on a distributed installation: office roles
--------------------------------------------------------------------------
--
-- Citus sends an officer's SET LOCAL passport.office to the workers on its
-- own connections, where no table can be read (access.c), so there the
-- setting's check reads the binding from role membership: each bound
-- office has a NOLOGIN role passport_office_<number>_<code>_<tag> (the tag
-- tells this database from another one of the same PostgreSQL cluster:
-- roles are cluster-wide), granted to the roles bound to the office.
-- passport.officer_office stays the record; sync_office_roles() makes the
-- roles and grants follow it, and runs on a distributed installation only.

CREATE FUNCTION passport.office_role_tag()
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_office_role_tag'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION passport.office_role_tag() IS
  'The tag of this database''s office roles: 8 hex digits of the MD5 of the database''s name, the same on every node of a Citus cluster.';
REVOKE ALL ON FUNCTION passport.office_role_tag() FROM PUBLIC;

CREATE FUNCTION passport.office_role(office_id bigint, code text)
  RETURNS name
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT pg_catalog.format('passport_office_%s_%s_%s', office_id, pg_catalog.lower(code),
                           passport.office_role_tag())::name
$$;
COMMENT ON FUNCTION passport.office_role(bigint, text) IS
  'The office role of an office (its number and code) on a distributed installation: granted to the roles bound to the office, read where a binding must be checked without tables.';
REVOKE ALL ON FUNCTION passport.office_role(bigint, text) FROM PUBLIC;

CREATE FUNCTION passport.distributed()
  RETURNS boolean
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  yes boolean := false;
BEGIN
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
                             WHERE p.logicalrelid = ''passport.slot''::pg_catalog.regclass)' INTO yes;
  END IF;
  RETURN yes;
END;
$$;
COMMENT ON FUNCTION passport.distributed() IS
  'Whether passport''s tables are distributed by Citus in this database (passport.distribute() ran).';
REVOKE ALL ON FUNCTION passport.distributed() FROM PUBLIC;

-- Makes this node's office roles and their memberships exactly the given
-- pairs "office role|member" (of this database's tag).
CREATE FUNCTION passport.apply_office_roles(memberships text[])
  RETURNS integer
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
  n integer := 0;
  propagation text := pg_catalog.current_setting('citus.enable_ddl_propagation', true);
BEGIN
  -- this node only: Citus would otherwise send the coordinator's CREATE
  -- ROLE and GRANT to the workers in this transaction, and the workers'
  -- own run of this function would wait for it
  IF propagation IS NOT NULL THEN
    PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
  END IF;
  FOR r IN SELECT DISTINCT pg_catalog.split_part(m, '|', 1) AS office_role
             FROM pg_catalog.unnest(memberships) m
            WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles x
                               WHERE x.rolname = pg_catalog.split_part(m, '|', 1))
            ORDER BY 1
  LOOP
    EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r.office_role);
    n := n + 1;
  END LOOP;
  FOR r IN SELECT pg_catalog.split_part(m, '|', 1) AS office_role, pg_catalog.split_part(m, '|', 2) AS member
             FROM pg_catalog.unnest(memberships) m
            WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members a
                                JOIN pg_catalog.pg_roles g ON g.oid = a.roleid
                                JOIN pg_catalog.pg_roles u ON u.oid = a.member
                               WHERE g.rolname = pg_catalog.split_part(m, '|', 1)
                                 AND u.rolname = pg_catalog.split_part(m, '|', 2))
            ORDER BY 1, 2
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.rolname = r.member) THEN
      RAISE EXCEPTION 'role "%" does not exist on this node', r.member
        USING ERRCODE = '42704',
              HINT = 'Create officers'' roles on the Citus coordinator, which creates them on every node.';
    END IF;
    EXECUTE pg_catalog.format('GRANT %I TO %I', r.office_role, r.member);
    n := n + 1;
  END LOOP;
  FOR r IN SELECT g.rolname AS office_role, u.rolname AS member
             FROM pg_catalog.pg_auth_members a
             JOIN pg_catalog.pg_roles g ON g.oid = a.roleid
             JOIN pg_catalog.pg_roles u ON u.oid = a.member
            WHERE g.rolname LIKE 'passport\_office\_%\_' || passport.office_role_tag()
              AND (g.rolname || '|' || u.rolname) <> ALL (memberships)
            ORDER BY 1, 2
  LOOP
    EXECUTE pg_catalog.format('REVOKE %I FROM %I', r.office_role, r.member);
    n := n + 1;
  END LOOP;
  IF propagation IS NOT NULL THEN
    PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', propagation, true);
  END IF;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION passport.apply_office_roles(text[]) IS
  'Makes this node''s office roles and their memberships exactly the given pairs ''office role|member'' (creates missing office roles, grants and revokes); returns how many changes it made. Used by sync_office_roles() on every node.';
REVOKE ALL ON FUNCTION passport.apply_office_roles(text[]) FROM PUBLIC;

CREATE FUNCTION passport.sync_office_roles()
  RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  wanted text[];
  n integer;
  r record;
BEGIN
  SELECT coalesce(pg_catalog.array_agg(passport.office_role(o.office_id, o.code) || '|' || b.role_name
                                       ORDER BY 1), '{}')
    INTO wanted
    FROM passport.officer_office b JOIN passport.office o ON o.office_id = b.office_id
   WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.rolname = b.role_name);
  n := passport.apply_office_roles(wanted);
  IF passport.distributed() THEN
    -- Citus passes a GRANT of a role on only between roles it created on
    -- every node itself: apply the same memberships on each worker
    FOR r IN SELECT * FROM pg_catalog.run_command_on_workers(pg_catalog.format($c$
               DO $d$
               BEGIN
                 PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
                 PERFORM passport.apply_office_roles(%L::text[]);
               END
               $d$ $c$, wanted)) LOOP
      IF NOT r.success THEN
        RAISE EXCEPTION 'could not give worker %:% the officers'' office roles', r.nodename, r.nodeport
          USING ERRCODE = '55000', DETAIL = r.result;
      END IF;
    END LOOP;
  END IF;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION passport.sync_office_roles() IS
  'Makes the office roles and their memberships follow passport.officer_office on this node and, on a distributed installation, on every worker (they are applied there at once, whatever this transaction does; the next sync repairs a binding that was rolled back); returns how many changes it made here. bind_officer and unbind_officer run it on a distributed installation, and passport.distribute() for every binding.';
REVOKE ALL ON FUNCTION passport.sync_office_roles() FROM PUBLIC;

--------------------------------------------------------------------------
-- passport.distribute(): make an installation a distributed one (Citus)
--------------------------------------------------------------------------

-- How each table is distributed, in the order distribute() converts them
-- (foreign-key targets first): reference tables (the catalog, the rules
-- and texts, the bindings, the audit) are copied to every node; the
-- office's tables are distributed by office_id in one colocation group,
-- so that everything a call of one office touches lives on one worker;
-- the tables of a person or a sender by that key in a second group;
-- feedback and the replies on their way by their own numbers; the
-- installation key stays a plain table of every node (distribute() copies
-- the coordinator's key into it). A table
-- that a later version adds must be listed here: distribute() refuses
-- a table it does not know.
CREATE FUNCTION passport.distribution_plan(OUT table_name text, OUT method text,
                                           OUT column_name text, OUT ordinal integer)
  RETURNS SETOF record
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT t.table_name, t.method, t.column_name, t.ordinal::integer
    FROM (VALUES
      ('passport.lane', 'reference', NULL, 1),
      ('passport.service', 'reference', NULL, 2),
      ('passport.passport_kind', 'reference', NULL, 3),
      ('passport.channel', 'reference', NULL, 4),
      ('passport.tariff', 'reference', NULL, 5),
      ('passport.holiday', 'reference', NULL, 6),
      ('passport.application_status', 'reference', NULL, 7),
      ('passport.transition_base', 'reference', NULL, 8),
      ('passport.status_text_base', 'reference', NULL, 9),
      ('passport.message_template_base', 'reference', NULL, 10),
      ('passport.bot_text_base', 'reference', NULL, 11),
      ('passport.info_base', 'reference', NULL, 12),
      ('passport.office', 'reference', NULL, 13),
      ('passport.officer_office', 'reference', NULL, 14),
      ('passport.role_privilege', 'reference', NULL, 15),
      ('passport.admin_audit', 'reference', NULL, 16),
      ('passport.whatsapp_template_base', 'reference', NULL, 17),
      ('passport.whatsapp_text_base', 'reference', NULL, 18),
      ('passport.slot', 'office', 'office_id', 101),
      ('passport.capacity_rule', 'office', 'office_id', 102),
      ('passport.office_closure', 'office', 'office_id', 103),
      ('passport.reservation', 'office', 'office_id', 104),
      ('passport.application', 'office', 'office_id', 105),
      ('passport.application_event', 'office', 'office_id', 106),
      ('passport.billing', 'office', 'office_id', 107),
      ('passport.queue_counter', 'office', 'office_id', 108),
      ('passport.queue_ticket', 'office', 'office_id', 109),
      ('passport.outbox', 'office', 'office_id', 110),
      ('passport.office_counter', 'office', 'office_id', 111),
      ('passport.lookup_number_guard', 'office', 'office_id', 112),
      ('passport.booking_fence', 'office', 'office_id', 113),
      ('passport.guard_release', 'office', 'office_id', 114),
      ('passport.nik_guard', 'key', 'nik', 201),
      ('passport.sender_guard', 'key', 'sender', 202),
      ('passport.sender_hold', 'key', 'sender', 203),
      ('passport.lookup_guard', 'key', 'sender', 204),
      ('passport.conversation', 'key', 'sender', 205),
      ('passport.inbound_message', 'key', 'sender', 206),
      ('passport.ntpn', 'key', 'ntpn', 207),
      ('passport.conversation_error', 'key', 'step', 208),
      ('passport.feedback', 'own', 'feedback_id', 301),
      ('passport.reply_delivery', 'own', 'delivery_id', 302),
      ('passport.secret', 'local', NULL, 401)
    ) AS t (table_name, method, column_name, ordinal)
   ORDER BY t.ordinal
$$;
COMMENT ON FUNCTION passport.distribution_plan() IS
  'How passport.distribute() distributes each of passport''s tables, in order: reference (copied to every node), office (by office_id, colocated with passport.slot), key (by the person''s or sender''s key, colocated with passport.nik_guard), own (by its own number), local (a plain table on every node).';
REVOKE ALL ON FUNCTION passport.distribution_plan() FROM PUBLIC;

-- The entry points Citus delegates, with the argument that names the
-- shard (the office's number, or the sender): those whose work lies on the
-- office's (or the sender's) shards. The bookings made in steps across
-- workers (reserve_at, cancel_at, reschedule_at) are not among them: they
-- run on the coordinator (see reserve_at).
CREATE FUNCTION passport.distributed_functions(OUT routine regprocedure, OUT argument text,
                                               OUT colocate_with text)
  RETURNS SETOF record
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT f.routine::pg_catalog.regprocedure, f.argument, f.colocate_with
    FROM (VALUES
      ('passport.check_in_at(bigint,text)', 'office_id', 'passport.slot'),
      ('passport.open_application_at(bigint,text,text,integer,boolean)', 'office_id', 'passport.slot'),
      ('passport.open_walk_in_at(bigint,text,text,text,text,date,text,text,integer,boolean)', 'office_id', 'passport.slot'),
      ('passport.transition_at(bigint,text,text,text,integer,text,text)', 'office_id', 'passport.slot'),
      ('passport.confirm_payment_at(bigint,text,bigint,text,timestamptz)', 'office_id', 'passport.slot'),
      ('passport.walk_in_ticket_at(bigint,text)', 'office_id', 'passport.slot'),
      ('passport.pickup_ticket_at(bigint,text)', 'office_id', 'passport.slot'),
      ('passport.call_next_at(bigint,text,text[])', 'office_id', 'passport.slot'),
      ('passport.recall_at(bigint,text)', 'office_id', 'passport.slot'),
      ('passport.start_service_at(bigint,text)', 'office_id', 'passport.slot'),
      ('passport.finish_service_at(bigint,text)', 'office_id', 'passport.slot'),
      ('passport.claim_messages_at(bigint,text,integer,text,interval)', 'office', 'passport.slot'),
      ('passport.ack_message(bigint,bigint)', 'office_id', 'passport.slot'),
      ('passport.ack_message(bigint,bigint,integer,text)', 'office_id', 'passport.slot'),
      ('passport.fail_message(bigint,bigint,text)', 'office_id', 'passport.slot'),
      ('passport.fail_message(bigint,bigint,integer,text,interval)', 'office_id', 'passport.slot'),
      ('passport.add_working_days(bigint,date,integer)', 'office_id', 'passport.slot'),
      ('passport.handle_message(text,text,text,text)', 'sender', 'passport.nik_guard')
    ) AS f (routine, argument, colocate_with)
$$;
COMMENT ON FUNCTION passport.distributed_functions() IS
  'The entry points passport.distribute() registers with Citus (create_distributed_function), with the argument that names their shard and the table they are colocated with: a call names the office''s number (or the sender) and runs on the worker that holds it.';
REVOKE ALL ON FUNCTION passport.distributed_functions() FROM PUBLIC;

CREATE FUNCTION passport.forget_distribution()
  RETURNS void
  AS 'MODULE_PATHNAME', 'passport_forget_distribution'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION passport.forget_distribution() IS
  'Makes this backend look again whether passport''s tables are distributed (distribute() calls it; other backends keep their answer until they reconnect).';
REVOKE ALL ON FUNCTION passport.forget_distribution() FROM PUBLIC;

-- What is missing before distribute() can run, one sentence per problem.
CREATE FUNCTION passport.distribution_problems()
  RETURNS SETOF text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  version text := (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'passport');
  t record;
  r record;
  workers integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'citus') THEN
    RETURN NEXT 'Citus is not installed in this database: add citus to shared_preload_libraries on every node and run CREATE EXTENSION citus on every node.';
    RETURN;
  END IF;
  IF NOT (SELECT r2.rolsuper FROM pg_catalog.pg_roles r2 WHERE r2.rolname = current_user) THEN
    RETURN NEXT 'distribute() must be run by a superuser.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node n WHERE n.groupid = 0) THEN
    -- (citus_is_coordinator() is false until the coordinator is registered)
    RETURN NEXT 'The coordinator is not in Citus''s metadata: run SELECT citus_set_coordinator_host(''<host>'', <port>) on it.';
  ELSIF NOT pg_catalog.citus_is_coordinator() THEN
    RETURN NEXT 'This node is not the coordinator: run distribute() on the coordinator.';
    RETURN;
  END IF;
  SELECT pg_catalog.count(*) INTO workers FROM pg_catalog.pg_dist_node n
   WHERE n.groupid > 0 AND n.isactive AND n.noderole = 'primary' AND n.shouldhaveshards;
  IF workers = 0 THEN
    RETURN NEXT 'No worker is registered: add each with SELECT citus_add_node(''<host>'', <port>).';
    RETURN;
  END IF;
  FOR r IN SELECT x.nodename, x.nodeport, x.success, x.result
             FROM pg_catalog.run_command_on_workers(
                    $c$SELECT coalesce((SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'passport'), 'none')
                              || ' ' || pg_catalog.current_setting('max_prepared_transactions')$c$) x
  LOOP
    IF NOT r.success THEN
      RETURN NEXT pg_catalog.format('Worker %s:%s does not answer: %s', r.nodename, r.nodeport, r.result);
    ELSIF pg_catalog.split_part(r.result, ' ', 1) = 'none' THEN
      RETURN NEXT pg_catalog.format('passport is not installed on worker %s:%s: run CREATE EXTENSION passport there (the same package as here).', r.nodename, r.nodeport);
    ELSIF pg_catalog.split_part(r.result, ' ', 1) <> version THEN
      RETURN NEXT pg_catalog.format('Worker %s:%s has passport %s, this node %s: install the same package on every node and run ALTER EXTENSION passport UPDATE there.',
                                    r.nodename, r.nodeport, pg_catalog.split_part(r.result, ' ', 1), version);
    ELSIF pg_catalog.split_part(r.result, ' ', 2)::integer = 0 THEN
      RETURN NEXT pg_catalog.format('Worker %s:%s has max_prepared_transactions = 0: Citus needs prepared transactions for statements that write to several workers (set it to at least max_connections).', r.nodename, r.nodeport);
    END IF;
  END LOOP;
  IF pg_catalog.current_setting('max_prepared_transactions')::integer = 0 THEN
    RETURN NEXT 'This node has max_prepared_transactions = 0: Citus needs prepared transactions for statements that write to several workers (set it to at least max_connections).';
  END IF;
  -- every table of the extension has its place in the plan
  FOR t IN SELECT c.oid::pg_catalog.regclass::text AS table_name
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_depend d
               ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e'
            WHERE c.relnamespace = 'passport'::pg_catalog.regnamespace AND c.relkind IN ('r', 'p')
              AND NOT EXISTS (SELECT 1 FROM passport.distribution_plan() p
                               WHERE p.table_name = c.oid::pg_catalog.regclass::text)
            ORDER BY 1
  LOOP
    RETURN NEXT pg_catalog.format('Table %s has no place in passport.distribution_plan(): this version does not know how to distribute it.', t.table_name);
  END LOOP;
  -- the data tables not distributed yet must be empty on the workers (the
  -- workers' rows would be hidden, and numbers they issued were made with
  -- another key); the rows every installation ships (rules, texts,
  -- tariffs) are the same everywhere
  FOR t IN SELECT p.table_name FROM passport.distribution_plan() p
            WHERE (p.method IN ('office', 'key', 'own')
                   OR p.table_name IN ('passport.office', 'passport.officer_office'))
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition d
                               WHERE d.logicalrelid = p.table_name::pg_catalog.regclass)
            ORDER BY p.ordinal
  LOOP
    FOR r IN SELECT x.nodename, x.nodeport, x.success, x.result
               FROM pg_catalog.run_command_on_workers(
                      pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s)', t.table_name)) x
    LOOP
      IF NOT r.success OR r.result <> 'f' THEN
        RETURN NEXT pg_catalog.format('Table %s on worker %s:%s is not empty: passport must hold no data on the workers before it is distributed.',
                                      t.table_name, r.nodename, r.nodeport);
      END IF;
    END LOOP;
  END LOOP;
END;
$$;
COMMENT ON FUNCTION passport.distribution_problems() IS
  'What is missing before passport.distribute() can run on this node: one sentence per problem (Citus in this database, superuser, the coordinator, registered workers, passport at the same version on every node, prepared transactions, every table known to the plan, no data on the workers). No rows: ready.';
REVOKE ALL ON FUNCTION passport.distribution_problems() FROM PUBLIC;

-- Distributes an installation, or brings a distributed one up to date (a
-- later version calls it again after its update: new tables, new entry
-- points, the privilege model on every node). Run once on the coordinator
-- by a superuser, outside a transaction block, with passport installed on
-- every node; it commits after each step, so a run that stops half-way is
-- finished by running it again.
CREATE PROCEDURE passport.distribute(shard_count integer DEFAULT 32)
  LANGUAGE plpgsql
AS $$
DECLARE
  problems text;
  p record;
  r record;
  mine text;
  ok boolean;
BEGIN
  SELECT pg_catalog.string_agg(x, E'\n') INTO problems FROM passport.distribution_problems() x;
  IF problems IS NOT NULL THEN
    RAISE EXCEPTION 'passport cannot be distributed yet'
      USING ERRCODE = '55000', DETAIL = problems,
            HINT = 'SELECT * FROM passport.distribution_problems() lists what is missing.';
  END IF;
  IF shard_count IS NULL OR shard_count NOT BETWEEN 2 AND 1024 THEN
    RAISE EXCEPTION 'shard_count must be between 2 and 1024'
      USING ERRCODE = '22023',
            DETAIL = 'It is fixed once the tables are distributed: choose it for the largest cluster foreseen (a few shards per worker, at most one office per shard pays).';
  END IF;

  -- 0. a cluster releases a sender's places by their holds (one node needs
  -- none): one for every booked reservation with a sender, before the
  -- tables are distributed
  IF NOT passport.distributed() THEN
    INSERT INTO passport.sender_hold (sender, token, office_id, held_at)
    SELECT b.sender, b.claim_token, b.office_id, b.created_at
      FROM passport.reservation b
     WHERE b.status = 'booked' AND b.sender IS NOT NULL AND b.claim_token IS NOT NULL
    ON CONFLICT ON CONSTRAINT sender_hold_pkey DO NOTHING;
    COMMIT;
  END IF;

  -- the triggers that tell one node's backends that offices or reference
  -- codes changed go: Citus takes no trigger on a reference table, and on a
  -- cluster backends keep nothing (only the triggers still there are
  -- named: Citus refuses even DROP TRIGGER IF EXISTS on a reference table)
  FOR r IN SELECT t.tgrelid::pg_catalog.regclass AS rel
             FROM pg_catalog.pg_trigger t
             JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
            WHERE t.tgname = 'reference_changed'
              AND c.relnamespace = 'passport'::pg_catalog.regnamespace
  LOOP
    EXECUTE pg_catalog.format('DROP TRIGGER reference_changed ON %s', r.rel);
  END LOOP;

  -- 1. the tables, foreign-key targets first; no foreign key from a table
  -- not yet converted may turn it into a Citus local table meanwhile
  FOR p IN SELECT * FROM passport.distribution_plan() x
            WHERE x.method <> 'local'
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition d
                               WHERE d.logicalrelid = x.table_name::pg_catalog.regclass)
            ORDER BY x.ordinal
  LOOP
    SET LOCAL citus.enable_local_reference_table_foreign_keys = off;
    SET LOCAL client_min_messages = warning;
    IF p.method = 'reference' THEN
      PERFORM pg_catalog.create_reference_table(p.table_name::pg_catalog.regclass);
    ELSIF p.table_name IN ('passport.slot', 'passport.nik_guard') OR p.method = 'own' THEN
      PERFORM pg_catalog.create_distributed_table(p.table_name::pg_catalog.regclass, p.column_name, shard_count => shard_count,
                                                  colocate_with => 'none');
    ELSE
      PERFORM pg_catalog.create_distributed_table(p.table_name::pg_catalog.regclass, p.column_name,
                                                  colocate_with => CASE p.method WHEN 'office' THEN 'passport.slot'
                                                                                 ELSE 'passport.nik_guard' END);
    END IF;
    COMMIT;
  END LOOP;
  -- the coordinator's own copies of the rows, now on the shards, go (once
  -- every table is converted: no local table refers to them any more)
  FOR p IN SELECT * FROM passport.distribution_plan() x WHERE x.method <> 'local' ORDER BY x.ordinal DESC LOOP
    SET LOCAL client_min_messages = warning;
    PERFORM pg_catalog.truncate_local_data_after_distributing_table(p.table_name::pg_catalog.regclass);
    COMMIT;
  END LOOP;

  -- 2. the entry points, delegated to the worker of their office or sender
  FOR p IN SELECT * FROM passport.distributed_functions() LOOP
    PERFORM pg_catalog.create_distributed_function(p.routine, p.argument, colocate_with => p.colocate_with);
  END LOOP;
  COMMIT;

  -- 3. one installation key: the coordinator's, copied into every worker's
  -- own passport.secret through a short-lived reference table (the rows
  -- travel by COPY between the nodes, never in a command's text)
  SET LOCAL client_min_messages = warning;
  DROP TABLE IF EXISTS passport.secret_transfer;
  CREATE TABLE passport.secret_transfer AS SELECT s.purpose, s.created_at, s.key FROM passport.secret s;
  PERFORM pg_catalog.create_reference_table('passport.secret_transfer'::pg_catalog.regclass);
  COMMIT;
  FOR r IN SELECT * FROM pg_catalog.run_command_on_workers($c$
             DO $d$
             DECLARE
               k record;
             BEGIN
               DELETE FROM passport.secret;
               FOR k IN SELECT t.purpose, t.created_at, t.key FROM passport.secret_transfer t LOOP
                 INSERT INTO passport.secret (purpose, created_at, key) VALUES (k.purpose, k.created_at, k.key);
               END LOOP;
             END
             $d$ $c$) LOOP
    IF NOT r.success THEN
      RAISE EXCEPTION 'could not copy the installation key to worker %:%', r.nodename, r.nodeport
        USING ERRCODE = '55000', DETAIL = r.result;
    END IF;
  END LOOP;
  DROP TABLE passport.secret_transfer;
  COMMIT;
  mine := passport.keyed_hash('key_check', 'distribute');
  FOR r IN SELECT * FROM pg_catalog.run_command_on_workers(
             $c$SELECT passport.keyed_hash('key_check', 'distribute')$c$) LOOP
    IF NOT r.success OR r.result IS DISTINCT FROM mine THEN
      RAISE EXCEPTION 'worker %:% does not have the installation key', r.nodename, r.nodeport
        USING ERRCODE = '55000';
    END IF;
  END LOOP;

  -- 4. sequences: every worker draws from its own range (group << 48), so
  -- identifiers drawn on different nodes never meet (the office numbers
  -- are drawn on the coordinator only)
  FOR r IN SELECT * FROM pg_catalog.run_command_on_workers($c$
             SELECT pg_catalog.count(pg_catalog.setval(s.oid,
                      GREATEST((SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)::bigint << 48,
                               coalesce((SELECT q.last_value FROM pg_catalog.pg_sequences q
                                          WHERE q.schemaname = 'passport' AND q.sequencename = s.relname), 0))))
               FROM pg_catalog.pg_class s
              WHERE s.relnamespace = 'passport'::pg_catalog.regnamespace AND s.relkind = 'S'
                AND s.relname <> 'office_office_id_seq'$c$) LOOP
    IF NOT r.success THEN
      RAISE EXCEPTION 'could not set the sequences of worker %:%', r.nodename, r.nodeport
        USING ERRCODE = '55000', DETAIL = r.result;
    END IF;
  END LOOP;
  COMMIT;

  -- 5. the privilege model on every node: the coordinator's grants on the
  -- schema and on functions do not reach the workers
  SET LOCAL citus.multi_shard_modify_mode TO sequential;
  PERFORM passport.setup_roles();
  COMMIT;
  FOR r IN SELECT * FROM pg_catalog.run_command_on_workers($c$
             DO $d$
             BEGIN
               PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
               PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
               PERFORM passport.setup_roles();
             END
             $d$ $c$) LOOP
    IF NOT r.success THEN
      RAISE EXCEPTION 'could not apply the privilege model on worker %:%', r.nodename, r.nodeport
        USING ERRCODE = '55000', DETAIL = r.result;
    END IF;
  END LOOP;
  COMMIT;
  mine := (SELECT pg_catalog.md5(pg_catalog.string_agg(x::text, ',' ORDER BY x::text))
             FROM passport.granted_privileges() x);
  FOR r IN SELECT * FROM pg_catalog.run_command_on_workers($c$
             SELECT pg_catalog.md5(pg_catalog.string_agg(x::text, ',' ORDER BY x::text))
               FROM passport.granted_privileges() x$c$) LOOP
    IF NOT r.success OR r.result IS DISTINCT FROM mine THEN
      RAISE EXCEPTION 'the privileges on worker %:% differ from the coordinator''s', r.nodename, r.nodeport
        USING ERRCODE = '55000', DETAIL = r.result;
    END IF;
  END LOOP;
  -- the shards of the distributed tables get the grants of their tables
  -- (a grant on a distributed table reaches its shards; the grants made
  -- before the table was distributed did not)
  SET LOCAL citus.multi_shard_modify_mode TO sequential;
  FOR p IN SELECT x.privilege, x.object_name, x.role_name FROM passport.role_privilege x
            WHERE x.object_kind = 'table'
              AND EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition d
                           WHERE d.logicalrelid = x.object_name::pg_catalog.regclass)
              AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles g WHERE g.rolname = x.role_name)
            ORDER BY 2, 3, 1
  LOOP
    EXECUTE pg_catalog.format('GRANT %s ON TABLE %s TO %I', p.privilege, p.object_name, p.role_name);
  END LOOP;
  COMMIT;
  -- the officers' office roles
  PERFORM passport.sync_office_roles();
  COMMIT;

  -- 6. an officer's SET LOCAL passport.office reaches the workers with the
  -- transaction (row-level security reads it there)
  FOR r IN SELECT * FROM pg_catalog.run_command_on_all_nodes(pg_catalog.format(
             'ALTER DATABASE %I SET citus.propagate_set_commands = %L', pg_catalog.current_database(), 'local')) LOOP
    IF NOT r.success THEN
      RAISE EXCEPTION 'could not set citus.propagate_set_commands on node %', r.nodeid
        USING ERRCODE = '55000', DETAIL = r.result;
    END IF;
  END LOOP;
  PERFORM passport.forget_distribution();
  COMMIT;
  RAISE NOTICE 'passport is distributed over % worker(s); connections opened before now must be opened again',
               (SELECT pg_catalog.count(*) FROM pg_catalog.pg_dist_node n WHERE n.groupid > 0 AND n.isactive);
END;
$$;
COMMENT ON PROCEDURE passport.distribute(integer) IS
  'Makes this installation a distributed one (Citus), or brings a distributed one up to date after an update: checks the prerequisites (passport.distribution_problems()), distributes the tables as passport.distribution_plan() says (shard_count fixed at the first run), registers the delegated entry points (passport.distributed_functions()), copies the installation key to every worker, gives every worker its own range of each sequence, applies the privilege model and the officers'' office roles on every node, and makes SET LOCAL passport.office reach the workers. Run on the coordinator by a superuser, outside a transaction block; idempotent.';
REVOKE ALL ON PROCEDURE passport.distribute(integer) FROM PUBLIC;

--------------------------------------------------------------------------
-- Reports that a distributed installation can answer
--------------------------------------------------------------------------

-- 0.1 counted the served and missed visits of each slot group with
-- correlated subqueries, which Citus cannot plan across shards; each table
-- is now aggregated per office, lane and day first, then joined on those
-- (the same rows and figures).
CREATE OR REPLACE VIEW passport.report_utilisation AS
  SELECT o.code AS office, s.lane, s.local_date, s.capacity, s.booked,
         coalesce(r.served, 0) AS served, coalesce(r.no_shows, 0) AS no_shows
    FROM (SELECT x.office_id, x.lane, x.local_date, sum(x.capacity) AS capacity, sum(x.booked) AS booked
            FROM passport.slot x GROUP BY x.office_id, x.lane, x.local_date) s
    JOIN passport.office o ON o.office_id = s.office_id
    LEFT JOIN (SELECT y.office_id, y.lane, y.local_date,
                      count(*) FILTER (WHERE y.status = 'checked_in') AS served,
                      count(*) FILTER (WHERE y.status = 'no_show') AS no_shows
                 FROM passport.reservation y
                WHERE y.status IN ('checked_in', 'no_show')
                GROUP BY y.office_id, y.lane, y.local_date) r
      ON r.office_id = s.office_id AND r.lane = s.lane AND r.local_date = s.local_date;
COMMENT ON VIEW passport.report_utilisation IS 'Capacity, booked, served (checked in) and no-shows per office, lane and local day.';
