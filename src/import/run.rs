//! The `atlas import` and `atlas export` commands: read off the runtime,
//! show progress (features per second), report problems, write once.
//!
//! All or nothing by default: one invalid feature and nothing is written.
//! With `skip_invalid` the valid features are written and the report goes to
//! a file; with `dry_run` nothing is written either way. The one write is one
//! `Store::write`, which is one transaction in both stores.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::export::{export_features, remove_partial, ExportParams};
use super::{read_source, write_report, ImportError, ImportParams, Problem};
use crate::store::{Store, StoreError, WriteBatch};

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{n_invalid} of {n_read} features are invalid, nothing was written (first: feature {first_feature}, {first_field}: {first_reason}); use --skip-invalid --report FILE to write the valid ones")]
    Invalid {
        n_invalid: usize,
        n_read: usize,
        first_feature: String,
        first_field: String,
        first_reason: String,
    },
    #[error("the import task failed: {0}")]
    Task(String),
}

/// What `atlas import` reads into: one layer, or `osm` (shop units and streets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportTarget {
    Osm,
    Layer(crate::model::LayerId),
}

impl std::str::FromStr for ImportTarget {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "osm" => Ok(ImportTarget::Osm),
            other => other
                .parse()
                .map(ImportTarget::Layer)
                .map_err(|error| format!("{error}, or osm for an OpenStreetMap extract")),
        }
    }
}

/// Shop units, streets and (by `residents`, see `osm_residents.rs`)
/// residents from an OpenStreetMap extract, in one write.
pub async fn import_osm(
    path: PathBuf,
    status_since: chrono::NaiveDate,
    residents: super::osm_residents::ResidentsPolicy,
    dry_run: bool,
    store: Option<&dyn Store>,
) -> Result<super::osm_residents::OsmSummary, RunError> {
    let outcome = tokio::task::spawn_blocking(move || super::osm::read_osm(&path, status_since))
        .await
        .map_err(|error| RunError::Task(error.to_string()))??;
    print_problems(&outcome.problems);
    let residents = super::osm_residents::decide(residents, store).await?;
    let summary = super::osm_residents::OsmSummary {
        n_shop_units: outcome.shop_units.len(),
        n_streets: outcome.streets.len(),
        n_residents: outcome.residents.len(),
        population: super::osm_residents::total_population(&outcome.residents),
        residents,
        n_problems: outcome.problems.len(),
    };
    if let (false, Some(store)) = (dry_run, store) {
        let mut batch = WriteBatch {
            layers: vec![
                (crate::model::LayerId::ShopUnits, outcome.shop_units),
                (crate::model::LayerId::Streets, outcome.streets),
            ],
            events: Vec::new(),
        };
        if summary.residents.write {
            batch
                .layers
                .push((crate::model::LayerId::Residents, outcome.residents));
        }
        store.write(&batch, &|_| {}).await?;
    }
    Ok(summary)
}

/// An import as the command line asks for it.
#[derive(Debug, Clone)]
pub struct ImportCommand {
    pub params: ImportParams,
    pub dry_run: bool,
    pub skip_invalid: bool,
    /// Where the report of refused features goes (tab-separated).
    pub report: Option<PathBuf>,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub n_read: usize,
    pub n_written: usize,
    pub n_invalid: usize,
    pub n_repaired: usize,
    pub source_crs: String,
    pub read_seconds: f64,
    /// Shop units new to the store, each given its first event.
    pub n_first_events: usize,
}

