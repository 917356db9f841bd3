//! The store contract: what every backend must do, as generic checks.
//!
//! Each `pub async fn` below takes a fresh, empty store as `&dyn Store` and
//! panics with a message when the store breaks the contract, so the GeoPackage
//! tests here and the PostGIS tests in `postgis.rs` run the very same code
//! (by hand, or with [`contract_tests!`]). The contract: every layer and the
//! unit history round-trip (ids, properties exactly, geometry within 1e-9
//! degrees), reads are ordered by id in byte order (Rust's `String` order, a
//! `C` collation), counts list every layer, writes upsert by id, a failed
//! write leaves the store exactly as it was, invalid features are refused by
//! layer, index and field, strings are data (SQL-looking text, unicode), and
//! progress ends at the batch's row count.
//!
//! The GeoPackage-only checks (the file opens in GDAL, is deterministic, and
//! reports missing or foreign files clearly) are in [`geopackage`] at the end.

use std::collections::BTreeMap;
use std::sync::Mutex;

use genk_atlas::model::access::{
    Account, AuditEntry, LockoutPolicy, LoginAttempt, Role, StoredSession, StoredToken,
};
use genk_atlas::model::saved_search::{SavedSearch, SavedSearchChange};
use genk_atlas::model::{
    history, Dataset, Feature, LayerId, ShopCategory, ShopUnit, UnitStatus, Value,
};
use genk_atlas::store::{
    read_dataset, AuditQuery, ChangeCursor, ChangeOp, ChangeTarget, ChangesAfter, EditGuard,
    LoggedChange, Store, StoreError, WriteBatch,
};
use geo::{CoordsIter, Geometry};

use crate::fixtures::{day, genk_centre, rectangle, unit_event, utc};

/// Geometry read back may differ from what was written by this much, in degrees.
pub const GEOMETRY_TOLERANCE_DEGREES: f64 = 1e-9;

/// Expands to one `#[tokio::test]` per contract check. `$fresh` is an async fn
/// whose value derefs to a fresh, empty store (a `Box`, an `Arc<dyn Store>`,
/// or a guard that also owns the temporary file or database).
macro_rules! contract_tests {
    ($fresh:path) => {
        $crate::contract::contract_tests!(@each $fresh,
            an_empty_store_reads_empty,
            every_layer_round_trips,
            counts_match_the_written_features,
            reads_are_ordered_by_id_in_byte_order,
            an_upsert_replaces_the_feature_with_the_same_id,
            the_unit_history_round_trips,
            a_failed_write_leaves_the_store_as_it_was,
            an_invalid_feature_is_refused_naming_layer_index_and_field,
            sql_looking_and_unicode_strings_are_kept_as_data,
            progress_ends_at_the_number_of_rows,
            accounts_tokens_and_the_audit_trail_round_trip,
            a_guarded_write_checks_versions_and_keeps_its_audit_entry,
            saved_searches_round_trip_per_company,
            the_change_log_names_every_committed_change,
            event_ids_come_from_the_store,
            a_whole_layer_write_is_logged_as_one_reload,
            rows_are_read_by_id_and_a_missing_id_is_left_out,
            pruning_past_a_cursor_makes_the_follower_reload,
            login_sessions_open_renew_expire_and_close,
            a_session_takes_the_role_its_account_has_now,
            failed_logins_lock_a_name_and_are_audited,
            removing_an_account_takes_its_tokens_sessions_and_failed_logins
        );
    };
    (@each $fresh:path, $($check:ident),+) => {
        $(
            #[tokio::test]
            async fn $check() {
                let fresh = $fresh().await;
                $crate::contract::$check(&*fresh).await;
            }
        )+
    };
}
pub(crate) use contract_tests;

// ---------------------------------------------------------------------------
// Helpers

/// Write a batch with no progress reporting.
pub async fn write(store: &dyn Store, batch: &WriteBatch) -> Result<(), StoreError> {
    store.write(batch, &|_| {}).await
}

/// A batch with the features of one layer.
pub fn layer_batch(layer: LayerId, features: Vec<Feature>) -> WriteBatch {
    WriteBatch {
        layers: vec![(layer, features)],
        events: vec![],
    }
}

/// Everything a store holds: every layer and the events.
pub async fn snapshot(
    store: &dyn Store,
) -> (
    BTreeMap<LayerId, Vec<Feature>>,
    Vec<genk_atlas::model::UnitEvent>,
) {
    let mut layers = BTreeMap::new();
    for layer in LayerId::ALL {
        let features = store
            .read_layer(*layer)
            .await
            .unwrap_or_else(|error| panic!("reading {layer}: {error}"));
        layers.insert(*layer, features);
    }
    let events = store
        .read_events()
        .await
        .unwrap_or_else(|error| panic!("reading events: {error}"));
    (layers, events)
}

/// The dataset's features of a layer, ordered by id as a store returns them.
pub fn expected_features(dataset: &Dataset, layer: LayerId) -> Vec<Feature> {
    let mut features = dataset.features(layer);
    features.sort_by(|a, b| a.id.cmp(&b.id));
    features
}

/// Same ids in the same order, equal properties, geometry within the tolerance.
pub fn assert_same_features(layer: LayerId, actual: &[Feature], expected: &[Feature]) {
    let actual_ids: Vec<&str> = actual.iter().map(|feature| feature.id.as_str()).collect();
    let expected_ids: Vec<&str> = expected.iter().map(|feature| feature.id.as_str()).collect();
    assert_eq!(actual_ids, expected_ids, "ids of {layer}");
    for (actual, expected) in actual.iter().zip(expected) {
        assert_eq!(
            actual.values, expected.values,
            "properties of {layer} feature '{}'",
            expected.id
        );
        assert_same_geometry(
            &actual.geometry,
            &expected.geometry,
            &format!("{layer} feature '{}'", expected.id),
        );
    }
}

/// Same type, same number of coordinates, each within the tolerance.
pub fn assert_same_geometry(actual: &Geometry<f64>, expected: &Geometry<f64>, what: &str) {
    assert_eq!(
        std::mem::discriminant(actual),
        std::mem::discriminant(expected),
        "geometry type of {what}: {actual:?} instead of {expected:?}"
    );
    let shape = |geometry: &Geometry<f64>| match geometry {
        Geometry::Polygon(polygon) => vec![polygon.interiors().len() + 1],
        Geometry::MultiPolygon(multi) => multi
            .0
            .iter()
            .map(|polygon| polygon.interiors().len() + 1)
            .collect(),
        _ => vec![],
    };
    assert_eq!(shape(actual), shape(expected), "rings of {what}");
    assert_eq!(
        actual.coords_count(),
        expected.coords_count(),
        "coordinate count of {what}"
    );
    for (got, want) in actual.coords_iter().zip(expected.coords_iter()) {
        let off = (got.x - want.x).abs().max((got.y - want.y).abs());
        assert!(
            off <= GEOMETRY_TOLERANCE_DEGREES,
            "geometry of {what}: {got:?} instead of {want:?}"
        );
    }
}

/// The store holds exactly this dataset (and nothing else).
pub async fn assert_store_holds(store: &dyn Store, dataset: &Dataset) {
    let (layers, events) = snapshot(store).await;
    for layer in LayerId::ALL {
        assert_same_features(*layer, &layers[layer], &expected_features(dataset, *layer));
    }
    assert_eq!(events, dataset.unit_events, "unit events");
}

async fn write_genk_centre(store: &dyn Store) -> Dataset {
    let dataset = genk_centre();
    write(store, &WriteBatch::from_dataset(&dataset))
        .await
        .expect("writing fixtures::genk_centre()");
    dataset
}

fn text(value: &str) -> Value {
    Value::Text(value.to_string())
}

// ---------------------------------------------------------------------------
// The contract

