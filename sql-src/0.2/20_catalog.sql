--------------------------------------------------------------------------
-- Catalog changes leave an audit record: offices, release policies,
-- capacity rules, closures, releases, slot capacities and tariffs
--------------------------------------------------------------------------

-- Each administrator's function below is 0.1's, unchanged in what it
-- checks and does, plus one row in passport.admin_audit (passport.audit:
-- the calling role, the real time, the row before and after) written in
-- the same transaction. A call that changes nothing records nothing.

CREATE OR REPLACE FUNCTION passport.create_office(code text, name text, kind text, time_zone text,
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
  created passport.office;
BEGIN
  IF code IS NULL OR pg_catalog.upper(code) !~ '^[A-Z0-9_]{2,16}$' THEN
    RAISE EXCEPTION 'invalid office code "%"', code
      USING ERRCODE = '22023', DETAIL = 'An office code has 2 to 16 letters, digits or underscores.';
  END IF;
  IF name IS NULL OR pg_catalog.btrim(name) = '' THEN
    RAISE EXCEPTION 'an office needs a name' USING ERRCODE = '22023';
  END IF;
  IF kind IS NULL OR pg_catalog.lower(kind) NOT IN ('kanim', 'ulp', 'ukk', 'mpp') THEN
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
  IF EXISTS (SELECT 1 FROM passport.office o WHERE o.code = pg_catalog.upper(create_office.code)) THEN
    RAISE EXCEPTION 'office "%" already exists', pg_catalog.upper(code) USING ERRCODE = '23505';
  END IF;
  INSERT INTO passport.office (code, name, kind, parent_id, time_zone, city, address,
                               slot_shards, release_days_ahead, release_time)
  VALUES (pg_catalog.upper(code), pg_catalog.btrim(name), pg_catalog.lower(kind), parent, time_zone, city, address,
          slot_shards, release_days_ahead, coalesce(release_time, '00:00'))
  RETURNING * INTO created;
  -- the office's number counters, so that its first bookings need not create them
  INSERT INTO passport.office_counter (office_id, kind, stripe, last_value)
  SELECT created.office_id, k.kind, s, 0
    FROM (VALUES ('reservation', 16), ('application', 1), ('billing', 1)) AS k(kind, stripes),
         LATERAL pg_catalog.generate_series(0, k.stripes - 1) AS s;
  PERFORM passport.audit('create_office', 'office ' || created.code, NULL, pg_catalog.to_jsonb(created));
  RETURN created.office_id;
END;
$$;
COMMENT ON FUNCTION passport.create_office(text, text, text, text, text, text, text, integer, integer, time) IS
  'Creates an office; validates code, kind, IANA time zone and release policy. Returns its office number. Audited.';

CREATE OR REPLACE FUNCTION passport.set_release_policy(office_code text, days_ahead integer, release_time time)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.office_id(office_code);
  before passport.office;
  after passport.office;
BEGIN
  IF days_ahead IS NULL OR days_ahead NOT BETWEEN 0 AND 366 THEN
    RAISE EXCEPTION 'release_days_ahead % is out of range', days_ahead
      USING ERRCODE = '22023', DETAIL = 'Slots are released between 0 and 366 days ahead.';
  END IF;
  IF release_time IS NULL THEN
    RAISE EXCEPTION 'a release policy needs a local release time' USING ERRCODE = '22023';
  END IF;
  SELECT * INTO before FROM passport.office o WHERE o.office_id = oid_ FOR UPDATE;
  UPDATE passport.office SET release_days_ahead = days_ahead,
                             release_time = set_release_policy.release_time
   WHERE office_id = oid_
  RETURNING * INTO after;
  IF after IS DISTINCT FROM before THEN
    PERFORM passport.audit('set_release_policy', 'office ' || after.code,
                           pg_catalog.to_jsonb(before), pg_catalog.to_jsonb(after));
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.set_release_policy(text, integer, time) IS
  'Sets how many days ahead and at which local time an office releases slots (for slots released afterwards). Audited.';

CREATE OR REPLACE FUNCTION passport.add_capacity_rule(office_code text, weekday integer, lane text,
                                                      start_time time, end_time time,
                                                      slot_minutes integer, capacity integer)
  RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.office_id(office_code);
  clash record;
  added passport.capacity_rule;
BEGIN
  IF weekday IS NULL OR weekday NOT BETWEEN 1 AND 7 THEN
    RAISE EXCEPTION 'weekday % is out of range', weekday
      USING ERRCODE = '22023', DETAIL = 'Weekdays are ISO numbers: 1 = Monday ... 7 = Sunday.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM passport.lane l WHERE l.lane_code = add_capacity_rule.lane) THEN
    RAISE EXCEPTION 'unknown lane "%"', lane
      USING ERRCODE = '22023',
            HINT = format('Lanes are %s.', (SELECT pg_catalog.string_agg(l.lane_code, ', ' ORDER BY l.call_order)
                                              FROM passport.lane l));
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
  PERFORM pg_catalog.pg_advisory_xact_lock(1347440641, oid_::integer);
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
  RETURNING * INTO added;
  PERFORM passport.audit('add_capacity_rule',
                         pg_catalog.format('capacity rule %s of office %s', added.rule_id, pg_catalog.upper(office_code)),
                         NULL, pg_catalog.to_jsonb(added));
  RETURN added.rule_id;
END;
$$;
COMMENT ON FUNCTION passport.add_capacity_rule(text, integer, text, time, time, integer, integer) IS
  'Adds a capacity window for an office, weekday and lane. Slots already released keep their capacity. Audited.';

CREATE OR REPLACE FUNCTION passport.remove_capacity_rule(office_code text, rule_id bigint)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.office_id(office_code);
  removed passport.capacity_rule;
BEGIN
  DELETE FROM passport.capacity_rule r WHERE r.office_id = oid_ AND r.rule_id = remove_capacity_rule.rule_id
  RETURNING * INTO removed;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'office "%" has no capacity rule %', office_code, rule_id USING ERRCODE = 'PP006';
  END IF;
  PERFORM passport.audit('remove_capacity_rule',
                         pg_catalog.format('capacity rule %s of office %s', removed.rule_id, pg_catalog.upper(office_code)),
                         pg_catalog.to_jsonb(removed), NULL);
END;
$$;
COMMENT ON FUNCTION passport.remove_capacity_rule(text, bigint) IS
  'Removes a capacity rule. Released slots and their bookings stay. Audited.';

CREATE OR REPLACE FUNCTION passport.close_day(office_code text, day date, reason text)
  RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint;
  n integer;
  object text;
  before jsonb;
  after jsonb;
BEGIN
  IF day IS NULL OR reason IS NULL OR pg_catalog.btrim(reason) = '' THEN
    RAISE EXCEPTION 'a closure needs a day and a reason' USING ERRCODE = '22023';
  END IF;
  IF office_code IS NULL THEN
    object := 'holiday ' || pg_catalog.to_char(day, 'YYYY-MM-DD');
    SELECT pg_catalog.to_jsonb(h) INTO before FROM passport.holiday h WHERE h.day = close_day.day FOR UPDATE;
    INSERT INTO passport.holiday AS h (day, name) VALUES (close_day.day, reason)
      ON CONFLICT ON CONSTRAINT holiday_pkey DO UPDATE SET name = excluded.name
    RETURNING pg_catalog.to_jsonb(h) INTO after;
    -- no new bookings on that day anywhere; existing bookings stay
    UPDATE passport.slot s SET opens_at = 'infinity'
     WHERE s.local_date = close_day.day AND s.opens_at <> 'infinity';
  ELSE
    oid_ := passport.office_id(office_code);
    object := pg_catalog.format('closure of office %s on %s', pg_catalog.upper(office_code), pg_catalog.to_char(day, 'YYYY-MM-DD'));
    SELECT pg_catalog.to_jsonb(c) INTO before FROM passport.office_closure c
     WHERE c.office_id = oid_ AND c.day = close_day.day FOR UPDATE;
    INSERT INTO passport.office_closure AS c (office_id, day, reason) VALUES (oid_, close_day.day, reason)
      ON CONFLICT ON CONSTRAINT office_closure_pkey DO UPDATE SET reason = excluded.reason
    RETURNING pg_catalog.to_jsonb(c) INTO after;
    UPDATE passport.slot s SET opens_at = 'infinity'
     WHERE s.office_id = oid_ AND s.local_date = close_day.day AND s.opens_at <> 'infinity';
  END IF;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF after IS DISTINCT FROM before OR n > 0 THEN
    PERFORM passport.audit('close_day', object, before,
                           after || pg_catalog.jsonb_build_object('counter_rows_closed', n));
  END IF;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION passport.close_day(text, date, text) IS
  'Closes a day for one office (or nationally when office_code is NULL). Released slots of that day are never bookable again (opens_at = infinity); existing bookings are kept. Returns the counter rows closed. Audited, with that number.';

CREATE OR REPLACE FUNCTION passport.release_slots(office_code text, from_date date, to_date date)
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
  PERFORM pg_catalog.pg_advisory_xact_lock(1347440641, o.office_id::integer);
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
  -- one record per release, not per slot: the range and what it created
  IF n > 0 THEN
    PERFORM passport.audit('release_slots',
                           pg_catalog.format('slots of office %s from %s to %s', o.code, pg_catalog.to_char(from_date, 'YYYY-MM-DD'),
                                             pg_catalog.to_char(to_date, 'YYYY-MM-DD')),
                           NULL,
                           pg_catalog.jsonb_build_object('office_id', o.office_id, 'office', o.code,
                                                         'from_date', from_date, 'to_date', to_date,
                                                         'counter_rows_created', n));
  END IF;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION passport.release_slots(text, date, date) IS
  'Materialises the slots of an office for local dates from_date..to_date from its capacity rules, skipping holidays and closures. Idempotent: existing slots (and their bookings) are never changed. Returns the counter rows created. A release that creates rows is audited once (range and count).';

CREATE OR REPLACE FUNCTION passport.set_slot_capacity(office_code text, lane text, local_date date,
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
  total_capacity integer;
  shards integer;
  spare integer;
  r record;
  i integer := 0;
  slot jsonb;
BEGIN
  IF capacity IS NULL OR capacity < 0 THEN
    RAISE EXCEPTION 'capacity must not be negative, not %', capacity USING ERRCODE = '22023';
  END IF;
  SELECT o.time_zone INTO tz FROM passport.office o WHERE o.office_id = oid_;
  start_ts := (local_date + start_time) AT TIME ZONE tz;
  SELECT pg_catalog.sum(s.booked), pg_catalog.sum(s.capacity), pg_catalog.count(*)
    INTO total_booked, total_capacity, shards
    FROM (SELECT s.booked, s.capacity FROM passport.slot s
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
            HINT = pg_catalog.format('Set a capacity of at least %s, or reschedule bookings first.', total_booked);
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
  IF capacity <> total_capacity THEN
    slot := pg_catalog.jsonb_build_object('office_id', oid_, 'lane', lane, 'local_date', local_date,
                                          'start_time', start_time, 'booked', total_booked);
    PERFORM passport.audit('set_slot_capacity',
                           pg_catalog.format('%s slot of office %s on %s at %s', lane, pg_catalog.upper(office_code),
                                             pg_catalog.to_char(local_date, 'YYYY-MM-DD'), pg_catalog.to_char(start_time, 'HH24:MI')),
                           slot || pg_catalog.jsonb_build_object('capacity', total_capacity),
                           slot || pg_catalog.jsonb_build_object('capacity', capacity));
  END IF;
  RETURN capacity;
END;
$$;
COMMENT ON FUNCTION passport.set_slot_capacity(text, text, date, time, integer) IS
  'Changes the capacity of one released slot; refuses (23514) to go below what is already booked. Audited.';

-- Tariffs: shipped tables stay builtin (never dumped, never edited);
-- administrators add dated rows, which pg_dump keeps.

CREATE FUNCTION passport.add_tariff(item text, passport_kind text, validity_years integer,
                                    valid_from date, amount bigint, legal_basis text DEFAULT NULL)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kind text := coalesce(passport_kind, '');
  years integer := coalesce(validity_years, 0);
  added passport.tariff;
BEGIN
  IF item IS NULL OR valid_from IS NULL OR amount IS NULL THEN
    RAISE EXCEPTION 'a tariff needs an item, a first day and an amount' USING ERRCODE = '22004';
  END IF;
  IF item NOT IN ('passport', 'percepatan', 'lost', 'damaged') THEN
    RAISE EXCEPTION 'unknown tariff item "%"', item
      USING ERRCODE = '22023', HINT = 'Tariff items are passport, percepatan, lost and damaged.';
  END IF;
  IF item = 'passport' AND (kind NOT IN ('regular', 'electronic') OR years NOT IN (5, 10)) THEN
    RAISE EXCEPTION 'a passport tariff needs a kind and a validity, not "%" and %', kind, years
      USING ERRCODE = '22023', DETAIL = 'Passports are regular or electronic and valid 5 or 10 years.';
  END IF;
  IF item <> 'passport' AND (kind <> '' OR years <> 0) THEN
    RAISE EXCEPTION 'a % tariff has no passport kind or validity', item
      USING ERRCODE = '22023', HINT = 'Pass an empty kind and validity 0 (the defaults) for surcharges.';
  END IF;
  IF amount < 0 THEN
    RAISE EXCEPTION 'a tariff amount must not be negative, not %', amount USING ERRCODE = '22023';
  END IF;
  IF EXISTS (SELECT 1 FROM passport.tariff t
              WHERE t.item = add_tariff.item AND t.passport_kind = kind AND t.validity_years = years
                AND t.valid_from = add_tariff.valid_from) THEN
    RAISE EXCEPTION 'a % tariff valid from % exists already', item, pg_catalog.to_char(valid_from, 'YYYY-MM-DD')
      USING ERRCODE = '23505', HINT = 'Remove an added tariff first to correct it; shipped tariffs stay.';
  END IF;
  INSERT INTO passport.tariff AS t (item, passport_kind, validity_years, valid_from, amount, legal_basis, builtin)
  VALUES (item, kind, years, valid_from, amount, nullif(pg_catalog.btrim(legal_basis), ''), false)
  RETURNING * INTO added;
  PERFORM passport.audit('add_tariff',
                         pg_catalog.format('tariff %s from %s', pg_catalog.concat_ws(' ', item, nullif(kind, ''),
                                                                          CASE WHEN years > 0 THEN years || ' years' END),
                                           pg_catalog.to_char(valid_from, 'YYYY-MM-DD')),
                         NULL, pg_catalog.to_jsonb(added));
END;
$$;
COMMENT ON FUNCTION passport.add_tariff(text, text, integer, date, bigint, text) IS
  'Adds a dated tariff in IDR (from valid_from on it replaces the earlier row of the same item, kind and validity). Added tariffs survive pg_dump; shipped ones stay as shipped. Audited.';
REVOKE ALL ON FUNCTION passport.add_tariff(text, text, integer, date, bigint, text) FROM PUBLIC;

CREATE FUNCTION passport.remove_tariff(item text, passport_kind text, validity_years integer, valid_from date)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kind text := coalesce(passport_kind, '');
  years integer := coalesce(validity_years, 0);
  removed passport.tariff;
BEGIN
  SELECT * INTO removed FROM passport.tariff t
   WHERE t.item = remove_tariff.item AND t.passport_kind = kind AND t.validity_years = years
     AND t.valid_from = remove_tariff.valid_from
     FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no % tariff valid from %', item, pg_catalog.to_char(valid_from, 'YYYY-MM-DD')
      USING ERRCODE = 'PP006', DETAIL = 'No row of passport.tariff has this item, kind, validity and first day.';
  END IF;
  IF removed.builtin THEN
    RAISE EXCEPTION 'the % tariff valid from % is shipped with passport', item, pg_catalog.to_char(valid_from, 'YYYY-MM-DD')
      USING ERRCODE = '22023',
            DETAIL = 'Shipped tariffs are the published tables; only tariffs an administrator added can be removed.',
            HINT = 'Add a tariff with a later first day to replace it.';
  END IF;
  DELETE FROM passport.tariff t
   WHERE t.item = removed.item AND t.passport_kind = removed.passport_kind
     AND t.validity_years = removed.validity_years AND t.valid_from = removed.valid_from;
  PERFORM passport.audit('remove_tariff',
                         pg_catalog.format('tariff %s from %s', pg_catalog.concat_ws(' ', item, nullif(kind, ''),
                                                                          CASE WHEN years > 0 THEN years || ' years' END),
                                           pg_catalog.to_char(valid_from, 'YYYY-MM-DD')),
                         pg_catalog.to_jsonb(removed), NULL);
END;
$$;
COMMENT ON FUNCTION passport.remove_tariff(text, text, integer, date) IS
  'Removes a tariff an administrator added (shipped tariffs cannot be removed). Billings already issued keep their amount. Audited.';
REVOKE ALL ON FUNCTION passport.remove_tariff(text, text, integer, date) FROM PUBLIC;

INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege) VALUES
  ('passport_admin', 'function', 'passport.add_tariff(text,text,integer,date,bigint,text)', 'EXECUTE'),
  ('passport_admin', 'function', 'passport.remove_tariff(text,text,integer,date)', 'EXECUTE');
