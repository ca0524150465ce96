-- The application engine's contract: every allowed transition succeeds and
-- writes its history row, every other one raises PP012; guards; the history
-- is append-only for every role; tariff arithmetic; working days.
BEGIN;
SELECT plan(269);
SET LOCAL passport.now_override = '2026-12-04 09:00+07';
SELECT passport.setup_roles();
SELECT passport.create_office('TRX', 'Kanim Transisi', 'kanim', 'Asia/Jakarta');
CREATE SEQUENCE pg_temp.nik_seq;
-- a fresh walk-in application put directly into a status (test set-up only)
CREATE FUNCTION pg_temp.app_in(st text, phone text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n bigint := nextval('pg_temp.nik_seq');
  num text;
BEGIN
  num := (passport.open_walk_in('TRX', 'priority', 'renewal', '317101010150' || lpad(n::text, 4, '0'),
                                'Uji ' || n, '1950-01-01', phone)).application_number;
  IF st <> 'submitted' THEN
    UPDATE passport.application SET status = st, version = 2, incomplete_until = passport.now() + interval '1 day'
     WHERE application_number = num;
    INSERT INTO passport.application_event (office_id, application_number, seq, from_status, to_status,
                                            actor, actor_role, channel, at, reason)
    SELECT office_id, num, 2, 'submitted', st, 'test', 'officer', 'test', passport.now(), 'set-up'
      FROM passport.application WHERE application_number = num;
  END IF;
  RETURN num;
END $$;

-- every ordered pair of distinct statuses: 15 x 14 = 210
SELECT CASE WHEN m.allowed
            THEN lives_ok(format('SELECT passport.transition(%L, %L, %L)', pg_temp.app_in(m.f), m.t, m.f),
                          format('%s -> %s is allowed', m.f, m.t))
            ELSE throws_ok(format('SELECT passport.transition(%L, %L, %L)', pg_temp.app_in(m.f), m.t, m.f),
                           'PP012', NULL, format('%s -> %s is refused with PP012', m.f, m.t))
       END
  FROM (SELECT f.status AS f, t.status AS t, f.ordinal AS fo, t.ordinal AS tor,
               EXISTS (SELECT 1 FROM passport.transition x
                        WHERE x.from_status = f.status AND x.to_status = t.status
                          AND x.actor_role IN ('officer', 'admin')) AS allowed
          FROM passport.application_status f, passport.application_status t
         WHERE f.status <> t.status) m
 ORDER BY m.fo, m.tor;

SELECT is((SELECT count(*)::int FROM passport.application a
            WHERE a.version <> (SELECT count(*) FROM passport.application_event e
                                 WHERE e.office_id = a.office_id AND e.application_number = a.application_number)),
          0, 'every application has exactly one history row per version');

-- guards
CREATE TEMP TABLE late AS SELECT pg_temp.app_in('incomplete') AS num;
UPDATE passport.application SET incomplete_until = passport.now() - interval '1 minute'
 WHERE application_number = (SELECT num FROM late);
SELECT throws_ok(format('SELECT passport.transition(%L, %L, %L)', (SELECT num FROM late), 'submitted', 'incomplete'),
                 'PP012', NULL, 'documents completed after their deadline are refused');

-- a move that names the status it expects is one statement on a single node;
-- the same move without an expectation locks the row, then checks it: both
-- answer alike, write the same history row and row, and queue the same message
CREATE TEMP TABLE pair AS
  SELECT m.f, m.t, pg_temp.app_in(m.f, '0812-3456-7890') AS fast, pg_temp.app_in(m.f, '0812-3456-7890') AS slow
    FROM (VALUES ('printed', 'ready'), ('submitted', 'incomplete'), ('incomplete', 'submitted'),
                 ('verified', 'interviewed'), ('ready', 'collected')) m (f, t);
CREATE TEMP TABLE answer AS
  SELECT p.f, p.t, 'fast' AS path, s.*
    FROM pair p, passport.transition(p.fast, p.t, p.f, CASE p.f WHEN 'submitted' THEN 1 ELSE 2 END,
                                     'checked', 'web') s
  UNION ALL
  SELECT p.f, p.t, 'slow', s.*
    FROM pair p, passport.transition(p.slow, p.t, NULL, NULL, 'checked', 'web') s;
SELECT is((SELECT count(*)::int FROM answer WHERE status = t AND version = CASE f WHEN 'submitted' THEN 2 ELSE 3 END),
          10, 'every move of both paths is made, to the next version');
SELECT is((SELECT count(*)::int FROM (SELECT f, t, office_code, status, version, status_at, promised_ready_on,
                                             pickup_until, billing_code, amount, billing_expires_at
                                        FROM answer GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
                                      HAVING count(*) = 2) x), 5,
          'a move answers the same whether it names its expected status or not');
SELECT is((SELECT count(*)::int FROM (
            SELECT p.f, p.t, e.seq, e.from_status, e.to_status, e.actor, e.actor_role, e.channel, e.at, e.reason,
                   a.status, a.version, a.status_at, a.incomplete_until, a.promised_ready_on, a.pickup_until
              FROM pair p
              JOIN passport.application a ON a.application_number IN (p.fast, p.slow)
              JOIN passport.application_event e ON e.office_id = a.office_id
                   AND e.application_number = a.application_number AND e.seq = a.version
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
            HAVING count(*) = 2) x), 5,
          'both paths write the same history row and leave the same row');
SELECT is((SELECT count(*)::int FROM passport.application_event e JOIN pair p ON e.application_number = p.fast
            WHERE e.seq = CASE p.f WHEN 'submitted' THEN 2 ELSE 3 END
              AND e.from_status = p.f AND e.to_status = p.t AND e.reason = 'checked'
              AND e.channel = 'web' AND e.actor = current_user),
          5, 'the one-statement move writes its history row with the caller, channel and reason');
SELECT is((SELECT count(*)::int FROM (
            SELECT p.f, p.t, o.channel, o.recipient, o.template, o.payload - 'application_number', o.status,
                   o.available_at
              FROM pair p
              JOIN passport.outbox o ON o.payload ->> 'application_number' IN (p.fast, p.slow)
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            HAVING count(*) = 2) x), 2,
          'both paths queue the same message for the applicant (to ready and to incomplete)');
SELECT is((SELECT count(*)::int FROM passport.outbox o
             JOIN pair p ON o.payload ->> 'application_number' IN (p.fast, p.slow)), 4,
          'and no other');
-- stale: the row is no longer at the expected version; nothing is written
CREATE TEMP TABLE stale AS SELECT pg_temp.app_in('submitted', '0812-3456-7890') AS num;
SELECT throws_ok(format('SELECT passport.transition(%L, %L, %L, %s)', (SELECT num FROM stale), 'incomplete', 'submitted', 7),
                 'PP013', NULL, 'a stale expected version is refused with PP013');
SELECT throws_ok(format('SELECT passport.transition(%L, %L, %L)', (SELECT num FROM stale), 'incomplete', 'verified'),
                 'PP013', NULL, 'a stale expected status is refused with PP013');
SELECT is((SELECT version FROM passport.application WHERE application_number = (SELECT num FROM stale)), 1,
          'a refused move changes nothing');
-- an officer: bound to the office, the move is made in the officer's name;
-- unbound, refused before anything is read
CREATE ROLE tap_tr_officer IN ROLE passport_officer;
SELECT passport.bind_officer('tap_tr_officer', 'TRX');
CREATE TEMP TABLE desk AS SELECT pg_temp.app_in('submitted') AS num;
GRANT SELECT ON desk TO tap_tr_officer;
SET LOCAL ROLE tap_tr_officer;
SELECT is((SELECT status FROM passport.transition((SELECT num FROM desk), 'verified', 'submitted')), 'verified',
          'a bound officer makes the move');
RESET ROLE;
SELECT is((SELECT actor || '/' || actor_role FROM passport.application_event
            WHERE application_number = (SELECT num FROM desk) AND seq = 2), 'tap_tr_officer/officer',
          'in the officer''s name and role');
SELECT passport.unbind_officer('tap_tr_officer', 'TRX');
SET LOCAL ROLE tap_tr_officer;
SELECT throws_ok(format('SELECT passport.transition(%L, %L, %L)', (SELECT num FROM desk), 'interviewed', 'verified'),
                 '42501', NULL, 'an officer not bound to the office is refused');
RESET ROLE;
SELECT is((SELECT version FROM passport.application WHERE application_number = (SELECT num FROM desk)), 2,
          'and nothing is written');

-- append-only: no application role may change or remove history rows
SELECT ok(NOT has_table_privilege(r, 'passport.application_event', p), format('%s has no %s on the history', r, p))
  FROM unnest(ARRAY['passport_adapter', 'passport_officer', 'passport_reporter', 'passport_admin']) r,
       unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) p;