/// A new store has every layer, all empty, and no events.
pub async fn an_empty_store_reads_empty(store: &dyn Store) {
    let counts = store.counts().await.expect("counts of an empty store");
    let expected: BTreeMap<LayerId, u64> = LayerId::ALL.iter().map(|layer| (*layer, 0)).collect();
    assert_eq!(counts, expected);
    assert_store_holds(store, &Dataset::default()).await;
}

/// Every layer of `genk_centre()` reads back as written, and as a dataset.
pub async fn every_layer_round_trips(store: &dyn Store) {
    let dataset = write_genk_centre(store).await;
    assert_store_holds(store, &dataset).await;
    let read = read_dataset(store)
        .await
        .expect("reading the whole dataset");
    assert_eq!(read.counts(), dataset.counts());
    assert_eq!(read.unit_events, dataset.unit_events);
}

/// `counts` gives every layer with its number of features.
pub async fn counts_match_the_written_features(store: &dyn Store) {
    let dataset = write_genk_centre(store).await;
    let counts = store.counts().await.expect("counts");
    let expected: BTreeMap<LayerId, u64> = dataset
        .counts()
        .into_iter()
        .map(|(layer, count)| (layer, count as u64))
        .collect();
    assert_eq!(counts, expected);
}

/// Features come back ordered by id in byte order, whatever the write order:
/// upper case before lower case, "10" before "9".
pub async fn reads_are_ordered_by_id_in_byte_order(store: &dyn Store) {
    let template = genk_centre().features(LayerId::AccessPoints).remove(0);
    let ids = ["b-9", "B-10", "a-2", "A-1", "b-10", "_x"];
    let features: Vec<Feature> = ids
        .iter()
        .map(|id| Feature {
            id: id.to_string(),
            ..template.clone()
        })
        .collect();
    write(store, &layer_batch(LayerId::AccessPoints, features))
        .await
        .expect("writing access points");
    let read = store
        .read_layer(LayerId::AccessPoints)
        .await
        .expect("reading access points");
    let read_ids: Vec<&str> = read.iter().map(|feature| feature.id.as_str()).collect();
    assert_eq!(read_ids, vec!["A-1", "B-10", "_x", "a-2", "b-10", "b-9"]);
}

/// A second write with a known id replaces that feature (geometry and every
/// property, also back to null) and adds new ids; the rest is untouched.
pub async fn an_upsert_replaces_the_feature_with_the_same_id(store: &dyn Store) {
    let mut dataset = write_genk_centre(store).await;
    let parcel = &mut dataset.parcels[0];
    parcel.geometry = rectangle(5.5210, 50.9405, 5.5250, 50.9435);
    parcel.area_m2 = 12_000.0;
    parcel.availability = genk_atlas::model::Availability::UnderOption;
    parcel.price_eur_m2 = None;
    parcel.available_from = None;
    let mut added = dataset.parcels[1].clone();
    added.id = "parcel-centrum-8".into();
    added.capakey = "71016A1234/00C003".into();
    let replaced = dataset.parcels[0].clone();
    dataset.parcels.push(added.clone());
    let batch = layer_batch(
        LayerId::Parcels,
        vec![
            genk_atlas::model::LayerRecord::to_feature(&replaced),
            genk_atlas::model::LayerRecord::to_feature(&added),
        ],
    );
    write(store, &batch).await.expect("upserting parcels");
    assert_store_holds(store, &dataset).await;
    assert_eq!(store.counts().await.expect("counts")[&LayerId::Parcels], 3);
}

/// Events read back equal, in event-id order, and the back-dated correction
/// still changes the past when the history is rebuilt from the store.
pub async fn the_unit_history_round_trips(store: &dyn Store) {
    let mut dataset = write_genk_centre(store).await;
    let later = unit_event(
        5,
        "unit-vennestraat-88",
        "2024-03-01",
        "2024-03-02T16:20:05Z",
        UnitStatus::Occupied,
        ShopCategory::Horeca,
    );
    write(
        store,
        &WriteBatch {
            layers: vec![],
            events: vec![later.clone()],
        },
    )
    .await
    .expect("appending an event");
    dataset.unit_events.push(later);
    let events = store.read_events().await.expect("reading events");
    assert_eq!(events, dataset.unit_events);
    let histories = history::histories(&events);
    let vennestraat = &histories["unit-vennestraat-88"];
    let state = vennestraat
        .state_on(day("2022-07-01"))
        .expect("a state in July 2022");
    assert_eq!(
        state.status,
        UnitStatus::Vacant,
        "the correction made the unit vacant from 1 June"
    );
    assert_eq!(
        vennestraat.status_since(day("2023-01-01")),
        Some(day("2022-06-01"))
    );
}

/// A batch whose later part violates a constraint writes nothing: the store
/// reads back exactly as before. Two ways to fail: an event for a unit that
/// does not exist, and an event id that is already taken.
pub async fn a_failed_write_leaves_the_store_as_it_was(store: &dyn Store) {
    let dataset = write_genk_centre(store).await;
    let mut new_unit: ShopUnit = dataset.shop_units[0].clone();
    new_unit.id = "unit-stadsplein-14".into();
    let mut moved_parcel = dataset.parcels[1].clone();
    moved_parcel.geometry = rectangle(5.40, 50.90, 5.41, 50.91);
    let valid_features = || {
        vec![
            (
                LayerId::ShopUnits,
                vec![genk_atlas::model::LayerRecord::to_feature(&new_unit)],
            ),
            (
                LayerId::Parcels,
                vec![genk_atlas::model::LayerRecord::to_feature(&moved_parcel)],
            ),
        ]
    };
    let unknown_unit = unit_event(
        10,
        "unit-does-not-exist",
        "2024-01-01",
        "2024-01-02T10:00:00Z",
        UnitStatus::Vacant,
        ShopCategory::Other,
    );
    let taken_event_id = unit_event(
        3,
        "unit-stadsplein-14",
        "2024-01-01",
        "2024-01-02T10:00:00Z",
        UnitStatus::Vacant,
        ShopCategory::Other,
    );
    let fine_event = unit_event(
        11,
        "unit-stadsplein-14",
        "2024-01-01",
        "2024-01-02T10:00:00Z",
        UnitStatus::Occupied,
        ShopCategory::Daily,
    );
    for bad_event in [unknown_unit, taken_event_id] {
        let batch = WriteBatch {
            layers: valid_features(),
            events: vec![fine_event.clone(), bad_event.clone()],
        };
        let result = write(store, &batch).await;
        assert!(
            result.is_err(),
            "event {} for '{}' should fail the write",
            bad_event.event_id,
            bad_event.unit_id
        );
        assert_store_holds(store, &dataset).await;
    }
}

/// An invalid feature after valid ones is refused before anything is
/// written; the error names the layer, the index in the batch and the field.
pub async fn an_invalid_feature_is_refused_naming_layer_index_and_field(store: &dyn Store) {
    let dataset = write_genk_centre(store).await;
    let mut parcels = dataset.features(LayerId::Parcels);
    parcels[0].values[1] = text("17.780,5 m²"); // area_m2 must be a number
    let batch = WriteBatch {
        layers: vec![
            (
                LayerId::AccessPoints,
                vec![Feature {
                    id: "access-new".into(),
                    ..dataset.features(LayerId::AccessPoints)[0].clone()
                }],
            ),
            (
                LayerId::Parcels,
                vec![
                    dataset.features(LayerId::Parcels)[1].clone(),
                    parcels[0].clone(),
                ],
            ),
        ],
        events: vec![],
    };
    let error = write(store, &batch)
        .await
        .expect_err("a text area must be refused");
    match &error {
        StoreError::Invalid {
            layer, index, id, ..
        } => {
            assert_eq!(
                (layer.as_str(), *index, id.as_str()),
                ("parcels", 1, "parcel-genk-zuid-1")
            );
        }
        other => panic!("expected StoreError::Invalid, got {other:?}"),
    }
    let message = error.to_string();
    for part in ["parcels", "1", "area_m2"] {
        assert!(message.contains(part), "'{message}' should name {part}");
    }
    assert_store_holds(store, &dataset).await;
}

