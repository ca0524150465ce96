--------------------------------------------------------------------------
-- Retention: personal data is anonymised or purged after its purpose ends,
-- while the statistics survive (UU 27/2022)
--------------------------------------------------------------------------

CREATE FUNCTION passport.purge_personal_data(retention interval DEFAULT '2 years',
                                             message_retention interval DEFAULT '90 days')
  RETURNS TABLE (what text, rows_affected bigint)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  n bigint;
BEGIN
  IF retention IS NULL OR retention < interval '30 days' OR message_retention IS NULL
     OR message_retention < interval '1 day' THEN
    RAISE EXCEPTION 'retention periods are too short'
      USING ERRCODE = '22023', DETAIL = 'Keep reservations and applications at least 30 days and messages at least 1 day.';
  END IF;

  -- finished reservations: no NIK, name, phone or sender; the birth year stays for age statistics
  UPDATE passport.reservation r
     SET nik = '0000000000000000', full_name = '-', phone = NULL, sender = NULL,
         birth_date = date_trunc('year', r.birth_date)::date
   WHERE r.status <> 'booked' AND r.status_at < t - retention AND r.nik <> '0000000000000000';
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'reservations anonymised'; rows_affected := n; RETURN NEXT;

  -- finished applications, the same
  UPDATE passport.application a
     SET nik = '0000000000000000', full_name = '-', phone = NULL, sender = NULL,
         birth_date = date_trunc('year', a.birth_date)::date
    FROM passport.application_status s
   WHERE s.status = a.status AND s.terminal AND a.status_at < t - retention
     AND a.nik <> '0000000000000000';
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'applications anonymised'; rows_affected := n; RETURN NEXT;

  -- cooldowns long over
  DELETE FROM passport.nik_guard g WHERE g.code IS NULL AND g.cooldown_until < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'NIK cooldowns deleted'; rows_affected := n; RETURN NEXT;

  -- conversations, message records, lookups and delivered messages
  DELETE FROM passport.conversation c WHERE c.updated_at < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'conversations deleted'; rows_affected := n; RETURN NEXT;
  DELETE FROM passport.inbound_message m WHERE m.received_at < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'inbound messages deleted'; rows_affected := n; RETURN NEXT;
  DELETE FROM passport.lookup_guard g WHERE g.window_start < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'lookup counters deleted'; rows_affected := n; RETURN NEXT;
  DELETE FROM passport.outbox o WHERE o.status IN ('sent', 'dead') AND o.created_at < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'outbox messages deleted'; rows_affected := n; RETURN NEXT;
  RETURN;
END;
$$;
COMMENT ON FUNCTION passport.purge_personal_data(interval, interval) IS
  'Anonymises finished reservations and applications older than retention (NIK, name, phone, sender removed; birth date cut to its year) and deletes conversations, message records, lookup counters, old cooldowns and delivered messages older than message_retention. Counts, statuses, times and history survive for the reports. Run it from cron.';
