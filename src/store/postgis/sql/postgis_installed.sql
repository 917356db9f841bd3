-- The installed version of the postgis extension, if any.
SELECT extversion FROM pg_extension WHERE extname = 'postgis';
