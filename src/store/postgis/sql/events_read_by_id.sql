SELECT event_id, unit_id, valid_from, recorded_at, recorded_by, status, category,
    kind, floor_area_m2, occupant, note
FROM shop_unit_events
WHERE event_id = ANY($1)
ORDER BY event_id;
