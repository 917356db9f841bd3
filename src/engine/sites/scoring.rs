//! The soft criteria: each scored from 0 to 1, weighted by the request's
//! shares of 100 (their reasons are [`super::criteria`]'s).
//!
//! | criterion | score |
//! | --- | --- |
//! | `motorway` | 1 − d / 10 km for the straight-line distance d from the site to the nearest motorway exit (0 beyond) |
//! | `near` | 1 − d / R for the distance d to the company's site or the point; R is `max_distance_m`, else 10 km |
//! | `area_fit` | 1 − \|A − W\| / W for the site's area A and the wanted area W (the middle of the range, or the minimum without a maximum) |
//! | `price` | 1 − p / P for the (area-weighted) asking price p; P is `max_price_eur_m2`, else 250 €/m²; 0 when a price is unknown |
//! | `ready` | the share of the site's area that is ready to build |
//!
//! Scores are clamped to 0..1. The total is Σ weight × score / 100, summed
//! in this table's order, so the same request gives the same bits.
//! Distances are straight lines (the street network is not used).

use super::market::Nearest;
use super::request::{SiteRequest, Weights};

/// The motorway score is 0 from this distance on, metres.
pub const MOTORWAY_ZERO_SCORE_M: f64 = 10_000.0;
/// Without `max_distance_m`, the near score is 0 from this distance on, metres.
pub const NEAR_ZERO_SCORE_M: f64 = 10_000.0;
/// Without `max_price_eur_m2`, the price score is 0 from this price on.
pub const PRICE_REFERENCE_EUR_M2: f64 = 250.0;

/// What a site is, as the soft criteria read it.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteFacts {
    pub n_parcels: usize,
    pub area_m2: f64,
    /// The nearest motorway exit to any of the site's parcels.
    pub motorway: Option<Nearest>,
    /// The distance to the `near` company or point, when the request has one.
    pub near_m: Option<f64>,
    /// The area-weighted asking price; `None` when a parcel has none.
    pub price_eur_m2: Option<f64>,
    /// How many parcels are ready to build, and their share of the area.
    pub n_ready: usize,
    pub ready_share: f64,
}

/// The score of each criterion, 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub motorway: f64,
    pub near: f64,
    pub area_fit: f64,
    pub price: f64,
    pub ready: f64,
}

fn falling(value: f64, zero_at: f64) -> f64 {
    if zero_at <= 0.0 {
        return if value <= 0.0 { 1.0 } else { 0.0 };
    }
    (1.0 - value / zero_at).clamp(0.0, 1.0)
}

pub fn scores(facts: &SiteFacts, request: &SiteRequest) -> Scores {
    let wanted = request.wanted_area_m2();
    Scores {
        motorway: facts
            .motorway
            .map_or(0.0, |exit| falling(exit.distance_m, MOTORWAY_ZERO_SCORE_M)),
        near: facts.near_m.map_or(0.0, |distance| {
            falling(
                distance,
                request.max_distance_m.unwrap_or(NEAR_ZERO_SCORE_M),
            )
        }),
        area_fit: if wanted <= 0.0 {
            1.0
        } else {
            falling((facts.area_m2 - wanted).abs(), wanted)
        },
        price: facts.price_eur_m2.map_or(0.0, |price| {
            falling(
                price,
                request.max_price_eur_m2.unwrap_or(PRICE_REFERENCE_EUR_M2),
            )
        }),
        ready: facts.ready_share.clamp(0.0, 1.0),
    }
}

/// Σ weight × score / 100, in a fixed order.
pub fn total(scores: &Scores, weights: &Weights) -> f64 {
    (weights.motorway * scores.motorway
        + weights.near * scores.near
        + weights.area_fit * scores.area_fit
        + weights.price * scores.price
        + weights.ready * scores.ready)
        / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request() -> SiteRequest {
        SiteRequest::from_json(&json!({
            "activity": "logistics", "min_area_m2": 5000, "max_area_m2": 10000,
            "max_price_eur_m2": 120,
            "near": {"lon": 5.5, "lat": 50.96}, "max_distance_m": 5000,
            "weights": {"motorway": 30, "near": 20, "area_fit": 30, "price": 10, "ready": 10}
        }))
        .unwrap()
    }

    #[test]
    fn a_hand_computed_site() {
        let facts = SiteFacts {
            n_parcels: 2,
            area_m2: 9_000.0,
            motorway: Some(Nearest {
                access: 0,
                distance_m: 2_100.0,
            }),
            near_m: Some(1_000.0),
            price_eur_m2: Some(90.0),
            n_ready: 1,
            ready_share: 0.4,
        };
        let request = request();
        let scores = scores(&facts, &request);
        assert!((scores.motorway - 0.79).abs() < 1e-12);
        assert!((scores.near - 0.8).abs() < 1e-12);
        assert!((scores.area_fit - 0.8).abs() < 1e-12); // |9000 − 7500| / 7500
        assert!((scores.price - 0.25).abs() < 1e-12); // 1 − 90 / 120
        assert!((scores.ready - 0.4).abs() < 1e-12);
        let total = total(&scores, &request.weights);
        let expected = (30.0 * 0.79 + 20.0 * 0.8 + 30.0 * 0.8 + 10.0 * 0.25 + 10.0 * 0.4) / 100.0;
        assert!((total - expected).abs() < 1e-12);
    }

    #[test]
    fn scores_stay_between_zero_and_one() {
        let facts = SiteFacts {
            n_parcels: 1,
            area_m2: 30_000.0,
            motorway: Some(Nearest {
                access: 0,
                distance_m: 25_000.0,
            }),
            near_m: None,
            price_eur_m2: None,
            n_ready: 0,
            ready_share: 0.0,
        };
        let scores = scores(&facts, &request());
        assert_eq!(
            (scores.motorway, scores.near, scores.area_fit, scores.price),
            (0.0, 0.0, 0.0, 0.0)
        );
    }
}
