-- A conversation over WhatsApp: booking, status, payment, pickup, feedback.
\pset format unaligned
\pset tuples_only on
SET passport.now_override = '2026-12-01 08:30+07';
CREATE FUNCTION pg_temp.chat(id text, msg text) RETURNS text LANGUAGE sql AS $$
  SELECT '> ' || msg || E'\n' || r.reply || E'\n'
    FROM passport.handle_message('whatsapp', '0857-1234-5678', id, msg) r
$$;
\echo
\echo '== Dewi chats with the office''s WhatsApp number =='
SELECT pg_temp.chat('c1', 'Assalamualaikum, mau bikin paspor');
SELECT pg_temp.chat('c2', '1');
SELECT pg_temp.chat('c3', 'makassar');
SELECT pg_temp.chat('c4', '1');
SELECT pg_temp.chat('c5', '2');
SELECT pg_temp.chat('c6', '7371054403910002');
SELECT pg_temp.chat('c7', 'Dewi Kartika');
SELECT pg_temp.chat('c8', '04-03-1991');
SELECT pg_temp.chat('c9', '1');
SELECT pg_temp.chat('c10', '2');
SELECT pg_temp.chat('c11', (SELECT code FROM passport.reservation WHERE nik = '7371054403910002'));
SELECT pg_temp.chat('c12', '#bayar');
SELECT pg_temp.chat('c13', 'EN');
SELECT pg_temp.chat('c14', '5');
SELECT pg_temp.chat('c15', '6');
SELECT pg_temp.chat('c16', 'The WhatsApp booking saved me a day of queueing. Thank you!');
SELECT pg_temp.chat('c17', '5');
SELECT pg_temp.chat('c18', 'MKS');
