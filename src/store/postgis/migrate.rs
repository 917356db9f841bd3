//! Schema migrations: the numbered SQL files of `migrations/`, each applied
//! once, in a transaction of its own, under an advisory lock.
//!
//! Migrations are append-only: a released file is never edited, a change is a
//! new file. `schema_migrations` records what was applied and when; a second
//! run applies nothing. The tests at the bottom check that the files on disk
//! are exactly those listed here and that the layer tables declare every field
//! of `src/model/schema.rs` with its SQL type.

use tokio_postgres::Client;

use super::connection::Target;
use crate::store::StoreError;

/// One numbered SQL file of `migrations/`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The number in the file name, from 1 on, strictly increasing (a number
    /// may be skipped while its migration is written on another branch).
    pub version: i32,
    /// The file name without `.sql`, such as `0002_layers`.
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in the order they are applied.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_postgis",
        sql: include_str!("../../../migrations/0001_postgis.sql"),
    },
    Migration {
        version: 2,
        name: "0002_layers",
        sql: include_str!("../../../migrations/0002_layers.sql"),
    },
    Migration {
        version: 3,
        name: "0003_shop_unit_events",
        sql: include_str!("../../../migrations/0003_shop_unit_events.sql"),
    },
    Migration {
        version: 4,
        name: "0004_accounts_audit",
        sql: include_str!("../../../migrations/0004_accounts_audit.sql"),
    },
    Migration {
        version: 5,
        name: "0005_saved_searches",
        sql: include_str!("../../../migrations/0005_saved_searches.sql"),
    },
    Migration {
        version: 6,
        name: "0006_change_log",
        sql: include_str!("../../../migrations/0006_change_log.sql"),
    },
    Migration {
        version: 7,
        name: "0007_sessions_logins",
        sql: include_str!("../../../migrations/0007_sessions_logins.sql"),
    },
    Migration {
        version: 8,
        name: "0008_places_waterways",
        sql: include_str!("../../../migrations/0008_places_waterways.sql"),
    },
];

/// The advisory lock that migrators take: "atlas" in ASCII.
const MIGRATION_LOCK_KEY: i64 = 0x61_74_6c_61_73;

const MIGRATIONS_TABLE: &str = include_str!("sql/migrations_table.sql");
const MIGRATION_LOCK: &str = include_str!("sql/migration_lock.sql");
const MIGRATION_APPLIED: &str = include_str!("sql/migration_applied.sql");
const MIGRATION_RECORD: &str = include_str!("sql/migration_record.sql");

/// Apply the migrations that the database at `url` lacks; returns the names
/// of those applied (none when it is up to date).
pub async fn migrate(url: &str) -> Result<Vec<String>, StoreError> {
    let target = Target::parse(url)?;
    let mut client = target.connect().await?;
    let mut applied = Vec::new();
    for migration in MIGRATIONS {
        if apply(&mut client, migration).await? {
            tracing::info!(
                "applied migration {} to {}",
                migration.name,
                target.description
            );
            applied.push(migration.name.to_string());
        }
    }
    Ok(applied)
}

