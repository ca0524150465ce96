-- The queue and the outbox: numbering per local day in each time zone,
-- contingents, recall and missed, the outbox life cycle.
BEGIN;
SELECT plan(26);
SELECT passport.create_office('QW', 'Kanim WIB', 'kanim', 'Asia/Jakarta');
SELECT passport.create_office('QM', 'Kanim WITA', 'kanim', 'Asia/Makassar');
SELECT passport.create_office('QJ', 'Kanim WIT', 'kanim', 'Asia/Jayapura');
SELECT passport.add_capacity_rule(o, d, 'priority', '08:00', '09:00', 60, 3)
  FROM unnest(ARRAY['QW', 'QM', 'QJ']) o, generate_series(1, 7) d;
SELECT passport.release_slots(o, '2026-12-07', '2026-12-08') FROM unnest(ARRAY['QW', 'QM', 'QJ']) o;

-- the same instant is a different local day in each zone: 2026-12-07 16:30 UTC
-- is 23:30 WIB, 00:30 WITA and 01:30 WIT on the 8th
SET LOCAL passport.now_override = '2026-12-07 16:30+00';
SELECT is((passport.walk_in_ticket('QW', 'priority')).ticket, 'B-001', 'WIB: first ticket of the 7th');
SELECT is((passport.walk_in_ticket('QW', 'priority')).ticket, 'B-002', 'WIB: second ticket of the 7th');
SELECT is((passport.walk_in_ticket('QM', 'priority')).ticket, 'B-001', 'WITA: first ticket of the 8th');
SELECT is((passport.walk_in_ticket('QJ', 'priority')).ticket, 'B-001', 'WIT: first ticket of the 8th');
SET LOCAL passport.now_override = '2026-12-07 17:30+00';
SELECT is((passport.walk_in_ticket('QW', 'priority')).ticket, 'B-001', 'WIB: numbering restarts after local midnight');
SELECT is((passport.walk_in_ticket('QM', 'priority')).ticket, 'B-002', 'WITA: numbering goes on within the local day');
SELECT is((passport.walk_in_ticket('QJ', 'priority')).ticket, 'B-002', 'WIT: numbering goes on within the local day');
SELECT results_eq($$SELECT o.code, t.local_date, t.code FROM passport.queue_ticket t JOIN passport.office o USING (office_id)
                     WHERE o.code IN ('QW', 'QM', 'QJ') ORDER BY o.code, t.ticket_id$$,
                  $$VALUES ('QJ', '2026-12-08'::date, 'B-001'), ('QJ', '2026-12-08', 'B-002'),
                           ('QM', '2026-12-08', 'B-001'), ('QM', '2026-12-08', 'B-002'),
                           ('QW', '2026-12-07', 'B-001'), ('QW', '2026-12-07', 'B-002'), ('QW', '2026-12-08', 'B-001')$$,
                  'tickets carry the office''s local date');

-- contingent: 3 priority places a day
SELECT lives_ok($$SELECT passport.walk_in_ticket('QW', 'priority')$$, 'second walk-in of the 8th');
SELECT lives_ok($$SELECT passport.walk_in_ticket('QW', 'priority')$$, 'third walk-in of the 8th');
SELECT throws_ok($$SELECT passport.walk_in_ticket('QW', 'priority')$$, 'PP018', NULL, 'the fourth exceeds the contingent');
SELECT throws_ok($$SELECT passport.walk_in_ticket('QW', 'regular')$$, 'PP002', NULL, 'the regular lane takes no walk-ins');

-- call, recall, missed
SET LOCAL passport.max_calls = 2;
SELECT is((passport.call_next('QW', 'L1')).ticket, 'B-001', 'the first waiting ticket is called');
SELECT is((passport.recall('QW', 'B-001')).status, 'called', 'a recall calls again');
SELECT is((passport.recall('QW', 'B-001')).status, 'missed', 'after max_calls the ticket is missed');
SELECT throws_ok($$SELECT passport.start_service('QW', 'B-001')$$, 'PP019', NULL, 'a missed ticket is not served');
SELECT is((passport.call_next('QW', 'L1')).ticket, 'B-002', 'the next ticket');
SELECT is((passport.start_service('QW', 'B-002')).status, 'serving', 'service starts');
SELECT is((passport.finish_service('QW', 'B-002')).status, 'done', 'service ends');
SELECT ok((SELECT served_at IS NOT NULL AND done_at >= served_at AND called_at <= served_at
             FROM passport.queue_ticket t JOIN passport.office o USING (office_id)
            WHERE o.code = 'QW' AND t.local_date = '2026-12-08' AND t.code = 'B-002'),
          'call, start and end of service are recorded');

-- outbox life cycle
INSERT INTO passport.outbox (office_id, channel, recipient, template, payload, available_at, created_at)
VALUES (passport.office_id('QW'), 'sms', '+628150000001', 'reservation_confirmed', '{"reservation_number": "X"}', passport.now(), passport.now());
CREATE TEMP TABLE m AS SELECT * FROM passport.claim_messages('sms', 5, 'w1', '1 minute');
SELECT is((SELECT count(*)::int FROM m), 1, 'a due message is claimed');
SELECT is((SELECT count(*)::int FROM passport.claim_messages('sms', 5, 'w2')), 0, 'a claimed message is not claimed again within its lease');
SELECT ok((SELECT body LIKE '%X%' FROM m), 'the body is rendered from the template and payload');
SELECT ok(passport.ack_message((SELECT office_id FROM m), (SELECT message_id FROM m)), 'acknowledged');
SET LOCAL passport.now_override = '2026-12-08 17:30+00';
SELECT is((SELECT count(*)::int FROM passport.claim_messages('sms', 5, 'w2')), 0, 'an acknowledged message never comes back');
SELECT is((SELECT status FROM passport.outbox WHERE message_id = (SELECT message_id FROM m)), 'sent', 'it stays sent');

SELECT * FROM finish();
ROLLBACK;