/// SQL-looking text and unicode are stored and read as plain data, in ids,
/// properties and events alike.
pub async fn sql_looking_and_unicode_strings_are_kept_as_data(store: &dyn Store) {
    let mut dataset = write_genk_centre(store).await;
    let injection = "'); DROP TABLE parcels;--";
    let mut unit = dataset.shop_units[0].clone();
    unit.id = injection.into();
    unit.address = "Şehitler Caddesi 5 – İstanbul Market".into();
    unit.street = "Hoevenzavellaan \"Zwartberg\"".into();
    unit.occupant = Some("Çağlar & Zoë Öztürk; ĳzerhandel 'De Ĳzeren Man'".into());
    unit.area_id = Some("\\x00 backslash, tab\t and newline\n".into());
    let mut parcel = dataset.parcels[1].clone();
    parcel.capakey = "71016A1234/00B002'; DELETE FROM shop_units; --".into();
    parcel.park_id = Some("prijs 95 €/m², oppervlakte ≥ 1 ha 🏭".into());
    dataset.shop_units.push(unit.clone());
    dataset.parcels[1] = parcel.clone();
    let mut event = unit_event(
        7,
        injection,
        "2024-05-01",
        "2024-05-01T12:00:00Z",
        UnitStatus::Occupied,
        ShopCategory::Daily,
    );
    event.recorded_by = "Gülşen Doğan".into();
    event.note = Some("Robert'); DROP TABLE shop_unit_events;-- € ² ß".into());
    dataset.unit_events.push(event.clone());
    let batch = WriteBatch {
        layers: vec![
            (
                LayerId::ShopUnits,
                vec![genk_atlas::model::LayerRecord::to_feature(&unit)],
            ),
            (
                LayerId::Parcels,
                vec![genk_atlas::model::LayerRecord::to_feature(&parcel)],
            ),
        ],
        events: vec![event],
    };
    write(store, &batch).await.expect("writing odd strings");
    assert_store_holds(store, &dataset).await;
}

/// Progress is reported while writing, never goes back, and ends at the
/// number of rows in the batch (features and events).
pub async fn progress_ends_at_the_number_of_rows(store: &dyn Store) {
    let dataset = write_genk_centre(store).await;
    let template = dataset.features(LayerId::Residents).remove(0);
    let residents: Vec<Feature> = (0..2500)
        .map(|number| Feature {
            id: format!("res-{number:05}"),
            ..template.clone()
        })
        .collect();
    let events = (100..1300)
        .map(|event_id| {
            unit_event(
                event_id,
                "unit-stadsplein-12",
                "2024-01-01",
                "2024-01-01T00:00:00Z",
                UnitStatus::Occupied,
                ShopCategory::Daily,
            )
        })
        .collect();
    let batch = WriteBatch {
        layers: vec![(LayerId::Residents, residents)],
        events,
    };
    let reported = Mutex::new(Vec::new());
    let record = |rows_done: usize| reported.lock().expect("progress lock").push(rows_done);
    store
        .write(&batch, &record)
        .await
        .expect("writing 3700 rows");
    let reported = reported.into_inner().expect("progress lock");
    assert!(reported.len() >= 3, "progress reported only {reported:?}");
    assert!(
        reported.windows(2).all(|pair| pair[0] <= pair[1]),
        "progress went back: {reported:?}"
    );
    assert_eq!(reported.last(), Some(&batch.len()));
    assert_eq!(
        store.counts().await.expect("counts")[&LayerId::Residents],
        2502
    );
}

// ---------------------------------------------------------------------------
// Accounts, tokens, the audit trail and guarded writes

fn audit(at: &str, actor: &str, action: &str, target_id: &str) -> AuditEntry {
    AuditEntry {
        audit_id: 0,
        at: utc(at),
        actor: actor.into(),
        action: action.into(),
        target: "accounts".into(),
        target_id: target_id.into(),
        before: None,
        after: Some(serde_json::json!({"note": "O'Brien; DROP TABLE audit_log; -- ü"})),
    }
}

fn every_entry() -> AuditQuery {
    AuditQuery {
        target: None,
        target_id: None,
        actor: None,
        limit: 100,
        offset: 0,
    }
}

/// Accounts and tokens read back as written; a reset replaces role and hash;
/// a token for an unknown account is refused with its audit entry; the audit
/// trail reads newest first and filters.
pub async fn accounts_tokens_and_the_audit_trail_round_trip(store: &dyn Store) {
    assert_eq!(store.account("an").await.unwrap(), None);
    let account = Account {
        name: "an".into(),
        role: Role::Retail,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: utc("2026-11-01T09:00:00Z"),
    };
    store
        .put_account(
            &account,
            &audit("2026-11-01T09:00:00Z", "cli:root", "account.add", "an"),
        )
        .await
        .unwrap();
    assert_eq!(store.account("an").await.unwrap().as_ref(), Some(&account));
    let reset = Account {
        role: Role::Planner,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdDI$aGFzaDI".into(),
        ..account.clone()
    };
    store
        .put_account(
            &reset,
            &audit("2026-11-02T09:00:00Z", "cli:root", "account.reset", "an"),
        )
        .await
        .unwrap();
    assert_eq!(store.account("an").await.unwrap(), Some(reset));
    let token = StoredToken {
        token_hash: "ab".repeat(32),
        account: "an".into(),
        created_at: utc("2026-11-03T09:00:00Z"),
        expires_at: utc("2027-02-01T09:00:00Z"),
    };
    store
        .put_token(
            &token,
            &audit("2026-11-03T09:00:00Z", "cli:root", "account.token", "an"),
        )
        .await
        .unwrap();
    assert_eq!(store.token(&token.token_hash).await.unwrap(), Some(token));
    assert_eq!(store.token(&"cd".repeat(32)).await.unwrap(), None);
    let orphan = StoredToken {
        token_hash: "ef".repeat(32),
        account: "nobody".into(),
        created_at: utc("2026-11-04T09:00:00Z"),
        expires_at: utc("2027-02-01T09:00:00Z"),
    };
    assert!(store
        .put_token(
            &orphan,
            &audit(
                "2026-11-04T09:00:00Z",
                "cli:root",
                "account.token",
                "nobody"
            )
        )
        .await
        .is_err());
    assert_eq!(store.token(&orphan.token_hash).await.unwrap(), None);
    let entries = store.read_audit(&every_entry()).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(
        actions,
        ["account.token", "account.reset", "account.add"],
        "newest first, the refused one absent"
    );
    assert_eq!(entries[2].at, utc("2026-11-01T09:00:00Z"));
    assert_eq!(
        entries[2].after,
        Some(serde_json::json!({"note": "O'Brien; DROP TABLE audit_log; -- ü"}))
    );
    assert!(entries[0].audit_id > entries[1].audit_id);
    let page = store
        .read_audit(&AuditQuery {
            limit: 1,
            offset: 1,
            ..every_entry()
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].action, "account.reset");
    let by_nobody = store
        .read_audit(&AuditQuery {
            actor: Some("someone else".into()),
            ..every_entry()
        })
        .await
        .unwrap();
    assert!(by_nobody.is_empty());
}

