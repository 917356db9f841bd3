-- The staging table that a write copies shop-unit events into.
CREATE TEMP TABLE atlas_staging_shop_unit_events (
    event_id bigint,
    unit_id text,
    valid_from date,
    recorded_at timestamptz,
    recorded_by text,
    status text,
    category text,
    kind text,
    floor_area_m2 double precision,
    occupant text,
    note text
) ON COMMIT DROP;
