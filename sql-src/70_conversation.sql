--------------------------------------------------------------------------
-- Conversation engine: the WhatsApp menu inside the database
--------------------------------------------------------------------------

-- Every text the bot sends, per language; {name} is filled in.
CREATE TABLE passport.bot_text (
  key      text NOT NULL,
  language text NOT NULL,
  body     text NOT NULL,
  CONSTRAINT bot_text_pkey PRIMARY KEY (key, language),
  CONSTRAINT bot_text_language_known CHECK (language IN ('id', 'en'))
);
COMMENT ON TABLE passport.bot_text IS 'Every text the conversation engine sends, per language; editable by administrators.';
INSERT INTO passport.bot_text VALUES
  ('menu', 'id', E'Selamat datang di layanan WhatsApp Paspor Imigrasi.\nBalas dengan angka:\n1 Reservasi antrean paspor\n2 Cek status permohonan\n3 Tata cara pembayaran\n4 Persyaratan\n5 Tata cara antrean pengambilan paspor\n6 Apresiasi dan aspirasi\nKetik EN for English. Ketik 0 untuk kembali ke menu.'),
  ('menu', 'en', E'Welcome to the Immigration passport WhatsApp service.\nReply with a number:\n1 Book a passport appointment\n2 Check your application status\n3 How to pay\n4 Requirements\n5 How passport pickup works\n6 Appreciation and suggestions\nKetik ID untuk Bahasa Indonesia. Type 0 to return to the menu.'),
  ('unknown', 'id', 'Maaf, pilihan tidak dikenali.'),
  ('unknown', 'en', 'Sorry, I did not understand that.'),
  ('ask_office', 'id', 'Kantor imigrasi mana? Ketik kode kantor (mis. JKS) atau nama kota/kantor.'),
  ('ask_office', 'en', 'Which immigration office? Type the office code (e.g. JKS) or a city or office name.'),
  ('office_choices', 'id', E'Pilih kantor:\n{list}'),
  ('office_choices', 'en', E'Choose an office:\n{list}'),
  ('office_none', 'id', 'Kantor "{query}" tidak ditemukan. Coba kode kantor atau nama kota lain.'),
  ('office_none', 'en', 'No office matches "{query}". Try an office code or another city.'),
  ('ask_service', 'id', E'Layanan apa?\n{list}'),
  ('ask_service', 'en', E'Which service?\n{list}'),
  ('ask_date', 'id', E'Tanggal kedatangan? Tanggal dengan tempat kosong di {office}:\n{list}\nAtau ketik tanggal (HH-BB-TTTT).'),
  ('ask_date', 'en', E'Which day? Days with free places at {office}:\n{list}\nOr type a date (DD-MM-YYYY).'),
  ('no_dates', 'id', 'Belum ada tanggal dengan tempat kosong di {office}. Kuota dibuka berkala; coba lagi nanti.'),
  ('no_dates', 'en', 'There are no free places at {office} yet. Quotas open regularly; please try later.'),
  ('bad_date', 'id', 'Tanggal tidak dikenali. Ketik angka pilihan atau tanggal HH-BB-TTTT.'),
  ('bad_date', 'en', 'I could not read that date. Type a choice number or a date as DD-MM-YYYY.'),
  ('ask_nik', 'id', 'Ketik NIK (16 digit) pemohon.'),
  ('ask_nik', 'en', 'Type the applicant''s NIK (16 digits).'),
  ('bad_nik', 'id', 'NIK tidak valid: {reason}. Ketik ulang NIK 16 digit.'),
  ('bad_nik', 'en', 'That NIK is not valid: {reason}. Type the 16-digit NIK again.'),
  ('ask_name', 'id', 'Ketik nama lengkap pemohon sesuai KTP.'),
  ('ask_name', 'en', 'Type the applicant''s full name as on the ID card.'),
  ('ask_birth', 'id', 'Ketik tanggal lahir pemohon (HH-BB-TTTT).'),
  ('ask_birth', 'en', 'Type the applicant''s date of birth (DD-MM-YYYY).'),
  ('bad_birth', 'id', 'Tanggal lahir tidak cocok dengan NIK atau tidak terbaca. Ketik HH-BB-TTTT.'),
  ('bad_birth', 'en', 'The date of birth does not match the NIK or could not be read. Type DD-MM-YYYY.'),
  ('confirm', 'id', E'Periksa data:\nKantor: {office}\nLayanan: {service}\nTanggal: {date}\nNIK: {nik}\nNama: {name}\nTanggal lahir: {birth}\nBalas 1 untuk konfirmasi, 2 untuk batal.'),
  ('confirm', 'en', E'Please check:\nOffice: {office}\nService: {service}\nDate: {date}\nNIK: {nik}\nName: {name}\nDate of birth: {birth}\nReply 1 to confirm, 2 to cancel.'),
  ('booked', 'id', E'Reservasi berhasil.\nNomor reservasi: {number}\n{date} pukul {time}\n{office}, {address}\nBawa: KTP asli, Kartu Keluarga, akta kelahiran/ijazah/buku nikah, dan paspor lama bila ada.\nUntuk membatalkan ketik #batal, untuk mengubah jadwal ketik #ubah.'),
  ('booked', 'en', E'Booked.\nReservation number: {number}\n{date} at {time}\n{office}, {address}\nBring: original ID card (KTP), family card (KK), birth certificate/diploma/marriage book, and your old passport if any.\nTo cancel type #batal, to reschedule type #ubah.'),
  ('booking_failed', 'id', 'Reservasi tidak dapat dibuat: {reason}'),
  ('booking_failed', 'en', 'The booking could not be made: {reason}'),
  ('booking_aborted', 'id', 'Reservasi dibatalkan. Ketik 1 untuk mulai lagi.'),
  ('booking_aborted', 'en', 'Booking abandoned. Type 1 to start again.'),
  ('ask_number', 'id', 'Ketik nomor permohonan (16 digit) atau nomor reservasi (XXXXX-XXXXX).'),
  ('ask_number', 'en', 'Type your application number (16 digits) or reservation number (XXXXX-XXXXX).'),
  ('ask_status_birth', 'id', 'Nomor ini tidak terdaftar dengan nomor WhatsApp Anda. Ketik tanggal lahir pemohon (HH-BB-TTTT).'),
  ('ask_status_birth', 'en', 'This number is not registered with your WhatsApp number. Type the applicant''s date of birth (DD-MM-YYYY).'),
  ('status', 'id', E'{applicant}: {label}\n{next_step}{extra}'),
  ('status', 'en', E'{applicant}: {label}\n{next_step}{extra}'),
  ('status_not_found', 'id', 'Nomor tidak ditemukan atau tanggal lahir tidak cocok.'),
  ('status_not_found', 'en', 'Number not found, or the date of birth does not match.'),
  ('payment', 'id', E'Tata cara pembayaran: setelah wawancara Anda menerima kode billing (15 digit). Bayar sesuai jumlah di teller bank, ATM, internet/mobile banking, kantor pos, atau aplikasi e-commerce sebelum batas waktu (7 hari; 2 jam untuk pembayaran di aplikasi). Simpan NTPN pada bukti bayar.'),
  ('payment', 'en', E'How to pay: after the interview you receive a billing code (15 digits). Pay the exact amount at a bank teller, ATM, internet/mobile banking, post office or e-commerce app before it expires (7 days; 2 hours when paying in the app). Keep the NTPN on your receipt.'),
  ('payment_open', 'id', E'\nTagihan Anda: kode {code}, Rp{amount}, bayar sebelum {deadline}.'),
  ('payment_open', 'en', E'\nYour open billing: code {code}, IDR {amount}, pay before {deadline}.'),
  ('pickup', 'id', E'Tata cara pengambilan: datang ke kantor tempat Anda mengajukan dengan bukti permohonan dan KTP asli, ambil nomor antrean P di mesin antrean atau loket informasi, tunggu panggilan loket pengambilan. Paspor yang tidak diambil dalam 30 hari dibatalkan.'),
  ('pickup', 'en', E'How pickup works: come to the office where you applied with your receipt and original ID card, take a P ticket at the queue machine or information desk, and wait for the pickup counter to call you. Passports not collected within 30 days are cancelled.'),
  ('pickup_ready', 'id', E'\nPaspor Anda ({number}) siap diambil di {office} sampai {until}.'),
  ('pickup_ready', 'en', E'\nYour passport ({number}) is ready at {office} until {until}.'),
  ('ask_requirements', 'id', E'Persyaratan untuk layanan apa?\n{list}'),
  ('ask_requirements', 'en', E'Requirements for which service?\n{list}'),
  ('ask_feedback', 'id', 'Silakan tulis apresiasi atau aspirasi Anda.'),
  ('ask_feedback', 'en', 'Please write your appreciation or suggestion.'),
  ('ask_rating', 'id', 'Beri nilai 1 sampai 5 (atau ketik - untuk melewati).'),
  ('ask_rating', 'en', 'Give a rating from 1 to 5 (or type - to skip).'),
  ('ask_feedback_office', 'id', 'Untuk kantor mana? Ketik kode kantor (atau - untuk melewati).'),
  ('ask_feedback_office', 'en', 'For which office? Type its code (or - to skip).'),
  ('thanks_feedback', 'id', 'Terima kasih. Masukan Anda sudah kami terima.'),
  ('thanks_feedback', 'en', 'Thank you. We have received your feedback.'),
  ('ask_cancel_number', 'id', 'Ketik nomor reservasi yang akan dibatalkan.'),
  ('ask_cancel_number', 'en', 'Type the reservation number to cancel.'),
  ('cancelled', 'id', 'Reservasi {number} dibatalkan.'),
  ('cancelled', 'en', 'Reservation {number} is cancelled.'),
  ('ask_new_date', 'id', 'Ketik tanggal baru (HH-BB-TTTT) untuk reservasi {number}.'),
  ('ask_new_date', 'en', 'Type the new date (DD-MM-YYYY) for reservation {number}.'),
  ('rescheduled', 'id', 'Jadwal reservasi {number} diubah ke {date} pukul {time}.'),
  ('rescheduled', 'en', 'Reservation {number} moved to {date} at {time}.'),
  ('action_failed', 'id', 'Tidak dapat diproses: {reason}'),
  ('action_failed', 'en', 'That could not be done: {reason}'),
  ('rate_limited', 'id', 'Anda mengirim terlalu banyak pesan. Mohon tunggu sebentar lalu coba lagi.'),
  ('rate_limited', 'en', 'You are sending too many messages. Please wait a moment and try again.'),
  ('language_set', 'id', 'Bahasa diubah ke Bahasa Indonesia.'),
  ('language_set', 'en', 'Language set to English.'),
  ('error', 'id', 'Maaf, terjadi gangguan. Silakan coba lagi.'),
  ('error', 'en', 'Sorry, something went wrong. Please try again.');

