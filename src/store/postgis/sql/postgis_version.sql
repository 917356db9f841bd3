-- The version of the PostGIS library, such as '3.3.2'.
SELECT postgis_lib_version();
