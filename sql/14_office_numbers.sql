-- The entry points by office number refuse a number no office has (zero,
-- negative or unknown) with PP011, whatever else they were given; the
-- backend stays up.
\set VERBOSITY sqlstate
SELECT passport.call_next_at(0, 'Loket 1');
SELECT passport.call_next_at(-5, 'Loket 1');
SELECT passport.call_next_at(999999999, 'Loket 1');
SELECT passport.walk_in_ticket_at(0, 'priority');
SELECT passport.recall_at(0, 'A-001');
SELECT passport.start_service_at(0, 'A-001');
SELECT passport.finish_service_at(0, 'A-001');
SELECT passport.open_walk_in_at(0, 'priority', 'renewal', '3171010101900299', 'Pejalan Kaki', '1990-01-01');
SELECT passport.open_walk_in_at(-1, 'priority', 'renewal', '3171010101900299', 'Pejalan Kaki', '1990-01-01');
CALL passport.reserve_at(0, 'new_adult', 'regular', '2026-12-07', '3171014708900001', 'Satu', '1990-08-07');
CALL passport.reserve_at(-1, 'new_adult', 'regular', '2026-12-07', '3171014708900001', 'Satu', '1990-08-07');
CALL passport.reserve_at(999999999, 'new_adult', 'regular', '2026-12-07', '3171014708900001', 'Satu', '1990-08-07');
\set VERBOSITY default
SELECT 'backend still up' AS alive;
