-- Reports: aggregates over everything the earlier suites did.
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-14 12:00+07';
SELECT office, lane, sum(capacity) AS capacity, sum(booked) AS booked, sum(served) AS served, sum(no_shows) AS no_shows
  FROM passport.report_utilisation WHERE office IN ('JKS', 'MKS') AND local_date <= '2026-12-09'
 GROUP BY office, lane ORDER BY office, lane;
SELECT * FROM passport.report_no_shows ORDER BY office, month;
SELECT office, local_date, lane, tickets, missed, avg_wait_minutes, p90_wait_minutes, avg_service_minutes
  FROM passport.report_waiting ORDER BY office, local_date, lane;
SELECT office, month, applications, ready, sla_breaches FROM passport.report_processing ORDER BY office, month;
SELECT office, status, applications FROM passport.report_backlog ORDER BY office, status;
SELECT * FROM passport.report_feedback ORDER BY office, category;
-- reporters read the reports but no personal data
CREATE ROLE regress_analyst IN ROLE passport_reporter;
SET ROLE regress_analyst;
SELECT count(*) > 0 AS reports_readable FROM passport.report_utilisation;
SELECT has_table_privilege('passport.reservation', 'SELECT') AS reads_reservations,
       has_table_privilege('passport.application', 'SELECT') AS reads_applications;
RESET ROLE;
DROP ROLE regress_analyst;

-- retention: personal data goes, the statistics stay
CREATE TEMP TABLE before AS SELECT * FROM passport.report_no_shows;
SET passport.now_override = '2029-01-01 00:00+07';
-- (how many numbers were counted depends on the installation key: it
-- decides which of the unknown numbers tried earlier it could have issued)
SELECT what, CASE WHEN what = 'lookup counters deleted' THEN rows_affected > 0 END AS any_lookup_counters,
       CASE WHEN what <> 'lookup counters deleted' THEN rows_affected END AS rows_affected
  FROM passport.purge_personal_data();
SELECT count(*) FILTER (WHERE nik <> '0000000000000000') AS reservations_with_nik,
       count(*) FILTER (WHERE sender IS NOT NULL OR phone IS NOT NULL) AS with_contact,
       count(*) FILTER (WHERE status = 'booked') AS still_booked FROM passport.reservation;
SELECT count(*) FILTER (WHERE nik <> '0000000000000000') AS open_applications_keep_nik FROM passport.application;
SELECT (SELECT count(*) FROM passport.report_no_shows) = (SELECT count(*) FROM before)
       AND NOT EXISTS (SELECT * FROM passport.report_no_shows EXCEPT SELECT * FROM before) AS statistics_unchanged;
SELECT * FROM passport.purge_personal_data();
SELECT count(*) FROM passport.purge_personal_data('1 day');
