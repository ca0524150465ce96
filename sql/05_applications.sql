-- Applications: open, transitions and their rules, guards, side effects,
-- the append-only history, billing and payment, status lookup, sweep.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-07 08:40+07';
-- Runs a statement; shows 'ok' or its SQLSTATE, message and detail, with
-- reservation numbers, application numbers and billing codes masked.
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN regexp_replace(regexp_replace(SQLSTATE || ': ' || SQLERRM || coalesce(' | ' || nullif(d, ''), ''),
                        '[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}', '#####-#####', 'g'),
                        '\m[0-9]{15,16}\M', '<number>', 'g');
END $$;
-- the reservation made in 03_reservation for 7 December is checked in; book and check in another
SET passport.max_active_per_sender = 0;
CREATE TEMP TABLE r AS
  SELECT * FROM passport.reserve('JKS', 'lost', 'regular', '2026-12-07', '3171014708900031', 'Dewi Lestari',
                                 '1990-08-07', '0813-1111-2222', 'whatsapp', '0813-1111-2222', 'app-1', '09:00');
SELECT pg_temp.try(format($$SELECT passport.open_application(%L)$$, (SELECT reservation_number FROM r)));
SELECT status FROM passport.check_in((SELECT reservation_number FROM r));

SELECT pg_temp.try(format($$SELECT passport.open_application(%L, 'diplomatic')$$, (SELECT reservation_number FROM r)));
SELECT pg_temp.try(format($$SELECT passport.open_application(%L, 'regular', 10, false)$$, '00000-00000'));

-- opening: submitted, version 1, a 16-digit number with its office; opening twice answers the same
CREATE TEMP TABLE app AS
  SELECT * FROM passport.open_application((SELECT reservation_number FROM r), 'electronic', 10);
-- moves the application in table app and shows status, version and deadlines
CREATE FUNCTION pg_temp.move(to_status text, expected text)
RETURNS TABLE (status text, version integer, promised_ready_on date, pickup_until date, amount bigint)
LANGUAGE sql AS $$
  SELECT s.status, s.version, s.promised_ready_on, s.pickup_until, s.amount
    FROM passport.transition((SELECT application_number FROM app), to_status, expected) s
$$;


SELECT length(application_number) AS digits, office_code, status, version,
       passport.application_number_office(application_number) = passport.office_id('JKS') AS office_inside
  FROM app;
SELECT (SELECT application_number FROM passport.open_application((SELECT reservation_number FROM r))) =
       (SELECT application_number FROM app) AS same_application;

-- illegal moves name the allowed next statuses; stale expectations are refused
SELECT pg_temp.try($$SELECT passport.transition((SELECT application_number FROM app), 'printed', 'submitted')$$);
SELECT pg_temp.try($$SELECT passport.transition((SELECT application_number FROM app), 'verified', 'interviewed')$$);
SELECT pg_temp.try($$SELECT passport.transition((SELECT application_number FROM app), 'verified', 'submitted', 7)$$);
SELECT pg_temp.try($$SELECT passport.transition((SELECT application_number FROM app), 'lost')$$);
SELECT pg_temp.try($$SELECT passport.transition('1234567890123451', 'verified')$$);

-- incomplete documents: 7 days to complete them
SELECT * FROM pg_temp.move('incomplete', 'submitted');
SELECT incomplete_until FROM passport.application;
SELECT * FROM pg_temp.move('submitted', 'incomplete');
SELECT * FROM pg_temp.move('verified', 'submitted');
SELECT * FROM pg_temp.move('interviewed', 'verified');
-- paid needs a confirmed payment: only the bank callback makes that move
SELECT pg_temp.try($$SELECT passport.transition((SELECT application_number FROM app), 'paid', 'interviewed')$$);
-- the billing: electronic 10 years 950,000 + lost passport 1,000,000; valid 7 days (pay after interview)
SELECT * FROM pg_temp.move('awaiting_payment', 'interviewed');
SELECT amount, breakdown, expires_at - issued_at AS valid_for, status FROM passport.billing;
SELECT pg_temp.try($$SELECT passport.transition((SELECT application_number FROM app), 'paid', 'awaiting_payment')$$);

-- status lookup while a billing is open: masked name, payment instructions
SELECT applicant, status, label, next_step, amount, payment_instructions IS NOT NULL AS instructions,
       stages ? 'interviewed' AS has_stages
  FROM passport.application_status((SELECT application_number FROM app), sender => '+62 813 1111 2222', language => 'en');
