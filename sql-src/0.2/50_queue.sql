--------------------------------------------------------------------------
-- The on-site queue in 0.2: officers act on their offices only
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION passport.walk_in_ticket(office_code text, lane text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_walk_in_ticket_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.pickup_ticket(application_number text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_pickup_ticket_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.call_next(office_code text, counter text, lanes text[] DEFAULT NULL)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_call_next_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.recall(office_code text, ticket text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_recall_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.start_service(office_code text, ticket text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_start_service_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.finish_service(office_code text, ticket text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_finish_service_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

-- A walk-in holds one of the day's places, taken from the same slot
-- counters online bookings use, so the two never exceed the capacity
-- together. 0.1's walk-in tickets held none.
ALTER TABLE passport.queue_ticket
  ADD COLUMN slot_id bigint,
  ADD COLUMN shard smallint,
  ADD CONSTRAINT queue_ticket_place_pair CHECK ((slot_id IS NULL) = (shard IS NULL));
COMMENT ON COLUMN passport.queue_ticket.slot_id IS
  'For a walk-in: the slot whose counter row (with shard) holds its place; a counter''s booked equals its active reservations plus these tickets.';
COMMENT ON COLUMN passport.queue_ticket.shard IS 'For a walk-in: the counter row of slot_id that holds its place.';
COMMENT ON FUNCTION passport.walk_in_ticket(text, text) IS
  'A ticket for a walk-in in the priority or percepatan lane, holding one of the lane''s places of the day, taken from the same counters as online bookings; PP018 when every place of the day is taken.';
COMMENT ON TYPE passport.ticket IS
  'A queue ticket: its code (prefix-number), lane, status, calls, counter, appointment, and while it waits how many tickets of its lane wait ahead of it (0 once it has been called).';