-- Requirements and procedures per topic, service and language.
CREATE TABLE passport.info (
  topic    text NOT NULL,
  service  text NOT NULL DEFAULT '',
  language text NOT NULL,
  body     text NOT NULL,
  CONSTRAINT info_pkey PRIMARY KEY (topic, service, language),
  CONSTRAINT info_language_known CHECK (language IN ('id', 'en'))
);
COMMENT ON TABLE passport.info IS 'Information content per topic (requirements), service and language; editable by administrators.';
INSERT INTO passport.info VALUES
  ('requirements', 'new_adult', 'id', 'Paspor baru dewasa: KTP elektronik, Kartu Keluarga, akta kelahiran atau ijazah atau buku nikah/akta perkawinan (asli).'),
  ('requirements', 'new_adult', 'en', 'New passport, adult: electronic ID card (KTP), family card (KK), birth certificate or diploma or marriage book (originals).'),
  ('requirements', 'new_child', 'id', 'Paspor baru anak: akta kelahiran anak, Kartu Keluarga, KTP dan paspor kedua orang tua, buku nikah orang tua, surat pernyataan orang tua; anak hadir bersama orang tua.'),
  ('requirements', 'new_child', 'en', 'New passport, child: child''s birth certificate, family card, both parents'' ID cards and passports, parents'' marriage book, parents'' statement; the child comes with a parent.'),
  ('requirements', 'renewal', 'id', 'Penggantian habis masa berlaku: KTP elektronik dan paspor lama.'),
  ('requirements', 'renewal', 'en', 'Renewal: electronic ID card and the old passport.'),
  ('requirements', 'lost', 'id', 'Penggantian paspor hilang: KTP elektronik, Kartu Keluarga, akta kelahiran/ijazah/buku nikah, surat keterangan hilang dari kepolisian; ada pemeriksaan dan biaya tambahan kecuali keadaan kahar.'),
  ('requirements', 'lost', 'en', 'Lost passport: electronic ID card, family card, birth certificate/diploma/marriage book, police loss report; an interview and a surcharge apply unless force majeure.'),
  ('requirements', 'damaged', 'id', 'Penggantian paspor rusak: KTP elektronik, Kartu Keluarga, paspor yang rusak; biaya tambahan kecuali keadaan kahar.'),
  ('requirements', 'damaged', 'en', 'Damaged passport: electronic ID card, family card, the damaged passport; a surcharge applies unless force majeure.'),
  ('requirements', 'data_change', 'id', 'Perubahan data: KTP elektronik, paspor lama, dokumen pendukung perubahan (mis. penetapan pengadilan atau akta).'),
  ('requirements', 'data_change', 'en', 'Change of data: electronic ID card, old passport, supporting documents for the change (e.g. court decision or certificate).');

