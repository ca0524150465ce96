-- Prints every object of extension passport as text, one line per fact, so
-- that two databases can be compared with diff: definitions, columns,
-- constraints, indexes, policies, storage options, privileges (by role
-- name), comments and the tables pg_dump keeps. Object identifiers, row
-- data and sequence positions are left out.
\pset tuples_only on
\pset format unaligned
WITH ext AS (
  SELECT e.oid FROM pg_extension e WHERE e.extname = 'passport'
), member AS (
  SELECT d.classid, d.objid FROM pg_depend d, ext
   WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), acl(objname, acl) AS (
  SELECT 'schema ' || n.nspname, n.nspacl FROM pg_namespace n WHERE n.nspname = 'passport'
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure, p.proacl FROM pg_proc p
   WHERE p.oid IN (SELECT objid FROM member WHERE classid = 'pg_proc'::regclass)
  UNION ALL
  SELECT 'relation ' || c.oid::regclass, c.relacl FROM pg_class c
   WHERE c.oid IN (SELECT objid FROM member WHERE classid = 'pg_class'::regclass)
  UNION ALL
  SELECT 'type ' || t.oid::regtype, t.typacl FROM pg_type t
   WHERE t.oid IN (SELECT objid FROM member WHERE classid = 'pg_type'::regclass)
), rel AS (
  SELECT c.oid, c.relkind FROM pg_class c
   WHERE c.oid IN (SELECT objid FROM member WHERE classid = 'pg_class'::regclass)
)
SELECT line FROM (
  -- what the extension owns
  SELECT pg_describe_object(m.classid, m.objid, 0) AS line FROM member m
  UNION ALL
  SELECT 'extension ' || e.extname || ' config ' || coalesce(c::regclass::text, '?') || ' condition '
         || coalesce(e.extcondition[i], '')
    FROM pg_extension e, unnest(e.extconfig) WITH ORDINALITY AS u(c, i) WHERE e.extname = 'passport'
  -- functions: the whole definition (volatility, security, settings, body)
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure || E'\n' || pg_get_functiondef(p.oid)
    FROM pg_proc p WHERE p.oid IN (SELECT objid FROM member WHERE classid = 'pg_proc'::regclass)
     AND p.prokind IN ('f', 'p')
  -- columns, in order
  UNION ALL
  SELECT format('column %s %s %s %s%s%s%s', a.attrelid::regclass, lpad(a.attnum::text, 3, '0'), a.attname,
                format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''),
                CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END)
    FROM pg_attribute a JOIN rel ON rel.oid = a.attrelid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped
  -- composite types' attributes
  UNION ALL
  SELECT format('type %s %s %s %s', t.oid::regtype, lpad(a.attnum::text, 3, '0'), a.attname,
                format_type(a.atttypid, a.atttypmod))
    FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid
   WHERE t.oid IN (SELECT objid FROM member WHERE classid = 'pg_type'::regclass)
     AND a.attnum > 0 AND NOT a.attisdropped
  -- constraints, indexes, policies, triggers, storage, row-level security
  UNION ALL
  SELECT format('constraint %s %s %s', co.conrelid::regclass, co.conname, pg_get_constraintdef(co.oid))
    FROM pg_constraint co JOIN rel ON rel.oid = co.conrelid
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid) || coalesce(' with ' || array_to_string(ic.reloptions, ','), '')
    FROM pg_index i JOIN rel ON rel.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
  UNION ALL
  SELECT format('policy %s %s %s %s to %s using %s check %s', po.polrelid::regclass, po.polname, po.polcmd,
                CASE WHEN po.polpermissive THEN 'permissive' ELSE 'restrictive' END,
                (SELECT string_agg(CASE r WHEN 0 THEN 'public' ELSE r::regrole::text END, ',' ORDER BY 1)
                   FROM unnest(po.polroles) r),
                pg_get_expr(po.polqual, po.polrelid), pg_get_expr(po.polwithcheck, po.polrelid))
    FROM pg_policy po JOIN rel ON rel.oid = po.polrelid
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(tg.oid) FROM pg_trigger tg JOIN rel ON rel.oid = tg.tgrelid
   WHERE NOT tg.tgisinternal
  UNION ALL
  SELECT format('relation %s kind %s rls %s force %s options %s', c.oid::regclass, c.relkind, c.relrowsecurity,
                c.relforcerowsecurity, coalesce(array_to_string(c.reloptions, ','), ''))
    FROM pg_class c JOIN rel ON rel.oid = c.oid
  UNION ALL
  SELECT 'view ' || c.oid::regclass || E'\n' || pg_get_viewdef(c.oid)
    FROM pg_class c JOIN rel ON rel.oid = c.oid WHERE c.relkind IN ('v', 'm')
  UNION ALL
  SELECT format('sequence %s %s start %s increment %s min %s max %s cache %s cycle %s', s.seqrelid::regclass,
                format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
    FROM pg_sequence s JOIN rel ON rel.oid = s.seqrelid
  -- privileges, by grantee and grantor name
  UNION ALL
  SELECT format('grant %s to %s by %s: %s%s', acl.objname,
                CASE x.grantee WHEN 0 THEN 'public' ELSE x.grantee::regrole::text END,
                x.grantor::regrole, x.privilege_type, CASE WHEN x.is_grantable THEN ' with grant option' ELSE '' END)
    FROM acl, aclexplode(acl.acl) x
  UNION ALL
  SELECT 'no acl ' || acl.objname FROM acl WHERE acl.acl IS NULL
  -- initial privileges (what pg_dump takes as the extension's own)
  UNION ALL
  SELECT format('initial privilege %s: %s', pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
                (SELECT string_agg(CASE x.grantee WHEN 0 THEN 'public' ELSE x.grantee::regrole::text END
                                   || '=' || x.privilege_type, ',' ORDER BY 1)
                   FROM aclexplode(ip.initprivs) x))
    FROM pg_init_privs ip
   WHERE (ip.classoid, ip.objoid) IN (SELECT classid, objid FROM member)
  -- comments
  UNION ALL
  SELECT format('comment %s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
    FROM pg_description d
   WHERE (d.classoid, d.objoid) IN (SELECT classid, objid FROM member)
      OR d.objoid IN (SELECT oid FROM rel)
      OR d.objoid IN (SELECT i.indexrelid FROM pg_index i JOIN rel ON rel.oid = i.indrelid)
      OR d.objoid IN (SELECT co.oid FROM pg_constraint co JOIN rel ON rel.oid = co.conrelid)
      OR d.objoid IN (SELECT po.oid FROM pg_policy po JOIN rel ON rel.oid = po.polrelid)
      OR (d.classoid = 'pg_namespace'::regclass AND d.objoid = 'passport'::regnamespace)
) facts
ORDER BY line;
