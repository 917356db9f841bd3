//! The expansion-site search against a brute force over every subset of up
//! to four parcels on small hand-made fixtures, its hard constraints, its
//! determinism and paging, the demo's promise (logistics needing a quay
//! lands on Genk-Zuid), and the HTTP endpoint with its refusals.
//!
//! The brute force is independent of the engine in everything but the
//! activity table (`rules`, the specification), the point–polygon distance
//! (checked against the geodesic in its unit tests) and the score formula
//! (`scoring`, checked by hand in its unit tests): it computes adjacency from
//! the fixture's rectangles in metres, tries every subset of up to four
//! parcels, checks every hard constraint, ranks and removes overlaps itself.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::NaiveDate;
use geo::{Coord, LineString, MultiPolygon, Point, Polygon};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use genk_atlas::demo::{generate, DemoParams};
use genk_atlas::engine::sites::geometry::point_polygon_distance_m;
use genk_atlas::engine::sites::market::Nearest;
use genk_atlas::engine::sites::request::Near;
use genk_atlas::engine::sites::rules::{self, QUAY_REACH_M, RAIL_REACH_M};
use genk_atlas::engine::sites::scoring::{self, SiteFacts};
use genk_atlas::engine::sites::{search, SiteRequest};
use genk_atlas::engine::Engine;
use genk_atlas::http::{router, AppState};
use genk_atlas::model::{
    AccessKind, AccessPoint, Availability, BusinessPark, Company, Dataset, OwnerKind, Parcel,
    ParkKind, Street, StreetClass, Zoning,
};
use genk_atlas::store::geopackage::GeoPackageStore;
use genk_atlas::store::SharedStore;

// ---------------------------------------------------------------- fixture

/// The fixture's origin: metres east and north are measured from here.
const ORIGIN: (f64, f64) = (5.50, 50.96);

fn degrees(east_m: f64, north_m: f64) -> Coord<f64> {
    let lat_m = 111_132.954 - 559.822 * (2.0 * ORIGIN.1.to_radians()).cos();
    let lon_m = 111_412.84 * ORIGIN.1.to_radians().cos();
    Coord {
        x: ORIGIN.0 + east_m / lon_m,
        y: ORIGIN.1 + north_m / lat_m,
    }
}

fn point_m(east_m: f64, north_m: f64) -> Point<f64> {
    Point(degrees(east_m, north_m))
}

/// A parcel of the fixture: a rectangle in metres and its offer.
#[derive(Clone)]
struct Plot {
    id: &'static str,
    rect_m: (f64, f64, f64, f64), // west, south, width, height
    park: Option<&'static str>,
    zoning: Zoning,
    availability: Availability,
    from: Option<&'static str>,
    price: Option<f64>,
    ready: bool,
}

