--------------------------------------------------------------------------
-- Screens: what the waiting-room display and the office dashboard show.
-- The passport-screens daemon renders these answers and decides nothing:
-- which tickets a display shows, and every figure of a dashboard, come
-- from here. Nothing here returns personal data: ticket codes, counters,
-- lanes, counts and times only.
--------------------------------------------------------------------------

-- The display of one office, as one JSON document: the office, the tickets
-- being called or served now (newest call first), the tickets served and
-- missed last, and per lane how many wait and which ticket comes next.
-- The displays' daemon reads it again every second for an open page, and
-- at once when the queue functions notify channel passport_queue (payload:
-- the office number, passport.queue_notify on).
CREATE FUNCTION passport.display_board(office_code text)
  RETURNS jsonb
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  o passport.office;
  at_ timestamptz := passport.now();
  today date;
BEGIN
  SELECT * INTO o FROM passport.office x WHERE x.code = pg_catalog.upper(display_board.office_code) AND x.active;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown office "%"', office_code
      USING ERRCODE = 'PP011', DETAIL = 'No active office has this code.';
  END IF;
  today := (at_ AT TIME ZONE o.time_zone)::date;
  RETURN pg_catalog.jsonb_build_object(
    'office_id', o.office_id,
    'office', o.code,
    'name', o.name,
    'time_zone', o.time_zone,
    'date', today,
    'time', pg_catalog.to_char(at_ AT TIME ZONE o.time_zone, 'HH24:MI'),
    'calling', (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                         'ticket', t.code, 'lane', t.lane, 'counter', t.counter, 'status', t.status,
                         'calls', t.calls,
                         'called_at', pg_catalog.to_char(t.called_at AT TIME ZONE o.time_zone, 'HH24:MI:SS'))
                       ORDER BY t.called_at DESC, t.ticket_id DESC), '[]'::jsonb)
                  FROM passport.queue_ticket t
                 WHERE t.office_id = o.office_id AND t.local_date = today
                   AND t.status IN ('called', 'serving')),
    'served', (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                        'ticket', d.code, 'counter', d.counter) ORDER BY d.done_at DESC, d.ticket_id DESC), '[]'::jsonb)
                 FROM (SELECT t.code, t.counter, t.done_at, t.ticket_id FROM passport.queue_ticket t
                        WHERE t.office_id = o.office_id AND t.local_date = today AND t.status = 'done'
                        ORDER BY t.done_at DESC, t.ticket_id DESC LIMIT 6) d),
    'missed', (SELECT coalesce(pg_catalog.jsonb_agg(d.code ORDER BY d.done_at DESC, d.ticket_id DESC), '[]'::jsonb)
                 FROM (SELECT t.code, t.done_at, t.ticket_id FROM passport.queue_ticket t
                        WHERE t.office_id = o.office_id AND t.local_date = today AND t.status = 'missed'
                        ORDER BY t.done_at DESC, t.ticket_id DESC LIMIT 6) d),
    'lanes', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'lane', l.lane_code, 'prefix', l.prefix, 'name_id', l.name_id, 'name_en', l.name_en,
                       'waiting', w.waiting, 'next', w.next) ORDER BY l.call_order, l.lane_code)
                FROM passport.lane l
                CROSS JOIN LATERAL (
                  SELECT pg_catalog.count(*) AS waiting,
                         (pg_catalog.array_agg(t.code ORDER BY t.queue_at, t.ticket_id))[1] AS next
                    FROM passport.queue_ticket t
                   WHERE t.office_id = o.office_id AND t.local_date = today AND t.lane = l.lane_code
                     AND t.status = 'waiting') w));
END;
$$;
COMMENT ON FUNCTION passport.display_board(text) IS
  'What the waiting-room display of an office shows now, as JSON: office (code, name, time zone, local date and time), calling (tickets called or being served today with counter, lane, calls and local call time, newest call first), served and missed (the last six), lanes (prefix, names, tickets waiting, next ticket). Ticket codes and counters only: no personal data. PP011 for an unknown or inactive office.';
REVOKE ALL ON FUNCTION passport.display_board(text) FROM PUBLIC;

-- Who may see an office's dashboard: reporters and administrators every
-- office, an officer the offices it is bound to (checked against the
-- calling login, as every officer function does). Every dashboard function
-- calls it first, in PL/pgSQL, so that the check runs whatever plan the
-- query gets.
CREATE FUNCTION passport.dashboard_office_id(office_code text)
  RETURNS bigint
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  result bigint;
  caller name := passport.calling_role();
