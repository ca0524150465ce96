-- Data of the screens suite: two offices (and one whose name is HTML), a
-- Monday morning of the queue at JKS made through the queue functions
-- (the suite's sessions stand at 08:30),
-- bookings of the coming days, four weeks of past visits with no-shows,
-- applications at every stage with their history, and feedback. Every
-- applicant's NIK, name and phone, and every feedback text, is personal:
-- the suite lists them from the tables, and none of them may appear in
-- anything the screens serve.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS passport;
SELECT count(*) >= 0 FROM passport.setup_roles();
SET passport.max_active_per_sender = 0;
SET passport.now_override = '2026-12-01 09:00+07';

SELECT passport.create_office('JKS', 'Kantor Imigrasi Kelas I Khusus Non TPI Jakarta Selatan', 'kanim', 'Asia/Jakarta',
                              city => 'Jakarta Selatan', slot_shards => 2);
SELECT passport.create_office('BTM', 'Kantor Imigrasi Kelas I Khusus TPI Batam', 'kanim', 'Asia/Jakarta');
SELECT passport.create_office('XSS', '<script>alert(1)</script> & "Kanim" <b>Uji</b>', 'kanim', 'Asia/Jakarta');
SELECT passport.add_capacity_rule('JKS', d, 'regular', '08:00', '12:00', 30, 10) FROM generate_series(1, 5) d;
SELECT passport.add_capacity_rule('JKS', d, 'priority', '08:00', '12:00', 60, 4) FROM generate_series(1, 5) d;
SELECT passport.add_capacity_rule('BTM', d, 'regular', '08:00', '12:00', 60, 10) FROM generate_series(1, 5) d;
SELECT passport.release_slots(c, '2026-12-01', '2026-12-31') FROM unnest(ARRAY['JKS', 'BTM', 'XSS']) c;

-- bookings: four for Monday 08:00 and 08:30 and five for 09:00 (checked in
-- below), three for Tuesday 08:00
CREATE TEMP TABLE booked AS
SELECT b.reservation_number, b.local_date, b.start_time
  FROM (VALUES (1, '2026-12-07', '08:00'), (2, '2026-12-07', '08:00'), (3, '2026-12-07', '08:30'),
               (4, '2026-12-07', '08:30'), (5, '2026-12-08', '08:00'), (6, '2026-12-08', '08:00'),
               (7, '2026-12-08', '08:00'), (8, '2026-12-07', '09:00'), (9, '2026-12-07', '09:00'),
               (10, '2026-12-07', '09:00'), (11, '2026-12-07', '09:00'), (12, '2026-12-07', '09:00')) v(n, d, t),
       LATERAL passport.reserve('JKS', 'new_adult', 'regular', v.d::date,
                                '31740347089000' || lpad(v.n::text, 2, '0'), 'Siti Pemohon ' || v.n, '1990-08-07',
                                '0812-5550-10' || lpad(v.n::text, 2, '0'), 'whatsapp',
                                '0812-5550-10' || lpad(v.n::text, 2, '0'),
                                preferred_time => v.t::time) b;

-- Monday 7 December at JKS
SET passport.now_override = '2026-12-07 07:40+07';
SELECT count(passport.check_in(reservation_number, 'JKS')) FROM booked
 WHERE local_date = '2026-12-07' AND start_time < '09:00';
SET passport.now_override = '2026-12-07 07:50+07';
SELECT ticket FROM passport.walk_in_ticket('JKS', 'priority');
SELECT ticket FROM passport.walk_in_ticket('JKS', 'priority');
SET passport.now_override = '2026-12-07 08:00+07';
SELECT ticket, counter FROM passport.call_next('JKS', 'Loket 1');
SELECT ticket, counter FROM passport.call_next('JKS', 'Loket 2');
SELECT ticket, counter FROM passport.call_next('JKS', 'Loket 3');
SET passport.now_override = '2026-12-07 08:05+07';
SELECT status FROM passport.start_service('JKS', 'B-001');
SELECT status FROM passport.start_service('JKS', 'B-002');
SET passport.now_override = '2026-12-07 08:20+07';
SELECT status FROM passport.finish_service('JKS', 'B-001');
SELECT ticket, counter FROM passport.call_next('JKS', 'Loket 1');
SET passport.now_override = '2026-12-07 08:25+07';
SELECT count(passport.check_in(reservation_number, 'JKS')) FROM booked WHERE start_time = '09:00';
SELECT (passport.walk_in_ticket('JKS', 'priority')).ticket FROM generate_series(1, 2);

-- four past weeks of visits (Mondays 9, 16, 23 and 30 November): per week
-- visits due and no-shows as listed, and one cancellation each
INSERT INTO passport.reservation (office_id, code, slot_id, shard, lane, service, local_date, starts_at, ends_at,
                                  status, nik, full_name, birth_date, phone, channel, sender, created_at, status_at)
SELECT passport.office_id('JKS'), 'H' || lpad(w::text, 2, '0') || lpad(i::text, 8, '0'), 0, 0, 'regular', 'new_adult',
       wk.monday + 1, (wk.monday + 1) + time '08:00' AT TIME ZONE 'Asia/Jakarta',
       (wk.monday + 1) + time '08:30' AT TIME ZONE 'Asia/Jakarta',
       CASE WHEN i <= wk.no_shows THEN 'no_show' WHEN i <= wk.due THEN 'checked_in' ELSE 'cancelled' END,
       '35780157079100' || lpad(((w * 20 + i) % 100)::text, 2, '0'), 'Budi Riwayat', '1991-07-17',
       '+62813555520' || lpad(((w * 20 + i) % 100)::text, 2, '0'), 'whatsapp', NULL,
       '2026-11-01 09:00+07', '2026-11-01 09:00+07'
  FROM (VALUES (1, date '2026-11-09', 10, 1), (2, date '2026-11-16', 20, 5),
               (3, date '2026-11-23', 8, 0), (4, date '2026-11-30', 16, 4)) wk(w, monday, due, no_shows),
       generate_series(1, wk.due + 1) i;

-- applications: passports ready in the weeks of 23 and 30 November (one
-- late each week), and open ones at several statuses
INSERT INTO passport.application (office_id, application_number, service, passport_kind, validity_years, lane,
                                  nik, full_name, birth_date, phone, status, version, opened_at, status_at,
                                  promised_ready_on)
SELECT passport.office_id('JKS'), '90000000000000' || lpad(n::text, 2, '0'), 'new_adult', 'electronic', 10, 'regular',
       '32010112129000' || lpad(n::text, 2, '0'), 'Dewi Berkas ' || n, '1990-12-12', '+6285755530' || lpad(n::text, 2, '0'),
       s.status, 5, s.opened, s.since, s.promised
  FROM (VALUES
    (1, 'collected', timestamptz '2026-11-16 10:00+07', timestamptz '2026-11-24 10:00+07', date '2026-11-23'),
    (2, 'collected', timestamptz '2026-11-17 10:00+07', timestamptz '2026-11-25 10:00+07', date '2026-11-24'),
    (3, 'ready',     timestamptz '2026-11-18 10:00+07', timestamptz '2026-11-27 10:00+07', date '2026-11-25'),
    (4, 'collected', timestamptz '2026-11-23 10:00+07', timestamptz '2026-12-01 10:00+07', date '2026-12-01'),
    (5, 'ready',     timestamptz '2026-11-24 10:00+07', timestamptz '2026-12-04 10:00+07', date '2026-12-02'),
    (6, 'submitted', timestamptz '2026-12-04 10:00+07', timestamptz '2026-12-04 10:00+07', NULL),
    (7, 'submitted', timestamptz '2026-12-06 10:00+07', timestamptz '2026-12-06 10:00+07', NULL),
    (8, 'awaiting_payment', timestamptz '2026-12-03 10:00+07', timestamptz '2026-12-05 10:00+07', NULL),
    (9, 'incomplete', timestamptz '2026-12-02 10:00+07', timestamptz '2026-12-03 10:00+07', NULL)
  ) s(n, status, opened, since, promised);
-- first moves to ready (and the collection of the collected ones)
INSERT INTO passport.application_event (office_id, application_number, seq, from_status, to_status, actor, actor_role,
                                        channel, at)
SELECT a.office_id, a.application_number, 1, 'printed', 'ready', 'petugas', 'officer', 'counter',
       CASE a.application_number
         WHEN '9000000000000001' THEN timestamptz '2026-11-23 14:00+07'
         WHEN '9000000000000002' THEN timestamptz '2026-11-24 14:00+07'
         WHEN '9000000000000003' THEN timestamptz '2026-11-27 10:00+07'
         WHEN '9000000000000004' THEN timestamptz '2026-12-01 09:00+07'
         ELSE timestamptz '2026-12-04 10:00+07' END
  FROM passport.application a
 WHERE a.office_id = passport.office_id('JKS') AND a.promised_ready_on IS NOT NULL;

-- feedback about JKS (and one about BTM)
INSERT INTO passport.feedback (office_id, channel, sender_hash, category, rating, body, created_at)
VALUES (passport.office_id('JKS'), 'whatsapp', 'h1', 'appreciation', 5, 'Pelayanan cepat, terima kasih Siti Pemohon 1', '2026-12-01 10:00+07'),
       (passport.office_id('JKS'), 'whatsapp', 'h2', 'appreciation', 5, 'Bagus', '2026-12-02 10:00+07'),
       (passport.office_id('JKS'), 'whatsapp', 'h3', 'appreciation', 4, 'Ramah', '2026-12-03 10:00+07'),
       (passport.office_id('JKS'), 'whatsapp', 'h4', 'complaint', 1, 'Antre lama, hubungi 081255501001', '2026-12-03 11:00+07'),
       (passport.office_id('JKS'), 'whatsapp', 'h5', 'complaint', 2, 'AC mati', '2026-12-04 11:00+07'),
       (passport.office_id('JKS'), 'whatsapp', 'h6', 'aspiration', NULL, 'Tambah loket', '2026-12-05 11:00+07'),
       (passport.office_id('BTM'), 'whatsapp', 'h7', 'complaint', 1, 'Lama', '2026-12-05 11:00+07');