-- tariff arithmetic for every service, kind and validity (from 2024-12-17)
SELECT is((passport.billing_amount(s.service_code, k.kind, k.validity, false, false, '2025-06-01')).amount,
          k.base + CASE s.service_code WHEN 'lost' THEN 1000000 WHEN 'damaged' THEN 500000 ELSE 0 END::bigint,
          format('%s, %s %s years', s.service_code, k.kind, k.validity))
  FROM passport.service s,
       (VALUES ('regular', 5, 350000::bigint), ('regular', 10, 650000), ('electronic', 5, 650000), ('electronic', 10, 950000)) k(kind, validity, base)
 ORDER BY s.service_code, k.kind, k.validity;
SELECT is((passport.billing_amount('renewal', 'electronic', 10, true, false, '2025-06-01')).amount, 1950000::bigint,
          'percepatan adds 1,000,000');
SELECT is((passport.billing_amount('lost', 'regular', 5, false, true, '2025-06-01')).amount, 350000::bigint,
          'force majeure waives the lost surcharge');
SELECT is((passport.billing_amount('damaged', 'electronic', 10, false, true, '2025-06-01')).amount, 950000::bigint,
          'force majeure waives the damaged surcharge');
SELECT is((passport.billing_amount('new_adult', 'regular', 5, false, false, '2020-01-01')).amount, 350000::bigint,
          'the 2019 table: regular 350,000');
SELECT is((passport.billing_amount('lost', 'electronic', 5, true, false, '2020-01-01')).amount, 2650000::bigint,
          'the 2019 table: electronic 650,000 + percepatan + lost');

-- working days: weekends, national holidays and office closures do not count
SELECT is(passport.add_working_days(passport.office_id('TRX'), '2026-12-04', 3), '2026-12-09'::date,
          'Friday + 3 working days skips the weekend');
SELECT passport.close_day('TRX', '2026-12-08', 'Pemeliharaan');
SELECT is(passport.add_working_days(passport.office_id('TRX'), '2026-12-04', 3), '2026-12-10'::date,
          'an office closure does not count');
SELECT passport.close_day(NULL, '2026-12-09', 'Libur nasional');
SELECT is(passport.add_working_days(passport.office_id('TRX'), '2026-12-04', 3), '2026-12-11'::date,
          'a national holiday does not count');

SELECT * FROM finish();
ROLLBACK;