BEGIN
  SELECT o.office_id INTO result FROM passport.office o WHERE o.code = pg_catalog.upper(office_code);
  IF result IS NULL THEN
    RAISE EXCEPTION 'unknown office "%"', office_code
      USING ERRCODE = 'PP011', DETAIL = 'No office has this code.';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = caller AND r.rolsuper)
     OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles g
                 WHERE g.rolname IN ('passport_reporter', 'passport_admin')
                   AND pg_catalog.pg_has_role(caller, g.oid, 'USAGE')) THEN
    RETURN result;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles g
              WHERE g.rolname = 'passport_officer' AND pg_catalog.pg_has_role(caller, g.oid, 'USAGE'))
     AND EXISTS (SELECT 1 FROM passport.officer_office b
                   JOIN pg_catalog.pg_roles r ON r.rolname = b.role_name
                  WHERE b.office_id = result AND pg_catalog.pg_has_role(caller, r.oid, 'MEMBER')) THEN
    RETURN result;
  END IF;
  RAISE EXCEPTION 'role "%" may not see the dashboard of office "%"', caller, pg_catalog.upper(office_code)
    USING ERRCODE = '42501',
          DETAIL = 'Reporters and administrators see every office; an officer sees the offices it is bound to.',
          HINT = 'An administrator binds officers with passport.bind_officer().';
END;
$$;
COMMENT ON FUNCTION passport.dashboard_office_id(text) IS
  'The office number of a dashboard''s office for the calling login: PP011 when unknown, 42501 unless the login is a reporter, an administrator, or an officer bound to the office. Granted to no role; the dashboard functions call it.';
REVOKE ALL ON FUNCTION passport.dashboard_office_id(text) FROM PUBLIC;

CREATE FUNCTION passport.dashboard_office(office_code text)
  RETURNS TABLE (code text, office_name text, time_zone text, today date, local_time time(0))
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.dashboard_office_id($1);
BEGIN
  RETURN QUERY
    SELECT o.code, o.name, o.time_zone, (passport.now() AT TIME ZONE o.time_zone)::date,
           (passport.now() AT TIME ZONE o.time_zone)::time(0)
      FROM passport.office o
     WHERE o.office_id = oid_;
END;
$$;
COMMENT ON FUNCTION passport.dashboard_office(text) IS
  'The office of a dashboard: its code, name, time zone, its local date and time now. For reporters, administrators and the officers bound to it (42501 otherwise; PP011 for an unknown office).';
REVOKE ALL ON FUNCTION passport.dashboard_office(text) FROM PUBLIC;

CREATE FUNCTION passport.dashboard_queue(office_code text)
  RETURNS TABLE (lane text, prefix text, name_id text, name_en text, tickets bigint, waiting bigint,
                 called bigint, serving bigint, served bigint, missed bigint,
                 mean_wait_minutes numeric, p90_wait_minutes numeric, mean_service_minutes numeric)
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.dashboard_office_id($1);
  today_ date;
BEGIN
  SELECT (passport.now() AT TIME ZONE x.time_zone)::date INTO today_ FROM passport.office x WHERE x.office_id = oid_;
  RETURN QUERY
    SELECT l.lane_code, l.prefix, l.name_id, l.name_en,
           pg_catalog.count(t.ticket_id),
           pg_catalog.count(*) FILTER (WHERE t.status = 'waiting'),
           pg_catalog.count(*) FILTER (WHERE t.status = 'called'),
           pg_catalog.count(*) FILTER (WHERE t.status = 'serving'),
           pg_catalog.count(*) FILTER (WHERE t.status = 'done'),
           pg_catalog.count(*) FILTER (WHERE t.status = 'missed'),
           pg_catalog.round(pg_catalog.avg(extract(epoch FROM t.called_at - t.issued_at) / 60), 1),
           pg_catalog.round((pg_catalog.percentile_cont(0.9) WITHIN GROUP (
                               ORDER BY extract(epoch FROM t.called_at - t.issued_at) / 60))::numeric, 1),
           pg_catalog.round(pg_catalog.avg(extract(epoch FROM t.done_at - t.served_at) / 60)
                              FILTER (WHERE t.status = 'done'), 1)
      FROM passport.lane l
      LEFT JOIN passport.queue_ticket t
        ON t.office_id = oid_ AND t.local_date = today_ AND t.lane = l.lane_code
     GROUP BY l.lane_code, l.prefix, l.name_id, l.name_en, l.call_order
     ORDER BY l.call_order, l.lane_code;