/// Apply one migration unless it was applied; true when it was applied now.
async fn apply(client: &mut Client, migration: &Migration) -> Result<bool, StoreError> {
    let context = |what: &str| format!("{what} migration {}", migration.name);
    let error = |what: &'static str| {
        let context = context(what);
        move |source| StoreError::Postgres { context, source }
    };
    let transaction = client.transaction().await.map_err(error("starting"))?;
    transaction
        .execute(MIGRATION_LOCK, &[&MIGRATION_LOCK_KEY])
        .await
        .map_err(error("locking for"))?;
    transaction
        .batch_execute(MIGRATIONS_TABLE)
        .await
        .map_err(error("recording"))?;
    let done: bool = transaction
        .query_one(MIGRATION_APPLIED, &[&migration.version])
        .await
        .map_err(error("checking"))?
        .try_get(0)
        .map_err(error("checking"))?;
    if done {
        transaction.commit().await.map_err(error("checking"))?;
        return Ok(false);
    }
    transaction
        .batch_execute(migration.sql)
        .await
        .map_err(error("applying"))?;
    transaction
        .execute(MIGRATION_RECORD, &[&migration.version, &migration.name])
        .await
        .map_err(error("recording"))?;
    transaction.commit().await.map_err(error("committing"))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GeometryType, ALL_LAYERS};
    use crate::store::postgis::values::sql_type_name;
    use crate::store::postgis::EVENT_COLUMNS;

    #[test]
    fn the_listed_migrations_are_the_files_on_disk() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut on_disk: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        on_disk.sort();
        let listed: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{}.sql", m.name))
            .collect();
        assert_eq!(
            on_disk, listed,
            "every file in migrations/ must be listed in MIGRATIONS"
        );
        assert_eq!(MIGRATIONS[0].version, 1);
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version, "{}", pair[1].name);
        }
        for migration in MIGRATIONS {
            assert!(migration
                .name
                .starts_with(&format!("{:04}_", migration.version)));
            let on_disk =
                std::fs::read_to_string(folder.join(format!("{}.sql", migration.name))).unwrap();
            assert_eq!(on_disk, migration.sql);
        }
    }

    /// One column of a `CREATE TABLE` statement: name, SQL type (lowercase,
    /// spaces squeezed), and whether it is NOT NULL.
    #[derive(Debug, PartialEq)]
    struct Column {
        name: String,
        sql_type: String,
        not_null: bool,
    }

    /// The columns of `CREATE TABLE <table> (...)` in all migrations, in
    /// order; a later `ALTER TABLE` would need this parser to grow.
    fn declared_columns(table: &str) -> Vec<Column> {
        let all_sql: String = MIGRATIONS
            .iter()
            .map(|m| m.sql)
            .collect::<Vec<_>>()
            .join("\n");
        let all_sql: String = all_sql
            .lines()
            .map(|line| line.split("--").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let header = format!("CREATE TABLE {table} (");
        let start = all_sql
            .find(&header)
            .unwrap_or_else(|| panic!("no `{header}` in the migrations"))
            + header.len();
        let body = &all_sql[start..];
        let end = body
            .find("\n);")
            .expect("a CREATE TABLE ends with `);` on its own line");
        // split on commas outside parentheses: geometry(Point, 4326) is one type
        let mut columns = Vec::new();
        let mut depth = 0;
        let mut current = String::new();
        for character in body[..end].chars().chain(std::iter::once(',')) {
            match character {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    columns.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(character);
        }
        columns
            .iter()
            .map(|text| {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let (name, rest) = text
                    .split_once(' ')
                    .expect("a column has a name and a type");
                let lower = rest.to_lowercase();
                let type_end = [" not null", " primary key", " references", " collate"]
                    .iter()
                    .filter_map(|keyword| lower.find(keyword))
                    .min()
                    .unwrap_or(lower.len());
                Column {
                    name: name.to_string(),
                    sql_type: lower[..type_end].replace(", ", ","),
                    not_null: lower.contains("not null") || lower.contains("primary key"),
                }
            })
            .collect()
    }

    fn geometry_sql_type(geometry_type: GeometryType) -> &'static str {
        match geometry_type {
            GeometryType::Point => "geometry(point,4326)",
            GeometryType::LineString => "geometry(linestring,4326)",
            GeometryType::Polygon => "geometry(polygon,4326)",
            GeometryType::MultiPolygon => "geometry(multipolygon,4326)",
        }
    }

    #[test]
    fn every_layer_table_declares_every_schema_field_with_its_sql_type() {
        for schema in ALL_LAYERS {
            let mut expected = vec![
                Column {
                    name: "id".into(),
                    sql_type: "text".into(),
                    not_null: true,
                },
                Column {
                    name: "geom".into(),
                    sql_type: geometry_sql_type(schema.geometry_type).into(),
                    not_null: true,
                },
            ];
            expected.extend(schema.fields.iter().map(|field| Column {
                name: field.name.into(),
                sql_type: sql_type_name(field.kind).into(),
                not_null: field.required,
            }));
            assert_eq!(
                declared_columns(schema.id.as_str()),
                expected,
                "table {}",
                schema.id
            );
        }
    }

    #[test]
    fn every_layer_table_has_a_gist_index_on_its_geometry() {
        let all_sql: String = MIGRATIONS.iter().map(|m| m.sql).collect();
        for schema in ALL_LAYERS {
            let index = format!("ON {} USING gist (geom);", schema.id);
            assert!(all_sql.contains(&index), "no `{index}` in the migrations");
        }
    }

    #[test]
    fn every_layer_table_logs_its_changes() {
        // 0006 made the log with a trigger loop over the layers of its day;
        // a migration that adds layers ends with the same loop over its own.
        let mut listed: Vec<&str> = Vec::new();
        for migration in MIGRATIONS {
            let mut rest = migration.sql;
            while let Some((_, tables)) = rest.split_once("FOREACH layer_table IN ARRAY ARRAY[") {
                let (tables, after) = tables.split_once(']').expect("the end of the table list");
                listed.extend(tables.split(',').map(|name| name.trim().trim_matches('\'')));
                rest = after;
            }
        }
        let layers: Vec<&str> = ALL_LAYERS.iter().map(|schema| schema.id.as_str()).collect();
        assert_eq!(listed, layers, "every layer, in schema order");
    }

    #[test]
    fn the_events_table_has_the_columns_that_the_store_copies() {
        let declared: Vec<String> = declared_columns("shop_unit_events")
            .into_iter()
            .map(|column| format!("{} {}", column.name, column.sql_type))
            .collect();
        let expected: Vec<String> = EVENT_COLUMNS
            .iter()
            .map(|(name, sql_type)| format!("{name} {sql_type}"))
            .collect();
        assert_eq!(declared, expected);
    }
}