fn rectangle_m((west, south, width, height): (f64, f64, f64, f64)) -> Polygon<f64> {
    Polygon::new(
        LineString(vec![
            degrees(west, south),
            degrees(west + width, south),
            degrees(west + width, south + height),
            degrees(west, south + height),
            degrees(west, south),
        ]),
        vec![],
    )
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Park `zuid` (industrial): a 4 × 3 grid of 50 m × 60 m plots (3,000 m²
/// each) A–L with mixed offers, and M (120 m × 90 m, 10,800 m²) east of it.
/// Park `thor` (science park, research zoning): N, O. Park `synaps` (care
/// campus): P. Off any park: Q (industrial, next to the station). Park
/// `kanaal` (water-bound): R, S next to the quay. Park `noord` (SME): T, U, V
/// in a row sharing 9 m, 10 m... (see `noord_plots`).
fn plots() -> Vec<Plot> {
    use Availability::*;
    let zuid = |id, column: f64, row: f64, availability, from, price, ready| Plot {
        id,
        rect_m: (column * 50.0, row * 60.0, 50.0, 60.0),
        park: Some("zuid"),
        zoning: Zoning::Industrial,
        availability,
        from,
        price,
        ready,
    };
    let mut plots = vec![
        zuid("p-a", 0.0, 0.0, ForSale, None, Some(80.0), true),
        zuid("p-b", 1.0, 0.0, ForSale, None, Some(80.0), true),
        zuid(
            "p-c",
            2.0,
            0.0,
            ForLease,
            Some("2026-01-01"),
            Some(90.0),
            false,
        ),
        zuid("p-d", 3.0, 0.0, UnderOption, None, Some(85.0), true),
        zuid("p-e", 0.0, 1.0, ForSale, None, Some(75.0), true),
        zuid("p-f", 1.0, 1.0, ForSale, None, Some(140.0), true),
        zuid(
            "p-g",
            2.0,
            1.0,
            ForSale,
            Some("2028-01-01"),
            Some(95.0),
            true,
        ),
        zuid("p-h", 3.0, 1.0, Reserved, None, Some(85.0), false),
        zuid("p-i", 0.0, 2.0, ForSale, None, Some(70.0), false),
        zuid("p-j", 1.0, 2.0, ForLease, None, None, true),
        zuid(
            "p-k",
            2.0,
            2.0,
            ForSale,
            Some("2027-03-01"),
            Some(100.0),
            true,
        ),
        zuid("p-l", 3.0, 2.0, NotOffered, None, None, true),
    ];
    let plot = |id, rect_m, park, zoning, price| Plot {
        id,
        rect_m,
        park,
        zoning,
        availability: ForSale,
        from: None,
        price: Some(price),
        ready: true,
    };
    plots.extend([
        plot(
            "p-m",
            (200.0, 0.0, 120.0, 90.0),
            Some("zuid"),
            Zoning::Industrial,
            88.0,
        ),
        plot(
            "p-n",
            (0.0, 300.0, 80.0, 80.0),
            Some("thor"),
            Zoning::Research,
            150.0,
        ),
        plot(
            "p-o",
            (80.0, 300.0, 80.0, 80.0),
            Some("thor"),
            Zoning::Research,
            160.0,
        ),
        plot(
            "p-p",
            (400.0, 300.0, 80.0, 80.0),
            Some("synaps"),
            Zoning::Care,
            170.0,
        ),
        plot(
            "p-q",
            (600.0, 0.0, 100.0, 50.0),
            None,
            Zoning::Industrial,
            90.0,
        ),
        plot(
            "p-r",
            (0.0, -400.0, 100.0, 60.0),
            Some("kanaal"),
            Zoning::Industrial,
            60.0,
        ),
        plot(
            "p-s",
            (100.0, -400.0, 100.0, 60.0),
            Some("kanaal"),
            Zoning::Industrial,
            65.0,
        ),
    ]);
    plots.extend(noord_plots());
    plots
}

/// Park `noord` (SME): T and U share 9 m of boundary (not adjacent), U and V
/// share 10.5 m (adjacent), V and W touch at a corner (not adjacent).
fn noord_plots() -> Vec<Plot> {
    let plot = |id, rect_m| Plot {
        id,
        rect_m,
        park: Some("noord"),
        zoning: Zoning::Sme,
        availability: Availability::ForSale,
        from: None,
        price: Some(70.0),
        ready: true,
    };
    vec![
        plot("p-t", (1000.0, 500.0, 60.0, 60.0)),
        plot("p-u", (1060.0, 551.0, 60.0, 60.0)),
        plot("p-v", (1120.0, 600.5, 60.0, 60.0)),
        plot("p-w", (1180.0, 660.5, 60.0, 60.0)),
    ]
}

fn parks() -> Vec<(&'static str, &'static str, ParkKind)> {
    vec![
        ("kanaal", "Kanaalzone", ParkKind::WaterBound),
        ("noord", "Noord", ParkKind::Sme),
        ("synaps", "Synaps", ParkKind::CareCampus),
        ("thor", "Thor", ParkKind::SciencePark),
        ("zuid", "Zuid", ParkKind::Industrial),
    ]
}

fn fixture() -> Dataset {
    let plots = plots();
    let parcels: Vec<Parcel> = plots
        .iter()
        .map(|plot| {
            let geometry = rectangle_m(plot.rect_m);
            Parcel {
                id: plot.id.to_string(),
                capakey: format!("71016X{}", plot.id),
                area_m2: genk_atlas::engine::measure::area_m2(&geometry.clone().into()),
                geometry,
                zoning: plot.zoning,
                owner_kind: OwnerKind::Public,
                park_id: plot.park.map(str::to_string),
                availability: plot.availability,
                available_from: plot.from.map(day),
                price_eur_m2: plot.price,
                ready_to_build: plot.ready,
                max_height_m: None,
            }
        })
        .collect();
    let business_parks = parks()
        .into_iter()
        .map(|(id, name, kind)| {
            let members: Vec<Polygon<f64>> = plots
                .iter()
                .filter(|plot| plot.park == Some(id))
                .map(|plot| rectangle_m(plot.rect_m))
                .collect();
            BusinessPark {
                id: id.to_string(),
                geometry: MultiPolygon(members),
                name: name.to_string(),
                kind,
                focus: None,
                manager: None,
            }
        })
        .collect();
    let access = |id: &str, kind, name: &str, at: Point<f64>| AccessPoint {
        id: id.to_string(),
        geometry: at,
        kind,
        name: name.to_string(),
    };
    Dataset {
        parcels,
        business_parks,
        access_points: vec![
            access(
                "a-exit-1",
                AccessKind::MotorwayExit,
                "Afrit 32 Genk-Oost",
                point_m(-300.0, 600.0),
            ),
            access(
                "a-exit-2",
                AccessKind::MotorwayExit,
                "Afrit 33 Zuid",
                point_m(1500.0, -800.0),
            ),
            access("a-quay", AccessKind::Quay, "Kaai 1", point_m(100.0, -520.0)),
            access(
                "a-station",
                AccessKind::RailwayStation,
                "Station",
                point_m(700.0, 100.0),
            ),
        ],
        streets: vec![Street {
            id: "s-e314".into(),
            geometry: LineString(vec![degrees(-900.0, 600.0), degrees(300.0, 600.0)]),
            name: "E314".into(),
            walkable: false,
            class: StreetClass::Motorway,
        }],
        companies: vec![Company {
            id: "company-1".into(),
            geometry: point_m(300.0, 200.0),
            name: "Testbedrijf NV".into(),
            nace: "52.10".into(),
            employees: Some(40),
            contact: Some("Jan Peeters 0470 12 34 56".into()),
        }],
        ..Dataset::default()
    }
}

fn fixture_engine() -> Engine {
    Engine::from_dataset(&fixture())
}

fn request(body: Value) -> SiteRequest {
    SiteRequest::from_json(&body).unwrap_or_else(|error| panic!("{body}: {error}"))
}

// ---------------------------------------------------------------- brute force

/// The shared boundary of two axis-aligned rectangles in metres.
fn shared_m(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> f64 {
    let overlap = |a0: f64, a1: f64, b0: f64, b1: f64| (a1.min(b1) - a0.max(b0)).max(0.0);
    let (ax1, ay1, bx1, by1) = (a.0 + a.2, a.1 + a.3, b.0 + b.2, b.1 + b.3);
    let mut shared = 0.0;
    if (ax1 - b.0).abs() < 1e-9 || (bx1 - a.0).abs() < 1e-9 {
        shared += overlap(a.1, ay1, b.1, by1);
    }
    if (ay1 - b.1).abs() < 1e-9 || (by1 - a.1).abs() < 1e-9 {
        shared += overlap(a.0, ax1, b.0, bx1);
    }
    shared
}

/// Every listed site (id, score) in order, by trying every subset.
fn brute_force(dataset: &Dataset, request: &SiteRequest) -> Vec<(String, f64)> {
    let plots: BTreeMap<&str, Plot> = plots().into_iter().map(|plot| (plot.id, plot)).collect();
    let park_kind: BTreeMap<&str, ParkKind> = parks()
        .into_iter()
        .map(|(id, _, kind)| (id, kind))
        .collect();
    let parcels: Vec<&Parcel> = dataset.parcels.iter().collect(); // in id order
    let near_point = match &request.near {
        None => None,
        Some(Near::Point(point)) => Some(*point),
        Some(Near::Company(id)) => dataset
            .companies
            .iter()
            .find(|company| &company.id == id)
            .map(|company| company.geometry),
    };
    let nearest = |parcel: &Parcel, keep: &dyn Fn(&AccessPoint) -> bool| {
        dataset
            .access_points
            .iter()
            .enumerate()
            .filter(|(_, access)| keep(access))
            .map(|(position, access)| Nearest {
                access: position as u32,
                distance_m: point_polygon_distance_m(access.geometry, &parcel.geometry),
            })
            .min_by(|a, b| a.distance_m.total_cmp(&b.distance_m))
    };
    let eligible = |parcel: &Parcel| {
        let group = request.activity.group;
        matches!(
            parcel.availability,
            Availability::ForSale | Availability::ForLease
        ) && match (request.needed_by, parcel.available_from) {
            (Some(needed), Some(from)) => from <= needed,
            _ => true,
        } && rules::zoning_allows(group, parcel.zoning)
            && parcel.park_id.as_deref().is_none_or(|park| {
                rules::park_allows(group, park_kind[park], request.requires.quay)
            })
            && match (request.max_price_eur_m2, parcel.price_eur_m2) {
                (None, _) => true,
                (Some(max), Some(price)) => price <= max,
                (Some(_), None) => false,
            }
    };
    let n = parcels.len();
    let adjacent = |a: usize, b: usize| {
        parcels[a].park_id.is_some()
            && parcels[a].park_id == parcels[b].park_id
            && shared_m(
                plots[parcels[a].id.as_str()].rect_m,
                plots[parcels[b].id.as_str()].rect_m,
            ) >= 10.0
    };
    let mut candidates: Vec<(String, f64, Vec<usize>)> = Vec::new();
    let mut subsets: Vec<Vec<usize>> = Vec::new();
    // every subset of up to 4 of the n parcels
    fn choose(from: usize, n: usize, current: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if !current.is_empty() {
            out.push(current.clone());
        }
        if current.len() == 4 {
            return;
        }
        for next in from..n {
            current.push(next);
            choose(next + 1, n, current, out);
            current.pop();
        }
    }
    choose(0, n, &mut Vec::new(), &mut subsets);
    for members in subsets {
        if !members.iter().all(|&m| eligible(parcels[m])) {
            continue;
        }
        let mut reached = vec![members[0]];
        loop {
            let before = reached.len();
            for &m in &members {
                if !reached.contains(&m) && reached.iter().any(|&r| adjacent(r, m)) {
                    reached.push(m);
                }
            }
            if reached.len() == before {
                break;
            }
        }
        if reached.len() != members.len() {
            continue;
        }
        let area: f64 = members.iter().map(|&m| parcels[m].area_m2).sum();
        if area < request.min_area_m2 || request.max_area_m2.is_some_and(|max| area > max) {
            continue;
        }
        let min_of = |keep: &dyn Fn(&AccessPoint) -> bool| {
            members
                .iter()
                .filter_map(|&m| nearest(parcels[m], keep))
                .min_by(|a, b| a.distance_m.total_cmp(&b.distance_m))
        };
        let quay = min_of(&|a| a.kind == AccessKind::Quay);
        let rail = min_of(&|a| {
            a.kind == AccessKind::RailwayStation
                || (a.kind == AccessKind::Quay && a.name.to_lowercase().contains("trimodal"))
        });
        if request.requires.quay && !quay.is_some_and(|q| q.distance_m <= QUAY_REACH_M) {
            continue;
        }
        if request.requires.rail && !rail.is_some_and(|r| r.distance_m <= RAIL_REACH_M) {
            continue;
        }
        let near_m = near_point.map(|point| {
            members
                .iter()
                .map(|&m| point_polygon_distance_m(point, &parcels[m].geometry))
                .fold(f64::INFINITY, f64::min)
        });
        if let (Some(max), Some(distance)) = (request.max_distance_m, near_m) {
            if distance > max {
                continue;
            }
        }
        let price_known = members.iter().all(|&m| parcels[m].price_eur_m2.is_some());
        let price_sum: f64 = members
            .iter()
            .filter_map(|&m| parcels[m].price_eur_m2.map(|p| p * parcels[m].area_m2))
            .sum();
        let ready: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&m| parcels[m].ready_to_build)
            .collect();
        let ready_area: f64 = ready.iter().map(|&m| parcels[m].area_m2).sum();
        let facts = SiteFacts {
            n_parcels: members.len(),
            area_m2: area,
            motorway: min_of(&|a| a.kind == AccessKind::MotorwayExit),
            near_m,
            price_eur_m2: price_known.then(|| price_sum / area),
            n_ready: ready.len(),
            ready_share: ready_area / area,
        };
        let score = scoring::total(&scoring::scores(&facts, request), &request.weights);
        let id = members
            .iter()
            .map(|&m| parcels[m].id.as_str())
            .collect::<Vec<_>>()
            .join("+");
        candidates.push((id, score, members));
    }
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut used = BTreeSet::new();
    let mut listed = Vec::new();
    for (id, score, members) in candidates {
        if members.iter().any(|m| used.contains(m)) {
            continue;
        }
        used.extend(members);
        listed.push((id, score));
    }
    listed
}

/// The engine's whole list, page by page.
fn engine_list(engine: &Engine, body: &Value, page: usize) -> Vec<(String, f64)> {
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let mut paged = body.clone();
        paged["limit"] = json!(page);
        paged["offset"] = json!(offset);
        let answer = search(engine, &request(paged)).unwrap();
        let n = answer.sites.len();
        all.extend(answer.sites.into_iter().map(|site| (site.id, site.score)));
        offset += page;
        if n < page {
            assert_eq!(all.len(), answer.total, "{body}");
            return all;
        }
    }
}

fn check_against_brute_force(body: Value) -> Vec<(String, f64)> {
    let dataset = fixture();
    let engine = Engine::from_dataset(&dataset);
    let expected = brute_force(&dataset, &request(body.clone()));
    for page in [100, 3] {
        let found = engine_list(&engine, &body, page);
        let ids =
            |list: &[(String, f64)]| list.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&found), ids(&expected), "{body} (pages of {page})");
        for ((id, found), (_, expected)) in found.iter().zip(&expected) {
            assert!(
                (found - expected).abs() < 1e-12,
                "{id}: {found} vs {expected}"
            );
        }
    }
    expected
}

