-- Capacity overview per office and lane for the released month.
\pset footer off
\echo
\echo '== Capacity released for December 2026 (local office time) =='
SELECT o.code AS office, split_part(o.time_zone, '/', 2) AS zone, c.lane,
       count(*) AS days, sum(c.slots) AS slots, sum(c.capacity) AS places,
       round(avg(c.capacity)) AS places_per_day,
       min(c.first_start) AS opens, max(c.last_end) AS closes
  FROM passport.capacity_overview c JOIN passport.office o ON o.code = c.office
 GROUP BY o.office_id, o.code, o.time_zone, c.lane
 ORDER BY o.office_id, c.lane;
\echo
\echo '== The same 08:00 opening in UTC: Jayapura opens the day before in UTC =='
SET TIME ZONE 'UTC';
SELECT o.code AS office, o.time_zone, min(s.starts_at) AS first_slot_utc,
       (min(s.starts_at) AT TIME ZONE o.time_zone) AS first_slot_local
  FROM passport.slot s JOIN passport.office o USING (office_id)
 WHERE s.local_date = '2026-12-07' AND s.lane = 'regular' AND o.code IN ('JKS', 'MKS', 'JYP')
 GROUP BY o.office_id, o.code, o.time_zone ORDER BY o.office_id;
RESET TIME ZONE;
