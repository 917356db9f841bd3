//! The soft criteria of a listed site as the answer gives them: one table
//! ([`CRITERIA`]) of the criteria in the answer's order, each with its
//! weight and score ([`super::scoring`]) and its reason in Dutch and in
//! English. `near` is listed only when the request has a `near` place.
//! Distances are straight lines, and the reasons say so ("hemelsbreed",
//! "in a straight line").

use super::exits::ExitName;
use super::language::Language;
use super::near::NearName;
use super::numbers::Numbers;
use super::request::{SiteRequest, Weights};
use super::scoring::{Scores, SiteFacts};

/// One criterion of a site in the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub name: &'static str,
    /// The share of 100 the request gave it.
    pub weight: f64,
    pub score: f64,
    pub reason: String,
}

/// What the reasons of a site read.
pub struct Described<'a> {
    pub facts: &'a SiteFacts,
    pub request: &'a SiteRequest,
    /// The site's nearest motorway exit, named.
    pub exit: Option<&'a ExitName>,
    /// The request's `near` place, named.
    pub near: Option<&'a NearName>,
}

/// A reason, written for a site.
pub type Reason = fn(&Described) -> String;

/// One row of the table.
pub struct CriterionRow {
    pub name: &'static str,
    pub weight: fn(&Weights) -> f64,
    pub score: fn(&Scores) -> f64,
    /// Whether the site lists it.
    pub listed: fn(&Described) -> bool,
    pub dutch: Reason,
    pub english: Reason,
}

/// The soft criteria, in the answer's order.
pub const CRITERIA: [CriterionRow; 5] = [
    CriterionRow {
        name: "motorway",
        weight: |weights| weights.motorway,
        score: |scores| scores.motorway,
        listed: |_| true,
        dutch: |site| match motorway(site) {
            Some((distance_m, exit)) => format!(
                "{} hemelsbreed tot {}",
                Numbers::DUTCH.distance(distance_m),
                exit.words(Language::Dutch)
            ),
            None => "geen snelwegafrit gekend".to_string(),
        },
        english: |site| match motorway(site) {
            Some((distance_m, exit)) => format!(
                "{} in a straight line to {}",
                Numbers::ENGLISH.distance(distance_m),
                exit.words(Language::English)
            ),
            None => "no motorway exit known".to_string(),
        },
    },
    CriterionRow {
        name: "near",
        weight: |weights| weights.near,
        score: |scores| scores.near,
        listed: |site| near(site).is_some(),
        dutch: |site| {
            let (distance_m, place) = near(site).expect("listed");
            format!(
                "{} hemelsbreed van {}",
                Numbers::DUTCH.distance(distance_m),
                place.words(Language::Dutch)
            )
        },
        english: |site| {
            let (distance_m, place) = near(site).expect("listed");
            format!(
                "{} in a straight line from {}",
                Numbers::ENGLISH.distance(distance_m),
                place.words(Language::English)
            )
        },
    },
    CriterionRow {
        name: "area_fit",
        weight: |weights| weights.area_fit,
        score: |scores| scores.area_fit,
        listed: |_| true,
        dutch: |site| {
            let numbers = &Numbers::DUTCH;
            let (area, wanted) = (
                numbers.area(site.facts.area_m2),
                numbers.area(site.request.wanted_area_m2()),
            );
            match site.facts.n_parcels {
                1 => format!("{area}, gewenst {wanted}"),
                n => format!("{n} aangrenzende percelen samen {area}, gewenst {wanted}"),
            }
        },
        english: |site| {
            let numbers = &Numbers::ENGLISH;
            let (area, wanted) = (
                numbers.area(site.facts.area_m2),
                numbers.area(site.request.wanted_area_m2()),
            );
            match site.facts.n_parcels {
                1 => format!("{area}, wanted {wanted}"),
                n => format!("{n} adjacent parcels together {area}, wanted {wanted}"),
            }
        },
    },
    CriterionRow {
        name: "price",
        weight: |weights| weights.price,
        score: |scores| scores.price,
        listed: |_| true,
        dutch: |site| {
            let numbers = &Numbers::DUTCH;
            let Some(price) = site.facts.price_eur_m2 else {
                return "prijs niet bekend".to_string();
            };
            let mean = if site.facts.n_parcels == 1 {
                ""
            } else {
                "gemiddeld "
            };
            match site.request.max_price_eur_m2 {
                Some(max) => format!(
                    "{mean}{} (max. {})",
                    numbers.price(price),
                    numbers.price(max)
                ),
                None => format!("{mean}{}", numbers.price(price)),
            }
        },
        english: |site| {
            let numbers = &Numbers::ENGLISH;
            let Some(price) = site.facts.price_eur_m2 else {
                return "price not known".to_string();
            };
            let mean = if site.facts.n_parcels == 1 {
                ""
            } else {
                "on average "
            };
            match site.request.max_price_eur_m2 {
                Some(max) => format!(
                    "{mean}{} (max. {})",
                    numbers.price(price),
                    numbers.price(max)
                ),
                None => format!("{mean}{}", numbers.price(price)),
            }
        },
    },
    CriterionRow {
        name: "ready",
        weight: |weights| weights.ready,
        score: |scores| scores.ready,
        listed: |_| true,
        dutch: |site| {
            let facts = site.facts;
            match (facts.n_parcels, facts.n_ready) {
                (1, 1) => "bouwrijp".to_string(),
                (1, _) => "niet bouwrijp".to_string(),
                (n, ready) if ready == n => format!("alle {n} percelen bouwrijp"),
                (_, 0) => "geen van de percelen bouwrijp".to_string(),
                (n, ready) => format!(
                    "{ready} van {n} percelen bouwrijp ({} van de oppervlakte)",
                    Numbers::DUTCH.percent(facts.ready_share)
                ),
            }
        },
        english: |site| {
            let facts = site.facts;
            match (facts.n_parcels, facts.n_ready) {
                (1, 1) => "ready to build".to_string(),
                (1, _) => "not ready to build".to_string(),
                (2, 2) => "both parcels ready to build".to_string(),
                (n, ready) if ready == n => format!("all {n} parcels ready to build"),
                (_, 0) => "none of the parcels ready to build".to_string(),
                (n, ready) => format!(
                    "{ready} of {n} parcels ready to build ({} of the area)",
                    Numbers::ENGLISH.percent(facts.ready_share)
                ),
            }
        },
    },
];

