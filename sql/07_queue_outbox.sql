-- On-site queue and notifications outbox.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-01 09:00+07';
-- Runs a statement; shows 'ok' or its SQLSTATE, message and detail, with
-- numbers masked.
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
SET passport.max_active_per_sender = 0;

-- Wednesday 9 December at Jakarta Selatan: walk-in contingents come from
-- the priority and percepatan capacity of the day
SELECT passport.add_capacity_rule('JKS', 3, 'priority', '08:00', '10:00', 60, 1) > 0 AS priority_rule;
SELECT passport.add_capacity_rule('JKS', 3, 'percepatan', '08:00', '09:00', 60, 2) > 0 AS percepatan_rule;
SELECT passport.release_slots('JKS', '2026-12-09', '2026-12-09') AS counter_rows;
CREATE TEMP TABLE r AS
  SELECT n, (passport.reserve('JKS', 'renewal', 'regular', '2026-12-09', nik, 'Pemohon ' || n, '1990-01-01',
                              NULL, 'whatsapp', '0815-0000-00' || lpad(n::text, 2, '0'), 'q-' || n, t::time)).reservation_number AS code
    FROM (VALUES (1, '3171010101900051', '09:00'), (2, '3171010101900052', '08:00'),
                 (3, '3171010101900053', '08:30')) v(n, nik, t);

-- check-ins issue tickets in the reservation's lane, numbered per lane and local day
SET passport.now_override = '2026-12-09 08:05+07';
SELECT r.n, c.status, c.start_time, c.ticket FROM r, LATERAL passport.check_in(r.code, 'JKS') c ORDER BY r.n;
SELECT ticket FROM passport.check_in((SELECT code FROM r WHERE n = 1));
SELECT ticket, lane, status, waiting_ahead FROM passport.walk_in_ticket('JKS', 'priority');
SELECT ticket, lane, status, waiting_ahead FROM passport.walk_in_ticket('JKS', 'priority');
SELECT ticket FROM passport.walk_in_ticket('JKS', 'percepatan');
SELECT ticket FROM passport.walk_in_ticket('JKS', 'percepatan');
SELECT pg_temp.try($$SELECT passport.walk_in_ticket('JKS', 'percepatan')$$);
SELECT pg_temp.try($$SELECT passport.walk_in_ticket('JKS', 'regular')$$);
SELECT pg_temp.try($$SELECT passport.walk_in_ticket('XXX', 'priority')$$);

-- a passport ready for pickup gets a ticket in the pickup lane, once a day
CREATE TEMP TABLE p AS
  SELECT (passport.open_walk_in('JKS', 'priority', 'renewal', '3171010101500099', 'Gita', '1950-01-01',
                                '0816-1111-0099')).application_number AS num;
SELECT pg_temp.try($$SELECT passport.pickup_ticket((SELECT num FROM p))$$);
SELECT (passport.transition(num, 'verified', 'submitted')).status FROM p;
SELECT (passport.transition(num, 'interviewed', 'verified')).status FROM p;
SELECT (passport.transition(num, 'awaiting_payment', 'interviewed')).status FROM p;
SELECT (passport.confirm_payment(b.billing_code, b.amount, 'NTPN00PICKUP0001')).status
  FROM passport.billing b JOIN p ON b.application_number = p.num;
SELECT (passport.transition(num, 'approved', 'paid')).status FROM p;
SELECT (passport.transition(num, 'printed', 'approved')).status FROM p;
SELECT (passport.transition(num, 'ready', 'printed')).status FROM p;
SELECT ticket, lane FROM passport.pickup_ticket((SELECT num FROM p));
SELECT ticket, lane FROM passport.pickup_ticket((SELECT num FROM p));

