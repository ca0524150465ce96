--------------------------------------------------------------------------
-- Applications and payments in 0.2: officers act on their offices only;
-- payments come from the bank's role only, with a national NTPN
--------------------------------------------------------------------------

-- An NTPN (the state revenue system's transaction number) pays one billing
-- of one office, once: unique nationally, keyed by itself so that it can be
-- distributed by NTPN while billings are distributed by office.
CREATE TABLE passport.ntpn (
  ntpn         text        NOT NULL,
  office_id    bigint      NOT NULL,
  billing_code text        NOT NULL,
  paid_at      timestamptz NOT NULL,
  CONSTRAINT ntpn_pkey PRIMARY KEY (ntpn)
);
COMMENT ON TABLE passport.ntpn IS
  'Every NTPN that paid a billing, nationally unique: a second billing (of any office) paid with the same NTPN is refused (PP020).';
REVOKE ALL ON passport.ntpn FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.ntpn', '');

-- 0.1 kept NTPNs unique per office only; keep the first use of each
DO $$
DECLARE
  dup bigint;
BEGIN
  INSERT INTO passport.ntpn (ntpn, office_id, billing_code, paid_at)
  SELECT DISTINCT ON (b.ntpn) b.ntpn, b.office_id, b.billing_code, b.paid_at
    FROM passport.billing b
   WHERE b.ntpn IS NOT NULL
   ORDER BY b.ntpn, b.paid_at, b.office_id, b.billing_code;
  SELECT pg_catalog.count(*) - pg_catalog.count(DISTINCT b.ntpn) INTO dup
    FROM passport.billing b WHERE b.ntpn IS NOT NULL;
  IF dup > 0 THEN
    RAISE WARNING '% billing(s) were paid with an NTPN that paid another office''s billing first', dup
      USING HINT = 'Compare passport.billing with passport.ntpn and check those payments with the bank.';
  END IF;
END $$;

-- An application's billings, latest first: what every answer of an
-- application function (its latest billing), a status message (its open
-- billing), the paid-move guard and the checks of billing_application_fkey
-- look up. 0.1 had no index on the application's columns, so each of
-- those read every billing of the office.
CREATE INDEX billing_per_application ON passport.billing (office_id, application_number, issued_at);

CREATE OR REPLACE FUNCTION passport.open_application(reservation_number text, passport_kind text DEFAULT 'electronic',
                                                     validity_years integer DEFAULT 10,
                                                     force_majeure boolean DEFAULT false)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_open_application_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.open_walk_in(office_code text, lane text, service text, nik text,
                                                 full_name text, birth_date date, phone text DEFAULT NULL,
                                                 passport_kind text DEFAULT 'electronic',
                                                 validity_years integer DEFAULT 10,
                                                 force_majeure boolean DEFAULT false)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_open_walk_in_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.transition(application_number text, to_status text,
                                               expected_status text DEFAULT NULL,
                                               expected_version integer DEFAULT NULL,
                                               reason text DEFAULT NULL, channel text DEFAULT 'counter')
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_transition_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.confirm_payment(billing_code text, amount bigint, ntpn text,
                                                    paid_at timestamptz DEFAULT NULL)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_confirm_payment_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.confirm_payment(text, bigint, text, timestamptz) IS
  'Bank callback, for the payment role only: marks the billing paid and moves its application to paid, idempotent on the NTPN (a repeated callback answers the same and changes nothing). PP014 wrong amount, PP015 billing expired (now or at paid_at), PP016 already paid with another NTPN, PP020 NTPN already used for another billing; paid_at may not be in the future or before the billing.';

CREATE OR REPLACE FUNCTION passport.add_working_days(office_id bigint, from_date date, days integer)
  RETURNS date
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  d date := from_date;
  n integer := 0;
BEGIN
  IF from_date IS NULL OR days IS NULL THEN
    RAISE EXCEPTION 'from_date and days are required' USING ERRCODE = '22004';
  END IF;
  IF NOT pg_catalog.isfinite(from_date) THEN
    RAISE EXCEPTION 'from_date must be a finite date, not %', from_date USING ERRCODE = '22023';
  END IF;
  IF days < 0 OR days > 366 THEN
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

-- the bank's role confirms payments; adapters (bots) no longer can
DELETE FROM passport.role_privilege
 WHERE role_name = 'passport_adapter' AND object_name = 'passport.confirm_payment(text,bigint,text,timestamp with time zone)';
INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege) VALUES
  ('passport_payment', 'schema', 'passport', 'USAGE'),
  ('passport_payment', 'function', 'passport.now()', 'EXECUTE'),
  ('passport_payment', 'function', 'passport.confirm_payment(text,bigint,text,timestamp with time zone)', 'EXECUTE'),
  ('passport_payment', 'function', 'passport.normalize_billing_code(text)', 'EXECUTE'),
  ('passport_admin', 'table', 'passport.ntpn', 'SELECT');
