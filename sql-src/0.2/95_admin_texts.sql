--------------------------------------------------------------------------
-- Administrators' texts and rules, part 2 of 2: shipped rows and
-- administrators' rows apart, the effective rows under the original names,
-- edits through audited functions
--------------------------------------------------------------------------

-- The allowed application moves (passport.transition) and the texts people
-- read (status_text, message_template, bot_text, info) come with passport,
-- and administrators change them. Each is now a table <name>_base holding
-- both kinds of row, told apart by builtin (part of the primary key):
--   * builtin rows are shipped: every CREATE EXTENSION and update script
--     inserts them, and pg_dump leaves them out;
--   * administrators' rows (builtin = false) override the shipped row of
--     the same key, or add a key; pg_dump keeps them (config dump WHERE NOT
--     builtin). A rule an administrator removes is an administrators' row
--     marked removed, so that the removal survives a restore too.
-- After a restore into a fresh database, the new installation's shipped
-- rows and the dump's administrators' rows sit side by side without a key
-- collision. Under the original names, views show the effective rows with
-- the original columns, so every reader (the C transition engine,
-- application_status, render_message, bot_say, the conversation) is
-- unchanged. Administrators edit through the set_/remove_ functions below,
-- each validated and audited; they no longer write the tables.
--
-- This part runs after every other part of the update, so the shipped rows
-- those parts inserted or changed are in the tables by now. What is shipped
-- and what is an administrator's comes from part 1 (the rows 0.1 shipped
-- and the rows the installation held before this update): a row that was
-- there before the update and differs from what 0.1 shipped is an
-- administrator's; a shipped row that was missing had been deleted by one.
-- Everything else is shipped, including every row another part of this
-- update inserted or changed. On a fresh install nothing is an
-- administrator's.
--
-- Shipped rows of later versions: insert into the base table with
-- builtin = true (e.g. INSERT INTO passport.bot_text_base (key, language,
-- body, builtin) VALUES (..., true)); to change a shipped text, UPDATE the
-- base row WHERE builtin. An administrator's override of that key keeps
-- winning.

ALTER TABLE passport.transition RENAME TO transition_base;
ALTER TABLE passport.transition_base RENAME CONSTRAINT transition_pkey TO transition_base_pkey;
ALTER TABLE passport.transition_base RENAME CONSTRAINT transition_from_fkey TO transition_base_from_fkey;
ALTER TABLE passport.transition_base RENAME CONSTRAINT transition_to_fkey TO transition_base_to_fkey;
ALTER TABLE passport.transition_base RENAME CONSTRAINT transition_role_known TO transition_base_role_known;
ALTER TABLE passport.transition_base RENAME CONSTRAINT transition_moves TO transition_base_moves;
ALTER TABLE passport.status_text RENAME TO status_text_base;
ALTER TABLE passport.status_text_base RENAME CONSTRAINT status_text_pkey TO status_text_base_pkey;
ALTER TABLE passport.status_text_base RENAME CONSTRAINT status_text_status_fkey TO status_text_base_status_fkey;
ALTER TABLE passport.status_text_base RENAME CONSTRAINT status_text_language_known TO status_text_base_language_known;
ALTER TABLE passport.message_template RENAME TO message_template_base;
ALTER TABLE passport.message_template_base RENAME CONSTRAINT message_template_pkey TO message_template_base_pkey;
ALTER TABLE passport.message_template_base RENAME CONSTRAINT message_template_language_known
  TO message_template_base_language_known;
ALTER TABLE passport.bot_text RENAME TO bot_text_base;
ALTER TABLE passport.bot_text_base RENAME CONSTRAINT bot_text_pkey TO bot_text_base_pkey;
ALTER TABLE passport.bot_text_base RENAME CONSTRAINT bot_text_language_known TO bot_text_base_language_known;
ALTER TABLE passport.info RENAME TO info_base;
ALTER TABLE passport.info_base RENAME CONSTRAINT info_pkey TO info_base_pkey;
ALTER TABLE passport.info_base RENAME CONSTRAINT info_language_known TO info_base_language_known;

-- every row there now starts as shipped (the default fills them without
-- rewriting the table); rows inserted later are administrators' unless
-- they say otherwise
ALTER TABLE passport.transition_base
  ADD COLUMN builtin boolean NOT NULL DEFAULT true,
  ADD COLUMN removed boolean NOT NULL DEFAULT false,
  ALTER COLUMN builtin SET DEFAULT false,
  DROP CONSTRAINT transition_base_pkey,
  ADD CONSTRAINT transition_base_pkey PRIMARY KEY (from_status, to_status, actor_role, builtin),
  ADD CONSTRAINT transition_base_shipped_not_removed CHECK (NOT (builtin AND removed));
ALTER TABLE passport.status_text_base
  ADD COLUMN builtin boolean NOT NULL DEFAULT true,
  ALTER COLUMN builtin SET DEFAULT false,
  DROP CONSTRAINT status_text_base_pkey,
  ADD CONSTRAINT status_text_base_pkey PRIMARY KEY (status, language, builtin);
ALTER TABLE passport.message_template_base
  ADD COLUMN builtin boolean NOT NULL DEFAULT true,
  ALTER COLUMN builtin SET DEFAULT false,
  DROP CONSTRAINT message_template_base_pkey,
  ADD CONSTRAINT message_template_base_pkey PRIMARY KEY (template, language, builtin);
ALTER TABLE passport.bot_text_base
  ADD COLUMN builtin boolean NOT NULL DEFAULT true,
  ALTER COLUMN builtin SET DEFAULT false,
  DROP CONSTRAINT bot_text_base_pkey,
  ADD CONSTRAINT bot_text_base_pkey PRIMARY KEY (key, language, builtin);