/// A guarded write on the current version goes in with its audit entry; one
/// on a stale version is a conflict that writes nothing, audit included.
pub async fn a_guarded_write_checks_versions_and_keeps_its_audit_entry(store: &dyn Store) {
    let dataset = write_genk_centre(store).await;
    let unit = "unit-vennestraat-88";
    let version = dataset
        .unit_events
        .iter()
        .filter(|event| event.unit_id == unit)
        .count() as u64;
    let next_id = dataset
        .unit_events
        .iter()
        .map(|event| event.event_id)
        .max()
        .unwrap()
        + 1;
    let event = |event_id| {
        unit_event(
            event_id,
            unit,
            "2026-03-01",
            "2026-03-02T10:00:00Z",
            UnitStatus::Occupied,
            ShopCategory::Horeca,
        )
    };
    let guarded = |version: u64, action: &str| EditGuard {
        expect_versions: vec![(unit.to_string(), version)],
        audit: vec![AuditEntry {
            target: "shop_units".into(),
            ..audit("2026-03-02T10:00:00Z", "an", action, unit)
        }],
    };
    let batch = |event_id| WriteBatch {
        layers: vec![],
        events: vec![event(event_id)],
    };
    store
        .write_guarded(
            &batch(next_id),
            &guarded(version, "shop_unit.event"),
            &|_| {},
        )
        .await
        .expect("an edit on the current version");
    let stale = store
        .write_guarded(
            &batch(next_id + 1),
            &guarded(version, "shop_unit.stale"),
            &|_| {},
        )
        .await;
    match stale {
        Err(StoreError::Conflict {
            unit_id,
            expected,
            current,
        }) => {
            assert_eq!(
                (unit_id.as_str(), expected, current),
                (unit, version, version + 1)
            );
        }
        other => panic!("a stale version must conflict, got {other:?}"),
    }
    let events = store.read_events().await.unwrap();
    assert_eq!(events.len(), dataset.unit_events.len() + 1);
    let actions: Vec<String> = store
        .read_audit(&every_entry())
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect();
    assert_eq!(actions, ["shop_unit.event"]);
}

/// Saved searches read back per company, oldest first, each with its id in
/// its audit entry.
pub async fn saved_searches_round_trip_per_company(store: &dyn Store) {
    let search = |company: &str, name: &str| SavedSearch {
        search_id: 0,
        company_id: company.into(),
        name: name.into(),
        request: serde_json::json!({"activity": "logistics", "min_area_m2": 5000, "requires": ["quay"]}),
        saved_by: "business".into(),
        saved_at: utc("2026-11-05T10:00:00Z"),
    };
    let save_audit = AuditEntry {
        target: "saved_searches".into(),
        ..audit("2026-11-05T10:00:00Z", "business", "sites.save_search", "")
    };
    let first = store
        .put_saved_search(&search("company-a", "Kade 1 ha"), &save_audit)
        .await
        .unwrap();
    let second = store
        .put_saved_search(
            &search("company-b", "Opslag; DROP TABLE saved_searches; --"),
            &save_audit,
        )
        .await
        .unwrap();
    let third = store
        .put_saved_search(&search("company-a", "Kade 2 ha"), &save_audit)
        .await
        .unwrap();
    assert!(first < second && second < third);
    let of_a = store.saved_searches(Some("company-a")).await.unwrap();
    assert_eq!(
        of_a,
        vec![
            SavedSearch {
                search_id: first,
                ..search("company-a", "Kade 1 ha")
            },
            SavedSearch {
                search_id: third,
                ..search("company-a", "Kade 2 ha")
            },
        ]
    );
    assert_eq!(store.saved_searches(None).await.unwrap().len(), 3);
    assert_eq!(
        store.saved_searches(Some("company-b")).await.unwrap()[0].name,
        "Opslag; DROP TABLE saved_searches; --"
    );
    let audited = store.read_audit(&every_entry()).await.unwrap();
    assert_eq!(audited[0].target_id, third.to_string());

    // Renamed and deleted, each with the search as it was in the trail.
    let change_audit = |action: &str| AuditEntry {
        target: "saved_searches".into(),
        ..audit("2026-11-06T10:00:00Z", "business", action, "")
    };
    let renamed = store
        .change_saved_search(
            first,
            &SavedSearchChange::Rename("Kade 1,5 ha".into()),
            &change_audit("sites.rename_search"),
        )
        .await
        .unwrap();
    assert_eq!(
        renamed.map(|search| search.name),
        Some("Kade 1 ha".to_string())
    );
    let deleted = store
        .change_saved_search(
            second,
            &SavedSearchChange::Delete,
            &change_audit("sites.delete_search"),
        )
        .await
        .unwrap();
    assert_eq!(
        deleted.map(|search| search.company_id),
        Some("company-b".to_string())
    );
    let left = store.saved_searches(None).await.unwrap();
    assert_eq!(
        left.iter()
            .map(|search| (search.search_id, search.name.as_str()))
            .collect::<Vec<_>>(),
        vec![(first, "Kade 1,5 ha"), (third, "Kade 2 ha")]
    );
    let before_missing = store.read_audit(&every_entry()).await.unwrap().len();
    for change in [
        SavedSearchChange::Delete,
        SavedSearchChange::Rename("x".into()),
    ] {
        assert_eq!(
            store
                .change_saved_search(second, &change, &change_audit("sites.delete_search"))
                .await
                .unwrap(),
            None
        );
    }
    let trail = store.read_audit(&every_entry()).await.unwrap();
    assert_eq!(
        trail.len(),
        before_missing,
        "nothing is audited for a search that is not there"
    );
    let (delete, rename) = (&trail[0], &trail[1]);
    assert_eq!(
        (delete.action.as_str(), delete.target_id.as_str()),
        ("sites.delete_search", second.to_string().as_str())
    );
    assert_eq!(
        delete.before.as_ref().unwrap()["name"],
        "Opslag; DROP TABLE saved_searches; --"
    );
    assert_eq!(delete.after, None);
    assert_eq!(
        (rename.action.as_str(), rename.target_id.as_str()),
        ("sites.rename_search", first.to_string().as_str())
    );
    assert_eq!(rename.before.as_ref().unwrap()["name"], "Kade 1 ha");
    assert_eq!(rename.after.as_ref().unwrap()["name"], "Kade 1,5 ha");
    assert_eq!(
        rename.after.as_ref().unwrap()["request"],
        rename.before.as_ref().unwrap()["request"]
    );
}

// ---------------------------------------------------------------------------
// Login sessions and failed logins

/// An account `name` with `role`, written with its audit entry.
async fn put_test_account(store: &dyn Store, name: &str, role: Role) {
    let account = Account {
        name: name.into(),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: utc("2026-11-01T09:00:00Z"),
    };
    store
        .put_account(
            &account,
            &audit("2026-11-01T09:00:00Z", "cli:root", "account.add", name),
        )
        .await
        .unwrap();
}

fn test_session(hash_letter: &str, account: &str, at: &str) -> StoredSession {
    StoredSession {
        session_hash: hash_letter.repeat(64),
        account: account.into(),
        created_at: utc(at),
        last_used_at: utc(at),
        expires_at: utc(at) + chrono::Duration::hours(8),
    }
}

