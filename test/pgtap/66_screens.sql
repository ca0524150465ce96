-- What the screens read: display_board and the dashboard functions. Who may
-- call which (the display for every group role, the dashboards for
-- reporters, administrators and officers bound to the office), their
-- SQLSTATEs, and no personal data in a board.
BEGIN;
SELECT plan(28);
SET LOCAL passport.now_override = '2026-12-07 08:00+07';
SET LOCAL passport.max_active_per_sender = 0;
SELECT passport.setup_roles();

CREATE ROLE tap_scr_officer IN ROLE passport_officer;
CREATE ROLE tap_scr_reporter IN ROLE passport_reporter;
CREATE ROLE tap_scr_adapter IN ROLE passport_adapter;
CREATE ROLE tap_scr_nobody;
SELECT lives_ok($$SELECT passport.create_office('SCRA', 'Kanim Layar', 'kanim', 'Asia/Jakarta')$$, 'an office');
SELECT lives_ok($$SELECT passport.create_office('SCRB', 'Kanim Layar Dua', 'kanim', 'Asia/Jayapura')$$, 'another office');
SELECT lives_ok($$SELECT passport.add_capacity_rule('SCRA', 1, 'regular', '08:00', '09:00', 60, 5)$$, 'places on Mondays');
SELECT lives_ok($$SELECT passport.release_slots('SCRA', '2026-12-07', '2026-12-07')$$, 'released');
SELECT lives_ok($$SELECT passport.bind_officer('tap_scr_officer', 'SCRA')$$, 'the officer is bound to SCRA');

-- one applicant checked in and called
CREATE TEMP TABLE scr_booking ON COMMIT DROP AS
SELECT * FROM passport.reserve('SCRA', 'new_adult', 'regular', '2026-12-07', '3174034708900099', 'Rahasia Layar Pemohon',
                               '1990-08-07', '081255566677', 'whatsapp', '081255566677');
SELECT lives_ok($$SELECT passport.check_in((SELECT reservation_number FROM scr_booking), 'SCRA')$$, 'checked in');
SELECT is((SELECT counter FROM passport.call_next('SCRA', 'Loket 9')), 'Loket 9', 'called');

SELECT is(passport.display_board('scra')->'calling'->0->>'counter', 'Loket 9', 'the board shows the call, codes in any case');
SELECT is(passport.display_board('SCRA')->'calling'->0->>'ticket', 'A-001', 'with its ticket code');
SELECT ok(passport.display_board('SCRA')::text !~ '(3174034708900099|Rahasia|081255566677|62812555)',
          'no NIK, name or phone in the board');
SELECT is((SELECT waiting FROM passport.dashboard_queue('SCRA') WHERE lane = 'regular'), 0::bigint,
          'the dashboard counts the queue');
SELECT throws_ok($$SELECT passport.display_board('NOPE')$$, 'PP011', NULL, 'an unknown office raises PP011');
SELECT throws_ok($$SELECT * FROM passport.dashboard_heatmap('SCRA', 0)$$, '22023', NULL, 'days out of range raise 22023');
SELECT throws_ok($$SELECT * FROM passport.dashboard_no_shows('SCRA', 0)$$, '22023', NULL, 'weeks out of range raise 22023');
SELECT throws_ok($$SELECT * FROM passport.dashboard_processing('SCRA', 105)$$, '22023', NULL, 'at both ends');
SELECT is((SELECT count(*) FROM passport.dashboard_no_shows('SCRA', 104)), 104::bigint, 'the longest window has 104 weeks');
SELECT is((SELECT pg_catalog.max(week) - pg_catalog.min(week) FROM passport.dashboard_processing('SCRA', 3)), 14,
          'three weeks are three Mondays, a week apart');

SET LOCAL ROLE tap_scr_officer;
SELECT lives_ok($$SELECT * FROM passport.dashboard_queue('SCRA')$$, 'the officer sees the office it is bound to');
SELECT throws_ok($$SELECT * FROM passport.dashboard_queue('SCRB')$$, '42501', NULL, 'but not another office');
SELECT throws_ok($$SELECT * FROM passport.dashboard_backlog('NOPE')$$, 'PP011', NULL, 'an unknown office raises PP011');
SELECT lives_ok($$SELECT passport.display_board('SCRB')$$, 'every display is public');
RESET ROLE;
SET LOCAL ROLE tap_scr_reporter;
SELECT lives_ok($$SELECT * FROM passport.dashboard_feedback('SCRB')$$, 'the reporter sees every office');
SELECT lives_ok($$SELECT * FROM passport.dashboard_processing('SCRA')$$, 'every dashboard function');
RESET ROLE;
SET LOCAL ROLE tap_scr_adapter;
SELECT lives_ok($$SELECT passport.display_board('SCRA')$$, 'an adapter reads a display');
SELECT throws_ok($$SELECT * FROM passport.dashboard_no_shows('SCRA')$$, '42501', NULL, 'but no dashboard');
RESET ROLE;
SET LOCAL ROLE tap_scr_nobody;
SELECT throws_ok($$SELECT passport.display_board('SCRA')$$, '42501', NULL, 'a role without a group reads nothing');
RESET ROLE;
SELECT ok(NOT has_function_privilege('passport_officer', 'passport.dashboard_office_id(text)', 'EXECUTE'),
          'the access check itself is granted to no role');
SELECT ok(NOT has_function_privilege('public', 'passport.dashboard_queue(text)', 'EXECUTE'),
          'PUBLIC cannot execute the dashboard functions');

SELECT * FROM finish();
ROLLBACK;
