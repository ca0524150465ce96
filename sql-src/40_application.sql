--------------------------------------------------------------------------
-- Applications: statuses and transitions as data, the application and its
-- append-only history, billing and payment, status lookup
--------------------------------------------------------------------------

CREATE TABLE passport.application_status (
  status    text     NOT NULL,
  ordinal   smallint NOT NULL,
  terminal  boolean  NOT NULL,
  CONSTRAINT application_status_pkey PRIMARY KEY (status)
);
COMMENT ON TABLE passport.application_status IS 'The statuses of an application, in process order.';
INSERT INTO passport.application_status VALUES
  ('submitted', 1, false), ('incomplete', 2, false), ('verified', 3, false),
  ('interviewed', 4, false), ('awaiting_payment', 5, false), ('paid', 6, false),
  ('payment_expired', 7, true), ('approved', 8, false), ('rejected', 9, true),
  ('printed', 10, false), ('ready', 11, false), ('collected', 12, true),
  ('uncollected', 13, true), ('forfeited', 14, true), ('cancelled', 15, true);

-- The allowed moves. actor_role: officer (passport_officer or passport_admin
-- through passport.transition), admin (passport_admin only), payment (only
-- passport.confirm_payment), system (only passport.sweep).
CREATE TABLE passport.transition (
  from_status text NOT NULL,
  to_status   text NOT NULL,
  actor_role  text NOT NULL,
  CONSTRAINT transition_pkey PRIMARY KEY (from_status, to_status, actor_role),
  CONSTRAINT transition_from_fkey FOREIGN KEY (from_status) REFERENCES passport.application_status (status),
  CONSTRAINT transition_to_fkey FOREIGN KEY (to_status) REFERENCES passport.application_status (status),
  CONSTRAINT transition_role_known CHECK (actor_role IN ('officer', 'admin', 'payment', 'system')),
  CONSTRAINT transition_moves CHECK (from_status <> to_status)
);
COMMENT ON TABLE passport.transition IS
  'Allowed application moves and who may make them; passport.transition enforces them in C. Guards on top: paid needs a confirmed payment; incomplete -> submitted only before the documents deadline.';
INSERT INTO passport.transition VALUES
  ('submitted', 'verified', 'officer'),
  ('submitted', 'incomplete', 'officer'),
  ('incomplete', 'submitted', 'officer'),
  ('incomplete', 'forfeited', 'system'),
  ('verified', 'interviewed', 'officer'),
  ('interviewed', 'awaiting_payment', 'officer'),
  ('interviewed', 'rejected', 'officer'),
  ('awaiting_payment', 'paid', 'payment'),
  ('awaiting_payment', 'payment_expired', 'system'),
  ('paid', 'approved', 'officer'),
  ('paid', 'rejected', 'officer'),
  ('approved', 'printed', 'officer'),
  ('printed', 'ready', 'officer'),
  ('ready', 'collected', 'officer'),
  ('ready', 'uncollected', 'system'),
  ('submitted', 'cancelled', 'officer'),
  ('incomplete', 'cancelled', 'officer'),
  ('verified', 'cancelled', 'officer'),
  ('interviewed', 'cancelled', 'officer'),
  ('awaiting_payment', 'cancelled', 'admin');

