-- The conversation engine never raises on what a person types: a fuzz pass
-- of random and hostile texts through handle_message, and its contract.
BEGIN;
SELECT plan(11);
SET LOCAL passport.now_override = '2026-12-01 09:00+07';
SELECT passport.create_office('CVX', 'Kanim Percakapan', 'kanim', 'Asia/Jakarta');
SELECT passport.add_capacity_rule('CVX', d, 'regular', '08:00', '12:00', 60, 5) FROM generate_series(1, 5) d;
SELECT passport.release_slots('CVX', '2026-12-01', '2026-12-31');

CREATE TEMP TABLE hostile (body text);
INSERT INTO hostile VALUES (''), (' '), ('0'), ('1'), ('99999999999'), ('-1'), ('#'), ('##'), ('#batal'), ('#ubah'),
  ('#bayar'), ('#a#b#c'), ('#X#99999999#99999999'), ('#Siti#31022000#31022026'), ($$'; DROP TABLE passport.office; --$$),
  ('%'), ('_'), ('\'), ('{name}'), ('{list}{office}'), (repeat('9', 16)), (repeat('A', 11)), ('ABCDE-FGHJK'),
  ('🙂'), (repeat('🙂', 3000)), ('پاسپورت'), ('паспорт'), ('パスポート'), (E'\x01\x02\x03'), (E'line1\nline2'),
  (repeat('x', 200000)), ('NULL'), ('null'), ('undefined'), ('<script>alert(1)</script>'), ('1e999'), ('NaN'),
  ('31-02-2026'), ('00-00-0000'), ('99-99-9999'), ('3171014708900001'), ('EN'), ('ID'), ('menu');
-- random texts: 1500 messages from 300 senders (5 each, under the rate limit),
-- mixing menu digits, dates, NIKs, office codes and noise
CREATE TEMP TABLE fuzz AS
  SELECT i, '0812' || lpad((i % 300)::text, 7, '0') AS sender,
         CASE i % 7
           WHEN 0 THEN (SELECT body FROM hostile OFFSET (i * 7919) % (SELECT count(*) FROM hostile) LIMIT 1)
           WHEN 1 THEN ((i * 31) % 8)::text
           WHEN 2 THEN lpad(((i * 104729) % 100000000)::text, 16, '31710147')
           WHEN 3 THEN to_char(date '2026-12-01' + (i % 40), 'DD-MM-YYYY')
           WHEN 4 THEN 'cvx'
           WHEN 5 THEN (SELECT string_agg(chr(32 + ((i * k * 7) % 2000)), '') FROM generate_series(1, (i % 50) + 1) k)
           ELSE 'Nama Uji ' || i END AS body
    FROM generate_series(1, 1500) i;
CREATE TEMP TABLE errors (i int, sqlstate text, message text);
DO $$
DECLARE
  f record;
  k integer := 0;
BEGIN
  FOR f IN SELECT * FROM fuzz ORDER BY i LOOP
    BEGIN
      PERFORM passport.handle_message('whatsapp', f.sender, 'fz' || f.i, f.body);
    EXCEPTION WHEN OTHERS THEN
      INSERT INTO errors VALUES (f.i, SQLSTATE, SQLERRM);
    END;
  END LOOP;
  FOR f IN SELECT * FROM hostile LOOP
    k := k + 1;
    BEGIN
      PERFORM passport.handle_message('whatsapp', '0813 0000 ' || lpad(k::text, 4, '0'), 'h' || md5(coalesce(f.body, '')), f.body);
      PERFORM passport.handle_message('app', 'device-' || k, 'h' || md5(coalesce(f.body, '')), f.body);
      PERFORM passport.handle_message('whatsapp', 'not a phone ' || k, 'h' || md5(coalesce(f.body, '')), f.body);
    EXCEPTION WHEN OTHERS THEN
      INSERT INTO errors VALUES (-1, SQLSTATE, SQLERRM);
    END;
  END LOOP;
END $$;
SELECT is((SELECT count(*)::int FROM errors), 0, 'no error raised for 1500 random and 132 hostile messages');
SELECT is((SELECT count(*)::int FROM passport.inbound_message WHERE reply IS NULL), 0, 'every message got a reply');
SELECT ok((SELECT count(*) FROM passport.inbound_message) >= 1500
          AND (SELECT count(*) FROM passport.inbound_message WHERE reply LIKE '%terlalu banyak%') = 0,
          'every message was recorded once, none hit the rate limit');
SELECT is((SELECT count(*)::int FROM passport.slot WHERE booked > capacity), 0, 'no counter over capacity after the fuzz');
SELECT is((SELECT coalesce(sum(errors), 0)::int FROM passport.conversation_error), 0,
          'nothing typed in the fuzz was an internal error');
SELECT throws_ok($$SELECT passport.handle_message('whatsapp', '', 'x', 'halo')$$, '22004', NULL,
                 'an adapter that passes no sender gets 22004');
SELECT throws_ok($$SELECT passport.handle_message('whatsapp', '0812', NULL, 'halo')$$, '22004', NULL,
                 'an adapter that passes no message id gets 22004');
SELECT is((passport.handle_message('whatsapp', '0814 0000 0001', 'dup-1', 'halo')).duplicate, false, 'a new message');
SELECT is((passport.handle_message('whatsapp', '+62 814 0000 0001', 'dup-1', 'something else')).duplicate, true,
          'the same message id again is a redelivery, whatever the text');
SELECT is((passport.handle_message('whatsapp', '0814 0000 0002', 'dup-1', 'halo')).duplicate, false,
          'the same message id from another sender is a message of its own');
SELECT is((SELECT count(*)::int FROM passport.conversation WHERE sender = '+6281400000001'), 1,
          'the sender is normalised to E.164: one conversation');
SELECT * FROM finish();
ROLLBACK;