/// A session reads back as opened with its account's role; a touch moves
/// its last use and expiry; an expired one is still found (the caller
/// refuses it) until pruned, and pruning spares live ones; closing one or
/// all of an account's ends them; a session of an unknown account is refused.
pub async fn login_sessions_open_renew_expire_and_close(store: &dyn Store) {
    put_test_account(store, "an", Role::Retail).await;
    put_test_account(store, "bo", Role::Planner).await;
    let first = test_session("a", "an", "2026-11-01T09:00:00Z");
    store.open_session(&first).await.unwrap();
    let found = store.session(&first.session_hash).await.unwrap().unwrap();
    assert_eq!((&found.session, found.role), (&first, Role::Retail));
    assert_eq!(store.session(&"f".repeat(64)).await.unwrap(), None);

    let (used, expires) = (utc("2026-11-01T10:00:00Z"), utc("2026-11-01T18:00:00Z"));
    assert!(store
        .touch_session(&first.session_hash, used, expires)
        .await
        .unwrap());
    let touched = store.session(&first.session_hash).await.unwrap().unwrap();
    assert_eq!(
        (touched.session.last_used_at, touched.session.expires_at),
        (used, expires)
    );
    assert_eq!(touched.session.created_at, first.created_at);
    assert!(!store
        .touch_session(&"f".repeat(64), used, expires)
        .await
        .unwrap());

    let second = test_session("b", "an", "2026-11-01T12:00:00Z");
    let other = test_session("c", "bo", "2026-11-01T12:00:00Z");
    store.open_session(&second).await.unwrap();
    store.open_session(&other).await.unwrap();
    // at 19:00 the first (expiring 18:00) is expired but still there
    let evening = utc("2026-11-01T19:00:00Z");
    assert!(store.session(&first.session_hash).await.unwrap().is_some());
    assert_eq!(store.prune_sessions(evening).await.unwrap(), 1);
    assert_eq!(store.session(&first.session_hash).await.unwrap(), None);
    assert!(store.session(&second.session_hash).await.unwrap().is_some());

    store.close_session(&other.session_hash).await.unwrap();
    store.close_session(&other.session_hash).await.unwrap();
    assert_eq!(store.session(&other.session_hash).await.unwrap(), None);

    let third = test_session("d", "an", "2026-11-01T13:00:00Z");
    store.open_session(&third).await.unwrap();
    let kept = test_session("e", "bo", "2026-11-01T13:00:00Z");
    store.open_session(&kept).await.unwrap();
    assert_eq!(store.close_sessions_of("an").await.unwrap(), 2);
    assert_eq!(store.session(&second.session_hash).await.unwrap(), None);
    assert_eq!(store.session(&third.session_hash).await.unwrap(), None);
    assert!(store.session(&kept.session_hash).await.unwrap().is_some());
    assert_eq!(store.close_sessions_of("an").await.unwrap(), 0);

    let orphan = test_session("9", "nobody", "2026-11-01T13:00:00Z");
    assert!(store.open_session(&orphan).await.is_err());
    assert_eq!(store.session(&orphan.session_hash).await.unwrap(), None);
}

/// The role of a session is read from its account at each lookup.
pub async fn a_session_takes_the_role_its_account_has_now(store: &dyn Store) {
    put_test_account(store, "an", Role::Retail).await;
    let session = test_session("a", "an", "2026-11-01T09:00:00Z");
    store.open_session(&session).await.unwrap();
    put_test_account(store, "an", Role::Admin).await;
    let found = store.session(&session.session_hash).await.unwrap().unwrap();
    assert_eq!(found.role, Role::Admin);
}

fn attempt(name: &str, at: chrono::DateTime<chrono::Utc>) -> LoginAttempt {
    LoginAttempt {
        name: name.into(),
        client: "192.0.2.7".into(),
        at,
    }
}

/// Each wrong password is counted by the policy and audited (name and
/// address); the last of `max_failures` locks the name; a name nobody has
/// is counted alike; clearing forgets; a record a day old is pruned.
pub async fn failed_logins_lock_a_name_and_are_audited(store: &dyn Store) {
    let policy = LockoutPolicy::default();
    let start = utc("2026-11-01T09:00:00Z");
    assert_eq!(store.failed_logins("an").await.unwrap(), None);
    let mut expected = None;
    for second in 0..5 {
        let at = start + chrono::Duration::seconds(second);
        let after = store
            .record_failed_login(&attempt("an", at), &policy)
            .await
            .unwrap();
        let rule = policy.after_failure("an", expected.take(), at);
        assert_eq!(after, rule, "failure {second}");
        expected = Some(rule);
    }
    let locked = store.failed_logins("an").await.unwrap().unwrap();
    assert_eq!(Some(&locked), expected.as_ref());
    assert_eq!(
        locked.locked_at(start + chrono::Duration::seconds(5)),
        Some(start + chrono::Duration::seconds(4) + policy.first_lock)
    );
    let entries = store.read_audit(&every_entry()).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "login.locked",
            "login.failed",
            "login.failed",
            "login.failed",
            "login.failed"
        ]
    );
    assert!(entries.iter().all(|entry| entry.target_id == "an"
        && entry.actor == "client:192.0.2.7"
        && entry.after.as_ref().unwrap()["client"] == "192.0.2.7"));

    let unknown = store
        .record_failed_login(&attempt("no such name", start), &policy)
        .await
        .unwrap();
    assert_eq!(unknown.failures, 1);
    store.clear_failed_logins("no such name").await.unwrap();
    assert_eq!(store.failed_logins("no such name").await.unwrap(), None);

    // a day after the lock ended, a failure of another name prunes this one
    let next_day = start + chrono::Duration::hours(25);
    store
        .record_failed_login(&attempt("bo", next_day), &policy)
        .await
        .unwrap();
    assert_eq!(store.failed_logins("an").await.unwrap(), None);
    assert!(store.failed_logins("bo").await.unwrap().is_some());
}

/// Removing an account removes its tokens, sessions and failed logins with
/// its audit entry, and leaves other accounts alone; an unknown name writes
/// nothing.
pub async fn removing_an_account_takes_its_tokens_sessions_and_failed_logins(store: &dyn Store) {
    put_test_account(store, "an", Role::Retail).await;
    put_test_account(store, "bo", Role::Planner).await;
    for name in ["an", "bo"] {
        let token = StoredToken {
            token_hash: format!("{name}{}", "0".repeat(62)),
            account: name.into(),
            created_at: utc("2026-11-03T09:00:00Z"),
            expires_at: utc("2027-02-01T09:00:00Z"),
        };
        store
            .put_token(
                &token,
                &audit("2026-11-03T09:00:00Z", "cli:root", "account.token", name),
            )
            .await
            .unwrap();
    }
    let an_session = test_session("a", "an", "2026-11-04T09:00:00Z");
    let bo_session = test_session("b", "bo", "2026-11-04T09:00:00Z");
    store.open_session(&an_session).await.unwrap();
    store.open_session(&bo_session).await.unwrap();
    store
        .record_failed_login(
            &attempt("an", utc("2026-11-04T10:00:00Z")),
            &LockoutPolicy::default(),
        )
        .await
        .unwrap();
    let removal = audit("2026-11-05T09:00:00Z", "cli:root", "account.remove", "an");
    assert!(store.remove_account("an", &removal).await.unwrap());
    assert_eq!(store.account("an").await.unwrap(), None);
    assert_eq!(
        store.token(&format!("an{}", "0".repeat(62))).await.unwrap(),
        None
    );
    assert_eq!(store.session(&an_session.session_hash).await.unwrap(), None);
    assert_eq!(store.failed_logins("an").await.unwrap(), None);
    assert!(store.account("bo").await.unwrap().is_some());
    assert!(store
        .token(&format!("bo{}", "0".repeat(62)))
        .await
        .unwrap()
        .is_some());
    assert!(store
        .session(&bo_session.session_hash)
        .await
        .unwrap()
        .is_some());
    let newest = &store.read_audit(&every_entry()).await.unwrap()[0];
    assert_eq!(
        (newest.action.as_str(), newest.target_id.as_str()),
        ("account.remove", "an")
    );
    let before = store.read_audit(&every_entry()).await.unwrap().len();
    assert!(!store.remove_account("an", &removal).await.unwrap());
    assert_eq!(
        store.read_audit(&every_entry()).await.unwrap().len(),
        before
    );
}

// ---------------------------------------------------------------------------
// The GeoPackage store

pub mod geopackage {
    //! The contract on GeoPackage files in temporary folders, and what only a
    //! file can promise: GDAL reads it, the same writes give the same bytes,
    //! and a file that is not an atlas GeoPackage is refused clearly.

    use std::path::{Path, PathBuf};
    use std::process::Command;

    use genk_atlas::model::LayerId;
    use genk_atlas::store::geopackage::GeoPackageStore;
    use genk_atlas::store::{AccessStore, LayerStore, StoreError, WriteBatch};

    use super::{assert_store_holds, write};
    use crate::fixtures::genk_centre;

    /// A GeoPackage store in its own temporary folder, removed on drop.
    pub struct TempGeoPackage {
        pub store: GeoPackageStore,
        pub folder: tempfile::TempDir,
    }

    impl std::ops::Deref for TempGeoPackage {
        type Target = GeoPackageStore;
        fn deref(&self) -> &GeoPackageStore {
            &self.store
        }
    }

