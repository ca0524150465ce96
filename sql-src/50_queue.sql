--------------------------------------------------------------------------
-- On-site queue: tickets per office, lane and local day; counters call them
--------------------------------------------------------------------------

CREATE SEQUENCE passport.ticket_id_seq AS bigint;
SELECT pg_catalog.pg_extension_config_dump('passport.ticket_id_seq', '');

-- Last ticket number per office, local day and lane (numbering restarts daily).
CREATE TABLE passport.queue_counter (
  office_id   bigint  NOT NULL,
  local_date  date    NOT NULL,
  lane        text    NOT NULL,
  last_number integer NOT NULL,
  CONSTRAINT queue_counter_pkey PRIMARY KEY (office_id, local_date, lane)
);
COMMENT ON TABLE passport.queue_counter IS 'Last ticket number per office, local day and lane.';
SELECT pg_catalog.pg_extension_config_dump('passport.queue_counter', '');

CREATE TABLE passport.queue_ticket (
  office_id          bigint      NOT NULL,
  ticket_id          bigint      NOT NULL,
  local_date         date        NOT NULL,
  lane               text        NOT NULL,
  number             integer     NOT NULL,
  code               text        NOT NULL,
  source             text        NOT NULL,
  reservation_code   text,
  application_number text,
  appointment_at     timestamptz,
  issued_at          timestamptz NOT NULL,
  call_order         smallint    NOT NULL,
  queue_at           timestamptz NOT NULL,
  status             text        NOT NULL DEFAULT 'waiting',
  calls              integer     NOT NULL DEFAULT 0,
  counter            text,
  called_at          timestamptz,
  served_at          timestamptz,
  done_at            timestamptz,
  CONSTRAINT queue_ticket_pkey PRIMARY KEY (office_id, ticket_id),
  CONSTRAINT queue_ticket_number_key UNIQUE (office_id, local_date, code),
  CONSTRAINT queue_ticket_values_valid CHECK (
    status IN ('waiting', 'called', 'serving', 'done', 'missed')
    AND source IN ('check_in', 'walk_in', 'pickup') AND number > 0 AND calls >= 0)
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_cost_delay = 0);
COMMENT ON TABLE passport.queue_ticket IS
  'Queue tickets: lane prefix and a number per office, lane and local day (A-001, B-001, ...). waiting -> called (by a counter; recalled up to passport.max_calls) -> serving -> done, or missed. call_order (from the lane) and queue_at (appointment, else issue time) give the calling order.';
-- the calling order: lane (priority first), then appointment or issue time
CREATE INDEX queue_ticket_waiting ON passport.queue_ticket (office_id, local_date, call_order, queue_at, ticket_id)
  WHERE status = 'waiting';
CREATE UNIQUE INDEX queue_ticket_reservation ON passport.queue_ticket (office_id, reservation_code)
  WHERE reservation_code IS NOT NULL;
SELECT pg_catalog.pg_extension_config_dump('passport.queue_ticket', '');

CREATE TYPE passport.ticket AS (
  ticket         text,
  office_code    text,
  lane           text,
  status         text,
  calls          integer,
  counter        text,
  appointment_at timestamptz,
  issued_at      timestamptz,
  waiting_ahead  integer
);
COMMENT ON TYPE passport.ticket IS
  'A queue ticket: its code (prefix-number), lane, status, calls, counter, appointment, and how many tickets of its lane wait ahead of it.';

CREATE FUNCTION passport.walk_in_ticket(office_code text, lane text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_walk_in_ticket'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.walk_in_ticket(text, text) IS
  'A ticket for a walk-in in the priority or percepatan lane, within the lane''s contingent for the day (its released places not booked online); PP018 when the contingent is used up.';

CREATE FUNCTION passport.pickup_ticket(application_number text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_pickup_ticket'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.pickup_ticket(text) IS
  'A pickup-lane ticket for an application whose passport is ready. Asking twice the same day answers the same ticket.';

CREATE FUNCTION passport.call_next(office_code text, counter text, lanes text[] DEFAULT NULL)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_call_next'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.call_next(text, text, text[]) IS
  'Calls the next waiting ticket of today for a counter: priority lanes first, appointments in appointment order, then by issue time; two counters never get the same ticket (SKIP LOCKED). NULL when nobody waits.';

CREATE FUNCTION passport.recall(office_code text, ticket text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_recall'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.recall(text, text) IS
  'Calls a called ticket again; after passport.max_calls calls without arrival the ticket is missed.';

CREATE FUNCTION passport.start_service(office_code text, ticket text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_start_service'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.start_service(text, text) IS 'The applicant of a called ticket arrived at the counter: service starts.';

CREATE FUNCTION passport.finish_service(office_code text, ticket text)
  RETURNS passport.ticket
  AS 'MODULE_PATHNAME', 'passport_finish_service'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.finish_service(text, text) IS 'Service of a ticket ended.';

CREATE VIEW passport.queue_display AS
  SELECT o.code AS office, t.code AS ticket, t.counter, t.status,
         (t.called_at AT TIME ZONE o.time_zone)::time(0) AS called_at
    FROM passport.queue_ticket t
    JOIN passport.office o ON o.office_id = t.office_id
   WHERE t.status IN ('called', 'serving')
     AND t.local_date = (passport.now() AT TIME ZONE o.time_zone)::date;
COMMENT ON VIEW passport.queue_display IS
  'What the waiting-room screen shows: tickets called or being served today and their counters, per office. No personal data.';
