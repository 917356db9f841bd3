//! Import and export through GDAL: the IO edge between the atlas and any
//! vector format GDAL reads (Shapefile, GeoPackage, GeoJSON, GML, FlatGeobuf,
//! CSV, ...).
//!
//! An import opens one source layer, finds its CRS (a `.prj`, a GeoPackage
//! SRS, a legacy GeoJSON `crs` member, or `--crs`; never a guess), reprojects
//! every geometry to EPSG:4326 with GDAL's OGR coordinate transformation
//! (traditional GIS order on both sides: x = longitude, y = latitude), maps the
//! source fields onto the layer's schema (`mapping.rs`), and validates each
//! feature into either a [`model::Feature`] or a [`Problem`] of the report.
//! Writing is the caller's business: one `Store::write`, one transaction.
//! All of this is blocking GDAL work: call it off the async runtime.
//!
//! One piece (about 600 lines): reading one GDAL layer is one pass over the
//! reader whose steps share its state; the steps that stand alone are their
//! own files (`pipeline.rs`, `reproject.rs`, `mapping.rs`, `quick_valid.rs`).

pub mod export;
pub mod first_events;
pub mod geojson_crs;
pub mod mapping;
pub mod osm;
pub mod osm_residents;
mod pipeline;
mod quick_valid;
pub mod reproject;
pub mod run;
pub mod sandbox;
pub mod surroundings;
pub mod upload;
mod zip_listing;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use gdal::vector::LayerAccess;
use gdal::Dataset;

use crate::model::{self, LayerId, Value};

pub use mapping::FieldMapping;
pub use reproject::SourceCrs;
pub use upload::{UploadFormat, UploadSource};

/// Why an import (or export) could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot open {path} with GDAL: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("{path} has no layer named '{name}' (it has: {available})")]
    NoSuchLayer {
        path: PathBuf,
        name: String,
        available: String,
    },
    #[error("{path} has {count} layers ({available}): choose one with --source-layer")]
    ManyLayers {
        path: PathBuf,
        count: usize,
        available: String,
    },
    #[error("{path} has no features")]
    Empty { path: PathBuf },
    #[error("{path} names no CRS: say which with --crs EPSG:N (the atlas never guesses one)")]
    NoCrs { path: PathBuf },
    #[error("bad --crs '{given}': {reason}")]
    BadCrs { given: String, reason: String },
    #[error("cannot reproject from {from} to EPSG:4326: {reason}")]
    Transform { from: String, reason: String },
    #[error("field mapping: {0}")]
    Mapping(String),
    #[error("{path} is truncated or corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    /// GDAL failed while reading features: `at` says where, `reason` is GDAL's.
    #[error("{path} cannot be read {at}: {reason}")]
    Unreadable {
        path: PathBuf,
        at: String,
        reason: String,
    },
    #[error("{path} declares its CRS as a link, which the atlas does not follow: name it (EPSG:N) in the file or with --crs")]
    CrsLink { path: PathBuf },
    #[error("{path} declares a CRS the atlas does not know (it would be read as WGS 84): say which with --crs EPSG:N")]
    UnknownCrs { path: PathBuf },
    #[error("gdal error while {context}: {source}")]
    Gdal {
        context: String,
        source: gdal::errors::GdalError,
    },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One feature the import refuses: which (index in the source, or its key),
/// which field (or `geometry`), and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// `#N` (0-based position in the source) or the feature's key.
    pub feature: String,
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{}\t{}\t{}",
            self.feature, self.field, self.reason
        )
    }
}

/// What an import reads: which layer, from where, and how.
#[derive(Debug, Clone)]
pub struct ImportParams {
    pub layer: LayerId,
    pub path: PathBuf,
    /// The source layer, needed when the file has more than one.
    pub source_layer: Option<String>,
    /// `EPSG:N`: the source CRS when the file names none, or overriding it.
    pub crs: Option<String>,
    /// `target=source` pairs and `target=value` defaults.
    pub mapping: FieldMapping,
    /// The source field that gives each feature its id; default the layer's
    /// natural key (see [`natural_key`]), else the source's feature id.
    pub key: Option<String>,
    /// Repair invalid geometries with GEOS make-valid instead of rejecting them.
    pub repair: bool,
    /// Whose file it is: which drivers may open it and how.
    pub policy: SourcePolicy,
    /// Where the features may lie (the area the atlas maps, with a margin);
    /// `None` checks nothing (an empty store).
    pub surroundings: Option<surroundings::Surroundings>,
}

