-- Demo catalog: real immigration offices in the three time zones with
-- realistic daily quotas, national holidays, and a month of released slots.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS passport;
SET passport.now_override = '2026-11-30 09:00+07';

-- offices (WIB, WITA, WIT)
SELECT passport.create_office('JKS', 'Kantor Imigrasi Kelas I Khusus Non TPI Jakarta Selatan', 'kanim', 'Asia/Jakarta',
                              city => 'Jakarta Selatan', address => 'Jl. Warung Buncit Raya No. 207, Mampang Prapatan',
                              slot_shards => 16);
SELECT passport.create_office('ULP_KOTA', 'ULP Imigrasi Kota Kasablanka', 'ulp', 'Asia/Jakarta', parent_code => 'JKS',
                              city => 'Jakarta Selatan', address => 'Mal Kota Kasablanka, Jl. Casablanca Raya Kav. 88');
SELECT passport.create_office('BTM', 'Kantor Imigrasi Kelas I Khusus TPI Batam', 'kanim', 'Asia/Jakarta',
                              city => 'Batam', address => 'Jl. Engku Putri No. 3, Batam Centre', slot_shards => 16);
SELECT passport.create_office('DPS', 'Kantor Imigrasi Kelas I Khusus TPI Ngurah Rai', 'kanim', 'Asia/Makassar',
                              city => 'Badung', address => 'Jl. Raya Taman Jimbaran No. 1, Kuta Selatan');
SELECT passport.create_office('MKS', 'Kantor Imigrasi Kelas I TPI Makassar', 'kanim', 'Asia/Makassar',
                              city => 'Makassar', address => 'Jl. Perintis Kemerdekaan Km. 13, Tamalanrea');
SELECT passport.create_office('JYP', 'Kantor Imigrasi Kelas I TPI Jayapura', 'kanim', 'Asia/Jayapura',
                              city => 'Jayapura', address => 'Jl. Percetakan Negara No. 15, Gurabesi');

-- Monday to Friday quotas per lane (local time)
-- Jakarta Selatan, about 500 visits a day
SELECT passport.add_capacity_rule('JKS', d, 'regular',    '08:00', '15:00', 30, 30) FROM generate_series(1, 5) d;  -- 14 x 30 = 420
SELECT passport.add_capacity_rule('JKS', d, 'percepatan', '08:00', '12:00', 60, 10) FROM generate_series(1, 5) d;  --  4 x 10 =  40
SELECT passport.add_capacity_rule('JKS', d, 'priority',   '08:00', '15:00', 60,  6) FROM generate_series(1, 5) d;  --  7 x  6 =  42
-- ULP in a mall, also Saturdays
SELECT passport.add_capacity_rule('ULP_KOTA', d, 'regular', '10:00', '16:00', 60, 10) FROM generate_series(1, 6) d;
-- Batam: 200 regular + 35 percepatan + 50 priority
SELECT passport.add_capacity_rule('BTM', d, 'regular',    '08:00', '16:00', 30, 12) FROM generate_series(1, 5) d;  -- 16 x 12 = 192 (+8 at 16:00)
SELECT passport.add_capacity_rule('BTM', d, 'regular',    '16:00', '16:30', 30,  8) FROM generate_series(1, 5) d;
SELECT passport.add_capacity_rule('BTM', d, 'percepatan', '08:00', '15:00', 60,  5) FROM generate_series(1, 5) d;  --  7 x  5 =  35
SELECT passport.add_capacity_rule('BTM', d, 'priority',   '08:00', '13:00', 60, 10) FROM generate_series(1, 5) d;  --  5 x 10 =  50
-- Bali, Makassar, Jayapura
SELECT passport.add_capacity_rule('DPS', d, 'regular', '08:00', '15:00', 60, 25) FROM generate_series(1, 5) d;
SELECT passport.add_capacity_rule('MKS', d, 'regular', '08:00', '14:00', 60, 20) FROM generate_series(1, 5) d;
SELECT passport.add_capacity_rule('JYP', d, 'regular', '08:00', '12:00', 60, 15) FROM generate_series(1, 5) d;

-- national holidays and collective leave in December 2026
SELECT passport.close_day(NULL, '2026-12-24', 'Cuti bersama Hari Raya Natal');
SELECT passport.close_day(NULL, '2026-12-25', 'Hari Raya Natal');
SELECT passport.close_day('JYP', '2026-12-14', 'Pemeliharaan sistem');

-- release December
SELECT code, passport.release_slots(code, '2026-12-01', '2026-12-31') AS counter_rows
  FROM passport.office ORDER BY office_id;
