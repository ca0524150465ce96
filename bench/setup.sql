-- Benchmark fixtures: offices for each scenario, a generator of fresh valid
-- applicants, the baseline tables and the straightforward PL/pgSQL booking
-- that the C implementation is compared with. Times are real (not pinned):
-- slots from tomorrow, local Jakarta time, released 30 days ahead.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS passport;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- fresh applicants: a valid, unique NIK with its birth date, a fresh sender, a fresh key
CREATE SEQUENCE bench.applicant_seq CACHE 64;
-- a block of n applicant numbers for the load driver (its scenarios draw
-- their own numbers from the block, so they never meet pgbench's)
CREATE FUNCTION bench.take_block(n bigint) RETURNS bigint LANGUAGE sql VOLATILE AS $$
  SELECT setval('bench.applicant_seq', nextval('bench.applicant_seq') + n) - n + 1
$$;
-- the same, for a given number (pgbench scripts inline it, so that no SQL
-- function is planned per call)
CREATE FUNCTION bench.applicant(n bigint, OUT nik text, OUT birth date, OUT sender text, OUT key text)
  LANGUAGE sql IMMUTABLE AS $$
  SELECT '31' || lpad(((n / 9999 / 99) % 99 + 1)::text, 2, '0')
              || lpad(((n / 9999) % 99 + 1)::text, 2, '0')
              || lpad(((n / 9999 / 9801) % 28 + 1)::text, 2, '0') || '0190'
              || lpad((n % 9999 + 1)::text, 4, '0'),
         make_date(1990, 1, ((n / 9999 / 9801) % 28 + 1)::int),
         '+62812' || lpad((n % 100000000)::text, 8, '0'),
         'bench-' || n
$$;

CREATE FUNCTION bench.fresh(OUT nik text, OUT birth date, OUT sender text, OUT key text)
  LANGUAGE sql VOLATILE AS $$
  SELECT f.nik, f.birth, f.sender, f.key FROM bench.applicant(nextval('bench.applicant_seq')) f
$$;

-- offices: RUSH (a month, 12 hours a day), HOT (one slot a day, huge, with
-- as many counter rows per slot as an office can have), SOLD (one full day)
SELECT passport.create_office('RUSH', 'Bench rush office', 'kanim', 'Asia/Jakarta', slot_shards => 16);
SELECT passport.create_office('HOT', 'Bench hot slot office', 'kanim', 'Asia/Jakarta', slot_shards => 64);
SELECT passport.create_office('SOLD', 'Bench sold-out office', 'kanim', 'Asia/Jakarta', slot_shards => 16);
SELECT passport.create_office('PLPG', 'Bench PL/pgSQL office', 'kanim', 'Asia/Jakarta');
-- MIX: bookings with retries, cancels and reschedules (driver scenarios)
SELECT passport.create_office('MIX', 'Bench mixed office', 'kanim', 'Asia/Jakarta', slot_shards => 16);
SELECT passport.add_capacity_rule('MIX', d, 'regular', '07:00', '19:00', 30, 400) FROM generate_series(1, 7) d;
SELECT passport.release_slots('MIX', (now() AT TIME ZONE 'Asia/Jakarta')::date + 1, (now() AT TIME ZONE 'Asia/Jakarta')::date + 29);
SELECT passport.add_capacity_rule('RUSH', d, 'regular', '07:00', '19:00', 30, 400) FROM generate_series(1, 7) d;
SELECT passport.add_capacity_rule('HOT', d, 'regular', '10:00', '10:30', 30, 2000000) FROM generate_series(1, 7) d;
SELECT passport.add_capacity_rule('SOLD', d, 'regular', '08:00', '09:00', 60, 64) FROM generate_series(1, 7) d;
SELECT passport.release_slots(o, (now() AT TIME ZONE 'Asia/Jakarta')::date + 1, (now() AT TIME ZONE 'Asia/Jakarta')::date + 29)
  FROM unnest(ARRAY['RUSH', 'HOT']) o;
SELECT passport.release_slots('SOLD', (now() AT TIME ZONE 'Asia/Jakarta')::date + 1, (now() AT TIME ZONE 'Asia/Jakarta')::date + 1);
-- fill SOLD completely
SET passport.max_active_per_sender = 0;
SELECT count(passport.reserve('SOLD', 'new_adult', 'regular', (now() AT TIME ZONE 'Asia/Jakarta')::date + 1,
                              (f).nik, 'Pemohon Bench', (f).birth))
  FROM (SELECT bench.fresh() AS f FROM generate_series(1, 64)) x;
RESET passport.max_active_per_sender;

-- the straightforward PL/pgSQL implementation: one counter row per slot,
-- lock the earliest free one FOR UPDATE, update it, insert the booking
CREATE TABLE bench.pslot (
  slot_id   bigint PRIMARY KEY,
  office_id bigint NOT NULL,
  starts_at timestamptz NOT NULL,
  capacity  integer NOT NULL,
  booked    integer NOT NULL DEFAULT 0 CHECK (booked <= capacity)
);
INSERT INTO bench.pslot (slot_id, office_id, starts_at, capacity)
  SELECT slot_id, office_id, min(starts_at), sum(capacity) FROM passport.slot
   WHERE office_id = passport.office_id('RUSH') GROUP BY slot_id, office_id;
CREATE INDEX ON bench.pslot (office_id, starts_at);
CREATE TABLE bench.preservation (
  reservation_id bigserial PRIMARY KEY,
  office_id bigint NOT NULL, slot_id bigint NOT NULL, nik text NOT NULL, birth date NOT NULL,
  sender text, key text UNIQUE, status text NOT NULL DEFAULT 'booked', created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON bench.preservation (nik) WHERE status = 'booked';
CREATE FUNCTION bench.plpgsql_reserve(p_office bigint, p_nik text, p_birth date, p_sender text, p_key text)
  RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  s bigint;
  r bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM bench.preservation WHERE nik = p_nik AND status = 'booked') THEN
    RAISE EXCEPTION 'NIK already booked';
  END IF;
  SELECT slot_id INTO s FROM bench.pslot
   WHERE office_id = p_office AND booked < capacity AND starts_at > now()
   ORDER BY starts_at LIMIT 1 FOR UPDATE;
  IF s IS NULL THEN
    RAISE EXCEPTION 'sold out';
  END IF;
  UPDATE bench.pslot SET booked = booked + 1 WHERE slot_id = s;
  INSERT INTO bench.preservation (office_id, slot_id, nik, birth, sender, key)
  VALUES (p_office, s, p_nik, p_birth, p_sender, p_key) RETURNING reservation_id INTO r;
  RETURN r;
END $$;

-- sold-out requests raise PP001; pgbench stops a client on an error, so
-- the benchmark calls through this wrapper, which catches exactly PP001
CREATE FUNCTION bench.try_reserve(p_nik text, p_key text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN (passport.reserve('SOLD', 'new_adult', 'regular', (now() AT TIME ZONE 'Asia/Jakarta')::date + 1,
                           p_nik, 'Pemohon Bench', '1990-01-01', NULL, 'whatsapp', '+6281200000001', p_key)).status;
EXCEPTION WHEN SQLSTATE 'PP001' THEN
  RETURN 'sold out';
END $$;

-- ceilings: one-row UPDATE + one-row INSERT, on random rows or on one row
CREATE TABLE bench.counter (id integer PRIMARY KEY, n bigint NOT NULL DEFAULT 0) WITH (fillfactor = 50);
INSERT INTO bench.counter (id) SELECT generate_series(1, 1000);
CREATE TABLE bench.event (id bigserial PRIMARY KEY, counter_id integer NOT NULL, at timestamptz NOT NULL DEFAULT now());

-- applications for the transition scenario: 200 per client, so that no two
-- clients move the same application (a stale expectation would raise PP013)
CREATE TABLE bench.app_pool (id integer PRIMARY KEY, office_id bigint NOT NULL, num text NOT NULL);
INSERT INTO bench.app_pool
  SELECT i, passport.office_id('RUSH'),
         (passport.open_walk_in('RUSH', 'priority', 'renewal', a.nik, 'Pemohon Bench', a.birth)).application_number
    FROM generate_series(1, 6400) i, LATERAL bench.applicant(500000000 + i) a;

-- the same for transition_message: applicants who gave a phone, so that a
-- move to incomplete queues their message (every other move of the scenario)
CREATE TABLE bench.app_pool_phone (id integer PRIMARY KEY, office_id bigint NOT NULL, num text NOT NULL);
INSERT INTO bench.app_pool_phone
  SELECT i, passport.office_id('RUSH'),
         (passport.open_walk_in('RUSH', 'priority', 'renewal', a.nik, 'Pemohon Bench', a.birth, a.sender)).application_number
    FROM generate_series(1, 6400) i, LATERAL bench.applicant(510000000 + i) a;

-- the queue: a long day of waiting tickets at one office, 8 counters calling;
-- the ceiling is the same pick (SKIP LOCKED) and update on a plain table
SELECT passport.create_office('QUEUE', 'Bench queue office', 'kanim', 'Asia/Jakarta');
INSERT INTO passport.queue_ticket (office_id, ticket_id, local_date, lane, number, code, source,
                                   issued_at, call_order, queue_at)
SELECT passport.office_id('QUEUE'), nextval('passport.ticket_id_seq'), (now() AT TIME ZONE 'Asia/Jakarta')::date,
       'priority', i, 'B-' || lpad(i::text, 6, '0'), 'walk_in', now(), 1, now() + i * interval '1 ms'
  FROM generate_series(1, 200000) i;
CREATE TABLE bench.q (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'waiting', counter text)
  WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
INSERT INTO bench.q (status) SELECT 'waiting' FROM generate_series(1, 200000);
CREATE INDEX ON bench.q (id) WHERE status = 'waiting';

-- the outbox: messages waiting for one channel, 8 adapters claiming and
-- acknowledging batches of 10; the ceiling claims and marks sent 10 rows
-- of a plain table in one statement. Each pool holds a million messages,
-- enough for the fastest run (a run that ran dry would measure empty
-- claims: bench/run checks that some are left).
INSERT INTO passport.outbox (office_id, channel, recipient, template, payload, available_at, created_at)
SELECT passport.office_id('QUEUE'), 'bench', '+62812' || lpad(i::text, 8, '0'), 'reservation_confirmed',
       jsonb_build_object('reservation_number', 'R' || i, 'office', 'Bench', 'date', '2026-12-07', 'time', '08:00'),
       now() - interval '1 hour', now()
  FROM generate_series(1, 1000000) i;
CREATE TABLE bench.ob (id bigserial PRIMARY KEY, channel text NOT NULL, status text NOT NULL, body text)
  WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
INSERT INTO bench.ob (channel, status, body) SELECT 'bench', 'pending', 'message ' || i FROM generate_series(1, 1000000) i;
CREATE INDEX ON bench.ob (channel, id) WHERE status = 'pending';

-- conversations: many senders, menu navigation mixed with free text
CREATE SEQUENCE bench.msg_seq CACHE 64;

-- ---- ceilings on copies of the real tables ---------------------------------

-- bench.copy_table makes dst a copy of src with the same columns, defaults,
-- constraints (foreign keys excepted), indexes and storage parameters; a
-- column drawing from a sequence draws from a sequence of its own
CREATE FUNCTION bench.copy_table(src regclass, dst text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  opts text[];
  col record;
BEGIN
  EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING ALL)', dst, src);
  SELECT c.reloptions INTO opts FROM pg_class c WHERE c.oid = src;
  IF opts IS NOT NULL THEN
    EXECUTE format('ALTER TABLE %s SET (%s)', dst, array_to_string(opts, ', '));
  END IF;
  FOR col IN SELECT a.attname FROM pg_attrdef d
               JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
              WHERE d.adrelid = dst::regclass AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%'
  LOOP
    EXECUTE format('CREATE SEQUENCE %s', dst || '_' || col.attname || '_seq');
    EXECUTE format('ALTER TABLE %s ALTER %I SET DEFAULT nextval(%L)', dst, col.attname,
                   dst || '_' || col.attname || '_seq');
  END LOOP;
END $$;

-- The equivalent-write ceiling (bench/equivalent_write.pgbench): the rows
-- and index entries a booking writes, on tables defined as the real ones.
SELECT bench.copy_table('passport.slot', 'bench.ew_slot');
SELECT bench.copy_table('passport.reservation', 'bench.ew_reservation');
SELECT bench.copy_table('passport.nik_guard', 'bench.ew_nik_guard');
SELECT bench.copy_table('passport.sender_guard', 'bench.ew_sender_guard');
SELECT bench.copy_table('passport.outbox', 'bench.ew_outbox');
SELECT bench.copy_table('passport.office_counter', 'bench.ew_office_counter');
-- 16 reservation stripes for each of 1000 stand-in offices, so that no two
-- bookers meet on one
INSERT INTO bench.ew_office_counter (office_id, kind, stripe, last_value)
SELECT o, 'reservation', h, 0 FROM generate_series(1, 1000) o, generate_series(0, 15) h;
-- 1000 slots of 16 counter rows that never fill, so that no two bookers
-- meet and every counter update stays HOT
INSERT INTO bench.ew_slot (office_id, slot_id, shard, lane, local_date, starts_at, ends_at, opens_at,
                           capacity, booked, is_full)
SELECT 1, s, h, 'regular', d, (d + time '07:00' + (s % 24) * interval '30 minutes') AT TIME ZONE 'Asia/Jakarta',
       (d + time '07:30' + (s % 24) * interval '30 minutes') AT TIME ZONE 'Asia/Jakarta',
       now() - interval '1 day', 1000000000, 0, false
  FROM generate_series(1, 1000) s, generate_series(0, 15) h,
       LATERAL (SELECT (now() AT TIME ZONE 'Asia/Jakarta')::date + 1 + s / 24) x(d);

-- The equal-guarantee PL/pgSQL baseline (bench/plpgsql_full.pgbench): what
-- a team would write instead of the C booking, with its guarantees -- a
-- valid NIK matching the birth date, a known channel, lane and service,
-- one active reservation per NIK across offices (with the cooldown), the
-- sender limit, idempotency by the client's key (a retry of the same
-- request, or a racing duplicate, gets the first answer; another request
-- under the key is refused), an unguessable number, the confirmation
-- message in the outbox with its notification, no overbooking under
-- concurrency (the earliest free counter row nobody holds, SKIP LOCKED,
-- waiting only when every candidate is held) and a read-only sold-out
-- answer -- on copies of the real tables, with the office PLPG holding
-- the same counter rows as RUSH.
SELECT bench.copy_table('passport.slot', 'bench.pl_slot');
SELECT bench.copy_table('passport.reservation', 'bench.pl_reservation');
SELECT bench.copy_table('passport.nik_guard', 'bench.pl_nik_guard');
SELECT bench.copy_table('passport.sender_guard', 'bench.pl_sender_guard');
SELECT bench.copy_table('passport.outbox', 'bench.pl_outbox');
INSERT INTO bench.pl_slot (office_id, slot_id, shard, lane, local_date, starts_at, ends_at, opens_at,
                           capacity, booked, is_full)
SELECT passport.office_id('PLPG'), slot_id, shard, lane, local_date, starts_at, ends_at, opens_at,
       capacity, booked, is_full
  FROM passport.slot WHERE office_id = passport.office_id('RUSH');

CREATE FUNCTION bench.plpgsql_book(p_office text, p_service text, p_lane text, p_nik text,
                                   p_name text, p_birth date, p_channel text, p_sender text,
                                   p_key text)
  RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz := now();
  v_nik record;
  v_sender text;
  v_office passport.office;
  v_found record;
  v_code text;
  v_slot record;
  v_token bigint;
BEGIN
  -- input: a structurally valid NIK that encodes the birth date, a phone number
  v_nik := passport.nik_parts(p_nik);
  IF to_char(v_nik.birth_date, 'DDMMYY') <> to_char(p_birth, 'DDMMYY') THEN
    RAISE EXCEPTION 'NIK does not match the birth date' USING ERRCODE = 'PP103';
  END IF;
  v_sender := passport.normalize_phone(p_sender);
  SELECT * INTO v_office FROM passport.office o WHERE o.code = upper(p_office);
  IF NOT FOUND OR NOT v_office.active THEN
    RAISE EXCEPTION 'unknown office "%"', p_office USING ERRCODE = 'PP011';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM passport.lane l WHERE l.lane_code = p_lane AND l.bookable)
     OR NOT EXISTS (SELECT 1 FROM passport.service s WHERE s.service_code = p_service)
     OR NOT EXISTS (SELECT 1 FROM passport.channel c WHERE c.channel = p_channel) THEN
    RAISE EXCEPTION 'unknown or unbookable lane, service or channel' USING ERRCODE = '22023';
  END IF;

  -- a retry of the same request by the same client gets the first answer
  SELECT r.code, r.nik, r.full_name, r.birth_date, r.service, r.lane INTO v_found
    FROM bench.pl_reservation r
   WHERE r.office_id = v_office.office_id AND r.channel = p_channel
     AND coalesce(r.sender, '') = coalesce(v_sender, '') AND r.idempotency_key = p_key;
  IF FOUND THEN
    IF (v_found.nik, v_found.full_name, v_found.birth_date, v_found.service, v_found.lane)
       IS DISTINCT FROM (p_nik, p_name, p_birth, p_service, p_lane) THEN
      RAISE EXCEPTION 'idempotency key "%" was already used for another request', p_key USING ERRCODE = 'PP010';
    END IF;
    RETURN v_found.code;
  END IF;

  -- sold out: answered reading only
  IF NOT EXISTS (SELECT 1 FROM bench.pl_slot c
                  WHERE c.office_id = v_office.office_id AND c.lane = p_lane AND NOT c.is_full
                    AND c.starts_at >= v_now AND c.opens_at <= v_now) THEN
    RAISE EXCEPTION 'no free place at office "%"', v_office.code USING ERRCODE = 'PP001';
  END IF;

  -- the number, the NIK's one active reservation, the sender's count
  v_code := passport.issue_reservation_number(v_office.office_id);
  v_token := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint * 1024 + (random() * 1023)::int;
  INSERT INTO bench.pl_nik_guard AS g (nik, office_id, code, token, claimed_at)
  VALUES (p_nik, v_office.office_id, v_code, v_token, clock_timestamp())
  ON CONFLICT (nik) DO UPDATE SET office_id = excluded.office_id, code = excluded.code,
                                  token = excluded.token, claimed_at = excluded.claimed_at,
                                  cooldown_until = NULL
   WHERE g.token IS NULL AND (g.cooldown_until IS NULL OR g.cooldown_until <= v_now);
  IF NOT FOUND THEN
    -- perhaps the same request, committed while this one waited on the NIK
    SELECT r.code INTO v_code FROM bench.pl_reservation r
     WHERE r.office_id = v_office.office_id AND r.channel = p_channel
       AND coalesce(r.sender, '') = coalesce(v_sender, '') AND r.idempotency_key = p_key
       AND r.nik = p_nik;
    IF FOUND THEN
      RETURN v_code;
    END IF;
    RAISE EXCEPTION 'this NIK already has an active reservation' USING ERRCODE = 'PP003';
  END IF;
  -- every booking with a sender counts (a single node: the reservation's
  -- end gives the place back, once)
  IF v_sender IS NOT NULL THEN
    INSERT INTO bench.pl_sender_guard AS g (sender, active) VALUES (v_sender, 1)
    ON CONFLICT (sender) DO UPDATE SET active = g.active + 1
     WHERE g.active < coalesce(nullif(current_setting('passport.max_active_per_sender')::integer, 0), 2147483647);
    IF NOT FOUND THEN
      RAISE EXCEPTION 'this sender already holds the most active reservations' USING ERRCODE = 'PP004';
    END IF;
  END IF;

  -- the place: the earliest free counter row nobody holds; when every
  -- candidate is held, wait for the first one
  UPDATE bench.pl_slot s SET booked = s.booked + 1, is_full = (s.booked + 1 >= s.capacity)
   WHERE (s.office_id, s.slot_id, s.shard) =
         (SELECT c.office_id, c.slot_id, c.shard FROM bench.pl_slot c
           WHERE c.office_id = v_office.office_id AND c.lane = p_lane AND NOT c.is_full
             AND c.starts_at >= v_now AND c.opens_at <= v_now
           ORDER BY c.starts_at, c.shard LIMIT 1 FOR UPDATE SKIP LOCKED)
     AND s.booked < s.capacity
  RETURNING s.slot_id, s.shard, s.local_date, s.starts_at, s.ends_at INTO v_slot;
  IF NOT FOUND THEN
    UPDATE bench.pl_slot s SET booked = s.booked + 1, is_full = (s.booked + 1 >= s.capacity)
     WHERE (s.office_id, s.slot_id, s.shard) =
           (SELECT c.office_id, c.slot_id, c.shard FROM bench.pl_slot c
             WHERE c.office_id = v_office.office_id AND c.lane = p_lane AND NOT c.is_full
               AND c.starts_at >= v_now AND c.opens_at <= v_now
             ORDER BY c.starts_at, c.shard LIMIT 1 FOR UPDATE)
       AND s.booked < s.capacity
    RETURNING s.slot_id, s.shard, s.local_date, s.starts_at, s.ends_at INTO v_slot;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no free place at office "%"', v_office.code USING ERRCODE = 'PP001';
    END IF;
  END IF;

  INSERT INTO bench.pl_reservation (office_id, code, slot_id, shard, lane, service, local_date,
    starts_at, ends_at, status, nik, full_name, birth_date, phone, channel, sender,
    idempotency_key, created_at, status_at, claim_token)
  VALUES (v_office.office_id, v_code, v_slot.slot_id, v_slot.shard, p_lane, p_service,
          v_slot.local_date, v_slot.starts_at, v_slot.ends_at, 'booked', p_nik, p_name, p_birth,
          NULL, p_channel, v_sender, p_key, v_now, v_now, v_token);
  IF v_sender IS NOT NULL THEN
    INSERT INTO bench.pl_outbox (office_id, channel, recipient, template, payload, available_at, created_at)
    VALUES (v_office.office_id, p_channel, v_sender, 'reservation_confirmed',
            jsonb_build_object('reservation_number', v_code, 'office', v_office.name,
                               'date', v_slot.local_date,
                               'time', to_char(v_slot.starts_at AT TIME ZONE v_office.time_zone, 'HH24:MI')),
            v_now, v_now);
    -- the adapters' wake-up, when passport's outbox sends one (the
    -- setting passport.outbox_notify, off by default)
    IF current_setting('passport.outbox_notify', true) = 'on' THEN
      PERFORM pg_notify('bench_outbox', p_channel);
    END IF;
  END IF;
  RETURN v_code;
