-- Identifiers: reservation numbers, application numbers, billing codes, NIK, phones.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-01 09:00+07';
-- Runs a statement; shows 'ok' or its SQLSTATE, message and detail, with
-- reservation numbers (random per installation) masked.
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN regexp_replace(SQLSTATE || ': ' || SQLERRM || coalesce(' | ' || nullif(d, ''), ''),
                        '[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}', '#####-#####', 'g');
END $$;

-- issued numbers are well formed, unique and carry their office
CREATE TEMP TABLE issued AS
  SELECT passport.issue_reservation_number(o) AS code, o AS office
    FROM generate_series(1, 3) o, generate_series(1, 500) i;
SELECT count(*) AS issued, count(DISTINCT code) AS distinct_codes,
       bool_and(code ~ '^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$') AS shaped,
       bool_and(passport.reservation_number_office(code) = office) AS office_recovered
  FROM issued;

-- a backend draws numbers in blocks of 32: the counter row moves once
-- for ten numbers
SELECT count(DISTINCT passport.issue_reservation_number(4008)) AS issued FROM generate_series(1, 10);
SELECT count(*) FILTER (WHERE last_value > 0) AS stripes_drawn, sum(last_value) AS values_drawn
  FROM passport.office_counter WHERE office_id = 4008 AND kind = 'reservation';
-- a block drawn in a savepoint or transaction that rolls back is forgotten
-- with it: the next number comes from a block the counter knows
BEGIN;
SAVEPOINT before;
SELECT passport.issue_reservation_number(4007) IS NOT NULL AS issued_in_savepoint;
ROLLBACK TO SAVEPOINT before;
SELECT passport.reservation_number_office(passport.issue_reservation_number(4007)) AS office_after_savepoint;
ROLLBACK;
SELECT passport.reservation_number_office(passport.issue_reservation_number(4007)) AS office_after_rollback;
-- blocks of a counter table that was replaced are void: after a TRUNCATE
-- the next number comes from a block the new table knows
BEGIN;
SELECT passport.issue_reservation_number(4009) IS NOT NULL AS issued_before_truncate;
TRUNCATE passport.office_counter;
SELECT passport.reservation_number_office(passport.issue_reservation_number(4009)) AS office_after_truncate;
ROLLBACK;

-- typing: case, O/0, I/L/1, spaces and dashes do not matter
SELECT passport.normalize_reservation_number(lower(replace(code, '-', ' '))) = code AS lower_spaced
  FROM issued LIMIT 1;
SELECT passport.normalize_reservation_number(translate(code, '01', 'OL')) = code AS aliases
  FROM issued WHERE code ~ '[01]' LIMIT 1;

-- each error says what is wrong
SELECT pg_temp.try($$SELECT passport.normalize_reservation_number('ABCDE-FGHJ')$$);
SELECT pg_temp.try($$SELECT passport.normalize_reservation_number('ABCUE-FGHJK')$$);
SELECT pg_temp.try($$SELECT passport.normalize_reservation_number('ABCDE-FGHJK')$$);
SELECT pg_temp.try($$SELECT passport.normalize_reservation_number('')$$);
SELECT passport.is_reservation_number('ABCDE-FGHJK') AS bad_check,
       passport.is_reservation_number((SELECT code FROM issued LIMIT 1)) AS good;
-- a well-formed number this installation never issued has no office
SELECT passport.reservation_number_office('00000-00000') AS never_issued;

-- application numbers and billing codes: Damm check digit, office inside
SELECT length(a) = 16 AND passport.normalize_application_number(a) = a AS app_ok,
       passport.application_number_office(a) AS app_office,
       length(b) = 15 AND passport.normalize_billing_code(b) = b AS billing_ok,
       passport.billing_code_office(b) AS billing_office
  FROM (SELECT passport.issue_application_number(2) AS a, passport.issue_billing_code(3) AS b) x;
SELECT pg_temp.try($$SELECT passport.normalize_application_number('123456789012345')$$);
SELECT pg_temp.try($$SELECT passport.normalize_application_number('12345678901234x5')$$);
SELECT pg_temp.try($$SELECT passport.normalize_application_number('1234567890123451')$$);
SELECT pg_temp.try($$SELECT passport.normalize_billing_code('1234567890123')$$);
SELECT pg_temp.try($$SELECT passport.issue_application_number(5000)$$);

-- NIK: parts, and a precise reason for each impossible NIK
SELECT * FROM passport.nik_parts('3171014708900001');
SELECT * FROM passport.nik_parts('3273 0101 0705 0002');
SELECT nik, passport.nik_problem(nik) FROM (VALUES
  ('3171014708900001'), ('317101470890001'), ('31710147089000A1'), ('9971014708900001'),
  ('3100014708900001'), ('3171004708900001'), ('3171013508900001'), ('3171011513900001'),
  ('3171013002900001'), ('3171014708900000')) v(nik);
SELECT pg_temp.try($$SELECT passport.nik_parts('3171013002900001')$$);

-- phone numbers to E.164
SELECT p, passport.normalize_phone(p) FROM (VALUES
  ('0812-3456-7890'), ('6281234567890'), ('+62 812 3456 7890'), ('(0812) 3456.7890'),
  ('+44 20 7946 0958')) v(p);
SELECT pg_temp.try($$SELECT passport.normalize_phone('021-555-1234')$$);
SELECT pg_temp.try($$SELECT passport.normalize_phone('0812')$$);
SELECT pg_temp.try($$SELECT passport.normalize_phone('0812-3456-7890-1234')$$);
SELECT pg_temp.try($$SELECT passport.normalize_phone('0812 abc')$$);

-- the installation key: 32 bytes, exactly one after CREATE EXTENSION
SELECT count(*), bool_and(length(key) = 32) FROM passport.secret;
