\pset footer off
\echo
\echo '== Rush result: requests by outcome =='
SELECT outcome, sqlstate, count(*) AS requests FROM demo.attempt GROUP BY 1, 2 ORDER BY 3 DESC;
\echo
\echo '== Bookings per slot, Batam, Monday 7 December (local time) =='
SELECT (s.starts_at AT TIME ZONE 'Asia/Jakarta')::time AS slot, sum(s.capacity) AS capacity,
       sum(s.booked) AS booked, count(*) AS counter_rows,
       repeat('#', (sum(s.booked) / 1)::int) AS bar
  FROM passport.slot s
 WHERE s.office_id = passport.office_id('BTM') AND s.local_date = '2026-12-07' AND s.lane = 'regular'
 GROUP BY s.starts_at ORDER BY s.starts_at;
\echo
\echo '== Invariants =='
SELECT (SELECT count(*) FROM passport.slot WHERE booked > capacity) AS counters_over_capacity,
       (SELECT count(*) FROM passport.slot s
         WHERE s.booked <> (SELECT count(*) FROM passport.reservation r
                             WHERE r.office_id = s.office_id AND r.slot_id = s.slot_id AND r.shard = s.shard
                               AND r.status IN ('booked', 'checked_in', 'no_show'))) AS counters_unequal_to_rows,
       (SELECT count(*) - count(DISTINCT code) FROM passport.reservation) AS duplicate_numbers,
       (SELECT count(*) FROM passport.reservation WHERE office_id = passport.office_id('BTM')) AS batam_reservations;
