-- An application's answer finds its billing through the application's own
-- index entries, however many billings its office has: a move of an
-- application with no billing reads no billing row, where it once read
-- every billing of the office.
SET client_min_messages = warning;
SELECT passport.create_office('BILL', 'Kantor Tagihan', 'kanim', 'Asia/Jakarta') > 0 AS office;
SELECT (passport.open_walk_in('BILL', 'priority', 'renewal', '3171010101900301', 'Pemohon Satu',
                              '1990-01-01')).application_number AS busy \gset
SELECT (passport.open_walk_in('BILL', 'priority', 'renewal', '3171010101900302', 'Pemohon Dua',
                              '1990-01-01')).application_number AS quiet \gset
-- 20,000 old billings of another application of the same office
INSERT INTO passport.billing (office_id, billing_code, application_number, amount, breakdown,
                              issued_at, expires_at, status)
SELECT passport.office_id('BILL'), lpad(i::text, 15, '0'), :'busy', 350000, '{}',
       now() - interval '30 days' + i * interval '1 second', now() - interval '29 days', 'expired'
  FROM generate_series(1, 20000) i;
ANALYZE passport.billing;
SELECT pg_stat_force_next_flush();  -- what came before is counted apart
BEGIN;
SELECT status, version, billing_code IS NULL AS no_billing
  FROM passport.transition(:'quiet', 'incomplete', 'submitted');
SELECT pg_stat_get_xact_tuples_fetched('passport.billing'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.billing'::regclass) AS billing_rows_read;
COMMIT;
-- the other application's answer is its latest billing, found the same way
SELECT pg_stat_force_next_flush();  -- what came before is counted apart
BEGIN;
SELECT status, billing_code FROM passport.transition(:'busy', 'incomplete', 'submitted');
SELECT pg_stat_get_xact_tuples_fetched('passport.billing'::regclass) +
       pg_stat_get_xact_tuples_returned('passport.billing'::regclass) < 10 AS few_billing_rows_read;
COMMIT;
