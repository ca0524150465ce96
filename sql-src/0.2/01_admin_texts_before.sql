--------------------------------------------------------------------------
-- Administrators' texts and rules, part 1 of 2: what 0.1 shipped and what
-- the installation holds before this update touches anything
--------------------------------------------------------------------------

-- Under 0.1 administrators edited passport.transition, status_text,
-- message_template, bot_text and info directly. 0.2 keeps shipped rows and
-- administrators' rows apart (see the part "admin texts", which runs after
-- every other part): it needs to know which rows an administrator added,
-- changed or deleted, and other parts of this update add or change shipped
-- rows in between. So this part, first of all, records
--   * the rows 0.1 shipped, exactly as passport--0.1.sql inserted them, and
--   * the rows of the five tables as they are now,
-- in two temporary tables that the later part reads and drops. On a fresh
-- install both are the same, and every row stays a shipped row.

CREATE TEMPORARY TABLE admin_texts_shipped_0_1 (tbl text NOT NULL, content jsonb NOT NULL);
CREATE TEMPORARY TABLE admin_texts_before (tbl text NOT NULL, content jsonb NOT NULL);

INSERT INTO pg_temp.admin_texts_before (tbl, content)
SELECT 'transition', pg_catalog.to_jsonb(t) FROM passport.transition t
UNION ALL
SELECT 'status_text', pg_catalog.to_jsonb(t) FROM passport.status_text t
UNION ALL
SELECT 'message_template', pg_catalog.to_jsonb(t) FROM passport.message_template t
UNION ALL
SELECT 'bot_text', pg_catalog.to_jsonb(t) FROM passport.bot_text t
UNION ALL
SELECT 'info', pg_catalog.to_jsonb(t) FROM passport.info t;

-- 0.1's shipped rows (a copy of passport--0.1.sql's INSERTs; 0.1 is frozen)
INSERT INTO pg_temp.admin_texts_shipped_0_1 (tbl, content)
SELECT 'transition', pg_catalog.to_jsonb(v) FROM (VALUES
  ('submitted', 'verified', 'officer'),
  ('submitted', 'incomplete', 'officer'),
  ('incomplete', 'submitted', 'officer'),
  ('incomplete', 'forfeited', 'system'),
  ('verified', 'interviewed', 'officer'),
  ('interviewed', 'awaiting_payment', 'officer'),
  ('interviewed', 'rejected', 'officer'),
  ('awaiting_payment', 'paid', 'payment'),
  ('awaiting_payment', 'payment_expired', 'system'),
  ('paid', 'approved', 'officer'),
  ('paid', 'rejected', 'officer'),
  ('approved', 'printed', 'officer'),
  ('printed', 'ready', 'officer'),
  ('ready', 'collected', 'officer'),
  ('ready', 'uncollected', 'system'),
  ('submitted', 'cancelled', 'officer'),
  ('incomplete', 'cancelled', 'officer'),
  ('verified', 'cancelled', 'officer'),
  ('interviewed', 'cancelled', 'officer'),
  ('awaiting_payment', 'cancelled', 'admin')
) AS v(from_status, to_status, actor_role);

