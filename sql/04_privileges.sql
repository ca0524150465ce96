-- Privileges: nothing for PUBLIC; group roles from setup_roles(); officers see their office only.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
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

-- no function, table, sequence or type of the extension is open to PUBLIC
SELECT count(*) AS public_functions FROM pg_proc p
 WHERE p.pronamespace = 'passport'::regnamespace
   AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0));
SELECT count(*) AS public_relations FROM pg_class c
 WHERE c.relnamespace = 'passport'::regnamespace
   AND EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = 0);
SELECT count(*) AS security_definer_without_search_path FROM pg_proc p
 WHERE p.pronamespace = 'passport'::regnamespace AND p.prosecdef
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%');
SELECT count(*) AS uncommented FROM pg_proc p
 WHERE p.pronamespace = 'passport'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT count(*) AS uncommented_relations FROM pg_class c
 WHERE c.relnamespace = 'passport'::regnamespace AND c.relkind IN ('r', 'v', 'S')
   AND obj_description(c.oid, 'pg_class') IS NULL;

-- group roles, idempotently
SELECT count(*) >= 0 AS setup_ran FROM passport.setup_roles();
SELECT * FROM passport.setup_roles();
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'passport\_%' ORDER BY 1;
-- the grants are exactly the privilege model's rows
SELECT count(*) AS granted_not_in_model FROM
  (SELECT * FROM passport.granted_privileges() EXCEPT SELECT * FROM passport.role_privilege) x;
SELECT count(*) AS in_model_not_granted FROM
  (SELECT * FROM passport.role_privilege EXCEPT SELECT * FROM passport.granted_privileges()) x;
-- a pre-existing role of a group role's name that can log in is refused
ALTER ROLE passport_reporter LOGIN;
SELECT pg_temp.try($$SELECT passport.setup_roles()$$);
ALTER ROLE passport_reporter NOLOGIN;

CREATE ROLE regress_nobody;
CREATE ROLE regress_bot IN ROLE passport_adapter;
CREATE ROLE regress_officer IN ROLE passport_officer;
CREATE ROLE regress_reporter IN ROLE passport_reporter;
CREATE ROLE regress_admin IN ROLE passport_admin;

-- a role without grants can neither read nor call
SET ROLE regress_nobody;
SELECT pg_temp.try($$SELECT count(*) FROM passport.reservation$$);
SELECT pg_temp.try($$SELECT count(*) FROM passport.office$$);
SELECT pg_temp.try($$SELECT passport.now()$$);
SELECT pg_temp.try($$SELECT passport.reserve('JKS', 'new_adult', 'regular', '2026-12-10', '3171014708900020', 'X', '1990-08-07')$$);
RESET ROLE;

-- an adapter books through the function but reads no table (the clock is
-- pinned by the superuser running the suite: the adapter may not pin it)
SET passport.now_override = '2026-12-02 09:00+07';
SET ROLE regress_bot;
SELECT status, local_date, start_time FROM passport.reserve('JKS', 'new_adult', 'regular', '2026-12-10', '3171014708900020', 'Adapter Uji', '1990-08-07', NULL, 'app', 'dev-20');
SELECT pg_temp.try($$SELECT count(*) FROM passport.reservation$$);
SELECT pg_temp.try($$SELECT count(*) FROM passport.secret$$);
SELECT pg_temp.try($$SELECT passport.issue_reservation_number(1)$$);
SELECT pg_temp.try($$SELECT passport.create_office('XX', 'x', 'kanim', 'Asia/Jakarta')$$);
SELECT pg_temp.try($$SELECT passport.check_in('ABCDE-FGHJK')$$);
RESET ROLE;

-- an officer sees the reservations of the offices named in passport.office
-- only, and names only offices it is bound to
SELECT passport.bind_officer('regress_officer', 'JKS'), passport.bind_officer('regress_officer', 'MKS');
SET ROLE regress_officer;
SELECT count(*) AS without_office FROM passport.reservation;
BEGIN;
SET LOCAL passport.office = 'JKS';
SELECT count(*) > 0 AS jks_rows, bool_and(office_id = (SELECT o.office_id FROM passport.office o WHERE o.code = 'JKS')) AS only_jks FROM passport.reservation;
COMMIT;
SET passport.office = 'MKS';
SELECT count(*) AS mks_rows, bool_and(office_id = (SELECT o.office_id FROM passport.office o WHERE o.code = 'MKS')) AS only_mks FROM passport.reservation;
SET passport.office = 'JKS, mks';
SELECT count(DISTINCT office_id) AS offices_seen FROM passport.reservation;
SELECT pg_temp.try($$SET passport.office = 'JYP'$$);
SELECT pg_temp.try($$SET passport.office = 'NOPE'$$);
SELECT current_setting('passport.office') AS office_after_refusals;
RESET passport.office;
SELECT pg_temp.try($$SELECT count(*) FROM passport.secret$$);
SELECT pg_temp.try($$SELECT passport.release_slots('JKS', '2027-01-01', '2027-01-31')$$);
RESET ROLE;

-- a reporter reads aggregates, never personal data
SET ROLE regress_reporter;
SELECT count(*) > 0 AS overview_rows FROM passport.capacity_overview;
SELECT pg_temp.try($$SELECT nik FROM passport.reservation$$);
SELECT pg_temp.try($$SELECT count(*) FROM passport.nik_guard$$);
RESET ROLE;

-- an administrator runs the catalog but cannot read the key
SET ROLE regress_admin;
SELECT passport.create_office('BPN', 'Kantor Imigrasi Balikpapan', 'kanim', 'Asia/Makassar') > 0 AS created;
SELECT count(*) > 0 AS sees_all_reservations FROM passport.reservation;
SELECT pg_temp.try($$SELECT count(*) FROM passport.secret$$);
RESET ROLE;

DROP ROLE regress_nobody, regress_bot, regress_officer, regress_reporter, regress_admin;