-- Texts an applicant reads, per status and language (editable by administrators).
CREATE TABLE passport.status_text (
  status    text NOT NULL,
  language  text NOT NULL,
  label     text NOT NULL,
  next_step text NOT NULL,
  CONSTRAINT status_text_pkey PRIMARY KEY (status, language),
  CONSTRAINT status_text_status_fkey FOREIGN KEY (status) REFERENCES passport.application_status (status),
  CONSTRAINT status_text_language_known CHECK (language IN ('id', 'en'))
);
COMMENT ON TABLE passport.status_text IS 'What an applicant is told per status, in Indonesian and English.';
INSERT INTO passport.status_text VALUES
  ('submitted', 'id', 'Permohonan diterima', 'Petugas sedang memeriksa berkas Anda. Tunggu panggilan verifikasi.'),
  ('submitted', 'en', 'Application received', 'An officer is checking your documents. Wait to be called for verification.'),
  ('incomplete', 'id', 'Berkas belum lengkap', 'Lengkapi berkas yang kurang di kantor imigrasi paling lambat 7 hari, atau permohonan gugur.'),
  ('incomplete', 'en', 'Documents incomplete', 'Bring the missing documents to the office within 7 days, or the application lapses.'),
  ('verified', 'id', 'Berkas terverifikasi', 'Tunggu panggilan wawancara dan foto.'),
  ('verified', 'en', 'Documents verified', 'Wait to be called for the interview and photo.'),
  ('interviewed', 'id', 'Wawancara selesai', 'Tunggu kode billing untuk pembayaran, atau keputusan bila sudah membayar.'),
  ('interviewed', 'en', 'Interview done', 'Wait for your billing code, or for the decision if you have already paid.'),
  ('awaiting_payment', 'id', 'Menunggu pembayaran', 'Bayar dengan kode billing sebelum batas waktu.'),
  ('awaiting_payment', 'en', 'Awaiting payment', 'Pay with your billing code before it expires.'),
  ('paid', 'id', 'Pembayaran diterima', 'Permohonan Anda sedang diproses untuk persetujuan.'),
  ('paid', 'en', 'Payment received', 'Your application is being processed for approval.'),
  ('payment_expired', 'id', 'Kode billing kedaluwarsa', 'Pembayaran tidak diterima tepat waktu. Ajukan permohonan baru.'),
  ('payment_expired', 'en', 'Billing expired', 'Payment was not received in time. Please apply again.'),
  ('approved', 'id', 'Disetujui', 'Paspor Anda sedang dicetak. Perkiraan selesai pada tanggal yang tertera.'),
  ('approved', 'en', 'Approved', 'Your passport is being printed. It should be ready on the date shown.'),
  ('rejected', 'id', 'Ditolak', 'Permohonan tidak dapat disetujui. Hubungi kantor imigrasi untuk keterangan.'),
  ('rejected', 'en', 'Rejected', 'The application could not be approved. Contact the office for details.'),
  ('printed', 'id', 'Paspor dicetak', 'Paspor sedang diperiksa akhir. Tunggu pemberitahuan siap diambil.'),
  ('printed', 'en', 'Passport printed', 'The passport is in final checks. Wait for the ready notice.'),
  ('ready', 'id', 'Paspor siap diambil', 'Ambil paspor di kantor imigrasi dengan bukti permohonan dan KTP sebelum batas waktu.'),
  ('ready', 'en', 'Ready for pickup', 'Collect your passport at the office with your receipt and ID card before the deadline.'),
  ('collected', 'id', 'Paspor sudah diambil', 'Selesai. Terima kasih.'),
  ('collected', 'en', 'Collected', 'Done. Thank you.'),
  ('uncollected', 'id', 'Tidak diambil', 'Paspor tidak diambil dalam 30 hari dan dibatalkan.'),
  ('uncollected', 'en', 'Not collected', 'The passport was not collected within 30 days and has been cancelled.'),
  ('forfeited', 'id', 'Permohonan gugur', 'Berkas tidak dilengkapi dalam 7 hari. Ajukan permohonan baru.'),
  ('forfeited', 'en', 'Application lapsed', 'The documents were not completed within 7 days. Please apply again.'),
  ('cancelled', 'id', 'Dibatalkan', 'Permohonan dibatalkan.'),
  ('cancelled', 'en', 'Cancelled', 'The application was cancelled.');

CREATE TABLE passport.application (
  office_id          bigint      NOT NULL,
  application_number text        NOT NULL,
  reservation_code   text,
  service            text        NOT NULL,
  passport_kind      text        NOT NULL,
  validity_years     smallint    NOT NULL,
  lane               text        NOT NULL,
  force_majeure      boolean     NOT NULL DEFAULT false,
  nik                text        NOT NULL,
  full_name          text        NOT NULL,
  birth_date         date        NOT NULL,
  phone              text,
  sender             text,
  status             text        NOT NULL,
  version            integer     NOT NULL,
  opened_at          timestamptz NOT NULL,
  status_at          timestamptz NOT NULL,
  incomplete_until   timestamptz,
  promised_ready_on  date,
  pickup_until       date,
  CONSTRAINT application_pkey PRIMARY KEY (office_id, application_number),
  CONSTRAINT application_values_valid CHECK (
    status IN ('submitted', 'incomplete', 'verified', 'interviewed', 'awaiting_payment', 'paid',
               'payment_expired', 'approved', 'rejected', 'printed', 'ready', 'collected',
               'uncollected', 'forfeited', 'cancelled')
    AND passport_kind IN ('regular', 'electronic') AND validity_years IN (5, 10)
    AND length(application_number) = 16 AND length(nik) = 16 AND version >= 1)
);
COMMENT ON TABLE passport.application IS
  'Passport applications (personal data). status moves only through passport.transition, passport.confirm_payment and passport.sweep; version counts the moves (compare-and-set).';