INSERT INTO pg_temp.admin_texts_shipped_0_1 (tbl, content)
SELECT 'status_text', pg_catalog.to_jsonb(v) FROM (VALUES
  ('submitted', 'id', 'Permohonan diterima', 'Petugas sedang memeriksa berkas Anda. Tunggu panggilan verifikasi.'),
  ('submitted', 'en', 'Application received', 'An officer is checking your documents. Wait to be called for verification.'),
  ('incomplete', 'id', 'Berkas belum lengkap', 'Lengkapi berkas yang kurang di kantor imigrasi paling lambat 7 hari, atau permohonan gugur.'),
  ('incomplete', 'en', 'Documents incomplete', 'Bring the missing documents to the office within 7 days, or the application lapses.'),
  ('verified', 'id', 'Berkas terverifikasi', 'Tunggu panggilan wawancara dan foto.'),
  ('verified', 'en', 'Documents verified', 'Wait to be called for the interview and photo.'),
  ('interviewed', 'id', 'Wawancara selesai', 'Tunggu kode billing untuk pembayaran, atau keputusan bila sudah membayar.'),
  ('interviewed', 'en', 'Interview done', 'Wait for your billing code, or for the decision if you have already paid.'),
  ('awaiting_payment', 'id', 'Menunggu pembayaran', 'Bayar dengan kode billing sebelum batas waktu.'),
  ('awaiting_payment', 'en', 'Awaiting payment', 'Pay with your billing code before it expires.'),
  ('paid', 'id', 'Pembayaran diterima', 'Permohonan Anda sedang diproses untuk persetujuan.'),
  ('paid', 'en', 'Payment received', 'Your application is being processed for approval.'),
  ('payment_expired', 'id', 'Kode billing kedaluwarsa', 'Pembayaran tidak diterima tepat waktu. Ajukan permohonan baru.'),
  ('payment_expired', 'en', 'Billing expired', 'Payment was not received in time. Please apply again.'),
  ('approved', 'id', 'Disetujui', 'Paspor Anda sedang dicetak. Perkiraan selesai pada tanggal yang tertera.'),
  ('approved', 'en', 'Approved', 'Your passport is being printed. It should be ready on the date shown.'),
  ('rejected', 'id', 'Ditolak', 'Permohonan tidak dapat disetujui. Hubungi kantor imigrasi untuk keterangan.'),
  ('rejected', 'en', 'Rejected', 'The application could not be approved. Contact the office for details.'),
  ('printed', 'id', 'Paspor dicetak', 'Paspor sedang diperiksa akhir. Tunggu pemberitahuan siap diambil.'),
  ('printed', 'en', 'Passport printed', 'The passport is in final checks. Wait for the ready notice.'),
  ('ready', 'id', 'Paspor siap diambil', 'Ambil paspor di kantor imigrasi dengan bukti permohonan dan KTP sebelum batas waktu.'),
  ('ready', 'en', 'Ready for pickup', 'Collect your passport at the office with your receipt and ID card before the deadline.'),
  ('collected', 'id', 'Paspor sudah diambil', 'Selesai. Terima kasih.'),
  ('collected', 'en', 'Collected', 'Done. Thank you.'),
  ('uncollected', 'id', 'Tidak diambil', 'Paspor tidak diambil dalam 30 hari dan dibatalkan.'),
  ('uncollected', 'en', 'Not collected', 'The passport was not collected within 30 days and has been cancelled.'),
  ('forfeited', 'id', 'Permohonan gugur', 'Berkas tidak dilengkapi dalam 7 hari. Ajukan permohonan baru.'),
  ('forfeited', 'en', 'Application lapsed', 'The documents were not completed within 7 days. Please apply again.'),
  ('cancelled', 'id', 'Dibatalkan', 'Permohonan dibatalkan.'),
  ('cancelled', 'en', 'Cancelled', 'The application was cancelled.')
) AS v(status, language, label, next_step);