fn ids(list: &[(String, f64)]) -> Vec<&str> {
    list.iter().map(|(id, _)| id.as_str()).collect()
}

// ---------------------------------------------------------------- tests

#[test]
fn the_ranking_matches_a_brute_force_over_every_subset_of_up_to_four_parcels() {
    let requests = [
        json!({"activity": "logistics", "min_area_m2": 2000, "max_area_m2": 13000}),
        json!({"activity": "logistics", "min_area_m2": 5000}),
        json!({"activity": "manufacturing", "min_area_m2": 2500, "max_area_m2": 7000,
               "max_price_eur_m2": 95, "needed_by": "2027-06-01"}),
        json!({"activity": "logistics", "min_area_m2": 2000, "max_area_m2": 20000,
               "near": {"company_id": "company-1"}, "max_distance_m": 400}),
        json!({"activity": "sme_craft", "min_area_m2": 3000, "max_area_m2": 12000,
               "near": {"lon": 5.503, "lat": 50.9605},
               "weights": {"near": 50, "area_fit": 20, "price": 20, "ready": 10}}),
        json!({"activity": "logistics", "min_area_m2": 1000, "max_area_m2": 14000, "requires": ["rail"]}),
        json!({"activity": "logistics", "min_area_m2": 1000, "requires": ["quay"],
               "weights": {"motorway": 10, "area_fit": 10, "price": 70, "ready": 10}}),
        json!({"activity": "knowledge_intensive", "min_area_m2": 1000}),
        json!({"activity": "86.10", "min_area_m2": 0}),
        json!({"activity": "retail", "min_area_m2": 100}),
    ];
    let mut n_groups = 0;
    for body in requests {
        let listed = check_against_brute_force(body);
        n_groups += listed.iter().filter(|(id, _)| id.contains('+')).count();
    }
    assert!(
        n_groups > 5,
        "the fixtures exercise assembly ({n_groups} groups)"
    );
}