CREATE UNIQUE INDEX application_reservation ON passport.application (office_id, reservation_code)
  WHERE reservation_code IS NOT NULL;
CREATE INDEX application_pending ON passport.application (office_id, status)
  WHERE status IN ('incomplete', 'ready');
SELECT pg_catalog.pg_extension_config_dump('passport.application', '');

-- Append-only history: no role may UPDATE or DELETE it; only the C
-- functions (as the extension owner) insert.
CREATE TABLE passport.application_event (
  office_id          bigint      NOT NULL,
  application_number text        NOT NULL,
  seq                integer     NOT NULL,
  from_status        text,
  to_status          text        NOT NULL,
  actor              text        NOT NULL,
  actor_role         text        NOT NULL,
  channel            text        NOT NULL,
  at                 timestamptz NOT NULL,
  reason             text,
  CONSTRAINT application_event_pkey PRIMARY KEY (office_id, application_number, seq),
  CONSTRAINT application_event_application_fkey FOREIGN KEY (office_id, application_number)
    REFERENCES passport.application (office_id, application_number),
  CONSTRAINT application_event_seq_positive CHECK (seq >= 1)
);
COMMENT ON TABLE passport.application_event IS
  'Append-only history of every application move: sequence number per application, from, to, actor, role, channel, time, reason. No role has UPDATE or DELETE on it.';
SELECT pg_catalog.pg_extension_config_dump('passport.application_event', '');

CREATE TABLE passport.billing (
  office_id          bigint      NOT NULL,
  billing_code       text        NOT NULL,
  application_number text        NOT NULL,
  amount             bigint      NOT NULL,
  breakdown          jsonb       NOT NULL,
  issued_at          timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL,
  status             text        NOT NULL DEFAULT 'open',
  ntpn               text,
  paid_at            timestamptz,
  CONSTRAINT billing_pkey PRIMARY KEY (office_id, billing_code),
  CONSTRAINT billing_ntpn_key UNIQUE (office_id, ntpn),
  CONSTRAINT billing_application_fkey FOREIGN KEY (office_id, application_number)
    REFERENCES passport.application (office_id, application_number),
  CONSTRAINT billing_values_valid CHECK (
    status IN ('open', 'paid', 'expired') AND amount > 0 AND expires_at > issued_at
    AND (status = 'paid') = (ntpn IS NOT NULL))
);
COMMENT ON TABLE passport.billing IS
  'Billings (kode billing SIMPONI, 15 digits): amount from the tariff valid at issuance, expiry from the office payment policy; paid once, identified by the NTPN.';
CREATE UNIQUE INDEX billing_open_per_application ON passport.billing (office_id, application_number)
  WHERE status = 'open';
CREATE INDEX billing_expiring ON passport.billing (office_id, expires_at) WHERE status = 'open';
SELECT pg_catalog.pg_extension_config_dump('passport.billing', '');

-- Lookups per sender, for the rate limit of application_status.
CREATE TABLE passport.lookup_guard (
  sender       text        NOT NULL,
  window_start timestamptz NOT NULL,
  lookups      integer     NOT NULL,
  CONSTRAINT lookup_guard_pkey PRIMARY KEY (sender)
);
COMMENT ON TABLE passport.lookup_guard IS 'Status lookups per sender in the current window (rate limit).';

CREATE FUNCTION passport.add_working_days(office_id bigint, from_date date, days integer)
  RETURNS date
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  d date := from_date;
  n integer := 0;