INSERT INTO pg_temp.admin_texts_shipped_0_1 (tbl, content)
SELECT 'message_template', pg_catalog.to_jsonb(v) FROM (VALUES
  ('reservation_confirmed', 'id', 'Reservasi paspor Anda di {office} tercatat: nomor {reservation_number}, {date} pukul {time}. Bawa KTP dan berkas persyaratan asli.'),
  ('reservation_confirmed', 'en', 'Your passport appointment at {office} is booked: number {reservation_number}, {date} at {time}. Bring your ID card and the original documents.'),
  ('visit_reminder', 'id', 'Pengingat: besok {date} pukul {time} Anda terjadwal di {office} (nomor {reservation_number}). Datang 30 menit lebih awal.'),
  ('visit_reminder', 'en', 'Reminder: tomorrow {date} at {time} you are expected at {office} (number {reservation_number}). Please arrive 30 minutes early.'),
  ('billing_issued', 'id', 'Kode billing paspor Anda: {billing_code}, sebesar Rp{amount}, berlaku sampai {expires_at}. Bayar di bank, ATM, kantor pos atau e-commerce.'),
  ('billing_issued', 'en', 'Your passport billing code: {billing_code}, IDR {amount}, valid until {expires_at}. Pay at a bank, ATM, post office or e-commerce app.'),
  ('billing_expiring', 'id', 'Kode billing {billing_code} (Rp{amount}) akan kedaluwarsa pada {expires_at}. Segera lakukan pembayaran.'),
  ('billing_expiring', 'en', 'Billing code {billing_code} (IDR {amount}) expires at {expires_at}. Please pay soon.'),
  ('status_incomplete', 'id', 'Berkas permohonan {application_number} belum lengkap. Lengkapi di {office} dalam 7 hari.'),
  ('status_incomplete', 'en', 'Application {application_number} is missing documents. Complete them at {office} within 7 days.'),
  ('status_approved', 'id', 'Permohonan {application_number} disetujui. Paspor diperkirakan selesai {promised_ready_on}.'),
  ('status_approved', 'en', 'Application {application_number} is approved. The passport should be ready on {promised_ready_on}.'),
  ('status_rejected', 'id', 'Permohonan {application_number} tidak dapat disetujui. Hubungi {office}.'),
  ('status_rejected', 'en', 'Application {application_number} could not be approved. Please contact {office}.'),
  ('status_cancelled', 'id', 'Permohonan {application_number} dibatalkan.'),
  ('status_cancelled', 'en', 'Application {application_number} was cancelled.'),
  ('status_payment_expired', 'id', 'Kode billing permohonan {application_number} kedaluwarsa tanpa pembayaran. Ajukan permohonan baru.'),
  ('status_payment_expired', 'en', 'The billing of application {application_number} expired unpaid. Please apply again.'),
  ('status_forfeited', 'id', 'Permohonan {application_number} gugur karena berkas tidak dilengkapi dalam 7 hari.'),
  ('status_forfeited', 'en', 'Application {application_number} lapsed: the documents were not completed within 7 days.'),
  ('passport_ready', 'id', 'Paspor Anda ({application_number}) siap diambil di {office} sampai {pickup_until}. Bawa bukti permohonan dan KTP.'),
  ('passport_ready', 'en', 'Your passport ({application_number}) is ready for pickup at {office} until {pickup_until}. Bring your receipt and ID card.'),
  ('pickup_deadline', 'id', 'Paspor Anda ({application_number}) belum diambil. Batas pengambilan {pickup_until} di {office}.'),
  ('pickup_deadline', 'en', 'Your passport ({application_number}) has not been collected. Collect it at {office} by {pickup_until}.'),
  ('status_uncollected', 'id', 'Paspor {application_number} tidak diambil dalam 30 hari dan dibatalkan.'),
  ('status_uncollected', 'en', 'Passport {application_number} was not collected within 30 days and has been cancelled.')
) AS v(template, language, body);

