//! Companies at their current sites: invented names, real NACE codes.
//!
//! Each park gets its `companies` count of `geodata/business_parks.csv`, on
//! park parcels that are not on offer, with activities that settle on that
//! park kind (`geodata/nace.csv`); offices (accountants, architects, ...)
//! take mixed, services and retail parcels in the built-up city. One company
//! per parcel; its point is inside the parcel.

use std::collections::BTreeSet;

use geo::{Coord, InteriorPoint, Point};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::inputs::{Inputs, NaceRow};
use super::names;
use super::parcels::Parcels;
use crate::model::{Availability, Company, Zoning};

/// Companies outside the parks (offices in the built-up city).
pub const OFFICE_COMPANIES: usize = 260;

fn draw_nace<'a>(inputs: &'a Inputs, settles_on: &str, rng: &mut ChaCha8Rng) -> &'a NaceRow {
    let rows: Vec<&NaceRow> = inputs
        .nace
        .iter()
        .filter(|row| row.settles_on.iter().any(|token| token == settles_on))
        .collect();
    let total: f64 = rows.iter().map(|row| row.weight).sum();
    let mut draw = rng.random_range(0.0..total);
    for row in &rows {
        if draw < row.weight {
            return row;
        }
        draw -= row.weight;
    }
    rows.last()
        .unwrap_or_else(|| panic!("nace.csv has no activity for {settles_on}"))
}

/// A point inside a parcel: its centroid when the parcel is convex (not cut
/// by the outline), else an interior point.
fn site(parcels: &Parcels, parcel: usize) -> Point<f64> {
    let draft = &parcels.drafts[parcel];
    if !draft.clipped {
        let ring = &draft.geometry.exterior().0;
        let n = (ring.len() - 1) as f64;
        let sum = ring[..ring.len() - 1]
            .iter()
            .fold(Coord { x: 0.0, y: 0.0 }, |sum, &point| sum + point);
        return Point(Coord {
            x: sum.x / n,
            y: sum.y / n,
        });
    }
    draft
        .geometry
        .interior_point()
        .expect("a parcel has an interior point")
}

fn company(
    inputs: &Inputs,
    nace: &NaceRow,
    location: Point<f64>,
    used: &mut BTreeSet<String>,
    rng: &mut ChaCha8Rng,
) -> Company {
    const FORMS: [&str; 4] = ["NV", "BV", "BV", "CommV"];
    let mut name = String::new();
    for _ in 0..20 {
        name = format!(
            "{} {}",
            names::fill(&nace.pattern, inputs, rng),
            FORMS[rng.random_range(0..FORMS.len())]
        );
        if !used.contains(&name) {
            break;
        }
    }
    while used.contains(&name) {
        name.push_str(" Genk");
    }
    used.insert(name.clone());
    let (low, high) = (
        (nace.min_employees as f64).ln(),
        (nace.max_employees as f64).ln(),
    );
    let employees =
        (!rng.random_bool(0.04)).then(|| rng.random_range(low..=high).exp().round() as i64);
    Company {
        id: String::new(),
        geometry: location,
        name,
        nace: nace.code.clone(),
        employees,
        contact: Some(names::contact(inputs, rng)),
    }
}

/// Place the companies; marks their parcels.
pub fn place(inputs: &Inputs, parcels: &mut Parcels, rng: &mut ChaCha8Rng) -> Vec<Company> {
    let mut used = BTreeSet::new();
    let mut companies = Vec::new();
    for (park_index, park) in inputs.parks.iter().enumerate() {
        let mut free: Vec<usize> = (0..parcels.drafts.len())
            .filter(|&index| {
                let draft = &parcels.drafts[index];
                draft.park == Some(park_index) && draft.availability == Availability::NotOffered
            })
            .collect();
        free.shuffle(rng);
        for &parcel in free.iter().take(park.companies) {
            let nace = draw_nace(inputs, park.kind.as_str(), rng);
            companies.push(company(inputs, nace, site(parcels, parcel), &mut used, rng));
            parcels.drafts[parcel].has_company = true;
        }
    }
    let mut offices: Vec<usize> = (0..parcels.drafts.len())
        .filter(|&index| {
            let draft = &parcels.drafts[index];
            draft.park.is_none()
                && matches!(
                    draft.zoning,
                    Zoning::Mixed | Zoning::Services | Zoning::Retail
                )
        })
        .collect();
    offices.shuffle(rng);
    for &parcel in offices.iter().take(OFFICE_COMPANIES) {
        let nace = draw_nace(inputs, "office", rng);
        companies.push(company(inputs, nace, site(parcels, parcel), &mut used, rng));
        parcels.drafts[parcel].has_company = true;
    }
    for (index, company) in companies.iter_mut().enumerate() {
        company.id = format!("company-{:04}", index + 1);
    }
    companies
}
