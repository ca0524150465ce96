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

-- offices: RUSH (a month, 12 hours a day), HOT (one slot a day, huge), SOLD (one full day)
SELECT passport.create_office('RUSH', 'Bench rush office', 'kanim', 'Asia/Jakarta', slot_shards => 16);
SELECT passport.create_office('HOT', 'Bench hot slot office', 'kanim', 'Asia/Jakarta', slot_shards => 16);
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
-- of a plain table in one statement
INSERT INTO passport.outbox (office_id, channel, recipient, template, payload, available_at, created_at)
SELECT passport.office_id('QUEUE'), 'bench', '+62812' || lpad(i::text, 8, '0'), 'reservation_confirmed',
       jsonb_build_object('reservation_number', 'R' || i, 'office', 'Bench', 'date', '2026-12-07', 'time', '08:00'),
       now() - interval '1 hour', now()
  FROM generate_series(1, 300000) i;
CREATE TABLE bench.ob (id bigserial PRIMARY KEY, channel text NOT NULL, status text NOT NULL, body text)
  WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
INSERT INTO bench.ob (channel, status, body) SELECT 'bench', 'pending', 'message ' || i FROM generate_series(1, 300000) i;
CREATE INDEX ON bench.ob (channel, id) WHERE status = 'pending';

-- conversations: many senders, menu navigation mixed with free text
CREATE SEQUENCE bench.msg_seq CACHE 64;

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