/// How far GDAL may go in opening a source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SourcePolicy {
    /// The operator's own file (`atlas import`): every driver GDAL has.
    #[default]
    Trusted,
    /// An upload checked by [`upload::accept`]: its format's drivers only,
    /// its open options, under [`sandbox::UploadConfig`].
    Upload(UploadSource),
}

impl SourcePolicy {
    /// The thread-local GDAL configuration to open and read under, if any.
    fn thread_config(&self) -> Option<sandbox::UploadConfig> {
        match self {
            SourcePolicy::Trusted => None,
            SourcePolicy::Upload(source) => Some(sandbox::UploadConfig::apply(&source.temp_dir)),
        }
    }

    fn is_geojson(&self, path: &Path) -> bool {
        match self {
            SourcePolicy::Trusted => path.extension().is_some_and(|ext| {
                ext.eq_ignore_ascii_case("geojson") || ext.eq_ignore_ascii_case("json")
            }),
            SourcePolicy::Upload(source) => source.format == UploadFormat::GeoJson,
        }
    }
}

/// The outcome of reading and validating a source.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    /// Valid features, ready for one store write.
    pub features: Vec<model::Feature>,
    /// The refused features; empty when everything is valid.
    pub problems: Vec<Problem>,
    /// Features read from the source.
    pub n_read: usize,
    /// Geometries repaired with make-valid.
    pub n_repaired: usize,
    /// The source CRS, as `EPSG:N` or its name.
    pub source_crs: String,
}

/// The schema field that identifies a feature of this layer in the city's
/// own data, used as id when `--key` is not given.
pub fn natural_key(layer: LayerId) -> Option<&'static str> {
    match layer {
        LayerId::Neighbourhoods => Some("code"),
        LayerId::Parcels => Some("capakey"),
        _ => None,
    }
}

/// Parse `EPSG:N` (or a bare `N`).
pub fn parse_epsg(text: &str) -> Result<u32, ImportError> {
    let digits = text
        .trim()
        .strip_prefix("EPSG:")
        .or_else(|| text.trim().strip_prefix("epsg:"))
        .unwrap_or(text.trim());
    digits.parse().map_err(|_| ImportError::BadCrs {
        given: text.to_string(),
        reason: "expected EPSG:N, e.g. EPSG:31370".into(),
    })
}

/// GDAL errors on this thread are collected, not printed, while this lives.
struct QuietErrors;

impl QuietErrors {
    fn new() -> Self {
        // SAFETY: pushes a handler on this thread's stack; popped in drop.
        unsafe { gdal_sys::CPLPushErrorHandler(Some(gdal_sys::CPLQuietErrorHandler)) };
        QuietErrors
    }

    fn reset(&self) {
        // SAFETY: thread-local error state.
        unsafe { gdal_sys::CPLErrorReset() };
    }

    /// The last failure on this thread since `reset`, if any.
    fn failure(&self) -> Option<String> {
        // SAFETY: thread-local error state; the message is copied at once.
        unsafe {
            let kind = gdal_sys::CPLGetLastErrorType();
            if kind >= gdal_sys::CPLErr::CE_Failure {
                let message = std::ffi::CStr::from_ptr(gdal_sys::CPLGetLastErrorMsg());
                Some(message.to_string_lossy().trim().to_string())
            } else {
                None
            }
        }
    }
}

impl Drop for QuietErrors {
    fn drop(&mut self) {
        // SAFETY: pops the handler pushed in `new`, on the same thread.
        unsafe { gdal_sys::CPLPopErrorHandler() };
    }
}

/// Open a vector file with GDAL, read-only, as `policy` allows: a trusted
/// file with any driver, an upload with its format's drivers and options
/// (call this under the policy's thread config).
pub(crate) fn open_vector(path: &Path, policy: &SourcePolicy) -> Result<Dataset, ImportError> {
    let is_local = !path.to_string_lossy().starts_with("/vsi");
    if is_local && !path.exists() {
        return Err(ImportError::Open {
            path: path.into(),
            reason: "no such file".into(),
        });
    }
    let quiet = QuietErrors::new();
    quiet.reset();
    let open_options: Vec<&str> = match policy {
        SourcePolicy::Trusted => Vec::new(),
        SourcePolicy::Upload(source) => source.open_options.iter().map(String::as_str).collect(),
    };
    let options = gdal::DatasetOptions {
        open_flags: gdal::GdalOpenFlags::GDAL_OF_VECTOR | gdal::GdalOpenFlags::GDAL_OF_READONLY,
        allowed_drivers: match policy {
            SourcePolicy::Trusted => None,
            SourcePolicy::Upload(source) => Some(source.format.drivers()),
        },
        open_options: match policy {
            SourcePolicy::Trusted => None,
            SourcePolicy::Upload(_) => Some(&open_options),
        },
        ..Default::default()
    };
    Dataset::open_ex(path, options).map_err(|error| ImportError::Open {
        path: path.into(),
        reason: quiet.failure().unwrap_or_else(|| error.to_string()),
    })
}

