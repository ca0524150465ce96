--------------------------------------------------------------------------
-- Notifications outbox: rows written in the transaction of the event that
-- causes them, claimed by adapters with a lease, acknowledged once
--------------------------------------------------------------------------

CREATE TABLE passport.message_template (
  template text NOT NULL,
  language text NOT NULL,
  body     text NOT NULL,
  CONSTRAINT message_template_pkey PRIMARY KEY (template, language),
  CONSTRAINT message_template_language_known CHECK (language IN ('id', 'en'))
);
COMMENT ON TABLE passport.message_template IS
  'Message texts per template and language; {name} is replaced by the payload''s value of name. Editable by administrators.';
INSERT INTO passport.message_template VALUES
  ('reservation_confirmed', 'id', 'Reservasi paspor Anda di {office} tercatat: nomor {reservation_number}, {date} pukul {time}. Bawa KTP dan berkas persyaratan asli.'),
  ('reservation_confirmed', 'en', 'Your passport appointment at {office} is booked: number {reservation_number}, {date} at {time}. Bring your ID card and the original documents.'),
  ('visit_reminder', 'id', 'Pengingat: besok {date} pukul {time} Anda terjadwal di {office} (nomor {reservation_number}). Datang 30 menit lebih awal.'),
  ('visit_reminder', 'en', 'Reminder: tomorrow {date} at {time} you are expected at {office} (number {reservation_number}). Please arrive 30 minutes early.'),
  ('billing_issued', 'id', 'Kode billing paspor Anda: {billing_code}, sebesar Rp{amount}, berlaku sampai {expires_at}. Bayar di bank, ATM, kantor pos atau e-commerce.'),
  ('billing_issued', 'en', 'Your passport billing code: {billing_code}, IDR {amount}, valid until {expires_at}. Pay at a bank, ATM, post office or e-commerce app.'),
  ('billing_expiring', 'id', 'Kode billing {billing_code} (Rp{amount}) akan kedaluwarsa pada {expires_at}. Segera lakukan pembayaran.'),
  ('billing_expiring', 'en', 'Billing code {billing_code} (IDR {amount}) expires at {expires_at}. Please pay soon.'),
  ('status_incomplete', 'id', 'Berkas permohonan {application_number} belum lengkap. Lengkapi di {office} dalam 7 hari.'),
  ('status_incomplete', 'en', 'Application {application_number} is missing documents. Complete them at {office} within 7 days.'),
  ('status_approved', 'id', 'Permohonan {application_number} disetujui. Paspor diperkirakan selesai {promised_ready_on}.'),
  ('status_approved', 'en', 'Application {application_number} is approved. The passport should be ready on {promised_ready_on}.'),
  ('status_rejected', 'id', 'Permohonan {application_number} tidak dapat disetujui. Hubungi {office}.'),
  ('status_rejected', 'en', 'Application {application_number} could not be approved. Please contact {office}.'),
  ('status_cancelled', 'id', 'Permohonan {application_number} dibatalkan.'),
  ('status_cancelled', 'en', 'Application {application_number} was cancelled.'),
  ('status_payment_expired', 'id', 'Kode billing permohonan {application_number} kedaluwarsa tanpa pembayaran. Ajukan permohonan baru.'),
  ('status_payment_expired', 'en', 'The billing of application {application_number} expired unpaid. Please apply again.'),
  ('status_forfeited', 'id', 'Permohonan {application_number} gugur karena berkas tidak dilengkapi dalam 7 hari.'),
  ('status_forfeited', 'en', 'Application {application_number} lapsed: the documents were not completed within 7 days.'),
  ('passport_ready', 'id', 'Paspor Anda ({application_number}) siap diambil di {office} sampai {pickup_until}. Bawa bukti permohonan dan KTP.'),
  ('passport_ready', 'en', 'Your passport ({application_number}) is ready for pickup at {office} until {pickup_until}. Bring your receipt and ID card.'),
  ('pickup_deadline', 'id', 'Paspor Anda ({application_number}) belum diambil. Batas pengambilan {pickup_until} di {office}.'),
  ('pickup_deadline', 'en', 'Your passport ({application_number}) has not been collected. Collect it at {office} by {pickup_until}.'),
  ('status_uncollected', 'id', 'Paspor {application_number} tidak diambil dalam 30 hari dan dibatalkan.'),
  ('status_uncollected', 'en', 'Passport {application_number} was not collected within 30 days and has been cancelled.');

