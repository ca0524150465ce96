--------------------------------------------------------------------------
-- Security: row-level security for officers, group roles, privileges
--------------------------------------------------------------------------

CREATE FUNCTION passport.current_office_id()
  RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT o.office_id FROM passport.office o
   WHERE o.code = pg_catalog.upper(NULLIF(pg_catalog.current_setting('passport.office', true), ''))
$$;
COMMENT ON FUNCTION passport.current_office_id() IS
  'Office selected by the setting passport.office (SET LOCAL works): what row-level security shows an officer.';

CREATE FUNCTION passport.is_admin()
  RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                  WHERE r.rolname = 'passport_admin'
                    AND pg_catalog.pg_has_role(CURRENT_USER, r.oid, 'MEMBER'))
$$;
COMMENT ON FUNCTION passport.is_admin() IS 'True when the current user is a member of passport_admin.';

ALTER TABLE passport.reservation ENABLE ROW LEVEL SECURITY;
CREATE POLICY reservation_by_office ON passport.reservation
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.application ENABLE ROW LEVEL SECURITY;
CREATE POLICY application_by_office ON passport.application
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.application_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY application_event_by_office ON passport.application_event
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.billing ENABLE ROW LEVEL SECURITY;
CREATE POLICY billing_by_office ON passport.billing
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.queue_ticket ENABLE ROW LEVEL SECURITY;
CREATE POLICY queue_ticket_by_office ON passport.queue_ticket
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY outbox_by_office ON passport.outbox
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));
ALTER TABLE passport.slot ENABLE ROW LEVEL SECURITY;
CREATE POLICY slot_by_office ON passport.slot
  USING (office_id = (SELECT passport.current_office_id()) OR (SELECT passport.is_admin()));

