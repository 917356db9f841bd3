-- After events with ids of their own (a load): the sequence goes on after
-- the largest stored id, so the store never hands out one that exists.
SELECT setval('shop_unit_events_event_id_seq', max_id)
FROM (SELECT max(event_id) AS max_id FROM shop_unit_events) AS stored, shop_unit_events_event_id_seq
WHERE max_id > CASE WHEN is_called THEN last_value ELSE last_value - 1 END;
