//! GIS files over HTTP: `POST /api/import/{layer}` (a multipart upload, for
//! `business` and `admin`) and `GET /api/layers/{layer}/export?format=`.
//!
//! Both go through the same GDAL code as `atlas import` and `atlas export`.
//! An import is all or nothing unless `skip_invalid=true`; its report names
//! each refused feature, field and reason; the write is one edit (store
//! transaction with its audit entry, engine swap, tile invalidation).

use std::path::{Path as FsPath, PathBuf};

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value as Json_};

use super::auth::Caller;
use super::error::{ApiError, ApiQuery};
use super::layers::parse_layer;
use super::AppState;
use crate::import::export::{export_features, ExportFormat, ExportParams};
use crate::import::{read_source, FieldMapping, ImportError, ImportParams, Problem};
use crate::model::access::{AuditEntry, Role};
use crate::model::geojson::Audience;
use crate::model::LayerId;
use crate::store::EditGuard;

/// The largest upload an import takes (the whole multipart body).
pub const MAX_UPLOAD_BYTES: usize = 64 << 20;
/// The most problems an import report lists (the count is always whole).
const MAX_REPORTED_PROBLEMS: usize = 1_000;

/// The import options, all in the query string.
const IMPORT_PARAMETERS: [&str; 8] = [
    "source_layer",
    "crs",
    "map",
    "default",
    "key",
    "repair",
    "dry_run",
    "skip_invalid",
];

fn flag(query: &ApiQuery, name: &str) -> Result<bool, ApiError> {
    match query.get(name) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::bad_request(
            name,
            format!("'{other}' is not true or false"),
        )),
    }
}

/// `target:source,target:source` pairs (the query form of `--map a=b`).
fn pairs(query: &ApiQuery, name: &str) -> Result<Vec<(String, String)>, ApiError> {
    let Some(text) = query.get(name) else {
        return Ok(Vec::new());
    };
    text.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| {
            pair.split_once(':')
                .map(|(target, source)| (target.trim().to_string(), source.trim().to_string()))
                .filter(|(target, source)| !target.is_empty() && !source.is_empty())
                .ok_or_else(|| {
                    ApiError::bad_request(name, format!("'{pair}' is not target:source"))
                })
        })
        .collect()
}

/// A safe local name for the upload that keeps its extension (GDAL picks the
/// driver by it): letters, digits, `.`, `-`, `_` only.
fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    if trimmed.is_empty() {
        "upload.dat".into()
    } else {
        trimmed.chars().take(100).collect()
    }
}

/// The first part named `file` of the upload, written into `dir`.
async fn save_upload(
    mut multipart: Multipart,
    dir: &FsPath,
) -> Result<(PathBuf, String), ApiError> {
    let upload_error = |error: axum::extract::multipart::MultipartError| {
        let status = error.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::bad_request(
                "file",
                format!("the upload is larger than {} MiB", MAX_UPLOAD_BYTES >> 20),
            )
        } else {
            ApiError::bad_request(
                "file",
                format!("the upload cannot be read: {}", error.body_text()),
            )
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(upload_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let original = field.file_name().unwrap_or("upload.dat").to_string();
        let path = dir.join(safe_file_name(&original));
        let bytes = field.bytes().await.map_err(upload_error)?;
        if bytes.is_empty() {
            return Err(ApiError::bad_request(
                "file",
                format!("{original} is empty"),
            ));
        }
        tokio::fs::write(&path, &bytes)
            .await
            .map_err(ApiError::internal)?;
        return Ok((path, original));
    }
    Err(ApiError::bad_request(
        "file",
        "the multipart body has no part named 'file'",
    ))
}

fn problems_json(problems: &[Problem]) -> Json_ {
    json!(problems
        .iter()
        .take(MAX_REPORTED_PROBLEMS)
        .collect::<Vec<_>>())
}

/// An import error in the upload's own name, never the server's temp path.
fn import_error(error: ImportError, local: &FsPath, original: &str) -> ApiError {
    let message = error
        .to_string()
        .replace(&local.display().to_string(), original);
    match error {
        ImportError::Gdal { .. } | ImportError::Io { .. } => ApiError::internal(message),
        ImportError::Mapping(_) => ApiError::bad_request("map", message),
        ImportError::NoCrs { .. } | ImportError::BadCrs { .. } | ImportError::Transform { .. } => {
            ApiError::bad_request("crs", message)
        }
        ImportError::NoSuchLayer { .. } | ImportError::ManyLayers { .. } => {
            ApiError::bad_request("source_layer", message)
        }
        _ => ApiError::bad_request("file", message),
    }
}

/// `POST /api/import/{layer}?crs=&map=&key=&dry_run=&skip_invalid=&repair=`
/// with a multipart part `file`.
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Path(layer): Path<String>,
    query: ApiQuery,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let layer = parse_layer(&layer)?;
    let who = caller
        .require(
            |role| matches!(role, Role::Business | Role::Admin) && role.may_edit(layer),
            &format!("import into {layer}"),
        )?
        .name
        .clone();
    query.only(&IMPORT_PARAMETERS)?;
    let (dry_run, skip_invalid, repair) = (
        flag(&query, "dry_run")?,
        flag(&query, "skip_invalid")?,
        flag(&query, "repair")?,
    );
    let mapping = FieldMapping {
        renames: pairs(&query, "map")?,
        defaults: pairs(&query, "default")?,
    };
    let multipart = multipart.map_err(|rejection| {
        ApiError::bad_request(
            "file",
            format!(
                "send the file as multipart/form-data: {}",
                rejection.body_text()
            ),
        )
    })?;
    let dir = tempfile::tempdir().map_err(ApiError::internal)?;
    let (local, original) = save_upload(multipart, dir.path()).await?;
    let params = ImportParams {
        layer,
        path: local.clone(),
        source_layer: query.get("source_layer").map(str::to_string),
        crs: query.get("crs").map(str::to_string),
        mapping,
        key: query.get("key").map(str::to_string),
        repair,
    };
    let outcome = tokio::task::spawn_blocking(move || read_source(&params, &|_, _| {}))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| import_error(error, &local, &original))?;
    let mut report = json!({
        "layer": layer,
        "file": original,
        "source_crs": outcome.source_crs,
        "dry_run": dry_run,
        "n_read": outcome.n_read,
        "n_valid": outcome.features.len(),
        "n_invalid": outcome.problems.len(),
        "n_repaired": outcome.n_repaired,
        "n_written": 0,
        "problems": problems_json(&outcome.problems),
    });
    if !outcome.problems.is_empty() && !skip_invalid {
        let first = &outcome.problems[0];
        report["error"] = json!(format!(
            "{} of {} features are invalid, nothing was written (first: feature {}, {}: {}); \
             send skip_invalid=true to write the valid ones",
            outcome.problems.len(),
            outcome.n_read,
            first.feature,
            first.field,
            first.reason
        ));
        return Ok((StatusCode::BAD_REQUEST, Json(report)).into_response());
    }
    if dry_run || outcome.features.is_empty() {
        return Ok(Json(report).into_response());
    }
    let n_written = outcome.features.len();
    let audit = AuditEntry {
        audit_id: 0,
        at: Utc::now(),
        actor: who,
        action: "import".into(),
        target: layer.to_string(),
        target_id: String::new(),
        before: None,
        after: Some(
            json!({"file": report["file"], "n_written": n_written, "n_invalid": outcome.problems.len(), "source_crs": report["source_crs"]}),
        ),
    };
    let guard = EditGuard {
        expect_versions: Vec::new(),
        audit: vec![audit],
    };
    state
        .write_edit(layer, outcome.features, Vec::new(), guard)
        .await
        .map_err(|error| match error {
            crate::store::StoreError::Invalid { source, index, .. } => {
                ApiError::bad_request("file", format!("feature #{index}: {source}"))
            }
            other => ApiError::store(other),
        })?;
    report["n_written"] = json!(n_written);
    Ok(Json(report).into_response())
}