END;
$$;
COMMENT ON FUNCTION passport.dashboard_queue(text) IS
  'Today''s queue of an office per lane (calling order): tickets issued, waiting, called, being served, served, missed; mean and 90th-percentile wait from issue to first call and mean service time, in minutes, of the tickets called so far. For reporters, administrators and the officers bound to it.';
REVOKE ALL ON FUNCTION passport.dashboard_queue(text) FROM PUBLIC;

CREATE FUNCTION passport.dashboard_heatmap(office_code text, days integer DEFAULT 21)
  RETURNS TABLE (local_date date, start_time time, capacity bigint, booked bigint)
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.dashboard_office_id(office_code);
  tz text;
  today date;
BEGIN
  IF days < 1 OR days > 62 THEN
    RAISE EXCEPTION 'days must be between 1 and 62'
      USING ERRCODE = '22023', DETAIL = pg_catalog.format('The dashboard was asked for %s days.', days);
  END IF;
  SELECT o.time_zone INTO tz FROM passport.office o WHERE o.office_id = oid_;
  today := (passport.now() AT TIME ZONE tz)::date;
  RETURN QUERY
    SELECT s.local_date, (s.starts_at AT TIME ZONE tz)::time,
           pg_catalog.sum(s.capacity)::bigint, pg_catalog.sum(s.booked)::bigint
      FROM passport.slot s
     WHERE s.office_id = oid_ AND s.local_date >= today AND s.local_date < today + days
     GROUP BY 1, 2
     ORDER BY 1, 2;
END;
$$;
COMMENT ON FUNCTION passport.dashboard_heatmap(text, integer) IS
  'How full the coming days of an office are: per local date (from today, days of them, 1 to 62) and local slot start time, the released places of every lane and how many are taken (bookings and walk-ins). For reporters, administrators and the officers bound to it.';
REVOKE ALL ON FUNCTION passport.dashboard_heatmap(text, integer) FROM PUBLIC;

-- What the dashboards read of an office's history, by time, so that a
-- dashboard reads the weeks or days it shows and not everything before
-- them: the moves to ready (one in the history of each passport, so a
-- move writes an entry only when it makes a passport ready), and the
-- feedback (written by the conversation, not on any booking or move).
CREATE INDEX application_event_ready ON passport.application_event (office_id, at)
  WHERE to_status = 'ready';
CREATE INDEX feedback_office_time ON passport.feedback (office_id, created_at);
-- The reservations whose visit is over or called off, by day: what the
-- no-show dashboard counts (a booking writes no entry; its check-in,
-- no-show or cancellation does).
CREATE INDEX reservation_ended ON passport.reservation (office_id, local_date)
  WHERE status IN ('checked_in', 'no_show', 'cancelled');
-- The applications still in process (every status that is not final), by
-- status and age: what the backlog dashboard counts. A move into a final
-- status leaves it.
CREATE INDEX application_in_process ON passport.application (office_id, status, status_at)
  WHERE status NOT IN ('payment_expired', 'rejected', 'collected', 'uncollected', 'forfeited', 'cancelled');

-- The weeks a dashboard shows: their Mondays in the office's local time,
-- the last `weeks` of them up to this week.
CREATE FUNCTION passport.dashboard_weeks(office_id bigint, weeks integer)
  RETURNS SETOF date
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  tz text;
  this_week date;
BEGIN
  IF weeks < 1 OR weeks > 104 THEN
    RAISE EXCEPTION 'weeks must be between 1 and 104'
      USING ERRCODE = '22023', DETAIL = pg_catalog.format('The dashboard was asked for %s weeks.', weeks);
  END IF;
  SELECT o.time_zone INTO tz FROM passport.office o WHERE o.office_id = dashboard_weeks.office_id;
  this_week := pg_catalog.date_trunc('week', passport.now() AT TIME ZONE tz)::date;
  RETURN QUERY
    SELECT g::date FROM pg_catalog.generate_series(this_week - 7 * (weeks - 1), this_week, '7 days'::interval) AS g;
END;
$$;
COMMENT ON FUNCTION passport.dashboard_weeks(bigint, integer) IS
  'The Mondays (local time of the office) of the last weeks (1 to 104, this week included) that the weekly dashboard figures cover; 22023 for another count. Granted to no role; the dashboard functions call it.';
REVOKE ALL ON FUNCTION passport.dashboard_weeks(bigint, integer) FROM PUBLIC;

