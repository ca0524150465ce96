-- Golden transcripts of the WhatsApp menu bot, in both languages.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-14 09:00+07';
SET passport.max_active_per_sender = 0;
-- one message from a sender: the reply, with numbers masked and [dup] for a redelivery
CREATE FUNCTION pg_temp.say(who text, id text, msg text) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(regexp_replace(r.reply, '[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}', '#####-#####', 'g'),
                        '\m[0-9]{15,16}\M', '<number>', 'g')
         || CASE WHEN r.duplicate THEN E'\n[redelivered]' ELSE '' END
    FROM passport.handle_message('whatsapp', who, id, msg) r
$$;
\pset format unaligned
\pset tuples_only on
UPDATE passport.office SET city = 'Jakarta Selatan', address = 'Jl. Warung Buncit Raya 207' WHERE code = 'JKS';
UPDATE passport.office SET city = 'Jakarta Selatan', address = 'Mal Blok M' WHERE code = 'ULP_BLOKM';
SELECT passport.release_slots('JKS', '2026-12-14', '2026-12-31') >= 0;

-- any text: the menu in Indonesian
SELECT pg_temp.say('0811-0000-0001', 'w1', 'Selamat pagi');
-- 1 reservation: office by city (two matches), service, date, identity with mistakes, confirmation
SELECT pg_temp.say('0811-0000-0001', 'w2', '1');
SELECT pg_temp.say('0811-0000-0001', 'w3', 'jakarta selatan');
SELECT pg_temp.say('0811-0000-0001', 'w4', '1');
SELECT pg_temp.say('0811-0000-0001', 'w5', '7');
SELECT pg_temp.say('0811-0000-0001', 'w6', '1');
SELECT pg_temp.say('0811-0000-0001', 'w7', 'besok');
SELECT pg_temp.say('0811-0000-0001', 'w8', '2');
SELECT pg_temp.say('0811-0000-0001', 'w9', '1234');
SELECT pg_temp.say('0811-0000-0001', 'w10', '3171 0147 0890 0071');
SELECT pg_temp.say('0811-0000-0001', 'w11', 'R2-D2');
SELECT pg_temp.say('0811-0000-0001', 'w12', 'Ratna Sari');
SELECT pg_temp.say('0811-0000-0001', 'w13', '08-08-1990');
SELECT pg_temp.say('0811-0000-0001', 'w14', '07/08/1990');
SELECT pg_temp.say('0811-0000-0001', 'w15', '1');
-- the webhook delivers the same message again: the same reply, no second booking
SELECT pg_temp.say('0811-0000-0001', 'w15', '1');
SELECT count(*) AS reservations_of_ratna FROM passport.reservation WHERE nik = '3171014708900071';
-- 2 status by reservation number: the sender is the second factor
SET passport.now_override = '2026-12-14 09:02+07';
SELECT pg_temp.say('0811-0000-0001', 'w16', '2');
SELECT pg_temp.say('0811-0000-0001', 'w17', (SELECT lower(code) FROM passport.reservation WHERE nik = '3171014708900071'));
-- 3 payment, 4 requirements, 5 pickup
SELECT pg_temp.say('0811-0000-0001', 'w18', '3');
SELECT pg_temp.say('0811-0000-0001', 'w19', '4');
SELECT pg_temp.say('0811-0000-0001', 'w20', '2');
SELECT pg_temp.say('0811-0000-0001', 'w21', '5');
-- #ubah moves the booking made in this conversation, #batal cancels it
SELECT pg_temp.say('0811-0000-0001', 'w22', '#ubah');
SELECT pg_temp.say('0811-0000-0001', 'w23', '31-02-2026');
SELECT pg_temp.say('0811-0000-0001', 'w24', '#ubah');
SELECT pg_temp.say('0811-0000-0001', 'w25', '18-12-2026');
SELECT pg_temp.say('0811-0000-0001', 'w26', '#batal');
SELECT pg_temp.say('0811-0000-0001', 'w27', '#batal');
SELECT pg_temp.say('0811-0000-0001', 'w28', 'ABCDE-FGHJK');
-- 6 appreciation and aspiration
SET passport.now_override = '2026-12-14 09:04+07';
SELECT pg_temp.say('0811-0000-0001', 'w29', '6');
SELECT pg_temp.say('0811-0000-0001', 'w30', 'Petugas ramah, antrean cepat.');
SELECT pg_temp.say('0811-0000-0001', 'w31', '9');
SELECT pg_temp.say('0811-0000-0001', 'w32', '5');
SELECT pg_temp.say('0811-0000-0001', 'w33', 'XYZ');
SELECT pg_temp.say('0811-0000-0001', 'w34', 'jks');
SELECT category, rating, body, (SELECT code FROM passport.office o WHERE o.office_id = f.office_id) AS office,
       sender_hash ~ '^[0-9a-f]{64}$' AS hashed, sender_hash NOT IN (encode(sha256('+6281100000001'), 'hex'), encode(sha256('6281100000001'), 'hex'),
                           encode(sha256('081100000001'), 'hex')) AS keyed
  FROM passport.feedback f;

