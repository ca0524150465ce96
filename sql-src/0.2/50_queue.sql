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