-- counters call: priority first, then percepatan, then appointments in appointment order, pickup last
SET passport.now_override = '2026-12-09 08:10+07';
SELECT ticket, lane, counter, calls FROM passport.call_next('JKS', 'loket-1');
SELECT ticket, lane, counter FROM passport.call_next('JKS', 'loket-2');
SELECT ticket, lane, counter FROM passport.call_next('JKS', 'loket-3');
SELECT ticket, lane, counter FROM passport.call_next('JKS', 'loket-4');
SELECT ticket, lane, appointment_at::time AS appointment FROM passport.call_next('JKS', 'loket-1');
SELECT ticket, lane, appointment_at::time AS appointment FROM passport.call_next('JKS', 'loket-2');
-- a pickup desk serves its lane only
SELECT ticket, lane FROM passport.call_next('JKS', 'ambil-1', ARRAY['pickup']);
SELECT ticket, lane FROM passport.call_next('JKS', 'ambil-1', ARRAY['pickup']);
SELECT ticket, lane, appointment_at::time AS appointment FROM passport.call_next('JKS', 'loket-3');
SELECT passport.call_next('JKS', 'loket-4') IS NULL AS nobody_waits;
SELECT * FROM passport.queue_display WHERE office = 'JKS' ORDER BY ticket;

-- service, recall, missed
SELECT ticket, status FROM passport.start_service('JKS', 'b-1');
SELECT ticket, status FROM passport.finish_service('JKS', 'B 001');
SELECT pg_temp.try($$SELECT passport.finish_service('JKS', 'B-001')$$);
SELECT ticket, status, calls FROM passport.recall('JKS', 'B-002');
SELECT ticket, status, calls FROM passport.recall('JKS', 'B-002');
SELECT ticket, status, calls FROM passport.recall('JKS', 'B-002');
SELECT pg_temp.try($$SELECT passport.recall('JKS', 'B-002')$$);
SELECT pg_temp.try($$SELECT passport.start_service('JKS', 'Z-999')$$);
SELECT pg_temp.try($$SELECT passport.start_service('JKS', 'twelve')$$);
SELECT pg_temp.try($$SELECT passport.call_next('JKS', '')$$);
SELECT code, status, calls, counter, served_at IS NOT NULL AS served, done_at IS NOT NULL AS done
  FROM passport.queue_ticket WHERE office_id = passport.office_id('JKS') ORDER BY code;

-- numbering restarts at local midnight: Jayapura (WIT) at 23:59 and 00:01
SELECT passport.add_capacity_rule('JYP', d, 'priority', '08:00', '12:00', 60, 5) > 0 AS rule FROM generate_series(3, 4) d;
SELECT passport.release_slots('JYP', '2026-12-09', '2026-12-10') AS counter_rows;
SET passport.now_override = '2026-12-09 23:58+09';
SELECT ticket FROM passport.walk_in_ticket('JYP', 'priority');
SET passport.now_override = '2026-12-09 23:59+09';
SELECT ticket FROM passport.walk_in_ticket('JYP', 'priority');
SET passport.now_override = '2026-12-10 00:01+09';
SELECT ticket FROM passport.walk_in_ticket('JYP', 'priority');
SELECT local_date, code FROM passport.queue_ticket WHERE office_id = passport.office_id('JYP') ORDER BY ticket_id;

-- the outbox: every confirmation, billing and status message was written with its event
SELECT template, channel, count(*) FROM passport.outbox GROUP BY 1, 2 ORDER BY 1, 2;
SELECT regexp_replace(regexp_replace(passport.render_message(template, 'en', payload),
         '[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}', '#####-#####', 'g'), '\m[0-9]{15,16}\M', '<number>', 'g') AS english
  FROM passport.outbox WHERE template IN ('reservation_confirmed', 'passport_ready') ORDER BY message_id LIMIT 2;