ALTER TABLE passport.info_base
  ADD COLUMN builtin boolean NOT NULL DEFAULT true,
  ALTER COLUMN builtin SET DEFAULT false,
  DROP CONSTRAINT info_base_pkey,
  ADD CONSTRAINT info_base_pkey PRIMARY KEY (topic, service, language, builtin);

-- What administrators did under 0.1 becomes administrators' rows, keeping
-- its effect (see part 1 for the two sets read here).
DO $$
DECLARE
  spec record;
  changed jsonb;
  shipped jsonb;
  k jsonb;
  now_row jsonb;
BEGIN
  FOR spec IN SELECT * FROM (VALUES
      ('transition', ARRAY['from_status', 'to_status', 'actor_role']),
      ('status_text', ARRAY['status', 'language']),
      ('message_template', ARRAY['template', 'language']),
      ('bot_text', ARRAY['key', 'language']),
      ('info', ARRAY['topic', 'service', 'language'])) AS s(tbl, keys)
  LOOP
    -- rows an administrator added or changed under 0.1
    FOR changed IN SELECT b.content FROM pg_temp.admin_texts_before b
                    WHERE b.tbl = spec.tbl
                      AND NOT EXISTS (SELECT 1 FROM pg_temp.admin_texts_shipped_0_1 o
                                       WHERE o.tbl = b.tbl AND o.content = b.content)
                    ORDER BY b.content
    LOOP
      SELECT pg_catalog.jsonb_object_agg(c, changed -> c) INTO k FROM pg_catalog.unnest(spec.keys) c;
      EXECUTE pg_catalog.format('SELECT pg_catalog.to_jsonb(t) - ''builtin'' - ''removed'' FROM passport.%I t'
                                ' WHERE t.builtin AND pg_catalog.to_jsonb(t) @> $1', spec.tbl || '_base')
        INTO now_row USING k;
      IF now_row = changed THEN
        -- untouched by this update: the row is the administrator's, and
        -- the shipped row under it is 0.1's (if 0.1 shipped that key)
        EXECUTE pg_catalog.format('UPDATE passport.%I t SET builtin = false WHERE pg_catalog.to_jsonb(t) @> $1',
                                  spec.tbl || '_base') USING k;
        SELECT o.content INTO shipped FROM pg_temp.admin_texts_shipped_0_1 o
         WHERE o.tbl = spec.tbl AND o.content @> k;
        IF FOUND THEN
          EXECUTE pg_catalog.format('INSERT INTO passport.%I SELECT * FROM pg_catalog.jsonb_populate_record(NULL::passport.%I, $1)',
                                    spec.tbl || '_base', spec.tbl || '_base')
            USING shipped || '{"builtin": true, "removed": false}';
        END IF;
      ELSE
        -- this update replaced or retired that row: what it left is
        -- shipped, and the administrator's row comes on top
        EXECUTE pg_catalog.format('INSERT INTO passport.%I SELECT * FROM pg_catalog.jsonb_populate_record(NULL::passport.%I, $1)',
                                  spec.tbl || '_base', spec.tbl || '_base')
          USING changed || '{"builtin": false, "removed": false}';
      END IF;
    END LOOP;

    -- shipped rows an administrator deleted under 0.1: the shipped row is
    -- back; a rule stays removed, a text is shown again (texts cannot be
    -- removed in 0.2, only overridden)
    FOR shipped IN SELECT o.content FROM pg_temp.admin_texts_shipped_0_1 o
                    WHERE o.tbl = spec.tbl
                      AND NOT EXISTS (SELECT 1 FROM pg_temp.admin_texts_before b
                                       WHERE b.tbl = o.tbl
                                         AND b.content @> (SELECT pg_catalog.jsonb_object_agg(c, o.content -> c)
                                                             FROM pg_catalog.unnest(spec.keys) c))
                    ORDER BY o.content
    LOOP
      SELECT pg_catalog.jsonb_object_agg(c, shipped -> c) INTO k FROM pg_catalog.unnest(spec.keys) c;
      EXECUTE pg_catalog.format('SELECT pg_catalog.to_jsonb(t) FROM passport.%I t'
                                ' WHERE t.builtin AND pg_catalog.to_jsonb(t) @> $1', spec.tbl || '_base')
        INTO now_row USING k;
      IF now_row IS NULL THEN
        EXECUTE pg_catalog.format('INSERT INTO passport.%I SELECT * FROM pg_catalog.jsonb_populate_record(NULL::passport.%I, $1)',
                                  spec.tbl || '_base', spec.tbl || '_base')
          USING shipped || '{"builtin": true, "removed": false}';
      END IF;
      IF spec.tbl = 'transition' THEN
        INSERT INTO passport.transition_base (from_status, to_status, actor_role, builtin, removed)
        VALUES (shipped ->> 'from_status', shipped ->> 'to_status', shipped ->> 'actor_role', false, true);
      ELSE
        RAISE WARNING 'the shipped % % was missing and is shown again', pg_catalog.replace(spec.tbl, '_', ' '),
                      (SELECT pg_catalog.string_agg(k ->> c, '/') FROM pg_catalog.unnest(spec.keys) c)
          USING DETAIL = 'Shipped texts can be overridden but not removed; set another text to change it.';
      END IF;
    END LOOP;
  END LOOP;
END;
$$;

DROP TABLE pg_temp.admin_texts_shipped_0_1;
DROP TABLE pg_temp.admin_texts_before;

COMMENT ON TABLE passport.transition_base IS
  'Application moves: shipped rules (builtin) and administrators'' rules, which add a move or, marked removed, take a shipped one away. passport.transition shows the effective rules. Edited through passport.add_transition_rule and passport.remove_transition_rule; pg_dump keeps the administrators'' rows.';
COMMENT ON COLUMN passport.transition_base.builtin IS
  'Shipped with passport (inserted by its scripts, left out of dumps); false for an administrator''s rule.';
