-- A morning at Batam on Monday 7 December: check-ins, walk-ins, counters
-- calling, the waiting-room display, and the messages an adapter sends.
\pset footer off
SET passport.now_override = '2026-12-07 07:40+07';
\echo
\echo '== 07:40-08:20 Batam: the first booked applicants check in and get tickets in appointment lanes =='
SELECT c.ticket, c.start_time AS appointment, c.status
  FROM (SELECT r.code FROM passport.reservation r
         WHERE r.office_id = passport.office_id('BTM') AND r.local_date = '2026-12-07'
         ORDER BY r.starts_at, r.code LIMIT 6) x,
       LATERAL passport.check_in(x.code, 'BTM') c
 ORDER BY c.ticket;
\echo
\echo '== Walk-ins: two elderly applicants (priority), one same-day service (percepatan) =='
SET passport.now_override = '2026-12-07 07:55+07';
SELECT ticket, lane, waiting_ahead FROM passport.walk_in_ticket('BTM', 'priority');
SELECT ticket, lane, waiting_ahead FROM passport.walk_in_ticket('BTM', 'priority');
SELECT ticket, lane, waiting_ahead FROM passport.walk_in_ticket('BTM', 'percepatan');
\echo
\echo '== 08:00 four counters open and call: priority first, then percepatan, then appointments =='
SET passport.now_override = '2026-12-07 08:00+07';
SELECT c.ticket, c.lane, c.counter FROM unnest(ARRAY['Loket 1', 'Loket 2', 'Loket 3', 'Loket 4']) AS k(counter),
       LATERAL passport.call_next('BTM', k.counter) c;
\echo
\echo '== The waiting-room screen =='
SELECT ticket, counter, status, called_at FROM passport.queue_display WHERE office = 'BTM' ORDER BY called_at, counter;
\echo
\echo '== Service: two arrive at their counters; one does not answer three calls =='
SET passport.now_override = '2026-12-07 08:03+07';
SELECT ticket, status FROM passport.start_service('BTM', 'B-001');
SELECT ticket, status FROM passport.start_service('BTM', 'B-002');
SELECT ticket, status, calls FROM passport.recall('BTM', 'C-001');
SELECT ticket, status, calls FROM passport.recall('BTM', 'C-001');
SELECT ticket, status, calls FROM passport.recall('BTM', 'C-001');
SET passport.now_override = '2026-12-07 08:15+07';
SELECT ticket, status FROM passport.finish_service('BTM', 'B-001');
SELECT ticket, lane, counter, appointment_at AT TIME ZONE 'Asia/Jakarta' AS appointment FROM passport.call_next('BTM', 'Loket 1');
\echo
\echo '== Waiting and service times so far (minutes) =='
SELECT code, lane, status,
       round(extract(epoch FROM called_at - issued_at) / 60) AS waited,
       round(extract(epoch FROM done_at - served_at) / 60) AS served
  FROM passport.queue_ticket WHERE office_id = passport.office_id('BTM') AND status <> 'waiting'
 ORDER BY called_at, code;
\echo
\echo '== The WhatsApp adapter claims a batch of messages (with a lease) and acknowledges them =='
CREATE TEMP TABLE batch AS SELECT * FROM passport.claim_messages('whatsapp', 4, 'wa-gateway-1');
SELECT recipient, body FROM batch ORDER BY message_id;
SELECT count(*) FILTER (WHERE passport.ack_message(office_id, message_id)) AS acknowledged FROM batch;
SELECT template, status, count(*) FROM passport.outbox GROUP BY 1, 2 ORDER BY 1, 2;