    impl TempGeoPackage {
        pub fn path(&self) -> PathBuf {
            self.folder.path().join("atlas.gpkg")
        }
    }

    /// A fresh, empty atlas GeoPackage.
    pub async fn fresh() -> TempGeoPackage {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let store = GeoPackageStore::create(&folder.path().join("atlas.gpkg"))
            .expect("creating a geopackage");
        TempGeoPackage { store, folder }
    }

    super::contract_tests!(fresh);

    fn unavailable_message(result: Result<GeoPackageStore, StoreError>) -> String {
        match result {
            Err(StoreError::Unavailable(message)) => message,
            Err(other) => panic!("expected StoreError::Unavailable, got {other:?}"),
            Ok(_) => panic!("expected an error, the file opened"),
        }
    }

    fn run_ogrinfo(arguments: &[&str], path: &Path) -> String {
        let output = Command::new("ogrinfo")
            .args(arguments)
            .arg(path)
            .output()
            .expect("ogrinfo from gdal-bin is a test dependency (scripts/test installs it)");
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert!(output.status.success(), "ogrinfo failed: {stderr}");
        assert!(stderr.trim().is_empty(), "ogrinfo warned: {stderr}");
        String::from_utf8_lossy(&output.stdout).to_string()
    }

    #[tokio::test]
    async fn gdal_lists_every_layer_with_its_count_and_epsg_4326() {
        let fresh = fresh().await;
        let dataset = genk_centre();
        write(&*fresh, &WriteBatch::from_dataset(&dataset))
            .await
            .expect("writing");
        let summary = run_ogrinfo(&["-so", "-al"], &fresh.path());
        for (layer, count) in dataset.counts() {
            let block = summary
                .split("Layer name: ")
                .find(|block| block.starts_with(&format!("{layer}\n")))
                .unwrap_or_else(|| panic!("ogrinfo does not list {layer}:\n{summary}"));
            assert!(
                block.contains(&format!("Feature Count: {count}\n")),
                "count of {layer}:\n{block}"
            );
            assert!(
                block.contains("ID[\"EPSG\",4326]"),
                "srs of {layer}:\n{block}"
            );
        }
        assert!(summary.contains("Layer name: shop_unit_events\n"));
        assert!(summary.contains(&format!("Feature Count: {}\n", dataset.unit_events.len())));
        let listing = run_ogrinfo(&[], &fresh.path());
        assert!(listing.contains("parcels (Polygon)"), "{listing}");
        assert!(
            listing.contains("neighbourhoods (Multi Polygon)"),
            "{listing}"
        );
        let features = run_ogrinfo(&["-al"], &fresh.path());
        assert!(
            features.contains("correctie: sluiting al op 1 juni 2022"),
            "{features}"
        );
    }

