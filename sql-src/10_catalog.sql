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
