--------------------------------------------------------------------------
-- Lookups with a second factor: one limiter for application_status and
-- find_reservation, senders compared as cancel compares them
--------------------------------------------------------------------------
--
-- A reservation or application number with a second factor (the sender
-- that booked, or the applicant's birth date) shows personal data, so a
-- lookup is a guess that must stay rare:
--   - every lookup that names a sender counts against that sender;
--   - every lookup that offers a birth date counts against the number it
--     names until it finds it, so that birth dates cannot be tried one
--     after another for one number, whichever senders (or none) ask.
-- Past either limit the lookup is refused with PP017, the right answer
-- included. Lookups answer "not found" rather than raising, so that a
-- wrong guess is counted in the caller's transaction instead of being
-- rolled back with an error.

-- One home for the limits (the refusal's detail is written from them).
CREATE FUNCTION passport.lookup_limits(OUT per_sender integer, OUT sender_window interval,
                                       OUT per_number integer, OUT number_window interval)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT 20, interval '10 minutes', 10, interval '1 day'
$$;
COMMENT ON FUNCTION passport.lookup_limits() IS
  'The limits of lookups with a second factor: per_sender lookups per sender in sender_window (20 in 10 minutes), and per_number lookups of one number offering a birth date that did not find it, in number_window (10 in a day).';
REVOKE ALL ON FUNCTION passport.lookup_limits() FROM PUBLIC;

COMMENT ON TABLE passport.lookup_guard IS
  'Lookups with a second factor per sender in the current window (passport.lookup_limits); rows whose window has passed are deleted by the retention purge.';

-- Birth-date guesses per number. Keyed by the office the number encodes,
-- like the reservations and applications it protects. Counters live for a
-- day and are not dumped, like passport.lookup_guard.
CREATE TABLE passport.lookup_number_guard (
  office_id    bigint      NOT NULL,
  reference    text        NOT NULL,
  window_start timestamptz NOT NULL,
  failures     integer     NOT NULL,
  CONSTRAINT lookup_number_guard_pkey PRIMARY KEY (office_id, reference),
  CONSTRAINT lookup_number_guard_failures_nonnegative CHECK (failures >= 0)
);
COMMENT ON TABLE passport.lookup_number_guard IS
  'Per reservation or application number (with the office it encodes): lookups offering a birth date that did not find it, in the current window (passport.lookup_limits); rows whose window has passed are deleted by the retention purge.';
REVOKE ALL ON passport.lookup_number_guard FROM PUBLIC;

-- A sender as the booking functions store and compare it (as cancel and
-- reschedule do): a phone number in E.164, any other text as given.
CREATE FUNCTION passport.sender_key(sender text)
  RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
  IF sender ~ '^[-+0-9() .\t]+$' THEN
    BEGIN
      RETURN passport.normalize_phone(sender);
    EXCEPTION WHEN SQLSTATE 'PP104' THEN
      NULL;
    END;
  END IF;
  IF pg_catalog.length(sender) > 200 THEN
    RAISE EXCEPTION 'sender is longer than 200 characters' USING ERRCODE = '22001';
  END IF;
  RETURN sender;
END;
$$;
COMMENT ON FUNCTION passport.sender_key(text) IS
  'A sender as reservations store it and cancel compares it: the E.164 form of anything that reads as a phone number (0812-3456-7890, 62812..., +62 812 ...), else the text as given (22001 beyond 200 characters).';
REVOKE ALL ON FUNCTION passport.sender_key(text) FROM PUBLIC;

-- Counts one lookup and refuses it past a limit. The number is counted only
-- when a birth date is offered and the number can be this installation's
-- (office_id known); passport.lookup_found takes the count back when the
-- lookup finds it.
CREATE FUNCTION passport.count_lookup(sender text, office_id bigint, reference text,
                                      by_birth_date boolean, now timestamptz)
  RETURNS void
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  lim record;
  used integer;
  sender_since timestamptz;
  number_since timestamptz;
BEGIN
  SELECT * INTO lim FROM passport.lookup_limits();
  -- the windows' starts computed first: Citus takes only immutable
  -- expressions in the DO UPDATE SET of a distributed table
  sender_since := now - lim.sender_window;
  number_since := now - lim.number_window;
  IF sender IS NOT NULL THEN
    INSERT INTO passport.lookup_guard AS g (sender, window_start, lookups) VALUES (sender, now, 1)
    ON CONFLICT ON CONSTRAINT lookup_guard_pkey DO UPDATE
       SET window_start = CASE WHEN g.window_start <= sender_since THEN now ELSE g.window_start END,
           lookups = CASE WHEN g.window_start <= sender_since THEN 1 ELSE g.lookups + 1 END
    RETURNING g.lookups INTO used;
    IF used > lim.per_sender THEN
      RAISE EXCEPTION 'too many lookups from this sender'
        USING ERRCODE = 'PP017',
              DETAIL = pg_catalog.format('A sender may look up %s times in %s minutes.', lim.per_sender,
                                         pg_catalog.date_part('epoch', lim.sender_window)::integer / 60),
              HINT = 'Try again in a few minutes.';
    END IF;
  END IF;
  IF by_birth_date AND office_id IS NOT NULL THEN
    INSERT INTO passport.lookup_number_guard AS g (office_id, reference, window_start, failures)
    VALUES (office_id, reference, now, 1)
    ON CONFLICT ON CONSTRAINT lookup_number_guard_pkey DO UPDATE
       SET window_start = CASE WHEN g.window_start <= number_since THEN now ELSE g.window_start END,
           failures = CASE WHEN g.window_start <= number_since THEN 1 ELSE g.failures + 1 END
    RETURNING g.failures INTO used;
    IF used > lim.per_number THEN
      RAISE EXCEPTION 'too many lookups of this number'
        USING ERRCODE = 'PP017',
              DETAIL = pg_catalog.format('A number may be looked up with a birth date that does not match it %s times in %s hours.',
                                         lim.per_number, pg_catalog.date_part('epoch', lim.number_window)::integer / 3600),
              HINT = 'Look it up with the sender that booked, or try again later.';
    END IF;
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.count_lookup(text, bigint, text, boolean, timestamptz) IS
  'Counts one lookup with a second factor against its sender and, when it offers a birth date, against the number; raises PP017 past passport.lookup_limits.';
REVOKE ALL ON FUNCTION passport.count_lookup(text, bigint, text, boolean, timestamptz) FROM PUBLIC;

CREATE FUNCTION passport.lookup_found(office_id bigint, reference text)
  RETURNS void
  LANGUAGE sql VOLATILE
AS $$
  UPDATE passport.lookup_number_guard g SET failures = g.failures - 1
   WHERE g.office_id = lookup_found.office_id AND g.reference = lookup_found.reference AND g.failures > 0
$$;
COMMENT ON FUNCTION passport.lookup_found(bigint, text) IS
  'A lookup offering a birth date found its number: its count against the number is taken back (only failed guesses stay counted).';
REVOKE ALL ON FUNCTION passport.lookup_found(bigint, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION passport.find_reservation(reservation_number text, sender text DEFAULT NULL,
                                                     birth_date date DEFAULT NULL)
  RETURNS passport.booking
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  code_ text;
  office_ bigint;
  who text;
  result passport.booking;
BEGIN
  IF find_reservation.sender IS NULL AND find_reservation.birth_date IS NULL THEN
    RAISE EXCEPTION 'a second factor is required'
      USING ERRCODE = '22004', DETAIL = 'Give the sender that booked or the applicant''s birth date.';
  END IF;
  code_ := passport.normalize_reservation_number(reservation_number);
  office_ := passport.reservation_number_office(code_);
  PERFORM passport.require_office(office_);
  who := passport.sender_key(find_reservation.sender);
  PERFORM passport.count_lookup(who, office_, code_, find_reservation.birth_date IS NOT NULL, passport.now());

  SELECT r.code, o.code, r.local_date, (r.starts_at AT TIME ZONE o.time_zone)::time,
         (r.ends_at AT TIME ZONE o.time_zone)::time, r.lane, r.service, r.status, false,
         (SELECT t.code FROM passport.queue_ticket t
           WHERE t.office_id = r.office_id AND t.reservation_code = r.code)
    INTO result
    FROM passport.reservation r JOIN passport.office o ON o.office_id = r.office_id
   WHERE r.office_id = office_ AND r.code = code_
     AND ((who IS NOT NULL AND r.sender = who)
          OR (find_reservation.birth_date IS NOT NULL AND r.birth_date = find_reservation.birth_date));
  IF NOT FOUND THEN
    -- an unknown number and a wrong factor answer alike, as an answer so
    -- that the guess stays counted
    result := (NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'not_found', false, NULL)::passport.booking;
    RETURN result;
  END IF;
  IF find_reservation.birth_date IS NOT NULL THEN
    PERFORM passport.lookup_found(office_, code_);
  END IF;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.find_reservation(text, text, date) IS
  'A reservation by number with a second factor (the sender that booked, compared as cancel compares it, or the birth date); an unknown number and a wrong factor answer alike, status not_found with every other field NULL. Lookups are limited per sender and, for birth dates, per number (passport.lookup_limits; PP017 beyond).';

CREATE OR REPLACE FUNCTION passport.application_status(reference text, sender text DEFAULT NULL,
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
  number_ text;
  office_ bigint;
  a passport.application;
  r passport.reservation;
  tz text;
BEGIN
  IF sender IS NULL AND birth_date IS NULL THEN
    RAISE EXCEPTION 'a second factor is required'
      USING ERRCODE = '22004', DETAIL = 'Give the sender that booked or the applicant''s birth date.';
  END IF;
  who := passport.sender_key(sender);

  -- the number and the office it encodes
  IF digits ~ '^[0-9]{16}$' THEN
    number_ := digits;
    office_ := passport.application_number_office(digits);
  ELSIF passport.is_reservation_number(ref) THEN
    number_ := passport.normalize_reservation_number(ref);
    office_ := passport.reservation_number_office(number_);
  END IF;
  PERFORM passport.require_office(office_);
  PERFORM passport.count_lookup(who, office_, number_, application_status.birth_date IS NOT NULL, t);

  IF digits ~ '^[0-9]{16}$' THEN
    SELECT * INTO a FROM passport.application x
     WHERE x.office_id = office_ AND x.application_number = digits
       AND ((who IS NOT NULL AND x.sender = who) OR (application_status.birth_date IS NOT NULL AND x.birth_date = application_status.birth_date));
  ELSIF number_ IS NOT NULL THEN
    reservation_number := number_;
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
    -- answer rather than an error, so that the lookup stays counted
    application_number := NULL;
    reservation_number := NULL;
    status := 'not_found';
    label := CASE lang WHEN 'en' THEN 'Not found' ELSE 'Tidak ditemukan' END;
    next_step := CASE lang
      WHEN 'en' THEN 'Check the number, and give the phone number you booked with or your birth date.'
      ELSE 'Periksa kembali nomornya, dan gunakan nomor telepon yang dipakai saat mendaftar atau tanggal lahir Anda.' END;
    RETURN;
  END IF;
  IF application_status.birth_date IS NOT NULL THEN
    PERFORM passport.lookup_found(office_, number_);
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
  SELECT passport.fill_text(st.label, passport.policy_values()), passport.fill_text(st.next_step, passport.policy_values())
    INTO label, next_step
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
  'Status of an application (16-digit number) or reservation (XXXXX-XXXXX) for the applicant: second factor required (the sender that booked, compared as cancel compares it, or the birth date); a wrong one answers exactly like an unknown number (status not_found); the name is masked; stages with their times, next step in Indonesian or English, payment instructions while a billing is open. Lookups are limited per sender and, for birth dates, per number (passport.lookup_limits; PP017 beyond), found or not.';