    /// GDAL's own GeoPackage validator (from python3-gdal, which gdal-bin
    /// pulls in), with its extra checks and warnings as errors.
    #[tokio::test]
    async fn gdal_validate_gpkg_finds_nothing_to_report() {
        const VALIDATOR: &str =
            "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py";
        assert!(
            Path::new(VALIDATOR).is_file(),
            "{VALIDATOR} is missing: install gdal-bin (it brings python3-gdal; scripts/test installs it)"
        );
        let fresh = fresh().await;
        write(&*fresh, &WriteBatch::from_dataset(&genk_centre()))
            .await
            .expect("writing");
        let output = Command::new("/usr/bin/python3")
            .args([VALIDATOR, "--extra", "--warning-as-error"])
            .arg(fresh.path())
            .output()
            .expect("running validate_gpkg.py");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.status.success() && report.trim().is_empty(),
            "validate_gpkg.py: {report}"
        );
    }

    #[tokio::test]
    async fn the_same_writes_give_a_byte_identical_file() {
        let mut files = Vec::new();
        for _ in 0..2 {
            let fresh = fresh().await;
            let dataset = genk_centre();
            write(&*fresh, &WriteBatch::from_dataset(&dataset))
                .await
                .expect("writing");
            let batch = WriteBatch {
                layers: vec![],
                events: vec![],
            };
            write(&*fresh, &batch).await.expect("an empty write");
            let bytes = std::fs::read(fresh.path()).expect("reading the file");
            files.push(bytes);
        }
        assert!(
            files[0] == files[1],
            "two files written the same way differ"
        );
    }

    #[tokio::test]
    async fn a_failed_write_leaves_the_file_byte_identical() {
        let fresh = fresh().await;
        let dataset = genk_centre();
        write(&*fresh, &WriteBatch::from_dataset(&dataset))
            .await
            .expect("writing");
        let before = std::fs::read(fresh.path()).expect("reading the file");
        let mut batch = WriteBatch::from_dataset(&dataset);
        batch.events = vec![crate::fixtures::unit_event(
            99,
            "no-such-unit",
            "2024-01-01",
            "2024-01-01T00:00:00Z",
            genk_atlas::model::UnitStatus::Vacant,
            genk_atlas::model::ShopCategory::Other,
        )];
        let error = write(&*fresh, &batch)
            .await
            .expect_err("an event of an unknown unit");
        let message = error.to_string();
        assert!(
            message.contains("event 99") && message.contains("FOREIGN KEY"),
            "{message}"
        );
        assert_eq!(
            std::fs::read(fresh.path()).expect("reading the file"),
            before
        );
    }

    /// A file made before the change log existed gets the log and its
    /// triggers when it is opened, and then logs what `sqlite3` writes.
    #[tokio::test]
    async fn an_older_geopackage_gets_the_change_log_when_opened() {
        let fresh = fresh().await;
        super::write_genk_centre(&*fresh).await;
        let path = fresh.path();
        let connection = rusqlite::Connection::open(&path).unwrap();
        let triggers: Vec<String> = connection
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'atlas_log_%'",
            )
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            triggers.len(),
            3 * (LayerId::ALL.len() + 1),
            "three per layer and for the history"
        );
        let mut drop_all: String = triggers
            .iter()
            .map(|name| format!("DROP TRIGGER \"{name}\";"))
            .collect();
        drop_all.push_str("DROP TABLE atlas_changes; DROP TABLE atlas_change_log_state;");
        connection.execute_batch(&drop_all).unwrap();
        drop(connection);
        let reopened = GeoPackageStore::open(&path).expect("an older file opens");
        let cursor = reopened.change_cursor().await.unwrap();
        let sqlite = std::process::Command::new("sqlite3")
            .arg(&path)
            .arg("UPDATE residents SET population = population + 1;")
            .output()
            .unwrap();
        assert!(sqlite.status.success());
        let (changes, _) = super::read_changes(&reopened, &cursor).await;
        assert_eq!(changes.len(), 2, "both residents: {changes:?}");
        assert!(changes
            .iter()
            .all(|change| change.op == genk_atlas::store::ChangeOp::Update));
    }

    /// A file made before the places and the waterways gets their empty
    /// tables (listed for GDAL, with the change-log triggers) when it is
    /// opened, and then holds them like every layer.
    #[tokio::test]
    async fn a_file_made_before_places_and_waterways_gets_their_tables_when_opened() {
        let fresh = fresh().await;
        let path = fresh.path();
        drop(fresh.store);
        let connection = rusqlite::Connection::open(&path).unwrap();
        let mut older = String::new();
        for table in ["places", "waterways"] {
            for op in ["insert", "update", "delete"] {
                older.push_str(&format!("DROP TRIGGER \"atlas_log_{table}_{op}\";"));
            }
            older.push_str(&format!(
                "DROP TABLE {table}; DELETE FROM gpkg_geometry_columns WHERE table_name = '{table}';
                 DELETE FROM gpkg_contents WHERE table_name = '{table}';"
            ));
        }
        connection
            .execute_batch(&older)
            .expect("making an older file");
        drop(connection);
        let reopened = GeoPackageStore::open(&path).expect("the older file opens");
        let cursor = reopened.change_cursor().await.unwrap();
        let dataset = genk_centre();
        write(&reopened, &WriteBatch::from_dataset(&dataset))
            .await
            .expect("writing every layer");
        assert_store_holds(&reopened, &dataset).await;
        let (changes, _) = super::read_changes(&reopened, &cursor).await;
        for layer in [LayerId::Places, LayerId::Waterways] {
            assert!(
                changes
                    .iter()
                    .any(|change| change.target == genk_atlas::store::ChangeTarget::Layer(layer)),
                "no change logged for {layer}"
            );
        }
        let listing = run_ogrinfo(&[], &path);
        assert!(listing.contains("places (Point)"), "{listing}");
        assert!(listing.contains("waterways (Line String)"), "{listing}");
    }

    #[tokio::test]
    async fn a_reopened_file_reads_back_what_was_written() {
        let fresh = fresh().await;
        let dataset = genk_centre();
        write(&*fresh, &WriteBatch::from_dataset(&dataset))
            .await
            .expect("writing");
        let reopened = GeoPackageStore::open(&fresh.path()).expect("reopening");
        assert_store_holds(&reopened, &dataset).await;
    }

    #[tokio::test]
    async fn last_change_is_the_newest_recorded_event() {
        let fresh = fresh().await;
        let connection = rusqlite::Connection::open(fresh.path()).expect("opening with rusqlite");
        let last_changes = |connection: &rusqlite::Connection| -> Vec<String> {
            let mut statement = connection
                .prepare("SELECT DISTINCT last_change FROM gpkg_contents")
                .unwrap();
            statement
                .query_map([], |row| row.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(
            last_changes(&connection),
            vec!["2000-01-01T00:00:00.000Z".to_string()]
        );
        write(&*fresh, &WriteBatch::from_dataset(&genk_centre()))
            .await
            .expect("writing");
        assert_eq!(
            last_changes(&connection),
            vec!["2023-02-01T08:45:00.000Z".to_string()]
        );
    }

    #[test]
    fn creating_over_an_existing_file_is_refused() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let path = folder.path().join("kept.gpkg");
        std::fs::write(&path, b"precious").expect("writing a file");
        let message = unavailable_message(GeoPackageStore::create(&path));
        assert!(
            message.contains("kept.gpkg") && message.contains("already exists"),
            "{message}"
        );
        assert_eq!(std::fs::read(&path).expect("reading"), b"precious");
    }

    #[test]
    fn opening_what_is_not_an_atlas_geopackage_says_which_path_and_why() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let missing = folder.path().join("missing.gpkg");
        let message = unavailable_message(GeoPackageStore::open(&missing));
        assert!(
            message.contains("missing.gpkg") && message.contains("no such file"),
            "{message}"
        );

        let text_file = folder.path().join("notes.gpkg");
        std::fs::write(&text_file, "dit is geen database\n".repeat(100)).expect("writing");
        let message = unavailable_message(GeoPackageStore::open(&text_file));
        assert!(
            message.contains("notes.gpkg") && message.contains("not a sqlite database"),
            "{message}"
        );

        let plain_sqlite = folder.path().join("plain.sqlite");
        let connection = rusqlite::Connection::open(&plain_sqlite).expect("creating sqlite");
        connection
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .expect("a table");
        drop(connection);
        let message = unavailable_message(GeoPackageStore::open(&plain_sqlite));
        assert!(
            message.contains("plain.sqlite") && message.contains("not a geopackage"),
            "{message}"
        );

        let partial = folder.path().join("partial.gpkg");
        drop(GeoPackageStore::create(&partial).expect("creating"));
        let connection = rusqlite::Connection::open(&partial).expect("opening");
        connection
            .execute_batch("DROP TABLE streets")
            .expect("dropping a layer");
        drop(connection);
        let message = unavailable_message(GeoPackageStore::open(&partial));
        assert!(
            message.contains("partial.gpkg") && message.contains("streets"),
            "{message}"
        );
        assert!(!message.contains('\n'), "one line: {message}");
    }

    #[tokio::test]
    async fn a_file_made_before_login_sessions_gets_their_tables_when_opened() {
        let fresh = fresh().await;
        let path = fresh.path();
        drop(fresh.store);
        let connection = rusqlite::Connection::open(&path).expect("opening with rusqlite");
        connection
            .execute_batch(
                "DROP TABLE atlas_sessions; DROP TABLE atlas_failed_logins;
                 INSERT INTO atlas_accounts VALUES ('an', 'retail', 'x', '2026-11-01T09:00:00.000Z');",
            )
            .expect("making an older file");
        drop(connection);
        let store = GeoPackageStore::open(&path).expect("opening the older file");
        let session = genk_atlas::model::access::StoredSession {
            session_hash: "a".repeat(64),
            account: "an".into(),
            created_at: crate::fixtures::utc("2026-11-01T09:00:00Z"),
            last_used_at: crate::fixtures::utc("2026-11-01T09:00:00Z"),
            expires_at: crate::fixtures::utc("2026-11-01T17:00:00Z"),
        };
        store.open_session(&session).await.expect("a session");
        let found = store.session(&session.session_hash).await.unwrap();
        assert_eq!(found.map(|found| found.session), Some(session));
        assert_eq!(store.failed_logins("an").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_bad_geometry_blob_is_corrupt_naming_table_and_row() {
        let fresh = fresh().await;
        write(&*fresh, &WriteBatch::from_dataset(&genk_centre()))
            .await
            .expect("writing");
        let connection = rusqlite::Connection::open(fresh.path()).expect("opening with rusqlite");
        connection
            .execute(
                "UPDATE streets SET geom = X'47500003E6100000' WHERE id = 'street-e314'",
                [],
            )
            .expect("breaking a blob");
        match fresh.read_layer(LayerId::Streets).await {
            Err(StoreError::Corrupt { context, reason }) => {
                assert!(
                    context.contains("streets") && context.contains("street-e314"),
                    "{context}"
                );
                assert!(reason.contains("envelope"), "{reason}");
            }
            other => panic!("expected StoreError::Corrupt, got {other:?}"),
        }
    }

    /// The parcels of ten cities in one write all arrive (the speed is in
    /// `scripts/bench`, not asserted here).
    #[tokio::test]
    #[cfg_attr(
        debug_assertions,
        ignore = "slow in a debug build; scripts/test runs it in release"
    )]
    async fn writing_300000_parcels_counts_them_all() {
        let fresh = fresh().await;
        let template = genk_atlas::model::LayerRecord::to_feature(&genk_centre().parcels[1]);
        let parcels: Vec<_> = (0..300_000)
            .map(|number| {
                let column = (number % 600) as f64;
                let row = (number / 600) as f64;
                let geometry = super::rectangle(
                    5.40 + column * 3e-4,
                    50.90 + row * 2e-4,
                    5.40 + column * 3e-4 + 2.5e-4,
                    50.90 + row * 2e-4 + 1.5e-4,
                );
                genk_atlas::model::Feature {
                    id: format!("parcel-{number:06}"),
                    geometry: geometry.into(),
                    ..template.clone()
                }
            })
            .collect();
        write(&*fresh, &super::layer_batch(LayerId::Parcels, parcels))
            .await
            .expect("writing 300,000 parcels");
        assert_eq!(
            fresh.counts().await.expect("counts")[&LayerId::Parcels],
            300_000
        );
    }
}

// ---------------------------------------------------------------------------
// The change feed

/// The changes after `cursor` and the cursor after them; panics on a store
/// that says the follower fell behind.
pub async fn read_changes(
    store: &dyn Store,
    cursor: &ChangeCursor,
) -> (Vec<LoggedChange>, ChangeCursor) {
    match store
        .changes_after(cursor)
        .await
        .expect("reading the change log")
    {
        ChangesAfter::Changes { changes, cursor } => (changes, cursor),
        ChangesAfter::FellBehind => panic!("the follower fell behind without a prune"),
    }
}

