//! What coverage reads that does not depend on the date or the kind: the
//! walking network, every resident snapped to it with their neighbourhood,
//! and the neighbourhoods' codes and names. Built once per engine and cached
//! ([`CoverageCache`](super::CoverageCache)) until streets, residents or
//! neighbourhoods change.

use std::sync::Arc;

use geo::{Contains, Point, Rect};

use super::graph::WalkNetwork;
use super::snap::Snap;
use super::CoverageError;
use crate::engine::Engine;
use crate::model::layers::LayerRecord;
use crate::model::{LayerId, Neighbourhood, Resident, Street};

/// A resident address point and where it joins the network.
#[derive(Debug, Clone)]
pub struct ResidentSite {
    pub id: String,
    pub point: Point<f64>,
    pub population: i64,
    /// Position in [`CoverageBase::neighbourhoods`], `None` outside all.
    pub neighbourhood: Option<u32>,
    /// `None`: more than 250 m from every walkable street.
    pub snap: Option<Snap>,
}

/// A neighbourhood's code and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighbourhoodName {
    pub code: String,
    pub name: String,
}

#[derive(Debug)]
pub struct CoverageBase {
    pub network: WalkNetwork,
    pub residents: Vec<ResidentSite>,
    /// In the layer's (id) order.
    pub neighbourhoods: Vec<NeighbourhoodName>,
}

impl CoverageBase {
    /// The base of these layers; `neighbourhood_of` gives a point's position
    /// in `neighbourhoods`.
    pub fn new(
        streets: &[Street],
        residents: &[Resident],
        neighbourhoods: &[Neighbourhood],
        neighbourhood_of: impl Fn(Point<f64>) -> Option<usize> + Sync,
    ) -> Self {
        let network = WalkNetwork::build(streets);
        let site = |resident: &Resident| ResidentSite {
            id: resident.id.clone(),
            point: resident.geometry,
            population: resident.population,
            neighbourhood: neighbourhood_of(resident.geometry).map(|index| index as u32),
            snap: network.snap(resident.geometry),
        };
        let residents = in_parallel(residents, site);
        CoverageBase {
            neighbourhoods: neighbourhoods
                .iter()
                .map(|n| NeighbourhoodName {
                    code: n.code.clone(),
                    name: n.name.clone(),
                })
                .collect(),
            network,
            residents,
        }
    }

    /// The base of the engine's streets, residents and neighbourhoods
    /// (point in polygon through the neighbourhood index).
    pub fn from_engine(engine: &Engine) -> Result<Self, CoverageError> {
        let streets: Vec<Street> = decode(engine, LayerId::Streets)?;
        let residents: Vec<Resident> = decode(engine, LayerId::Residents)?;
        let neighbourhoods: Vec<Neighbourhood> = decode(engine, LayerId::Neighbourhoods)?;
        let index = engine.layer(LayerId::Neighbourhoods);
        let neighbourhood_of = |point: Point<f64>| {
            index
                .query_bbox(Rect::new(point.0, point.0))
                .into_iter()
                .find(|position| neighbourhoods[*position].geometry.contains(&point))
        };
        Ok(CoverageBase::new(
            &streets,
            &residents,
            &neighbourhoods,
            neighbourhood_of,
        ))
    }
}

impl Engine {
    /// The coverage base of this engine, built on first use and shared with
    /// the engines derived from it while its layers stay the same.
    pub fn coverage_base(&self) -> Result<Arc<CoverageBase>, CoverageError> {
        self.coverage
            .get_or_build(|| CoverageBase::from_engine(self))
    }
}

/// `work` over `items` on the available cores, results in order.
pub(crate) fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let n_threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if n_threads < 2 || items.len() < 10_000 {
        return items.iter().map(work).collect();
    }
    let chunk = items.len().div_ceil(n_threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&work).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a coverage worker panicked"))
            .collect()
    })
}

pub(crate) fn decode<T: LayerRecord>(
    engine: &Engine,
    layer: LayerId,
) -> Result<Vec<T>, CoverageError> {
    engine
        .layer(layer)
        .features()
        .iter()
        .map(|feature| {
            T::from_feature(feature).map_err(|source| CoverageError::Feature {
                layer: layer.as_str(),
                feature_id: feature.id.clone(),
                source,
            })
        })
        .collect()
}
