-- DROP EXTENSION leaves nothing behind; the extension can be created again.
DROP EXTENSION passport;
SELECT count(*) AS schemas FROM pg_namespace WHERE nspname = 'passport';
SELECT count(*) AS functions FROM pg_proc WHERE probin LIKE '%passport%';
SELECT count(*) AS relations FROM pg_class WHERE relname IN ('reservation', 'slot', 'office', 'secret', 'nik_guard');
SELECT count(*) AS dependents FROM pg_depend d WHERE d.refclassid = 'pg_extension'::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_extension e WHERE e.oid = d.refobjid);
CREATE EXTENSION passport;
SELECT count(*) AS offices, (SELECT count(*) FROM passport.secret) AS keys FROM passport.office;
DROP EXTENSION passport;
SELECT count(*) AS schemas FROM pg_namespace WHERE nspname = 'passport';
