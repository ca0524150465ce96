-- A quota-release rush on Batam: bots request Monday 7 December at once.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS demo CASCADE;
CREATE SCHEMA demo;
CREATE TABLE demo.attempt (bot int, outcome text, sqlstate text, reservation_number text,
                           start_time time, at timestamptz DEFAULT clock_timestamp());
CREATE SEQUENCE demo.applicant;
-- one bot request: a fresh applicant (valid NIK), the bot's own phone as sender
CREATE FUNCTION demo.bot_request(bot int, n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  i bigint := nextval('demo.applicant');
  nik text := '2171' || lpad((i % 99 + 1)::text, 2, '0') || '0101' || '90' || lpad((i % 9999 + 1)::text, 4, '0');
  b passport.booking;
BEGIN
  nik := '21' || lpad(((i / 9999) % 99 + 1)::text, 2, '0') || lpad((i % 99 + 1)::text, 2, '0') || '010190'
         || lpad((i % 9999 + 1)::text, 4, '0');
  b := passport.reserve('BTM', 'renewal', 'regular', '2026-12-07', nik, 'Pemohon ' || i, '1990-01-01',
                        NULL, 'whatsapp', '+62811' || lpad((bot * 1000 + i % 1000)::text, 8, '0'),
                        'wamid.' || i);
  INSERT INTO demo.attempt VALUES (bot, 'booked', NULL, b.reservation_number, b.start_time);
  RETURN 'booked';
EXCEPTION WHEN SQLSTATE 'PP001' OR SQLSTATE 'PP004' THEN
  INSERT INTO demo.attempt VALUES (bot, CASE SQLSTATE WHEN 'PP001' THEN 'sold out' ELSE 'sender limit' END, SQLSTATE);
  RETURN SQLSTATE;
END $$;
