-- Two layers more: the known places of the city (a gazetteer the search box
-- finds by name and other names) and its waterways (the canal the quays lie
-- on). Columns in the order of src/model/schema.rs, typed geometry in
-- EPSG:4326, ids sorting by code point, a GiST index, and their changes
-- logged like every layer's (see 0006_change_log.sql).

CREATE TABLE places (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    alt_names text
);
CREATE INDEX places_geom_idx ON places USING gist (geom);

CREATE TABLE waterways (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(LineString, 4326) NOT NULL,
    name text NOT NULL,
    kind text NOT NULL
);
CREATE INDEX waterways_geom_idx ON waterways USING gist (geom);

DO $$
DECLARE
    layer_table text;
BEGIN
    FOREACH layer_table IN ARRAY ARRAY['places', 'waterways']
    LOOP
        EXECUTE format(
            'CREATE TRIGGER atlas_log_changes AFTER INSERT OR UPDATE OR DELETE ON %I '
            'FOR EACH ROW EXECUTE FUNCTION atlas_log_feature_change()', layer_table);
    END LOOP;
END
$$;