INSERT INTO pg_temp.admin_texts_shipped_0_1 (tbl, content)
SELECT 'bot_text', pg_catalog.to_jsonb(v) FROM (VALUES
  ('menu', 'id', E'Selamat datang di layanan WhatsApp Paspor Imigrasi.\nBalas dengan angka:\n1 Reservasi antrean paspor\n2 Cek status permohonan\n3 Tata cara pembayaran\n4 Persyaratan\n5 Tata cara antrean pengambilan paspor\n6 Apresiasi dan aspirasi\nKetik EN for English. Ketik 0 untuk kembali ke menu.'),
  ('menu', 'en', E'Welcome to the Immigration passport WhatsApp service.\nReply with a number:\n1 Book a passport appointment\n2 Check your application status\n3 How to pay\n4 Requirements\n5 How passport pickup works\n6 Appreciation and suggestions\nKetik ID untuk Bahasa Indonesia. Type 0 to return to the menu.'),
  ('unknown', 'id', 'Maaf, pilihan tidak dikenali.'),
  ('unknown', 'en', 'Sorry, I did not understand that.'),
  ('ask_office', 'id', 'Kantor imigrasi mana? Ketik kode kantor (mis. JKS) atau nama kota/kantor.'),
  ('ask_office', 'en', 'Which immigration office? Type the office code (e.g. JKS) or a city or office name.'),
  ('office_choices', 'id', E'Pilih kantor:\n{list}'),
  ('office_choices', 'en', E'Choose an office:\n{list}'),
  ('office_none', 'id', 'Kantor "{query}" tidak ditemukan. Coba kode kantor atau nama kota lain.'),
  ('office_none', 'en', 'No office matches "{query}". Try an office code or another city.'),
  ('ask_service', 'id', E'Layanan apa?\n{list}'),
  ('ask_service', 'en', E'Which service?\n{list}'),
  ('ask_date', 'id', E'Tanggal kedatangan? Tanggal dengan tempat kosong di {office}:\n{list}\nAtau ketik tanggal (HH-BB-TTTT).'),
  ('ask_date', 'en', E'Which day? Days with free places at {office}:\n{list}\nOr type a date (DD-MM-YYYY).'),
  ('no_dates', 'id', 'Belum ada tanggal dengan tempat kosong di {office}. Kuota dibuka berkala; coba lagi nanti.'),
  ('no_dates', 'en', 'There are no free places at {office} yet. Quotas open regularly; please try later.'),
  ('bad_date', 'id', 'Tanggal tidak dikenali. Ketik angka pilihan atau tanggal HH-BB-TTTT.'),
  ('bad_date', 'en', 'I could not read that date. Type a choice number or a date as DD-MM-YYYY.'),
  ('ask_nik', 'id', 'Ketik NIK (16 digit) pemohon.'),
  ('ask_nik', 'en', 'Type the applicant''s NIK (16 digits).'),
  ('bad_nik', 'id', 'NIK tidak valid: {reason}. Ketik ulang NIK 16 digit.'),
  ('bad_nik', 'en', 'That NIK is not valid: {reason}. Type the 16-digit NIK again.'),
  ('ask_name', 'id', 'Ketik nama lengkap pemohon sesuai KTP.'),
  ('ask_name', 'en', 'Type the applicant''s full name as on the ID card.'),
  ('ask_birth', 'id', 'Ketik tanggal lahir pemohon (HH-BB-TTTT).'),
  ('ask_birth', 'en', 'Type the applicant''s date of birth (DD-MM-YYYY).'),
  ('bad_birth', 'id', 'Tanggal lahir tidak cocok dengan NIK atau tidak terbaca. Ketik HH-BB-TTTT.'),
  ('bad_birth', 'en', 'The date of birth does not match the NIK or could not be read. Type DD-MM-YYYY.'),
  ('confirm', 'id', E'Periksa data:\nKantor: {office}\nLayanan: {service}\nTanggal: {date}\nNIK: {nik}\nNama: {name}\nTanggal lahir: {birth}\nBalas 1 untuk konfirmasi, 2 untuk batal.'),
  ('confirm', 'en', E'Please check:\nOffice: {office}\nService: {service}\nDate: {date}\nNIK: {nik}\nName: {name}\nDate of birth: {birth}\nReply 1 to confirm, 2 to cancel.'),
  ('booked', 'id', E'Reservasi berhasil.\nNomor reservasi: {number}\n{date} pukul {time}\n{office}, {address}\nBawa: KTP asli, Kartu Keluarga, akta kelahiran/ijazah/buku nikah, dan paspor lama bila ada.\nUntuk membatalkan ketik #batal, untuk mengubah jadwal ketik #ubah.'),
  ('booked', 'en', E'Booked.\nReservation number: {number}\n{date} at {time}\n{office}, {address}\nBring: original ID card (KTP), family card (KK), birth certificate/diploma/marriage book, and your old passport if any.\nTo cancel type #batal, to reschedule type #ubah.'),
  ('booking_failed', 'id', 'Reservasi tidak dapat dibuat: {reason}'),
  ('booking_failed', 'en', 'The booking could not be made: {reason}'),
  ('booking_aborted', 'id', 'Reservasi dibatalkan. Ketik 1 untuk mulai lagi.'),
  ('booking_aborted', 'en', 'Booking abandoned. Type 1 to start again.'),
  ('ask_number', 'id', 'Ketik nomor permohonan (16 digit) atau nomor reservasi (XXXXX-XXXXX).'),
  ('ask_number', 'en', 'Type your application number (16 digits) or reservation number (XXXXX-XXXXX).'),
  ('ask_status_birth', 'id', 'Nomor ini tidak terdaftar dengan nomor WhatsApp Anda. Ketik tanggal lahir pemohon (HH-BB-TTTT).'),
  ('ask_status_birth', 'en', 'This number is not registered with your WhatsApp number. Type the applicant''s date of birth (DD-MM-YYYY).'),
  ('status', 'id', E'{applicant}: {label}\n{next_step}{extra}'),
  ('status', 'en', E'{applicant}: {label}\n{next_step}{extra}'),
  ('status_not_found', 'id', 'Nomor tidak ditemukan atau tanggal lahir tidak cocok.'),
  ('status_not_found', 'en', 'Number not found, or the date of birth does not match.'),
  ('payment', 'id', 'Tata cara pembayaran: setelah wawancara Anda menerima kode billing (15 digit). Bayar sesuai jumlah di teller bank, ATM, internet/mobile banking, kantor pos, atau aplikasi e-commerce sebelum batas waktu (7 hari; 2 jam untuk pembayaran di aplikasi). Simpan NTPN pada bukti bayar.'),
  ('payment', 'en', 'How to pay: after the interview you receive a billing code (15 digits). Pay the exact amount at a bank teller, ATM, internet/mobile banking, post office or e-commerce app before it expires (7 days; 2 hours when paying in the app). Keep the NTPN on your receipt.'),
  ('payment_open', 'id', E'\nTagihan Anda: kode {code}, Rp{amount}, bayar sebelum {deadline}.'),
  ('payment_open', 'en', E'\nYour open billing: code {code}, IDR {amount}, pay before {deadline}.'),
  ('pickup', 'id', 'Tata cara pengambilan: datang ke kantor tempat Anda mengajukan dengan bukti permohonan dan KTP asli, ambil nomor antrean P di mesin antrean atau loket informasi, tunggu panggilan loket pengambilan. Paspor yang tidak diambil dalam 30 hari dibatalkan.'),
  ('pickup', 'en', 'How pickup works: come to the office where you applied with your receipt and original ID card, take a P ticket at the queue machine or information desk, and wait for the pickup counter to call you. Passports not collected within 30 days are cancelled.'),
  ('pickup_ready', 'id', E'\nPaspor Anda ({number}) siap diambil di {office} sampai {until}.'),
  ('pickup_ready', 'en', E'\nYour passport ({number}) is ready at {office} until {until}.'),
  ('ask_requirements', 'id', E'Persyaratan untuk layanan apa?\n{list}'),
  ('ask_requirements', 'en', E'Requirements for which service?\n{list}'),
  ('ask_feedback', 'id', 'Silakan tulis apresiasi atau aspirasi Anda.'),
  ('ask_feedback', 'en', 'Please write your appreciation or suggestion.'),
  ('ask_rating', 'id', 'Beri nilai 1 sampai 5 (atau ketik - untuk melewati).'),
  ('ask_rating', 'en', 'Give a rating from 1 to 5 (or type - to skip).'),
  ('ask_feedback_office', 'id', 'Untuk kantor mana? Ketik kode kantor (atau - untuk melewati).'),
  ('ask_feedback_office', 'en', 'For which office? Type its code (or - to skip).'),
  ('thanks_feedback', 'id', 'Terima kasih. Masukan Anda sudah kami terima.'),
  ('thanks_feedback', 'en', 'Thank you. We have received your feedback.'),
  ('ask_cancel_number', 'id', 'Ketik nomor reservasi yang akan dibatalkan.'),
  ('ask_cancel_number', 'en', 'Type the reservation number to cancel.'),
  ('cancelled', 'id', 'Reservasi {number} dibatalkan.'),
  ('cancelled', 'en', 'Reservation {number} is cancelled.'),
  ('ask_new_date', 'id', 'Ketik tanggal baru (HH-BB-TTTT) untuk reservasi {number}.'),
  ('ask_new_date', 'en', 'Type the new date (DD-MM-YYYY) for reservation {number}.'),
  ('rescheduled', 'id', 'Jadwal reservasi {number} diubah ke {date} pukul {time}.'),
  ('rescheduled', 'en', 'Reservation {number} moved to {date} at {time}.'),
  ('action_failed', 'id', 'Tidak dapat diproses: {reason}'),
  ('action_failed', 'en', 'That could not be done: {reason}'),
  ('rate_limited', 'id', 'Anda mengirim terlalu banyak pesan. Mohon tunggu sebentar lalu coba lagi.'),
  ('rate_limited', 'en', 'You are sending too many messages. Please wait a moment and try again.'),
  ('language_set', 'id', 'Bahasa diubah ke Bahasa Indonesia.'),
  ('language_set', 'en', 'Language set to English.'),
  ('error', 'id', 'Maaf, terjadi gangguan. Silakan coba lagi.'),
  ('error', 'en', 'Sorry, something went wrong. Please try again.'),
  ('reason_PP001', 'id', 'tanggal itu sudah penuh. Pilih tanggal lain.'),
  ('reason_PP001', 'en', 'that date is fully booked. Choose another day.'),
  ('reason_PP002', 'id', 'tanggal itu belum dibuka, tutup, atau sudah lewat.'),
  ('reason_PP002', 'en', 'that date is not open yet, closed, or past.'),
  ('reason_PP003', 'id', 'NIK ini sudah memiliki reservasi aktif.'),
  ('reason_PP003', 'en', 'this NIK already has an active reservation.'),
  ('reason_PP004', 'id', 'nomor ini sudah memiliki batas maksimal reservasi aktif.'),
  ('reason_PP004', 'en', 'this number already holds the maximum of active reservations.'),
  ('reason_PP005', 'id', 'NIK ini baru membatalkan atau tidak hadir; coba lagi besok.'),
  ('reason_PP005', 'en', 'this NIK recently cancelled or missed a visit; try again tomorrow.'),
  ('reason_PP006', 'id', 'nomor reservasi tidak ditemukan untuk nomor WhatsApp ini.'),
  ('reason_PP006', 'en', 'no such reservation for this WhatsApp number.'),
  ('reason_PP007', 'id', 'reservasi itu sudah tidak aktif.'),
  ('reason_PP007', 'en', 'that reservation is no longer active.'),
  ('reason_PP008', 'id', 'jadwal hanya dapat diubah sekali dan paling lambat sehari sebelumnya.'),
  ('reason_PP008', 'en', 'a booking can be moved once, at least a day before.'),
  ('reason_PP101', 'id', 'nomor reservasi tidak valid (periksa kembali hurufnya).'),
  ('reason_PP101', 'en', 'that reservation number is not valid (check the symbols).')
) AS v(key, language, body);

