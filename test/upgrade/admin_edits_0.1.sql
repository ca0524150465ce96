-- What administrators could do under 0.1, when they wrote the tables of
-- texts and rules directly: change shipped rows, add rows, delete shipped
-- rows, change a row and change it back. Saves the effective rows, which
-- the update must keep (test/upgrade/admin_texts.sql checks them).
UPDATE passport.bot_text SET body = 'Passport service: 1 book, 2 status, 3 pay, 4 requirements, 5 pickup, 6 feedback.'
 WHERE key = 'menu' AND language = 'en';
INSERT INTO passport.bot_text VALUES ('reason_PP018', 'id', 'tempat walk-in hari ini sudah habis.');
UPDATE passport.bot_text SET body = 'Maaf?' WHERE key = 'unknown' AND language = 'id';
UPDATE passport.bot_text SET body = 'Maaf, pilihan tidak dikenali.' WHERE key = 'unknown' AND language = 'id';
DELETE FROM passport.transition WHERE from_status = 'interviewed' AND to_status = 'cancelled';
INSERT INTO passport.transition VALUES ('verified', 'rejected', 'officer');
DELETE FROM passport.status_text WHERE status = 'uncollected' AND language = 'en';
UPDATE passport.message_template SET body = 'Collect passport {application_number} at {office} by {pickup_until}.'
 WHERE template = 'pickup_deadline' AND language = 'en';
UPDATE passport.info SET body = 'Change of data: KTP, old passport and the court decision or certificate.'
 WHERE topic = 'requirements' AND service = 'data_change' AND language = 'en';
CREATE TABLE public.effective_0_1 AS
  SELECT 'transition' AS tbl, to_jsonb(t) AS content FROM passport.transition t
  UNION ALL SELECT 'status_text', to_jsonb(t) FROM passport.status_text t
  UNION ALL SELECT 'message_template', to_jsonb(t) FROM passport.message_template t
  UNION ALL SELECT 'bot_text', to_jsonb(t) FROM passport.bot_text t
  UNION ALL SELECT 'info', to_jsonb(t) FROM passport.info t;
