-- The applied migrations, or none when the migrations table is missing.
SELECT version, name
FROM schema_migrations
ORDER BY version;
