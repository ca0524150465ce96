-- Every move that tells its applicant something, with its answer and its
-- message: the incomplete documents and their return, the billing and its
-- payment, approval (the promised date), printing, readiness (the pickup
-- deadline), collection, cancellation with an open billing, rejection, and
-- the sweep's moves (payment expired, forfeited, uncollected). A move's
-- answer and message are made from the row it locked; this fixes both.
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Jakarta';
SET passport.now_override = '2026-12-07 08:40+07';
SELECT passport.create_office('EQ', 'Kantor Setara', 'kanim', 'Asia/Jakarta') > 0 AS office;
CREATE TEMP TABLE ans (n serial, label text, a jsonb);
CREATE TEMP TABLE apps (k text PRIMARY KEY, num text);
INSERT INTO apps SELECT k, (passport.open_walk_in('EQ', 'priority', 'renewal', nik, 'Pemohon ' || k, '1990-01-01', ph)).application_number
  FROM (VALUES ('A', '3171010101900401', '+6281200000401'), ('B', '3171010101900402', '0812-0000-0402'),
               ('C', '3171010101900403', '+6281200000403'), ('D', '3171010101900404', NULL),
               ('E', '3171010101900405', '+6281200000405'), ('F', '3171010101900406', '+6281200000406'),
               ('G', '3171010101900407', '+6281200000407')) v(k, nik, ph);
CREATE FUNCTION pg_temp.mv(k text, to_status text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO ans (label, a) SELECT k || '>' || to_status, to_jsonb(s) - 'application_number'
    FROM passport.transition((SELECT num FROM apps WHERE apps.k = mv.k), to_status) s
$$;
CREATE FUNCTION pg_temp.pay(k text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO ans (label, a) SELECT k || '>pay', to_jsonb(s) - 'application_number' - 'billing_code'
    FROM passport.application a JOIN passport.billing b USING (office_id, application_number),
         passport.confirm_payment(b.billing_code, b.amount, 'NTPN' || k || '0000000001') s
   WHERE a.application_number = (SELECT num FROM apps WHERE apps.k = pay.k) AND b.status = 'open'
$$;
SELECT pg_temp.mv('A', 'incomplete'), pg_temp.mv('A', 'submitted'), pg_temp.mv('A', 'verified'), pg_temp.mv('A', 'interviewed'),
       pg_temp.mv('A', 'awaiting_payment');
SELECT pg_temp.pay('A');
SELECT pg_temp.mv('A', 'approved'), pg_temp.mv('A', 'printed'), pg_temp.mv('A', 'ready'), pg_temp.mv('A', 'collected');
SELECT pg_temp.mv('B', 'incomplete'), pg_temp.mv('B', 'submitted'), pg_temp.mv('B', 'verified'), pg_temp.mv('B', 'interviewed'),
       pg_temp.mv('B', 'awaiting_payment'), pg_temp.mv('B', 'cancelled');
SELECT pg_temp.mv('C', 'verified'), pg_temp.mv('C', 'interviewed'), pg_temp.mv('C', 'rejected');
SELECT pg_temp.mv('D', 'incomplete'), pg_temp.mv('D', 'cancelled');
SELECT pg_temp.mv('E', 'incomplete');
SELECT pg_temp.mv('F', 'verified'), pg_temp.mv('F', 'interviewed'), pg_temp.mv('F', 'awaiting_payment');
SELECT pg_temp.pay('F');
SELECT pg_temp.mv('F', 'approved'), pg_temp.mv('F', 'printed'), pg_temp.mv('F', 'ready');
SELECT pg_temp.mv('G', 'verified'), pg_temp.mv('G', 'interviewed'), pg_temp.mv('G', 'awaiting_payment');
SET passport.now_override = '2027-02-20 08:40+07';
SELECT passport.sweep('EQ') IS NOT NULL AS swept;
RESET passport.now_override;
SELECT label, regexp_replace(a::text, '\m[0-9]{15,16}\M', '<n>', 'g') FROM ans ORDER BY n;
SELECT o.template, o.channel, o.recipient, regexp_replace(o.payload::text, '\m[0-9]{15,16}\M', '<n>', 'g')
  FROM passport.outbox o WHERE o.office_id = passport.office_id('EQ') ORDER BY o.recipient, o.message_id;
SELECT a.application_number IS NOT NULL, a.status, a.version, a.promised_ready_on, a.pickup_until FROM passport.application a WHERE a.office_id = passport.office_id('EQ') ORDER BY a.nik;
