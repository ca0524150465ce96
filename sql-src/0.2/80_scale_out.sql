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
  ADD COLUMN claimed_at timestamptz;
COMMENT ON COLUMN passport.nik_guard.token IS
  'The claim: the token of the booking that holds the NIK (pending while code is NULL, active with the reservation number), NULL during a cooldown.';
COMMENT ON COLUMN passport.nik_guard.claimed_at IS
  'When the claim was made (real time of the node that made it): a claim still pending a while later is settled by passport.settle_guards().';

ALTER TABLE passport.reservation ADD COLUMN claim_token bigint;
COMMENT ON COLUMN passport.reservation.claim_token IS
  'The token of the NIK claim and sender hold this reservation holds while it is booked; its end releases them by this token.';

-- Who holds a place in a sender's count: one row per active reservation
-- of a sender, so that a release is by token and happens once.
CREATE TABLE passport.sender_hold (
  sender    text        NOT NULL,
  token     bigint      NOT NULL,
  office_id bigint      NOT NULL,
  held_at   timestamptz NOT NULL,
  CONSTRAINT sender_hold_pkey PRIMARY KEY (sender, token)
);
COMMENT ON TABLE passport.sender_hold IS
  'One row per active reservation counted in passport.sender_guard (the sender, the claim token, the office): a release deletes its row and counts one less, so it happens once.';
CREATE INDEX sender_hold_token ON passport.sender_hold (token);
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
INSERT INTO passport.sender_hold (sender, token, office_id, held_at)
SELECT r.sender, r.claim_token, r.office_id, r.created_at
  FROM passport.reservation r
 WHERE r.status = 'booked' AND r.sender IS NOT NULL AND r.claim_token IS NOT NULL;
UPDATE passport.sender_guard g
   SET active = (SELECT pg_catalog.count(*) FROM passport.sender_hold h WHERE h.sender = g.sender);

ALTER TABLE passport.nik_guard DROP CONSTRAINT nik_guard_active_or_cooling;
ALTER TABLE passport.nik_guard ADD CONSTRAINT nik_guard_state_valid CHECK (
  (token IS NULL) = (office_id IS NULL) AND (token IS NULL) = (claimed_at IS NULL)
  AND (code IS NULL OR token IS NOT NULL));
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
  'reserve() for the office with this number, the call a distributed installation delegates to the office''s worker. On a cluster it books in single-shard steps (claim the NIK, hold the sender, book at the office, activate the claim), so that no transaction writes to two workers; elsewhere, and inside a transaction block, in one transaction. Answers reservation_number, office_code, local_date, start_time, end_time, status and duplicate as reserve() does.';
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
  'cancel() for a reservation number of the office with this number, the call a distributed installation delegates to the office''s worker. On a cluster in steps: the sender''s lookup count, the cancellation at the office, the NIK''s release (with its cooldown), the sender''s. A number of another office, an unknown number or a wrong second factor answer status not_found.';
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
  'reschedule() for a reservation number of the office with this number, the call a distributed installation delegates to the office''s worker (on a cluster the sender''s lookup count is a step of its own). A number of another office, an unknown number or a wrong second factor answer status not_found.';
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