CREATE TABLE passport.conversation (
  channel      text        NOT NULL,
  sender       text        NOT NULL,
  state        text        NOT NULL DEFAULT 'menu',
  language     text        NOT NULL DEFAULT 'id',
  context      jsonb       NOT NULL DEFAULT '{}',
  updated_at   timestamptz NOT NULL,
  window_start timestamptz NOT NULL,
  messages     integer     NOT NULL DEFAULT 0,
  CONSTRAINT conversation_pkey PRIMARY KEY (channel, sender),
  CONSTRAINT conversation_language_known CHECK (language IN ('id', 'en'))
);
COMMENT ON TABLE passport.conversation IS
  'One dialogue per channel and sender: its step, language, collected fields (context), last activity and rate-limit window. Keyed by sender, like nik_guard.';
SELECT pg_catalog.pg_extension_config_dump('passport.conversation', '');

CREATE TABLE passport.inbound_message (
  channel     text        NOT NULL,
  message_id  text        NOT NULL,
  sender      text        NOT NULL,
  received_at timestamptz NOT NULL,
  reply       text,
  choices     text[],
  CONSTRAINT inbound_message_pkey PRIMARY KEY (channel, message_id)
);
COMMENT ON TABLE passport.inbound_message IS
  'Each inbound message once (webhooks deliver at least once): a redelivery gets the stored reply and has no second effect.';
SELECT pg_catalog.pg_extension_config_dump('passport.inbound_message', '');

CREATE TABLE passport.feedback (
  feedback_id bigint      NOT NULL GENERATED BY DEFAULT AS IDENTITY,
  office_id   bigint,
  channel     text        NOT NULL,
  sender_hash text        NOT NULL,
  category    text        NOT NULL,
  rating      smallint,
  body        text        NOT NULL,
  created_at  timestamptz NOT NULL,
  CONSTRAINT feedback_pkey PRIMARY KEY (feedback_id),
  CONSTRAINT feedback_values_valid CHECK (category IN ('appreciation', 'aspiration', 'complaint')
    AND (rating IS NULL OR rating BETWEEN 1 AND 5))
);
COMMENT ON TABLE passport.feedback IS
  'Appreciation and aspirations: channel, the sender as a keyed hash (never the number), office, category, rating.';
SELECT pg_catalog.pg_extension_config_dump('passport.feedback', '');
SELECT pg_catalog.pg_extension_config_dump('passport.feedback_feedback_id_seq', '');

CREATE TYPE passport.bot_reply AS (reply text, choices text[], duplicate boolean);
COMMENT ON TYPE passport.bot_reply IS 'What handle_message answers: the text, optional choices for channels with buttons, and whether it was a redelivery.';

CREATE FUNCTION passport.bot_say(key text, language text, fill jsonb DEFAULT '{}')
  RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  body text;
BEGIN
  SELECT t.body INTO body FROM passport.bot_text t WHERE t.key = bot_say.key AND t.language = bot_say.language;
  IF body IS NULL THEN
    SELECT t.body INTO body FROM passport.bot_text t WHERE t.key = bot_say.key AND t.language = 'id';
  END IF;
  RETURN coalesce(passport.fill_text(body, fill), key);
END;
$$;
COMMENT ON FUNCTION passport.bot_say(text, text, jsonb) IS 'A bot text in a language with {name} filled from fill.';

CREATE FUNCTION passport.bot_service_list(services text[], language text)
  RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT string_agg(u.n || ' ' || CASE bot_service_list.language WHEN 'en' THEN s.name_en ELSE s.name_id END,
                    E'\n' ORDER BY u.n)
    FROM unnest(services) WITH ORDINALITY AS u(code, n)
    JOIN passport.service s ON s.service_code = u.code
