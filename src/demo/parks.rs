//! Business parks: which quarter cells each park takes, and its polygon.
//!
//! A park starts from a rotated rectangle around its real centre
//! (`geodata/business_parks.csv`). The rectangle is scaled (bisection on the
//! scale) until the quarter cells whose centres it covers add up to the
//! park's area, leaving out quarters outside the city, in a shopping area,
//! near a populated neighbourhood's centroid (people live there) or taken by
//! an earlier park. The published polygon is the union of the park's parcels,
//! so parcels and park agree exactly.

use geo::{unary_union, Coord, MultiPolygon, Orient, Polygon};

use super::frame::{ring_area_m2, Frame};
use super::inputs::{Inputs, ParkRow};
use super::landuse::Landuse;
use super::lattice::Lattice;
use super::neighbourhoods::{Outline, Wijk};
use super::parcels::Parcels;
use super::plane::{self, Placement};
use super::shops::ShoppingAreaPlan;
use crate::model::BusinessPark;

/// A quarter cell that a park may take.
struct Candidate {
    cell: usize,
    quarter: usize,
    centre_m: Coord<f64>,
    /// Its area inside the outline, m² (planar).
    area_m2: f64,
}

/// How a park came out: its scale and estimated area.
#[derive(Debug, Clone)]
pub struct ParkPlan {
    pub scale: f64,
    pub n_quarters: usize,
    pub area_estimate_m2: f64,
}

/// The centre of quarter `quarter` (numbered `2 * qy + qx`) of a cell.
pub fn quarter_centre(quad: &[Coord<f64>; 4], quarter: usize) -> Coord<f64> {
    let (qx, qy) = ((quarter % 2) as f64, (quarter / 2) as f64);
    plane::bilinear(quad, (qx + 0.5) / 2.0, (qy + 0.5) / 2.0)
}

/// The share of a quarter inside the outline, from a 4 × 4 sample.
fn share_inside(quad: &[Coord<f64>; 4], quarter: usize, outline: &Outline) -> f64 {
    let (qx, qy) = ((quarter % 2) as f64, (quarter / 2) as f64);
    let mut inside = 0;
    for i in 0..4 {
        for j in 0..4 {
            let u = (qx + (i as f64 + 0.5) / 4.0) / 2.0;
            let v = (qy + (j as f64 + 0.5) / 4.0) / 2.0;
            if outline.contains_m(plane::bilinear(quad, u, v)) {
                inside += 1;
            }
        }
    }
    f64::from(inside) / 16.0
}

/// Whether a point lies in the park's rectangle scaled by `scale`.
fn in_shape(park: &ParkRow, centre_m: Coord<f64>, scale: f64, point: Coord<f64>) -> bool {
    let (sin, cos) = park.rotation_deg.to_radians().sin_cos();
    let d = point - centre_m;
    let (x, y) = (d.x * cos + d.y * sin, -d.x * sin + d.y * cos);
    x.abs() <= scale * park.width_m / 2.0 && y.abs() <= scale * park.height_m / 2.0
}

/// Assign the parks' quarter cells in `landuse`, in input order.
pub fn place(
    inputs: &Inputs,
    frame: &Frame,
    lattice: &Lattice,
    outline: &Outline,
    wijken: &[Wijk],
    areas: &ShoppingAreaPlan,
    landuse: &mut Landuse,
) -> Vec<ParkPlan> {
    let mut candidates = Vec::new();
    for (cell_index, cell) in landuse.cells.iter().enumerate() {
        if cell.placement == Placement::Outside || cell.shopping {
            continue;
        }
        let (cx, cy) = lattice.cell_xy(cell_index);
        let quad = lattice.cell_quad(cx, cy);
        let quarter_area = plane::ring_area(&lattice.cell_ring(cx, cy)) / 4.0;
        for quarter in 0..4 {
            let centre_m = quarter_centre(&quad, quarter);
            if !outline.contains_m(centre_m)
                || areas.contains_m(centre_m)
                || wijken
                    .iter()
                    .any(|wijk| plane::distance(centre_m, wijk.centre_m) < wijk.keep_out_radius_m)
            {
                continue;
            }
            let share = if cell.placement == Placement::Border {
                share_inside(&quad, quarter, outline)
            } else {
                1.0
            };
            candidates.push(Candidate {
                cell: cell_index,
                quarter,
                centre_m,
                area_m2: quarter_area * share,
            });
        }
    }
    let mut taken = vec![false; candidates.len()];
    let mut plans = Vec::new();
    for (park_index, park) in inputs.parks.iter().enumerate() {
        let centre_m = frame.to_m(park.centre);
        let target_m2 = park.area_ha * 10_000.0;
        let area_at = |scale: f64, taken: &[bool]| -> f64 {
            candidates
                .iter()
                .zip(taken)
                .filter(|(candidate, taken)| {
                    !**taken && in_shape(park, centre_m, scale, candidate.centre_m)
                })
                .map(|(candidate, _)| candidate.area_m2)
                .sum()
        };
        let (mut low, mut high) = (0.05, 4.0);
        for _ in 0..40 {
            let middle = (low + high) / 2.0;
            if area_at(middle, &taken) < target_m2 {
                low = middle;
            } else {
                high = middle;
            }
        }
        let (area_low, area_high) = (area_at(low, &taken), area_at(high, &taken));
        let scale = if (target_m2 - area_low).abs() <= (area_high - target_m2).abs() {
            low
        } else {
            high
        };
        let mut plan = ParkPlan {
            scale,
            n_quarters: 0,
            area_estimate_m2: 0.0,
        };
        for (candidate, taken) in candidates.iter().zip(taken.iter_mut()) {
            if !*taken && in_shape(park, centre_m, scale, candidate.centre_m) {
                *taken = true;
                landuse.cells[candidate.cell].park_quarters[candidate.quarter] =
                    Some(park_index as u8);
                plan.n_quarters += 1;
                plan.area_estimate_m2 += candidate.area_m2;
            }
        }
        plans.push(plan);
    }
    plans
}

/// Rings under this area, m², in the union of a park's parcels are slivers
/// where the edges of neighbouring parcels (pieces clipped by the city
/// outline) do not meet exactly, not holes or islands of the park.
const SLIVER_M2: f64 = 1.0;

/// A union without its slivers: tiny holes (some without area at all, whose
/// geodesic area is ill-defined) and tiny separate pieces.
fn without_slivers(union: MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon(
        union
            .0
            .into_iter()
            .filter(|polygon| ring_area_m2(&polygon.exterior().0) >= SLIVER_M2)
            .map(|polygon| {
                let (exterior, holes) = polygon.into_inner();
                let holes = holes
                    .into_iter()
                    .filter(|hole| ring_area_m2(&hole.0) >= SLIVER_M2)
                    .collect();
                Polygon::new(exterior, holes)
            })
            .collect(),
    )
}

/// The parks as records: each the union of its parcels, without slivers.
pub fn records(inputs: &Inputs, parcels: &Parcels) -> Vec<BusinessPark> {
    inputs
        .parks
        .iter()
        .enumerate()
        .map(|(park_index, park)| {
            let polygons: Vec<_> = parcels
                .drafts
                .iter()
                .filter(|draft| draft.park == Some(park_index))
                .map(|draft| &draft.geometry)
                .collect();
            let geometry: MultiPolygon<f64> =
                without_slivers(unary_union(polygons)).orient(geo::orient::Direction::Default);
            BusinessPark {
                id: park.id.clone(),
                geometry,
                name: park.name.clone(),
                kind: park.kind,
                focus: Some(park.focus.clone()),
                manager: Some(park.manager.clone()),
            }
        })
        .collect()
}
