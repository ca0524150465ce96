--------------------------------------------------------------------------
-- Reservations in 0.2: check-in checks the officer's office; bookings draw
-- their number from the office's counter and know channels as rows
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION passport.reserve(office_code text, service text, lane text,
                                            visit_date date, nik text, full_name text,
                                            birth_date date, phone text DEFAULT NULL,
                                            channel text DEFAULT 'api', sender text DEFAULT NULL,
                                            idempotency_key text DEFAULT NULL,
                                            preferred_time time DEFAULT NULL,
                                            earliest boolean DEFAULT false)
  RETURNS passport.booking
  AS 'MODULE_PATHNAME', 'passport_reserve_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.cancel(reservation_number text, sender text DEFAULT NULL,
                                           birth_date date DEFAULT NULL)
  RETURNS passport.booking
  AS 'MODULE_PATHNAME', 'passport_cancel_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.cancel(text, text, date) IS
  'Cancels a booked reservation; the second factor is the sender that booked or the applicant''s birth date. An unknown number and a wrong factor answer alike, with status not_found (an answer, so that the attempt counts against the lookup limits: PP017 past them). The place returns at once; the NIK enters its cooldown. Cancelling twice answers the same.';

CREATE OR REPLACE FUNCTION passport.reschedule(reservation_number text, visit_date date,
                                               preferred_time time DEFAULT NULL,
                                               sender text DEFAULT NULL, birth_date date DEFAULT NULL,
                                               earliest boolean DEFAULT false)
  RETURNS passport.booking
  AS 'MODULE_PATHNAME', 'passport_reschedule_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.reschedule(text, date, time, text, date, boolean) IS
  'Moves a booked reservation to another slot (limits: passport.reschedule_limit, passport.reschedule_min_days). If the new date is full the original booking is untouched. An unknown number and a wrong second factor answer alike, with status not_found, and count against the lookup limits.';

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

-- The cooldowns, and nothing else of the guards: what every sweep clears
-- when they are over (and retention when they are long over). A guard
-- that holds a reservation, or is free, has no entry, so a booking writes
-- none; without it each sweep read the whole table, one row per NIK that
-- ever booked.
CREATE INDEX nik_guard_cooldown ON passport.nik_guard (cooldown_until)
  WHERE code IS NULL AND cooldown_until IS NOT NULL;

CREATE OR REPLACE FUNCTION passport.sweep(office_code text DEFAULT NULL)
  RETURNS TABLE (office_code text, no_shows integer, billings_expired integer,
                 forfeited integer, uncollected integer, messages integer,
                 cooldowns_cleared integer)
  AS 'MODULE_PATHNAME', 'passport_sweep_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.sweep(text) IS
  'What happens because time passed, per office (or for all): reservations of days that have ended become no-shows and their NIK cools down; applications whose deadline passed move through the status engine (billing expired unpaid, documents not completed within passport.documents_days, passport not collected within passport.pickup_days), each with its history row and message; reminders (visit tomorrow, billing about to expire, pickup deadline within 3 days) are queued once each; expired cooldowns are cleared. Safe to run concurrently and repeatedly.';