$$;
COMMENT ON FUNCTION passport.bot_service_list(text[], text) IS
  'The services numbered from 1 in the given order, one per line, named in the language.';

CREATE FUNCTION passport.bot_reason(sqlstate text, language text, fallback text)
  RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN EXISTS (SELECT 1 FROM passport.bot_text t WHERE t.key = 'reason_' || bot_reason.sqlstate)
              THEN passport.bot_say('reason_' || bot_reason.sqlstate, bot_reason.language)
              ELSE fallback END
$$;
COMMENT ON FUNCTION passport.bot_reason(text, text, text) IS
  'The bot''s explanation of an error by its SQLSTATE (bot text reason_<SQLSTATE>), or fallback when it has none.';

CREATE FUNCTION passport.parse_day(text text)
  RETURNS date
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  m text[];
BEGIN
  m := regexp_match(btrim(text), '^([0-9]{1,2})[-/. ]?([0-9]{1,2})[-/. ]?([0-9]{4})$');
  IF m IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN make_date(m[3]::int, m[2]::int, m[1]::int);
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END;
$$;
COMMENT ON FUNCTION passport.parse_day(text) IS 'A date typed as DD-MM-YYYY (also DD/MM/YYYY, DD.MM.YYYY, DDMMYYYY), or NULL.';

INSERT INTO passport.bot_text VALUES
  ('reason_PP001', 'id', 'tanggal itu sudah penuh. Pilih tanggal lain.'),
  ('reason_PP001', 'en', 'that date is fully booked. Choose another day.'),
  ('reason_PP002', 'id', 'tanggal itu belum dibuka, tutup, atau sudah lewat.'),
  ('reason_PP002', 'en', 'that date is not open yet, closed, or past.'),
  ('reason_PP003', 'id', 'NIK ini sudah memiliki reservasi aktif.'),
  ('reason_PP003', 'en', 'this NIK already has an active reservation.'),
  ('reason_PP004', 'id', 'nomor ini sudah memiliki batas maksimal reservasi aktif.'),
  ('reason_PP004', 'en', 'this number already holds the maximum of active reservations.'),
  ('reason_PP005', 'id', 'NIK ini baru membatalkan atau tidak hadir; coba lagi besok.'),
  ('reason_PP005', 'en', 'this NIK recently cancelled or missed a visit; try again tomorrow.'),
  ('reason_PP006', 'id', 'nomor reservasi tidak ditemukan untuk nomor WhatsApp ini.'),
  ('reason_PP006', 'en', 'no such reservation for this WhatsApp number.'),
  ('reason_PP007', 'id', 'reservasi itu sudah tidak aktif.'),
  ('reason_PP007', 'en', 'that reservation is no longer active.'),
  ('reason_PP008', 'id', 'jadwal hanya dapat diubah sekali dan paling lambat sehari sebelumnya.'),
  ('reason_PP008', 'en', 'a booking can be moved once, at least a day before.'),
  ('reason_PP101', 'id', 'nomor reservasi tidak valid (periksa kembali hurufnya).'),
  ('reason_PP101', 'en', 'that reservation number is not valid (check the symbols).');