-- two adapters claim different messages; acknowledged ones never come back
SET passport.now_override = '2026-12-09 08:10+07';
CREATE TEMP TABLE c1 AS SELECT * FROM passport.claim_messages('whatsapp', 3, 'bot-1', '1 minute');
CREATE TEMP TABLE c2 AS SELECT * FROM passport.claim_messages('whatsapp', 3, 'bot-2', '1 minute');
SELECT (SELECT count(*) FROM c1) AS first, (SELECT count(*) FROM c2) AS second,
       (SELECT count(*) FROM c1 JOIN c2 USING (office_id, message_id)) AS shared;
SELECT bool_and(passport.ack_message(office_id, message_id)) AS acked FROM c1;
SELECT passport.fail_message(office_id, message_id, 'gateway timeout') FROM c2 ORDER BY message_id LIMIT 1;
-- the failed message comes back after 30 s x 2^attempts (60 s); the unacknowledged
-- ones after their lease (1 min) and a backoff of 30 s
SET passport.now_override = '2026-12-09 08:10:30+07';
SELECT count(*) AS due_at_08_10_30 FROM passport.claim_messages('whatsapp', 100, 'bot-3') WHERE message_id IN (SELECT message_id FROM c2);
SET passport.now_override = '2026-12-09 08:11+07';
SELECT count(*) AS failed_one_back FROM passport.claim_messages('whatsapp', 100, 'bot-3') WHERE message_id IN (SELECT message_id FROM c2);
SET passport.now_override = '2026-12-09 08:13+07';
SELECT count(*) AS unacknowledged_back FROM passport.claim_messages('whatsapp', 100, 'bot-3') WHERE message_id IN (SELECT message_id FROM c2);
SELECT count(*) AS acked_never_again FROM passport.outbox o JOIN c1 USING (office_id, message_id) WHERE o.status <> 'sent';
-- a message that keeps failing ends dead
SET passport.outbox_max_attempts = 2;
SELECT passport.fail_message(office_id, message_id, 'number not on WhatsApp') FROM c2 ORDER BY message_id LIMIT 1;
SELECT status, attempts, last_error FROM passport.outbox WHERE message_id = (SELECT min(message_id) FROM c2);
RESET passport.outbox_max_attempts;
SELECT pg_temp.try($$SELECT * FROM passport.claim_messages('whatsapp', 0)$$);
-- a claim that ran out after the last allowed attempt: the claim that
-- reaches it marks it dead and takes the next due message in its place
SET passport.outbox_max_attempts = 1;
SET passport.now_override = '2026-12-09 09:00+07';
SELECT passport.enqueue_message(passport.office_id('JKS'), 'lease-test', '+6281500000' || i, 'visit_reminder',
                                at => at::timestamptz)
  FROM (VALUES (1, '2026-12-09 08:59+07'), (2, '2026-12-09 09:01:45+07'), (3, '2026-12-09 09:01:50+07')) v(i, at);
SELECT recipient, attempt FROM passport.claim_messages('lease-test', 1, 'bot-1', '1 minute');
-- 09:02: the first is due again (lease to 09:01, backoff 30 s) before the others
SET passport.now_override = '2026-12-09 09:02+07';
SELECT recipient, attempt FROM passport.claim_messages('lease-test', 2, 'bot-2', '1 minute') ORDER BY recipient;
SELECT recipient, status, attempts, last_error FROM passport.outbox WHERE channel = 'lease-test' ORDER BY recipient;
RESET passport.outbox_max_attempts;
DELETE FROM passport.outbox WHERE channel = 'lease-test';

-- the sweep queues reminders for tomorrow's visits, once
SET passport.now_override = '2026-12-09 18:00+07';
CREATE TEMP TABLE tomorrow AS
  SELECT passport.reserve('JKS', 'renewal', 'regular', '2026-12-10', '3171010101900061', 'Hadi', '1990-01-01',
                          NULL, 'whatsapp', '0815-0000-0061') AS b;
SELECT office_code, messages FROM passport.sweep('JKS');
SELECT office_code, messages FROM passport.sweep('JKS');
SELECT count(*) AS reminders FROM passport.outbox WHERE template = 'visit_reminder';
