-- Append the staged events. Events are history: an event id that is already
-- stored (or named twice) violates the primary key and fails the whole write.
INSERT INTO shop_unit_events (
    event_id, unit_id, valid_from, recorded_at, recorded_by, status, category,
    kind, floor_area_m2, occupant, note
)
SELECT event_id, unit_id, valid_from, recorded_at, recorded_by, status, category,
    kind, floor_area_m2, occupant, note
FROM atlas_staging_shop_unit_events;
