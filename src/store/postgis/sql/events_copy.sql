COPY atlas_staging_shop_unit_events (
    event_id, unit_id, valid_from, recorded_at, recorded_by, status, category,
    kind, floor_area_m2, occupant, note
) FROM STDIN (FORMAT binary);
