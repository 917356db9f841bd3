//! GIS files over HTTP: `POST /api/import/{layer}` (a multipart upload, for
//! `business` and `admin`) and `GET /api/layers/{layer}/export?format=`.
//!
//! Both go through the same GDAL code as `atlas import` and `atlas export`,
//! but an upload is a stranger's file: `import::upload` decides from its
//! bytes what it may be and how GDAL may open it (one format's driver,
//! nothing it names followed, no network), its features must lie near the
//! area the atlas maps, and an answer names the upload by the client's file
//! name only, never a server path or GDAL's internals (those are logged).
//! An import is all or nothing unless `skip_invalid=true`; its report names
//! each refused feature, field and reason; the write is one edit (store
//! transaction with its audit entry, engine swap, tile invalidation).

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value as Json_};

use super::auth::Caller;
use super::error::{ApiError, ApiPath, ApiQuery};
use super::layers::parse_layer;
use super::AppState;
use crate::import::export::{export_features, ExportFormat, ExportParams};
use crate::import::first_events::first_events;
use crate::import::surroundings::Surroundings;
use crate::import::upload::{self, UploadError};
use crate::import::{
    read_source, FieldMapping, ImportError, ImportParams, Problem, SourcePolicy, UploadFormat,
};
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

/// The client's name for the upload as the atlas echoes it: its last path
/// part, letters, digits, `.`, `-`, `_` only. It names nothing on the
/// server: the upload is stored under a name of the atlas's (`upload.rs`).
fn shown_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\', ':']).next().unwrap_or("");
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
        "upload".into()
    } else {
        trimmed.chars().take(100).collect()
    }
}

