--------------------------------------------------------------------------
-- The outbox in 0.2: one enqueue helper owns the shape of a message and
-- wakes the adapters (NOTIFY passport_outbox, payload: the channel)
--------------------------------------------------------------------------

CREATE FUNCTION passport.enqueue_message(office_id bigint, channel text, recipient text, template text,
                                         language text DEFAULT 'id', payload jsonb DEFAULT '{}',
                                         dedupe_key text DEFAULT NULL, at timestamptz DEFAULT NULL)
  RETURNS boolean
  AS 'MODULE_PATHNAME', 'passport_enqueue_message'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION passport.enqueue_message(bigint, text, text, text, text, jsonb, text, timestamptz) IS
  'Queues a message in passport.outbox (once per office and dedupe_key when one is given) and notifies channel passport_outbox with the channel''s name when the transaction commits; returns whether it was queued. The one writer of the outbox, for the extension''s own functions; granted to no role.';
REVOKE ALL ON FUNCTION passport.enqueue_message(bigint, text, text, text, text, jsonb, text, timestamptz) FROM PUBLIC;
