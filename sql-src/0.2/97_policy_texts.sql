--------------------------------------------------------------------------
-- Shipped texts name the rules by placeholder, filled from the settings
-- (passport.policy_values), instead of stating 7 days, 30 days, 2 hours...
-- by hand. Runs after the texts became *_base tables (95): only shipped
-- rows change; an administrator's own row keeps its wording.
--------------------------------------------------------------------------

UPDATE passport.bot_text_base SET body = CASE language
  WHEN 'id' THEN 'Tata cara pembayaran: setelah wawancara Anda menerima kode billing (15 digit). Bayar sesuai jumlah di teller bank, ATM, internet/mobile banking, kantor pos, atau aplikasi e-commerce sebelum batas waktu ({billing_days_after_interview} hari; {billing_hours_at_booking} jam untuk pembayaran di aplikasi). Simpan NTPN pada bukti bayar.'
  ELSE 'How to pay: after the interview you receive a billing code (15 digits). Pay the exact amount at a bank teller, ATM, internet/mobile banking, post office or e-commerce app before it expires ({billing_days_after_interview} days; {billing_hours_at_booking} hours when paying in the app). Keep the NTPN on your receipt.' END
 WHERE builtin AND key = 'payment';
UPDATE passport.bot_text_base SET body = CASE language
  WHEN 'id' THEN 'Tata cara pengambilan: datang ke kantor tempat Anda mengajukan dengan bukti permohonan dan KTP asli, ambil nomor antrean {pickup_prefix} di mesin antrean atau loket informasi, tunggu panggilan loket pengambilan. Paspor yang tidak diambil dalam {pickup_days} hari dibatalkan.'
  ELSE 'How pickup works: come to the office where you applied with your receipt and original ID card, take a {pickup_prefix} ticket at the queue machine or information desk, and wait for the pickup counter to call you. Passports not collected within {pickup_days} days are cancelled.' END
 WHERE builtin AND key = 'pickup';
UPDATE passport.bot_text_base SET body = CASE language
  WHEN 'id' THEN 'NIK ini baru membatalkan atau tidak hadir; coba lagi setelah {cooldown_hours} jam.'
  ELSE 'this NIK recently cancelled or missed a visit; try again after {cooldown_hours} hours.' END
 WHERE builtin AND key = 'reason_PP005';
UPDATE passport.bot_text_base SET body = CASE language
  WHEN 'id' THEN 'jadwal hanya dapat diubah {reschedule_limit} kali dan paling lambat {reschedule_min_days} hari sebelumnya.'
  ELSE 'a booking can be moved {reschedule_limit} time(s), at least {reschedule_min_days} day(s) before.' END
 WHERE builtin AND key = 'reason_PP008';

UPDATE passport.status_text_base SET next_step = CASE language
  WHEN 'id' THEN 'Lengkapi berkas yang kurang di kantor imigrasi paling lambat {documents_days} hari, atau permohonan gugur.'
  ELSE 'Bring the missing documents to the office within {documents_days} days, or the application lapses.' END
 WHERE builtin AND status = 'incomplete';
UPDATE passport.status_text_base SET next_step = CASE language
  WHEN 'id' THEN 'Paspor tidak diambil dalam {pickup_days} hari dan dibatalkan.'
  ELSE 'The passport was not collected within {pickup_days} days and has been cancelled.' END
 WHERE builtin AND status = 'uncollected';
UPDATE passport.status_text_base SET next_step = CASE language
  WHEN 'id' THEN 'Berkas tidak dilengkapi dalam {documents_days} hari. Ajukan permohonan baru.'
  ELSE 'The documents were not completed within {documents_days} days. Please apply again.' END
 WHERE builtin AND status = 'forfeited';

UPDATE passport.message_template_base SET body = CASE language
  WHEN 'id' THEN 'Berkas permohonan {application_number} belum lengkap. Lengkapi di {office} dalam {documents_days} hari.'
  ELSE 'Application {application_number} is missing documents. Complete them at {office} within {documents_days} days.' END
 WHERE builtin AND template = 'status_incomplete';
UPDATE passport.message_template_base SET body = CASE language
  WHEN 'id' THEN 'Permohonan {application_number} gugur karena berkas tidak dilengkapi dalam {documents_days} hari.'
  ELSE 'Application {application_number} lapsed: the documents were not completed within {documents_days} days.' END
 WHERE builtin AND template = 'status_forfeited';
UPDATE passport.message_template_base SET body = CASE language
  WHEN 'id' THEN 'Paspor {application_number} tidak diambil dalam {pickup_days} hari dan dibatalkan.'
  ELSE 'Passport {application_number} was not collected within {pickup_days} days and has been cancelled.' END
 WHERE builtin AND template = 'status_uncollected';
