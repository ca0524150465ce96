--------------------------------------------------------------------------
-- Reservations in 0.2: check-in checks the officer's office
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION passport.check_in(reservation_number text, office_code text DEFAULT NULL)
  RETURNS passport.booking
  AS 'MODULE_PATHNAME', 'passport_check_in_0_2'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