COMMENT ON COLUMN passport.transition_base.removed IS
  'An administrator removed this shipped rule: the move is not allowed although passport ships it.';
COMMENT ON TABLE passport.status_text_base IS
  'What an applicant is told per status and language: shipped texts (builtin) and administrators'' texts, which override them. passport.status_text shows the effective ones. Edited through passport.set_status_text and passport.remove_status_text; pg_dump keeps the administrators'' rows.';
COMMENT ON COLUMN passport.status_text_base.builtin IS
  'Shipped with passport (inserted by its scripts, left out of dumps); false for an administrator''s text.';
COMMENT ON TABLE passport.message_template_base IS
  'Message texts per template and language: shipped texts (builtin) and administrators'' texts, which override them. passport.message_template shows the effective ones. Edited through passport.set_message_template and passport.remove_message_template; pg_dump keeps the administrators'' rows.';
COMMENT ON COLUMN passport.message_template_base.builtin IS
  'Shipped with passport (inserted by its scripts, left out of dumps); false for an administrator''s text.';
COMMENT ON TABLE passport.bot_text_base IS
  'Texts of the conversation engine per key and language: shipped texts (builtin) and administrators'' texts, which override them or add reason_<SQLSTATE> explanations. passport.bot_text shows the effective ones. Edited through passport.set_bot_text and passport.remove_bot_text; pg_dump keeps the administrators'' rows.';
COMMENT ON COLUMN passport.bot_text_base.builtin IS
  'Shipped with passport (inserted by its scripts, left out of dumps); false for an administrator''s text.';
COMMENT ON TABLE passport.info_base IS
  'Information per topic, service and language: shipped texts (builtin) and administrators'' texts, which override them or add a service''s text. passport.info shows the effective ones. Edited through passport.set_info and passport.remove_info; pg_dump keeps the administrators'' rows.';
COMMENT ON COLUMN passport.info_base.builtin IS
  'Shipped with passport (inserted by its scripts, left out of dumps); false for an administrator''s text.';