CREATE SEQUENCE passport.outbox_id_seq AS bigint;
SELECT pg_catalog.pg_extension_config_dump('passport.outbox_id_seq', '');

CREATE TABLE passport.outbox (
  office_id    bigint      NOT NULL,
  message_id   bigint      NOT NULL DEFAULT pg_catalog.nextval('passport.outbox_id_seq'),
  channel      text        NOT NULL,
  recipient    text        NOT NULL,
  template     text        NOT NULL,
  language     text        NOT NULL DEFAULT 'id',
  payload      jsonb       NOT NULL,
  dedupe_key   text,
  status       text        NOT NULL DEFAULT 'pending',
  attempts     integer     NOT NULL DEFAULT 0,
  available_at timestamptz NOT NULL,
  lease_until  timestamptz,
  claimed_by   text,
  created_at   timestamptz NOT NULL,
  sent_at      timestamptz,
  last_error   text,
  CONSTRAINT outbox_pkey PRIMARY KEY (office_id, message_id),
  CONSTRAINT outbox_values_valid CHECK (status IN ('pending', 'claimed', 'sent', 'dead') AND attempts >= 0)
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_cost_delay = 0);
COMMENT ON TABLE passport.outbox IS
  'Messages to send, written in the transaction of their event: pending -> claimed (lease) -> sent, back to the queue with backoff when a lease runs out or a send fails, dead after passport.outbox_max_attempts attempts. A queue table: vacuumed after every 1000 dead rows so that claims do not walk dead index entries.';