/// The distance to the site's nearest motorway exit and the exit, when known.
fn motorway<'a>(site: &Described<'a>) -> Option<(f64, &'a ExitName)> {
    Some((site.facts.motorway?.distance_m, site.exit?))
}

/// The distance to the `near` place and the place, when the request has one.
fn near<'a>(site: &Described<'a>) -> Option<(f64, &'a NearName)> {
    Some((site.facts.near_m?, site.near?))
}

/// The criteria a site lists, with their reasons in `language`.
pub fn criteria(site: &Described, scores: &Scores, language: Language) -> Vec<Criterion> {
    CRITERIA
        .iter()
        .filter(|row| (row.listed)(site))
        .map(|row| Criterion {
            name: row.name,
            weight: (row.weight)(&site.request.weights),
            score: (row.score)(scores),
            reason: (language.pick(row.dutch, row.english))(site),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sites::market::Nearest;
    use crate::engine::sites::scoring;
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

    fn two_parcels() -> SiteFacts {
        SiteFacts {
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
        }
    }

    fn reasons(facts: &SiteFacts, request: &SiteRequest, language: Language) -> Vec<String> {
        let exit = ExitName {
            name: "Afrit 32 Genk-Oost".into(),
            road: Some("E314".into()),
        };
        let site = Described {
            facts,
            request,
            exit: Some(&exit),
            near: Some(&NearName::ChosenPoint),
        };
        let scores = scoring::scores(facts, request);
        criteria(&site, &scores, language)
            .into_iter()
            .map(|criterion| format!("{}: {}", criterion.name, criterion.reason))
            .collect()
    }

    #[test]
    fn a_hand_computed_site_in_dutch() {
        assert_eq!(
            reasons(&two_parcels(), &request(), Language::Dutch),
            [
                "motorway: 2,1 km hemelsbreed tot afrit 32 Genk-Oost van de E314",
                "near: 1,0 km hemelsbreed van het gekozen punt",
                "area_fit: 2 aangrenzende percelen samen 9.000 m², gewenst 7.500 m²",
                "price: gemiddeld 90 €/m² (max. 120 €/m²)",
                "ready: 1 van 2 percelen bouwrijp (40% van de oppervlakte)",
            ]
        );
    }

    #[test]
    fn a_hand_computed_site_in_english() {
        assert_eq!(
            reasons(&two_parcels(), &request(), Language::English),
            [
                "motorway: 2.1 km in a straight line to exit 32 Genk-Oost on the E314",
                "near: 1.0 km in a straight line from the chosen point",
                "area_fit: 2 adjacent parcels together 9,000 m², wanted 7,500 m²",
                "price: on average €90/m² (max. €120/m²)",
                "ready: 1 of 2 parcels ready to build (40% of the area)",
            ]
        );
    }

    #[test]
    fn a_single_parcel_without_exit_price_or_near() {
        let facts = SiteFacts {
            n_parcels: 1,
            area_m2: 12_500.0,
            motorway: None,
            near_m: None,
            price_eur_m2: None,
            n_ready: 0,
            ready_share: 0.0,
        };
        let request =
            SiteRequest::from_json(&json!({"activity": "care", "min_area_m2": 12000})).unwrap();
        assert_eq!(
            reasons(&facts, &request, Language::Dutch),
            [
                "motorway: geen snelwegafrit gekend",
                "area_fit: 12.500 m², gewenst 12.000 m²",
                "price: prijs niet bekend",
                "ready: niet bouwrijp",
            ]
        );
        assert_eq!(
            reasons(&facts, &request, Language::English),
            [
                "motorway: no motorway exit known",
                "area_fit: 12,500 m², wanted 12,000 m²",
                "price: price not known",
                "ready: not ready to build",
            ]
        );
    }

    #[test]
    fn ready_to_build_counts_the_parcels() {
        let request = request();
        let ready = |n_parcels, n_ready, ready_share, language| {
            let facts = SiteFacts {
                n_parcels,
                n_ready,
                ready_share,
                ..two_parcels()
            };
            reasons(&facts, &request, language).pop().unwrap()
        };
        assert_eq!(
            ready(2, 2, 1.0, Language::Dutch),
            "ready: alle 2 percelen bouwrijp"
        );
        assert_eq!(
            ready(2, 2, 1.0, Language::English),
            "ready: both parcels ready to build"
        );
        assert_eq!(
            ready(3, 3, 1.0, Language::English),
            "ready: all 3 parcels ready to build"
        );
        assert_eq!(
            ready(3, 0, 0.0, Language::Dutch),
            "ready: geen van de percelen bouwrijp"
        );
        assert_eq!(
            ready(3, 0, 0.0, Language::English),
            "ready: none of the parcels ready to build"
        );
        assert_eq!(ready(1, 1, 1.0, Language::English), "ready: ready to build");
    }

    #[test]
    fn weights_and_scores_come_from_the_request_and_the_scores() {
        let request = request();
        let facts = two_parcels();
        let exit = ExitName {
            name: "Afrit 32 Genk-Oost".into(),
            road: None,
        };
        let site = Described {
            facts: &facts,
            request: &request,
            exit: Some(&exit),
            near: Some(&NearName::ChosenPoint),
        };
        let scores = scoring::scores(&facts, &request);
        let listed = criteria(&site, &scores, Language::Dutch);
        let by_name = |name: &str| listed.iter().find(|c| c.name == name).unwrap().clone();
        assert_eq!(by_name("near").weight, 20.0);
        assert_eq!(by_name("near").score, scores.near);
        assert_eq!(by_name("price").weight, 10.0);
        assert_eq!(by_name("price").score, scores.price);
        assert_eq!(by_name("area_fit").score, scores.area_fit);
    }
}