#[test]
fn when_no_parcel_is_big_enough_only_assembled_groups_are_listed() {
    // plots are 3,000 m² (M 10,800 m²): 8,000–9,500 m² takes three of them
    let body = json!({"activity": "logistics", "min_area_m2": 8000, "max_area_m2": 9500});
    let listed = check_against_brute_force(body.clone());
    assert!(!listed.is_empty());
    let answer = search(&fixture_engine(), &request(body)).unwrap();
    let mut seen = BTreeSet::new();
    for site in &answer.sites {
        assert_eq!(site.parcels.len(), 3, "{}", site.id);
        assert!((8000.0..=9500.0).contains(&site.area_m2), "{}", site.id);
        assert_eq!(site.park.as_ref().unwrap().id, "zuid");
        for parcel in &site.parcels {
            assert!(seen.insert(*parcel), "parcel {parcel} in two sites");
        }
        assert!(
            matches!(site.geometry, geo::Geometry::Polygon(_)),
            "one outline"
        );
        let area = site.criteria.iter().find(|c| c.name == "area_fit").unwrap();
        assert!(
            area.reason.starts_with("3 aangrenzende percelen samen"),
            "{}",
            area.reason
        );
    }
    // the eligible zuid plots: A B C E F G I J K (D under option, H reserved, L not offered)
    let used: BTreeSet<&str> = answer
        .sites
        .iter()
        .flat_map(|site| site.id.split('+'))
        .collect();
    assert!(used.is_subset(&BTreeSet::from([
        "p-a", "p-b", "p-c", "p-e", "p-f", "p-g", "p-i", "p-j", "p-k"
    ])));
    assert!(
        (1..=3).contains(&answer.sites.len()),
        "nine plots make at most three groups"
    );
}

#[test]
fn adjacency_needs_ten_metres_of_shared_boundary() {
    // noord: T–U share 9 m, U–V 10.5 m, V–W a corner
    let body = json!({"activity": "sme_craft", "min_area_m2": 7000, "max_area_m2": 7400});
    let listed = check_against_brute_force(body);
    assert_eq!(ids(&listed), ["p-u+p-v"]);
}

#[test]
fn the_same_request_gives_the_same_answer() {
    let body = json!({"activity": "logistics", "min_area_m2": 2000, "max_area_m2": 13000,
                      "near": {"company_id": "company-1"}, "explain": true});
    let first = search(&fixture_engine(), &request(body.clone())).unwrap();
    for _ in 0..3 {
        // a new engine builds its market anew
        assert_eq!(
            search(&fixture_engine(), &request(body.clone())).unwrap(),
            first
        );
    }
    let engine = fixture_engine();
    assert_eq!(search(&engine, &request(body.clone())).unwrap(), first);
    assert_eq!(search(&engine, &request(body)).unwrap(), first);
}

#[test]
fn pages_add_up_to_the_whole_list() {
    let body = json!({"activity": "logistics", "min_area_m2": 2000, "max_area_m2": 13000});
    let engine = fixture_engine();
    let whole = engine_list(&engine, &body, 100);
    assert!(whole.len() >= 5, "{whole:?}");
    for page in [1, 2, 4] {
        assert_eq!(engine_list(&engine, &body, page), whole, "pages of {page}");
    }
    let mut beyond = body.clone();
    beyond["offset"] = json!(whole.len() + 5);
    let answer = search(&engine, &request(beyond)).unwrap();
    assert!(answer.sites.is_empty());
    assert_eq!(answer.total, whole.len());
}

