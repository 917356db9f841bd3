-- Whether the atlas's migrations table exists in the search path.
SELECT to_regclass('schema_migrations') IS NOT NULL;
