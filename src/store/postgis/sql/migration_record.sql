-- Record migration $1 named $2 as applied now.
INSERT INTO schema_migrations (version, name) VALUES ($1, $2);