fn listed_parcels(body: Value) -> BTreeSet<String> {
    let answer = search(&fixture_engine(), &request(body)).unwrap();
    answer
        .sites
        .iter()
        .flat_map(|site| site.id.split('+').map(str::to_string))
        .collect()
}

#[test]
fn a_science_park_takes_knowledge_intensive_activity_only() {
    let knowledge = listed_parcels(json!({"activity": "knowledge_intensive", "min_area_m2": 1000}));
    assert!(
        knowledge.contains("p-n") && knowledge.contains("p-o"),
        "{knowledge:?}"
    );
    for activity in [
        "logistics",
        "manufacturing",
        "sme_craft",
        "care",
        "services",
    ] {
        let listed = listed_parcels(json!({"activity": activity, "min_area_m2": 1000}));
        assert!(
            !listed.contains("p-n") && !listed.contains("p-o"),
            "{activity}: {listed:?}"
        );
    }
    // the engine says why
    let answer = search(
        &fixture_engine(),
        &request(json!({"activity": "logistics", "min_area_m2": 1000, "explain": true})),
    )
    .unwrap();
    let thor = answer
        .ruled_out
        .unwrap()
        .into_iter()
        .find(|parcel| parcel.park.as_ref().is_some_and(|park| park.id == "thor"))
        .expect("a thor plot is among the closest ruled out");
    assert_eq!(thor.failures[0].constraint, "activity");
    assert!(
        thor.failures[0].reason.contains("onderzoekszone"),
        "{:?}",
        thor.failures
    );
}

#[test]
fn a_care_campus_takes_care() {
    let care = listed_parcels(json!({"activity": "care", "min_area_m2": 1000}));
    assert_eq!(care, BTreeSet::from(["p-p".to_string()]));
    let services = listed_parcels(json!({"activity": "services", "min_area_m2": 1000}));
    assert!(!services.contains("p-p"));
}

#[test]
fn the_quay_and_rail_requirements_hold() {
    // kanaal is water-bound: logistics only with the quay
    let with_quay =
        listed_parcels(json!({"activity": "logistics", "min_area_m2": 1000, "requires": ["quay"]}));
    assert_eq!(
        with_quay,
        BTreeSet::from(["p-r".to_string(), "p-s".to_string()])
    );
    let without = listed_parcels(json!({"activity": "logistics", "min_area_m2": 1000}));
    assert!(
        !without.contains("p-r") && !without.contains("p-s"),
        "{without:?}"
    );
    let water_bound =
        listed_parcels(json!({"activity": "water_bound_logistics", "min_area_m2": 1000}));
    assert_eq!(
        water_bound, with_quay,
        "water-bound logistics implies the quay"
    );
    // rail: the station reaches 1 km
    let engine = fixture_engine();
    let answer = search(
        &engine,
        &request(json!({"activity": "logistics", "min_area_m2": 1000, "requires": ["rail"], "limit": 100})),
    )
    .unwrap();
    assert!(!answer.sites.is_empty());
    for site in &answer.sites {
        assert!(site.access.rail_m.unwrap() <= RAIL_REACH_M, "{}", site.id);
    }
    assert!(
        answer.sites.iter().any(|site| site.id == "p-q"),
        "the off-park plot by the station"
    );
}

#[test]
fn price_and_date_are_hard_limits() {
    let cheap = listed_parcels(
        json!({"activity": "logistics", "min_area_m2": 1000, "max_price_eur_m2": 100}),
    );
    assert!(!cheap.contains("p-f"), "140 €/m²");
    assert!(!cheap.contains("p-j"), "no price");
    assert!(cheap.contains("p-k"), "100 €/m² is allowed");
    let soon = listed_parcels(
        json!({"activity": "logistics", "min_area_m2": 1000, "needed_by": "2027-06-01"}),
    );
    assert!(!soon.contains("p-g"), "available from 2028");
    assert!(soon.contains("p-k") && soon.contains("p-c"));
    let answer = search(
        &fixture_engine(),
        &request(
            json!({"activity": "logistics", "min_area_m2": 2500, "max_area_m2": 3500,
                        "needed_by": "2027-06-01", "max_price_eur_m2": 100, "explain": true}),
        ),
    )
    .unwrap();
    let reasons: BTreeMap<String, Vec<&'static str>> = answer
        .ruled_out
        .unwrap()
        .iter()
        .map(|parcel| {
            let id = fixture().parcels[parcel.parcel].id.clone();
            (id, parcel.failures.iter().map(|f| f.constraint).collect())
        })
        .collect();
    assert_eq!(reasons["p-g"], ["needed_by"]);
    assert_eq!(reasons["p-f"], ["max_price_eur_m2"]);
    assert_eq!(reasons["p-d"], ["availability"]);
    assert!(
        !reasons.contains_key("p-l"),
        "a parcel not on offer is never a candidate"
    );
}

#[test]
fn the_reasons_are_short_and_dutch() {
    let answer = search(
        &fixture_engine(),
        &request(
            json!({"activity": "logistics", "min_area_m2": 10000, "max_area_m2": 11000,
                        "near": {"company_id": "company-1"}}),
        ),
    )
    .unwrap();
    let site = &answer.sites[0];
    assert_eq!(site.id, "p-m");
    let reasons: BTreeMap<&str, &str> = site
        .criteria
        .iter()
        .map(|criterion| (criterion.name, criterion.reason.as_str()))
        .collect();
    assert!(
        reasons["motorway"].ends_with("hemelsbreed tot afrit 32 Genk-Oost van de E314"),
        "{}",
        reasons["motorway"]
    );
    assert!(reasons["near"].contains("van de huidige vestiging van Testbedrijf NV"));
    assert_eq!(reasons["price"], "88 €/m²");
    assert_eq!(reasons["ready"], "bouwrijp");
}

