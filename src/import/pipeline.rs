//! The per-feature work of an import on several threads, with the outcome
//! of one: the GDAL reader (the caller's thread) fetches each feature, maps
//! its fields, finds its id (refusing a duplicate) and exports its geometry
//! as WKB; workers turn the WKB back into a geometry (validity by GEOS,
//! make-valid on request, reprojection, the layer's type) and check the
//! feature against its schema and record type. Work travels in chunks with a
//! sequence number and the chunks are put back in source order, so features
//! and problems come out exactly as a single thread would give them.
//!
//! Each worker resolves the source CRS itself, from the same file and
//! `--crs` as the reader, since GDAL's spatial references and coordinate
//! transformations may not cross threads. Blocking GDAL work.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use gdal::vector::LayerAccess;

use super::{check_record, open_vector, ImportError, Problem, QuietErrors, SourceCrs};
use crate::engine::measure::area_m2;
use crate::model::{self, LayerId, Value};

/// Features per chunk sent to a worker.
pub(super) const CHUNK: usize = 1024;

/// One feature as the reader hands it over: its label in the report when
/// it is not the id (`None`: the id), and either what the workers need or
/// the problem the reader found.
pub(super) struct RawFeature {
    pub label: Option<String>,
    pub body: Result<RawBody, Problem>,
}

/// A feature whose fields and id are read; its geometry is still WKB.
pub(super) struct RawBody {
    pub id: String,
    pub values: Vec<Value>,
    /// `None` when the source feature has no geometry.
    pub wkb: Option<Vec<u8>>,
}

/// A worker's verdict on one feature.
pub(super) enum Checked {
    /// Valid; `true` when its geometry was repaired.
    Feature(model::Feature, bool),
    Problem(Problem),
}

/// What the workers need to know, the same for every feature.
#[derive(Clone)]
pub(super) struct WorkerParams {
    pub layer: LayerId,
    pub path: PathBuf,
    /// The source layer's name, to resolve its CRS as the reader did.
    pub source_layer: String,
    pub crs: Option<String>,
    pub repair: bool,
    /// How the reader opened the source; each worker opens it the same way.
    pub policy: super::SourcePolicy,
    pub surroundings: Option<super::surroundings::Surroundings>,
}

/// The worker threads: send chunks with [`Workers::send`], then
/// [`Workers::finish`] for every verdict in source order.
pub(super) struct Workers {
    jobs: Option<SyncSender<(usize, Vec<RawFeature>)>>,
    results: Receiver<Result<(usize, Vec<Checked>), ImportError>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    n_sent: usize,
}

impl Workers {
    /// `n_threads` workers (at least one).
    pub fn start(params: &WorkerParams, n_threads: usize) -> Workers {
        let n_threads = n_threads.max(1);
        let (jobs, job_queue) = mpsc::sync_channel::<(usize, Vec<RawFeature>)>(2 * n_threads);
        let job_queue = Arc::new(Mutex::new(job_queue));
        let (results_sender, results) = mpsc::channel();
        let threads = (0..n_threads)
            .map(|_| {
                let job_queue = Arc::clone(&job_queue);
                let results_sender = results_sender.clone();
                let params = params.clone();
                std::thread::spawn(move || work(&params, &job_queue, &results_sender))
            })
            .collect();
        Workers {
            jobs: Some(jobs),
            results,
            threads,
            n_sent: 0,
        }
    }

    /// Hand over the next chunk (blocks while the workers are behind).
    /// `false` when the workers stopped (their error comes from `finish`).
    pub fn send(&mut self, chunk: Vec<RawFeature>) -> bool {
        let Some(jobs) = &self.jobs else {
            return false;
        };
        let sent = jobs.send((self.n_sent, chunk)).is_ok();
        self.n_sent += 1;
        sent
    }

    /// Every verdict, in the order the features were sent.
    pub fn finish(mut self) -> Result<impl Iterator<Item = Checked>, ImportError> {
        self.jobs = None;
        let mut chunks = BTreeMap::new();
        for result in self.results.iter() {
            let (sequence, checked) = result?;
            chunks.insert(sequence, checked);
        }
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                return Err(worker_failure("an import worker panicked".into()));
            }
        }
        if chunks.len() != self.n_sent {
            return Err(worker_failure(format!(
                "the import workers returned {} of {} chunks",
                chunks.len(),
                self.n_sent
            )));
        }
        Ok(chunks.into_values().flatten())
    }
}

