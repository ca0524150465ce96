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

-- messages state the rules as their settings say (passport.policy_values)
CREATE FUNCTION passport.render_text(template text, language text, fill jsonb)
  RETURNS text
  LANGUAGE plpgsql STABLE
AS $$
DECLARE
  body text;
BEGIN
  SELECT t.body INTO body FROM passport.message_template t
   WHERE t.template = render_text.template
     AND t.language = CASE WHEN render_text.language = 'en' THEN 'en' ELSE 'id' END;
  IF body IS NULL THEN
    SELECT t.body INTO body FROM passport.message_template t
     WHERE t.template = render_text.template AND t.language = 'id';
  END IF;
  IF body IS NULL THEN
    RAISE EXCEPTION 'no message template "%"', template USING ERRCODE = '22023';
  END IF;
  RETURN passport.fill_text(body, fill);
END;
$$;
COMMENT ON FUNCTION passport.render_text(text, text, jsonb) IS
  'The text of a message template in the language (Indonesian when missing) filled from fill. For the extension''s own functions, which compute the rule values once for many messages (tables and functions schema-qualified: it runs with the search path of its caller, a SECURITY DEFINER function); granted to no role.';
REVOKE ALL ON FUNCTION passport.render_text(text, text, jsonb) FROM PUBLIC;

CREATE OR REPLACE FUNCTION passport.render_message(template text, language text, payload jsonb)
  RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN passport.render_text(template, language, passport.policy_values() || coalesce(payload, '{}'));
END;
$$;
COMMENT ON FUNCTION passport.render_message(text, text, jsonb) IS
  'The text of a message: its template in the language (Indonesian when missing) with {name} replaced from the payload and from the rule values of passport.policy_values().';

-- texts are filled in C: every message rendered, every bot reply and every
-- status line goes through it
CREATE OR REPLACE FUNCTION passport.fill_text(body text, fill jsonb)
  RETURNS text
  AS 'MODULE_PATHNAME', 'passport_fill_text'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION passport.fill_text(text, jsonb) IS
  'A text with every {name} replaced by the value of name in fill (a JSON null gives an empty string; keys are filled one after the other in the object''s order); NULL stays NULL, a NULL fill leaves the text as it is; 22023 when fill is not an object.';