CREATE FUNCTION passport.bot_dates(office_code text, language text, OUT list text, OUT items jsonb, OUT office_name text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  list := '';
  items := '[]';
  SELECT o.name INTO office_name FROM passport.office o WHERE o.code = office_code;
  FOR r IN SELECT a.local_date, a.free FROM passport.availability(office_code, NULL, 30, 'regular') a
            WHERE a.free > 0 ORDER BY a.local_date LIMIT 5 LOOP
    n := n + 1;
    items := items || to_jsonb(r.local_date::text);
    list := list || n || ' ' || to_char(r.local_date, 'DD-MM-YYYY') || ' (' || r.free || E')\n';
  END LOOP;
  list := rtrim(list, E'\n');
END;
$$;
COMMENT ON FUNCTION passport.bot_dates(text, text) IS 'The next five days with free places at an office, as a numbered list for the bot.';

CREATE FUNCTION passport.bot_step(channel text, sender text, message_id text, body text,
                                  now timestamptz, INOUT state text, INOUT language text,
                                  INOUT context jsonb, OUT reply text, OUT choices text[])
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  lang text := language;
  txt text := btrim(body);
  low text := lower(btrim(body));
  pick integer;
  v_list text := '';
  v_items text[] := '{}';
  r record;
  n integer := 0;
  v_day date;
  v_reason text;
  v_state text;
  v_code text;
  services text[] := ARRAY['new_adult', 'new_child', 'renewal', 'lost', 'damaged', 'data_change'];
  m text[];
BEGIN
  pick := CASE WHEN low ~ '^[0-9]{1,2}$' THEN low::integer END;

  -- commands that work at any step
  IF low IN ('0', 'menu', '#menu', 'halo', 'hai', 'hi', 'hello', 'start', 'mulai') THEN
    state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
    reply := passport.bot_say('menu', lang); choices := ARRAY['1', '2', '3', '4', '5', '6'];
    RETURN;
  END IF;
  IF low IN ('en', 'english', 'inggris') OR low IN ('id', 'indonesia', 'bahasa', 'bahasa indonesia') THEN
    language := CASE WHEN low IN ('en', 'english', 'inggris') THEN 'en' ELSE 'id' END;
    state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
    reply := passport.bot_say('language_set', language) || E'\n\n' || passport.bot_say('menu', language);
    choices := ARRAY['1', '2', '3', '4', '5', '6'];
    RETURN;
  END IF;

  -- shortcuts the service's users know
  IF regexp_replace(txt, '[\s.-]', '', 'g') ~ '^[0-9]{16}$' AND state NOT IN ('book_nik') THEN
    state := 'status_number';
  ELSIF low = '#bayar' THEN
    state := 'menu'; low := '3'; pick := 3;
  ELSIF low = '#batal' THEN
    IF context ? 'last_reservation' THEN
      state := 'cancel_number'; txt := context ->> 'last_reservation';
    ELSE
      state := 'cancel_number';
      reply := passport.bot_say('ask_cancel_number', lang);
      RETURN;
    END IF;
  ELSIF low = '#ubah' THEN
    IF context ? 'last_reservation' THEN
      state := 'resched_date';
      reply := passport.bot_say('ask_new_date', lang, jsonb_build_object('number', context ->> 'last_reservation'));
    ELSE
      state := 'resched_number';
      reply := passport.bot_say('ask_number', lang);
    END IF;
    RETURN;
  ELSIF txt ~ '^#[^#]{2,100}#[0-9]{8}#[0-9]{8}$' THEN
    m := regexp_match(txt, '^#([^#]+)#([0-9]{8})#([0-9]{8})$');
    context := jsonb_strip_nulls(jsonb_build_object('name', btrim(m[1]),
                 'birth', passport.parse_day(m[2]), 'visit_date', passport.parse_day(m[3])));
    state := 'book_office';
    reply := passport.bot_say('ask_office', lang);
    RETURN;
  END IF;

  IF state = 'menu' THEN
    CASE pick
      WHEN 1 THEN
        state := 'book_office'; context := context - 'office_choices';
        reply := passport.bot_say('ask_office', lang);
      WHEN 2 THEN
        state := 'status_number'; reply := passport.bot_say('ask_number', lang);
      WHEN 3 THEN
        reply := passport.bot_say('payment', lang);
        SELECT b.billing_code, b.amount, b.expires_at, o.time_zone INTO r
          FROM passport.application a
          JOIN passport.billing b ON b.office_id = a.office_id AND b.application_number = a.application_number
          JOIN passport.office o ON o.office_id = a.office_id
         WHERE a.sender = bot_step.sender AND b.status = 'open' AND b.expires_at > now
         ORDER BY b.expires_at LIMIT 1;
        IF FOUND THEN
          reply := reply || passport.bot_say('payment_open', lang, jsonb_build_object('code', r.billing_code,
                     'amount', to_char(r.amount, 'FM999G999G999'),
                     'deadline', to_char(r.expires_at AT TIME ZONE r.time_zone, 'YYYY-MM-DD HH24:MI')));
        END IF;
      WHEN 4 THEN
        state := 'req_service';
        reply := passport.bot_say('ask_requirements', lang,
                                  jsonb_build_object('list', passport.bot_service_list(services, lang)));
        choices := ARRAY['1', '2', '3', '4', '5', '6'];
      WHEN 5 THEN
        reply := passport.bot_say('pickup', lang);
        SELECT a.application_number, o.name, a.pickup_until INTO r
          FROM passport.application a JOIN passport.office o ON o.office_id = a.office_id
         WHERE a.sender = bot_step.sender AND a.status = 'ready' ORDER BY a.status_at DESC LIMIT 1;
        IF FOUND THEN
          reply := reply || passport.bot_say('pickup_ready', lang, jsonb_build_object('number', r.application_number,
                     'office', r.name, 'until', r.pickup_until));
        END IF;
      WHEN 6 THEN
        state := 'fb_text'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation')); reply := passport.bot_say('ask_feedback', lang);
      ELSE
        reply := passport.bot_say('menu', lang); choices := ARRAY['1', '2', '3', '4', '5', '6'];
    END CASE;
    RETURN;
  END IF;

  IF state = 'book_office' THEN
    IF pick IS NOT NULL AND context ? 'office_choices' AND pick BETWEEN 1 AND jsonb_array_length(context -> 'office_choices') THEN
      v_code := context -> 'office_choices' ->> (pick - 1);
    ELSE
      n := 0;
      FOR r IN SELECT o.code, o.name FROM passport.office o
                WHERE o.active AND txt <> ''
                  AND (o.code = upper(txt)
                       OR o.name ILIKE '%' || replace(replace(replace(txt, '\', '\\'), '%', '\%'), '_', '\_') || '%'
                       OR o.city ILIKE '%' || replace(replace(replace(txt, '\', '\\'), '%', '\%'), '_', '\_') || '%')
                ORDER BY (o.code = upper(txt)) DESC, o.code LIMIT 5 LOOP
        n := n + 1;
        v_items := v_items || r.code;
        v_list := v_list || n || ' ' || r.name || ' (' || r.code || E')\n';
      END LOOP;
      IF n = 0 THEN
        reply := passport.bot_say('office_none', lang, jsonb_build_object('query', left(txt, 40)));
        RETURN;
      ELSIF n > 1 AND NOT (SELECT o.code = upper(txt) FROM passport.office o WHERE o.code = v_items[1]) THEN
        context := context || jsonb_build_object('office_choices', to_jsonb(v_items));
        reply := passport.bot_say('office_choices', lang, jsonb_build_object('list', rtrim(v_list, E'\n')));
        choices := (SELECT array_agg(i::text) FROM generate_series(1, n) i);
        RETURN;
      END IF;
      v_code := v_items[1];
    END IF;
    context := (context - 'office_choices') || jsonb_build_object('office', v_code);
    state := 'book_service';
  END IF;

  IF state = 'book_service' AND context ? 'service' THEN
    state := 'book_date';
  ELSIF state = 'book_service' THEN
    IF pick BETWEEN 1 AND 6 AND context ? 'asked_service' THEN
      context := (context - 'asked_service') || jsonb_build_object('service', services[pick]);
      state := 'book_date';
    ELSE
      context := context || '{"asked_service": true}';
      reply := passport.bot_say('ask_service', lang,
                                jsonb_build_object('list', passport.bot_service_list(services, lang)));
      choices := ARRAY['1', '2', '3', '4', '5', '6'];
      RETURN;
    END IF;
  END IF;

  IF state = 'book_date' AND context ? 'visit_date' AND NOT context ? 'date_choices' THEN
    state := 'book_nik';
  ELSIF state = 'book_date' THEN
    IF context ? 'date_choices' THEN
      IF pick BETWEEN 1 AND jsonb_array_length(context -> 'date_choices') THEN
        v_day := (context -> 'date_choices' ->> (pick - 1))::date;
      ELSE
        v_day := passport.parse_day(txt);
      END IF;
      IF v_day IS NULL THEN
        reply := passport.bot_say('bad_date', lang);
        RETURN;
      END IF;
      context := (context - 'date_choices') || jsonb_build_object('visit_date', v_day);
      state := 'book_nik';
    ELSE
      SELECT * INTO r FROM passport.bot_dates(context ->> 'office', lang);
      IF jsonb_array_length(r.items) = 0 THEN
        state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
        reply := passport.bot_say('no_dates', lang, jsonb_build_object('office', r.office_name));
        RETURN;
      END IF;
      context := context || jsonb_build_object('date_choices', r.items);
      reply := passport.bot_say('ask_date', lang, jsonb_build_object('office', r.office_name, 'list', r.list));
      choices := (SELECT array_agg(i::text) FROM generate_series(1, jsonb_array_length(r.items)) i);
      RETURN;
    END IF;
  END IF;

  IF state = 'book_nik' AND context ? 'nik' THEN
    state := 'book_name';
  ELSIF state = 'book_nik' THEN
    IF context ? 'asked_nik' THEN
      v_reason := passport.nik_problem(txt);
      IF v_reason IS NOT NULL THEN
        reply := passport.bot_say('bad_nik', lang, jsonb_build_object('reason', v_reason));
        RETURN;
      END IF;
      context := (context - 'asked_nik') || jsonb_build_object('nik', (passport.nik_parts(txt)).digits);
      state := 'book_name';
    ELSE
      context := context || '{"asked_nik": true}';
      reply := passport.bot_say('ask_nik', lang);
      RETURN;
    END IF;
  END IF;

  IF state = 'book_name' AND context ? 'name' THEN
    state := 'book_birth';
  ELSIF state = 'book_name' THEN
    IF context ? 'asked_name' AND length(txt) BETWEEN 2 AND 100 AND txt ~ '^[[:alpha:] .''-]+$' THEN
      context := (context - 'asked_name') || jsonb_build_object('name', txt);
      state := 'book_birth';
    ELSE
      context := context || '{"asked_name": true}';
      reply := passport.bot_say('ask_name', lang);
      RETURN;
    END IF;
  END IF;

  IF state = 'book_birth' AND context ? 'birth' AND NOT context ? 'asked_birth' THEN
    IF (passport.nik_parts(context ->> 'nik')).birth_date IS DISTINCT FROM (context ->> 'birth')::date THEN
      context := (context - 'birth') || '{"asked_birth": true}';
      reply := passport.bot_say('bad_birth', lang);
      RETURN;
    END IF;
    state := 'book_confirm';
  ELSIF state = 'book_birth' THEN
    IF context ? 'asked_birth' THEN
      v_day := passport.parse_day(txt);
      IF v_day IS NULL OR (passport.nik_parts(context ->> 'nik')).birth_date IS DISTINCT FROM v_day THEN
        reply := passport.bot_say('bad_birth', lang);
        RETURN;
      END IF;
      context := (context - 'asked_birth') || jsonb_build_object('birth', v_day);
      state := 'book_confirm';
    ELSE
      context := context || '{"asked_birth": true}';
      reply := passport.bot_say('ask_birth', lang);
      RETURN;
    END IF;
  END IF;

  IF state = 'book_confirm' THEN
    IF context ? 'asked_confirm' AND pick = 1 THEN
      BEGIN
        SELECT b.reservation_number, b.local_date, b.start_time, o.name, o.address INTO r
          FROM passport.reserve(context ->> 'office', context ->> 'service', 'regular',
                                (context ->> 'visit_date')::date, context ->> 'nik', context ->> 'name',
                                (context ->> 'birth')::date, NULL, channel, sender, 'msg:' || message_id) b
          JOIN passport.office o ON o.code = b.office_code;
        reply := passport.bot_say('booked', lang, jsonb_build_object('number', r.reservation_number,
                   'date', to_char(r.local_date, 'DD-MM-YYYY'), 'time', to_char(r.start_time, 'HH24:MI'),
                   'office', r.name, 'address', coalesce(r.address, '')));
        context := jsonb_build_object('last_reservation', r.reservation_number);
      EXCEPTION WHEN OTHERS THEN
        v_state := SQLSTATE;
        v_reason := passport.bot_reason(v_state, lang, SQLERRM);
        reply := passport.bot_say('booking_failed', lang, jsonb_build_object('reason', v_reason));
        context := context - 'asked_confirm';
        IF v_state IN ('PP001', 'PP002') THEN
          -- offer other days at once
          SELECT * INTO r FROM passport.bot_dates(context ->> 'office', lang);
          IF jsonb_array_length(r.items) > 0 THEN
            state := 'book_date';
            context := (context - 'visit_date') || jsonb_build_object('date_choices', r.items);
            reply := reply || E'\n\n' || passport.bot_say('ask_date', lang, jsonb_build_object('office', r.office_name, 'list', r.list));
            choices := (SELECT array_agg(i::text) FROM generate_series(1, jsonb_array_length(r.items)) i);
            RETURN;
          END IF;
        END IF;
      END;
      state := 'menu';
      IF context ? 'asked_confirm' THEN context := context - 'asked_confirm'; END IF;
      RETURN;
    ELSIF context ? 'asked_confirm' AND pick = 2 THEN
      state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
      reply := passport.bot_say('booking_aborted', lang);
      RETURN;
    END IF;
    context := context || '{"asked_confirm": true}';
    SELECT o.name INTO v_reason FROM passport.office o WHERE o.code = context ->> 'office';
    reply := passport.bot_say('confirm', lang, jsonb_build_object('office', v_reason,
               'service', (SELECT CASE lang WHEN 'en' THEN s.name_en ELSE s.name_id END FROM passport.service s
                            WHERE s.service_code = context ->> 'service'),
               'date', to_char((context ->> 'visit_date')::date, 'DD-MM-YYYY'), 'nik', context ->> 'nik',
               'name', context ->> 'name', 'birth', to_char((context ->> 'birth')::date, 'DD-MM-YYYY')));
    choices := ARRAY['1', '2'];
    RETURN;
  END IF;

  IF state = 'status_number' THEN
    IF txt = '' THEN
      reply := passport.bot_say('ask_number', lang); RETURN;
    END IF;
    BEGIN
      SELECT * INTO r FROM passport.application_status(txt, sender => bot_step.sender, language => lang);
    EXCEPTION WHEN SQLSTATE 'PP017' THEN
      state := 'menu'; reply := passport.bot_say('rate_limited', lang); RETURN;
    WHEN OTHERS THEN
      reply := passport.bot_say('status_not_found', lang) || E'\n' || passport.bot_say('ask_number', lang);
      RETURN;
    END;
    IF r.status = 'not_found' THEN
      state := 'status_birth'; context := jsonb_build_object('status_number', txt);
      reply := passport.bot_say('ask_status_birth', lang);
      RETURN;
    END IF;
    state := 'menu';
    reply := passport.bot_say('status', lang, jsonb_build_object('applicant', r.applicant, 'label', r.label,
               'next_step', r.next_step, 'extra', coalesce(E'\n' || r.payment_instructions, '')));
    RETURN;
  END IF;

  IF state = 'status_birth' THEN
    v_day := passport.parse_day(txt);
    state := 'menu';
    IF v_day IS NOT NULL THEN
      BEGIN
        SELECT * INTO r FROM passport.application_status(context ->> 'status_number', birth_date => v_day, language => lang);
      EXCEPTION WHEN OTHERS THEN
        r := NULL;
      END;
    END IF;
    context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
    IF v_day IS NULL OR r.status IS NULL OR r.status = 'not_found' THEN
      reply := passport.bot_say('status_not_found', lang);
    ELSE
      reply := passport.bot_say('status', lang, jsonb_build_object('applicant', r.applicant, 'label', r.label,
                 'next_step', r.next_step, 'extra', coalesce(E'\n' || r.payment_instructions, '')));
    END IF;
    RETURN;
  END IF;

  IF state = 'req_service' THEN
    IF pick BETWEEN 1 AND 6 THEN
      state := 'menu';
      SELECT i.body INTO reply FROM passport.info i
       WHERE i.topic = 'requirements' AND i.service = services[pick] AND i.language = lang;
    ELSE
      reply := passport.bot_say('unknown', lang);
    END IF;
    RETURN;
  END IF;

  IF state = 'fb_text' THEN
    IF txt = '' THEN
      reply := passport.bot_say('ask_feedback', lang); RETURN;
    END IF;
    context := jsonb_build_object('feedback', left(txt, 1000));
    state := 'fb_rating'; reply := passport.bot_say('ask_rating', lang); choices := ARRAY['1', '2', '3', '4', '5', '-'];
    RETURN;
  END IF;
  IF state = 'fb_rating' THEN
    IF low = '-' OR pick BETWEEN 1 AND 5 THEN
      context := context || jsonb_build_object('rating', CASE WHEN pick BETWEEN 1 AND 5 THEN pick END);
      state := 'fb_office'; reply := passport.bot_say('ask_feedback_office', lang);
    ELSE
      reply := passport.bot_say('ask_rating', lang);
    END IF;
    RETURN;
  END IF;
  IF state = 'fb_office' THEN
    IF low <> '-' AND NOT EXISTS (SELECT 1 FROM passport.office o WHERE o.code = upper(txt)) THEN
      reply := passport.bot_say('ask_feedback_office', lang); RETURN;
    END IF;
    INSERT INTO passport.feedback (office_id, channel, sender_hash, category, rating, body, created_at)
    VALUES ((SELECT o.office_id FROM passport.office o WHERE o.code = upper(txt)), channel,
            encode(sha256((SELECT s.key FROM passport.secret s WHERE s.purpose = 'ff1' ORDER BY s.created_at LIMIT 1)
                          || convert_to(sender, 'UTF8')), 'hex'),
            CASE WHEN (context ->> 'rating')::int >= 4 THEN 'appreciation'
                 WHEN (context ->> 'rating')::int <= 2 THEN 'complaint' ELSE 'aspiration' END,
            (context ->> 'rating')::smallint, context ->> 'feedback', now);
    state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
    reply := passport.bot_say('thanks_feedback', lang);
    RETURN;
  END IF;

  IF state = 'cancel_number' THEN
    BEGIN
      SELECT b.reservation_number INTO v_code FROM passport.cancel(txt, sender => bot_step.sender) b;
      reply := passport.bot_say('cancelled', lang, jsonb_build_object('number', v_code));
      context := context - 'last_reservation';
    EXCEPTION WHEN OTHERS THEN
      v_reason := passport.bot_reason(SQLSTATE, lang, passport.bot_say('unknown', lang));
      reply := passport.bot_say('action_failed', lang, jsonb_build_object('reason', v_reason));
    END;
    state := 'menu';
    RETURN;
  END IF;

  IF state = 'resched_number' THEN
    IF NOT passport.is_reservation_number(txt) THEN
      reply := passport.bot_say('action_failed', lang, jsonb_build_object('reason', passport.bot_say('reason_PP101', lang)));
      state := 'menu'; RETURN;
    END IF;
    context := context || jsonb_build_object('last_reservation', passport.normalize_reservation_number(txt));
    state := 'resched_date';
    reply := passport.bot_say('ask_new_date', lang, jsonb_build_object('number', context ->> 'last_reservation'));
    RETURN;
  END IF;
  IF state = 'resched_date' THEN
    v_day := passport.parse_day(txt);
    IF v_day IS NULL THEN
      reply := passport.bot_say('bad_date', lang); RETURN;
    END IF;
    BEGIN
      SELECT b.reservation_number, b.local_date, b.start_time INTO r
        FROM passport.reschedule(context ->> 'last_reservation', v_day, sender => bot_step.sender) b;
      reply := passport.bot_say('rescheduled', lang, jsonb_build_object('number', r.reservation_number,
                 'date', to_char(r.local_date, 'DD-MM-YYYY'), 'time', to_char(r.start_time, 'HH24:MI')));
    EXCEPTION WHEN OTHERS THEN
      v_reason := passport.bot_reason(SQLSTATE, lang, passport.bot_say('unknown', lang));
      reply := passport.bot_say('action_failed', lang, jsonb_build_object('reason', v_reason));
    END;
    state := 'menu';
    RETURN;
  END IF;

  state := 'menu'; context := jsonb_strip_nulls(jsonb_build_object('last_reservation', context -> 'last_reservation'));
  reply := passport.bot_say('menu', lang); choices := ARRAY['1', '2', '3', '4', '5', '6'];
END;
$$;
COMMENT ON FUNCTION passport.bot_step(text, text, text, text, timestamptz, text, text, jsonb) IS
  'One step of the dialogue: from the conversation''s state, language and collected fields and the text received, the reply and the next state (used by handle_message).';

CREATE FUNCTION passport.handle_message(channel text, sender text, message_id text, body text)
  RETURNS passport.bot_reply
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  ch text := lower(left(btrim(coalesce(channel, '')), 20));
  who text := left(btrim(coalesce(sender, '')), 64);
  msg text := left(btrim(coalesce(message_id, '')), 200);
  txt text;
  c passport.conversation;
  stored passport.inbound_message;
  s record;
  result passport.bot_reply;
BEGIN
  IF ch = '' OR who = '' OR msg = '' THEN
    RAISE EXCEPTION 'channel, sender and message_id are required'
      USING ERRCODE = '22004', DETAIL = 'The adapter must pass the channel, the sender and the message id.';
  END IF;
  IF ch IN ('whatsapp', 'sms') AND who ~ '^[+0-9() .-]+$' THEN
    BEGIN
      who := passport.normalize_phone(who);
    EXCEPTION WHEN OTHERS THEN
      NULL;
    END;
  END IF;

  -- the sender's conversation, locked: messages of one sender (and
  -- redeliveries of one message) are handled one at a time
  SELECT * INTO c FROM passport.conversation x WHERE x.channel = ch AND x.sender = who FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO passport.conversation AS x (channel, sender, updated_at, window_start)
    VALUES (ch, who, t, t)
    ON CONFLICT ON CONSTRAINT conversation_pkey DO NOTHING;
    SELECT * INTO c FROM passport.conversation x WHERE x.channel = ch AND x.sender = who FOR UPDATE;
  END IF;

  -- a redelivered message gets the original reply and has no second effect
  SELECT * INTO stored FROM passport.inbound_message m WHERE m.channel = ch AND m.message_id = msg;
  IF FOUND THEN
    RETURN (stored.reply, stored.choices, true)::passport.bot_reply;
  END IF;

  -- what a person typed: no control characters, at most 2000 characters
  txt := btrim(regexp_replace(left(coalesce(body, ''), 2000), '[\x01-\x09\x0b-\x1f\x7f]', ' ', 'g'));

  IF c.window_start <= t - interval '1 minute' THEN
    c.window_start := t;
    c.messages := 0;
  END IF;
  c.messages := c.messages + 1;
  IF c.updated_at < t - current_setting('passport.conversation_timeout')::interval THEN
    c.state := 'menu';
    c.context := jsonb_strip_nulls(jsonb_build_object('last_reservation', c.context -> 'last_reservation'));
  END IF;

  IF c.messages > 20 THEN
    result := (passport.bot_say('rate_limited', c.language), NULL, false);
  ELSE
    BEGIN
      SELECT * INTO s FROM passport.bot_step(ch, who, msg, txt, t, c.state, c.language, c.context);
      c.state := s.state;
      c.language := s.language;
      c.context := s.context;
      result := (s.reply, s.choices, false);
    EXCEPTION WHEN OTHERS THEN
      c.state := 'menu';
      c.context := jsonb_strip_nulls(jsonb_build_object('last_reservation', c.context -> 'last_reservation'));
      result := (passport.bot_say('error', c.language) || E'\n\n' || passport.bot_say('menu', c.language), NULL, false);
    END;
  END IF;

  UPDATE passport.conversation x
     SET state = c.state, language = c.language, context = c.context, updated_at = t,
         window_start = c.window_start, messages = c.messages
   WHERE x.channel = ch AND x.sender = who;
  INSERT INTO passport.inbound_message (channel, message_id, sender, received_at, reply, choices)
  VALUES (ch, msg, who, t, result.reply, result.choices)
  ON CONFLICT ON CONSTRAINT inbound_message_pkey DO NOTHING;
  IF NOT FOUND THEN
    -- the same message id from another sender, answered meanwhile: its reply
    SELECT * INTO stored FROM passport.inbound_message m WHERE m.channel = ch AND m.message_id = msg;
    RETURN (stored.reply, stored.choices, true)::passport.bot_reply;
  END IF;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.handle_message(text, text, text, text) IS
  'The WhatsApp-style menu bot: the reply (and choices) to one inbound message. Idempotent on (channel, message_id); never raises on what a person types; per-sender rate limit; conversations expire after passport.conversation_timeout.';