CREATE FUNCTION passport.dashboard_no_shows(office_code text, weeks integer DEFAULT 12)
  RETURNS TABLE (week date, visits_due bigint, no_shows bigint, no_show_percent numeric, cancelled bigint)
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.dashboard_office_id(office_code);
BEGIN
  RETURN QUERY
    SELECT w.week::date,
           pg_catalog.count(r.code) FILTER (WHERE r.status IN ('checked_in', 'no_show')),
           pg_catalog.count(r.code) FILTER (WHERE r.status = 'no_show'),
           pg_catalog.round(100.0 * pg_catalog.count(r.code) FILTER (WHERE r.status = 'no_show')
                            / NULLIF(pg_catalog.count(r.code) FILTER (WHERE r.status IN ('checked_in', 'no_show')), 0), 1),
           pg_catalog.count(r.code) FILTER (WHERE r.status = 'cancelled')
      FROM passport.dashboard_weeks(oid_, weeks) AS w(week)
      LEFT JOIN passport.reservation r
        ON r.office_id = oid_ AND r.local_date >= w.week::date AND r.local_date < w.week::date + 7
           AND r.status IN ('checked_in', 'no_show', 'cancelled')
     GROUP BY w.week
     ORDER BY w.week;
END;
$$;
COMMENT ON FUNCTION passport.dashboard_no_shows(text, integer) IS
  'No-shows of an office by week (Monday, local time) over the last weeks (1 to 104, this week included): visits due (checked in or no-show), no-shows, their percentage, cancellations. For reporters, administrators and the officers bound to it.';
REVOKE ALL ON FUNCTION passport.dashboard_no_shows(text, integer) FROM PUBLIC;

CREATE FUNCTION passport.dashboard_processing(office_code text, weeks integer DEFAULT 12)
  RETURNS TABLE (week date, ready bigint, mean_days_to_ready numeric, mean_promised_days numeric,
                 on_time bigint, late bigint)
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.dashboard_office_id(office_code);
  tz text := (SELECT o.time_zone FROM passport.office o WHERE o.office_id = oid_);
  first_at timestamptz;
  end_at timestamptz;