SELECT status, label FROM passport.application_status((SELECT reservation_number FROM r), birth_date => '1990-08-07');
-- a wrong second factor and an unknown number answer alike
SELECT status, label, next_step FROM passport.application_status((SELECT application_number FROM app), birth_date => '1990-08-08');
SELECT pg_temp.try($$SELECT * FROM passport.application_status('9999999999999999', birth_date => '1990-08-07')$$);
SELECT status, label, next_step FROM passport.application_status('9999-9999-9999-9990', birth_date => '1990-08-07');
SELECT pg_temp.try($$SELECT * FROM passport.application_status((SELECT application_number FROM app))$$);

-- payment: wrong amount, bad NTPN, then paid; the callback again answers the same; another NTPN is refused
SELECT pg_temp.try($$SELECT passport.confirm_payment((SELECT billing_code FROM passport.billing), 950000, 'NTPN7777AAAA8888')$$);
SELECT pg_temp.try($$SELECT passport.confirm_payment((SELECT billing_code FROM passport.billing), 1950000, 'x')$$);
SELECT status, version FROM passport.confirm_payment((SELECT billing_code FROM passport.billing), 1950000, 'NTPN7777AAAA8888');
SELECT status, version FROM passport.confirm_payment((SELECT billing_code FROM passport.billing), 1950000, 'NTPN7777AAAA8888');
SELECT pg_temp.try($$SELECT passport.confirm_payment((SELECT billing_code FROM passport.billing), 1950000, 'NTPN9999BBBB0000')$$);
SELECT status, ntpn FROM passport.billing;

-- approved: ready in 3 working days, skipping the weekend
SET passport.now_override = '2026-12-10 10:00+07';
SELECT * FROM pg_temp.move('approved', 'paid');
SELECT * FROM pg_temp.move('printed', 'approved');
SELECT pg_temp.try($$SELECT passport.transition((SELECT application_number FROM app), 'collected', 'printed')$$);
SELECT * FROM pg_temp.move('ready', 'printed');
SELECT * FROM pg_temp.move('collected', 'ready');
SELECT pg_temp.try($$SELECT passport.transition((SELECT application_number FROM app), 'ready', 'collected')$$);

-- the history: one row per version, actor, role, channel, reason
SELECT seq, from_status, to_status, actor_role, channel, reason FROM passport.application_event ORDER BY seq;

-- walk-ins: priority and percepatan lanes only; percepatan is promised the same day
SELECT pg_temp.try($$SELECT passport.open_walk_in('JKS', 'regular', 'renewal', '3171010101500001', 'Budi', '1950-01-01')$$);
SELECT pg_temp.try($$SELECT passport.open_walk_in('JKS', 'priority', 'renewal', '3171010101500002', 'Ani', '1950-01-02')$$);
SELECT pg_temp.try($$SELECT passport.open_walk_in('JKS', 'priority', 'renewal', '3171010101500003', 'Ani', '1950-01-01', validity_years => 7)$$);
CREATE TEMP TABLE w AS
  SELECT * FROM passport.open_walk_in('JKS', 'percepatan', 'renewal', '3171010101500001', 'Budi Santoso', '1950-01-01');
DELETE FROM app; INSERT INTO app SELECT * FROM w;
SELECT status FROM pg_temp.move('verified', 'submitted');
SELECT status FROM pg_temp.move('interviewed', 'verified');
-- renewal, electronic 10 years 950,000 + percepatan 1,000,000
SELECT status, amount FROM pg_temp.move('awaiting_payment', 'interviewed');
SELECT status FROM passport.confirm_payment((SELECT b.billing_code FROM passport.billing b JOIN app USING (application_number) WHERE b.status = 'open'), 1950000, 'NTPN5555CCCC6666');
SELECT status, promised_ready_on FROM pg_temp.move('approved', 'paid');
SELECT status FROM pg_temp.move('printed', 'approved');
SELECT status, pickup_until FROM pg_temp.move('ready', 'printed');

-- an officer may not cancel once a billing is issued; an administrator may, and the billing is voided
CREATE TEMP TABLE w3 AS
  SELECT * FROM passport.open_walk_in('JKS', 'priority', 'new_adult', '3171014101500005', 'Eka Putri', '1950-01-01', passport_kind => 'regular', validity_years => 5);