BEGIN
  IF days IS NULL OR days < 0 OR days > 366 THEN
    RAISE EXCEPTION 'working days % is out of range', days USING ERRCODE = '22023';
  END IF;
  WHILE n < days LOOP
    d := d + 1;
    IF extract(isodow FROM d) < 6
       AND NOT EXISTS (SELECT 1 FROM passport.holiday h WHERE h.day = d)
       AND NOT EXISTS (SELECT 1 FROM passport.office_closure c
                        WHERE c.office_id = add_working_days.office_id AND c.day = d) THEN
      n := n + 1;
    END IF;
  END LOOP;
  RETURN d;
END;
$$;
COMMENT ON FUNCTION passport.add_working_days(bigint, date, integer) IS
  'The date days working days after from_date at an office: weekends, national holidays and office closures do not count.';

CREATE FUNCTION passport.billing_amount(service text, passport_kind text, validity_years integer,
                                        percepatan boolean DEFAULT false,
                                        force_majeure boolean DEFAULT false,
                                        on_date date DEFAULT NULL,
                                        OUT amount bigint, OUT breakdown jsonb)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  surcharge text;
  base bigint;
  fast bigint := 0;
  extra bigint := 0;
BEGIN
  SELECT s.surcharge INTO surcharge FROM passport.service s WHERE s.service_code = billing_amount.service;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown service "%"', service USING ERRCODE = '22023';
  END IF;
  base := passport.tariff_amount('passport', passport_kind, validity_years, on_date);
  IF percepatan THEN
    fast := passport.tariff_amount('percepatan', '', 0, on_date);
  END IF;
  IF surcharge IS NOT NULL AND NOT coalesce(force_majeure, false) THEN
    extra := passport.tariff_amount(surcharge, '', 0, on_date);
  END IF;
  amount := base + fast + extra;
  breakdown := jsonb_build_object('passport', base, 'percepatan', fast,
                                  coalesce(surcharge, 'surcharge'), extra);
END;
$$;
COMMENT ON FUNCTION passport.billing_amount(text, text, integer, boolean, boolean, date) IS
  'Amount in IDR of a billing: the passport tariff (kind, validity) valid on the date, plus percepatan, plus the lost or damaged surcharge unless force majeure; with its breakdown.';

CREATE TYPE passport.application_state AS (
  application_number text,
  office_code        text,
  status             text,
  version            integer,
  status_at          timestamptz,
  promised_ready_on  date,
  pickup_until       date,
  billing_code       text,
  amount             bigint,
  billing_expires_at timestamptz
);
COMMENT ON TYPE passport.application_state IS
  'Answer of the application functions: the application''s status and version after the call, its deadlines, and its open or paid billing.';

CREATE FUNCTION passport.open_application(reservation_number text, passport_kind text DEFAULT 'electronic',
                                          validity_years integer DEFAULT 10,
                                          force_majeure boolean DEFAULT false)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_open_application'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.open_application(text, text, integer, boolean) IS
  'Opens the application of a checked-in reservation (status submitted) with its 16-digit application number. Opening twice answers the same.';

CREATE FUNCTION passport.open_walk_in(office_code text, lane text, service text, nik text,
                                      full_name text, birth_date date, phone text DEFAULT NULL,
                                      passport_kind text DEFAULT 'electronic',
                                      validity_years integer DEFAULT 10,
                                      force_majeure boolean DEFAULT false)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_open_walk_in'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.open_walk_in(text, text, text, text, text, date, text, text, integer, boolean) IS
  'Opens an application at the counter for a walk-in lane (priority or percepatan), without reservation.';

CREATE FUNCTION passport.transition(application_number text, to_status text,
                                    expected_status text DEFAULT NULL,
                                    expected_version integer DEFAULT NULL,
                                    reason text DEFAULT NULL, channel text DEFAULT 'counter')
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_transition'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.transition(text, text, text, integer, text, text) IS
  'Moves an application: compare-and-set on expected_status and expected_version, the rule of passport.transition for the caller''s role, the guards, the side effects (deadlines, billing, promised ready date) and one history row, atomically. PP012 lists the allowed next statuses; PP013 when the application moved meanwhile.';