BEGIN
  -- the weeks shown, as times: the moves to ready read are those
  SELECT pg_catalog.min(w.week)::timestamp AT TIME ZONE tz, (pg_catalog.max(w.week) + 7)::timestamp AT TIME ZONE tz
    INTO first_at, end_at
    FROM passport.dashboard_weeks(oid_, weeks) AS w(week);
  RETURN QUERY
    WITH done AS (
      -- each passport's first move to ready in those weeks
      SELECT (e.at AT TIME ZONE tz)::date AS ready_on, (a.opened_at AT TIME ZONE tz)::date AS opened_on,
             e.at - a.opened_at AS took, a.promised_ready_on
        FROM passport.application_event e
        JOIN passport.application a
          ON a.office_id = e.office_id AND a.application_number = e.application_number
       WHERE e.office_id = oid_ AND e.to_status = 'ready' AND e.at >= first_at AND e.at < end_at
         -- (a subquery per move found: it reads that passport's history)
         AND e.seq = (SELECT x.seq FROM passport.application_event x
                       WHERE x.office_id = e.office_id AND x.application_number = e.application_number
                         AND x.to_status = 'ready'
                       ORDER BY x.at, x.seq LIMIT 1)
    )
    SELECT w.week::date,
           pg_catalog.count(d.ready_on),
           pg_catalog.round((pg_catalog.avg(extract(epoch FROM d.took)) / 86400)::numeric, 1),
           pg_catalog.round(pg_catalog.avg(d.promised_ready_on - d.opened_on), 1),
           pg_catalog.count(d.ready_on) FILTER (WHERE d.promised_ready_on IS NULL OR d.ready_on <= d.promised_ready_on),
           pg_catalog.count(d.ready_on) FILTER (WHERE d.ready_on > d.promised_ready_on)
      FROM passport.dashboard_weeks(oid_, weeks) AS w(week)
      LEFT JOIN done d ON d.ready_on >= w.week::date AND d.ready_on < w.week::date + 7
     GROUP BY w.week
     ORDER BY w.week;
END;
$$;
COMMENT ON FUNCTION passport.dashboard_processing(text, integer) IS
  'Processing time of an office by the week (Monday, local time) its passports became ready, over the last weeks (1 to 104): how many, mean days from submission to ready, mean days promised (submission to the promised ready date), how many were ready by the promised date and how many later. For reporters, administrators and the officers bound to it.';
REVOKE ALL ON FUNCTION passport.dashboard_processing(text, integer) FROM PUBLIC;

CREATE FUNCTION passport.dashboard_backlog(office_code text)
  RETURNS TABLE (status text, label_id text, label_en text, applications bigint, oldest_days numeric)
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.dashboard_office_id($1);
BEGIN
  RETURN QUERY
    SELECT s.status,
           (SELECT x.label FROM passport.status_text x WHERE x.status = s.status AND x.language = 'id'),
           (SELECT x.label FROM passport.status_text x WHERE x.status = s.status AND x.language = 'en'),
           pg_catalog.count(a.application_number),
           pg_catalog.round((extract(epoch FROM passport.now() - pg_catalog.min(a.status_at)) / 86400)::numeric, 1)
      FROM passport.application_status s
      LEFT JOIN passport.application a ON a.office_id = oid_ AND a.status = s.status
            -- the final statuses, as application_in_process leaves them out
            AND a.status NOT IN ('payment_expired', 'rejected', 'collected', 'uncollected', 'forfeited', 'cancelled')
     WHERE NOT s.terminal
     GROUP BY s.status, s.ordinal
     ORDER BY s.ordinal;
END;
$$;
COMMENT ON FUNCTION passport.dashboard_backlog(text) IS
  'Open applications of an office per status (every status that is not final, in the order of the process, with its labels in Indonesian and English) and how many days the oldest has been in it. For reporters, administrators and the officers bound to it.';
REVOKE ALL ON FUNCTION passport.dashboard_backlog(text) FROM PUBLIC;

CREATE FUNCTION passport.dashboard_feedback(office_code text, days integer DEFAULT 90)
  RETURNS TABLE (category text, messages bigint, rated bigint, mean_rating numeric,
                 rating_1 bigint, rating_2 bigint, rating_3 bigint, rating_4 bigint, rating_5 bigint)
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oid_ bigint := passport.dashboard_office_id(office_code);
BEGIN
  IF days < 1 OR days > 3660 THEN
    RAISE EXCEPTION 'days must be between 1 and 3660'
      USING ERRCODE = '22023', DETAIL = pg_catalog.format('The dashboard was asked for %s days.', days);
  END IF;
  RETURN QUERY
    SELECT c.category, pg_catalog.count(f.feedback_id), pg_catalog.count(f.rating),
           pg_catalog.round(pg_catalog.avg(f.rating), 2),
           pg_catalog.count(*) FILTER (WHERE f.rating = 1), pg_catalog.count(*) FILTER (WHERE f.rating = 2),
           pg_catalog.count(*) FILTER (WHERE f.rating = 3), pg_catalog.count(*) FILTER (WHERE f.rating = 4),
           pg_catalog.count(*) FILTER (WHERE f.rating = 5)
      FROM (VALUES (1, 'appreciation'), (2, 'aspiration'), (3, 'complaint')) AS c(n, category)
      LEFT JOIN passport.feedback f
        ON f.office_id = oid_ AND f.category = c.category AND f.created_at > passport.now() - days * interval '1 day'
     GROUP BY c.n, c.category
     ORDER BY c.n;
END;
$$;
COMMENT ON FUNCTION passport.dashboard_feedback(text, integer) IS
  'Feedback about an office over the last days (1 to 3660): per category (appreciation, aspiration, complaint) the messages, how many carry a rating, the mean rating and how many of each rating 1 to 5. Never the text or the sender. For reporters, administrators and the officers bound to it.';
REVOKE ALL ON FUNCTION passport.dashboard_feedback(text, integer) FROM PUBLIC;

INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege)
SELECT r, 'function', 'passport.display_board(text)', 'EXECUTE'
  FROM unnest(ARRAY['passport_adapter', 'passport_officer', 'passport_reporter', 'passport_admin']) r
UNION ALL
SELECT r, 'function', f, 'EXECUTE'
  FROM unnest(ARRAY['passport_officer', 'passport_reporter', 'passport_admin']) r,
       unnest(ARRAY['passport.dashboard_office(text)', 'passport.dashboard_queue(text)',
                    'passport.dashboard_heatmap(text,integer)', 'passport.dashboard_no_shows(text,integer)',
                    'passport.dashboard_processing(text,integer)', 'passport.dashboard_backlog(text)',
                    'passport.dashboard_feedback(text,integer)']) f;