fn bar(message: &str, total: Option<u64>) -> ProgressBar {
    let bar = match total {
        Some(total) => ProgressBar::new(total),
        None => ProgressBar::no_length(),
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {human_pos}/{human_len} features, {per_sec}, eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Read, validate and (unless a dry run) write one layer into `store`.
pub async fn import(
    command: ImportCommand,
    store: Option<&dyn Store>,
) -> Result<ImportSummary, RunError> {
    let started = Instant::now();
    let reading = bar("reading", None);
    let params = command.params.clone();
    let outcome = {
        let reading = reading.clone();
        tokio::task::spawn_blocking(move || {
            read_source(&params, &move |n_read, claimed| {
                if let Some(claimed) = claimed {
                    reading.set_length(claimed);
                }
                reading.set_position(n_read as u64);
            })
        })
        .await
        .map_err(|error| RunError::Task(error.to_string()))??
    };
    reading.finish_and_clear();
    let read_seconds = started.elapsed().as_secs_f64();
    let mut summary = ImportSummary {
        n_read: outcome.n_read,
        n_written: 0,
        n_invalid: outcome.problems.len(),
        n_repaired: outcome.n_repaired,
        source_crs: outcome.source_crs.clone(),
        read_seconds,
        n_first_events: 0,
    };
    print_problems(&outcome.problems);
    if let Some(report) = &command.report {
        write_report(report, &outcome.problems)?;
    }
    if let Some(first) = outcome.problems.first() {
        if !command.skip_invalid {
            return Err(RunError::Invalid {
                n_invalid: outcome.problems.len(),
                n_read: outcome.n_read,
                first_feature: first.feature.clone(),
                first_field: first.field.clone(),
                first_reason: first.reason.clone(),
            });
        }
    }
    if command.dry_run {
        return Ok(summary);
    }
    let Some(store) = store else {
        return Ok(summary);
    };
    let layer = command.params.layer;
    let events = if layer == crate::model::LayerId::ShopUnits {
        let with_history: std::collections::HashSet<String> = store
            .read_events()
            .await?
            .into_iter()
            .map(|event| event.unit_id)
            .collect();
        super::first_events::first_events(
            layer,
            &outcome.features,
            &with_history,
            &importer_name(),
            chrono::Utc::now(),
        )
        .map_err(|(feature, error)| RunError::Invalid {
            n_invalid: 1,
            n_read: outcome.n_read,
            first_feature: feature,
            first_field: "status".into(),
            first_reason: error.to_string(),
        })?
    } else {
        Vec::new()
    };
    // a unit given its first event here must still have none at commit
    let guard = crate::store::EditGuard {
        expect_versions: events
            .iter()
            .map(|event| (event.unit_id.clone(), 0))
            .collect(),
        audit: Vec::new(),
    };
    summary.n_first_events = events.len();
    let batch = WriteBatch {
        layers: vec![(layer, outcome.features)],
        events,
    };
    let writing = bar("writing", Some(batch.len() as u64));
    let progress = {
        let writing = writing.clone();
        move |done: usize| writing.set_position(done as u64)
    };
    store.write_guarded(&batch, &guard, &progress).await?;
    writing.finish_and_clear();
    summary.n_written = batch.len() - summary.n_first_events;
    Ok(summary)
}

/// Who the first events of a command-line import are recorded by: the
/// operator's login name.
fn importer_name() -> String {
    std::env::var("USER")
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "atlas-import".to_string())
}

/// The report on stderr: the first 50 problems, then a count.
fn print_problems(problems: &[Problem]) {
    const SHOWN: usize = 50;
    if problems.is_empty() {
        return;
    }
    eprintln!("feature\tfield\treason");
    for problem in problems.iter().take(SHOWN) {
        eprintln!("{problem}");
    }
    if problems.len() > SHOWN {
        eprintln!("... and {} more", problems.len() - SHOWN);
    }
}

/// Read one layer from `store` and write it to a file; returns the count.
pub async fn export(params: ExportParams, store: &dyn Store) -> Result<usize, RunError> {
    let features = store.read_layer(params.layer).await?;
    tokio::task::spawn_blocking(move || {
        let written = export_features(&params, &features);
        if written.is_err() && !matches!(written, Err(ImportError::Io { .. })) {
            remove_partial(&params.out);
        }
        written
    })
    .await
    .map_err(|error| RunError::Task(error.to_string()))?
    .map_err(RunError::from)
}