/// The legacy `crs` member of a GeoJSON source, read by the atlas before
/// GDAL (which follows a link and reads an unknown CRS as WGS 84): a link
/// or an unknown CRS stops the import unless `--crs` overrides it.
fn check_geojson_crs(params: &ImportParams) -> Result<(), ImportError> {
    use geojson_crs::DeclaredCrs;
    if !params.policy.is_geojson(&params.path) || params.crs.is_some() {
        return Ok(());
    }
    let Ok(file) = std::fs::File::open(&params.path) else {
        return Ok(()); // a /vsi path of the operator's: GDAL reports it
    };
    let path = params.path.clone();
    match geojson_crs::declared_crs(file) {
        // not JSON: GDAL says what is wrong
        Err(_) | Ok(DeclaredCrs::Absent | DeclaredCrs::Crs84) => Ok(()),
        Ok(DeclaredCrs::Epsg(code)) => match reproject::epsg(code) {
            Ok(_) => Ok(()),
            Err(_) => Err(ImportError::UnknownCrs { path }),
        },
        Ok(DeclaredCrs::Link) => Err(ImportError::CrsLink { path }),
        Ok(DeclaredCrs::Unknown) => Err(ImportError::UnknownCrs { path }),
    }
}

/// Read, reproject, map and validate every feature of the source.
/// `progress` is called with the number of features read so far.
pub fn read_source(
    params: &ImportParams,
    progress: &dyn Fn(usize, Option<u64>),
) -> Result<ImportOutcome, ImportError> {
    let schema = params.layer.schema();
    check_geojson_crs(params)?;
    let _upload_config = params.policy.thread_config();
    let dataset = open_vector(&params.path, &params.policy)?;
    let names: Vec<String> = dataset.layers().map(|layer| layer.name()).collect();
    let mut layer = match &params.source_layer {
        Some(name) => dataset
            .layer_by_name(name)
            .map_err(|_| ImportError::NoSuchLayer {
                path: params.path.clone(),
                name: name.clone(),
                available: names.join(", "),
            })?,
        None if names.len() == 1 => dataset.layer(0).map_err(|source| ImportError::Gdal {
            context: "opening the source layer".into(),
            source,
        })?,
        None if names.is_empty() => {
            return Err(ImportError::Empty {
                path: params.path.clone(),
            })
        }
        None => {
            return Err(ImportError::ManyLayers {
                path: params.path.clone(),
                count: names.len(),
                available: names.join(", "),
            })
        }
    };

    let claimed = layer.try_feature_count();
    check_dbf_header(&params.path, claimed)?;
    if claimed == Some(0) {
        return Err(ImportError::Empty {
            path: params.path.clone(),
        });
    }
    let source_crs = SourceCrs::resolve(&params.path, layer.spatial_ref(), params.crs.as_deref())?;
    let source_fields: Vec<String> = layer.defn().fields().map(|field| field.name()).collect();
    let plan = params.mapping.plan(schema, &source_fields)?;
    let key_source = match &params.key {
        Some(key) => Some(KeySource::Source(
            mapping::find_field(&source_fields, key).ok_or_else(|| {
                ImportError::Mapping(format!(
                    "--key '{key}' is not a field of the source (it has: {})",
                    source_fields.join(", ")
                ))
            })?,
        )),
        None => natural_key(params.layer)
            .and_then(|name| schema.field_index(name))
            .map(KeySource::Target),
    };
    let mut outcome = ImportOutcome {
        source_crs: source_crs.label.clone(),
        ..ImportOutcome::default()
    };
    // geometry and schema checks run on worker threads (pipeline.rs); this
    // thread reads, maps fields and finds ids, in source order
    let mut workers = pipeline::Workers::start(
        &pipeline::WorkerParams {
            layer: params.layer,
            path: params.path.clone(),
            source_layer: layer.name(),
            crs: params.crs.clone(),
            repair: params.repair,
            policy: params.policy.clone(),
            surroundings: params.surroundings,
        },
        pipeline::n_workers(),
    );
    let mut chunk = Vec::with_capacity(pipeline::CHUNK);
    // xxh3 rather than SipHash: this set is hot (one insert per feature) and
    // its keys come from the file being imported, not from strangers at large
    let expected = claimed.unwrap_or(0).min(1 << 24) as usize;
    let mut seen_ids =
        HashSet::with_capacity_and_hasher(expected, xxhash_rust::xxh3::Xxh3DefaultBuilder);
    let quiet = QuietErrors::new();
    let mut features = layer.features();
    loop {
        quiet.reset();
        let Some(source) = features.next() else {
            if let Some(reason) = quiet.failure() {
                return Err(ImportError::Unreadable {
                    path: params.path.clone(),
                    at: format!("after {} features", outcome.n_read),
                    reason,
                });
            }
            break;
        };
        if let Some(reason) = quiet.failure() {
            return Err(ImportError::Unreadable {
                path: params.path.clone(),
                at: format!("at feature #{}", outcome.n_read),
                reason,
            });
        }
        let index = outcome.n_read;
        outcome.n_read += 1;
        if outcome.n_read.is_multiple_of(1024) {
            progress(outcome.n_read, claimed);
        }
        chunk.push(read_one(&source, index, &plan, &key_source, &mut seen_ids));
        if chunk.len() == pipeline::CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(pipeline::CHUNK));
            if !workers.send(full) {
                break;
            }
        }
    }
    if !chunk.is_empty() {
        workers.send(chunk);
    }
    drop(features);
    outcome.features.reserve_exact(outcome.n_read);
    for checked in workers.finish()? {
        match checked {
            pipeline::Checked::Feature(feature, repaired) => {
                outcome.n_repaired += usize::from(repaired);
                outcome.features.push(feature);
            }
            pipeline::Checked::Problem(problem) => outcome.problems.push(problem),
        }
    }
    progress(outcome.n_read, claimed);

    if let Some(claimed) = claimed {
        if claimed as usize > outcome.n_read {
            return Err(ImportError::Corrupt {
                path: params.path.clone(),
                reason: format!(
                    "its header claims {claimed} features but only {} could be read",
                    outcome.n_read
                ),
            });
        }
    }
    if outcome.n_read == 0 {
        return Err(ImportError::Empty {
            path: params.path.clone(),
        });
    }
    Ok(outcome)
}

