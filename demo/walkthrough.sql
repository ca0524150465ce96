-- One applicant's visit, as the WhatsApp adapter would call it.
\pset footer off
SET passport.now_override = '2026-11-30 10:15+07';
\echo
\echo '== Siti books Jakarta Selatan, Wednesday 2 December, around 10:00 =='
SELECT * FROM passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02',
                               '3174034708900002', 'Siti Aminah', '1990-08-07',
                               '0812-3456-7890', 'whatsapp', '0812-3456-7890', 'wamid.HBgM001',
                               preferred_time => '10:00') \gset b_
\echo 'reservation number: ' :b_reservation_number ' on ' :b_local_date ' at ' :b_start_time
\echo
\echo '== The webhook is delivered again: same answer, nothing booked twice =='
SELECT reservation_number, local_date, start_time, duplicate
  FROM passport.reserve('JKS', 'new_adult', 'regular', '2026-12-02',
                        '3174034708900002', 'Siti Aminah', '1990-08-07',
                        '0812-3456-7890', 'whatsapp', '0812-3456-7890', 'wamid.HBgM001',
                        preferred_time => '10:00');
\echo
\echo '== A broker tries the same NIK at Batam =='
\set VERBOSITY default
SELECT * FROM passport.reserve('BTM', 'new_adult', 'regular', '2026-12-03',
                               '3174034708900002', 'Siti Aminah', '1990-08-07');
\echo
\echo '== She types her number in lower case with a typo in one symbol: caught by the check symbol =='
SELECT passport.normalize_reservation_number(lower(:'b_reservation_number'));
SELECT passport.normalize_reservation_number(overlay(:'b_reservation_number' placing
         CASE WHEN substr(:'b_reservation_number', 2, 1) = 'X' THEN 'Y' ELSE 'X' END from 2 for 1));
\echo
\echo '== She moves to Friday 4 December, 13:00 (once, at least a day before) =='
SELECT reservation_number, local_date, start_time, status
  FROM passport.reschedule(:'b_reservation_number', '2026-12-04', '13:00', sender => '+62 812-3456-7890');
\echo
\echo '== Friday, 12:20, she checks in at the counter (the window opens an hour before her slot) =='
SET passport.now_override = '2026-12-04 12:20+07';
SELECT reservation_number, office_code, local_date, start_time, status FROM passport.check_in(:'b_reservation_number', 'JKS');
\echo
\echo '== Tuesday 00:30: the sweep turns Monday''s unattended bookings (the bots'') into no-shows =='
SET passport.now_override = '2026-12-08 00:30+07';
SELECT * FROM passport.sweep() ORDER BY office_code;
\echo
\echo '== Numbers an application and its billing will carry (16 and 15 digits, Damm check digit) =='
SELECT passport.issue_application_number(passport.office_id('JKS')) AS application_number,
       passport.issue_billing_code(passport.office_id('JKS')) AS billing_code,
       passport.tariff_amount('passport', 'electronic', 10, '2026-12-04') AS electronic_10y_idr;
\echo
\echo '== Her application, from the counter to the pickup desk =='
SET passport.now_override = '2026-12-04 13:10+07';
SELECT application_number AS app FROM passport.open_application(:'b_reservation_number', 'electronic', 10) \gset
SELECT status, version FROM passport.transition(:'app', 'verified', 'submitted', 1, 'KTP, KK, akta kelahiran lengkap');
SET passport.now_override = '2026-12-04 13:40+07';
SELECT status, version FROM passport.transition(:'app', 'interviewed', 'verified', 2, 'wawancara dan foto');
SELECT status, version, billing_code, amount, billing_expires_at
  FROM passport.transition(:'app', 'awaiting_payment', 'interviewed', 3);
\echo
\echo '== She asks the bot for her status (English) =='
SELECT applicant, label, next_step, payment_instructions
  FROM passport.application_status(:'app', sender => '0812-3456-7890', language => 'en');
\echo
\echo '== The bank calls back twice with the same NTPN: one payment =='
SET passport.now_override = '2026-12-04 19:05+07';
SELECT billing_code AS bill, amount AS due FROM passport.billing
 WHERE application_number = :'app' \gset
SELECT status, version FROM passport.confirm_payment(:'bill', :due, '0412A7C9E2B6F10D');
SELECT status, version FROM passport.confirm_payment(:'bill', :due, '0412A7C9E2B6F10D');
\echo
\echo '== Approved on Monday: promised ready in three working days =='
SET passport.now_override = '2026-12-07 09:00+07';
SELECT status, promised_ready_on FROM passport.transition(:'app', 'approved', 'paid');
SET passport.now_override = '2026-12-09 15:00+07';
SELECT status FROM passport.transition(:'app', 'printed', 'approved');
SELECT status, pickup_until FROM passport.transition(:'app', 'ready', 'printed');
SET passport.now_override = '2026-12-10 10:30+07';
SELECT status FROM passport.transition(:'app', 'collected', 'ready', reason => 'diambil sendiri');
\echo
\echo '== An officer tries to move it back: refused, with what is allowed =='
SELECT * FROM passport.transition(:'app', 'ready', 'collected');
\echo
\echo '== Its history (append-only) =='
SELECT seq, from_status, to_status, actor, actor_role AS role, channel,
       to_char(at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD HH24:MI') AS at_wib, reason
  FROM passport.application_event WHERE application_number = :'app' ORDER BY seq;