END $$;

-- The transition ceiling (bench/transition_ceiling.pgbench): the same move
-- of the same applications on copies of the application tables (with the
-- history's foreign key), one statement.
SELECT bench.copy_table('passport.application', 'bench.tr_application');
SELECT bench.copy_table('passport.application_event', 'bench.tr_event');
ALTER TABLE bench.tr_event ADD FOREIGN KEY (office_id, application_number)
  REFERENCES bench.tr_application (office_id, application_number);
INSERT INTO bench.tr_application SELECT a.* FROM passport.application a
  JOIN bench.app_pool p ON a.office_id = p.office_id AND a.application_number = p.num;
INSERT INTO bench.tr_event SELECT e.* FROM passport.application_event e
  JOIN bench.app_pool p ON e.office_id = p.office_id AND e.application_number = p.num;

-- Its ceiling with the applicant's message (bench/transition_message_ceiling.pgbench):
-- the same applications with a phone, a copy of the outbox, one statement.
INSERT INTO bench.tr_application SELECT a.* FROM passport.application a
  JOIN bench.app_pool_phone p ON a.office_id = p.office_id AND a.application_number = p.num;
INSERT INTO bench.tr_event SELECT e.* FROM passport.application_event e
  JOIN bench.app_pool_phone p ON e.office_id = p.office_id AND e.application_number = p.num;
SELECT bench.copy_table('passport.outbox', 'bench.tr_outbox');

-- The call_next ceiling on a copy of the ticket table (bench/call_next_ceiling_eq.pgbench):
-- the same tickets, the same pick (SKIP LOCKED) and update, one statement.
SELECT bench.copy_table('passport.queue_ticket', 'bench.cn_ticket');
-- (office 1 and day 2000-01-01 stand for the queue office and today)
INSERT INTO bench.cn_ticket (office_id, ticket_id, local_date, lane, number, code, source,
                             issued_at, call_order, queue_at)
SELECT 1, t.ticket_id, date '2000-01-01', t.lane, t.number, t.code, t.source, t.issued_at,
       t.call_order, t.queue_at
  FROM passport.queue_ticket t WHERE t.office_id = passport.office_id('QUEUE');

-- The outbox ceiling per message on a copy of the outbox
-- (bench/outbox_ceiling_eq.pgbench): the same messages; one statement
-- takes 10 due ones (SKIP LOCKED) and marks them sent.
SELECT bench.copy_table('passport.outbox', 'bench.ob_outbox');
INSERT INTO bench.ob_outbox SELECT o.* FROM passport.outbox o WHERE o.channel = 'bench';

-- A quota release (bench/scenarios/release.scn): a new office whose first
-- released day holds about places places (16 slots of 16 counter rows);
-- returns its code.
CREATE SEQUENCE bench.release_seq;
CREATE FUNCTION bench.release_office(places integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_code text := 'REL' || nextval('bench.release_seq');
  v_day date := (now() AT TIME ZONE 'Asia/Jakarta')::date + 1;
BEGIN
  PERFORM passport.create_office(v_code, 'Bench quota release', 'kanim', 'Asia/Jakarta', slot_shards => 16);
  PERFORM passport.add_capacity_rule(v_code, d, 'regular', '08:00', '16:00', 30, greatest(16, places / 16))
     FROM generate_series(1, 7) d;
  -- the first day that is not a holiday
  WHILE passport.release_slots(v_code, v_day, v_day) = 0 AND v_day < (now() AT TIME ZONE 'Asia/Jakarta')::date + 30 LOOP
    v_day := v_day + 1;
  END LOOP;
  RETURN v_code;
END $$;
