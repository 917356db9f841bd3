//! The statements that load and read one layer table, built from its schema.
//!
//! These are the exception to "SQL lives in .sql files": nine layers times
//! five statements would repeat the schema 45 times by hand, while the schema
//! (one place, checked against the migrations by a test) already names every
//! column. Only identifiers from the static schema go into the text; values
//! are always copied or bound.

use postgres_types::Type;

use super::values::{sql_type, sql_type_name};
use crate::model::LayerId;

/// The SQL of one layer.
#[derive(Debug, Clone)]
pub(crate) struct LayerSql {
    /// `CREATE TEMP TABLE` for the staging table: id, WKB, then the fields.
    /// (Staging is for upserts; a bulk load copies straight into the table.)
    pub create_staging: String,
    /// `COPY staging FROM STDIN (FORMAT binary)`.
    pub copy: String,
    /// `COPY` straight into the layer table (geometry as EWKB), for a bulk
    /// load into an empty, locked table.
    pub copy_direct: String,
    /// The column types of that copy, in order.
    pub copy_types: Vec<Type>,
    /// Insert from the staging table into the layer table (WKB to geometry),
    /// replacing the rows whose id exists.
    pub upsert: String,
    pub drop_staging: String,
    /// One row, true when the layer table has no rows.
    pub is_empty: String,
    /// Lock the layer table against readers and writers until the commit.
    pub lock: String,
    /// Every row as id, WKB, fields, ordered by id.
    pub select: String,
    /// As `select`, for the ids in `$1` (a text array).
    pub select_by_id: String,
}

pub(crate) fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

impl LayerSql {
    pub fn new(layer: LayerId) -> LayerSql {
        let schema = layer.schema();
        let table = quote(layer.as_str());
        let staging = quote(&format!("atlas_staging_{}", layer.as_str()));
        let fields: Vec<String> = schema
            .fields
            .iter()
            .map(|field| quote(field.name))
            .collect();
        let field_list = |prefix: &str| -> String {
            fields
                .iter()
                .map(|field| format!(", {prefix}{field}"))
                .collect()
        };
        let staging_columns: String = schema
            .fields
            .iter()
            .map(|field| format!(", {} {}", quote(field.name), sql_type_name(field.kind)))
            .collect();
        let updates: String = std::iter::once("\"geom\" = EXCLUDED.\"geom\"".to_string())
            .chain(
                fields
                    .iter()
                    .map(|field| format!("{field} = EXCLUDED.{field}")),
            )
            .collect::<Vec<_>>()
            .join(", ");
        let insert = format!(
            "INSERT INTO {table} (\"id\", \"geom\"{}) \
             SELECT \"id\", ST_GeomFromWKB(\"wkb\", 4326){} FROM {staging}",
            field_list(""),
            field_list(""),
        );
        LayerSql {
            create_staging: format!(
                "CREATE TEMP TABLE {staging} (\"id\" text, \"wkb\" bytea{staging_columns}) ON COMMIT DROP"
            ),
            copy: format!(
                "COPY {staging} (\"id\", \"wkb\"{}) FROM STDIN (FORMAT binary)",
                field_list("")
            ),
            copy_direct: format!(
                "COPY {table} (\"id\", \"geom\"{}) FROM STDIN (FORMAT binary)",
                field_list("")
            ),
            copy_types: [Type::TEXT, Type::BYTEA]
                .into_iter()
                .chain(schema.fields.iter().map(|field| sql_type(field.kind)))
                .collect(),
            upsert: format!("{insert} ON CONFLICT (\"id\") DO UPDATE SET {updates}"),
            drop_staging: format!("DROP TABLE {staging}"),
            is_empty: format!("SELECT NOT EXISTS (SELECT 1 FROM {table})"),
            lock: format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"),
            select: format!(
                "SELECT \"id\", ST_AsBinary(\"geom\"){} FROM {table} ORDER BY \"id\"",
                field_list("")
            ),
            select_by_id: format!(
                "SELECT \"id\", ST_AsBinary(\"geom\"){} FROM {table} \
                 WHERE \"id\" = ANY($1) ORDER BY \"id\"",
                field_list("")
            ),
        }
    }
}

/// The number of rows of every layer table, one row per layer: (layer, count).
pub(crate) fn counts_sql() -> String {
    LayerId::ALL
        .iter()
        .map(|layer| {
            format!(
                "SELECT '{}'::text, count(*) FROM {}",
                layer.as_str(),
                quote(layer.as_str())
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parcel_statements_name_every_column() {
        let sql = LayerSql::new(LayerId::Parcels);
        assert!(sql.create_staging.contains("\"ready_to_build\" boolean"));
        assert!(sql
            .copy
            .starts_with("COPY \"atlas_staging_parcels\" (\"id\", \"wkb\", \"capakey\""));
        assert_eq!(
            sql.copy_types.len(),
            2 + LayerId::Parcels.schema().fields.len()
        );
        assert!(sql.upsert.contains("ST_GeomFromWKB(\"wkb\", 4326)"));
        assert!(sql
            .upsert
            .contains("\"max_height_m\" = EXCLUDED.\"max_height_m\""));
        assert!(sql.select.ends_with("FROM \"parcels\" ORDER BY \"id\""));
    }

    #[test]
    fn counts_cover_every_layer() {
        let sql = counts_sql();
        for layer in LayerId::ALL {
            assert!(sql.contains(&format!("FROM \"{layer}\"")));
        }
    }
}
