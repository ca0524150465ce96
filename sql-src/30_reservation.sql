--------------------------------------------------------------------------
-- Reservations: tables and the C entry points
--------------------------------------------------------------------------

CREATE TABLE passport.reservation (
  office_id       bigint      NOT NULL,
  code            text        NOT NULL,
  slot_id         bigint      NOT NULL,
  shard           smallint    NOT NULL,
  lane            text        NOT NULL,
  service         text        NOT NULL,
  local_date      date        NOT NULL,
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL,
  status          text        NOT NULL,
  nik             text        NOT NULL,
  full_name       text        NOT NULL,
  birth_date      date        NOT NULL,
  phone           text,
  channel         text        NOT NULL,
  sender          text,
  idempotency_key text,
  reschedules     smallint    NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL,
  status_at       timestamptz NOT NULL,
  CONSTRAINT reservation_pkey PRIMARY KEY (office_id, code),
  -- one constraint for the row's values (see slot_counter_valid for why)
  CONSTRAINT reservation_values_valid CHECK (
    status IN ('booked', 'checked_in', 'cancelled', 'no_show', 'expired')
    AND channel IN ('whatsapp', 'app', 'web', 'counter', 'api')
    AND length(code) = 11 AND length(nik) = 16 AND reschedules >= 0)
);
COMMENT ON TABLE passport.reservation IS
  'Visits booked at an office (personal data: NIK, name, birth date, phone). No foreign keys: a foreign key check locks the referenced row FOR KEY SHARE, so every booking would lock its office row (and its counter row) and concurrent bookers would pile multixacts on them. passport.reserve checks office, lane and service itself, keeps slot_id/shard consistent with the counters, and the tests and the benchmark check counters against rows.';