CREATE FUNCTION passport.setup_roles()
  RETURNS SETOF text
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['passport_adapter', 'passport_officer', 'passport_reporter', 'passport_admin']
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      RETURN NEXT r;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA passport TO %I', r);
    EXECUTE format('GRANT EXECUTE ON FUNCTION passport.now(), passport.current_office_id(), passport.is_admin() TO %I', r);
  END LOOP;

  -- adapters (bots, apps): only the calls a booking channel needs
  GRANT EXECUTE ON FUNCTION
    passport.reserve(text, text, text, date, text, text, date, text, text, text, text, time, boolean),
    passport.cancel(text, text, date),
    passport.reschedule(text, date, time, text, date, boolean),
    passport.find_reservation(text, text, date),
    passport.availability(text, date, integer, text),
    passport.normalize_reservation_number(text),
    passport.is_reservation_number(text),
    passport.normalize_phone(text),
    passport.nik_problem(text),
    passport.tariff_amount(text, text, integer, date),
    passport.billing_amount(text, text, integer, boolean, boolean, date),
    passport.application_status(text, text, date, text),
    passport.confirm_payment(text, bigint, text, timestamptz),
    passport.claim_messages(text, integer, text, interval),
    passport.ack_message(bigint, bigint),
    passport.fail_message(bigint, bigint, text),
    passport.handle_message(text, text, text, text)
  TO passport_adapter;
  -- waiting-room screens are adapters too: ticket codes and counters only
  GRANT SELECT ON passport.queue_display TO passport_adapter;

  -- officers: their office's reservations (row-level security) and check-in
  GRANT EXECUTE ON FUNCTION
    passport.check_in(text, text),
    passport.find_reservation(text, text, date),
    passport.availability(text, date, integer, text),
    passport.normalize_reservation_number(text),
    passport.nik_parts(text),
    passport.tariff_amount(text, text, integer, date),
    passport.billing_amount(text, text, integer, boolean, boolean, date),
    passport.add_working_days(bigint, date, integer),
    passport.open_application(text, text, integer, boolean),
    passport.open_walk_in(text, text, text, text, text, date, text, text, integer, boolean),
    passport.transition(text, text, text, integer, text, text),
    passport.application_status(text, text, date, text),
    passport.walk_in_ticket(text, text),
    passport.pickup_ticket(text),
    passport.call_next(text, text, text[]),
    passport.recall(text, text),
    passport.start_service(text, text),
    passport.finish_service(text, text)
  TO passport_officer;
  GRANT SELECT ON passport.queue_ticket, passport.queue_display TO passport_officer;
  GRANT SELECT ON passport.office, passport.lane, passport.service, passport.passport_kind,
                  passport.reservation, passport.slot, passport.application,
                  passport.application_event, passport.billing, passport.transition,
                  passport.application_status, passport.status_text
  TO passport_officer;

  -- reporters: aggregates only, never NIK or phone
  GRANT SELECT ON passport.office, passport.lane, passport.service, passport.passport_kind,
                  passport.tariff, passport.holiday, passport.capacity_overview,
                  passport.transition, passport.application_status, passport.status_text,
                  passport.queue_display
  TO passport_reporter;
  -- feedback for reports: the sender is a keyed hash, never the number
  GRANT SELECT ON passport.feedback TO passport_reporter, passport_admin;
  GRANT SELECT ON passport.report_utilisation, passport.report_no_shows, passport.report_waiting,
                  passport.report_processing, passport.report_backlog, passport.report_feedback
  TO passport_reporter, passport_admin;

  -- administrators: the catalog, through its functions
  GRANT EXECUTE ON FUNCTION
    passport.create_office(text, text, text, text, text, text, text, integer, integer, time),
    passport.set_release_policy(text, integer, time),
    passport.add_capacity_rule(text, integer, text, time, time, integer, integer),
    passport.remove_capacity_rule(text, bigint),
    passport.close_day(text, date, text),
    passport.release_slots(text, date, date),
    passport.set_slot_capacity(text, text, date, time, integer),
    passport.availability(text, date, integer, text),
    passport.sweep(text),
    passport.office_id(text),
    passport.check_in(text, text),
    passport.find_reservation(text, text, date),
    passport.tariff_amount(text, text, integer, date),
    passport.nik_parts(text),
    passport.billing_amount(text, text, integer, boolean, boolean, date),
    passport.add_working_days(bigint, date, integer),
    passport.open_application(text, text, integer, boolean),
    passport.open_walk_in(text, text, text, text, text, date, text, text, integer, boolean),
    passport.transition(text, text, text, integer, text, text),
    passport.application_status(text, text, date, text),
    passport.walk_in_ticket(text, text),
    passport.pickup_ticket(text),
    passport.call_next(text, text, text[]),
    passport.recall(text, text),
    passport.start_service(text, text),
    passport.finish_service(text, text),
    passport.render_message(text, text, jsonb),
    passport.purge_personal_data(interval, interval)
  TO passport_admin;
  GRANT SELECT ON passport.queue_ticket, passport.queue_display, passport.outbox,
                  passport.message_template TO passport_admin;
  GRANT INSERT, UPDATE, DELETE ON passport.message_template TO passport_admin;
  GRANT SELECT, INSERT, UPDATE, DELETE ON passport.bot_text, passport.info TO passport_admin;
  GRANT SELECT ON passport.office, passport.lane, passport.service, passport.passport_kind,
                  passport.tariff, passport.capacity_rule, passport.holiday,
                  passport.office_closure, passport.slot, passport.reservation,
                  passport.capacity_overview, passport.application, passport.application_event,
                  passport.billing, passport.transition, passport.application_status,
                  passport.status_text
  TO passport_admin;
  -- administrators edit the rules and the texts; the history stays append-only
  GRANT INSERT, UPDATE, DELETE ON passport.transition, passport.status_text TO passport_admin;
  RETURN;
END;
$$;
COMMENT ON FUNCTION passport.setup_roles() IS
  'Creates (idempotently) the group roles passport_adapter, passport_officer, passport_reporter and passport_admin and grants each what it needs. Returns the roles it created. Needs CREATEROLE; the extension script itself creates no roles.';

-- Nothing for PUBLIC: every grant goes through passport.setup_roles().
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA passport FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA passport FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA passport FROM PUBLIC;
REVOKE ALL ON TYPE passport.booking FROM PUBLIC;
REVOKE ALL ON TYPE passport.application_state FROM PUBLIC;
REVOKE ALL ON TYPE passport.ticket FROM PUBLIC;
REVOKE ALL ON TYPE passport.bot_reply FROM PUBLIC;

COMMENT ON SEQUENCE passport.slot_id_seq IS 'Numbers slots (all counter rows of one slot share it).';
COMMENT ON SEQUENCE passport.ticket_id_seq IS 'Numbers queue tickets internally (their shown number restarts daily per lane).';
COMMENT ON SEQUENCE passport.outbox_id_seq IS 'Numbers outbox messages.';
COMMENT ON SEQUENCE passport.office_office_id_seq IS 'Office numbers (1-4095).';
COMMENT ON SEQUENCE passport.capacity_rule_rule_id_seq IS 'Capacity rule numbers.';
COMMENT ON SEQUENCE passport.feedback_feedback_id_seq IS 'Feedback numbers.';