CREATE UNIQUE INDEX outbox_dedupe ON passport.outbox (office_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX outbox_due ON passport.outbox (channel, available_at, message_id) WHERE status IN ('pending', 'claimed');
CREATE INDEX outbox_claimed ON passport.outbox (channel, available_at) WHERE status = 'claimed';
SELECT pg_catalog.pg_extension_config_dump('passport.outbox', '');

CREATE FUNCTION passport.contact_channel(recipient text)
  RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN recipient LIKE '+%' THEN 'whatsapp' ELSE 'app' END
$$;
COMMENT ON FUNCTION passport.contact_channel(text) IS
  'The outbox channel that reaches an applicant: whatsapp for an E.164 number, app for a device or account id.';

CREATE FUNCTION passport.fill_text(body text, fill jsonb)
  RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kv record;
BEGIN
  FOR kv IN SELECT key, value FROM jsonb_each_text(coalesce(fill, '{}')) LOOP
    body := replace(body, '{' || kv.key || '}', coalesce(kv.value, ''));
  END LOOP;
  RETURN body;
END;
$$;
COMMENT ON FUNCTION passport.fill_text(text, jsonb) IS
  'A text with every {name} replaced by the value of name in fill (a JSON null gives an empty string); NULL stays NULL.';

CREATE FUNCTION passport.render_message(template text, language text, payload jsonb)
  RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  body text;
BEGIN
  SELECT t.body INTO body FROM passport.message_template t
   WHERE t.template = render_message.template
     AND t.language = CASE WHEN render_message.language = 'en' THEN 'en' ELSE 'id' END;
  IF body IS NULL THEN
    SELECT t.body INTO body FROM passport.message_template t
     WHERE t.template = render_message.template AND t.language = 'id';
  END IF;
  IF body IS NULL THEN
    RAISE EXCEPTION 'no message template "%"', template USING ERRCODE = '22023';
  END IF;
  RETURN passport.fill_text(body, payload);
END;
$$;
COMMENT ON FUNCTION passport.render_message(text, text, jsonb) IS
  'The text of a message: its template in the language (Indonesian when missing) with {name} replaced from the payload.';

CREATE FUNCTION passport.claim_messages(channel text, batch integer DEFAULT 10,
                                        worker text DEFAULT NULL, lease interval DEFAULT '2 minutes')
  RETURNS TABLE (office_id bigint, message_id bigint, recipient text, language text,
                 body text, attempt integer)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  max_attempts integer := current_setting('passport.outbox_max_attempts')::integer;
BEGIN
  IF batch IS NULL OR batch NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'batch % is out of range', batch USING ERRCODE = '22023', DETAIL = 'Claim 1 to 1000 messages at once.';
  END IF;
  IF lease IS NULL OR lease < interval '1 second' OR lease > interval '1 day' THEN
    RAISE EXCEPTION 'lease % is out of range', lease USING ERRCODE = '22023', DETAIL = 'A lease lasts 1 second to 1 day.';
  END IF;
  -- a claim whose lease (and backoff) ran out after the last allowed attempt is dead
  UPDATE passport.outbox o SET status = 'dead', last_error = coalesce(o.last_error, 'lease expired without acknowledgement')
   WHERE o.channel = claim_messages.channel AND o.status = 'claimed' AND o.available_at <= t
     AND o.attempts >= max_attempts;
  RETURN QUERY
  WITH c AS MATERIALIZED (
    SELECT o.office_id, o.message_id FROM passport.outbox o
     WHERE o.channel = claim_messages.channel AND o.status IN ('pending', 'claimed') AND o.available_at <= t
     ORDER BY o.available_at, o.message_id
     LIMIT batch FOR UPDATE SKIP LOCKED)
  UPDATE passport.outbox o
     SET status = 'claimed', attempts = o.attempts + 1, lease_until = t + lease,
         available_at = t + lease + make_interval(secs => 30 * power(2, o.attempts)),
         claimed_by = worker
    FROM c
   WHERE o.office_id = c.office_id AND o.message_id = c.message_id
  RETURNING o.office_id, o.message_id, o.recipient, o.language,
            passport.render_message(o.template, o.language, o.payload), o.attempts;
END;
$$;
COMMENT ON FUNCTION passport.claim_messages(text, integer, text, interval) IS
  'Claims up to batch due messages of a channel for a lease (FOR UPDATE SKIP LOCKED: two adapters never get the same row). A claim not acknowledged within its lease comes back after a backoff of 30 s x 2^attempts; after passport.outbox_max_attempts attempts it is dead.';

CREATE FUNCTION passport.ack_message(office_id bigint, message_id bigint)
  RETURNS boolean
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
BEGIN
  UPDATE passport.outbox o SET status = 'sent', sent_at = coalesce(o.sent_at, t), lease_until = NULL
   WHERE o.office_id = ack_message.office_id AND o.message_id = ack_message.message_id;
  RETURN FOUND;
END;
$$;
COMMENT ON FUNCTION passport.ack_message(bigint, bigint) IS
  'Marks a message sent; it is never delivered again. Acknowledging twice is harmless. False when no such message exists.';

CREATE FUNCTION passport.fail_message(office_id bigint, message_id bigint, error text DEFAULT NULL)
  RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  max_attempts integer := current_setting('passport.outbox_max_attempts')::integer;
  result text;
BEGIN
  UPDATE passport.outbox o
     SET status = CASE WHEN o.attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
         available_at = t + make_interval(secs => 30 * power(2, o.attempts)),
         lease_until = NULL, last_error = left(error, 500)
   WHERE o.office_id = fail_message.office_id AND o.message_id = fail_message.message_id
     AND o.status = 'claimed'
  RETURNING o.status INTO result;
  RETURN result;
END;
$$;
COMMENT ON FUNCTION passport.fail_message(bigint, bigint, text) IS
  'An adapter could not send a claimed message: it comes back after a backoff, or is dead after passport.outbox_max_attempts attempts. Returns the new status (NULL when the message was not claimed).';