-- Retried webhooks: one reservation per (office, channel, key).
CREATE UNIQUE INDEX reservation_idempotency ON passport.reservation (office_id, channel, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- Open reservations by day, for the sweep.
CREATE INDEX reservation_open ON passport.reservation (office_id, local_date) WHERE status = 'booked';
SELECT pg_catalog.pg_extension_config_dump('passport.reservation', '');

-- One active reservation per NIK across all offices (distributable by NIK).
CREATE TABLE passport.nik_guard (
  nik            text        NOT NULL,
  office_id      bigint,
  code           text,
  cooldown_until timestamptz,
  CONSTRAINT nik_guard_pkey PRIMARY KEY (nik),
  CONSTRAINT nik_guard_active_or_cooling CHECK ((code IS NULL) = (office_id IS NULL))
);
COMMENT ON TABLE passport.nik_guard IS
  'Per NIK: the active reservation (office_id, code), or a cooldown after a cancellation or no-show.';
SELECT pg_catalog.pg_extension_config_dump('passport.nik_guard', '');

-- Active reservations per sender (one phone may book for a family).
CREATE TABLE passport.sender_guard (
  sender text    NOT NULL,
  active integer NOT NULL,
  CONSTRAINT sender_guard_pkey PRIMARY KEY (sender),
  CONSTRAINT sender_guard_active_nonnegative CHECK (active >= 0)
);
COMMENT ON TABLE passport.sender_guard IS 'Active reservations per sender, against passport.max_active_per_sender.';
SELECT pg_catalog.pg_extension_config_dump('passport.sender_guard', '');

CREATE TYPE passport.booking AS (
  reservation_number text,
  office_code        text,
  local_date         date,
  start_time         time,
  end_time           time,
  lane               text,
  service            text,
  status             text,
  duplicate          boolean,
  ticket             text
);
COMMENT ON TYPE passport.booking IS
  'Answer of reserve, reschedule, cancel and check_in: the reservation number with the local date and time at the office. duplicate is true when a retried request was answered from its idempotency key; ticket is the queue ticket a check-in issued.';

CREATE FUNCTION passport.reserve(office_code text, service text, lane text,
                                 visit_date date, nik text, full_name text,
                                 birth_date date, phone text DEFAULT NULL,
                                 channel text DEFAULT 'api', sender text DEFAULT NULL,
                                 idempotency_key text DEFAULT NULL,
                                 preferred_time time DEFAULT NULL,
                                 earliest boolean DEFAULT false)
  RETURNS passport.booking
  AS 'MODULE_PATHNAME', 'passport_reserve'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.reserve(text, text, text, date, text, text, date, text, text, text, text, time, boolean) IS
  'Books a place atomically: the slot nearest preferred_time on visit_date (or, with earliest, the first free slot from visit_date on; a NULL visit_date means today). Returns the reservation number with local date and time. Retrying with the same idempotency key returns the same answer.';

CREATE FUNCTION passport.cancel(reservation_number text, sender text DEFAULT NULL,
                                birth_date date DEFAULT NULL)
  RETURNS passport.booking
  AS 'MODULE_PATHNAME', 'passport_cancel'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.cancel(text, text, date) IS
  'Cancels a booked reservation; the second factor is the sender that booked or the applicant''s birth date. The place returns at once; the NIK enters its cooldown. Cancelling twice answers the same.';

CREATE FUNCTION passport.reschedule(reservation_number text, visit_date date,
                                    preferred_time time DEFAULT NULL,
                                    sender text DEFAULT NULL, birth_date date DEFAULT NULL,
                                    earliest boolean DEFAULT false)
  RETURNS passport.booking
  AS 'MODULE_PATHNAME', 'passport_reschedule'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.reschedule(text, date, time, text, date, boolean) IS
  'Moves a booked reservation to another slot (limits: passport.reschedule_limit, passport.reschedule_min_days). If the new date is full the original booking is untouched.';

CREATE FUNCTION passport.check_in(reservation_number text, office_code text DEFAULT NULL)
  RETURNS passport.booking
  AS 'MODULE_PATHNAME', 'passport_check_in'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.check_in(text, text) IS
  'Checks a reservation in at the office within its window (passport.checkin_early before to passport.checkin_late after the slot start) and issues its queue ticket in the reservation''s lane. Checking in twice answers the same ticket.';

CREATE FUNCTION passport.sweep(office_code text DEFAULT NULL)
  RETURNS TABLE (office_code text, no_shows integer, billings_expired integer,
                 forfeited integer, uncollected integer, messages integer,
                 cooldowns_cleared integer)
  AS 'MODULE_PATHNAME', 'passport_sweep'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.sweep(text) IS
  'Marks reservations of days that have ended (office local time) as no_show and starts their cooldown; expires unpaid billings (application payment_expired), forfeits applications with documents missing past 7 days, marks passports not collected within 30 days; clears expired cooldowns. Every application move gets its history row. Queues the messages those moves cause and the reminders (visit tomorrow, billing about to expire, pickup deadline within 3 days), each once. Safe to run concurrently and repeatedly, per office or for all.';

CREATE FUNCTION passport.find_reservation(reservation_number text, sender text DEFAULT NULL,
                                          birth_date date DEFAULT NULL)
  RETURNS passport.booking
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  code_ text := passport.normalize_reservation_number(reservation_number);
  office_ bigint := passport.reservation_number_office(code_);
  result passport.booking;
BEGIN
  SELECT r.code, o.code, r.local_date, (r.starts_at AT TIME ZONE o.time_zone)::time,
         (r.ends_at AT TIME ZONE o.time_zone)::time, r.lane, r.service, r.status, false,
         (SELECT t.code FROM passport.queue_ticket t
           WHERE t.office_id = r.office_id AND t.reservation_code = r.code)
    INTO result
    FROM passport.reservation r JOIN passport.office o ON o.office_id = r.office_id
   WHERE r.office_id = office_ AND r.code = code_
     AND ((find_reservation.sender IS NOT NULL AND r.sender = find_reservation.sender)
          OR (find_reservation.birth_date IS NOT NULL AND r.birth_date = find_reservation.birth_date));
  IF NOT FOUND THEN
    RAISE EXCEPTION 'reservation not found'
      USING ERRCODE = 'PP006',
            DETAIL = format('No reservation has the number %s, or the sender or birth date does not match.', code_);
  END IF;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.find_reservation(text, text, date) IS
  'A reservation by number with a second factor (sender or birth date); an unknown number and a wrong factor answer alike (PP006).';
