-- Held until the end of the migration's transaction, so two migrators never
-- apply the same migration at once. $1: the atlas's lock key.
SELECT pg_advisory_xact_lock($1);