fn export_format(query: &ApiQuery) -> Result<ExportFormat, ApiError> {
    query
        .get("format")
        .unwrap_or("geojson")
        .parse()
        .map_err(|reason: String| ApiError::bad_request("format", reason))
}

fn media_type(format: ExportFormat) -> (&'static str, &'static str) {
    match format {
        ExportFormat::GeoPackage => ("application/geopackage+sqlite3", "gpkg"),
        ExportFormat::GeoJson => ("application/geo+json", "geojson"),
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::FlatGeobuf => ("application/flatgeobuf", "fgb"),
    }
}

/// `GET /api/layers/{layer}/export?format=gpkg|geojson|csv|fgb&crs=EPSG:N`:
/// the whole layer as a file; confidential fields only for roles that see them.
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(layer): Path<String>,
    query: ApiQuery,
) -> Result<Response, ApiError> {
    let layer: LayerId = parse_layer(&layer)?;
    query.only(&["format", "crs"])?;
    let format = export_format(&query)?;
    let crs = query.get("crs").map(str::to_string);
    if let Some(crs) = &crs {
        crate::import::parse_epsg(crs)
            .map_err(|error| ApiError::bad_request("crs", error.to_string()))?;
    }
    let (content_type, extension) = media_type(format);
    let dir = tempfile::tempdir().map_err(ApiError::internal)?;
    let out = dir.path().join(format!("{layer}.{extension}"));
    let params = ExportParams {
        layer,
        format,
        out: out.clone(),
        crs,
        include_confidential: caller.audience(layer) == Audience::Confidential,
    };
    let engine = state.engine();
    let bytes = tokio::task::spawn_blocking(move || {
        export_features(&params, engine.layer(layer).features())?;
        std::fs::read(&params.out).map_err(|source| ImportError::Io {
            path: params.out.clone(),
            source,
        })
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|error| match error {
        ImportError::BadCrs { .. } | ImportError::Transform { .. } => {
            ApiError::bad_request("crs", error.to_string())
        }
        other => ApiError::internal(other),
    })?;
    drop(dir);
    let disposition = format!("attachment; filename=\"{layer}.{extension}\"");
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::VARY, "Cookie, Authorization".to_string()),
            (header::CACHE_CONTROL, "private, no-cache".to_string()),
        ],
        Body::from(bytes),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_keep_their_extension_and_lose_their_path() {
        assert_eq!(safe_file_name("wijken.geojson"), "wijken.geojson");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\data\\ggw7.shp"), "ggw7.shp");
        assert_eq!(safe_file_name("a b;rm -rf.gpkg"), "a_b_rm_-rf.gpkg");
        assert_eq!(safe_file_name(".."), "upload.dat");
        assert_eq!(safe_file_name(""), "upload.dat");
    }
}
