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