/// The reader's share of one feature: its field values, its id (refusing a
/// missing or repeated key) and its geometry as WKB for the workers.
fn read_one(
    source: &gdal::vector::Feature<'_>,
    index: usize,
    plan: &mapping::MappingPlan,
    key_source: &Option<KeySource>,
    seen_ids: &mut HashSet<String, xxhash_rust::xxh3::Xxh3DefaultBuilder>,
) -> pipeline::RawFeature {
    let refused = |label: String, field: String, reason: String| pipeline::RawFeature {
        label: None,
        body: Err(Problem {
            feature: label,
            field,
            reason,
        }),
    };
    let values = match plan.values(source) {
        Ok(values) => values,
        Err((field, reason)) => return refused(format!("#{index}"), field, reason),
    };
    let id = match key_source {
        Some(KeySource::Source(field_index)) => mapping::text_of(source, *field_index),
        Some(KeySource::Target(target)) => match &values[*target] {
            Value::Text(text) => Some(text.clone()),
            Value::Integer(number) => Some(number.to_string()),
            _ => None,
        },
        None => source.fid().map(|fid| fid.to_string()),
    };
    let id = match id {
        Some(id) if !id.trim().is_empty() => id,
        blank => {
            let label = blank.unwrap_or_else(|| format!("#{index}"));
            return refused(label, "id".into(), "no key value to use as id".into());
        }
    };
    if !seen_ids.insert(id.clone()) {
        let reason = format!("the key '{id}' occurs more than once");
        return refused(id, "id".into(), reason);
    }
    let wkb = match source.geometry().map(|geometry| geometry.wkb()) {
        None => None,
        Some(Ok(wkb)) => Some(wkb),
        Some(Err(error)) => {
            let reason = format!("unreadable geometry: {error}");
            return refused(id, "geometry".into(), reason);
        }
    };
    pipeline::RawFeature {
        label: None,
        body: Ok(pipeline::RawBody { id, values, wkb }),
    }
}