CREATE FUNCTION passport.confirm_payment(billing_code text, amount bigint, ntpn text,
                                         paid_at timestamptz DEFAULT NULL)
  RETURNS passport.application_state
  AS 'MODULE_PATHNAME', 'passport_confirm_payment'
  LANGUAGE C VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION passport.confirm_payment(text, bigint, text, timestamptz) IS
  'Bank callback: marks the billing paid and moves its application to paid, idempotent on the NTPN (a repeated callback answers the same and changes nothing). PP014 wrong amount, PP015 expired billing, PP016 already paid with another NTPN.';

CREATE FUNCTION passport.mask_name(full_name text)
  RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT pg_catalog.string_agg(pg_catalog.left(w, 1) || pg_catalog.repeat('*', GREATEST(pg_catalog.length(w) - 1, 2)), ' ')
    FROM pg_catalog.regexp_split_to_table(pg_catalog.btrim(full_name), '\s+') AS w
$$;
COMMENT ON FUNCTION passport.mask_name(text) IS 'A name with all but the first letter of each word masked: Siti Aminah -> S*** A*****.';

CREATE FUNCTION passport.application_status(reference text, sender text DEFAULT NULL,
                                            birth_date date DEFAULT NULL, language text DEFAULT 'id',
                                            OUT application_number text, OUT reservation_number text,
                                            OUT office_code text, OUT office_name text,
                                            OUT applicant text, OUT status text, OUT label text,
                                            OUT next_step text, OUT stages jsonb,
                                            OUT visit_date date, OUT visit_time time,
                                            OUT promised_ready_on date, OUT pickup_until date,
                                            OUT billing_code text, OUT amount bigint,
                                            OUT billing_expires_at timestamptz,
                                            OUT payment_instructions text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  lang text := CASE WHEN lower(coalesce(language, 'id')) = 'en' THEN 'en' ELSE 'id' END;
  who text;
  ref text := btrim(coalesce(reference, ''));
  digits text := regexp_replace(ref, '[\s.-]', '', 'g');
  office_ bigint;
  a passport.application;
  r passport.reservation;
  tz text;
  used integer;
BEGIN
  IF sender IS NULL AND birth_date IS NULL THEN
    RAISE EXCEPTION 'a second factor is required'
      USING ERRCODE = '22004', DETAIL = 'Give the sender that booked or the applicant''s birth date.';
  END IF;
  IF sender IS NOT NULL THEN
    who := CASE WHEN btrim(sender) ~ '^[+0-9() .-]+$' THEN passport.normalize_phone(sender)
                ELSE btrim(sender) END;
    -- rate limit: 20 lookups per sender per 10 minutes
    INSERT INTO passport.lookup_guard AS g (sender, window_start, lookups) VALUES (who, t, 1)
    ON CONFLICT ON CONSTRAINT lookup_guard_pkey DO UPDATE
       SET window_start = CASE WHEN g.window_start <= t - interval '10 minutes' THEN t ELSE g.window_start END,
           lookups = CASE WHEN g.window_start <= t - interval '10 minutes' THEN 1 ELSE g.lookups + 1 END
    RETURNING g.lookups INTO used;
    IF used > 20 THEN
      RAISE EXCEPTION 'too many status lookups'
        USING ERRCODE = 'PP017', DETAIL = 'A sender may look up 20 times in 10 minutes.',
              HINT = 'Try again in a few minutes.';
    END IF;
  END IF;

  IF digits ~ '^[0-9]{16}$' THEN
    office_ := passport.application_number_office(digits);
    SELECT * INTO a FROM passport.application x
     WHERE x.office_id = office_ AND x.application_number = digits
       AND ((who IS NOT NULL AND x.sender = who) OR (application_status.birth_date IS NOT NULL AND x.birth_date = application_status.birth_date));
  ELSIF passport.is_reservation_number(ref) THEN
    reservation_number := passport.normalize_reservation_number(ref);
    office_ := passport.reservation_number_office(reservation_number);
    SELECT * INTO r FROM passport.reservation x
     WHERE x.office_id = office_ AND x.code = reservation_number
       AND ((who IS NOT NULL AND x.sender = who) OR (application_status.birth_date IS NOT NULL AND x.birth_date = application_status.birth_date));
    IF r.code IS NOT NULL THEN
      SELECT * INTO a FROM passport.application x
       WHERE x.office_id = office_ AND x.reservation_code = r.code;
    END IF;
  END IF;

  IF a.application_number IS NULL AND r.code IS NULL THEN
    -- an unknown number and a wrong second factor answer alike, and as an
    -- answer rather than an error, so that the lookup still counts against
    -- the sender's limit
    application_number := NULL;
    reservation_number := NULL;
    status := 'not_found';
    label := CASE lang WHEN 'en' THEN 'Not found' ELSE 'Tidak ditemukan' END;
    next_step := CASE lang
      WHEN 'en' THEN 'Check the number, and give the phone number you booked with or your birth date.'
      ELSE 'Periksa kembali nomornya, dan gunakan nomor telepon yang dipakai saat mendaftar atau tanggal lahir Anda.' END;
    RETURN;
  END IF;

  SELECT o.code, o.name, o.time_zone INTO office_code, office_name, tz
    FROM passport.office o WHERE o.office_id = office_;
  IF a.application_number IS NULL THEN
    -- a reservation without application yet
    applicant := passport.mask_name(r.full_name);
    status := r.status;
    visit_date := r.local_date;
    visit_time := (r.starts_at AT TIME ZONE tz)::time;
    label := CASE lang
      WHEN 'en' THEN 'Reservation ' || CASE r.status WHEN 'booked' THEN 'scheduled' WHEN 'checked_in' THEN 'checked in'
                                                     WHEN 'no_show' THEN 'missed' ELSE r.status END
      ELSE 'Reservasi ' || CASE r.status WHEN 'booked' THEN 'terjadwal' WHEN 'checked_in' THEN 'sudah hadir'
                                         WHEN 'cancelled' THEN 'dibatalkan' WHEN 'no_show' THEN 'tidak hadir'
                                         WHEN 'expired' THEN 'kedaluwarsa' ELSE r.status END END;
    next_step := CASE WHEN r.status = 'booked' THEN
                   CASE lang WHEN 'en' THEN 'Come to the office on ' || visit_date || ' at ' || to_char(visit_time, 'HH24:MI') || ' with your ID card (KTP) and documents.'
                   ELSE 'Datang ke kantor pada ' || visit_date || ' pukul ' || to_char(visit_time, 'HH24:MI') || ' dengan KTP dan berkas persyaratan.' END
                 ELSE '' END;
    RETURN;
  END IF;

  application_number := a.application_number;
  reservation_number := a.reservation_code;
  applicant := passport.mask_name(a.full_name);
  status := a.status;
  promised_ready_on := a.promised_ready_on;
  pickup_until := a.pickup_until;
  SELECT st.label, st.next_step INTO label, next_step
    FROM passport.status_text st WHERE st.status = a.status AND st.language = lang;
  SELECT jsonb_object_agg(e.to_status, e.at ORDER BY e.seq) INTO stages
    FROM passport.application_event e
   WHERE e.office_id = a.office_id AND e.application_number = a.application_number;
  SELECT b.billing_code, b.amount, b.expires_at INTO billing_code, amount, billing_expires_at
    FROM passport.billing b
   WHERE b.office_id = a.office_id AND b.application_number = a.application_number AND b.status = 'open'
     AND b.expires_at > t;
  IF billing_code IS NOT NULL THEN
    payment_instructions := CASE lang
      WHEN 'en' THEN format('Pay IDR %s with billing code %s at a bank teller, ATM, internet banking, post office or e-commerce app before %s (%s time). Keep the NTPN on your receipt.',
                            to_char(amount, 'FM999G999G999'), billing_code,
                            to_char(billing_expires_at AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI'), split_part(tz, '/', 2))
      ELSE format('Bayar Rp%s dengan kode billing %s melalui teller bank, ATM, internet banking, kantor pos atau aplikasi e-commerce sebelum %s (waktu %s). Simpan NTPN pada bukti bayar.',
                  to_char(amount, 'FM999G999G999'), billing_code,
                  to_char(billing_expires_at AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI'), split_part(tz, '/', 2))
    END;
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.application_status(text, text, date, text) IS
  'Status of an application (16-digit number) or reservation (XXXXX-XXXXX) for the applicant: second factor required (the sender that booked, or the birth date); a wrong one answers exactly like an unknown number (status not_found); the name is masked; stages with their times, next step in Indonesian or English, payment instructions while a billing is open. 20 lookups per sender per 10 minutes, found or not (PP017 beyond).';
