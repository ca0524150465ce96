-- passport install script, assembled from sql-src/ by the Makefile.

\echo Use "CREATE EXTENSION passport" to load this file. \quit

--------------------------------------------------------------------------
-- Schema, installation key, time source
--------------------------------------------------------------------------

CREATE SCHEMA passport;
COMMENT ON SCHEMA passport IS
  'Passport service: offices, quotas, reservations, identifiers. Access only through the roles made by passport.setup_roles().';
REVOKE ALL ON SCHEMA passport FROM PUBLIC;

CREATE FUNCTION passport.now()
  RETURNS timestamptz
  AS 'MODULE_PATHNAME', 'passport_now'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION passport.now() IS
  'The time every rule reads: passport.now_override when set (tests), else the transaction start time.';

CREATE FUNCTION passport.random_bytes(n integer)
  RETURNS bytea
  AS 'MODULE_PATHNAME', 'passport_random_bytes'
  LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION passport.random_bytes(integer) IS
  'n bytes (1-1024) from the server''s strong random source.';

-- The per-installation key of the format-preserving encryption behind
-- reservation numbers, application numbers and billing codes.  Readable by
-- no application role; kept by pg_dump.  After a restore into a fresh
-- database the restored (older) key wins over the one CREATE EXTENSION made.
CREATE TABLE passport.secret (
  purpose    text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  key        bytea       NOT NULL,
  CONSTRAINT secret_purpose_known CHECK (purpose IN ('ff1')),
  CONSTRAINT secret_key_length CHECK (pg_catalog.length(key) = 32)
);
COMMENT ON TABLE passport.secret IS
  'Installation keys (AES-256 for FF1). Never granted to any role; the oldest key of a purpose is used.';
INSERT INTO passport.secret (purpose, key) VALUES ('ff1', passport.random_bytes(32));
SELECT pg_catalog.pg_extension_config_dump('passport.secret', '');

CREATE SEQUENCE passport.reservation_number_seq AS bigint MINVALUE 1 MAXVALUE 8589934591 NO CYCLE;
COMMENT ON SEQUENCE passport.reservation_number_seq IS
  'Counter encrypted into reservation numbers (33 bits; per-node ranges are fine).';
SELECT pg_catalog.pg_extension_config_dump('passport.reservation_number_seq', '');

CREATE SEQUENCE passport.application_number_seq AS bigint MINVALUE 1 MAXVALUE 99999999999 NO CYCLE;
COMMENT ON SEQUENCE passport.application_number_seq IS
  'Counter encrypted into application numbers.';
SELECT pg_catalog.pg_extension_config_dump('passport.application_number_seq', '');

CREATE SEQUENCE passport.billing_code_seq AS bigint MINVALUE 1 MAXVALUE 9999999999 NO CYCLE;
COMMENT ON SEQUENCE passport.billing_code_seq IS
  'Counter encrypted into billing codes.';
SELECT pg_catalog.pg_extension_config_dump('passport.billing_code_seq', '');
--------------------------------------------------------------------------
-- Catalog: reference data, offices, capacity rules, closures, slots
--------------------------------------------------------------------------

CREATE FUNCTION passport.is_time_zone(name text)
  RETURNS boolean
  AS 'MODULE_PATHNAME', 'passport_is_time_zone'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION passport.is_time_zone(text) IS
  'True when name is an IANA Region/City time zone (or UTC) known to the server.';

-- Reference data (no office): services, passport kinds, lanes, tariffs.

CREATE TABLE passport.service (
  service_code text PRIMARY KEY,
  name_id      text NOT NULL,
  name_en      text NOT NULL,
  surcharge    text,
  CONSTRAINT service_code_known CHECK (service_code IN
    ('new_adult', 'new_child', 'renewal', 'lost', 'damaged', 'data_change')),
  CONSTRAINT service_surcharge_known CHECK (surcharge IN ('lost', 'damaged'))
);
COMMENT ON TABLE passport.service IS 'Service types an applicant can book.';
INSERT INTO passport.service VALUES
  ('new_adult',   'Paspor baru dewasa',            'New passport, adult',          NULL),
  ('new_child',   'Paspor baru anak',              'New passport, child',          NULL),
  ('renewal',     'Penggantian paspor habis masa berlaku', 'Renewal',              NULL),
  ('lost',        'Penggantian paspor hilang',     'Replacement for a lost passport',    'lost'),
  ('damaged',     'Penggantian paspor rusak',      'Replacement for a damaged passport', 'damaged'),
  ('data_change', 'Perubahan data paspor',         'Change of passport data',      NULL);

CREATE TABLE passport.passport_kind (
  kind_code text PRIMARY KEY,
  name_id   text NOT NULL,
  name_en   text NOT NULL,
  CONSTRAINT passport_kind_known CHECK (kind_code IN ('regular', 'electronic'))
);
COMMENT ON TABLE passport.passport_kind IS 'Passport kinds: regular 48 pages, electronic.';
INSERT INTO passport.passport_kind VALUES
  ('regular',    'Paspor biasa 48 halaman', 'Regular passport, 48 pages'),
  ('electronic', 'Paspor elektronik',       'Electronic passport');

CREATE TABLE passport.lane (
  lane_code  text PRIMARY KEY,
  prefix     text NOT NULL UNIQUE,
  bookable   boolean NOT NULL,
  call_order smallint NOT NULL,
  name_id    text NOT NULL,
  name_en    text NOT NULL,
  CONSTRAINT lane_code_known CHECK (lane_code IN ('regular', 'priority', 'percepatan', 'pickup')),
  CONSTRAINT lane_prefix_letter CHECK (prefix ~ '^[A-Z]$')
);
COMMENT ON TABLE passport.lane IS
  'Queue lanes with their ticket prefix; bookable lanes take online reservations; counters call lanes in call_order (priority first).';
INSERT INTO passport.lane VALUES
  ('regular',    'A', true,  3, 'Reguler',                      'Regular'),
  ('priority',   'B', false, 1, 'Prioritas (lansia, balita, disabilitas, ibu hamil)', 'Priority (elderly, under-5s, disabled, pregnant)'),
  ('percepatan', 'C', true,  2, 'Percepatan (selesai hari yang sama)', 'Same-day (percepatan)'),
  ('pickup',     'P', false, 4, 'Pengambilan paspor',           'Passport pickup');

CREATE TABLE passport.tariff (
  item           text     NOT NULL,
  passport_kind  text     NOT NULL DEFAULT '',
  validity_years smallint NOT NULL DEFAULT 0,
  valid_from     date     NOT NULL,
  amount         bigint   NOT NULL,
  legal_basis    text,
  builtin        boolean  NOT NULL DEFAULT false,
  CONSTRAINT tariff_pkey PRIMARY KEY (item, passport_kind, validity_years, valid_from),
  CONSTRAINT tariff_item_known CHECK (item IN ('passport', 'percepatan', 'lost', 'damaged')),
  CONSTRAINT tariff_kind_shape CHECK (
    (item = 'passport' AND passport_kind IN ('regular', 'electronic') AND validity_years IN (5, 10))
    OR (item <> 'passport' AND passport_kind = '' AND validity_years = 0)),
  CONSTRAINT tariff_amount_nonnegative CHECK (amount >= 0)
);
COMMENT ON TABLE passport.tariff IS
  'Dated tariffs in IDR: the row with the latest valid_from not after the billing date applies.';
INSERT INTO passport.tariff (item, passport_kind, validity_years, valid_from, amount, legal_basis, builtin) VALUES
  ('passport',   'regular',    5, '2019-05-03',  350000, 'PP 28/2019', true),
  ('passport',   'electronic', 5, '2019-05-03',  650000, 'PP 28/2019', true),
  ('percepatan', '',           0, '2019-05-03', 1000000, 'PP 28/2019', true),
  ('lost',       '',           0, '2019-05-03', 1000000, 'PP 28/2019', true),
  ('damaged',    '',           0, '2019-05-03',  500000, 'PP 28/2019', true),
  ('passport',   'regular',    5, '2024-12-17',  350000, 'PP 45/2024', true),
  ('passport',   'regular',   10, '2024-12-17',  650000, 'PP 45/2024', true),
  ('passport',   'electronic', 5, '2024-12-17',  650000, 'PP 45/2024', true),
  ('passport',   'electronic',10, '2024-12-17',  950000, 'PP 45/2024', true),
  ('percepatan', '',           0, '2024-12-17', 1000000, 'PP 45/2024', true),
  ('lost',       '',           0, '2024-12-17', 1000000, 'PP 45/2024', true),
  ('damaged',    '',           0, '2024-12-17',  500000, 'PP 45/2024', true);
SELECT pg_catalog.pg_extension_config_dump('passport.tariff', 'WHERE NOT builtin');