/// The (target, feature id, op) of each change, in log order.
pub fn change_triples(changes: &[LoggedChange]) -> Vec<(ChangeTarget, Option<String>, ChangeOp)> {
    changes
        .iter()
        .map(|change| (change.target, change.feature_id.clone(), change.op))
        .collect()
}

fn moved_resident(dataset: &Dataset, lon: f64) -> Feature {
    let mut resident = dataset.residents[0].clone();
    resident.geometry = geo::point!(x: lon, y: 50.9652);
    genk_atlas::model::LayerRecord::to_feature(&resident)
}

/// A write after the cursor is in the log: an update, an insert and the
/// event it appends, in that order; read again from the new cursor, the log
/// has nothing more.
pub async fn the_change_log_names_every_committed_change(store: &dyn Store) {
    let dataset = write_genk_centre(store).await;
    let cursor = store.change_cursor().await.expect("the log position");
    let (nothing, cursor) = read_changes(store, &cursor).await;
    assert_eq!(nothing, vec![], "nothing after the position just taken");
    let mut new_unit = dataset.shop_units[0].clone();
    new_unit.id = "unit-new-'; DROP TABLE atlas_changes; --".into();
    let mut event = unit_event(
        0,
        &new_unit.id,
        "2025-01-01",
        "2025-01-02T09:00:00Z",
        UnitStatus::Vacant,
        ShopCategory::Daily,
    );
    event.event_id = 0;
    write(
        store,
        &WriteBatch {
            layers: vec![
                (LayerId::Residents, vec![moved_resident(&dataset, 5.501)]),
                (
                    LayerId::ShopUnits,
                    vec![genk_atlas::model::LayerRecord::to_feature(&new_unit)],
                ),
            ],
            events: vec![event],
        },
    )
    .await
    .expect("an upsert and an event");
    let (changes, cursor) = read_changes(store, &cursor).await;
    let events = store.read_events().await.unwrap();
    let new_event_id = events.iter().map(|event| event.event_id).max().unwrap();
    assert_eq!(
        change_triples(&changes),
        vec![
            (
                ChangeTarget::Layer(LayerId::Residents),
                Some(dataset.residents[0].id.clone()),
                ChangeOp::Update
            ),
            (
                ChangeTarget::Layer(LayerId::ShopUnits),
                Some(new_unit.id.clone()),
                ChangeOp::Insert
            ),
            (
                ChangeTarget::Events,
                Some(new_event_id.to_string()),
                ChangeOp::Insert
            ),
        ]
    );
    assert!(
        changes
            .windows(2)
            .all(|pair| pair[0].change_id < pair[1].change_id),
        "change ids grow: {changes:?}"
    );
    let (again, _) = read_changes(store, &cursor).await;
    assert_eq!(again, vec![], "each change is read once");
}

/// Events written with id 0 get the next ids of the store, after the
/// largest stored one, one each, in the order written.
pub async fn event_ids_come_from_the_store(store: &dyn Store) {
    let dataset = write_genk_centre(store).await;
    let largest = dataset
        .unit_events
        .iter()
        .map(|event| event.event_id)
        .max()
        .unwrap();
    let unit = &dataset.shop_units[0].id;
    let new_event = |valid_from: &str| {
        let mut event = unit_event(
            0,
            unit,
            valid_from,
            "2025-02-01T10:00:00Z",
            UnitStatus::Occupied,
            ShopCategory::Daily,
        );
        event.event_id = 0;
        event
    };
    for round in 0..2 {
        write(
            store,
            &WriteBatch {
                layers: vec![],
                events: vec![new_event("2025-01-01"), new_event("2025-01-02")],
            },
        )
        .await
        .unwrap_or_else(|error| panic!("round {round}: {error}"));
    }
    let events = store.read_events().await.unwrap();
    let new_ids: Vec<i64> = events
        .iter()
        .map(|event| event.event_id)
        .filter(|id| *id > largest)
        .collect();
    assert_eq!(new_ids.len(), 4, "{events:?}");
    assert!(new_ids.windows(2).all(|pair| pair[0] < pair[1]));
    let first_of_round: Vec<_> = events
        .iter()
        .filter(|event| event.event_id > largest)
        .map(|event| event.valid_from)
        .collect();
    assert_eq!(
        first_of_round,
        [
            day("2025-01-01"),
            day("2025-01-02"),
            day("2025-01-01"),
            day("2025-01-02")
        ],
        "ids follow the order of the batch"
    );
}

/// A write of a whole layer is one reload in the log, not a row per feature.
pub async fn a_whole_layer_write_is_logged_as_one_reload(store: &dyn Store) {
    write_genk_centre(store).await;
    let cursor = store.change_cursor().await.unwrap();
    let many: Vec<Feature> = (0..genk_atlas::store::feed::RELOAD_FROM_FEATURES)
        .map(|index| {
            genk_atlas::model::LayerRecord::to_feature(&genk_atlas::model::Resident {
                id: format!("res-{index:06}"),
                geometry: geo::point!(x: 5.45 + (index % 200) as f64 * 1e-4, y: 50.95 + (index / 200) as f64 * 1e-4),
                population: 2,
            })
        })
        .collect();
    write(store, &layer_batch(LayerId::Residents, many))
        .await
        .expect("a whole layer");
    let (changes, _) = read_changes(store, &cursor).await;
    assert_eq!(
        change_triples(&changes),
        vec![(
            ChangeTarget::Layer(LayerId::Residents),
            None,
            ChangeOp::Reload
        )]
    );
}

/// Rows by id: the ones asked for, by id, each a feature; an unknown id is
/// not an error, just not there (a deleted feature).
pub async fn rows_are_read_by_id_and_a_missing_id_is_left_out(store: &dyn Store) {
    let dataset = write_genk_centre(store).await;
    let expected = expected_features(&dataset, LayerId::Parcels);
    let ids: Vec<String> = vec![
        expected[1].id.clone(),
        "no-such-parcel".into(),
        expected[0].id.clone(),
    ];
    let rows = store
        .read_rows(LayerId::Parcels, Some(&ids))
        .await
        .expect("reading rows by id");
    let features: Vec<Feature> = rows
        .into_iter()
        .map(|row| row.expect("a row that decodes"))
        .collect();
    assert_same_features(LayerId::Parcels, &features, &expected[..2]);
    let all: Vec<Feature> = store
        .read_rows(LayerId::Parcels, None)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.unwrap())
        .collect();
    assert_same_features(LayerId::Parcels, &all, &expected);
    let events = store
        .read_events_by_id(&[dataset.unit_events[0].event_id, 999_999])
        .await
        .unwrap();
    assert_eq!(events, vec![dataset.unit_events[0].clone()]);
}

/// A prune that drops rows after the cursor makes the follower reload;
/// one that keeps them does not.
pub async fn pruning_past_a_cursor_makes_the_follower_reload(store: &dyn Store) {
    let dataset = write_genk_centre(store).await;
    // a new GeoPackage logs its first write at the data's date: old rows
    store
        .prune_changes(chrono::Duration::days(1))
        .await
        .unwrap();
    let cursor = store.change_cursor().await.unwrap();
    write(
        store,
        &layer_batch(LayerId::Residents, vec![moved_resident(&dataset, 5.502)]),
    )
    .await
    .unwrap();
    assert_eq!(
        store
            .prune_changes(chrono::Duration::days(1))
            .await
            .unwrap(),
        0,
        "nothing is a day old"
    );
    let (changes, _) = read_changes(store, &cursor).await;
    assert_eq!(changes.len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert!(store.prune_changes(chrono::Duration::zero()).await.unwrap() >= 1);
    assert_eq!(
        store.changes_after(&cursor).await.unwrap(),
        ChangesAfter::FellBehind
    );
    let fresh_cursor = store.change_cursor().await.unwrap();
    let (after_prune, _) = read_changes(store, &fresh_cursor).await;
    assert_eq!(after_prune, vec![], "a new position follows again");
}