#[test]
fn an_edit_to_the_parcels_is_seen_by_the_next_search() {
    use genk_atlas::model::{LayerId, LayerRecord};
    let engine = fixture_engine();
    let body = json!({"activity": "logistics", "min_area_m2": 1000, "limit": 100});
    let before = search(&engine, &request(body.clone())).unwrap();
    assert!(!before
        .sites
        .iter()
        .any(|site| site.id.split('+').any(|id| id == "p-d")));
    // p-d (under option) comes on the market
    let mut parcel = fixture()
        .parcels
        .into_iter()
        .find(|parcel| parcel.id == "p-d")
        .unwrap();
    parcel.availability = Availability::ForSale;
    let edited = engine.with_upserted(LayerId::Parcels, vec![parcel.to_feature()]);
    let after = search(&edited, &request(body.clone())).unwrap();
    assert!(after
        .sites
        .iter()
        .any(|site| site.id.split('+').any(|id| id == "p-d")));
    // an edit elsewhere keeps the built market
    let other = engine.with_upserted(LayerId::Residents, vec![]);
    assert!(std::sync::Arc::ptr_eq(
        &engine.site_market(),
        &other.site_market()
    ));
    assert!(!std::sync::Arc::ptr_eq(
        &engine.site_market(),
        &edited.site_market()
    ));
    assert_eq!(search(&other, &request(body)).unwrap(), before);
}

// ---------------------------------------------------------------- the demo

fn demo() -> &'static (Dataset, Engine) {
    static CITY: OnceLock<(Dataset, Engine)> = OnceLock::new();
    CITY.get_or_init(|| {
        let dataset = generate(&DemoParams::default());
        let engine = Engine::from_dataset(&dataset);
        (dataset, engine)
    })
}

#[test]
fn on_the_demo_logistics_needing_a_quay_lands_on_genk_zuid_first() {
    let (dataset, engine) = demo();
    let body = json!({"activity": "logistics", "min_area_m2": 5000, "max_area_m2": 10000,
                      "requires": ["quay"], "limit": 100, "explain": true});
    let answer = search(engine, &request(body)).unwrap();
    let ruled_out = answer.ruled_out.as_ref().unwrap();
    assert_eq!(ruled_out.len(), 20);
    assert!(ruled_out.iter().all(|parcel| !parcel.failures.is_empty()));
    assert!(ruled_out
        .windows(2)
        .all(|pair| pair[0].failures.len() <= pair[1].failures.len()));
    assert!(answer.total >= 3, "{} sites", answer.total);
    assert_eq!(answer.sites[0].park.as_ref().unwrap().id, "genk-zuid");
    let by_id: BTreeMap<&str, &Parcel> = dataset
        .parcels
        .iter()
        .map(|parcel| (parcel.id.as_str(), parcel))
        .collect();
    let quays: Vec<Point<f64>> = dataset
        .access_points
        .iter()
        .filter(|access| access.kind == AccessKind::Quay)
        .map(|access| access.geometry)
        .collect();
    let mut seen = BTreeSet::new();
    for site in &answer.sites {
        assert!((5000.0..=10000.0).contains(&site.area_m2), "{}", site.id);
        let parcels: Vec<&Parcel> = site.id.split('+').map(|id| by_id[id]).collect();
        for parcel in &parcels {
            assert!(seen.insert(parcel.id.clone()), "{} twice", parcel.id);
            assert!(matches!(
                parcel.availability,
                Availability::ForSale | Availability::ForLease
            ));
            assert!(matches!(parcel.zoning, Zoning::Industrial | Zoning::Sme));
        }
        let quay_m = parcels
            .iter()
            .flat_map(|parcel| {
                quays
                    .iter()
                    .map(|quay| point_polygon_distance_m(*quay, &parcel.geometry))
            })
            .fold(f64::INFINITY, f64::min);
        assert!(
            quay_m <= QUAY_REACH_M,
            "{}: {quay_m} m from a quay",
            site.id
        );
        let area: f64 = parcels.iter().map(|parcel| parcel.area_m2).sum();
        assert!((area - site.area_m2).abs() < 1e-6);
    }
    let scores: Vec<f64> = answer.sites.iter().map(|site| site.score).collect();
    assert!(
        scores.windows(2).all(|pair| pair[0] >= pair[1]),
        "ranked by score"
    );
}

#[test]
fn on_the_demo_knowledge_intensive_sites_stay_off_sme_and_care_parks() {
    let (_, engine) = demo();
    let answer = search(
        engine,
        &request(
            json!({"activity": "72.19", "min_area_m2": 2000, "max_area_m2": 20000, "limit": 100}),
        ),
    )
    .unwrap();
    assert!(answer.total > 0);
    for site in &answer.sites {
        let park = site.park.as_ref().map(|park| park.id.as_str());
        assert!(
            matches!(park, Some("thor-park" | "genk-zuid" | "c-mine")),
            "{}: {park:?}",
            site.id
        );
    }
}

// ---------------------------------------------------------------- HTTP

fn app(engine: Engine) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = GeoPackageStore::create(&dir.path().join("atlas.gpkg")).unwrap();
    let store: SharedStore = Arc::new(store);
    (AppState::new(store, engine, None), dir)
}

async fn post(state: &AppState, uri: &str, body: impl Into<Body>) -> (StatusCode, Value) {
    let response = router(state.clone())
        .oneshot(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.into())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, json)
}