/// The first part named `file` of the upload: its bytes and the client's name.
async fn read_upload(mut multipart: Multipart) -> Result<(bytes::Bytes, String), ApiError> {
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
        let name = shown_name(field.file_name().unwrap_or("upload"));
        let bytes = field.bytes().await.map_err(upload_error)?;
        return Ok((bytes, name));
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

/// Why an upload could not be read, in the uploader's words: the upload's
/// own name, never a server path, no GDAL internals (those go to the log).
fn import_error(error: ImportError, name: &str, format: UploadFormat) -> ApiError {
    tracing::info!("import of upload '{name}' refused: {error}");
    let bad = ApiError::bad_request;
    match error {
        ImportError::Gdal { .. } | ImportError::Io { .. } => ApiError::internal(error),
        ImportError::Open { .. } => bad(
            "file",
            format!("'{name}' cannot be read as {}", format.label()),
        ),
        ImportError::Unreadable { at, .. } => bad(
            "file",
            format!("'{name}' cannot be read {at}: it is truncated or corrupt"),
        ),
        ImportError::Corrupt { reason, .. } => bad(
            "file",
            format!("'{name}' is truncated or corrupt: {reason}"),
        ),
        ImportError::Empty { .. } => bad("file", format!("'{name}' has no features")),
        ImportError::Mapping(message) => bad("map", message),
        ImportError::NoCrs { .. } => bad(
            "crs",
            format!("'{name}' names no CRS: say which with crs=EPSG:N (the atlas never guesses one)"),
        ),
        ImportError::CrsLink { .. } => bad(
            "crs",
            format!("'{name}' declares its CRS as a link, which the atlas does not follow: name it (EPSG:N) in the file or with crs=EPSG:N"),
        ),
        ImportError::UnknownCrs { .. } => bad(
            "crs",
            format!("'{name}' declares a CRS the atlas does not know (it would be read as WGS 84): say which with crs=EPSG:N"),
        ),
        ImportError::BadCrs { given, reason } => bad("crs", format!("'{given}': {reason}")),
        ImportError::Transform { from, .. } => bad(
            "crs",
            format!("cannot reproject '{name}' from {from} to EPSG:4326"),
        ),
        ImportError::NoSuchLayer {
            name: layer,
            available,
            ..
        } => bad(
            "source_layer",
            format!("'{name}' has no layer named '{layer}' (it has: {available})"),
        ),
        ImportError::ManyLayers {
            count, available, ..
        } => bad(
            "source_layer",
            format!("'{name}' has {count} layers ({available}): choose one with source_layer="),
        ),
    }
}

/// An upload the atlas will not read, or could not store.
fn upload_error(error: UploadError) -> ApiError {
    match error {
        UploadError::Refused(refused) => ApiError::Refused {
            parameter: "file".into(),
            refused: refused.code(),
            message: refused.to_string(),
        },
        UploadError::Io(error) => ApiError::internal(format!("storing an upload: {error}")),
    }
}

/// The area the atlas maps: its neighbourhoods, or all its layers when it
/// has none; imported features must lie near it.
fn mapped_area(engine: &crate::engine::Engine) -> Option<Surroundings> {
    engine
        .layer(LayerId::Neighbourhoods)
        .extent()
        .or_else(|| engine.extent())
        .map(Surroundings::around)
}

/// `POST /api/import/{layer}?crs=&map=&key=&dry_run=&skip_invalid=&repair=`
/// with a multipart part `file`: checked and stored by `import::upload`,
/// read by GDAL under `SourcePolicy::Upload` (one format's drivers, nothing
/// followed, no network), in a folder of this server's upload area that is
/// removed when the request ends.
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(layer): ApiPath<String>,
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
    let (bytes, name) = read_upload(multipart).await?;
    let dir = state
        .upload_area()
        .map_err(ApiError::internal)?
        .upload_dir()
        .map_err(ApiError::internal)?;
    let mut params = ImportParams {
        layer,
        path: PathBuf::new(),
        source_layer: query.get("source_layer").map(str::to_string),
        crs: query.get("crs").map(str::to_string),
        mapping,
        key: query.get("key").map(str::to_string),
        repair,
        policy: SourcePolicy::Trusted,
        surroundings: mapped_area(&state.engine()),
    };
    let shown = name.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        crate::import::sandbox::network_off();
        let upload = upload::accept(&bytes, &shown, dir.path()).map_err(upload_error)?;
        let format = upload.source.format;
        params.path = upload.gdal_path;
        params.policy = SourcePolicy::Upload(upload.source);
        let outcome =
            read_source(&params, &|_, _| {}).map_err(|error| import_error(error, &shown, format));
        drop(dir);
        outcome
    })
    .await
    .map_err(ApiError::internal)??;
    let mut report = json!({
        "layer": layer,
        "file": name,
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
        actor: who.clone(),
        action: "import".into(),
        target: layer.to_string(),
        target_id: String::new(),
        before: None,
        after: Some(
            json!({"file": report["file"], "n_written": n_written, "n_invalid": outcome.problems.len(), "source_crs": report["source_crs"]}),
        ),
    };
    let with_history: std::collections::HashSet<String> = state
        .engine()
        .unit_events()
        .iter()
        .map(|event| event.unit_id.clone())
        .collect();
    let events = first_events(layer, &outcome.features, &with_history, &who, Utc::now()).map_err(
        |(feature, error)| ApiError::bad_request("file", format!("feature {feature}: {error}")),
    )?;
    report["n_first_events"] = json!(events.len());
    // a unit given its first event here must still have none at commit
    let guard = EditGuard {
        expect_versions: events
            .iter()
            .map(|event| (event.unit_id.clone(), 0))
            .collect(),
        audit: vec![audit],
    };
    state
        .write_edit(layer, outcome.features, events, guard)
        .await
        .map_err(|error| match error {
            conflict @ crate::store::StoreError::Conflict { .. } => ApiError::Conflict {
                message: format!(
                    "{conflict}: a unit of the file was created while it was imported; nothing was written, import again"
                ),
                detail: json!({}),
            },
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
    ApiPath(layer): ApiPath<String>,
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
    let slot = state
        .export_gate()
        .enter(caller.role() == Role::Public)
        .await?;
    // in the server's upload area too, so a killed export leaves nothing
    let dir = state
        .upload_area()
        .map_err(ApiError::internal)?
        .upload_dir()
        .map_err(ApiError::internal)?;
    let out = dir.path().join(format!("{layer}.{extension}"));
    let params = ExportParams {
        layer,
        format,
        out: out.clone(),
        crs,
        include_confidential: caller.audience(layer) == Audience::Confidential,
    };
    let engine = state.engine();
    tokio::task::spawn_blocking(move || export_features(&params, engine.layer(layer).features()))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| match error {
            ImportError::BadCrs { .. } | ImportError::Transform { .. } => {
                ApiError::bad_request("crs", error.to_string())
            }
            other => ApiError::internal(other),
        })?;
    drop(slot);
    let file = tokio::fs::File::open(&out)
        .await
        .map_err(ApiError::internal)?;
    let length = file.metadata().await.map_err(ApiError::internal)?.len();
    let disposition = format!("attachment; filename=\"{layer}.{extension}\"");
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_LENGTH, length.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::VARY, "Cookie, Authorization".to_string()),
            (header::CACHE_CONTROL, "private, no-cache".to_string()),
        ],
        Body::from_stream(file_chunks(file, dir)),
    )
        .into_response())
}

/// The bytes of `file` in chunks of 64 KiB, read as the client takes them;
/// `dir` (which holds the file) is removed when the stream ends or the
/// client hangs up.
fn file_chunks<D: Send + 'static>(
    file: tokio::fs::File,
    dir: D,
) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(Some((file, dir)), |state| async move {
        let (mut file, dir) = state?;
        let mut chunk = vec![0u8; 64 * 1024];
        match file.read(&mut chunk).await {
            Ok(0) => None,
            Ok(n) => {
                chunk.truncate(n);
                Some((Ok(chunk), Some((file, dir))))
            }
            Err(error) => Some((Err(error), None)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_are_shown_without_their_path() {
        assert_eq!(shown_name("wijken.geojson"), "wijken.geojson");
        assert_eq!(shown_name("../../etc/passwd"), "passwd");
        assert_eq!(shown_name("C:\\data\\ggw7.shp"), "ggw7.shp");
        assert_eq!(shown_name("CSV:/etc/passwd"), "passwd");
        assert_eq!(
            shown_name("/vsicurl/http://10.0.0.1/a.geojson"),
            "a.geojson"
        );
        assert_eq!(shown_name("a b;rm -rf.gpkg"), "a_b_rm_-rf.gpkg");
        assert_eq!(shown_name(".."), "upload");
        assert_eq!(shown_name(""), "upload");
    }
}
