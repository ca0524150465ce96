--------------------------------------------------------------------------
-- Retention: every kind of personal data has its period, statistics stay
--------------------------------------------------------------------------
--
-- What the purge removes, and after how long (README, "Retention"):
--   retention (2 years)          finished reservations and applications:
--                                NIK, name, phone, sender, idempotency
--                                key; birth date cut to its year; the
--                                reasons written in their history;
--                                feedback texts
--   message_retention (90 days)  conversations, message records, NIK
--                                cooldowns, sent or dead outbox messages
--   reply_retention (7 days)     the stored replies of messages (a reply
--                                can quote a NIK, a name, a birth date; it
--                                is kept as long as a webhook may be
--                                redelivered)
--   at once                      fields of conversations idle longer than
--                                passport.conversation_timeout (the next
--                                message would start over anyway),
--                                per-sender counters at zero, lookup
--                                counters whose window has passed
-- Counts, statuses, times, ratings, categories, the keyed pseudonym of a
-- feedback's sender and the history of moves stay, so the reports keep
-- their figures.

DROP FUNCTION passport.purge_personal_data(interval, interval);
CREATE FUNCTION passport.purge_personal_data(retention interval DEFAULT '2 years',
                                             message_retention interval DEFAULT '90 days',
                                             reply_retention interval DEFAULT '7 days')
  RETURNS TABLE (what text, rows_affected bigint)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t timestamptz := passport.now();
  idle interval := pg_catalog.current_setting('passport.conversation_timeout')::interval;
  lim record;
  n bigint;
  m bigint;
BEGIN
  IF retention IS NULL OR retention < interval '30 days' OR message_retention IS NULL
     OR message_retention < interval '1 day' OR reply_retention IS NULL OR reply_retention < interval '1 day' THEN
    RAISE EXCEPTION 'retention periods are too short'
      USING ERRCODE = '22023',
            DETAIL = 'Keep reservations and applications at least 30 days, and messages and their replies at least 1 day.';
  END IF;
  SELECT * INTO lim FROM passport.lookup_limits();

  -- finished reservations: no NIK, name, phone, sender or key chosen by a
  -- client; the birth year stays for age statistics
  -- (the year's first day by make_date, which is immutable: Citus takes
  -- no stable function of a column in an UPDATE of a distributed table)
  UPDATE passport.reservation r
     SET nik = '0000000000000000', full_name = '-', phone = NULL, sender = NULL, idempotency_key = NULL,
         birth_date = pg_catalog.make_date(pg_catalog.date_part('year', r.birth_date)::integer, 1, 1)
   WHERE r.status <> 'booked' AND r.status_at < t - retention
     AND (r.nik <> '0000000000000000' OR r.idempotency_key IS NOT NULL);
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'reservations anonymised'; rows_affected := n; RETURN NEXT;

  -- finished applications, the same
  UPDATE passport.application a
     SET nik = '0000000000000000', full_name = '-', phone = NULL, sender = NULL,
         birth_date = pg_catalog.make_date(pg_catalog.date_part('year', a.birth_date)::integer, 1, 1)
    FROM passport.application_status s
   WHERE s.status = a.status AND s.terminal AND a.status_at < t - retention
     AND a.nik <> '0000000000000000';
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'applications anonymised'; rows_affected := n; RETURN NEXT;

  -- their history keeps every move, actor and time, not the words written
  -- with it (a reason can name the applicant or a family member)
  UPDATE passport.application_event e SET reason = NULL
    FROM passport.application a
   WHERE a.office_id = e.office_id AND a.application_number = e.application_number
     AND a.nik = '0000000000000000' AND e.reason IS NOT NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'history reasons removed'; rows_affected := n; RETURN NEXT;

  -- feedback: category, rating, office, channel, time and the sender's
  -- keyed pseudonym stay for the reports; the text goes
  UPDATE passport.feedback f SET body = ''
   WHERE f.created_at < t - retention AND f.body <> '';
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'feedback texts removed'; rows_affected := n; RETURN NEXT;

  -- cooldowns long over
  DELETE FROM passport.nik_guard g WHERE g.code IS NULL AND g.cooldown_until < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'NIK cooldowns deleted'; rows_affected := n; RETURN NEXT;

  -- a sender without active reservations is a phone number and a zero
  DELETE FROM passport.sender_guard g WHERE g.active = 0;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'sender counters deleted'; rows_affected := n; RETURN NEXT;

  -- conversations: an idle one starts over at its next message, so what
  -- it collected (NIK, name, birth date) goes now; the whole row goes
  -- after message_retention
  DELETE FROM passport.conversation c WHERE c.updated_at < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'conversations deleted'; rows_affected := n; RETURN NEXT;
  UPDATE passport.conversation c SET state = 'menu', context = passport.bot_kept(c.context)
   WHERE c.updated_at < t - idle AND (c.state <> 'menu' OR c.context <> passport.bot_kept(c.context));
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'idle conversations cleared'; rows_affected := n; RETURN NEXT;

  -- message records: the reply (which can quote a NIK) as long as a
  -- webhook may be redelivered, the record itself (no second effect) for
  -- message_retention
  DELETE FROM passport.inbound_message m WHERE m.received_at < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'inbound messages deleted'; rows_affected := n; RETURN NEXT;
  UPDATE passport.inbound_message m SET reply = NULL, choices = NULL
   WHERE m.received_at < t - reply_retention AND (m.reply IS NOT NULL OR m.choices IS NOT NULL);
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'stored replies removed'; rows_affected := n; RETURN NEXT;

  -- lookup counters whose window has passed count nothing any more
  DELETE FROM passport.lookup_guard g WHERE g.window_start <= t - lim.sender_window;
  GET DIAGNOSTICS n = ROW_COUNT;
  DELETE FROM passport.lookup_number_guard g WHERE g.window_start <= t - lim.number_window;
  GET DIAGNOSTICS m = ROW_COUNT;
  what := 'lookup counters deleted'; rows_affected := n + m; RETURN NEXT;

  DELETE FROM passport.outbox o WHERE o.status IN ('sent', 'dead') AND o.created_at < t - message_retention;
  GET DIAGNOSTICS n = ROW_COUNT;
  what := 'outbox messages deleted'; rows_affected := n; RETURN NEXT;
  RETURN;
END;
$$;
COMMENT ON FUNCTION passport.purge_personal_data(interval, interval, interval) IS
  'Removes personal data whose purpose has ended: finished reservations and applications older than retention are anonymised (NIK, name, phone, sender, idempotency key removed; birth date cut to its year) with the reasons in their history, and feedback texts of that age emptied; conversations, message records, old cooldowns and delivered messages older than message_retention are deleted; stored replies older than reply_retention are removed; idle conversations lose what they collected, and counters at zero or past their window go. Counts, statuses, times, ratings and the history of moves survive for the reports. Run it from cron.';
REVOKE ALL ON FUNCTION passport.purge_personal_data(interval, interval, interval) FROM PUBLIC;

-- the administrators' grant follows the new signature
UPDATE passport.role_privilege SET object_name = 'passport.purge_personal_data(interval,interval,interval)'
 WHERE object_kind = 'function' AND object_name = 'passport.purge_personal_data(interval,interval)';
