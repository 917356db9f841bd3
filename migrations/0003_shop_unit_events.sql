-- The status history of shop units: one row per recorded event, appended,
-- never edited (a correction is a new event with an earlier valid_from).
CREATE TABLE shop_unit_events (
    event_id bigint PRIMARY KEY,
    unit_id text COLLATE "C" NOT NULL REFERENCES shop_units (id),
    valid_from date NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by text NOT NULL,
    status text NOT NULL,
    category text NOT NULL,
    kind text,
    floor_area_m2 double precision NOT NULL,
    occupant text,
    note text
);
CREATE INDEX shop_unit_events_unit_valid_from_idx ON shop_unit_events (unit_id, valid_from);