CREATE FUNCTION passport.tariff_amount(item text, passport_kind text DEFAULT '',
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
            HINT = 'Passports are regular or electronic, valid 5 or 10 years (10 years from 2024-12-17).';
  END IF;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.tariff_amount(text, text, integer, date) IS
  'Tariff in IDR of an item (passport, percepatan, lost, damaged) valid on a date (default today, WIB).';

-- Offices (reference data: small, read by every office-owned statement).

CREATE TABLE passport.office (
  office_id          bigint  NOT NULL GENERATED BY DEFAULT AS IDENTITY (MAXVALUE 4095),
  code               text    NOT NULL,
  name               text    NOT NULL,
  kind               text    NOT NULL,
  parent_id          bigint,
  time_zone          text    NOT NULL,
  city               text,
  address            text,
  active             boolean NOT NULL DEFAULT true,
  slot_shards        integer NOT NULL DEFAULT 8,
  release_days_ahead integer NOT NULL DEFAULT 30,
  release_time       time    NOT NULL DEFAULT '00:00',
  payment_policy     text    NOT NULL DEFAULT 'after_interview',
  CONSTRAINT office_pkey PRIMARY KEY (office_id),
  CONSTRAINT office_code_key UNIQUE (code),
  CONSTRAINT office_id_range CHECK (office_id BETWEEN 1 AND 4095),
  CONSTRAINT office_code_shape CHECK (code ~ '^[A-Z0-9_]{2,16}$'),
  CONSTRAINT office_kind_known CHECK (kind IN ('kanim', 'ulp', 'ukk', 'mpp')),
  CONSTRAINT office_time_zone_valid CHECK (passport.is_time_zone(time_zone)),
  CONSTRAINT office_not_own_parent CHECK (parent_id IS DISTINCT FROM office_id),
  CONSTRAINT office_slot_shards_range CHECK (slot_shards BETWEEN 1 AND 64),
  CONSTRAINT office_release_days_range CHECK (release_days_ahead BETWEEN 0 AND 366),
  CONSTRAINT office_payment_policy_known CHECK (payment_policy IN ('after_interview', 'at_booking'))
);
COMMENT ON TABLE passport.office IS
  'Immigration offices (Kanim, ULP, UKK, MPP) with their IANA time zone and release policy. office_id is 1-4095: reservation numbers carry it.';
COMMENT ON COLUMN passport.office.parent_id IS
  'Supervising office (a ULP or UKK under its Kanim). Checked by create_office; no self-referencing foreign key, so that pg_dump restores the table without ordering trouble.';
COMMENT ON COLUMN passport.office.slot_shards IS
  'Counter rows per slot: concurrent bookers of one slot spread over them instead of queueing on one row.';
COMMENT ON COLUMN passport.office.payment_policy IS
  'Validity of a billing: after_interview (the WhatsApp era) 7 days, at_booking (the app era) 2 hours. The billing is issued when the application enters awaiting_payment.';
COMMENT ON COLUMN passport.office.release_days_ahead IS
  'A slot on day D becomes bookable at release_time (local) on day D - release_days_ahead.';
SELECT pg_catalog.pg_extension_config_dump('passport.office', '');
SELECT pg_catalog.pg_extension_config_dump('passport.office_office_id_seq', '');

CREATE FUNCTION passport.office_id(code text)
  RETURNS bigint
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  result bigint;
BEGIN
  SELECT o.office_id INTO result FROM passport.office o WHERE o.code = pg_catalog.upper(office_id.code);
  IF result IS NULL THEN
    RAISE EXCEPTION 'unknown office "%"', code
      USING ERRCODE = 'PP011', DETAIL = 'No office has this code.';
  END IF;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.office_id(text) IS 'Office number of an office code; raises PP011 when unknown.';

CREATE FUNCTION passport.create_office(code text, name text, kind text, time_zone text,
                                       parent_code text DEFAULT NULL, city text DEFAULT NULL,
                                       address text DEFAULT NULL, slot_shards integer DEFAULT 8,
                                       release_days_ahead integer DEFAULT 30,
                                       release_time time DEFAULT '00:00')
  RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  parent bigint;
  result bigint;
BEGIN
  IF code IS NULL OR upper(code) !~ '^[A-Z0-9_]{2,16}$' THEN
    RAISE EXCEPTION 'invalid office code "%"', code
      USING ERRCODE = '22023', DETAIL = 'An office code has 2 to 16 letters, digits or underscores.';
  END IF;
  IF name IS NULL OR btrim(name) = '' THEN
    RAISE EXCEPTION 'an office needs a name' USING ERRCODE = '22023';
  END IF;
  IF kind IS NULL OR lower(kind) NOT IN ('kanim', 'ulp', 'ukk', 'mpp') THEN
    RAISE EXCEPTION 'unknown office kind "%"', kind
      USING ERRCODE = '22023', HINT = 'Office kinds are kanim, ulp, ukk and mpp.';
  END IF;
  IF time_zone IS NULL OR NOT passport.is_time_zone(time_zone) THEN
    RAISE EXCEPTION 'unknown time zone "%"', time_zone
      USING ERRCODE = '22023',
            DETAIL = 'An office time zone is an IANA name the server knows.',
            HINT = 'Indonesia uses Asia/Jakarta (WIB), Asia/Makassar (WITA) and Asia/Jayapura (WIT).';
  END IF;
  IF slot_shards IS NULL OR slot_shards NOT BETWEEN 1 AND 64 THEN
    RAISE EXCEPTION 'slot_shards % is out of range', slot_shards
      USING ERRCODE = '22023', DETAIL = 'Between 1 and 64 counter rows per slot are allowed.';
  END IF;
  IF release_days_ahead IS NULL OR release_days_ahead NOT BETWEEN 0 AND 366 THEN
    RAISE EXCEPTION 'release_days_ahead % is out of range', release_days_ahead
      USING ERRCODE = '22023', DETAIL = 'Slots are released between 0 and 366 days ahead.';
  END IF;
  IF parent_code IS NOT NULL THEN
    parent := passport.office_id(parent_code);
  END IF;
  IF EXISTS (SELECT 1 FROM passport.office o WHERE o.code = upper(create_office.code)) THEN
    RAISE EXCEPTION 'office "%" already exists', upper(code) USING ERRCODE = '23505';
  END IF;
  INSERT INTO passport.office (code, name, kind, parent_id, time_zone, city, address,
                               slot_shards, release_days_ahead, release_time)
  VALUES (upper(code), btrim(name), lower(kind), parent, time_zone, city, address,
          slot_shards, release_days_ahead, coalesce(release_time, '00:00'))
  RETURNING office_id INTO result;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.create_office(text, text, text, text, text, text, text, integer, integer, time) IS
  'Creates an office; validates code, kind, IANA time zone and release policy. Returns its office number.';

CREATE FUNCTION passport.set_release_policy(office_code text, days_ahead integer, release_time time)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.office_id(office_code);
BEGIN
  IF days_ahead IS NULL OR days_ahead NOT BETWEEN 0 AND 366 THEN
    RAISE EXCEPTION 'release_days_ahead % is out of range', days_ahead
      USING ERRCODE = '22023', DETAIL = 'Slots are released between 0 and 366 days ahead.';
  END IF;
  IF release_time IS NULL THEN
    RAISE EXCEPTION 'a release policy needs a local release time' USING ERRCODE = '22023';
  END IF;
  UPDATE passport.office SET release_days_ahead = days_ahead,
                             release_time = set_release_policy.release_time
   WHERE office_id = oid_;
END;
$$;
COMMENT ON FUNCTION passport.set_release_policy(text, integer, time) IS
  'Sets how many days ahead and at which local time an office releases slots (for slots released afterwards).';

-- Capacity rules (office-owned).

CREATE TABLE passport.capacity_rule (
  office_id    bigint   NOT NULL,
  rule_id      bigint   NOT NULL GENERATED BY DEFAULT AS IDENTITY,
  weekday      smallint NOT NULL,
  lane         text     NOT NULL,
  start_time   time     NOT NULL,
  end_time     time     NOT NULL,
  slot_minutes integer  NOT NULL,
  capacity     integer  NOT NULL,
  CONSTRAINT capacity_rule_pkey PRIMARY KEY (office_id, rule_id),
  CONSTRAINT capacity_rule_office_fkey FOREIGN KEY (office_id) REFERENCES passport.office (office_id),
  CONSTRAINT capacity_rule_lane_fkey FOREIGN KEY (lane) REFERENCES passport.lane (lane_code),
  CONSTRAINT capacity_rule_weekday_range CHECK (weekday BETWEEN 1 AND 7),
  CONSTRAINT capacity_rule_window_order CHECK (start_time < end_time),
  CONSTRAINT capacity_rule_slot_length CHECK (slot_minutes BETWEEN 5 AND 480),
  CONSTRAINT capacity_rule_capacity_positive CHECK (capacity > 0)
);
COMMENT ON TABLE passport.capacity_rule IS
  'Per office, ISO weekday (1 = Monday) and lane: a local time window cut into slots of slot_minutes, each with capacity places.';
SELECT pg_catalog.pg_extension_config_dump('passport.capacity_rule', '');
SELECT pg_catalog.pg_extension_config_dump('passport.capacity_rule_rule_id_seq', '');

CREATE FUNCTION passport.add_capacity_rule(office_code text, weekday integer, lane text,
                                           start_time time, end_time time,
                                           slot_minutes integer, capacity integer)
  RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.office_id(office_code);
  clash record;
  result bigint;
BEGIN
  IF weekday IS NULL OR weekday NOT BETWEEN 1 AND 7 THEN
    RAISE EXCEPTION 'weekday % is out of range', weekday
      USING ERRCODE = '22023', DETAIL = 'Weekdays are ISO numbers: 1 = Monday ... 7 = Sunday.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM passport.lane l WHERE l.lane_code = add_capacity_rule.lane) THEN
    RAISE EXCEPTION 'unknown lane "%"', lane
      USING ERRCODE = '22023', HINT = 'Lanes are regular, priority, percepatan and pickup.';
  END IF;
  IF start_time IS NULL OR end_time IS NULL OR end_time <= start_time THEN
    RAISE EXCEPTION 'capacity window ends before it starts (% - %)', start_time, end_time
      USING ERRCODE = '22023', DETAIL = 'A window is a local start time before a local end time on the same day.';
  END IF;
  IF slot_minutes IS NULL OR slot_minutes NOT BETWEEN 5 AND 480 THEN
    RAISE EXCEPTION 'slot length % minutes is out of range', slot_minutes
      USING ERRCODE = '22023', DETAIL = 'Slots last between 5 and 480 minutes.';
  END IF;
  IF (extract(epoch FROM end_time - start_time)::integer / 60) % slot_minutes <> 0 THEN
    RAISE EXCEPTION 'window % - % is not a whole number of % minute slots', start_time, end_time, slot_minutes
      USING ERRCODE = '22023';
  END IF;
  IF capacity IS NULL OR capacity <= 0 THEN
    RAISE EXCEPTION 'capacity must be positive, not %', capacity
      USING ERRCODE = '22023', HINT = 'To close a day, add a closure instead.';
  END IF;
  PERFORM pg_advisory_xact_lock(1347440641, oid_::integer);
  SELECT r.rule_id, r.start_time, r.end_time INTO clash
    FROM passport.capacity_rule r
   WHERE r.office_id = oid_ AND r.weekday = add_capacity_rule.weekday
     AND r.lane = add_capacity_rule.lane
     AND r.start_time < add_capacity_rule.end_time AND add_capacity_rule.start_time < r.end_time
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'capacity window % - % overlaps rule % (% - %)',
                    start_time, end_time, clash.rule_id, clash.start_time, clash.end_time
      USING ERRCODE = '23P01',
            DETAIL = 'Windows of one office, weekday and lane must not overlap.';
  END IF;
  INSERT INTO passport.capacity_rule (office_id, weekday, lane, start_time, end_time, slot_minutes, capacity)
  VALUES (oid_, weekday, lane, start_time, end_time, slot_minutes, capacity)
  RETURNING rule_id INTO result;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.add_capacity_rule(text, integer, text, time, time, integer, integer) IS
  'Adds a capacity window for an office, weekday and lane. Slots already released keep their capacity.';

CREATE FUNCTION passport.remove_capacity_rule(office_code text, rule_id bigint)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.office_id(office_code);
BEGIN
  DELETE FROM passport.capacity_rule r WHERE r.office_id = oid_ AND r.rule_id = remove_capacity_rule.rule_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'office "%" has no capacity rule %', office_code, rule_id USING ERRCODE = 'PP006';
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.remove_capacity_rule(text, bigint) IS
  'Removes a capacity rule. Released slots and their bookings stay.';

-- Closures: national holidays (reference) and per-office closures.

CREATE TABLE passport.holiday (
  day  date NOT NULL,
  name text NOT NULL,
  CONSTRAINT holiday_pkey PRIMARY KEY (day)
);
COMMENT ON TABLE passport.holiday IS 'National holidays and collective leave: no office releases slots.';
SELECT pg_catalog.pg_extension_config_dump('passport.holiday', '');

CREATE TABLE passport.office_closure (
  office_id bigint NOT NULL,
  day       date   NOT NULL,
  reason    text   NOT NULL,
  CONSTRAINT office_closure_pkey PRIMARY KEY (office_id, day),
  CONSTRAINT office_closure_office_fkey FOREIGN KEY (office_id) REFERENCES passport.office (office_id)
);
COMMENT ON TABLE passport.office_closure IS 'Days one office is closed.';
SELECT pg_catalog.pg_extension_config_dump('passport.office_closure', '');

-- Slots: one row per counter shard of a slot (office-owned).

CREATE SEQUENCE passport.slot_id_seq AS bigint;
SELECT pg_catalog.pg_extension_config_dump('passport.slot_id_seq', '');

CREATE TABLE passport.slot (
  office_id  bigint      NOT NULL,
  slot_id    bigint      NOT NULL,
  shard      smallint    NOT NULL,
  lane       text        NOT NULL,
  local_date date        NOT NULL,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  opens_at   timestamptz NOT NULL,
  capacity   integer     NOT NULL,
  booked     integer     NOT NULL DEFAULT 0,
  is_full    boolean     NOT NULL,
  CONSTRAINT slot_pkey PRIMARY KEY (office_id, slot_id, shard),
  CONSTRAINT slot_start_key UNIQUE (office_id, lane, starts_at, shard),
  CONSTRAINT slot_office_fkey FOREIGN KEY (office_id) REFERENCES passport.office (office_id),
  CONSTRAINT slot_lane_fkey FOREIGN KEY (lane) REFERENCES passport.lane (lane_code),
  -- one constraint, not three: PostgreSQL 15 prepares every CHECK
  -- expression again for each statement that writes the table, and this
  -- table is written by every booking
  CONSTRAINT slot_counter_valid CHECK (booked >= 0 AND booked <= capacity
                                       AND is_full = (booked >= capacity)
                                       AND starts_at < ends_at)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
        autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
COMMENT ON TABLE passport.slot IS
  'Released slots. A slot is split over up to office.slot_shards counter rows (same slot_id, one per shard) so that concurrent bookers do not queue on one row; capacity and booked are per row.';
COMMENT ON COLUMN passport.slot.is_full IS
  'booked >= capacity. Only rows that are not full are in index slot_free, so a sold-out lookup reads nothing. A row that fills leaves a dead entry in slot_free until vacuum: the table is vacuumed after every 1000 dead rows (with autovacuum_naptime deciding how soon).';
-- Partial index of the rows that still have room: a booking that does not
-- fill its row leaves is_full unchanged, so its update stays HOT.
CREATE INDEX slot_free ON passport.slot (office_id, lane, starts_at, shard) WHERE NOT is_full;
CREATE INDEX slot_day ON passport.slot (office_id, local_date);
SELECT pg_catalog.pg_extension_config_dump('passport.slot', '');

CREATE FUNCTION passport.close_day(office_code text, day date, reason text)
  RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint;
  n integer;
BEGIN
  IF day IS NULL OR reason IS NULL OR btrim(reason) = '' THEN
    RAISE EXCEPTION 'a closure needs a day and a reason' USING ERRCODE = '22023';
  END IF;
  IF office_code IS NULL THEN
    INSERT INTO passport.holiday (day, name) VALUES (close_day.day, reason)
      ON CONFLICT ON CONSTRAINT holiday_pkey DO UPDATE SET name = excluded.name;
    -- no new bookings on that day anywhere; existing bookings stay
    UPDATE passport.slot s SET opens_at = 'infinity'
     WHERE s.local_date = close_day.day AND s.opens_at <> 'infinity';
  ELSE
    oid_ := passport.office_id(office_code);
    INSERT INTO passport.office_closure (office_id, day, reason) VALUES (oid_, close_day.day, reason)
      ON CONFLICT ON CONSTRAINT office_closure_pkey DO UPDATE SET reason = excluded.reason;
    UPDATE passport.slot s SET opens_at = 'infinity'
     WHERE s.office_id = oid_ AND s.local_date = close_day.day AND s.opens_at <> 'infinity';
  END IF;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION passport.close_day(text, date, text) IS
  'Closes a day for one office (or nationally when office_code is NULL). Released slots of that day are never bookable again (opens_at = infinity); existing bookings are kept. Returns the counter rows closed.';

CREATE FUNCTION passport.release_slots(office_code text, from_date date, to_date date)
  RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  o passport.office;
  n integer;
BEGIN
  SELECT * INTO o FROM passport.office WHERE office_id = passport.office_id(office_code);
  IF from_date IS NULL OR to_date IS NULL OR to_date < from_date THEN
    RAISE EXCEPTION 'release range % to % is empty', from_date, to_date
      USING ERRCODE = '22023', DETAIL = 'The last day must not be before the first.';
  END IF;
  IF to_date - from_date > 400 THEN
    RAISE EXCEPTION 'release range of % days is too long', to_date - from_date + 1
      USING ERRCODE = '22023', DETAIL = 'At most 401 days are released at once.';
  END IF;
  PERFORM pg_advisory_xact_lock(1347440641, o.office_id::integer);
  WITH wanted AS (
    SELECT d::date AS local_date, r.lane, r.slot_minutes, r.capacity,
           (t AT TIME ZONE o.time_zone) AS starts_at
      FROM pg_catalog.generate_series(from_date::timestamp, to_date::timestamp, interval '1 day') AS d
      JOIN passport.capacity_rule r
        ON r.office_id = o.office_id AND r.weekday = extract(isodow FROM d)
     CROSS JOIN LATERAL pg_catalog.generate_series(
             d + r.start_time,
             d + r.end_time - pg_catalog.make_interval(mins => r.slot_minutes),
             pg_catalog.make_interval(mins => r.slot_minutes)) AS t
     WHERE NOT EXISTS (SELECT 1 FROM passport.holiday h WHERE h.day = d::date)
       AND NOT EXISTS (SELECT 1 FROM passport.office_closure c
                        WHERE c.office_id = o.office_id AND c.day = d::date)
  ), fresh AS MATERIALIZED (
    SELECT w.*, pg_catalog.nextval('passport.slot_id_seq') AS slot_id,
           LEAST(o.slot_shards, w.capacity) AS shards
      FROM wanted w
     WHERE NOT EXISTS (SELECT 1 FROM passport.slot s
                        WHERE s.office_id = o.office_id AND s.lane = w.lane
                          AND s.starts_at = w.starts_at)
  )
  INSERT INTO passport.slot (office_id, slot_id, shard, lane, local_date, starts_at, ends_at,
                             opens_at, capacity, booked, is_full)
  SELECT o.office_id, f.slot_id, k, f.lane, f.local_date, f.starts_at,
         f.starts_at + pg_catalog.make_interval(mins => f.slot_minutes),
         ((f.local_date - o.release_days_ahead) + o.release_time) AT TIME ZONE o.time_zone,
         f.capacity / f.shards + CASE WHEN k < f.capacity % f.shards THEN 1 ELSE 0 END,
         0, false
    FROM fresh f
   CROSS JOIN LATERAL pg_catalog.generate_series(0, f.shards - 1) AS k
  ON CONFLICT ON CONSTRAINT slot_start_key DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION passport.release_slots(text, date, date) IS
  'Materialises the slots of an office for local dates from_date..to_date from its capacity rules, skipping holidays and closures. Idempotent: existing slots (and their bookings) are never changed. Returns the counter rows created.';

CREATE FUNCTION passport.set_slot_capacity(office_code text, lane text, local_date date,
                                           start_time time, capacity integer)
  RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.office_id(office_code);
  tz text;
  start_ts timestamptz;
  total_booked integer;
  shards integer;
  spare integer;
  r record;
  i integer := 0;
BEGIN
  IF capacity IS NULL OR capacity < 0 THEN
    RAISE EXCEPTION 'capacity must not be negative, not %', capacity USING ERRCODE = '22023';
  END IF;
  SELECT o.time_zone INTO tz FROM passport.office o WHERE o.office_id = oid_;
  start_ts := (local_date + start_time) AT TIME ZONE tz;
  SELECT pg_catalog.sum(s.booked), pg_catalog.count(*) INTO total_booked, shards
    FROM (SELECT s.booked FROM passport.slot s
           WHERE s.office_id = oid_ AND s.lane = set_slot_capacity.lane AND s.starts_at = start_ts
           ORDER BY s.shard FOR UPDATE) s;
  IF shards = 0 THEN
    RAISE EXCEPTION 'office "%" has no released % slot at % %', office_code, lane, local_date, start_time
      USING ERRCODE = 'PP006';
  END IF;
  IF capacity < total_booked THEN
    RAISE EXCEPTION 'capacity % is below the % places already booked', capacity, total_booked
      USING ERRCODE = '23514',
            DETAIL = 'Lowering a slot''s capacity never cancels bookings.',
            HINT = format('Set a capacity of at least %s, or reschedule bookings first.', total_booked);
  END IF;
  spare := capacity - total_booked;
  FOR r IN SELECT s.shard, s.booked FROM passport.slot s
            WHERE s.office_id = oid_ AND s.lane = set_slot_capacity.lane AND s.starts_at = start_ts
            ORDER BY s.shard
  LOOP
    UPDATE passport.slot s
       SET capacity = r.booked + spare / shards + CASE WHEN i < spare % shards THEN 1 ELSE 0 END,
           is_full = (r.booked >= r.booked + spare / shards + CASE WHEN i < spare % shards THEN 1 ELSE 0 END)
     WHERE s.office_id = oid_ AND s.lane = set_slot_capacity.lane AND s.starts_at = start_ts
       AND s.shard = r.shard;
    i := i + 1;
  END LOOP;
  RETURN capacity;
END;
$$;
COMMENT ON FUNCTION passport.set_slot_capacity(text, text, date, time, integer) IS
  'Changes the capacity of one released slot; refuses (23514) to go below what is already booked.';

CREATE FUNCTION passport.availability(office_code text, from_date date DEFAULT NULL,
                                      days integer DEFAULT 14, lane_code text DEFAULT 'regular')
  RETURNS TABLE (local_date date, lane text, slots integer, capacity integer,
                 booked integer, free integer, first_free time)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.office_id(office_code);
  tz text;
  t timestamptz := passport.now();
  d0 date;
BEGIN
  IF days IS NULL OR days NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION 'days % is out of range', days USING ERRCODE = '22023';
  END IF;
  SELECT o.time_zone INTO tz FROM passport.office o WHERE o.office_id = oid_;
  d0 := coalesce(from_date, (t AT TIME ZONE tz)::date);
  RETURN QUERY
    SELECT s.local_date, s.lane, pg_catalog.count(DISTINCT s.slot_id)::integer,
           pg_catalog.sum(s.capacity)::integer, pg_catalog.sum(s.booked)::integer,
           pg_catalog.sum(s.capacity - s.booked)::integer,
           (pg_catalog.min(s.starts_at) FILTER (WHERE NOT s.is_full) AT TIME ZONE tz)::time
      FROM passport.slot s
     WHERE s.office_id = oid_ AND s.lane = availability.lane_code
       AND s.starts_at >= (d0::timestamp AT TIME ZONE tz)
       AND s.starts_at < ((d0 + days)::timestamp AT TIME ZONE tz)
       AND s.starts_at > t AND s.opens_at <= t
     GROUP BY s.local_date, s.lane
     ORDER BY s.local_date;
END;
$$;
COMMENT ON FUNCTION passport.availability(text, date, integer, text) IS
  'Bookable days of an office and lane from a local date: slots, capacity, booked, free places and the first free local time. Only released, future slots count.';

CREATE VIEW passport.capacity_overview AS
  SELECT o.code AS office, o.time_zone, s.lane, s.local_date,
         pg_catalog.count(DISTINCT s.slot_id) AS slots,
         pg_catalog.sum(s.capacity) AS capacity,
         pg_catalog.sum(s.booked) AS booked,
         pg_catalog.min(s.starts_at AT TIME ZONE o.time_zone)::time AS first_start,
         pg_catalog.max(s.ends_at AT TIME ZONE o.time_zone)::time AS last_end
    FROM passport.slot s
    JOIN passport.office o ON o.office_id = s.office_id
   GROUP BY o.code, o.time_zone, s.lane, s.local_date;
COMMENT ON VIEW passport.capacity_overview IS
  'Capacity and bookings per office, lane and local date (aggregates only).';
--------------------------------------------------------------------------
-- Identifiers: reservation numbers, application numbers, billing codes,
-- NIK and phone numbers (C, src/ids.c over src/ident.c and src/ff1.c)
--------------------------------------------------------------------------

CREATE FUNCTION passport.normalize_reservation_number(reservation_number text)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_normalize_reservation_number'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION passport.normalize_reservation_number(text) IS
  'Canonical XXXXX-XXXXX form of a typed reservation number (case-insensitive, O read as 0, I and L as 1, dashes and spaces ignored); raises PP101 saying what is wrong.';

CREATE FUNCTION passport.is_reservation_number(reservation_number text)
  RETURNS boolean
  AS 'MODULE_PATHNAME', 'passport_is_reservation_number'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION passport.is_reservation_number(text) IS
  'True when text is a well-formed reservation number (10 symbols, check symbol right). Does not say whether it was issued.';

CREATE FUNCTION passport.issue_reservation_number(office_id bigint)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_issue_reservation_number'
  LANGUAGE C VOLATILE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.issue_reservation_number(bigint) IS
  'Issues the next reservation number of an office: FF1 encryption of the office and a sequence value, unique without retries.';

CREATE FUNCTION passport.reservation_number_office(reservation_number text)
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'passport_reservation_number_office'
  LANGUAGE C STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.reservation_number_office(text) IS
  'Office number encoded in a reservation number, or NULL when this installation cannot have issued it.';

CREATE FUNCTION passport.normalize_application_number(application_number text)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_normalize_application_number'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION passport.normalize_application_number(text) IS
  'The 16 digits of an application number (spaces, dashes, dots ignored); raises PP105 on a wrong length, a non-digit or a wrong Damm check digit.';

CREATE FUNCTION passport.issue_application_number(office_id bigint)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_issue_application_number'
  LANGUAGE C VOLATILE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.issue_application_number(bigint) IS
  'Issues the next 16-digit application number of an office (15 FF1 digits + Damm check digit): unique, not sequential to outsiders.';

CREATE FUNCTION passport.application_number_office(application_number text)
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'passport_application_number_office'
  LANGUAGE C STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.application_number_office(text) IS
  'Office number encoded in an application number, or NULL when this installation cannot have issued it.';

CREATE FUNCTION passport.normalize_billing_code(billing_code text)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_normalize_billing_code'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION passport.normalize_billing_code(text) IS
  'The 15 digits of a billing code; raises PP106 on a wrong length, a non-digit or a wrong Damm check digit.';

CREATE FUNCTION passport.issue_billing_code(office_id bigint)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_issue_billing_code'
  LANGUAGE C VOLATILE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.issue_billing_code(bigint) IS
  'Issues the next 15-digit billing code of an office (14 FF1 digits + Damm check digit).';

CREATE FUNCTION passport.billing_code_office(billing_code text)
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'passport_billing_code_office'
  LANGUAGE C STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.billing_code_office(text) IS
  'Office number encoded in a billing code, or NULL when this installation cannot have issued it.';

CREATE FUNCTION passport.nik_parts(nik text,
                                   OUT digits text, OUT province text, OUT regency text,
                                   OUT district text, OUT birth_date date, OUT sex text,
                                   OUT serial text)
  RETURNS record
  AS 'MODULE_PATHNAME', 'passport_nik_parts'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION passport.nik_parts(text) IS
  'Parts of a structurally valid NIK: province, regency and district codes, birth date (day - 40 for women), sex, serial; raises PP102 with the precise reason otherwise.';

CREATE FUNCTION passport.nik_problem(nik text)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_nik_problem'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION passport.nik_problem(text) IS
  'NULL for a structurally valid NIK, otherwise why it is not (for bots that answer without raising).';

CREATE FUNCTION passport.normalize_phone(phone text)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_normalize_phone'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION passport.normalize_phone(text) IS
  'E.164 form of 08…, 628…, +62 8… (spaces, dashes, dots, parentheses allowed) or another +country number; raises PP104 with the reason.';
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
--------------------------------------------------------------------------
-- Applications: statuses and transitions as data, the application and its
-- append-only history, billing and payment, status lookup
--------------------------------------------------------------------------

CREATE TABLE passport.application_status (
  status    text     NOT NULL,
  ordinal   smallint NOT NULL,
  terminal  boolean  NOT NULL,
  CONSTRAINT application_status_pkey PRIMARY KEY (status)
);
COMMENT ON TABLE passport.application_status IS 'The statuses of an application, in process order.';
INSERT INTO passport.application_status VALUES
  ('submitted', 1, false), ('incomplete', 2, false), ('verified', 3, false),
  ('interviewed', 4, false), ('awaiting_payment', 5, false), ('paid', 6, false),
  ('payment_expired', 7, true), ('approved', 8, false), ('rejected', 9, true),
  ('printed', 10, false), ('ready', 11, false), ('collected', 12, true),
  ('uncollected', 13, true), ('forfeited', 14, true), ('cancelled', 15, true);

-- The allowed moves. actor_role: officer (passport_officer or passport_admin
-- through passport.transition), admin (passport_admin only), payment (only
-- passport.confirm_payment), system (only passport.sweep).
CREATE TABLE passport.transition (
  from_status text NOT NULL,
  to_status   text NOT NULL,
  actor_role  text NOT NULL,
  CONSTRAINT transition_pkey PRIMARY KEY (from_status, to_status, actor_role),
  CONSTRAINT transition_from_fkey FOREIGN KEY (from_status) REFERENCES passport.application_status (status),
  CONSTRAINT transition_to_fkey FOREIGN KEY (to_status) REFERENCES passport.application_status (status),
  CONSTRAINT transition_role_known CHECK (actor_role IN ('officer', 'admin', 'payment', 'system')),
  CONSTRAINT transition_moves CHECK (from_status <> to_status)
);
COMMENT ON TABLE passport.transition IS
  'Allowed application moves and who may make them; passport.transition enforces them in C. Guards on top: paid needs a confirmed payment; incomplete -> submitted only before the documents deadline.';
INSERT INTO passport.transition VALUES
  ('submitted', 'verified', 'officer'),
  ('submitted', 'incomplete', 'officer'),
  ('incomplete', 'submitted', 'officer'),
  ('incomplete', 'forfeited', 'system'),
  ('verified', 'interviewed', 'officer'),
  ('interviewed', 'awaiting_payment', 'officer'),
  ('interviewed', 'rejected', 'officer'),
  ('awaiting_payment', 'paid', 'payment'),
  ('awaiting_payment', 'payment_expired', 'system'),
  ('paid', 'approved', 'officer'),
  ('paid', 'rejected', 'officer'),
  ('approved', 'printed', 'officer'),
  ('printed', 'ready', 'officer'),
  ('ready', 'collected', 'officer'),
  ('ready', 'uncollected', 'system'),
  ('submitted', 'cancelled', 'officer'),
  ('incomplete', 'cancelled', 'officer'),
  ('verified', 'cancelled', 'officer'),
  ('interviewed', 'cancelled', 'officer'),
  ('awaiting_payment', 'cancelled', 'admin');

-- Texts an applicant reads, per status and language (editable by administrators).
CREATE TABLE passport.status_text (
  status    text NOT NULL,
  language  text NOT NULL,
  label     text NOT NULL,
  next_step text NOT NULL,
  CONSTRAINT status_text_pkey PRIMARY KEY (status, language),
  CONSTRAINT status_text_status_fkey FOREIGN KEY (status) REFERENCES passport.application_status (status),
  CONSTRAINT status_text_language_known CHECK (language IN ('id', 'en'))
);
COMMENT ON TABLE passport.status_text IS 'What an applicant is told per status, in Indonesian and English.';
INSERT INTO passport.status_text VALUES
  ('submitted', 'id', 'Permohonan diterima', 'Petugas sedang memeriksa berkas Anda. Tunggu panggilan verifikasi.'),
  ('submitted', 'en', 'Application received', 'An officer is checking your documents. Wait to be called for verification.'),
  ('incomplete', 'id', 'Berkas belum lengkap', 'Lengkapi berkas yang kurang di kantor imigrasi paling lambat 7 hari, atau permohonan gugur.'),
  ('incomplete', 'en', 'Documents incomplete', 'Bring the missing documents to the office within 7 days, or the application lapses.'),
  ('verified', 'id', 'Berkas terverifikasi', 'Tunggu panggilan wawancara dan foto.'),
  ('verified', 'en', 'Documents verified', 'Wait to be called for the interview and photo.'),
  ('interviewed', 'id', 'Wawancara selesai', 'Tunggu kode billing untuk pembayaran, atau keputusan bila sudah membayar.'),
  ('interviewed', 'en', 'Interview done', 'Wait for your billing code, or for the decision if you have already paid.'),
  ('awaiting_payment', 'id', 'Menunggu pembayaran', 'Bayar dengan kode billing sebelum batas waktu.'),
  ('awaiting_payment', 'en', 'Awaiting payment', 'Pay with your billing code before it expires.'),
  ('paid', 'id', 'Pembayaran diterima', 'Permohonan Anda sedang diproses untuk persetujuan.'),
  ('paid', 'en', 'Payment received', 'Your application is being processed for approval.'),
  ('payment_expired', 'id', 'Kode billing kedaluwarsa', 'Pembayaran tidak diterima tepat waktu. Ajukan permohonan baru.'),
  ('payment_expired', 'en', 'Billing expired', 'Payment was not received in time. Please apply again.'),
  ('approved', 'id', 'Disetujui', 'Paspor Anda sedang dicetak. Perkiraan selesai pada tanggal yang tertera.'),
  ('approved', 'en', 'Approved', 'Your passport is being printed. It should be ready on the date shown.'),
  ('rejected', 'id', 'Ditolak', 'Permohonan tidak dapat disetujui. Hubungi kantor imigrasi untuk keterangan.'),
  ('rejected', 'en', 'Rejected', 'The application could not be approved. Contact the office for details.'),
  ('printed', 'id', 'Paspor dicetak', 'Paspor sedang diperiksa akhir. Tunggu pemberitahuan siap diambil.'),
  ('printed', 'en', 'Passport printed', 'The passport is in final checks. Wait for the ready notice.'),
  ('ready', 'id', 'Paspor siap diambil', 'Ambil paspor di kantor imigrasi dengan bukti permohonan dan KTP sebelum batas waktu.'),
  ('ready', 'en', 'Ready for pickup', 'Collect your passport at the office with your receipt and ID card before the deadline.'),
  ('collected', 'id', 'Paspor sudah diambil', 'Selesai. Terima kasih.'),
  ('collected', 'en', 'Collected', 'Done. Thank you.'),
  ('uncollected', 'id', 'Tidak diambil', 'Paspor tidak diambil dalam 30 hari dan dibatalkan.'),
  ('uncollected', 'en', 'Not collected', 'The passport was not collected within 30 days and has been cancelled.'),
  ('forfeited', 'id', 'Permohonan gugur', 'Berkas tidak dilengkapi dalam 7 hari. Ajukan permohonan baru.'),
  ('forfeited', 'en', 'Application lapsed', 'The documents were not completed within 7 days. Please apply again.'),
  ('cancelled', 'id', 'Dibatalkan', 'Permohonan dibatalkan.'),
  ('cancelled', 'en', 'Cancelled', 'The application was cancelled.');

CREATE TABLE passport.application (
  office_id          bigint      NOT NULL,
  application_number text        NOT NULL,
  reservation_code   text,
  service            text        NOT NULL,
  passport_kind      text        NOT NULL,
  validity_years     smallint    NOT NULL,
  lane               text        NOT NULL,
  force_majeure      boolean     NOT NULL DEFAULT false,
  nik                text        NOT NULL,
  full_name          text        NOT NULL,
  birth_date         date        NOT NULL,
  phone              text,
  sender             text,
  status             text        NOT NULL,
  version            integer     NOT NULL,
  opened_at          timestamptz NOT NULL,
  status_at          timestamptz NOT NULL,
  incomplete_until   timestamptz,
  promised_ready_on  date,
  pickup_until       date,
  CONSTRAINT application_pkey PRIMARY KEY (office_id, application_number),
  CONSTRAINT application_values_valid CHECK (
    status IN ('submitted', 'incomplete', 'verified', 'interviewed', 'awaiting_payment', 'paid',
               'payment_expired', 'approved', 'rejected', 'printed', 'ready', 'collected',
               'uncollected', 'forfeited', 'cancelled')
    AND passport_kind IN ('regular', 'electronic') AND validity_years IN (5, 10)
    AND length(application_number) = 16 AND length(nik) = 16 AND version >= 1)
);
COMMENT ON TABLE passport.application IS
  'Passport applications (personal data). status moves only through passport.transition, passport.confirm_payment and passport.sweep; version counts the moves (compare-and-set).';
CREATE UNIQUE INDEX application_reservation ON passport.application (office_id, reservation_code)
  WHERE reservation_code IS NOT NULL;
CREATE INDEX application_pending ON passport.application (office_id, status)
  WHERE status IN ('incomplete', 'ready');
SELECT pg_catalog.pg_extension_config_dump('passport.application', '');

-- Append-only history: no role may UPDATE or DELETE it; only the C
-- functions (as the extension owner) insert.
CREATE TABLE passport.application_event (
  office_id          bigint      NOT NULL,
  application_number text        NOT NULL,
  seq                integer     NOT NULL,
  from_status        text,
  to_status          text        NOT NULL,
  actor              text        NOT NULL,
  actor_role         text        NOT NULL,
  channel            text        NOT NULL,
  at                 timestamptz NOT NULL,
  reason             text,
  CONSTRAINT application_event_pkey PRIMARY KEY (office_id, application_number, seq),
  CONSTRAINT application_event_application_fkey FOREIGN KEY (office_id, application_number)
    REFERENCES passport.application (office_id, application_number),
  CONSTRAINT application_event_seq_positive CHECK (seq >= 1)
);
COMMENT ON TABLE passport.application_event IS
  'Append-only history of every application move: sequence number per application, from, to, actor, role, channel, time, reason. No role has UPDATE or DELETE on it.';
SELECT pg_catalog.pg_extension_config_dump('passport.application_event', '');

CREATE TABLE passport.billing (
  office_id          bigint      NOT NULL,
  billing_code       text        NOT NULL,
  application_number text        NOT NULL,
  amount             bigint      NOT NULL,
  breakdown          jsonb       NOT NULL,
  issued_at          timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL,
  status             text        NOT NULL DEFAULT 'open',
  ntpn               text,
  paid_at            timestamptz,
  CONSTRAINT billing_pkey PRIMARY KEY (office_id, billing_code),
  CONSTRAINT billing_ntpn_key UNIQUE (office_id, ntpn),
  CONSTRAINT billing_application_fkey FOREIGN KEY (office_id, application_number)
    REFERENCES passport.application (office_id, application_number),
  CONSTRAINT billing_values_valid CHECK (
    status IN ('open', 'paid', 'expired') AND amount > 0 AND expires_at > issued_at
    AND (status = 'paid') = (ntpn IS NOT NULL))
);
COMMENT ON TABLE passport.billing IS
  'Billings (kode billing SIMPONI, 15 digits): amount from the tariff valid at issuance, expiry from the office payment policy; paid once, identified by the NTPN.';
CREATE UNIQUE INDEX billing_open_per_application ON passport.billing (office_id, application_number)
  WHERE status = 'open';
CREATE INDEX billing_expiring ON passport.billing (office_id, expires_at) WHERE status = 'open';
SELECT pg_catalog.pg_extension_config_dump('passport.billing', '');

-- Lookups per sender, for the rate limit of application_status.
CREATE TABLE passport.lookup_guard (
  sender       text        NOT NULL,
  window_start timestamptz NOT NULL,
  lookups      integer     NOT NULL,
  CONSTRAINT lookup_guard_pkey PRIMARY KEY (sender)
);
COMMENT ON TABLE passport.lookup_guard IS 'Status lookups per sender in the current window (rate limit).';

CREATE FUNCTION passport.add_working_days(office_id bigint, from_date date, days integer)
  RETURNS date
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  d date := from_date;
  n integer := 0;
BEGIN
  IF days IS NULL OR days < 0 OR days > 366 THEN
    RAISE EXCEPTION 'working days % is out of range', days USING ERRCODE = '22023';
  END IF;
  WHILE n < days LOOP
    d := d + 1;
    IF extract(isodow FROM d) < 6
       AND NOT EXISTS (SELECT 1 FROM passport.holiday h WHERE h.day = d)
       AND NOT EXISTS (SELECT 1 FROM passport.office_closure c
                        WHERE c.office_id = add_working_days.office_id AND c.day = d) THEN
      n := n + 1;
    END IF;
  END LOOP;
  RETURN d;
END;
$$;
COMMENT ON FUNCTION passport.add_working_days(bigint, date, integer) IS
  'The date days working days after from_date at an office: weekends, national holidays and office closures do not count.';

CREATE FUNCTION passport.billing_amount(service text, passport_kind text, validity_years integer,
                                        percepatan boolean DEFAULT false,
                                        force_majeure boolean DEFAULT false,
                                        on_date date DEFAULT NULL,
                                        OUT amount bigint, OUT breakdown jsonb)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  surcharge text;
  base bigint;
  fast bigint := 0;
  extra bigint := 0;
BEGIN
  SELECT s.surcharge INTO surcharge FROM passport.service s WHERE s.service_code = billing_amount.service;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown service "%"', service USING ERRCODE = '22023';
  END IF;
  base := passport.tariff_amount('passport', passport_kind, validity_years, on_date);
  IF percepatan THEN
    fast := passport.tariff_amount('percepatan', '', 0, on_date);
  END IF;
  IF surcharge IS NOT NULL AND NOT coalesce(force_majeure, false) THEN
    extra := passport.tariff_amount(surcharge, '', 0, on_date);
  END IF;
  amount := base + fast + extra;
  breakdown := jsonb_build_object('passport', base, 'percepatan', fast,
                                  coalesce(surcharge, 'surcharge'), extra);
END;
$$;
COMMENT ON FUNCTION passport.billing_amount(text, text, integer, boolean, boolean, date) IS
  'Amount in IDR of a billing: the passport tariff (kind, validity) valid on the date, plus percepatan, plus the lost or damaged surcharge unless force majeure; with its breakdown.';

CREATE TYPE passport.application_state AS (
  application_number text,
  office_code        text,
  status             text,
  version            integer,
  status_at          timestamptz,
  promised_ready_on  date,
  pickup_until       date,
  billing_code       text,
  amount             bigint,
  billing_expires_at timestamptz
);
COMMENT ON TYPE passport.application_state IS
  'Answer of the application functions: the application''s status and version after the call, its deadlines, and its open or paid billing.';

CREATE FUNCTION passport.open_application(reservation_number text, passport_kind text DEFAULT 'electronic',
                                          validity_years integer DEFAULT 10,
                                          force_majeure boolean DEFAULT false)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_open_application'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.open_application(text, text, integer, boolean) IS
  'Opens the application of a checked-in reservation (status submitted) with its 16-digit application number. Opening twice answers the same.';

CREATE FUNCTION passport.open_walk_in(office_code text, lane text, service text, nik text,
                                      full_name text, birth_date date, phone text DEFAULT NULL,
                                      passport_kind text DEFAULT 'electronic',
                                      validity_years integer DEFAULT 10,
                                      force_majeure boolean DEFAULT false)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_open_walk_in'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.open_walk_in(text, text, text, text, text, date, text, text, integer, boolean) IS
  'Opens an application at the counter for a walk-in lane (priority or percepatan), without reservation.';

CREATE FUNCTION passport.transition(application_number text, to_status text,
                                    expected_status text DEFAULT NULL,
                                    expected_version integer DEFAULT NULL,
                                    reason text DEFAULT NULL, channel text DEFAULT 'counter')
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_transition'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.transition(text, text, text, integer, text, text) IS
  'Moves an application: compare-and-set on expected_status and expected_version, the rule of passport.transition for the caller''s role, the guards, the side effects (deadlines, billing, promised ready date) and one history row, atomically. PP012 lists the allowed next statuses; PP013 when the application moved meanwhile.';

CREATE FUNCTION passport.confirm_payment(billing_code text, amount bigint, ntpn text,
                                         paid_at timestamptz DEFAULT NULL)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_confirm_payment'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.confirm_payment(text, bigint, text, timestamptz) IS
  'Bank callback: marks the billing paid and moves its application to paid, idempotent on the NTPN (a repeated callback answers the same and changes nothing). PP014 wrong amount, PP015 expired billing, PP016 already paid with another NTPN.';

CREATE FUNCTION passport.mask_name(full_name text)
  RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT pg_catalog.string_agg(pg_catalog.left(w, 1) || pg_catalog.repeat('*', GREATEST(pg_catalog.length(w) - 1, 2)), ' ')
    FROM pg_catalog.regexp_split_to_table(pg_catalog.btrim(full_name), '\s+') AS w
$$;
COMMENT ON FUNCTION passport.mask_name(text) IS 'A name with all but the first letter of each word masked: Siti Aminah -> S*** A*****.';

CREATE FUNCTION passport.application_status(reference text, sender text DEFAULT NULL,
                                            birth_date date DEFAULT NULL, language text DEFAULT 'id',
                                            OUT application_number text, OUT reservation_number text,
                                            OUT office_code text, OUT office_name text,
                                            OUT applicant text, OUT status text, OUT label text,
                                            OUT next_step text, OUT stages jsonb,
                                            OUT visit_date date, OUT visit_time time,
                                            OUT promised_ready_on date, OUT pickup_until date,
                                            OUT billing_code text, OUT amount bigint,
                                            OUT billing_expires_at timestamptz,
                                            OUT payment_instructions text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  lang text := CASE WHEN lower(coalesce(language, 'id')) = 'en' THEN 'en' ELSE 'id' END;
  who text;
  ref text := btrim(coalesce(reference, ''));
  digits text := regexp_replace(ref, '[\s.-]', '', 'g');
  office_ bigint;
  a passport.application;
  r passport.reservation;
  tz text;
  used integer;
BEGIN
  IF sender IS NULL AND birth_date IS NULL THEN
    RAISE EXCEPTION 'a second factor is required'
      USING ERRCODE = '22004', DETAIL = 'Give the sender that booked or the applicant''s birth date.';
  END IF;
  IF sender IS NOT NULL THEN
    who := CASE WHEN btrim(sender) ~ '^[+0-9() .-]+$' THEN passport.normalize_phone(sender)
                ELSE btrim(sender) END;
    -- rate limit: 20 lookups per sender per 10 minutes
    INSERT INTO passport.lookup_guard AS g (sender, window_start, lookups) VALUES (who, t, 1)
    ON CONFLICT ON CONSTRAINT lookup_guard_pkey DO UPDATE
       SET window_start = CASE WHEN g.window_start <= t - interval '10 minutes' THEN t ELSE g.window_start END,
           lookups = CASE WHEN g.window_start <= t - interval '10 minutes' THEN 1 ELSE g.lookups + 1 END
    RETURNING g.lookups INTO used;
    IF used > 20 THEN
      RAISE EXCEPTION 'too many status lookups'
        USING ERRCODE = 'PP017', DETAIL = 'A sender may look up 20 times in 10 minutes.',
              HINT = 'Try again in a few minutes.';
    END IF;
  END IF;

  IF digits ~ '^[0-9]{16}$' THEN
    office_ := passport.application_number_office(digits);
    SELECT * INTO a FROM passport.application x
     WHERE x.office_id = office_ AND x.application_number = digits
       AND ((who IS NOT NULL AND x.sender = who) OR (application_status.birth_date IS NOT NULL AND x.birth_date = application_status.birth_date));
  ELSIF passport.is_reservation_number(ref) THEN
    reservation_number := passport.normalize_reservation_number(ref);
    office_ := passport.reservation_number_office(reservation_number);
    SELECT * INTO r FROM passport.reservation x
     WHERE x.office_id = office_ AND x.code = reservation_number
       AND ((who IS NOT NULL AND x.sender = who) OR (application_status.birth_date IS NOT NULL AND x.birth_date = application_status.birth_date));
    IF r.code IS NOT NULL THEN
      SELECT * INTO a FROM passport.application x
       WHERE x.office_id = office_ AND x.reservation_code = r.code;
    END IF;
  END IF;

  IF a.application_number IS NULL AND r.code IS NULL THEN
    -- an unknown number and a wrong second factor answer alike, and as an
    -- answer rather than an error, so that the lookup still counts against
    -- the sender's limit
    application_number := NULL;
    reservation_number := NULL;
    status := 'not_found';
    label := CASE lang WHEN 'en' THEN 'Not found' ELSE 'Tidak ditemukan' END;
    next_step := CASE lang
      WHEN 'en' THEN 'Check the number, and give the phone number you booked with or your birth date.'
      ELSE 'Periksa kembali nomornya, dan gunakan nomor telepon yang dipakai saat mendaftar atau tanggal lahir Anda.' END;
    RETURN;
  END IF;

  SELECT o.code, o.name, o.time_zone INTO office_code, office_name, tz
    FROM passport.office o WHERE o.office_id = office_;
  IF a.application_number IS NULL THEN
    -- a reservation without application yet
    applicant := passport.mask_name(r.full_name);
    status := r.status;
    visit_date := r.local_date;
    visit_time := (r.starts_at AT TIME ZONE tz)::time;
    label := CASE lang
      WHEN 'en' THEN 'Reservation ' || CASE r.status WHEN 'booked' THEN 'scheduled' WHEN 'checked_in' THEN 'checked in'
                                                     WHEN 'no_show' THEN 'missed' ELSE r.status END
      ELSE 'Reservasi ' || CASE r.status WHEN 'booked' THEN 'terjadwal' WHEN 'checked_in' THEN 'sudah hadir'
                                         WHEN 'cancelled' THEN 'dibatalkan' WHEN 'no_show' THEN 'tidak hadir'
                                         WHEN 'expired' THEN 'kedaluwarsa' ELSE r.status END END;
    next_step := CASE WHEN r.status = 'booked' THEN
                   CASE lang WHEN 'en' THEN 'Come to the office on ' || visit_date || ' at ' || to_char(visit_time, 'HH24:MI') || ' with your ID card (KTP) and documents.'
                   ELSE 'Datang ke kantor pada ' || visit_date || ' pukul ' || to_char(visit_time, 'HH24:MI') || ' dengan KTP dan berkas persyaratan.' END
                 ELSE '' END;
    RETURN;
  END IF;

  application_number := a.application_number;
  reservation_number := a.reservation_code;
  applicant := passport.mask_name(a.full_name);
  status := a.status;
  promised_ready_on := a.promised_ready_on;
  pickup_until := a.pickup_until;
  SELECT st.label, st.next_step INTO label, next_step
    FROM passport.status_text st WHERE st.status = a.status AND st.language = lang;
  SELECT jsonb_object_agg(e.to_status, e.at ORDER BY e.seq) INTO stages
    FROM passport.application_event e
   WHERE e.office_id = a.office_id AND e.application_number = a.application_number;
  SELECT b.billing_code, b.amount, b.expires_at INTO billing_code, amount, billing_expires_at
    FROM passport.billing b
   WHERE b.office_id = a.office_id AND b.application_number = a.application_number AND b.status = 'open'
     AND b.expires_at > t;
  IF billing_code IS NOT NULL THEN
    payment_instructions := CASE lang
      WHEN 'en' THEN format('Pay IDR %s with billing code %s at a bank teller, ATM, internet banking, post office or e-commerce app before %s (%s time). Keep the NTPN on your receipt.',
                            to_char(amount, 'FM999G999G999'), billing_code,
                            to_char(billing_expires_at AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI'), split_part(tz, '/', 2))
      ELSE format('Bayar Rp%s dengan kode billing %s melalui teller bank, ATM, internet banking, kantor pos atau aplikasi e-commerce sebelum %s (waktu %s). Simpan NTPN pada bukti bayar.',
                  to_char(amount, 'FM999G999G999'), billing_code,
                  to_char(billing_expires_at AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI'), split_part(tz, '/', 2))
    END;
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.application_status(text, text, date, text) IS
  'Status of an application (16-digit number) or reservation (XXXXX-XXXXX) for the applicant: second factor required (the sender that booked, or the birth date); a wrong one answers exactly like an unknown number (status not_found); the name is masked; stages with their times, next step in Indonesian or English, payment instructions while a billing is open. 20 lookups per sender per 10 minutes, found or not (PP017 beyond).';
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
--------------------------------------------------------------------------
-- Notifications outbox: rows written in the transaction of the event that
-- causes them, claimed by adapters with a lease, acknowledged once
--------------------------------------------------------------------------

CREATE TABLE passport.message_template (
  template text NOT NULL,
  language text NOT NULL,
  body     text NOT NULL,
  CONSTRAINT message_template_pkey PRIMARY KEY (template, language),
  CONSTRAINT message_template_language_known CHECK (language IN ('id', 'en'))
);
COMMENT ON TABLE passport.message_template IS
  'Message texts per template and language; {name} is replaced by the payload''s value of name. Editable by administrators.';
INSERT INTO passport.message_template VALUES
  ('reservation_confirmed', 'id', 'Reservasi paspor Anda di {office} tercatat: nomor {reservation_number}, {date} pukul {time}. Bawa KTP dan berkas persyaratan asli.'),
  ('reservation_confirmed', 'en', 'Your passport appointment at {office} is booked: number {reservation_number}, {date} at {time}. Bring your ID card and the original documents.'),
  ('visit_reminder', 'id', 'Pengingat: besok {date} pukul {time} Anda terjadwal di {office} (nomor {reservation_number}). Datang 30 menit lebih awal.'),
  ('visit_reminder', 'en', 'Reminder: tomorrow {date} at {time} you are expected at {office} (number {reservation_number}). Please arrive 30 minutes early.'),
  ('billing_issued', 'id', 'Kode billing paspor Anda: {billing_code}, sebesar Rp{amount}, berlaku sampai {expires_at}. Bayar di bank, ATM, kantor pos atau e-commerce.'),
  ('billing_issued', 'en', 'Your passport billing code: {billing_code}, IDR {amount}, valid until {expires_at}. Pay at a bank, ATM, post office or e-commerce app.'),
  ('billing_expiring', 'id', 'Kode billing {billing_code} (Rp{amount}) akan kedaluwarsa pada {expires_at}. Segera lakukan pembayaran.'),
  ('billing_expiring', 'en', 'Billing code {billing_code} (IDR {amount}) expires at {expires_at}. Please pay soon.'),
  ('status_incomplete', 'id', 'Berkas permohonan {application_number} belum lengkap. Lengkapi di {office} dalam 7 hari.'),
  ('status_incomplete', 'en', 'Application {application_number} is missing documents. Complete them at {office} within 7 days.'),
  ('status_approved', 'id', 'Permohonan {application_number} disetujui. Paspor diperkirakan selesai {promised_ready_on}.'),
  ('status_approved', 'en', 'Application {application_number} is approved. The passport should be ready on {promised_ready_on}.'),
  ('status_rejected', 'id', 'Permohonan {application_number} tidak dapat disetujui. Hubungi {office}.'),
  ('status_rejected', 'en', 'Application {application_number} could not be approved. Please contact {office}.'),
  ('status_cancelled', 'id', 'Permohonan {application_number} dibatalkan.'),
  ('status_cancelled', 'en', 'Application {application_number} was cancelled.'),
  ('status_payment_expired', 'id', 'Kode billing permohonan {application_number} kedaluwarsa tanpa pembayaran. Ajukan permohonan baru.'),
  ('status_payment_expired', 'en', 'The billing of application {application_number} expired unpaid. Please apply again.'),
  ('status_forfeited', 'id', 'Permohonan {application_number} gugur karena berkas tidak dilengkapi dalam 7 hari.'),
  ('status_forfeited', 'en', 'Application {application_number} lapsed: the documents were not completed within 7 days.'),
  ('passport_ready', 'id', 'Paspor Anda ({application_number}) siap diambil di {office} sampai {pickup_until}. Bawa bukti permohonan dan KTP.'),
  ('passport_ready', 'en', 'Your passport ({application_number}) is ready for pickup at {office} until {pickup_until}. Bring your receipt and ID card.'),
  ('pickup_deadline', 'id', 'Paspor Anda ({application_number}) belum diambil. Batas pengambilan {pickup_until} di {office}.'),
  ('pickup_deadline', 'en', 'Your passport ({application_number}) has not been collected. Collect it at {office} by {pickup_until}.'),
  ('status_uncollected', 'id', 'Paspor {application_number} tidak diambil dalam 30 hari dan dibatalkan.'),
  ('status_uncollected', 'en', 'Passport {application_number} was not collected within 30 days and has been cancelled.');

CREATE SEQUENCE passport.outbox_id_seq AS bigint;
SELECT pg_catalog.pg_extension_config_dump('passport.outbox_id_seq', '');

CREATE TABLE passport.outbox (
  office_id    bigint      NOT NULL,
  message_id   bigint      NOT NULL DEFAULT pg_catalog.nextval('passport.outbox_id_seq'),
  channel      text        NOT NULL,
  recipient    text        NOT NULL,
  template     text        NOT NULL,
  language     text        NOT NULL DEFAULT 'id',
  payload      jsonb       NOT NULL,
  dedupe_key   text,
  status       text        NOT NULL DEFAULT 'pending',
  attempts     integer     NOT NULL DEFAULT 0,
  available_at timestamptz NOT NULL,
  lease_until  timestamptz,
  claimed_by   text,
  created_at   timestamptz NOT NULL,
  sent_at      timestamptz,
  last_error   text,
  CONSTRAINT outbox_pkey PRIMARY KEY (office_id, message_id),
  CONSTRAINT outbox_values_valid CHECK (status IN ('pending', 'claimed', 'sent', 'dead') AND attempts >= 0)
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_cost_delay = 0);
COMMENT ON TABLE passport.outbox IS
  'Messages to send, written in the transaction of their event: pending -> claimed (lease) -> sent, back to the queue with backoff when a lease runs out or a send fails, dead after passport.outbox_max_attempts attempts. A queue table: vacuumed after every 1000 dead rows so that claims do not walk dead index entries.';
CREATE UNIQUE INDEX outbox_dedupe ON passport.outbox (office_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX outbox_due ON passport.outbox (channel, available_at, message_id) WHERE status IN ('pending', 'claimed');
CREATE INDEX outbox_claimed ON passport.outbox (channel, available_at) WHERE status = 'claimed';
SELECT pg_catalog.pg_extension_config_dump('passport.outbox', '');

CREATE FUNCTION passport.contact_channel(recipient text)
  RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN recipient LIKE '+%' THEN 'whatsapp' ELSE 'app' END
$$;
COMMENT ON FUNCTION passport.contact_channel(text) IS
  'The outbox channel that reaches an applicant: whatsapp for an E.164 number, app for a device or account id.';

CREATE FUNCTION passport.fill_text(body text, fill jsonb)
  RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kv record;
BEGIN
  FOR kv IN SELECT key, value FROM jsonb_each_text(coalesce(fill, '{}')) LOOP
    body := replace(body, '{' || kv.key || '}', coalesce(kv.value, ''));
  END LOOP;
  RETURN body;
END;
$$;
COMMENT ON FUNCTION passport.fill_text(text, jsonb) IS
  'A text with every {name} replaced by the value of name in fill (a JSON null gives an empty string); NULL stays NULL.';

CREATE FUNCTION passport.render_message(template text, language text, payload jsonb)
  RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  body text;
BEGIN
  SELECT t.body INTO body FROM passport.message_template t
   WHERE t.template = render_message.template
     AND t.language = CASE WHEN render_message.language = 'en' THEN 'en' ELSE 'id' END;
  IF body IS NULL THEN
    SELECT t.body INTO body FROM passport.message_template t
     WHERE t.template = render_message.template AND t.language = 'id';
  END IF;
  IF body IS NULL THEN
    RAISE EXCEPTION 'no message template "%"', template USING ERRCODE = '22023';
  END IF;
  RETURN passport.fill_text(body, payload);
END;
$$;
COMMENT ON FUNCTION passport.render_message(text, text, jsonb) IS
  'The text of a message: its template in the language (Indonesian when missing) with {name} replaced from the payload.';

CREATE FUNCTION passport.claim_messages(channel text, batch integer DEFAULT 10,
                                        worker text DEFAULT NULL, lease interval DEFAULT '2 minutes')
  RETURNS TABLE (office_id bigint, message_id bigint, recipient text, language text,
                 body text, attempt integer)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  max_attempts integer := current_setting('passport.outbox_max_attempts')::integer;
BEGIN
  IF batch IS NULL OR batch NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'batch % is out of range', batch USING ERRCODE = '22023', DETAIL = 'Claim 1 to 1000 messages at once.';
  END IF;
  IF lease IS NULL OR lease < interval '1 second' OR lease > interval '1 day' THEN
    RAISE EXCEPTION 'lease % is out of range', lease USING ERRCODE = '22023', DETAIL = 'A lease lasts 1 second to 1 day.';
  END IF;
  -- a claim whose lease (and backoff) ran out after the last allowed attempt is dead
  UPDATE passport.outbox o SET status = 'dead', last_error = coalesce(o.last_error, 'lease expired without acknowledgement')
   WHERE o.channel = claim_messages.channel AND o.status = 'claimed' AND o.available_at <= t
     AND o.attempts >= max_attempts;
  RETURN QUERY
  WITH c AS MATERIALIZED (
    SELECT o.office_id, o.message_id FROM passport.outbox o
     WHERE o.channel = claim_messages.channel AND o.status IN ('pending', 'claimed') AND o.available_at <= t
     ORDER BY o.available_at, o.message_id
     LIMIT batch FOR UPDATE SKIP LOCKED)
  UPDATE passport.outbox o
     SET status = 'claimed', attempts = o.attempts + 1, lease_until = t + lease,
         available_at = t + lease + make_interval(secs => 30 * power(2, o.attempts)),
         claimed_by = worker
    FROM c
   WHERE o.office_id = c.office_id AND o.message_id = c.message_id
  RETURNING o.office_id, o.message_id, o.recipient, o.language,
            passport.render_message(o.template, o.language, o.payload), o.attempts;
END;
$$;
COMMENT ON FUNCTION passport.claim_messages(text, integer, text, interval) IS
  'Claims up to batch due messages of a channel for a lease (FOR UPDATE SKIP LOCKED: two adapters never get the same row). A claim not acknowledged within its lease comes back after a backoff of 30 s x 2^attempts; after passport.outbox_max_attempts attempts it is dead.';

CREATE FUNCTION passport.ack_message(office_id bigint, message_id bigint)
  RETURNS boolean
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
BEGIN
  UPDATE passport.outbox o SET status = 'sent', sent_at = coalesce(o.sent_at, t), lease_until = NULL
   WHERE o.office_id = ack_message.office_id AND o.message_id = ack_message.message_id;
  RETURN FOUND;
END;
$$;
COMMENT ON FUNCTION passport.ack_message(bigint, bigint) IS
  'Marks a message sent; it is never delivered again. Acknowledging twice is harmless. False when no such message exists.';

CREATE FUNCTION passport.fail_message(office_id bigint, message_id bigint, error text DEFAULT NULL)
  RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  max_attempts integer := current_setting('passport.outbox_max_attempts')::integer;
  result text;
BEGIN
  UPDATE passport.outbox o
     SET status = CASE WHEN o.attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
         available_at = t + make_interval(secs => 30 * power(2, o.attempts)),
         lease_until = NULL, last_error = left(error, 500)
   WHERE o.office_id = fail_message.office_id AND o.message_id = fail_message.message_id
     AND o.status = 'claimed'
  RETURNING o.status INTO result;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.fail_message(bigint, bigint, text) IS
  'An adapter could not send a claimed message: it comes back after a backoff, or is dead after passport.outbox_max_attempts attempts. Returns the new status (NULL when the message was not claimed).';
--------------------------------------------------------------------------
-- Conversation engine: the WhatsApp menu inside the database
--------------------------------------------------------------------------

-- Every text the bot sends, per language; {name} is filled in.
CREATE TABLE passport.bot_text (
  key      text NOT NULL,
  language text NOT NULL,
  body     text NOT NULL,
  CONSTRAINT bot_text_pkey PRIMARY KEY (key, language),
  CONSTRAINT bot_text_language_known CHECK (language IN ('id', 'en'))
);
COMMENT ON TABLE passport.bot_text IS 'Every text the conversation engine sends, per language; editable by administrators.';
INSERT INTO passport.bot_text VALUES
  ('menu', 'id', E'Selamat datang di layanan WhatsApp Paspor Imigrasi.\nBalas dengan angka:\n1 Reservasi antrean paspor\n2 Cek status permohonan\n3 Tata cara pembayaran\n4 Persyaratan\n5 Tata cara antrean pengambilan paspor\n6 Apresiasi dan aspirasi\nKetik EN for English. Ketik 0 untuk kembali ke menu.'),
  ('menu', 'en', E'Welcome to the Immigration passport WhatsApp service.\nReply with a number:\n1 Book a passport appointment\n2 Check your application status\n3 How to pay\n4 Requirements\n5 How passport pickup works\n6 Appreciation and suggestions\nKetik ID untuk Bahasa Indonesia. Type 0 to return to the menu.'),
  ('unknown', 'id', 'Maaf, pilihan tidak dikenali.'),
  ('unknown', 'en', 'Sorry, I did not understand that.'),
  ('ask_office', 'id', 'Kantor imigrasi mana? Ketik kode kantor (mis. JKS) atau nama kota/kantor.'),
  ('ask_office', 'en', 'Which immigration office? Type the office code (e.g. JKS) or a city or office name.'),
  ('office_choices', 'id', E'Pilih kantor:\n{list}'),
  ('office_choices', 'en', E'Choose an office:\n{list}'),
  ('office_none', 'id', 'Kantor "{query}" tidak ditemukan. Coba kode kantor atau nama kota lain.'),
  ('office_none', 'en', 'No office matches "{query}". Try an office code or another city.'),
  ('ask_service', 'id', E'Layanan apa?\n{list}'),
  ('ask_service', 'en', E'Which service?\n{list}'),
  ('ask_date', 'id', E'Tanggal kedatangan? Tanggal dengan tempat kosong di {office}:\n{list}\nAtau ketik tanggal (HH-BB-TTTT).'),
  ('ask_date', 'en', E'Which day? Days with free places at {office}:\n{list}\nOr type a date (DD-MM-YYYY).'),
  ('no_dates', 'id', 'Belum ada tanggal dengan tempat kosong di {office}. Kuota dibuka berkala; coba lagi nanti.'),
  ('no_dates', 'en', 'There are no free places at {office} yet. Quotas open regularly; please try later.'),
  ('bad_date', 'id', 'Tanggal tidak dikenali. Ketik angka pilihan atau tanggal HH-BB-TTTT.'),
  ('bad_date', 'en', 'I could not read that date. Type a choice number or a date as DD-MM-YYYY.'),
  ('ask_nik', 'id', 'Ketik NIK (16 digit) pemohon.'),
  ('ask_nik', 'en', 'Type the applicant''s NIK (16 digits).'),
  ('bad_nik', 'id', 'NIK tidak valid: {reason}. Ketik ulang NIK 16 digit.'),
  ('bad_nik', 'en', 'That NIK is not valid: {reason}. Type the 16-digit NIK again.'),
  ('ask_name', 'id', 'Ketik nama lengkap pemohon sesuai KTP.'),
  ('ask_name', 'en', 'Type the applicant''s full name as on the ID card.'),
  ('ask_birth', 'id', 'Ketik tanggal lahir pemohon (HH-BB-TTTT).'),
  ('ask_birth', 'en', 'Type the applicant''s date of birth (DD-MM-YYYY).'),
  ('bad_birth', 'id', 'Tanggal lahir tidak cocok dengan NIK atau tidak terbaca. Ketik HH-BB-TTTT.'),
  ('bad_birth', 'en', 'The date of birth does not match the NIK or could not be read. Type DD-MM-YYYY.'),
  ('confirm', 'id', E'Periksa data:\nKantor: {office}\nLayanan: {service}\nTanggal: {date}\nNIK: {nik}\nNama: {name}\nTanggal lahir: {birth}\nBalas 1 untuk konfirmasi, 2 untuk batal.'),
  ('confirm', 'en', E'Please check:\nOffice: {office}\nService: {service}\nDate: {date}\nNIK: {nik}\nName: {name}\nDate of birth: {birth}\nReply 1 to confirm, 2 to cancel.'),
  ('booked', 'id', E'Reservasi berhasil.\nNomor reservasi: {number}\n{date} pukul {time}\n{office}, {address}\nBawa: KTP asli, Kartu Keluarga, akta kelahiran/ijazah/buku nikah, dan paspor lama bila ada.\nUntuk membatalkan ketik #batal, untuk mengubah jadwal ketik #ubah.'),
  ('booked', 'en', E'Booked.\nReservation number: {number}\n{date} at {time}\n{office}, {address}\nBring: original ID card (KTP), family card (KK), birth certificate/diploma/marriage book, and your old passport if any.\nTo cancel type #batal, to reschedule type #ubah.'),
  ('booking_failed', 'id', 'Reservasi tidak dapat dibuat: {reason}'),
  ('booking_failed', 'en', 'The booking could not be made: {reason}'),
  ('booking_aborted', 'id', 'Reservasi dibatalkan. Ketik 1 untuk mulai lagi.'),
  ('booking_aborted', 'en', 'Booking abandoned. Type 1 to start again.'),
  ('ask_number', 'id', 'Ketik nomor permohonan (16 digit) atau nomor reservasi (XXXXX-XXXXX).'),
  ('ask_number', 'en', 'Type your application number (16 digits) or reservation number (XXXXX-XXXXX).'),
  ('ask_status_birth', 'id', 'Nomor ini tidak terdaftar dengan nomor WhatsApp Anda. Ketik tanggal lahir pemohon (HH-BB-TTTT).'),
  ('ask_status_birth', 'en', 'This number is not registered with your WhatsApp number. Type the applicant''s date of birth (DD-MM-YYYY).'),
  ('status', 'id', E'{applicant}: {label}\n{next_step}{extra}'),
  ('status', 'en', E'{applicant}: {label}\n{next_step}{extra}'),
  ('status_not_found', 'id', 'Nomor tidak ditemukan atau tanggal lahir tidak cocok.'),
  ('status_not_found', 'en', 'Number not found, or the date of birth does not match.'),
  ('payment', 'id', E'Tata cara pembayaran: setelah wawancara Anda menerima kode billing (15 digit). Bayar sesuai jumlah di teller bank, ATM, internet/mobile banking, kantor pos, atau aplikasi e-commerce sebelum batas waktu (7 hari; 2 jam untuk pembayaran di aplikasi). Simpan NTPN pada bukti bayar.'),
  ('payment', 'en', E'How to pay: after the interview you receive a billing code (15 digits). Pay the exact amount at a bank teller, ATM, internet/mobile banking, post office or e-commerce app before it expires (7 days; 2 hours when paying in the app). Keep the NTPN on your receipt.'),
  ('payment_open', 'id', E'\nTagihan Anda: kode {code}, Rp{amount}, bayar sebelum {deadline}.'),
  ('payment_open', 'en', E'\nYour open billing: code {code}, IDR {amount}, pay before {deadline}.'),
  ('pickup', 'id', E'Tata cara pengambilan: datang ke kantor tempat Anda mengajukan dengan bukti permohonan dan KTP asli, ambil nomor antrean P di mesin antrean atau loket informasi, tunggu panggilan loket pengambilan. Paspor yang tidak diambil dalam 30 hari dibatalkan.'),
  ('pickup', 'en', E'How pickup works: come to the office where you applied with your receipt and original ID card, take a P ticket at the queue machine or information desk, and wait for the pickup counter to call you. Passports not collected within 30 days are cancelled.'),
  ('pickup_ready', 'id', E'\nPaspor Anda ({number}) siap diambil di {office} sampai {until}.'),
  ('pickup_ready', 'en', E'\nYour passport ({number}) is ready at {office} until {until}.'),
  ('ask_requirements', 'id', E'Persyaratan untuk layanan apa?\n{list}'),
  ('ask_requirements', 'en', E'Requirements for which service?\n{list}'),
  ('ask_feedback', 'id', 'Silakan tulis apresiasi atau aspirasi Anda.'),
  ('ask_feedback', 'en', 'Please write your appreciation or suggestion.'),
  ('ask_rating', 'id', 'Beri nilai 1 sampai 5 (atau ketik - untuk melewati).'),
  ('ask_rating', 'en', 'Give a rating from 1 to 5 (or type - to skip).'),
  ('ask_feedback_office', 'id', 'Untuk kantor mana? Ketik kode kantor (atau - untuk melewati).'),
  ('ask_feedback_office', 'en', 'For which office? Type its code (or - to skip).'),
  ('thanks_feedback', 'id', 'Terima kasih. Masukan Anda sudah kami terima.'),
  ('thanks_feedback', 'en', 'Thank you. We have received your feedback.'),
  ('ask_cancel_number', 'id', 'Ketik nomor reservasi yang akan dibatalkan.'),
  ('ask_cancel_number', 'en', 'Type the reservation number to cancel.'),
  ('cancelled', 'id', 'Reservasi {number} dibatalkan.'),
  ('cancelled', 'en', 'Reservation {number} is cancelled.'),
  ('ask_new_date', 'id', 'Ketik tanggal baru (HH-BB-TTTT) untuk reservasi {number}.'),
  ('ask_new_date', 'en', 'Type the new date (DD-MM-YYYY) for reservation {number}.'),
  ('rescheduled', 'id', 'Jadwal reservasi {number} diubah ke {date} pukul {time}.'),
  ('rescheduled', 'en', 'Reservation {number} moved to {date} at {time}.'),
  ('action_failed', 'id', 'Tidak dapat diproses: {reason}'),
  ('action_failed', 'en', 'That could not be done: {reason}'),
  ('rate_limited', 'id', 'Anda mengirim terlalu banyak pesan. Mohon tunggu sebentar lalu coba lagi.'),
  ('rate_limited', 'en', 'You are sending too many messages. Please wait a moment and try again.'),
  ('language_set', 'id', 'Bahasa diubah ke Bahasa Indonesia.'),
  ('language_set', 'en', 'Language set to English.'),
  ('error', 'id', 'Maaf, terjadi gangguan. Silakan coba lagi.'),
  ('error', 'en', 'Sorry, something went wrong. Please try again.');

-- Requirements and procedures per topic, service and language.
CREATE TABLE passport.info (
  topic    text NOT NULL,
  service  text NOT NULL DEFAULT '',
  language text NOT NULL,
  body     text NOT NULL,
  CONSTRAINT info_pkey PRIMARY KEY (topic, service, language),
  CONSTRAINT info_language_known CHECK (language IN ('id', 'en'))
);
COMMENT ON TABLE passport.info IS 'Information content per topic (requirements), service and language; editable by administrators.';
INSERT INTO passport.info VALUES
  ('requirements', 'new_adult', 'id', 'Paspor baru dewasa: KTP elektronik, Kartu Keluarga, akta kelahiran atau ijazah atau buku nikah/akta perkawinan (asli).'),
  ('requirements', 'new_adult', 'en', 'New passport, adult: electronic ID card (KTP), family card (KK), birth certificate or diploma or marriage book (originals).'),
  ('requirements', 'new_child', 'id', 'Paspor baru anak: akta kelahiran anak, Kartu Keluarga, KTP dan paspor kedua orang tua, buku nikah orang tua, surat pernyataan orang tua; anak hadir bersama orang tua.'),
  ('requirements', 'new_child', 'en', 'New passport, child: child''s birth certificate, family card, both parents'' ID cards and passports, parents'' marriage book, parents'' statement; the child comes with a parent.'),
  ('requirements', 'renewal', 'id', 'Penggantian habis masa berlaku: KTP elektronik dan paspor lama.'),
  ('requirements', 'renewal', 'en', 'Renewal: electronic ID card and the old passport.'),
  ('requirements', 'lost', 'id', 'Penggantian paspor hilang: KTP elektronik, Kartu Keluarga, akta kelahiran/ijazah/buku nikah, surat keterangan hilang dari kepolisian; ada pemeriksaan dan biaya tambahan kecuali keadaan kahar.'),
  ('requirements', 'lost', 'en', 'Lost passport: electronic ID card, family card, birth certificate/diploma/marriage book, police loss report; an interview and a surcharge apply unless force majeure.'),
  ('requirements', 'damaged', 'id', 'Penggantian paspor rusak: KTP elektronik, Kartu Keluarga, paspor yang rusak; biaya tambahan kecuali keadaan kahar.'),
  ('requirements', 'damaged', 'en', 'Damaged passport: electronic ID card, family card, the damaged passport; a surcharge applies unless force majeure.'),
  ('requirements', 'data_change', 'id', 'Perubahan data: KTP elektronik, paspor lama, dokumen pendukung perubahan (mis. penetapan pengadilan atau akta).'),
  ('requirements', 'data_change', 'en', 'Change of data: electronic ID card, old passport, supporting documents for the change (e.g. court decision or certificate).');

CREATE TABLE passport.conversation (
  channel      text        NOT NULL,
  sender       text        NOT NULL,
  state        text        NOT NULL DEFAULT 'menu',
  language     text        NOT NULL DEFAULT 'id',
  context      jsonb       NOT NULL DEFAULT '{}',
  updated_at   timestamptz NOT NULL,
  window_start timestamptz NOT NULL,
  messages     integer     NOT NULL DEFAULT 0,
  CONSTRAINT conversation_pkey PRIMARY KEY (channel, sender),
  CONSTRAINT conversation_language_known CHECK (language IN ('id', 'en'))
);
COMMENT ON TABLE passport.conversation IS
  'One dialogue per channel and sender: its step, language, collected fields (context), last activity and rate-limit window. Keyed by sender, like nik_guard.';
SELECT pg_catalog.pg_extension_config_dump('passport.conversation', '');

CREATE TABLE passport.inbound_message (
  channel     text        NOT NULL,
  message_id  text        NOT NULL,
  sender      text        NOT NULL,
  received_at timestamptz NOT NULL,
  reply       text,
  choices     text[],
  CONSTRAINT inbound_message_pkey PRIMARY KEY (channel, message_id)
);
COMMENT ON TABLE passport.inbound_message IS
  'Each inbound message once (webhooks deliver at least once): a redelivery gets the stored reply and has no second effect.';
SELECT pg_catalog.pg_extension_config_dump('passport.inbound_message', '');

CREATE TABLE passport.feedback (
  feedback_id bigint      NOT NULL GENERATED BY DEFAULT AS IDENTITY,
  office_id   bigint,
  channel     text        NOT NULL,
  sender_hash text        NOT NULL,
  category    text        NOT NULL,
  rating      smallint,
  body        text        NOT NULL,
  created_at  timestamptz NOT NULL,
  CONSTRAINT feedback_pkey PRIMARY KEY (feedback_id),
  CONSTRAINT feedback_values_valid CHECK (category IN ('appreciation', 'aspiration', 'complaint')
    AND (rating IS NULL OR rating BETWEEN 1 AND 5))
);
COMMENT ON TABLE passport.feedback IS
  'Appreciation and aspirations: channel, the sender as a keyed hash (never the number), office, category, rating.';
SELECT pg_catalog.pg_extension_config_dump('passport.feedback', '');
SELECT pg_catalog.pg_extension_config_dump('passport.feedback_feedback_id_seq', '');

CREATE TYPE passport.bot_reply AS (reply text, choices text[], duplicate boolean);
COMMENT ON TYPE passport.bot_reply IS 'What handle_message answers: the text, optional choices for channels with buttons, and whether it was a redelivery.';

CREATE FUNCTION passport.bot_say(key text, language text, fill jsonb DEFAULT '{}')
  RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  body text;
BEGIN
  SELECT t.body INTO body FROM passport.bot_text t WHERE t.key = bot_say.key AND t.language = bot_say.language;
  IF body IS NULL THEN
    SELECT t.body INTO body FROM passport.bot_text t WHERE t.key = bot_say.key AND t.language = 'id';
  END IF;
  RETURN coalesce(passport.fill_text(body, fill), key);
END;
$$;
COMMENT ON FUNCTION passport.bot_say(text, text, jsonb) IS 'A bot text in a language with {name} filled from fill.';

CREATE FUNCTION passport.bot_service_list(services text[], language text)
  RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT string_agg(u.n || ' ' || CASE bot_service_list.language WHEN 'en' THEN s.name_en ELSE s.name_id END,
                    E'\n' ORDER BY u.n)
    FROM unnest(services) WITH ORDINALITY AS u(code, n)
    JOIN passport.service s ON s.service_code = u.code
$$;
COMMENT ON FUNCTION passport.bot_service_list(text[], text) IS
  'The services numbered from 1 in the given order, one per line, named in the language.';

CREATE FUNCTION passport.bot_reason(sqlstate text, language text, fallback text)
  RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN EXISTS (SELECT 1 FROM passport.bot_text t WHERE t.key = 'reason_' || bot_reason.sqlstate)
              THEN passport.bot_say('reason_' || bot_reason.sqlstate, bot_reason.language)
              ELSE fallback END
$$;
COMMENT ON FUNCTION passport.bot_reason(text, text, text) IS
  'The bot''s explanation of an error by its SQLSTATE (bot text reason_<SQLSTATE>), or fallback when it has none.';

CREATE FUNCTION passport.parse_day(text text)
  RETURNS date
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  m text[];
BEGIN
  m := regexp_match(btrim(text), '^([0-9]{1,2})[-/. ]?([0-9]{1,2})[-/. ]?([0-9]{4})$');
  IF m IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN make_date(m[3]::int, m[2]::int, m[1]::int);
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END;
$$;
COMMENT ON FUNCTION passport.parse_day(text) IS 'A date typed as DD-MM-YYYY (also DD/MM/YYYY, DD.MM.YYYY, DDMMYYYY), or NULL.';

INSERT INTO passport.bot_text VALUES
  ('reason_PP001', 'id', 'tanggal itu sudah penuh. Pilih tanggal lain.'),
  ('reason_PP001', 'en', 'that date is fully booked. Choose another day.'),
  ('reason_PP002', 'id', 'tanggal itu belum dibuka, tutup, atau sudah lewat.'),
  ('reason_PP002', 'en', 'that date is not open yet, closed, or past.'),
  ('reason_PP003', 'id', 'NIK ini sudah memiliki reservasi aktif.'),
  ('reason_PP003', 'en', 'this NIK already has an active reservation.'),
  ('reason_PP004', 'id', 'nomor ini sudah memiliki batas maksimal reservasi aktif.'),
  ('reason_PP004', 'en', 'this number already holds the maximum of active reservations.'),
  ('reason_PP005', 'id', 'NIK ini baru membatalkan atau tidak hadir; coba lagi besok.'),
  ('reason_PP005', 'en', 'this NIK recently cancelled or missed a visit; try again tomorrow.'),
  ('reason_PP006', 'id', 'nomor reservasi tidak ditemukan untuk nomor WhatsApp ini.'),
  ('reason_PP006', 'en', 'no such reservation for this WhatsApp number.'),
  ('reason_PP007', 'id', 'reservasi itu sudah tidak aktif.'),
  ('reason_PP007', 'en', 'that reservation is no longer active.'),
  ('reason_PP008', 'id', 'jadwal hanya dapat diubah sekali dan paling lambat sehari sebelumnya.'),
  ('reason_PP008', 'en', 'a booking can be moved once, at least a day before.'),
  ('reason_PP101', 'id', 'nomor reservasi tidak valid (periksa kembali hurufnya).'),
  ('reason_PP101', 'en', 'that reservation number is not valid (check the symbols).');

CREATE FUNCTION passport.bot_dates(office_code text, language text, OUT list text, OUT items jsonb, OUT office_name text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  list := '';
  items := '[]';
  SELECT o.name INTO office_name FROM passport.office o WHERE o.code = office_code;
  FOR r IN SELECT a.local_date, a.free FROM passport.availability(office_code, NULL, 30, 'regular') a
            WHERE a.free > 0 ORDER BY a.local_date LIMIT 5 LOOP
    n := n + 1;
    items := items || to_jsonb(r.local_date::text);
    list := list || n || ' ' || to_char(r.local_date, 'DD-MM-YYYY') || ' (' || r.free || E')\n';
  END LOOP;
  list := rtrim(list, E'\n');
END;
$$;
COMMENT ON FUNCTION passport.bot_dates(text, text) IS 'The next five days with free places at an office, as a numbered list for the bot.';

CREATE FUNCTION passport.bot_step(channel text, sender text, message_id text, body text,
                                  now timestamptz, INOUT state text, INOUT language text,
                                  INOUT context jsonb, OUT reply text, OUT choices text[])
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  lang text := language;
  txt text := btrim(body);
  low text := lower(btrim(body));
  pick integer;
  v_list text := '';
  v_items text[] := '{}';
  r record;
  n integer := 0;
  v_day date;
  v_reason text;
  v_state text;
  v_code text;
  services text[] := ARRAY['new_adult', 'new_child', 'renewal', 'lost', 'damaged', 'data_change'];
  m text[];
BEGIN
  pick := CASE WHEN low ~ '^[0-9]{1,2}$' THEN low::integer END;

  -- commands that work at any step
  IF low IN ('0', 'menu', '#menu', 'halo', 'hai', 'hi', 'hello', 'start', 'mulai') THEN
    state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
    reply := passport.bot_say('menu', lang); choices := ARRAY['1', '2', '3', '4', '5', '6'];
    RETURN;
  END IF;
  IF low IN ('en', 'english', 'inggris') OR low IN ('id', 'indonesia', 'bahasa', 'bahasa indonesia') THEN
    language := CASE WHEN low IN ('en', 'english', 'inggris') THEN 'en' ELSE 'id' END;
    state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
    reply := passport.bot_say('language_set', language) || E'\n\n' || passport.bot_say('menu', language);
    choices := ARRAY['1', '2', '3', '4', '5', '6'];
    RETURN;
  END IF;

  -- shortcuts the service's users know
  IF regexp_replace(txt, '[\s.-]', '', 'g') ~ '^[0-9]{16}$' AND state NOT IN ('book_nik') THEN
    state := 'status_number';
  ELSIF low = '#bayar' THEN
    state := 'menu'; low := '3'; pick := 3;
  ELSIF low = '#batal' THEN
    IF context ? 'last_reservation' THEN
      state := 'cancel_number'; txt := context ->> 'last_reservation';
    ELSE
      state := 'cancel_number';
      reply := passport.bot_say('ask_cancel_number', lang);
      RETURN;
    END IF;
  ELSIF low = '#ubah' THEN
    IF context ? 'last_reservation' THEN
      state := 'resched_date';
      reply := passport.bot_say('ask_new_date', lang, jsonb_build_object('number', context ->> 'last_reservation'));
    ELSE
      state := 'resched_number';
      reply := passport.bot_say('ask_number', lang);
    END IF;
    RETURN;
  ELSIF txt ~ '^#[^#]{2,100}#[0-9]{8}#[0-9]{8}$' THEN
    m := regexp_match(txt, '^#([^#]+)#([0-9]{8})#([0-9]{8})$');
    context := jsonb_strip_nulls(jsonb_build_object('name', btrim(m[1]),
                 'birth', passport.parse_day(m[2]), 'visit_date', passport.parse_day(m[3])));
    state := 'book_office';
    reply := passport.bot_say('ask_office', lang);
    RETURN;
  END IF;

  IF state = 'menu' THEN
    CASE pick
      WHEN 1 THEN
        state := 'book_office'; context := context - 'office_choices';
        reply := passport.bot_say('ask_office', lang);
      WHEN 2 THEN
        state := 'status_number'; reply := passport.bot_say('ask_number', lang);
      WHEN 3 THEN
        reply := passport.bot_say('payment', lang);
        SELECT b.billing_code, b.amount, b.expires_at, o.time_zone INTO r
          FROM passport.application a
          JOIN passport.billing b ON b.office_id = a.office_id AND b.application_number = a.application_number
          JOIN passport.office o ON o.office_id = a.office_id
         WHERE a.sender = bot_step.sender AND b.status = 'open' AND b.expires_at > now
         ORDER BY b.expires_at LIMIT 1;
        IF FOUND THEN
          reply := reply || passport.bot_say('payment_open', lang, jsonb_build_object('code', r.billing_code,
                     'amount', to_char(r.amount, 'FM999G999G999'),
                     'deadline', to_char(r.expires_at AT TIME ZONE r.time_zone, 'YYYY-MM-DD HH24:MI')));
        END IF;
      WHEN 4 THEN
        state := 'req_service';
        reply := passport.bot_say('ask_requirements', lang,
                                  jsonb_build_object('list', passport.bot_service_list(services, lang)));
        choices := ARRAY['1', '2', '3', '4', '5', '6'];
      WHEN 5 THEN
        reply := passport.bot_say('pickup', lang);
        SELECT a.application_number, o.name, a.pickup_until INTO r
          FROM passport.application a JOIN passport.office o ON o.office_id = a.office_id
         WHERE a.sender = bot_step.sender AND a.status = 'ready' ORDER BY a.status_at DESC LIMIT 1;
        IF FOUND THEN
          reply := reply || passport.bot_say('pickup_ready', lang, jsonb_build_object('number', r.application_number,
                     'office', r.name, 'until', r.pickup_until));
        END IF;
      WHEN 6 THEN
        state := 'fb_text'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation')); reply := passport.bot_say('ask_feedback', lang);
      ELSE
        reply := passport.bot_say('menu', lang); choices := ARRAY['1', '2', '3', '4', '5', '6'];
    END CASE;
    RETURN;
  END IF;

  IF state = 'book_office' THEN
    IF pick IS NOT NULL AND context ? 'office_choices' AND pick BETWEEN 1 AND jsonb_array_length(context -> 'office_choices') THEN
      v_code := context -> 'office_choices' ->> (pick - 1);
    ELSE
      n := 0;
      FOR r IN SELECT o.code, o.name FROM passport.office o
                WHERE o.active AND txt <> ''
                  AND (o.code = upper(txt)
                       OR o.name ILIKE '%' || replace(replace(replace(txt, '\', '\\'), '%', '\%'), '_', '\_') || '%'
                       OR o.city ILIKE '%' || replace(replace(replace(txt, '\', '\\'), '%', '\%'), '_', '\_') || '%')
                ORDER BY (o.code = upper(txt)) DESC, o.code LIMIT 5 LOOP
        n := n + 1;
        v_items := v_items || r.code;
        v_list := v_list || n || ' ' || r.name || ' (' || r.code || E')\n';
      END LOOP;
      IF n = 0 THEN
        reply := passport.bot_say('office_none', lang, jsonb_build_object('query', left(txt, 40)));
        RETURN;
      ELSIF n > 1 AND NOT (SELECT o.code = upper(txt) FROM passport.office o WHERE o.code = v_items[1]) THEN
        context := context || jsonb_build_object('office_choices', to_jsonb(v_items));
        reply := passport.bot_say('office_choices', lang, jsonb_build_object('list', rtrim(v_list, E'\n')));
        choices := (SELECT array_agg(i::text) FROM generate_series(1, n) i);
        RETURN;
      END IF;
      v_code := v_items[1];
    END IF;
    context := (context - 'office_choices') || jsonb_build_object('office', v_code);
    state := 'book_service';
  END IF;

  IF state = 'book_service' AND context ? 'service' THEN
    state := 'book_date';
  ELSIF state = 'book_service' THEN
    IF pick BETWEEN 1 AND 6 AND context ? 'asked_service' THEN
      context := (context - 'asked_service') || jsonb_build_object('service', services[pick]);
      state := 'book_date';
    ELSE
      context := context || '{"asked_service": true}';
      reply := passport.bot_say('ask_service', lang,
                                jsonb_build_object('list', passport.bot_service_list(services, lang)));
      choices := ARRAY['1', '2', '3', '4', '5', '6'];
      RETURN;
    END IF;
  END IF;

  IF state = 'book_date' AND context ? 'visit_date' AND NOT context ? 'date_choices' THEN
    state := 'book_nik';
  ELSIF state = 'book_date' THEN
    IF context ? 'date_choices' THEN
      IF pick BETWEEN 1 AND jsonb_array_length(context -> 'date_choices') THEN
        v_day := (context -> 'date_choices' ->> (pick - 1))::date;
      ELSE
        v_day := passport.parse_day(txt);
      END IF;
      IF v_day IS NULL THEN
        reply := passport.bot_say('bad_date', lang);
        RETURN;
      END IF;
      context := (context - 'date_choices') || jsonb_build_object('visit_date', v_day);
      state := 'book_nik';
    ELSE
      SELECT * INTO r FROM passport.bot_dates(context ->> 'office', lang);
      IF jsonb_array_length(r.items) = 0 THEN
        state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
        reply := passport.bot_say('no_dates', lang, jsonb_build_object('office', r.office_name));
        RETURN;
      END IF;
      context := context || jsonb_build_object('date_choices', r.items);
      reply := passport.bot_say('ask_date', lang, jsonb_build_object('office', r.office_name, 'list', r.list));
      choices := (SELECT array_agg(i::text) FROM generate_series(1, jsonb_array_length(r.items)) i);
      RETURN;
    END IF;
  END IF;

  IF state = 'book_nik' AND context ? 'nik' THEN
    state := 'book_name';
  ELSIF state = 'book_nik' THEN
    IF context ? 'asked_nik' THEN
      v_reason := passport.nik_problem(txt);
      IF v_reason IS NOT NULL THEN
        reply := passport.bot_say('bad_nik', lang, jsonb_build_object('reason', v_reason));
        RETURN;
      END IF;
      context := (context - 'asked_nik') || jsonb_build_object('nik', (passport.nik_parts(txt)).digits);
      state := 'book_name';
    ELSE
      context := context || '{"asked_nik": true}';
      reply := passport.bot_say('ask_nik', lang);
      RETURN;
    END IF;
  END IF;

  IF state = 'book_name' AND context ? 'name' THEN
    state := 'book_birth';
  ELSIF state = 'book_name' THEN
    IF context ? 'asked_name' AND length(txt) BETWEEN 2 AND 100 AND txt ~ '^[[:alpha:] .''-]+$' THEN
      context := (context - 'asked_name') || jsonb_build_object('name', txt);
      state := 'book_birth';
    ELSE
      context := context || '{"asked_name": true}';
      reply := passport.bot_say('ask_name', lang);
      RETURN;
    END IF;
  END IF;

  IF state = 'book_birth' AND context ? 'birth' AND NOT context ? 'asked_birth' THEN
    IF (passport.nik_parts(context ->> 'nik')).birth_date IS DISTINCT FROM (context ->> 'birth')::date THEN
      context := (context - 'birth') || '{"asked_birth": true}';
      reply := passport.bot_say('bad_birth', lang);
      RETURN;
    END IF;
    state := 'book_confirm';
  ELSIF state = 'book_birth' THEN
    IF context ? 'asked_birth' THEN
      v_day := passport.parse_day(txt);
      IF v_day IS NULL OR (passport.nik_parts(context ->> 'nik')).birth_date IS DISTINCT FROM v_day THEN
        reply := passport.bot_say('bad_birth', lang);
        RETURN;
      END IF;
      context := (context - 'asked_birth') || jsonb_build_object('birth', v_day);
      state := 'book_confirm';
    ELSE
      context := context || '{"asked_birth": true}';
      reply := passport.bot_say('ask_birth', lang);
      RETURN;
    END IF;
  END IF;

  IF state = 'book_confirm' THEN
    IF context ? 'asked_confirm' AND pick = 1 THEN
      BEGIN
        SELECT b.reservation_number, b.local_date, b.start_time, o.name, o.address INTO r
          FROM passport.reserve(context ->> 'office', context ->> 'service', 'regular',
                                (context ->> 'visit_date')::date, context ->> 'nik', context ->> 'name',
                                (context ->> 'birth')::date, NULL, channel, sender, 'msg:' || message_id) b
          JOIN passport.office o ON o.code = b.office_code;
        reply := passport.bot_say('booked', lang, jsonb_build_object('number', r.reservation_number,
                   'date', to_char(r.local_date, 'DD-MM-YYYY'), 'time', to_char(r.start_time, 'HH24:MI'),
                   'office', r.name, 'address', coalesce(r.address, '')));
        context := jsonb_build_object('last_reservation', r.reservation_number);
      EXCEPTION WHEN OTHERS THEN
        v_state := SQLSTATE;
        v_reason := passport.bot_reason(v_state, lang, SQLERRM);
        reply := passport.bot_say('booking_failed', lang, jsonb_build_object('reason', v_reason));
        context := context - 'asked_confirm';
        IF v_state IN ('PP001', 'PP002') THEN
          -- offer other days at once
          SELECT * INTO r FROM passport.bot_dates(context ->> 'office', lang);
          IF jsonb_array_length(r.items) > 0 THEN
            state := 'book_date';
            context := (context - 'visit_date') || jsonb_build_object('date_choices', r.items);
            reply := reply || E'\n\n' || passport.bot_say('ask_date', lang, jsonb_build_object('office', r.office_name, 'list', r.list));
            choices := (SELECT array_agg(i::text) FROM generate_series(1, jsonb_array_length(r.items)) i);
            RETURN;
          END IF;
        END IF;
      END;
      state := 'menu';
      IF context ? 'asked_confirm' THEN context := context - 'asked_confirm'; END IF;
      RETURN;
    ELSIF context ? 'asked_confirm' AND pick = 2 THEN
      state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
      reply := passport.bot_say('booking_aborted', lang);
      RETURN;
    END IF;
    context := context || '{"asked_confirm": true}';
    SELECT o.name INTO v_reason FROM passport.office o WHERE o.code = context ->> 'office';
    reply := passport.bot_say('confirm', lang, jsonb_build_object('office', v_reason,
               'service', (SELECT CASE lang WHEN 'en' THEN s.name_en ELSE s.name_id END FROM passport.service s
                            WHERE s.service_code = context ->> 'service'),
               'date', to_char((context ->> 'visit_date')::date, 'DD-MM-YYYY'), 'nik', context ->> 'nik',
               'name', context ->> 'name', 'birth', to_char((context ->> 'birth')::date, 'DD-MM-YYYY')));
    choices := ARRAY['1', '2'];
    RETURN;
  END IF;

  IF state = 'status_number' THEN
    IF txt = '' THEN
      reply := passport.bot_say('ask_number', lang); RETURN;
    END IF;
    BEGIN
      SELECT * INTO r FROM passport.application_status(txt, sender => bot_step.sender, language => lang);
    EXCEPTION WHEN SQLSTATE 'PP017' THEN
      state := 'menu'; reply := passport.bot_say('rate_limited', lang); RETURN;
    WHEN OTHERS THEN
      reply := passport.bot_say('status_not_found', lang) || E'\n' || passport.bot_say('ask_number', lang);
      RETURN;
    END;
    IF r.status = 'not_found' THEN
      state := 'status_birth'; context := jsonb_build_object('status_number', txt);
      reply := passport.bot_say('ask_status_birth', lang);
      RETURN;
    END IF;
    state := 'menu';
    reply := passport.bot_say('status', lang, jsonb_build_object('applicant', r.applicant, 'label', r.label,
               'next_step', r.next_step, 'extra', coalesce(E'\n' || r.payment_instructions, '')));
    RETURN;
  END IF;

  IF state = 'status_birth' THEN
    v_day := passport.parse_day(txt);
    state := 'menu';
    IF v_day IS NOT NULL THEN
      BEGIN
        SELECT * INTO r FROM passport.application_status(context ->> 'status_number', birth_date => v_day, language => lang);
      EXCEPTION WHEN OTHERS THEN
        r := NULL;
      END;
    END IF;
    context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
    IF v_day IS NULL OR r.status IS NULL OR r.status = 'not_found' THEN
      reply := passport.bot_say('status_not_found', lang);
    ELSE
      reply := passport.bot_say('status', lang, jsonb_build_object('applicant', r.applicant, 'label', r.label,
                 'next_step', r.next_step, 'extra', coalesce(E'\n' || r.payment_instructions, '')));
    END IF;
    RETURN;
  END IF;

  IF state = 'req_service' THEN
    IF pick BETWEEN 1 AND 6 THEN
      state := 'menu';
      SELECT i.body INTO reply FROM passport.info i
       WHERE i.topic = 'requirements' AND i.service = services[pick] AND i.language = lang;
    ELSE
      reply := passport.bot_say('unknown', lang);
    END IF;
    RETURN;
  END IF;

  IF state = 'fb_text' THEN
    IF txt = '' THEN
      reply := passport.bot_say('ask_feedback', lang); RETURN;
    END IF;
    context := jsonb_build_object('feedback', left(txt, 1000));
    state := 'fb_rating'; reply := passport.bot_say('ask_rating', lang); choices := ARRAY['1', '2', '3', '4', '5', '-'];
    RETURN;
  END IF;
  IF state = 'fb_rating' THEN
    IF low = '-' OR pick BETWEEN 1 AND 5 THEN
      context := context || jsonb_build_object('rating', CASE WHEN pick BETWEEN 1 AND 5 THEN pick END);
      state := 'fb_office'; reply := passport.bot_say('ask_feedback_office', lang);
    ELSE
      reply := passport.bot_say('ask_rating', lang);
    END IF;
    RETURN;
  END IF;
  IF state = 'fb_office' THEN
    IF low <> '-' AND NOT EXISTS (SELECT 1 FROM passport.office o WHERE o.code = upper(txt)) THEN
      reply := passport.bot_say('ask_feedback_office', lang); RETURN;
    END IF;
    INSERT INTO passport.feedback (office_id, channel, sender_hash, category, rating, body, created_at)
    VALUES ((SELECT o.office_id FROM passport.office o WHERE o.code = upper(txt)), channel,
            encode(sha256((SELECT s.key FROM passport.secret s WHERE s.purpose = 'ff1' ORDER BY s.created_at LIMIT 1)
                          || convert_to(sender, 'UTF8')), 'hex'),
            CASE WHEN (context ->> 'rating')::int >= 4 THEN 'appreciation'
                 WHEN (context ->> 'rating')::int <= 2 THEN 'complaint' ELSE 'aspiration' END,
            (context ->> 'rating')::smallint, context ->> 'feedback', now);
    state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
    reply := passport.bot_say('thanks_feedback', lang);
    RETURN;
  END IF;

  IF state = 'cancel_number' THEN
    BEGIN
      SELECT b.reservation_number INTO v_code FROM passport.cancel(txt, sender => bot_step.sender) b;
      reply := passport.bot_say('cancelled', lang, jsonb_build_object('number', v_code));
      context := context - 'last_reservation';
    EXCEPTION WHEN OTHERS THEN
      v_reason := passport.bot_reason(SQLSTATE, lang, passport.bot_say('unknown', lang));
      reply := passport.bot_say('action_failed', lang, jsonb_build_object('reason', v_reason));
    END;
    state := 'menu';
    RETURN;
  END IF;

  IF state = 'resched_number' THEN
    IF NOT passport.is_reservation_number(txt) THEN
      reply := passport.bot_say('action_failed', lang, jsonb_build_object('reason', passport.bot_say('reason_PP101', lang)));
      state := 'menu'; RETURN;
    END IF;
    context := context || jsonb_build_object('last_reservation', passport.normalize_reservation_number(txt));
    state := 'resched_date';
    reply := passport.bot_say('ask_new_date', lang, jsonb_build_object('number', context ->> 'last_reservation'));
    RETURN;
  END IF;
  IF state = 'resched_date' THEN
    v_day := passport.parse_day(txt);
    IF v_day IS NULL THEN
      reply := passport.bot_say('bad_date', lang); RETURN;
    END IF;
    BEGIN
      SELECT b.reservation_number, b.local_date, b.start_time INTO r
        FROM passport.reschedule(context ->> 'last_reservation', v_day, sender => bot_step.sender) b;
      reply := passport.bot_say('rescheduled', lang, jsonb_build_object('number', r.reservation_number,
                 'date', to_char(r.local_date, 'DD-MM-YYYY'), 'time', to_char(r.start_time, 'HH24:MI')));
    EXCEPTION WHEN OTHERS THEN
      v_reason := passport.bot_reason(SQLSTATE, lang, passport.bot_say('unknown', lang));
      reply := passport.bot_say('action_failed', lang, jsonb_build_object('reason', v_reason));
    END;
    state := 'menu';
    RETURN;
  END IF;

  state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
  reply := passport.bot_say('menu', lang); choices := ARRAY['1', '2', '3', '4', '5', '6'];
END;
$$;
COMMENT ON FUNCTION passport.bot_step(text, text, text, text, timestamptz, text, text, jsonb) IS
  'One step of the dialogue: from the conversation''s state, language and collected fields and the text received, the reply and the next state (used by handle_message).';

CREATE FUNCTION passport.handle_message(channel text, sender text, message_id text, body text)
  RETURNS passport.bot_reply
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  ch text := lower(left(btrim(coalesce(channel, '')), 20));
  who text := left(btrim(coalesce(sender, '')), 64);
  msg text := left(btrim(coalesce(message_id, '')), 200);
  txt text;
  c passport.conversation;
  stored passport.inbound_message;
  s record;
  result passport.bot_reply;
BEGIN
  IF ch = '' OR who = '' OR msg = '' THEN
    RAISE EXCEPTION 'channel, sender and message_id are required'
      USING ERRCODE = '22004', DETAIL = 'The adapter must pass the channel, the sender and the message id.';
  END IF;
  IF ch IN ('whatsapp', 'sms') AND who ~ '^[+0-9() .-]+$' THEN
    BEGIN
      who := passport.normalize_phone(who);
    EXCEPTION WHEN OTHERS THEN
      NULL;
    END;
  END IF;

  -- the sender's conversation, locked: messages of one sender (and
  -- redeliveries of one message) are handled one at a time
  SELECT * INTO c FROM passport.conversation x WHERE x.channel = ch AND x.sender = who FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO passport.conversation AS x (channel, sender, updated_at, window_start)
    VALUES (ch, who, t, t)
    ON CONFLICT ON CONSTRAINT conversation_pkey DO NOTHING;
    SELECT * INTO c FROM passport.conversation x WHERE x.channel = ch AND x.sender = who FOR UPDATE;
  END IF;

  -- a redelivered message gets the original reply and has no second effect
  SELECT * INTO stored FROM passport.inbound_message m WHERE m.channel = ch AND m.message_id = msg;
  IF FOUND THEN
    RETURN (stored.reply, stored.choices, true)::passport.bot_reply;
  END IF;

  -- what a person typed: no control characters, at most 2000 characters
  txt := btrim(regexp_replace(left(coalesce(body, ''), 2000), '[\x01-\x09\x0b-\x1f\x7f]', ' ', 'g'));

  IF c.window_start <= t - interval '1 minute' THEN
    c.window_start := t;
    c.messages := 0;
  END IF;
  c.messages := c.messages + 1;
  IF c.updated_at < t - current_setting('passport.conversation_timeout')::interval THEN
    c.state := 'menu';
    c.context := jsonb_strip_nulls(jsonb_build_object('last_reservation', c.context -> 'last_reservation'));
  END IF;

  IF c.messages > 20 THEN
    result := (passport.bot_say('rate_limited', c.language), NULL, false);
  ELSE
    BEGIN
      SELECT * INTO s FROM passport.bot_step(ch, who, msg, txt, t, c.state, c.language, c.context);
      c.state := s.state;
      c.language := s.language;
      c.context := s.context;
      result := (s.reply, s.choices, false);
    EXCEPTION WHEN OTHERS THEN
      c.state := 'menu';
      c.context := jsonb_strip_nulls(jsonb_build_object('last_reservation', c.context -> 'last_reservation'));
      result := (passport.bot_say('error', c.language) || E'\n\n' || passport.bot_say('menu', c.language), NULL, false);
    END;
  END IF;

  UPDATE passport.conversation x
     SET state = c.state, language = c.language, context = c.context, updated_at = t,
         window_start = c.window_start, messages = c.messages
   WHERE x.channel = ch AND x.sender = who;
  INSERT INTO passport.inbound_message (channel, message_id, sender, received_at, reply, choices)
  VALUES (ch, msg, who, t, result.reply, result.choices)
  ON CONFLICT ON CONSTRAINT inbound_message_pkey DO NOTHING;
  IF NOT FOUND THEN
    -- the same message id from another sender, answered meanwhile: its reply
    SELECT * INTO stored FROM passport.inbound_message m WHERE m.channel = ch AND m.message_id = msg;
    RETURN (stored.reply, stored.choices, true)::passport.bot_reply;
  END IF;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.handle_message(text, text, text, text) IS
  'The WhatsApp-style menu bot: the reply (and choices) to one inbound message. Idempotent on (channel, message_id); never raises on what a person types; per-sender rate limit; conversations expire after passport.conversation_timeout.';
--------------------------------------------------------------------------
-- Reports for DBAs and reporters: aggregates only, never NIK or phone
--------------------------------------------------------------------------

CREATE VIEW passport.report_utilisation AS
  SELECT o.code AS office, s.lane, s.local_date,
         sum(s.capacity) AS capacity,
         sum(s.booked) AS booked,
         (SELECT count(*) FROM passport.reservation r
           WHERE r.office_id = o.office_id AND r.local_date = s.local_date AND r.lane = s.lane
             AND r.status = 'checked_in') AS served,
         (SELECT count(*) FROM passport.reservation r
           WHERE r.office_id = o.office_id AND r.local_date = s.local_date AND r.lane = s.lane
             AND r.status = 'no_show') AS no_shows
    FROM passport.slot s JOIN passport.office o ON o.office_id = s.office_id
   GROUP BY o.office_id, o.code, s.lane, s.local_date;
COMMENT ON VIEW passport.report_utilisation IS 'Capacity, booked, served (checked in) and no-shows per office, lane and local day.';

CREATE VIEW passport.report_no_shows AS
  SELECT o.code AS office, date_trunc('month', r.local_date)::date AS month,
         count(*) FILTER (WHERE r.status IN ('checked_in', 'no_show')) AS visits_due,
         count(*) FILTER (WHERE r.status = 'no_show') AS no_shows,
         round(100.0 * count(*) FILTER (WHERE r.status = 'no_show')
               / nullif(count(*) FILTER (WHERE r.status IN ('checked_in', 'no_show')), 0), 1) AS no_show_percent,
         count(*) FILTER (WHERE r.status = 'cancelled') AS cancelled
    FROM passport.reservation r JOIN passport.office o ON o.office_id = r.office_id
   GROUP BY o.code, date_trunc('month', r.local_date);
COMMENT ON VIEW passport.report_no_shows IS 'No-show rate and cancellations per office and month.';

CREATE VIEW passport.report_waiting AS
  SELECT o.code AS office, t.local_date, t.lane, count(*) AS tickets,
         count(*) FILTER (WHERE t.status = 'missed') AS missed,
         round(avg(extract(epoch FROM t.called_at - t.issued_at) / 60)::numeric, 1) AS avg_wait_minutes,
         round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.called_at - t.issued_at) / 60))::numeric, 1)
           AS p90_wait_minutes,
         round(avg(extract(epoch FROM t.done_at - t.served_at) / 60) FILTER (WHERE t.status = 'done')::numeric, 1)
           AS avg_service_minutes
    FROM passport.queue_ticket t JOIN passport.office o ON o.office_id = t.office_id
   GROUP BY o.code, t.local_date, t.lane;
COMMENT ON VIEW passport.report_waiting IS 'Tickets, missed calls, waiting time (issue to call) and service time per office, day and lane.';

CREATE VIEW passport.report_processing AS
  SELECT o.code AS office, date_trunc('month', a.opened_at)::date AS month,
         count(*) AS applications,
         count(*) FILTER (WHERE ready.at IS NOT NULL) AS ready,
         round(avg(extract(epoch FROM ready.at - a.opened_at) / 86400)::numeric, 1) AS avg_days_to_ready,
         count(*) FILTER (WHERE ready.at IS NOT NULL
                            AND (ready.at AT TIME ZONE o.time_zone)::date > a.promised_ready_on) AS sla_breaches
    FROM passport.application a
    JOIN passport.office o ON o.office_id = a.office_id
    LEFT JOIN LATERAL (SELECT min(e.at) AS at FROM passport.application_event e
                        WHERE e.office_id = a.office_id AND e.application_number = a.application_number
                          AND e.to_status = 'ready') ready ON true
   GROUP BY o.code, date_trunc('month', a.opened_at);
COMMENT ON VIEW passport.report_processing IS 'Applications per office and month: how many reached ready, average days to ready, and SLA breaches (ready later than the promised date).';

CREATE VIEW passport.report_backlog AS
  SELECT o.code AS office, a.status, count(*) AS applications,
         min(a.status_at) AS oldest_since
    FROM passport.application a
    JOIN passport.office o ON o.office_id = a.office_id
    JOIN passport.application_status s ON s.status = a.status
   WHERE NOT s.terminal
   GROUP BY o.code, a.status, s.ordinal;
COMMENT ON VIEW passport.report_backlog IS 'Open applications per office and status, with the oldest waiting since.';

CREATE VIEW passport.report_feedback AS
  SELECT coalesce(o.code, '-') AS office, f.category, count(*) AS messages,
         round(avg(f.rating), 2) AS avg_rating, count(DISTINCT f.sender_hash) AS senders
    FROM passport.feedback f LEFT JOIN passport.office o ON o.office_id = f.office_id
   GROUP BY coalesce(o.code, '-'), f.category;
COMMENT ON VIEW passport.report_feedback IS 'Appreciation, aspirations and complaints per office: counts, average rating, distinct senders (hashed).';
--------------------------------------------------------------------------
-- Retention: personal data is anonymised or purged after its purpose ends,
-- while the statistics survive (UU 27/2022)
--------------------------------------------------------------------------

CREATE FUNCTION passport.purge_personal_data(retention interval DEFAULT '2 years',
                                             message_retention interval DEFAULT '90 days')
  RETURNS TABLE (what text, rows_affected bigint)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  n bigint;
BEGIN
  IF retention IS NULL OR retention < interval '30 days' OR message_retention IS NULL
     OR message_retention < interval '1 day' THEN
    RAISE EXCEPTION 'retention periods are too short'
      USING ERRCODE = '22023', DETAIL = 'Keep reservations and applications at least 30 days and messages at least 1 day.';
  END IF;

  -- finished reservations: no NIK, name, phone or sender; the birth year stays for age statistics
  UPDATE passport.reservation r
     SET nik = '0000000000000000', full_name = '-', phone = NULL, sender = NULL,
         birth_date = date_trunc('year', r.birth_date)::date
   WHERE r.status <> 'booked' AND r.status_at < t - retention AND r.nik <> '0000000000000000';
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'reservations anonymised'; rows_affected := n; RETURN NEXT;

  -- finished applications, the same
  UPDATE passport.application a
     SET nik = '0000000000000000', full_name = '-', phone = NULL, sender = NULL,
         birth_date = date_trunc('year', a.birth_date)::date
    FROM passport.application_status s
   WHERE s.status = a.status AND s.terminal AND a.status_at < t - retention
     AND a.nik <> '0000000000000000';
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'applications anonymised'; rows_affected := n; RETURN NEXT;

  -- cooldowns long over
  DELETE FROM passport.nik_guard g WHERE g.code IS NULL AND g.cooldown_until < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'NIK cooldowns deleted'; rows_affected := n; RETURN NEXT;

  -- conversations, message records, lookups and delivered messages
  DELETE FROM passport.conversation c WHERE c.updated_at < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'conversations deleted'; rows_affected := n; RETURN NEXT;
  DELETE FROM passport.inbound_message m WHERE m.received_at < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'inbound messages deleted'; rows_affected := n; RETURN NEXT;
  DELETE FROM passport.lookup_guard g WHERE g.window_start < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'lookup counters deleted'; rows_affected := n; RETURN NEXT;
  DELETE FROM passport.outbox o WHERE o.status IN ('sent', 'dead') AND o.created_at < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'outbox messages deleted'; rows_affected := n; RETURN NEXT;
  RETURN;
END;
$$;
COMMENT ON FUNCTION passport.purge_personal_data(interval, interval) IS
  'Anonymises finished reservations and applications older than retention (NIK, name, phone, sender removed; birth date cut to its year) and deletes conversations, message records, lookup counters, old cooldowns and delivered messages older than message_retention. Counts, statuses, times and history survive for the reports. Run it from cron.';
--------------------------------------------------------------------------
-- Security: row-level security for officers, group roles, privileges
--------------------------------------------------------------------------

CREATE FUNCTION passport.current_office_id()
  RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT o.office_id FROM passport.office o
   WHERE o.code = pg_catalog.upper(NULLIF(pg_catalog.current_setting('passport.office', true), ''))
$$;
COMMENT ON FUNCTION passport.current_office_id() IS
  'Office selected by the setting passport.office (SET LOCAL works): what row-level security shows an officer.';

CREATE FUNCTION passport.is_admin()
  RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                  WHERE r.rolname = 'passport_admin'
                    AND pg_catalog.pg_has_role(CURRENT_USER, r.oid, 'MEMBER'))
$$;
COMMENT ON FUNCTION passport.is_admin() IS 'True when the current user is a member of passport_admin.';

ALTER TABLE passport.reservation ENABLE ROW LEVEL SECURITY;
CREATE POLICY reservation_by_office ON passport.reservation
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.application ENABLE ROW LEVEL SECURITY;
CREATE POLICY application_by_office ON passport.application
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.application_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY application_event_by_office ON passport.application_event
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.billing ENABLE ROW LEVEL SECURITY;
CREATE POLICY billing_by_office ON passport.billing
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.queue_ticket ENABLE ROW LEVEL SECURITY;
CREATE POLICY queue_ticket_by_office ON passport.queue_ticket
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY outbox_by_office ON passport.outbox
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.slot ENABLE ROW LEVEL SECURITY;
CREATE POLICY slot_by_office ON passport.slot
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));

CREATE FUNCTION passport.setup_roles()
  RETURNS SETOF text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['passport_adapter', 'passport_officer', 'passport_reporter', 'passport_admin']
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      RETURN NEXT r;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA passport TO %I', r);
    EXECUTE format('GRANT EXECUTE ON FUNCTION passport.now(), passport.current_office_id(), passport.is_admin() TO %I', r);
  END LOOP;

  -- adapters (bots, apps): only the calls a booking channel needs
  GRANT EXECUTE ON FUNCTION
    passport.reserve(text, text, text, date, text, text, date, text, text, text, text, time, boolean),
    passport.cancel(text, text, date),
    passport.reschedule(text, date, time, text, date, boolean),
    passport.find_reservation(text, text, date),
    passport.availability(text, date, integer, text),
    passport.normalize_reservation_number(text),
    passport.is_reservation_number(text),
    passport.normalize_phone(text),
    passport.nik_problem(text),
    passport.tariff_amount(text, text, integer, date),
    passport.billing_amount(text, text, integer, boolean, boolean, date),
    passport.application_status(text, text, date, text),
    passport.confirm_payment(text, bigint, text, timestamptz),
    passport.claim_messages(text, integer, text, interval),
    passport.ack_message(bigint, bigint),
    passport.fail_message(bigint, bigint, text),
    passport.handle_message(text, text, text, text)
  TO passport_adapter;
  -- waiting-room screens are adapters too: ticket codes and counters only
  GRANT SELECT ON passport.queue_display TO passport_adapter;

  -- officers: their office's reservations (row-level security) and check-in
  GRANT EXECUTE ON FUNCTION
    passport.check_in(text, text),
    passport.find_reservation(text, text, date),
    passport.availability(text, date, integer, text),
    passport.normalize_reservation_number(text),
    passport.nik_parts(text),
    passport.tariff_amount(text, text, integer, date),
    passport.billing_amount(text, text, integer, boolean, boolean, date),
    passport.add_working_days(bigint, date, integer),
    passport.open_application(text, text, integer, boolean),
    passport.open_walk_in(text, text, text, text, text, date, text, text, integer, boolean),
    passport.transition(text, text, text, integer, text, text),
    passport.application_status(text, text, date, text),
    passport.walk_in_ticket(text, text),
    passport.pickup_ticket(text),
    passport.call_next(text, text, text[]),
    passport.recall(text, text),
    passport.start_service(text, text),
    passport.finish_service(text, text)
  TO passport_officer;
  GRANT SELECT ON passport.queue_ticket, passport.queue_display TO passport_officer;
  GRANT SELECT ON passport.office, passport.lane, passport.service, passport.passport_kind,
                  passport.reservation, passport.slot, passport.application,
                  passport.application_event, passport.billing, passport.transition,
                  passport.application_status, passport.status_text
  TO passport_officer;

  -- reporters: aggregates only, never NIK or phone
  GRANT SELECT ON passport.office, passport.lane, passport.service, passport.passport_kind,
                  passport.tariff, passport.holiday, passport.capacity_overview,
                  passport.transition, passport.application_status, passport.status_text,
                  passport.queue_display
  TO passport_reporter;
  -- feedback for reports: the sender is a keyed hash, never the number
  GRANT SELECT ON passport.feedback TO passport_reporter, passport_admin;
  GRANT SELECT ON passport.report_utilisation, passport.report_no_shows, passport.report_waiting,
                  passport.report_processing, passport.report_backlog, passport.report_feedback
  TO passport_reporter, passport_admin;

  -- administrators: the catalog, through its functions
  GRANT EXECUTE ON FUNCTION
    passport.create_office(text, text, text, text, text, text, text, integer, integer, time),
    passport.set_release_policy(text, integer, time),
    passport.add_capacity_rule(text, integer, text, time, time, integer, integer),
    passport.remove_capacity_rule(text, bigint),
    passport.close_day(text, date, text),
    passport.release_slots(text, date, date),
    passport.set_slot_capacity(text, text, date, time, integer),
    passport.availability(text, date, integer, text),
    passport.sweep(text),
    passport.office_id(text),
    passport.check_in(text, text),
    passport.find_reservation(text, text, date),
    passport.tariff_amount(text, text, integer, date),
    passport.nik_parts(text),
    passport.billing_amount(text, text, integer, boolean, boolean, date),
    passport.add_working_days(bigint, date, integer),
    passport.open_application(text, text, integer, boolean),
    passport.open_walk_in(text, text, text, text, text, date, text, text, integer, boolean),
    passport.transition(text, text, text, integer, text, text),
    passport.application_status(text, text, date, text),
    passport.walk_in_ticket(text, text),
    passport.pickup_ticket(text),
    passport.call_next(text, text, text[]),
    passport.recall(text, text),
    passport.start_service(text, text),
    passport.finish_service(text, text),
    passport.render_message(text, text, jsonb),
    passport.purge_personal_data(interval, interval)
  TO passport_admin;
  GRANT SELECT ON passport.queue_ticket, passport.queue_display, passport.outbox,
                  passport.message_template TO passport_admin;
  GRANT INSERT, UPDATE, DELETE ON passport.message_template TO passport_admin;
  GRANT SELECT, INSERT, UPDATE, DELETE ON passport.bot_text, passport.info TO passport_admin;
  GRANT SELECT ON passport.office, passport.lane, passport.service, passport.passport_kind,
                  passport.tariff, passport.capacity_rule, passport.holiday,
                  passport.office_closure, passport.slot, passport.reservation,
                  passport.capacity_overview, passport.application, passport.application_event,
                  passport.billing, passport.transition, passport.application_status,
                  passport.status_text
  TO passport_admin;
  -- administrators edit the rules and the texts; the history stays append-only
  GRANT INSERT, UPDATE, DELETE ON passport.transition, passport.status_text TO passport_admin;
  RETURN;
END;
$$;
COMMENT ON FUNCTION passport.setup_roles() IS
  'Creates (idempotently) the group roles passport_adapter, passport_officer, passport_reporter and passport_admin and grants each what it needs. Returns the roles it created. Needs CREATEROLE; the extension script itself creates no roles.';

-- Nothing for PUBLIC: every grant goes through passport.setup_roles().
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA passport FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA passport FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA passport FROM PUBLIC;
REVOKE ALL ON TYPE passport.booking FROM PUBLIC;
REVOKE ALL ON TYPE passport.application_state FROM PUBLIC;
REVOKE ALL ON TYPE passport.ticket FROM PUBLIC;
REVOKE ALL ON TYPE passport.bot_reply FROM PUBLIC;

COMMENT ON SEQUENCE passport.slot_id_seq IS 'Numbers slots (all counter rows of one slot share it).';
COMMENT ON SEQUENCE passport.ticket_id_seq IS 'Numbers queue tickets internally (their shown number restarts daily per lane).';
COMMENT ON SEQUENCE passport.outbox_id_seq IS 'Numbers outbox messages.';
COMMENT ON SEQUENCE passport.office_office_id_seq IS 'Office numbers (1-4095).';
COMMENT ON SEQUENCE passport.capacity_rule_rule_id_seq IS 'Capacity rule numbers.';
COMMENT ON SEQUENCE passport.feedback_feedback_id_seq IS 'Feedback numbers.';
