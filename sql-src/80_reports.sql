--------------------------------------------------------------------------
-- Reports for DBAs and reporters: aggregates only, never NIK or phone
--------------------------------------------------------------------------

CREATE VIEW passport.report_utilisation AS
  SELECT o.code AS office, s.lane, s.local_date,
         sum(s.capacity) AS capacity,
         sum(s.booked) AS booked,
         (SELECT count(*) FROM passport.reservation r
           WHERE r.office_id = o.office_id AND r.local_date = s.local_date AND r.lane = s.lane
             AND r.status = 'checked_in') AS served,
         (SELECT count(*) FROM passport.reservation r
           WHERE r.office_id = o.office_id AND r.local_date = s.local_date AND r.lane = s.lane
             AND r.status = 'no_show') AS no_shows
    FROM passport.slot s JOIN passport.office o ON o.office_id = s.office_id
   GROUP BY o.office_id, o.code, s.lane, s.local_date;
COMMENT ON VIEW passport.report_utilisation IS 'Capacity, booked, served (checked in) and no-shows per office, lane and local day.';

CREATE VIEW passport.report_no_shows AS
  SELECT o.code AS office, date_trunc('month', r.local_date)::date AS month,
         count(*) FILTER (WHERE r.status IN ('checked_in', 'no_show')) AS visits_due,
         count(*) FILTER (WHERE r.status = 'no_show') AS no_shows,
         round(100.0 * count(*) FILTER (WHERE r.status = 'no_show')
               / nullif(count(*) FILTER (WHERE r.status IN ('checked_in', 'no_show')), 0), 1) AS no_show_percent,
         count(*) FILTER (WHERE r.status = 'cancelled') AS cancelled
    FROM passport.reservation r JOIN passport.office o ON o.office_id = r.office_id
   GROUP BY o.code, date_trunc('month', r.local_date);
COMMENT ON VIEW passport.report_no_shows IS 'No-show rate and cancellations per office and month.';

CREATE VIEW passport.report_waiting AS
  SELECT o.code AS office, t.local_date, t.lane, count(*) AS tickets,
         count(*) FILTER (WHERE t.status = 'missed') AS missed,
         round(avg(extract(epoch FROM t.called_at - t.issued_at) / 60)::numeric, 1) AS avg_wait_minutes,
         round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.called_at - t.issued_at) / 60))::numeric, 1)
           AS p90_wait_minutes,
         round(avg(extract(epoch FROM t.done_at - t.served_at) / 60) FILTER (WHERE t.status = 'done')::numeric, 1)
           AS avg_service_minutes
    FROM passport.queue_ticket t JOIN passport.office o ON o.office_id = t.office_id
   GROUP BY o.code, t.local_date, t.lane;
COMMENT ON VIEW passport.report_waiting IS 'Tickets, missed calls, waiting time (issue to call) and service time per office, day and lane.';

CREATE VIEW passport.report_processing AS
  SELECT o.code AS office, date_trunc('month', a.opened_at)::date AS month,
         count(*) AS applications,
         count(*) FILTER (WHERE ready.at IS NOT NULL) AS ready,
         round(avg(extract(epoch FROM ready.at - a.opened_at) / 86400)::numeric, 1) AS avg_days_to_ready,
         count(*) FILTER (WHERE ready.at IS NOT NULL
                            AND (ready.at AT TIME ZONE o.time_zone)::date > a.promised_ready_on) AS sla_breaches
    FROM passport.application a
    JOIN passport.office o ON o.office_id = a.office_id
    LEFT JOIN LATERAL (SELECT min(e.at) AS at FROM passport.application_event e
                        WHERE e.office_id = a.office_id AND e.application_number = a.application_number
                          AND e.to_status = 'ready') ready ON true
   GROUP BY o.code, date_trunc('month', a.opened_at);
COMMENT ON VIEW passport.report_processing IS 'Applications per office and month: how many reached ready, average days to ready, and SLA breaches (ready later than the promised date).';

CREATE VIEW passport.report_backlog AS
  SELECT o.code AS office, a.status, count(*) AS applications,
         min(a.status_at) AS oldest_since
    FROM passport.application a
    JOIN passport.office o ON o.office_id = a.office_id
    JOIN passport.application_status s ON s.status = a.status
   WHERE NOT s.terminal
   GROUP BY o.code, a.status, s.ordinal;
COMMENT ON VIEW passport.report_backlog IS 'Open applications per office and status, with the oldest waiting since.';

CREATE VIEW passport.report_feedback AS
  SELECT coalesce(o.code, '-') AS office, f.category, count(*) AS messages,
         round(avg(f.rating), 2) AS avg_rating, count(DISTINCT f.sender_hash) AS senders
    FROM passport.feedback f LEFT JOIN passport.office o ON o.office_id = f.office_id
   GROUP BY coalesce(o.code, '-'), f.category;
COMMENT ON VIEW passport.report_feedback IS 'Appreciation, aspirations and complaints per office: counts, average rating, distinct senders (hashed).';
