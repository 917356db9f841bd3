-- The GiST indexes of table $1 in the current schema: the qualified, quoted
-- index name and the statement that creates the index again.
SELECT format('%I.%I', schemaname, indexname), indexdef
FROM pg_indexes
WHERE schemaname = current_schema()
    AND tablename = $1
    AND indexdef LIKE '% USING gist %'
ORDER BY indexname;