#[tokio::test]
async fn the_endpoint_answers_in_the_issue_shape() {
    let (state, _dir) = app(fixture_engine());
    let body = json!({"activity": "logistics", "min_area_m2": 2000, "max_area_m2": 13000,
                      "near": {"company_id": "company-1"}, "max_distance_m": 5000, "limit": 2});
    let (status, answer) = post(&state, "/api/sites/search?explain=true", body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let sites = answer["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 2);
    for site in sites {
        for key in [
            "id", "parcels", "park", "area_m2", "score", "criteria", "geometry",
        ] {
            assert!(site.get(key).is_some(), "{key} in {site}");
        }
        assert!(site["parcels"][0]["id"].is_string());
        assert!(site["parcels"][0]["properties"]["zoning"].is_string());
        for criterion in site["criteria"].as_array().unwrap() {
            assert!(criterion["name"].is_string() && criterion["reason"].is_string());
            let score = criterion["score"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&score));
        }
        assert!(matches!(
            site["geometry"]["type"].as_str(),
            Some("Polygon" | "MultiPolygon")
        ));
    }
    assert!(answer["total"].as_u64().unwrap() >= 2);
    assert!(answer["explain"]
        .as_array()
        .is_some_and(|list| !list.is_empty()));
    assert_eq!(answer["company"]["name"], "Testbedrijf NV");
    assert!(
        !answer.to_string().contains("Jan Peeters"),
        "a public answer has no contact"
    );
    // the same request over HTTP gives the same bytes
    let (_, again) = post(&state, "/api/sites/search?explain=true", body.to_string()).await;
    assert_eq!(again, answer);
}

#[tokio::test]
async fn bad_requests_are_400s_naming_the_field() {
    let (state, _dir) = app(fixture_engine());
    let cases: Vec<(String, &str)> = vec![
        (
            json!({"activity": "logistics", "min_area_m2": 9000, "max_area_m2": 5000}).to_string(),
            "min_area_m2",
        ),
        (
            json!({"activity": "logistics", "min_area_m2": -10}).to_string(),
            "min_area_m2",
        ),
        (
            json!({"activity": "logistics", "max_area_m2": -10}).to_string(),
            "max_area_m2",
        ),
        (
            json!({"activity": "logistics", "weights": {"motorway": 50, "price": 30}}).to_string(),
            "weights",
        ),
        (json!({"activity": "warehousing"}).to_string(), "activity"),
        (
            json!({"activity": "logistics", "near": {"company_id": "company-404"}}).to_string(),
            "near.company_id",
        ),
        ("{\"activity\": \"logistics\",".to_string(), "body"),
        ("[]".to_string(), "body"),
        (
            format!(
                "{{\"activity\": \"logistics\", \"pad\": \"{}\"}}",
                "x".repeat(200_000)
            ),
            "body",
        ),
        (
            json!({"activity": "logistics", "colour": "blue"}).to_string(),
            "colour",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = post(&state, "/api/sites/search", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{}",
            &body[..body.len().min(120)]
        );
        assert_eq!(answer["detail"]["parameter"], field, "{answer}");
    }
    let (status, answer) = post(
        &state,
        "/api/sites/search?explain=maybe",
        json!({"activity": "logistics"}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["detail"]["parameter"], "explain");
}

// ---------------------------------------------------------------- languages

/// Words of the Dutch reasons that no English reason has (names in the data,
/// such as "Kaai 1" or "Afrit 32 Genk-Oost", are not the reasons' words).
const DUTCH_WORDS: [&str; 16] = [
    "hemelsbreed",
    "gewenst",
    "bouwrijp",
    "percelen",
    "aangrenzende",
    "gemiddeld",
    "prijs",
    "niet",
    "afrit",
    " van ",
    " tot ",
    "te klein",
    "te groot",
    "beschikbaar",
    "vestiging",
    "gekozen",
];

/// Each `.` or `,` between two digits, with how many digits follow it.
fn marks_between_digits(text: &str) -> Vec<(char, usize)> {
    let chars: Vec<char> = text.chars().collect();
    (1..chars.len().saturating_sub(1))
        .filter(|&at| {
            matches!(chars[at], '.' | ',')
                && chars[at - 1].is_ascii_digit()
                && chars[at + 1].is_ascii_digit()
        })
        .map(|at| {
            let after = chars[at + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            (chars[at], after)
        })
        .collect()
}

#[test]
fn marks_between_digits_are_found() {
    assert_eq!(
        marks_between_digits("12,500 m², 2.1 km, €97.50/m², 01-06-2027. 3, 4"),
        [(',', 3), ('.', 1), ('.', 2)]
    );
}

/// Every reason of an answer: the sites' criteria and the ruled-out parcels'.
fn all_reasons(answer: &Value) -> Vec<String> {
    let criteria = answer["sites"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|site| site["criteria"].as_array().unwrap().clone());
    let failures = answer["explain"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|parcel| parcel["ruled_out_by"].as_array().unwrap().clone());
    criteria
        .chain(failures)
        .map(|entry| entry["reason"].as_str().unwrap().to_string())
        .collect()
}

fn reason_of<'a>(site: &'a Value, criterion: &str) -> &'a str {
    site["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["name"] == criterion)
        .unwrap_or_else(|| panic!("no {criterion} in {site}"))["reason"]
        .as_str()
        .unwrap()
}

fn failures_of(answer: &Value, parcel: &str) -> Vec<(String, String)> {
    answer["explain"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["parcel"] == parcel)
        .unwrap_or_else(|| panic!("{parcel} is not in explain"))["ruled_out_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|failure| {
            (
                failure["constraint"].as_str().unwrap().to_string(),
                failure["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// p-m (10,800 m² by its rectangle, on Zuid, 88 €/m², ready) near
/// Testbedrijf NV; p-g available from 2028, p-f at 140 €/m².
fn language_request(lang: Option<&str>) -> Value {
    let mut body = json!({"activity": "logistics", "min_area_m2": 2500, "max_area_m2": 11000,
                          "needed_by": "2027-06-01", "max_price_eur_m2": 100,
                          "near": {"company_id": "company-1"}, "limit": 100, "explain": true});
    if let Some(lang) = lang {
        body["lang"] = json!(lang);
    }
    body
}

#[tokio::test]
async fn site_reasons_follow_the_language_english_words_and_numbers() {
    let (state, _dir) = app(fixture_engine());
    let (status, english) = post(
        &state,
        "/api/sites/search",
        language_request(Some("en")).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{english}");
    assert_eq!(english["request"]["lang"], "en");
    assert_eq!(english["request"]["distances"], "straight-line");
    let site = english["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|site| site["id"] == "p-m")
        .expect("p-m is listed");
    let area = site["area_m2"].as_f64().unwrap();
    let area_en = genk_atlas::engine::sites::numbers::Numbers::ENGLISH.area(area);
    assert!(area > 10_000.0 && area_en.contains(','), "{area_en}");
    assert_eq!(
        reason_of(site, "area_fit"),
        format!("{area_en}, wanted 6,750 m²")
    );
    assert_eq!(reason_of(site, "price"), "€88/m² (max. €100/m²)");
    assert_eq!(reason_of(site, "ready"), "ready to build");
    // p-m's north-west corner (200, 90) is 500 m east and 510 m south of the
    // exit at (-300, 600): 714 m; the company at (300, 200) is 110 m north
    assert_eq!(
        reason_of(site, "motorway"),
        "710 m in a straight line to exit 32 Genk-Oost on the E314"
    );
    assert_eq!(
        reason_of(site, "near"),
        "110 m in a straight line from the current site of Testbedrijf NV"
    );
    assert_eq!(
        failures_of(&english, "p-g"),
        [(
            "needed_by".to_string(),
            "available only from 01-01-2028, after 01-06-2027".to_string()
        )]
    );
    assert_eq!(
        failures_of(&english, "p-f"),
        [(
            "max_price_eur_m2".to_string(),
            "€140/m², above the maximum of €100/m²".to_string()
        )]
    );
    assert_eq!(
        failures_of(&english, "p-d"),
        [(
            "availability".to_string(),
            "not available: under option".to_string()
        )]
    );
    let reasons = all_reasons(&english);
    assert!(reasons.len() > 20, "{} reasons", reasons.len());
    for reason in &reasons {
        for word in DUTCH_WORDS {
            assert!(
                !reason.to_lowercase().contains(word),
                "'{word}' in the English reason '{reason}'"
            );
        }
        // English numbers: a comma between digits groups three, a point
        // between digits starts one or two decimals (Dutch is the other way)
        for (mark, digits_after) in marks_between_digits(reason) {
            match mark {
                ',' => assert_eq!(digits_after, 3, "a decimal comma in '{reason}'"),
                _ => assert!(digits_after < 3, "a thousands point in '{reason}'"),
            }
        }
        assert!(!reason.contains(" €/m²"), "Dutch price in '{reason}'");
        assert!(
            !reason.contains(",0 km") && !reason.contains(".000 m²"),
            "Dutch number in '{reason}'"
        );
    }
    // the same sites, scores and constraints as in Dutch: only the words differ
    let (_, dutch) = post(
        &state,
        "/api/sites/search",
        language_request(Some("nl")).to_string(),
    )
    .await;
    let without_words = |answer: &Value| {
        let mut answer = answer.clone();
        answer["request"] = Value::Null;
        for site in answer["sites"].as_array_mut().unwrap() {
            for criterion in site["criteria"].as_array_mut().unwrap() {
                criterion["reason"] = Value::Null;
            }
        }
        for parcel in answer["explain"].as_array_mut().unwrap() {
            for failure in parcel["ruled_out_by"].as_array_mut().unwrap() {
                failure["reason"] = Value::Null;
            }
        }
        answer
    };
    assert_eq!(without_words(&english), without_words(&dutch));
    assert_ne!(all_reasons(&english), all_reasons(&dutch));
}

#[tokio::test]
async fn site_reasons_are_dutch_by_default() {
    let (state, _dir) = app(fixture_engine());
    let (status, default) = post(
        &state,
        "/api/sites/search",
        language_request(None).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{default}");
    assert_eq!(default["request"]["lang"], "nl");
    assert_eq!(default["request"]["distances"], "hemelsbreed");
    let site = default["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|site| site["id"] == "p-m")
        .unwrap();
    assert_eq!(reason_of(site, "price"), "88 €/m² (max. 100 €/m²)");
    assert_eq!(reason_of(site, "ready"), "bouwrijp");
    assert!(reason_of(site, "area_fit").ends_with(", gewenst 6.750 m²"));
    assert_eq!(
        reason_of(site, "motorway"),
        "710 m hemelsbreed tot afrit 32 Genk-Oost van de E314"
    );
    assert_eq!(
        reason_of(site, "near"),
        "110 m hemelsbreed van de huidige vestiging van Testbedrijf NV"
    );
    assert_eq!(
        failures_of(&default, "p-g"),
        [(
            "needed_by".to_string(),
            "pas beschikbaar vanaf 01-01-2028, na 01-06-2027".to_string()
        )]
    );
    // lang=nl says the same as no lang at all
    let (_, dutch) = post(
        &state,
        "/api/sites/search",
        language_request(Some("nl")).to_string(),
    )
    .await;
    assert_eq!(dutch, default);
    // ?lang=en in the query is the body's lang=en
    let (status, by_query) = post(
        &state,
        "/api/sites/search?lang=en",
        language_request(None).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{by_query}");
    let (_, by_body) = post(
        &state,
        "/api/sites/search",
        language_request(Some("en")).to_string(),
    )
    .await;
    assert_eq!(by_query, by_body);
}

#[tokio::test]
async fn an_unknown_language_is_a_400_naming_lang() {
    let (state, _dir) = app(fixture_engine());
    for (uri, lang) in [
        ("/api/sites/search", Some(json!("xx"))),
        ("/api/sites/search", Some(json!("EN"))),
        ("/api/sites/search", Some(json!(["en"]))),
        ("/api/sites/search?lang=xx", None),
        ("/api/sites/search?lang=", None),
        // the query and the body disagree
        ("/api/sites/search?lang=en", Some(json!("nl"))),
    ] {
        let mut body = json!({"activity": "logistics", "min_area_m2": 1000});
        if let Some(lang) = lang.clone() {
            body["lang"] = lang;
        }
        let (status, answer) = post(&state, uri, body.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri} {lang:?}: {answer}");
        assert_eq!(
            answer["detail"]["parameter"], "lang",
            "{uri} {lang:?}: {answer}"
        );
    }
    let (_, answer) = post(
        &state,
        "/api/sites/search",
        json!({"activity": "logistics", "lang": "xx"}).to_string(),
    )
    .await;
    let text = answer.to_string();
    assert!(text.contains("'xx'") && text.contains("nl, en"), "{text}");
}
