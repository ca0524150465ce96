--------------------------------------------------------------------------
-- One home for each rule: what a lane does and which channels exist are
-- rows of reference tables; the C code and every hint text read them
--------------------------------------------------------------------------

-- What each lane does, besides its prefix and calling order.
ALTER TABLE passport.lane
  ADD COLUMN walk_in boolean NOT NULL DEFAULT false,
  ADD COLUMN ready_working_days smallint NOT NULL DEFAULT 3,
  ADD COLUMN tariff_item text,
  ADD CONSTRAINT lane_ready_days_range CHECK (ready_working_days BETWEEN 0 AND 30),
  ADD CONSTRAINT lane_tariff_item_known CHECK (tariff_item IN ('percepatan'));
COMMENT ON COLUMN passport.lane.walk_in IS
  'Whether the lane takes walk-ins (a ticket without reservation, and an application opened at the counter).';
COMMENT ON COLUMN passport.lane.ready_working_days IS
  'Working days from approval to the promised ready date for applications of this lane (0: the same day).';
COMMENT ON COLUMN passport.lane.tariff_item IS
  'Surcharge of the lane on the billing (an item of passport.tariff), or NULL.';
UPDATE passport.lane SET walk_in = true WHERE lane_code IN ('priority', 'percepatan');
UPDATE passport.lane SET ready_working_days = 0, tariff_item = 'percepatan' WHERE lane_code = 'percepatan';

-- The channels a reservation comes through (the adapters).
CREATE TABLE passport.channel (
  channel text NOT NULL,
  name    text NOT NULL,
  CONSTRAINT channel_pkey PRIMARY KEY (channel),
  CONSTRAINT channel_code_shape CHECK (channel ~ '^[a-z]{2,20}$')
);
COMMENT ON TABLE passport.channel IS
  'Channels reservations come through: the adapters of the service. passport.reserve accepts these and no other.';
REVOKE ALL ON passport.channel FROM PUBLIC;
INSERT INTO passport.channel VALUES
  ('whatsapp', 'WhatsApp'),
  ('app', 'Mobile app'),
  ('web', 'Web site'),
  ('counter', 'Office counter'),
  ('api', 'Other systems');

-- the channel list lives in passport.channel now, not in a constraint
ALTER TABLE passport.reservation DROP CONSTRAINT reservation_values_valid;
ALTER TABLE passport.reservation ADD CONSTRAINT reservation_values_valid CHECK (
    status IN ('booked', 'checked_in', 'cancelled', 'no_show', 'expired')
    AND length(code) = 11 AND length(nik) = 16 AND reschedules >= 0) NOT VALID;
ALTER TABLE passport.reservation VALIDATE CONSTRAINT reservation_values_valid;

INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege)
SELECT r, 'table', 'passport.channel', 'SELECT'
  FROM unnest(ARRAY['passport_officer', 'passport_reporter', 'passport_admin']) r;

-- the hint lists the tariffs that exist, instead of saying them by hand
CREATE OR REPLACE FUNCTION passport.tariff_amount(item text, passport_kind text DEFAULT '',
                                                  validity_years integer DEFAULT 0,
                                                  on_date date DEFAULT NULL)
  RETURNS bigint
  LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  d date := coalesce(on_date, (passport.now() AT TIME ZONE 'Asia/Jakarta')::date);
  result bigint;
BEGIN
  SELECT t.amount INTO result
    FROM passport.tariff t
   WHERE t.item = tariff_amount.item
     AND t.passport_kind = coalesce(tariff_amount.passport_kind, '')
     AND t.validity_years = coalesce(tariff_amount.validity_years, 0)
     AND t.valid_from <= d
   ORDER BY t.valid_from DESC
   LIMIT 1;
  IF result IS NULL THEN
    RAISE EXCEPTION 'no tariff for "%" (%, % years) on %', item, passport_kind, validity_years, d
      USING ERRCODE = '22023',
            DETAIL = 'No row of passport.tariff matches this item, kind and validity with valid_from on or before that date.',
            HINT = format('Tariffs on %s: %s.', d,
                          coalesce((SELECT string_agg(DISTINCT t.item || CASE WHEN t.passport_kind <> ''
                                                        THEN ' ' || t.passport_kind || ' ' || t.validity_years || ' years'
                                                        ELSE '' END, ', ')
                                      FROM passport.tariff t WHERE t.valid_from <= d), 'none'));
  END IF;
  RETURN result;
END;
$$;

-- The values of the rules that texts state (deadlines, limits, the pickup
-- lane's ticket letter), for the text fillers: a text says {documents_days}
-- and shows what the setting says today.
CREATE FUNCTION passport.policy_values()
  RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM passport.now();          -- loads the module that defines the settings
  RETURN jsonb_build_object(
    'documents_days', current_setting('passport.documents_days'),
    'pickup_days', current_setting('passport.pickup_days'),
    'billing_days_after_interview',
      (extract(epoch FROM current_setting('passport.billing_valid_after_interview')::interval) / 86400)::numeric(10, 0),
    'billing_hours_at_booking',
      (extract(epoch FROM current_setting('passport.billing_valid_at_booking')::interval) / 3600)::numeric(10, 0),
    'reschedule_limit', current_setting('passport.reschedule_limit'),
    'reschedule_min_days', current_setting('passport.reschedule_min_days'),
    'cooldown_hours', (extract(epoch FROM current_setting('passport.cooldown')::interval) / 3600)::numeric(10, 0),
    'pickup_prefix', (SELECT l.prefix FROM passport.lane l WHERE l.lane_code = 'pickup'));
END;
$$;
COMMENT ON FUNCTION passport.policy_values() IS
  'The rule values texts may name, as {key} placeholders: documents_days, pickup_days, billing_days_after_interview, billing_hours_at_booking, reschedule_limit, reschedule_min_days, cooldown_hours (from the settings) and pickup_prefix (the pickup lane''s letter). The bot, the outbox and the status lookup fill them in.';
REVOKE ALL ON FUNCTION passport.policy_values() FROM PUBLIC;
