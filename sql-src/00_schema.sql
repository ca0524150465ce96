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