SELECT pg_catalog.pg_extension_config_dump('passport.transition_base', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('passport.status_text_base', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('passport.message_template_base', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('passport.bot_text_base', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('passport.info_base', 'WHERE NOT builtin');

-- The effective rows, under the original names and with the original
-- columns: an administrator's row where there is one (unless it removes a
-- rule), else the shipped one.
CREATE VIEW passport.transition AS
  SELECT r.from_status, r.to_status, r.actor_role
    FROM passport.transition_base r
   WHERE NOT r.removed
     AND (NOT r.builtin
          OR NOT EXISTS (SELECT 1 FROM passport.transition_base a
                          WHERE a.from_status = r.from_status AND a.to_status = r.to_status
                            AND a.actor_role = r.actor_role AND NOT a.builtin));
COMMENT ON VIEW passport.transition IS
  'Allowed application moves and who may make them (the effective rules of passport.transition_base); passport.transition enforces them in C. Guards on top: paid needs a confirmed payment; incomplete -> submitted only before the documents deadline. Moves by payment and system are made by confirm_payment and the sweep.';
-- each backend of a single node keeps the moves (see part 22)
CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON passport.transition_base
  FOR EACH STATEMENT EXECUTE FUNCTION passport.reference_changed();

CREATE VIEW passport.status_text AS
  SELECT t.status, t.language, t.label, t.next_step
    FROM passport.status_text_base t
   WHERE NOT t.builtin
      OR NOT EXISTS (SELECT 1 FROM passport.status_text_base a
                      WHERE a.status = t.status AND a.language = t.language AND NOT a.builtin);
COMMENT ON VIEW passport.status_text IS
  'What an applicant is told per status, in Indonesian and English (the effective texts of passport.status_text_base).';

CREATE VIEW passport.message_template AS
  SELECT t.template, t.language, t.body
    FROM passport.message_template_base t
   WHERE NOT t.builtin
      OR NOT EXISTS (SELECT 1 FROM passport.message_template_base a
                      WHERE a.template = t.template AND a.language = t.language AND NOT a.builtin);
COMMENT ON VIEW passport.message_template IS
  'Message texts per template and language; {name} is replaced by the payload''s value of name (the effective texts of passport.message_template_base).';

CREATE VIEW passport.bot_text AS
  SELECT t.key, t.language, t.body
    FROM passport.bot_text_base t
   WHERE NOT t.builtin
      OR NOT EXISTS (SELECT 1 FROM passport.bot_text_base a
                      WHERE a.key = t.key AND a.language = t.language AND NOT a.builtin);
COMMENT ON VIEW passport.bot_text IS
  'Every text the conversation engine sends, per language; {name} is filled in (the effective texts of passport.bot_text_base).';

CREATE VIEW passport.info AS
  SELECT t.topic, t.service, t.language, t.body
    FROM passport.info_base t
   WHERE NOT t.builtin
      OR NOT EXISTS (SELECT 1 FROM passport.info_base a
                      WHERE a.topic = t.topic AND a.service = t.service AND a.language = t.language
                        AND NOT a.builtin);
COMMENT ON VIEW passport.info IS
  'Information content per topic (requirements), service and language (the effective texts of passport.info_base).';

REVOKE ALL ON passport.transition, passport.status_text, passport.message_template, passport.bot_text,
              passport.info FROM PUBLIC;

-- The {name} placeholders a text uses, each once, in order.
CREATE FUNCTION passport.text_placeholders(body text)
  RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(pg_catalog.array_agg(p ORDER BY p), '{}')
    FROM (SELECT DISTINCT m[1] AS p FROM pg_catalog.regexp_matches(body, '\{([A-Za-z0-9_]+)\}', 'g') m) x
$$;
COMMENT ON FUNCTION passport.text_placeholders(text) IS
  'The {name} placeholders a text uses, sorted, each once.';
REVOKE ALL ON FUNCTION passport.text_placeholders(text) FROM PUBLIC;

-- Validates what the edit functions share and warns about placeholders
-- that nothing fills.
CREATE FUNCTION passport.check_admin_text(what text, key text, language text, body text, fills text[])
  RETURNS void
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  unknown text[];
BEGIN
  IF language IS NULL OR language NOT IN ('id', 'en') THEN
    RAISE EXCEPTION 'unknown language "%"', language
      USING ERRCODE = '22023', HINT = 'Texts are in Indonesian (id) or English (en).';
  END IF;
  IF body IS NULL OR pg_catalog.btrim(body) = '' THEN
    RAISE EXCEPTION 'the % "%" needs a text', what, key
      USING ERRCODE = '22023', HINT = 'To go back to the shipped text, remove the administrators'' text instead.';
  END IF;
  SELECT pg_catalog.array_agg(p ORDER BY p) INTO unknown
    FROM pg_catalog.unnest(passport.text_placeholders(body)) p
   WHERE p <> ALL (coalesce(fills, '{}'))
     AND NOT passport.policy_values() ? p;       -- every text may state a rule
  IF unknown IS NOT NULL THEN
    RAISE WARNING 'the % "%" uses %, which nothing fills in',
                  what, key, (SELECT pg_catalog.string_agg('{' || u || '}', ', ') FROM pg_catalog.unnest(unknown) u)
      USING ERRCODE = '01000',
            DETAIL = CASE WHEN coalesce(pg_catalog.cardinality(fills), 0) = 0
                          THEN pg_catalog.format('Placeholders of this %s are shown as typed.', what)
                          ELSE pg_catalog.format('Its shipped texts use %s.',
                                      (SELECT pg_catalog.string_agg('{' || f || '}', ', ') FROM pg_catalog.unnest(fills) f)) END;
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.check_admin_text(text, text, text, text, text[]) IS
  'Checks a text an administrator sets: a known language (22023), a non-empty text (22023); warns about {placeholders} neither among fills nor rule values (passport.policy_values).';
REVOKE ALL ON FUNCTION passport.check_admin_text(text, text, text, text, text[]) FROM PUBLIC;

-- Transition rules

-- Validates a rule's statuses and role (shared by add and remove).
CREATE FUNCTION passport.check_transition_rule(from_status text, to_status text, actor_role text)
  RETURNS void
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s text;
BEGIN
  IF from_status IS NULL OR to_status IS NULL OR actor_role IS NULL THEN
    RAISE EXCEPTION 'a transition rule needs a status to move from, one to move to and a role'
      USING ERRCODE = '22004';
  END IF;
  FOREACH s IN ARRAY ARRAY[from_status, to_status] LOOP
    IF NOT EXISTS (SELECT 1 FROM passport.application_status a WHERE a.status = s) THEN
      RAISE EXCEPTION 'unknown application status "%"', s
        USING ERRCODE = '22023',
              HINT = 'The statuses are listed in passport.application_status: '
                     || (SELECT pg_catalog.string_agg(a.status, ', ' ORDER BY a.ordinal) FROM passport.application_status a) || '.';
    END IF;
  END LOOP;
  IF from_status = to_status THEN
    RAISE EXCEPTION 'an application cannot move from % to itself', from_status
      USING ERRCODE = '22023', DETAIL = 'A transition rule moves an application to another status.';
  END IF;
  IF actor_role IN ('payment', 'system') THEN
    RAISE EXCEPTION 'moves by % are not edited here', actor_role
      USING ERRCODE = '22023',
            DETAIL = 'Payment moves are made by confirm_payment and system moves by the sweep, each in its own code; their rules document them.',
            HINT = 'Rules for officer or admin moves can be added and removed.';
  END IF;
  IF actor_role NOT IN ('officer', 'admin') THEN
    RAISE EXCEPTION 'unknown role "%" in a transition rule', actor_role
      USING ERRCODE = '22023', HINT = 'Moves are made by officer (officers and administrators) or admin (administrators only).';
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.check_transition_rule(text, text, text) IS
  'Checks an edited transition rule: known statuses, not a move to itself, an officer or admin move (22023; 22004 when an argument is missing).';
REVOKE ALL ON FUNCTION passport.check_transition_rule(text, text, text) FROM PUBLIC;

CREATE FUNCTION passport.add_transition_rule(from_status text, to_status text, actor_role text DEFAULT 'officer')
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  shipped passport.transition_base;
  own passport.transition_base;
  after passport.transition_base;
BEGIN
  PERFORM passport.check_transition_rule(from_status, to_status, actor_role);
  IF (SELECT s.terminal FROM passport.application_status s WHERE s.status = from_status) THEN
    RAISE EXCEPTION 'nothing leaves the final status %', from_status
      USING ERRCODE = '22023',
            DETAIL = 'An application in a final status is done: reports and the retention purge count on it.';
  END IF;
  LOCK TABLE passport.transition_base IN SHARE ROW EXCLUSIVE MODE;
  SELECT * INTO shipped FROM passport.transition_base r
   WHERE r.from_status = add_transition_rule.from_status AND r.to_status = add_transition_rule.to_status
     AND r.actor_role = add_transition_rule.actor_role AND r.builtin;
  SELECT * INTO own FROM passport.transition_base r
   WHERE r.from_status = add_transition_rule.from_status AND r.to_status = add_transition_rule.to_status
     AND r.actor_role = add_transition_rule.actor_role AND NOT r.builtin;
  IF own.from_status IS NOT NULL AND NOT own.removed THEN
    RETURN;                             -- an administrators' rule already allows it
  ELSIF own.from_status IS NOT NULL THEN
    -- the shipped rule an administrator removed comes back
    DELETE FROM passport.transition_base r
     WHERE r.from_status = own.from_status AND r.to_status = own.to_status
       AND r.actor_role = own.actor_role AND NOT r.builtin;
    after := shipped;
  ELSIF shipped.from_status IS NOT NULL THEN
    RETURN;                             -- shipped and in force
  ELSE
    INSERT INTO passport.transition_base AS r (from_status, to_status, actor_role, builtin, removed)
    VALUES (from_status, to_status, actor_role, false, false)
    RETURNING * INTO after;
  END IF;
  PERFORM passport.audit('add_transition_rule',
                         pg_catalog.format('transition %s -> %s by %s', from_status, to_status, actor_role),
                         CASE WHEN own.from_status IS NOT NULL THEN pg_catalog.to_jsonb(own) END, pg_catalog.to_jsonb(after));
END;
$$;
COMMENT ON FUNCTION passport.add_transition_rule(text, text, text) IS
  'Allows an application move for officers (officer: officers and administrators) or administrators only (admin); brings back a shipped rule that was removed. Known statuses, no move to itself and none out of a final status (22023). Audited; pg_dump keeps it.';
REVOKE ALL ON FUNCTION passport.add_transition_rule(text, text, text) FROM PUBLIC;

CREATE FUNCTION passport.remove_transition_rule(from_status text, to_status text, actor_role text DEFAULT 'officer')
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  shipped passport.transition_base;
  own passport.transition_base;
BEGIN
  PERFORM passport.check_transition_rule(from_status, to_status, actor_role);
  LOCK TABLE passport.transition_base IN SHARE ROW EXCLUSIVE MODE;
  SELECT * INTO shipped FROM passport.transition_base r
   WHERE r.from_status = remove_transition_rule.from_status AND r.to_status = remove_transition_rule.to_status
     AND r.actor_role = remove_transition_rule.actor_role AND r.builtin;
  SELECT * INTO own FROM passport.transition_base r
   WHERE r.from_status = remove_transition_rule.from_status AND r.to_status = remove_transition_rule.to_status
     AND r.actor_role = remove_transition_rule.actor_role AND NOT r.builtin;
  IF (own.from_status IS NOT NULL AND own.removed) OR (own.from_status IS NULL AND shipped.from_status IS NULL) THEN
    RAISE EXCEPTION 'no rule lets % move an application from % to %', actor_role, from_status, to_status
      USING ERRCODE = 'PP006', HINT = 'The rules in force are the rows of passport.transition.';
  END IF;
  IF shipped.from_status IS NOT NULL THEN
    -- a shipped rule stays shipped; the administrators' row takes it away
    INSERT INTO passport.transition_base AS r (from_status, to_status, actor_role, builtin, removed)
    VALUES (from_status, to_status, actor_role, false, true)
    ON CONFLICT ON CONSTRAINT transition_base_pkey DO UPDATE SET removed = true;
  ELSE
    DELETE FROM passport.transition_base r
     WHERE r.from_status = own.from_status AND r.to_status = own.to_status
       AND r.actor_role = own.actor_role AND NOT r.builtin;
  END IF;
  PERFORM passport.audit('remove_transition_rule',
                         pg_catalog.format('transition %s -> %s by %s', from_status, to_status, actor_role),
                         pg_catalog.to_jsonb(CASE WHEN own.from_status IS NOT NULL THEN own ELSE shipped END), NULL);
END;
$$;
COMMENT ON FUNCTION passport.remove_transition_rule(text, text, text) IS
  'Takes a move away (a shipped rule stays shipped and is marked removed, so the removal survives a restore; an administrators'' rule is deleted). PP006 when no such rule is in force. Audited.';
REVOKE ALL ON FUNCTION passport.remove_transition_rule(text, text, text) FROM PUBLIC;

-- Status texts

CREATE FUNCTION passport.set_status_text(status text, language text, label text, next_step text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  shipped passport.status_text_base;
  own passport.status_text_base;
  after passport.status_text_base;
  before_row jsonb;
  after_row jsonb;
BEGIN
  IF status IS NULL OR NOT EXISTS (SELECT 1 FROM passport.application_status a WHERE a.status = set_status_text.status) THEN
    RAISE EXCEPTION 'unknown application status "%"', status
      USING ERRCODE = '22023', HINT = 'The statuses are listed in passport.application_status.';
  END IF;
  IF label IS NULL OR pg_catalog.btrim(label) = '' THEN
    RAISE EXCEPTION 'the status text "%" needs a label', status USING ERRCODE = '22023';
  END IF;
  PERFORM passport.check_admin_text('status text', status, language, next_step, '{}');
  PERFORM passport.check_admin_text('status text', status, language, label, '{}');
  LOCK TABLE passport.status_text_base IN SHARE ROW EXCLUSIVE MODE;
  SELECT * INTO shipped FROM passport.status_text_base t
   WHERE t.status = set_status_text.status AND t.language = set_status_text.language AND t.builtin;
  SELECT * INTO own FROM passport.status_text_base t
   WHERE t.status = set_status_text.status AND t.language = set_status_text.language AND NOT t.builtin;
  before_row := CASE WHEN own.status IS NOT NULL THEN pg_catalog.to_jsonb(own)
                     WHEN shipped.status IS NOT NULL THEN pg_catalog.to_jsonb(shipped) END;
  IF shipped.label = label AND shipped.next_step = next_step THEN
    -- the shipped text again: no administrators' row needed
    DELETE FROM passport.status_text_base t
     WHERE t.status = set_status_text.status AND t.language = set_status_text.language AND NOT t.builtin;
    after_row := pg_catalog.to_jsonb(shipped);
  ELSE
    INSERT INTO passport.status_text_base AS t (status, language, label, next_step, builtin)
    VALUES (status, language, label, next_step, false)
    ON CONFLICT ON CONSTRAINT status_text_base_pkey
      DO UPDATE SET label = excluded.label, next_step = excluded.next_step
    RETURNING * INTO after;
    after_row := pg_catalog.to_jsonb(after);
  END IF;
  IF after_row IS DISTINCT FROM before_row THEN
    PERFORM passport.audit('set_status_text', pg_catalog.format('status text %s/%s', status, language),
                           before_row, after_row);
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.set_status_text(text, text, text, text) IS
  'Sets what an applicant is told for a status in a language (label and next step), over the shipped text; the shipped text itself removes the override. Audited; pg_dump keeps it.';
REVOKE ALL ON FUNCTION passport.set_status_text(text, text, text, text) FROM PUBLIC;

CREATE FUNCTION passport.remove_status_text(status text, language text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  own passport.status_text_base;
  shipped passport.status_text_base;
BEGIN
  LOCK TABLE passport.status_text_base IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM passport.status_text_base t
   WHERE t.status = remove_status_text.status AND t.language = remove_status_text.language AND NOT t.builtin
  RETURNING * INTO own;
  IF own.status IS NULL THEN
    RAISE EXCEPTION 'no administrators'' status text for "%" in "%"', status, language
      USING ERRCODE = 'PP006',
            HINT = 'Shipped texts cannot be removed; set another text with passport.set_status_text instead.';
  END IF;
  SELECT * INTO shipped FROM passport.status_text_base t
   WHERE t.status = remove_status_text.status AND t.language = remove_status_text.language AND t.builtin;
  PERFORM passport.audit('remove_status_text', pg_catalog.format('status text %s/%s', status, language),
                         pg_catalog.to_jsonb(own), CASE WHEN shipped.status IS NOT NULL THEN pg_catalog.to_jsonb(shipped) END);
END;
$$;
COMMENT ON FUNCTION passport.remove_status_text(text, text) IS
  'Removes the administrators'' text of a status in a language: the shipped text applies again. PP006 when there is none. Audited.';
REVOKE ALL ON FUNCTION passport.remove_status_text(text, text) FROM PUBLIC;

-- Message templates

CREATE FUNCTION passport.set_message_template(template text, language text, body text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  shipped passport.message_template_base;
  own passport.message_template_base;
  after passport.message_template_base;
  before_row jsonb;
  after_row jsonb;
BEGIN
  IF template IS NULL OR NOT EXISTS (SELECT 1 FROM passport.message_template_base t
                                      WHERE t.template = set_message_template.template AND t.builtin) THEN
    RAISE EXCEPTION 'unknown message template "%"', template
      USING ERRCODE = '22023',
            DETAIL = 'Messages are written by passport''s events; administrators change the texts of their templates.',
            HINT = 'The templates are listed in passport.message_template.';
  END IF;
  PERFORM passport.check_admin_text('message template', template, language, body,
            (SELECT pg_catalog.array_agg(DISTINCT p) FROM passport.message_template_base t,
                    pg_catalog.unnest(passport.text_placeholders(t.body)) p
              WHERE t.template = set_message_template.template AND t.builtin));
  LOCK TABLE passport.message_template_base IN SHARE ROW EXCLUSIVE MODE;
  SELECT * INTO shipped FROM passport.message_template_base t
   WHERE t.template = set_message_template.template AND t.language = set_message_template.language AND t.builtin;
  SELECT * INTO own FROM passport.message_template_base t
   WHERE t.template = set_message_template.template AND t.language = set_message_template.language AND NOT t.builtin;
  before_row := CASE WHEN own.template IS NOT NULL THEN pg_catalog.to_jsonb(own)
                     WHEN shipped.template IS NOT NULL THEN pg_catalog.to_jsonb(shipped) END;
  IF shipped.body = body THEN
    DELETE FROM passport.message_template_base t
     WHERE t.template = set_message_template.template AND t.language = set_message_template.language
       AND NOT t.builtin;
    after_row := pg_catalog.to_jsonb(shipped);
  ELSE
    INSERT INTO passport.message_template_base AS t (template, language, body, builtin)
    VALUES (template, language, body, false)
    ON CONFLICT ON CONSTRAINT message_template_base_pkey DO UPDATE SET body = excluded.body
    RETURNING * INTO after;
    after_row := pg_catalog.to_jsonb(after);
  END IF;
  IF after_row IS DISTINCT FROM before_row THEN
    PERFORM passport.audit('set_message_template', pg_catalog.format('message template %s/%s', template, language),
                           before_row, after_row);
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.set_message_template(text, text, text) IS
  'Sets the text of a message template in a language, over the shipped text ({name} is filled from the message''s payload; a placeholder the shipped texts do not use draws a warning). The shipped text itself removes the override. Audited; pg_dump keeps it.';
REVOKE ALL ON FUNCTION passport.set_message_template(text, text, text) FROM PUBLIC;

CREATE FUNCTION passport.remove_message_template(template text, language text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  own passport.message_template_base;
  shipped passport.message_template_base;
BEGIN
  LOCK TABLE passport.message_template_base IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM passport.message_template_base t
   WHERE t.template = remove_message_template.template AND t.language = remove_message_template.language
     AND NOT t.builtin
  RETURNING * INTO own;
  IF own.template IS NULL THEN
    RAISE EXCEPTION 'no administrators'' text of message template "%" in "%"', template, language
      USING ERRCODE = 'PP006',
            HINT = 'Shipped texts cannot be removed; set another text with passport.set_message_template instead.';
  END IF;
  SELECT * INTO shipped FROM passport.message_template_base t
   WHERE t.template = remove_message_template.template AND t.language = remove_message_template.language
     AND t.builtin;
  PERFORM passport.audit('remove_message_template', pg_catalog.format('message template %s/%s', template, language),
                         pg_catalog.to_jsonb(own), CASE WHEN shipped.template IS NOT NULL THEN pg_catalog.to_jsonb(shipped) END);
END;
$$;
COMMENT ON FUNCTION passport.remove_message_template(text, text) IS
  'Removes the administrators'' text of a message template in a language: the shipped text applies again. PP006 when there is none. Audited.';
REVOKE ALL ON FUNCTION passport.remove_message_template(text, text) FROM PUBLIC;

-- Bot texts

CREATE FUNCTION passport.set_bot_text(key text, language text, body text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  shipped passport.bot_text_base;
  own passport.bot_text_base;
  after passport.bot_text_base;
  before_row jsonb;
  after_row jsonb;
BEGIN
  IF key IS NULL OR (key !~ '^reason_[0-9A-Z]{5}$'
                     AND NOT EXISTS (SELECT 1 FROM passport.bot_text_base t
                                      WHERE t.key = set_bot_text.key AND t.builtin)) THEN
    RAISE EXCEPTION 'unknown bot text "%"', key
      USING ERRCODE = '22023',
            DETAIL = 'The conversation engine sends the texts of its own keys, and reason_<SQLSTATE> to explain an error.',
            HINT = 'The keys are listed in passport.bot_text.';
  END IF;
  PERFORM passport.check_admin_text('bot text', key, language, body,
            (SELECT pg_catalog.array_agg(DISTINCT p) FROM passport.bot_text_base t,
                    pg_catalog.unnest(passport.text_placeholders(t.body)) p
              WHERE t.key = set_bot_text.key AND t.builtin));
  LOCK TABLE passport.bot_text_base IN SHARE ROW EXCLUSIVE MODE;
  IF language <> 'id' AND NOT EXISTS (SELECT 1 FROM passport.bot_text_base t
                                       WHERE t.key = set_bot_text.key AND t.language = 'id') THEN
    -- a text missing in a language falls back to Indonesian
    RAISE EXCEPTION 'the bot text "%" needs its Indonesian text first', key
      USING ERRCODE = '22023',
            DETAIL = 'A text missing in a language is sent in Indonesian, so every key has an Indonesian text.';
  END IF;
  SELECT * INTO shipped FROM passport.bot_text_base t
   WHERE t.key = set_bot_text.key AND t.language = set_bot_text.language AND t.builtin;
  SELECT * INTO own FROM passport.bot_text_base t
   WHERE t.key = set_bot_text.key AND t.language = set_bot_text.language AND NOT t.builtin;
  before_row := CASE WHEN own.key IS NOT NULL THEN pg_catalog.to_jsonb(own)
                     WHEN shipped.key IS NOT NULL THEN pg_catalog.to_jsonb(shipped) END;
  IF shipped.body = body THEN
    DELETE FROM passport.bot_text_base t
     WHERE t.key = set_bot_text.key AND t.language = set_bot_text.language AND NOT t.builtin;
    after_row := pg_catalog.to_jsonb(shipped);
  ELSE
    INSERT INTO passport.bot_text_base AS t (key, language, body, builtin)
    VALUES (key, language, body, false)
    ON CONFLICT ON CONSTRAINT bot_text_base_pkey DO UPDATE SET body = excluded.body
    RETURNING * INTO after;
    after_row := pg_catalog.to_jsonb(after);
  END IF;
  IF after_row IS DISTINCT FROM before_row THEN
    PERFORM passport.audit('set_bot_text', pg_catalog.format('bot text %s/%s', key, language),
                           before_row, after_row);
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.set_bot_text(text, text, text) IS
  'Sets a text of the conversation engine in a language, over the shipped text, or the explanation of an error (key reason_<SQLSTATE>). A placeholder the shipped texts do not use draws a warning. The shipped text itself removes the override. Audited; pg_dump keeps it.';
REVOKE ALL ON FUNCTION passport.set_bot_text(text, text, text) FROM PUBLIC;

CREATE FUNCTION passport.remove_bot_text(key text, language text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  own passport.bot_text_base;
  shipped passport.bot_text_base;
BEGIN
  LOCK TABLE passport.bot_text_base IN SHARE ROW EXCLUSIVE MODE;
  IF language = 'id' AND NOT EXISTS (SELECT 1 FROM passport.bot_text_base t
                                      WHERE t.key = remove_bot_text.key AND t.language = 'id' AND t.builtin)
     AND EXISTS (SELECT 1 FROM passport.bot_text_base t
                  WHERE t.key = remove_bot_text.key AND t.language <> 'id') THEN
    RAISE EXCEPTION 'the bot text "%" is set in other languages, which fall back to its Indonesian text', key
      USING ERRCODE = '22023', HINT = 'Remove the texts in the other languages first.';
  END IF;
  DELETE FROM passport.bot_text_base t
   WHERE t.key = remove_bot_text.key AND t.language = remove_bot_text.language AND NOT t.builtin
  RETURNING * INTO own;
  IF own.key IS NULL THEN
    RAISE EXCEPTION 'no administrators'' bot text "%" in "%"', key, language
      USING ERRCODE = 'PP006',
            HINT = 'Shipped texts cannot be removed; set another text with passport.set_bot_text instead.';
  END IF;
  SELECT * INTO shipped FROM passport.bot_text_base t
   WHERE t.key = remove_bot_text.key AND t.language = remove_bot_text.language AND t.builtin;
  PERFORM passport.audit('remove_bot_text', pg_catalog.format('bot text %s/%s', key, language),
                         pg_catalog.to_jsonb(own), CASE WHEN shipped.key IS NOT NULL THEN pg_catalog.to_jsonb(shipped) END);
END;
$$;
COMMENT ON FUNCTION passport.remove_bot_text(text, text) IS
  'Removes the administrators'' bot text of a key in a language: the shipped text applies again, or an added explanation is gone. PP006 when there is none. Audited.';
REVOKE ALL ON FUNCTION passport.remove_bot_text(text, text) FROM PUBLIC;

-- Information texts

CREATE FUNCTION passport.set_info(topic text, service text, language text, body text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  svc text := coalesce(service, '');
  shipped passport.info_base;
  own passport.info_base;
  after passport.info_base;
  before_row jsonb;
  after_row jsonb;
BEGIN
  IF topic IS NULL OR NOT EXISTS (SELECT 1 FROM passport.info_base i WHERE i.topic = set_info.topic AND i.builtin) THEN
    RAISE EXCEPTION 'unknown information topic "%"', topic
      USING ERRCODE = '22023', HINT = 'The topics are listed in passport.info.';
  END IF;
  IF svc <> '' AND NOT EXISTS (SELECT 1 FROM passport.service s WHERE s.service_code = svc) THEN
    RAISE EXCEPTION 'unknown service "%"', svc
      USING ERRCODE = '22023', HINT = 'The services are listed in passport.service; '''' is for every service.';
  END IF;
  PERFORM passport.check_admin_text('information text', topic, language, body, '{}');
  LOCK TABLE passport.info_base IN SHARE ROW EXCLUSIVE MODE;
  SELECT * INTO shipped FROM passport.info_base i
   WHERE i.topic = set_info.topic AND i.service = svc AND i.language = set_info.language AND i.builtin;
  SELECT * INTO own FROM passport.info_base i
   WHERE i.topic = set_info.topic AND i.service = svc AND i.language = set_info.language AND NOT i.builtin;
  before_row := CASE WHEN own.topic IS NOT NULL THEN pg_catalog.to_jsonb(own)
                     WHEN shipped.topic IS NOT NULL THEN pg_catalog.to_jsonb(shipped) END;
  IF shipped.body = body THEN
    DELETE FROM passport.info_base i
     WHERE i.topic = set_info.topic AND i.service = svc AND i.language = set_info.language AND NOT i.builtin;
    after_row := pg_catalog.to_jsonb(shipped);
  ELSE
    INSERT INTO passport.info_base AS i (topic, service, language, body, builtin)
    VALUES (topic, svc, language, body, false)
    ON CONFLICT ON CONSTRAINT info_base_pkey DO UPDATE SET body = excluded.body
    RETURNING * INTO after;
    after_row := pg_catalog.to_jsonb(after);
  END IF;
  IF after_row IS DISTINCT FROM before_row THEN
    PERFORM passport.audit('set_info', pg_catalog.format('info %s/%s/%s', topic, svc, language),
                           before_row, after_row);
  END IF;
END;
$$;
COMMENT ON FUNCTION passport.set_info(text, text, text, text) IS
  'Sets an information text (e.g. the requirements of a service) in a language, over the shipped text; the shipped text itself removes the override. Audited; pg_dump keeps it.';
REVOKE ALL ON FUNCTION passport.set_info(text, text, text, text) FROM PUBLIC;

CREATE FUNCTION passport.remove_info(topic text, service text, language text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  svc text := coalesce(service, '');
  own passport.info_base;
  shipped passport.info_base;
BEGIN
  LOCK TABLE passport.info_base IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM passport.info_base i
   WHERE i.topic = remove_info.topic AND i.service = svc AND i.language = remove_info.language AND NOT i.builtin
  RETURNING * INTO own;
  IF own.topic IS NULL THEN
    RAISE EXCEPTION 'no administrators'' information text "%" for "%" in "%"', topic, svc, language
      USING ERRCODE = 'PP006',
            HINT = 'Shipped texts cannot be removed; set another text with passport.set_info instead.';
  END IF;
  SELECT * INTO shipped FROM passport.info_base i
   WHERE i.topic = remove_info.topic AND i.service = svc AND i.language = remove_info.language AND i.builtin;
  PERFORM passport.audit('remove_info', pg_catalog.format('info %s/%s/%s', topic, svc, language),
                         pg_catalog.to_jsonb(own), CASE WHEN shipped.topic IS NOT NULL THEN pg_catalog.to_jsonb(shipped) END);
END;
$$;
COMMENT ON FUNCTION passport.remove_info(text, text, text) IS
  'Removes the administrators'' information text of a topic, service and language: the shipped text applies again, or an added one is gone. PP006 when there is none. Audited.';
REVOKE ALL ON FUNCTION passport.remove_info(text, text, text) FROM PUBLIC;

-- Privileges: administrators read the effective rows and the base tables,
-- and change them only through the functions above.
DELETE FROM passport.role_privilege
 WHERE role_name = 'passport_admin' AND object_kind = 'table'
   AND object_name IN ('passport.transition', 'passport.status_text', 'passport.message_template',
                       'passport.bot_text', 'passport.info')
   AND privilege IN ('INSERT', 'UPDATE', 'DELETE');
INSERT INTO passport.role_privilege (role_name, object_kind, object_name, privilege)
SELECT 'passport_admin', 'table', t, 'SELECT' FROM pg_catalog.unnest(ARRAY[
  'passport.transition_base', 'passport.status_text_base', 'passport.message_template_base',
  'passport.bot_text_base', 'passport.info_base']) t
UNION ALL
SELECT 'passport_admin', 'function', f, 'EXECUTE' FROM pg_catalog.unnest(ARRAY[
  'passport.add_transition_rule(text,text,text)',
  'passport.remove_transition_rule(text,text,text)',
  'passport.set_status_text(text,text,text,text)',
  'passport.remove_status_text(text,text)',
  'passport.set_message_template(text,text,text)',
  'passport.remove_message_template(text,text)',
  'passport.set_bot_text(text,text,text)',
  'passport.remove_bot_text(text,text)',
  'passport.set_info(text,text,text,text)',
  'passport.remove_info(text,text,text)']) f;