DELETE FROM app; INSERT INTO app SELECT * FROM w3;
SELECT status FROM pg_temp.move('verified', 'submitted');
SELECT status FROM pg_temp.move('interviewed', 'verified');
-- new adult, regular 5 years: 350,000
SELECT status, amount FROM pg_temp.move('awaiting_payment', 'interviewed');
CREATE ROLE regress_desk IN ROLE passport_officer;
SELECT passport.bind_officer('regress_desk', 'JKS');
SELECT application_number AS w3_number FROM app \gset
SET ROLE regress_desk;
SELECT pg_temp.try(format($$SELECT passport.transition(%L, 'cancelled', 'awaiting_payment')$$, :'w3_number'));
RESET ROLE;
SELECT passport.unbind_officer('regress_desk', 'JKS');
DROP ROLE regress_desk;
SELECT status FROM pg_temp.move('cancelled', 'awaiting_payment');
SELECT b.status FROM passport.billing b JOIN app USING (application_number);

-- the sweep: an unpaid billing expires, missing documents forfeit, a passport not collected in 30 days
CREATE TEMP TABLE w4 AS
  SELECT * FROM passport.open_walk_in('JKS', 'priority', 'damaged', '3171010101500004', 'Citra', '1950-01-01', force_majeure => true);
DELETE FROM app; INSERT INTO app SELECT * FROM w4;
SELECT status FROM pg_temp.move('incomplete', 'submitted');
CREATE TEMP TABLE w5 AS
  SELECT * FROM passport.open_walk_in('JKS', 'priority', 'data_change', '3171010101500006', 'Fajar', '1950-01-01');
DELETE FROM app; INSERT INTO app SELECT * FROM w5;
SELECT status FROM pg_temp.move('verified', 'submitted');
SELECT status FROM pg_temp.move('interviewed', 'verified');
SELECT status FROM pg_temp.move('awaiting_payment', 'interviewed');
SET passport.now_override = '2026-12-17 10:01+07';
-- too late to complete the documents
DELETE FROM app; INSERT INTO app SELECT * FROM w4;
SELECT pg_temp.try($$SELECT passport.transition((SELECT application_number FROM app), 'submitted', 'incomplete')$$);
SELECT office_code, billings_expired, forfeited, uncollected FROM passport.sweep('JKS');
SELECT office_code, billings_expired, forfeited, uncollected FROM passport.sweep('JKS');
SELECT pg_temp.try($$SELECT passport.confirm_payment((SELECT b.billing_code FROM passport.billing b JOIN w5 USING (application_number)), 350000, 'NTPN1234ZZZZ5678')$$);
SET passport.now_override = '2027-01-11 10:00+07';
SELECT office_code, billings_expired, forfeited, uncollected FROM passport.sweep('JKS');
-- every application: its status, its version, its last history row
SELECT a.lane, a.service, a.status, a.version,
       (SELECT max(seq) FROM passport.application_event e
         WHERE e.office_id = a.office_id AND e.application_number = a.application_number) AS last_seq,
       (SELECT e.actor_role || ': ' || coalesce(e.reason, '') FROM passport.application_event e
         WHERE e.office_id = a.office_id AND e.application_number = a.application_number ORDER BY seq DESC LIMIT 1) AS last_move
  FROM passport.application a ORDER BY a.opened_at, a.service;
SELECT b.status, b.amount, b.ntpn IS NOT NULL AS has_ntpn FROM passport.billing b ORDER BY b.issued_at;

-- the history is append-only for every application role
CREATE ROLE regress_clerk IN ROLE passport_officer;
CREATE ROLE regress_chief IN ROLE passport_admin;
SELECT passport.bind_officer('regress_clerk', 'JKS');
SET ROLE regress_clerk;
SET passport.office = 'JKS';
SELECT count(*) > 0 AS officer_reads_history FROM passport.application_event;
SELECT pg_temp.try($$UPDATE passport.application_event SET reason = 'edited'$$);
SELECT pg_temp.try($$DELETE FROM passport.application_event$$);
SELECT pg_temp.try($$UPDATE passport.application SET status = 'collected'$$);
RESET ROLE;
SET ROLE regress_chief;
SELECT pg_temp.try($$UPDATE passport.application_event SET reason = 'edited'$$);
SELECT pg_temp.try($$DELETE FROM passport.application_event$$);
SELECT pg_temp.try($$INSERT INTO passport.application_event VALUES (1, '1', 99, NULL, 'submitted', 'x', 'officer', 'x', now(), NULL)$$);
RESET ROLE;
RESET passport.office;
SELECT passport.unbind_officer('regress_clerk', 'JKS');
DROP ROLE regress_clerk, regress_chief;
SELECT count(*) AS events, count(DISTINCT (application_number, seq)) AS distinct_seqs FROM passport.application_event;