/// A fault of the workers themselves (not of the data): an internal error.
fn worker_failure(reason: String) -> ImportError {
    ImportError::Io {
        path: PathBuf::from("<import workers>"),
        source: std::io::Error::other(reason),
    }
}

/// The resolved source CRS of a worker, as the reader resolves it.
fn worker_crs(params: &WorkerParams) -> Result<SourceCrs, ImportError> {
    let _upload_config = params.policy.thread_config();
    let dataset = open_vector(&params.path, &params.policy)?;
    let layer = dataset
        .layer_by_name(&params.source_layer)
        .map_err(|source| ImportError::Gdal {
            context: "opening the source layer in a worker".into(),
            source,
        })?;
    SourceCrs::resolve(&params.path, layer.spatial_ref(), params.crs.as_deref())
}

fn work(
    params: &WorkerParams,
    job_queue: &Mutex<Receiver<(usize, Vec<RawFeature>)>>,
    results: &mpsc::Sender<Result<(usize, Vec<Checked>), ImportError>>,
) {
    let _quiet = QuietErrors::new();
    let source_crs = match worker_crs(params) {
        Ok(source_crs) => source_crs,
        Err(error) => {
            let _ = results.send(Err(error));
            return;
        }
    };
    let schema = params.layer.schema();
    let area_index = (params.layer == LayerId::Parcels)
        .then(|| schema.field_index("area_m2"))
        .flatten();
    loop {
        let job = match job_queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok((sequence, chunk)) = job else {
            return;
        };
        let checked = chunk
            .into_iter()
            .map(|raw| match raw.body {
                Err(problem) => Checked::Problem(problem),
                Ok(body) => check(body, raw.label, params, &source_crs, schema, area_index),
            })
            .collect();
        if results.send(Ok((sequence, checked))).is_err() {
            return;
        }
    }
}

/// Geometry, schema, record and area of use of one feature.
fn check(
    body: RawBody,
    label: Option<String>,
    params: &WorkerParams,
    source_crs: &SourceCrs,
    schema: &model::LayerSchema,
    area_index: Option<usize>,
) -> Checked {
    let problem = |label: String, field: &str, reason: String| {
        Checked::Problem(Problem {
            feature: label,
            field: field.into(),
            reason,
        })
    };
    let geometry = match &body.wkb {
        None => Err("the feature has no geometry".to_string()),
        Some(wkb) => gdal::vector::Geometry::from_wkb(wkb)
            .map_err(|error| format!("unreadable geometry: {error}"))
            .and_then(|geometry| {
                source_crs.to_layer_geometry_owned(geometry, schema.geometry_type, params.repair)
            }),
    };
    let (geometry, repaired) = match geometry {
        Ok(converted) => converted,
        Err(reason) => return problem(label.unwrap_or(body.id), "geometry", reason),
    };
    let mut feature = model::Feature {
        id: body.id,
        geometry,
        values: body.values,
    };
    if let Some(area_index) = area_index {
        if feature.values[area_index].is_null() {
            feature.values[area_index] = Value::Real(area_m2(&feature.geometry));
        }
    }
    if let Err(error) = feature
        .validate(schema)
        .and_then(|()| check_record(&feature, params.layer))
    {
        let (field, reason) = match error {
            model::ModelError::Field { field, reason } => (field, reason),
            model::ModelError::Geometry(reason) => ("geometry".to_string(), reason),
        };
        return problem(label.unwrap_or(feature.id), &field, reason);
    }
    if let Some(reason) = source_crs.outside_area_of_use(&feature.geometry) {
        return problem(label.unwrap_or(feature.id), "geometry", reason);
    }
    let too_far = params
        .surroundings
        .and_then(|surroundings| surroundings.too_far(&feature.geometry));
    if let Some(reason) = too_far {
        return problem(label.unwrap_or(feature.id), "geometry", reason);
    }
    Checked::Feature(feature, repaired)
}

/// How many workers for this machine: one per core, the reader beside them
/// (it mostly waits on GDAL's IO or on a full queue).
pub(super) fn n_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
