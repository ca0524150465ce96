-- Prints, per table of the extension that public.upgrade_columns lists,
-- its row count and a checksum over the columns it lists there (the
-- columns the table had before the update), one line per table.
\pset tuples_only on
\pset format unaligned
SELECT g.relname || '|' || (xpath('/row/n/text()', x.doc))[1]::text
                 || '|' || (xpath('/row/h/text()', x.doc))[1]::text
  FROM (SELECT u.relname, string_agg(quote_ident(u.attname), ', ' ORDER BY u.attnum) AS cols
          FROM public.upgrade_columns u GROUP BY u.relname) g
 CROSS JOIN LATERAL (SELECT query_to_xml(format(
          'SELECT count(*) AS n, md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) AS h'
          ' FROM (SELECT %s FROM passport.%I) t', ',', '', g.cols, g.relname), false, true, '') AS doc) x
 ORDER BY g.relname;