-- English: switch, remembered, and every answer in English
SELECT pg_temp.say('+62 811 0000 0002', 'e1', 'hello');
SELECT pg_temp.say('+62 811 0000 0002', 'e2', 'EN');
SELECT pg_temp.say('+62 811 0000 0002', 'e3', 'what?');
SELECT pg_temp.say('+62 811 0000 0002', 'e4', '4');
SELECT pg_temp.say('+62 811 0000 0002', 'e5', '1');
-- a booking from the #Name#birth#visit shortcut, on a full day: the reason, then another day
SELECT count(passport.set_slot_capacity('JKS', 'regular', '2026-12-16', t::time, 0))
  FROM generate_series('2026-12-16 08:00'::timestamp, '2026-12-16 11:30', '30 min') t;
SELECT pg_temp.say('+62 811 0000 0002', 'e6', '#Budi Hartono#01011990#16122026');
SELECT pg_temp.say('+62 811 0000 0002', 'e7', 'jks');
SELECT pg_temp.say('+62 811 0000 0002', 'e8', '3');
SELECT pg_temp.say('+62 811 0000 0002', 'e9', '7371010101900099');
SELECT pg_temp.say('+62 811 0000 0002', 'e10', '1');
SELECT pg_temp.say('+62 811 0000 0002', 'e11', '2');
SELECT pg_temp.say('+62 811 0000 0002', 'e11b', '1');
-- a 16-digit number alone asks for the status; another sender's number needs the birth date
SELECT pg_temp.say('+62 811 0000 0002', 'e12', '9999 9999 9999 9990');
SELECT pg_temp.say('+62 811 0000 0002', 'e13', '01-01-1990');
SELECT pg_temp.say('+62 811 0000 0002', 'e14', '#bayar');
SELECT pg_temp.say('+62 811 0000 0002', 'e15', 'ID');
SELECT pg_temp.say('+62 811 0000 0002', 'e16', 'menu');

-- an idle conversation starts over
SELECT pg_temp.say('0811-0000-0003', 'x1', '1');
SET passport.now_override = '2026-12-14 09:31+07';
SELECT pg_temp.say('0811-0000-0003', 'x2', 'jks');

-- what people type: nothing, control characters, emoji, SQL, other scripts, a flood
SELECT pg_temp.say('0811-0000-0004', 'h1', '');
SELECT pg_temp.say('0811-0000-0004', 'h2', E'\x01\x02\x1b[31m');
SELECT pg_temp.say('0811-0000-0004', 'h3', '🙂🙂🙂');
SELECT pg_temp.say('0811-0000-0004', 'h4', $$1'; DROP TABLE passport.reservation; --$$);
SELECT pg_temp.say('0811-0000-0004', 'h5', 'パスポート');
SELECT pg_temp.say('0811-0000-0004', 'h6', repeat('x', 100000)) IS NOT NULL AS answered;
SELECT count(*) AS answered FROM generate_series(1, 20) i WHERE pg_temp.say('0811-0000-0005', 'f' || i, '4') IS NOT NULL;
SELECT pg_temp.say('0811-0000-0005', 'f21', '4');
SELECT count(*) AS reservations FROM passport.reservation;
