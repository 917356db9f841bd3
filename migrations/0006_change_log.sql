-- The change feed: every committed change to a layer table or to the
-- shop-unit history, by any writer (an atlas server, `atlas import`, QGIS,
-- psql), is appended to atlas_changes in the writer's own transaction by the
-- triggers below, and announced with NOTIFY atlas_changes when it commits.
-- Each running atlas LISTENs and reads the log after the position it has
-- applied (src/store/postgis/feed.rs).
--
-- Commit order is not id order (two writers take ids, the later one commits
-- first), so a follower's position is a transaction id: it reads the rows of
-- every transaction not older than the oldest one that was still running
-- when it last read (pg_snapshot_xmin), and skips the rows it has applied.

CREATE TABLE atlas_changes (
    change_id bigserial PRIMARY KEY,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    -- a layer id, or 'shop_unit_events'
    layer text NOT NULL,
    -- the feature id (the event id for shop_unit_events); NULL with 'reload'
    feature_id text,
    op text NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'reload')),
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX atlas_changes_txid_idx ON atlas_changes (txid);
CREATE INDEX atlas_changes_changed_at_idx ON atlas_changes (changed_at);

-- How far the log has been pruned (rows a week old): a follower that has
-- not read up to the newest pruned change may have missed one and reloads.
CREATE TABLE atlas_change_log_state (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    pruned_through_change bigint NOT NULL DEFAULT 0
);
INSERT INTO atlas_change_log_state DEFAULT VALUES;

-- One row per changed feature: an update that changes the id is the old id
-- deleted and the new one inserted.
CREATE FUNCTION atlas_log_feature_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO atlas_changes (layer, feature_id, op) VALUES (TG_TABLE_NAME, OLD.id, 'delete');
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.id IS DISTINCT FROM NEW.id THEN
            INSERT INTO atlas_changes (layer, feature_id, op) VALUES (TG_TABLE_NAME, OLD.id, 'delete');
            INSERT INTO atlas_changes (layer, feature_id, op) VALUES (TG_TABLE_NAME, NEW.id, 'insert');
        ELSE
            INSERT INTO atlas_changes (layer, feature_id, op) VALUES (TG_TABLE_NAME, NEW.id, 'update');
        END IF;
    ELSE
        INSERT INTO atlas_changes (layer, feature_id, op) VALUES (TG_TABLE_NAME, NEW.id, 'insert');
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION atlas_log_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO atlas_changes (layer, feature_id, op) VALUES (TG_TABLE_NAME, OLD.event_id::text, 'delete');
    ELSE
        INSERT INTO atlas_changes (layer, feature_id, op) VALUES (TG_TABLE_NAME, NEW.event_id::text, lower(TG_OP));
    END IF;
    RETURN NULL;
END
$$;

-- One notification per writing transaction (equal payloads are folded).
CREATE FUNCTION atlas_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('atlas_changes', pg_current_xact_id()::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER atlas_notify AFTER INSERT ON atlas_changes
    FOR EACH STATEMENT EXECUTE FUNCTION atlas_notify_change();

DO $$
DECLARE
    layer_table text;
BEGIN
    FOREACH layer_table IN ARRAY ARRAY['neighbourhoods', 'residents', 'parcels', 'business_parks',
        'shop_units', 'shopping_areas', 'streets', 'companies', 'access_points']
    LOOP
        EXECUTE format(
            'CREATE TRIGGER atlas_log_changes AFTER INSERT OR UPDATE OR DELETE ON %I '
            'FOR EACH ROW EXECUTE FUNCTION atlas_log_feature_change()', layer_table);
    END LOOP;
END
$$;

CREATE TRIGGER atlas_log_changes AFTER INSERT OR UPDATE OR DELETE ON shop_unit_events
    FOR EACH ROW EXECUTE FUNCTION atlas_log_event_change();

-- Event ids come from the store, never from a server's snapshot.
CREATE SEQUENCE shop_unit_events_event_id_seq OWNED BY shop_unit_events.event_id;
SELECT setval('shop_unit_events_event_id_seq',
    coalesce((SELECT max(event_id) FROM shop_unit_events), 0) + 1, false);
ALTER TABLE shop_unit_events
    ALTER COLUMN event_id SET DEFAULT nextval('shop_unit_events_event_id_seq');
