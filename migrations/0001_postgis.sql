-- PostGIS: geometry types, spatial indexes and the geography measures.
CREATE EXTENSION IF NOT EXISTS postgis;