INSERT INTO pg_temp.admin_texts_shipped_0_1 (tbl, content)
SELECT 'info', pg_catalog.to_jsonb(v) FROM (VALUES
  ('requirements', 'new_adult', 'id', 'Paspor baru dewasa: KTP elektronik, Kartu Keluarga, akta kelahiran atau ijazah atau buku nikah/akta perkawinan (asli).'),
  ('requirements', 'new_adult', 'en', 'New passport, adult: electronic ID card (KTP), family card (KK), birth certificate or diploma or marriage book (originals).'),
  ('requirements', 'new_child', 'id', 'Paspor baru anak: akta kelahiran anak, Kartu Keluarga, KTP dan paspor kedua orang tua, buku nikah orang tua, surat pernyataan orang tua; anak hadir bersama orang tua.'),
  ('requirements', 'new_child', 'en', 'New passport, child: child''s birth certificate, family card, both parents'' ID cards and passports, parents'' marriage book, parents'' statement; the child comes with a parent.'),
  ('requirements', 'renewal', 'id', 'Penggantian habis masa berlaku: KTP elektronik dan paspor lama.'),
  ('requirements', 'renewal', 'en', 'Renewal: electronic ID card and the old passport.'),
  ('requirements', 'lost', 'id', 'Penggantian paspor hilang: KTP elektronik, Kartu Keluarga, akta kelahiran/ijazah/buku nikah, surat keterangan hilang dari kepolisian; ada pemeriksaan dan biaya tambahan kecuali keadaan kahar.'),
  ('requirements', 'lost', 'en', 'Lost passport: electronic ID card, family card, birth certificate/diploma/marriage book, police loss report; an interview and a surcharge apply unless force majeure.'),
  ('requirements', 'damaged', 'id', 'Penggantian paspor rusak: KTP elektronik, Kartu Keluarga, paspor yang rusak; biaya tambahan kecuali keadaan kahar.'),
  ('requirements', 'damaged', 'en', 'Damaged passport: electronic ID card, family card, the damaged passport; a surcharge applies unless force majeure.'),
  ('requirements', 'data_change', 'id', 'Perubahan data: KTP elektronik, paspor lama, dokumen pendukung perubahan (mis. penetapan pengadilan atau akta).'),
  ('requirements', 'data_change', 'en', 'Change of data: electronic ID card, old passport, supporting documents for the change (e.g. court decision or certificate).')
) AS v(topic, service, language, body);
