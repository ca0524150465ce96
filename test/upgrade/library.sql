-- The window between installing a new library and ALTER EXTENSION UPDATE:
-- the old SQL definitions call into the current library. Every C function
-- of the installed extension is called with NULL arguments, and the API
-- with plausible ones on the demo's data, each in a subtransaction that is
-- rolled back. A call may succeed, raise a clear error, or raise 55000
-- asking for the update; an internal error (XX000) or a schema mismatch
-- (a relation, column or function of the new schema missing: 42P01, 42703,
-- 42883) fails, and a crash would cut the connection. Prints one line per
-- call; exits non-zero on failure.
\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL passport.now_override = '2026-12-07 09:30+07';
CREATE TEMP TABLE call_result (stmt text, outcome text);
CREATE FUNCTION pg_temp.try(stmt text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    EXECUTE stmt;
    INSERT INTO call_result VALUES (stmt, 'returned');
  EXCEPTION WHEN OTHERS THEN
    INSERT INTO call_result VALUES (stmt, SQLSTATE || ' ' || SQLERRM);
  END;
END $$;

-- every C function with NULL arguments
SELECT pg_temp.try(format('SELECT * FROM %s(%s)', p.oid::regproc,
         (SELECT string_agg('NULL::' || format_type(t, NULL), ', ' ORDER BY i)
            FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i))))
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'passport'
 WHERE p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
 ORDER BY p.oid::regprocedure::text;

-- the API on the demo's data
SELECT pg_temp.try(stmt) FROM unnest(ARRAY[
  $q$SELECT passport.reserve('BTM', 'renewal', 'regular', '2026-12-08', '3171014708900031', 'Uji Pustaka', '1990-08-07')$q$,
  $q$SELECT passport.cancel((SELECT min(code) FROM passport.reservation WHERE status = 'booked'), birth_date => '1990-01-01')$q$,
  $q$SELECT passport.reschedule((SELECT min(code) FROM passport.reservation WHERE status = 'booked'), '2026-12-09', birth_date => '1990-01-01')$q$,
  $q$SELECT passport.check_in((SELECT min(code) FROM passport.reservation WHERE status = 'booked' AND local_date = '2026-12-07'), 'BTM')$q$,
  $q$SELECT * FROM passport.sweep('BTM')$q$,
  $q$SELECT passport.open_walk_in('BTM', 'priority', 'renewal', '3171014708900032', 'Uji Pustaka', '1990-08-07')$q$,
  $q$SELECT passport.transition((SELECT min(application_number) FROM passport.application), 'verified')$q$,
  $q$SELECT passport.confirm_payment('000000000000000', 1, 'X')$q$,
  $q$SELECT passport.walk_in_ticket('BTM', 'priority')$q$,
  $q$SELECT passport.call_next('BTM', 'Loket 9')$q$,
  $q$SELECT passport.recall('BTM', 'A-001')$q$,
  $q$SELECT passport.issue_reservation_number(1)$q$,
  $q$SELECT passport.reservation_number_office((SELECT min(code) FROM passport.reservation))$q$,
  $q$SELECT passport.nik_parts('3171014708900031')$q$,
  $q$SELECT passport.normalize_phone('0812-3456-7890')$q$,
  $q$SELECT passport.handle_message('whatsapp', '0812-0000-0001', 'lib-1', 'menu')$q$,
  $q$SELECT * FROM passport.claim_messages('whatsapp', 5)$q$
]) AS s(stmt);

SELECT CASE WHEN outcome ~ '^(XX|42P01|42703|42883)' THEN 'not ok ' ELSE 'ok ' END || outcome || ' <- ' || left(stmt, 120)
  FROM call_result ORDER BY stmt;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM call_result WHERE outcome ~ '^(XX|42P01|42703|42883)') THEN
    RAISE EXCEPTION 'internal errors or schema mismatches under the old SQL definitions';
  END IF;
  IF (SELECT count(*) FROM call_result) < 40 THEN
    RAISE EXCEPTION 'only % calls were made', (SELECT count(*) FROM call_result);
  END IF;
END $$;
ROLLBACK;
