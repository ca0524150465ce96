-- After ALTER EXTENSION UPDATE, the rows 0.1 wrote keep working: a new
-- booking beside them, a 0.1 booking cancelled, a 0.1 check-in opening its
-- application and moving it, a 0.1 ticket called, 0.1 messages claimed and
-- acknowledged, a 0.1 conversation going on; the counters still equal the
-- rows. Runs against the database test/upgrade/run updated (its demo data).
BEGIN;
SELECT plan(14);

SET LOCAL passport.now_override = '2026-12-01 10:00+07';
SELECT is((SELECT status FROM passport.reserve('JKS', 'new_adult', 'regular', '2026-12-09', '3171014708900041',
                                              'Pemohon Baru', '1990-08-07')),
          'booked', 'a new booking beside the 0.1 ones');
SELECT is((SELECT b.status FROM passport.reservation r,
                  LATERAL passport.cancel(r.code, birth_date => r.birth_date) b
            WHERE r.status = 'booked' AND r.nik = '7371054403910002'),
          'cancelled', 'a booking made through the 0.1 conversation is cancelled');
SELECT is((SELECT count(*) FROM passport.nik_guard WHERE nik = '7371054403910002' AND code IS NULL
                                                      AND cooldown_until IS NOT NULL)::integer,
          1, 'its NIK cools down');

SET LOCAL passport.now_override = '2026-12-07 09:30+07';
SELECT is((SELECT status FROM passport.open_application(
             (SELECT min(code) FROM passport.reservation WHERE status = 'checked_in' AND local_date = '2026-12-07'))),
          'submitted', 'a 0.1 check-in opens its application');
SELECT is((SELECT t.status FROM passport.application a,
                  LATERAL passport.transition(a.application_number, 'verified', 'submitted', 1) t
            WHERE a.status = 'submitted'),
          'verified', 'the application moves');
SELECT is((SELECT count(*) FROM passport.application_event e JOIN passport.application a
                 USING (office_id, application_number) WHERE a.status = 'verified')::integer,
          2, 'with its history');
SELECT isnt((SELECT ticket FROM passport.call_next('BTM', 'Loket 5')), NULL, 'a waiting 0.1 ticket is called');
SELECT is((SELECT count(*) FROM passport.queue_ticket WHERE counter = 'Loket 5' AND status = 'called')::integer,
          1, 'and shows as called');

SELECT is((SELECT count(*) FROM passport.claim_messages('whatsapp', 10, 'upgrade-test'))::integer,
          10, 'ten 0.1 messages are claimed');
SELECT is((SELECT count(*) FROM passport.outbox o, LATERAL passport.ack_message(o.office_id, o.message_id)
            WHERE o.claimed_by = 'upgrade-test')::integer, 10, 'and acknowledged');
SELECT is((SELECT count(*) FROM passport.outbox WHERE claimed_by = 'upgrade-test' AND status = 'sent')::integer,
          10, 'they are sent');

SELECT ok((SELECT length(reply) > 0 AND NOT duplicate FROM passport.handle_message('whatsapp', '0857-1234-5678', 'after-1', '2')),
          'the 0.1 conversation goes on');

SELECT is((SELECT count(*) FROM passport.slot WHERE booked > capacity)::integer, 0, 'no counter over capacity');
SELECT is((SELECT count(*) FROM (
             SELECT s.office_id, s.slot_id, s.shard FROM passport.slot s
               LEFT JOIN passport.reservation r ON r.office_id = s.office_id AND r.slot_id = s.slot_id
                     AND r.shard = s.shard AND r.status IN ('booked', 'checked_in', 'no_show')
              GROUP BY s.office_id, s.slot_id, s.shard, s.booked
             HAVING count(r.code) <> s.booked) x)::integer,
          0, 'counters equal their reservations');

SELECT * FROM finish();
ROLLBACK;
