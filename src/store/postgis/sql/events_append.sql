-- Append the staged events. Events are history: an event id that is already
-- stored (or named twice) violates the primary key and fails the whole write.
-- An event id of 0 asks the store for the next one of its sequence.
INSERT INTO shop_unit_events (
    event_id, unit_id, valid_from, recorded_at, recorded_by, status, category,
    kind, floor_area_m2, occupant, note
)
SELECT coalesce(nullif(event_id, 0), nextval('shop_unit_events_event_id_seq')), unit_id,
    valid_from, recorded_at, recorded_by, status, category,
    kind, floor_area_m2, occupant, note
FROM atlas_staging_shop_unit_events
ORDER BY event_id = 0, event_id;
