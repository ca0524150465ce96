--------------------------------------------------------------------------
-- Reservations in 0.2: check-in checks the officer's office
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION passport.check_in(reservation_number text, office_code text DEFAULT NULL)
  RETURNS passport.booking
  AS 'MODULE_PATHNAME', 'passport_check_in_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

-- Idempotency keys belong to the client that chose them: a retried request
-- is the same channel, sender and key (and must repeat the same request),
-- so nobody receives another person's booking by guessing a key.
DROP INDEX passport.reservation_idempotency;
CREATE UNIQUE INDEX reservation_idempotency
  ON passport.reservation (office_id, channel, (coalesce(sender, '')), idempotency_key)
  WHERE idempotency_key IS NOT NULL;
COMMENT ON INDEX passport.reservation_idempotency IS
  'One reservation per office, channel, sender and idempotency key: a client''s retries meet here.';
COMMENT ON FUNCTION passport.reserve(text, text, text, date, text, text, date, text, text, text, text, time, boolean) IS
  'Books a place atomically: the slot nearest preferred_time on visit_date (or, with earliest, the first free slot from visit_date on; a NULL visit_date means today). Returns the reservation number with local date and time. A retry by the same client (channel and sender) with the same idempotency key and the same request returns the same answer; the key used for another request raises PP010.';