/// A Shapefile's `.dbf` header against the file and the `.shp`: GDAL reads
/// the records the `.shp` has and would silently ignore a `.dbf` whose header
/// claims more (or fewer) records than it holds.
/// Read through GDAL's file systems, so a `.dbf` inside `/vsizip/` counts.
fn check_dbf_header(path: &Path, n_shapes: Option<u64>) -> Result<(), ImportError> {
    let is_shapefile = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("shp"));
    if !is_shapefile {
        return Ok(());
    }
    let Some((header, dbf_len)) = ["dbf", "DBF"]
        .iter()
        .find_map(|ext| vsi_head(&path.with_extension(ext), 12))
    else {
        return Ok(());
    };
    let corrupt = |reason: String| ImportError::Corrupt {
        path: path.into(),
        reason,
    };
    if header.len() < 12 {
        return Err(corrupt("its .dbf is shorter than a dBASE header".into()));
    }
    let n_records = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as u64;
    let header_len = u16::from_le_bytes([header[8], header[9]]) as u64;
    let record_len = u16::from_le_bytes([header[10], header[11]]) as u64;
    let n_held = dbf_len.saturating_sub(header_len) / record_len.max(1);
    if n_records > n_held {
        return Err(corrupt(format!(
            "its .dbf header claims {n_records} records but the file holds only {n_held}"
        )));
    }
    if let Some(n_shapes) = n_shapes {
        if n_shapes != n_records {
            return Err(corrupt(format!(
                "its .shp has {n_shapes} shapes but its .dbf {n_records} records"
            )));
        }
    }
    Ok(())
}

/// The first `n` bytes (fewer if the file is shorter) and the length of a
/// file GDAL can read (a plain path or a `/vsi` one); `None` if there is none.
fn vsi_head(path: &Path, n: usize) -> Option<(Vec<u8>, u64)> {
    let c_path = std::ffi::CString::new(path.to_string_lossy().as_bytes()).ok()?;
    // SAFETY: GDAL's VSI calls on a NUL-terminated path; the handle is closed
    // before returning and the buffer is as long as the read asks for
    unsafe {
        let handle = gdal_sys::VSIFOpenL(c_path.as_ptr(), c"rb".as_ptr());
        if handle.is_null() {
            return None;
        }
        let mut head = vec![0u8; n];
        let n_read = gdal_sys::VSIFReadL(head.as_mut_ptr().cast(), 1, n, handle);
        head.truncate(n_read);
        const SEEK_END: i32 = 2;
        let len = match gdal_sys::VSIFSeekL(handle, 0, SEEK_END) {
            0 => Some(gdal_sys::VSIFTellL(handle)),
            _ => None,
        };
        gdal_sys::VSIFCloseL(handle);
        Some((head, len?))
    }
}

/// The feature read as its layer's typed record: closed sets (a street class,
/// a shop category, a zoning) must hold one of their values, or the store
/// could not be read back.
fn check_record(feature: &model::Feature, layer: LayerId) -> Result<(), model::ModelError> {
    use model::LayerRecord;
    match layer {
        LayerId::Neighbourhoods => model::Neighbourhood::from_feature(feature).map(drop),
        LayerId::Residents => model::Resident::from_feature(feature).map(drop),
        LayerId::Parcels => model::Parcel::from_feature(feature).map(drop),
        LayerId::BusinessParks => model::BusinessPark::from_feature(feature).map(drop),
        LayerId::ShopUnits => model::ShopUnit::from_feature(feature).map(drop),
        LayerId::ShoppingAreas => model::ShoppingArea::from_feature(feature).map(drop),
        LayerId::Streets => model::Street::from_feature(feature).map(drop),
        LayerId::Companies => model::Company::from_feature(feature).map(drop),
        LayerId::AccessPoints => model::AccessPoint::from_feature(feature).map(drop),
        LayerId::Places => model::Place::from_feature(feature).map(drop),
        LayerId::Waterways => model::Waterway::from_feature(feature).map(drop),
    }
}

/// Where a feature's id comes from.
enum KeySource {
    /// A source field, by index.
    Source(usize),
    /// A schema field (after mapping), by index.
    Target(usize),
}

/// Write the report as tab-separated `feature field reason` lines with a header.
pub fn write_report(path: &Path, problems: &[Problem]) -> Result<(), ImportError> {
    let mut text = String::from("feature\tfield\treason\n");
    for problem in problems {
        text.push_str(&problem.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|source| ImportError::Io {
        path: path.into(),
        source,
    })
}
