--------------------------------------------------------------------------
-- Numbers per office: the counters behind reservation numbers, application
-- numbers and billing codes live in rows of their office, so that they do
-- not depend on which node of a cluster issues them
--------------------------------------------------------------------------

-- A number already carries its office; its counter is the office's. The
-- reservation counter is striped (a booking takes the first stripe nobody
-- holds, as it takes a slot's counter row), so concurrent bookers of one
-- office do not queue on one row: the counter value is n * 16 + stripe for
-- the stripe's n-th number. Application numbers and billing codes have one
-- stripe each.
CREATE TABLE passport.office_counter (
  office_id  bigint   NOT NULL,
  kind       text     NOT NULL,
  stripe     smallint NOT NULL,
  last_value bigint   NOT NULL,
  CONSTRAINT office_counter_pkey PRIMARY KEY (office_id, kind, stripe),
  CONSTRAINT office_counter_kind_known CHECK (kind IN ('reservation', 'application', 'billing')),
  CONSTRAINT office_counter_values_valid CHECK (stripe >= 0 AND last_value >= 0)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
        autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
COMMENT ON TABLE passport.office_counter IS
  'Per office and kind of number, the last counter value drawn (per stripe): reservation numbers (16 stripes, value n * 16 + stripe; a backend draws them in blocks of 32 and issues a block''s values itself), application numbers and billing codes (one stripe, one value per draw). Created with the first number an office issues.';
REVOKE ALL ON passport.office_counter FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('passport.office_counter', '');

-- 0.1 drew every office's numbers from one sequence each: every office
-- starts past the values those sequences reached, so no number repeats
INSERT INTO passport.office_counter (office_id, kind, stripe, last_value)
SELECT o.office_id, 'reservation', s, (SELECT CASE WHEN q.is_called THEN q.last_value ELSE 0 END
                                         FROM passport.reservation_number_seq q) / 16 + 1
  FROM passport.office o, pg_catalog.generate_series(0, 15) s
UNION ALL
SELECT o.office_id, 'application', 0, (SELECT CASE WHEN q.is_called THEN q.last_value ELSE 0 END
                                         FROM passport.application_number_seq q)
  FROM passport.office o
UNION ALL
SELECT o.office_id, 'billing', 0, (SELECT CASE WHEN q.is_called THEN q.last_value ELSE 0 END
                                     FROM passport.billing_code_seq q)
  FROM passport.office o;

ALTER EXTENSION passport DROP SEQUENCE passport.reservation_number_seq;
DROP SEQUENCE passport.reservation_number_seq;
ALTER EXTENSION passport DROP SEQUENCE passport.application_number_seq;
DROP SEQUENCE passport.application_number_seq;
ALTER EXTENSION passport DROP SEQUENCE passport.billing_code_seq;
DROP SEQUENCE passport.billing_code_seq;

INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege) VALUES
  ('passport_admin', 'table', 'passport.office_counter', 'SELECT');

CREATE OR REPLACE FUNCTION passport.issue_reservation_number(office_id bigint)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_issue_reservation_number_0_2'
  LANGUAGE C VOLATILE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.issue_reservation_number(bigint) IS
  'Issues the next reservation number of an office: FF1 encryption of the office and the office''s counter, unique without retries.';

CREATE OR REPLACE FUNCTION passport.reservation_number_office(reservation_number text)
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'passport_reservation_number_office_0_2'
  LANGUAGE C STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.issue_application_number(office_id bigint)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_issue_application_number_0_2'
  LANGUAGE C VOLATILE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION passport.issue_billing_code(office_id bigint)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_issue_billing_code_0_2'
  LANGUAGE C VOLATILE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
