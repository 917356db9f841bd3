//! The search: hard constraints, plot assembly, scores, a deterministic
//! ranking, one site per parcel, paging, and (on request) which constraint
//! ruled out the parcels that came closest.
//!
//! 1. Each parcel on the market is checked on the constraints of a parcel
//!    alone: available (for sale or lease), available on or before
//!    `needed_by`, zoning and park kind allow the activity
//!    ([`super::rules`]), asking price at most `max_price_eur_m2` (a parcel
//!    without a price fails a maximum).
//! 2. Every connected group of up to four such parcels on one park
//!    ([`super::assembly`]; a single parcel is a group of one) whose total
//!    area lies in `[min_area_m2, max_area_m2]` is a candidate site when, as
//!    a whole, it has the required access (a parcel of it within reach of a
//!    quay or rail access) and lies within `max_distance_m` of `near` (its
//!    nearest parcel does).
//! 3. Candidates are ranked by total score, highest first, ties by site id
//!    (the parcel ids joined by `+`). Walking down that ranking, a site that
//!    shares a parcel with a site already listed is left out, so no parcel
//!    is in two listed sites. Paging (`offset`, `limit`) is over that list.
//! 4. With `explain`, the parcels on the market that are in no candidate
//!    site are listed with every constraint they fail alone, those failing
//!    the fewest first, then those closest to the wanted area, then by id;
//!    the first [`EXPLAIN_LIMIT`].

use geo::{unary_union, Geometry, MultiPolygon, Point, Rect};

use super::assembly::{connected_groups, MAX_GROUP_PARCELS};
use super::dutch;
use super::market::{Market, MarketParcel, Nearest};
use super::request::{Near, SiteRequest};
use super::rules::{self, park_kind_dutch, zoning_dutch, QUAY_REACH_M, RAIL_REACH_M};
use super::scoring::{self, Criterion, ReasonLabels, SiteFacts};
use crate::engine::plane::LocalMetres;
use crate::engine::{Engine, LocalPlane};
use crate::model::{Availability, Feature, LayerId, ParkKind, Value};

/// The most ruled-out parcels an explanation lists.
pub const EXPLAIN_LIMIT: usize = 20;

/// Why a search could not run, naming the request field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SearchError {
    #[error("no company with id '{0}'")]
    UnknownCompany(String),
}

impl SearchError {
    /// The request field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            SearchError::UnknownCompany(_) => "near.company_id",
        }
    }
}

/// The park of a site.
#[derive(Debug, Clone, PartialEq)]
pub struct ParkRef {
    pub id: String,
    pub name: String,
    pub kind: Option<ParkKind>,
}

/// Straight-line distances from a site to the nearest accesses, metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccessDistances {
    pub motorway_m: Option<f64>,
    pub quay_m: Option<f64>,
    pub rail_m: Option<f64>,
}

/// A listed site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Its parcel ids joined by `+`, in id order.
    pub id: String,
    /// Positions in the engine's parcels layer, in id order.
    pub parcels: Vec<usize>,
    pub park: Option<ParkRef>,
    pub area_m2: f64,
    pub score: f64,
    pub criteria: Vec<Criterion>,
    /// The parcel, or the union of the group's parcels (EPSG:4326).
    pub geometry: Geometry<f64>,
    pub access: AccessDistances,
}

/// A hard constraint a parcel fails, named after the request field.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub constraint: &'static str,
    pub reason: String,
}

/// A parcel on the market that is in no candidate site, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RuledOut {
    /// Position in the engine's parcels layer.
    pub parcel: usize,
    pub park: Option<ParkRef>,
    pub area_m2: f64,
    pub failures: Vec<Failure>,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteAnswer {
    /// Sites listed in all (before paging).
    pub total: usize,
    /// The page asked for.
    pub sites: Vec<Site>,
    /// With `explain`: the parcels that came closest and why they are out.
    pub ruled_out: Option<Vec<RuledOut>>,
    /// The `near` company, when the request names one.
    pub company: Option<Feature>,
}

/// Where `near` is, and how the reasons name it.
struct NearPlace {
    point: Point<f64>,
    label: String,
    company: Option<Feature>,
}

fn resolve_near(engine: &Engine, request: &SiteRequest) -> Result<Option<NearPlace>, SearchError> {
    match &request.near {
        None => Ok(None),
        Some(Near::Point(point)) => Ok(Some(NearPlace {
            point: *point,
            label: "het gekozen punt".to_string(),
            company: None,
        })),
        Some(Near::Company(id)) => {
            let feature = engine
                .layer(LayerId::Companies)
                .get(id)
                .ok_or_else(|| SearchError::UnknownCompany(id.clone()))?;
            let point = match &feature.geometry {
                Geometry::Point(point) => *point,
                other => {
                    use geo::InteriorPoint;
                    other
                        .interior_point()
                        .ok_or_else(|| SearchError::UnknownCompany(id.clone()))?
                }
            };
            let name = match feature.get(LayerId::Companies.schema(), "name") {
                Some(Value::Text(name)) => name.clone(),
                _ => id.clone(),
            };
            Ok(Some(NearPlace {
                point,
                label: format!("de huidige vestiging van {name}"),
                company: Some(feature.clone()),
            }))
        }
    }
}

/// The constraints of a parcel alone, as booleans (true: met).
#[derive(Debug, Clone, Copy)]
struct ParcelCheck {
    availability: bool,
    needed_by: bool,
    activity: bool,
    price: bool,
}

impl ParcelCheck {
    fn all(&self) -> bool {
        self.availability && self.needed_by && self.activity && self.price
    }
}

fn check_parcel(market: &Market, parcel: &MarketParcel, request: &SiteRequest) -> ParcelCheck {
    let record = &parcel.record;
    ParcelCheck {
        availability: matches!(
            record.availability,
            Availability::ForSale | Availability::ForLease
        ),
        needed_by: match (request.needed_by, record.available_from) {
            (Some(needed), Some(from)) => from <= needed,
            _ => true,
        },
        activity: activity_allowed(market, parcel, request),
        price: match (request.max_price_eur_m2, record.price_eur_m2) {
            (None, _) => true,
            (Some(max), Some(price)) => price <= max,
            (Some(_), None) => false,
        },
    }
}

fn activity_allowed(market: &Market, parcel: &MarketParcel, request: &SiteRequest) -> bool {
    let group = request.activity.group;
    if !rules::zoning_allows(group, parcel.record.zoning) {
        return false;
    }
    match parcel
        .park
        .and_then(|park| market.parks[park as usize].kind)
    {
        Some(kind) => rules::park_allows(group, kind, request.requires.quay),
        None => true,
    }
}

fn within(nearest: Option<Nearest>, reach_m: f64) -> bool {
    nearest.is_some_and(|nearest| nearest.distance_m <= reach_m)
}

/// The nearest of the parcels' nearest accesses (ties: the earlier access).
fn nearest_of(
    members: &[u32],
    market: &Market,
    pick: fn(&MarketParcel) -> Option<Nearest>,
) -> Option<Nearest> {
    members
        .iter()
        .filter_map(|&member| pick(&market.parcels[member as usize]))
        .min_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.access.cmp(&b.access))
        })
}

/// A candidate site: its parcels (positions in the market), area and score.
struct Candidate {
    members: [u32; MAX_GROUP_PARCELS],
    len: usize,
    area_m2: f64,
    score: f64,
    id: String,
}

impl Candidate {
    fn members(&self) -> &[u32] {
        &self.members[..self.len]
    }
}

/// The site's facts for scoring; `near_m` holds each parcel's distance to
/// `near` (NaN where not computed).
fn facts(
    members: &[u32],
    area_m2: f64,
    market: &Market,
    near_m: &[f64],
    has_near: bool,
) -> SiteFacts {
    let mut price_sum = 0.0;
    let mut price_known = true;
    let mut ready_area = 0.0;
    let mut n_ready = 0;
    let mut nearest_near = f64::INFINITY;
    for &member in members {
        let record = &market.parcels[member as usize].record;
        match record.price_eur_m2 {
            Some(price) => price_sum += price * record.area_m2,
            None => price_known = false,
        }
        if record.ready_to_build {
            ready_area += record.area_m2;
            n_ready += 1;
        }
        nearest_near = nearest_near.min(near_m[member as usize]);
    }
    SiteFacts {
        n_parcels: members.len(),
        area_m2,
        motorway: nearest_of(members, market, |parcel| parcel.motorway),
        near_m: has_near.then_some(nearest_near),
        price_eur_m2: (price_known && area_m2 > 0.0).then(|| price_sum / area_m2),
        n_ready,
        ready_share: if area_m2 > 0.0 {
            ready_area / area_m2
        } else {
            0.0
        },
    }
}

/// Run a search on the engine's current layers.
pub fn search(engine: &Engine, request: &SiteRequest) -> Result<SiteAnswer, SearchError> {
    let market_cache = engine.site_market();
    let market = &*market_cache;
    let near = resolve_near(engine, request)?;
    let n = market.parcels.len();
    let checks: Vec<ParcelCheck> = market
        .parcels
        .iter()
        .map(|parcel| check_parcel(market, parcel, request))
        .collect();
    let eligible: Vec<bool> = checks.iter().map(ParcelCheck::all).collect();
    let area_m2: Vec<f64> = market
        .parcels
        .iter()
        .map(|parcel| parcel.record.area_m2)
        .collect();
    let near_m: Vec<f64> = market
        .parcels
        .iter()
        .zip(&eligible)
        .map(|(parcel, eligible)| match (&near, eligible) {
            (Some(place), true) => {
                super::geometry::point_polygon_distance_m(place.point, &parcel.record.geometry)
            }
            _ => f64::NAN,
        })
        .collect();

    let max_area = request.max_area_m2.unwrap_or(f64::INFINITY);
    let mut in_candidate = vec![false; n];
    let mut candidates = Vec::new();
    connected_groups(
        &market.neighbours,
        &eligible,
        &area_m2,
        max_area,
        |members, area| {
            if area < request.min_area_m2 {
                return;
            }
            if request.requires.quay
                && !within(nearest_of(members, market, |p| p.quay), QUAY_REACH_M)
            {
                return;
            }
            if request.requires.rail
                && !within(nearest_of(members, market, |p| p.rail), RAIL_REACH_M)
            {
                return;
            }
            if let Some(max_distance) = request.max_distance_m {
                let nearest = members
                    .iter()
                    .map(|&member| near_m[member as usize])
                    .fold(f64::INFINITY, f64::min);
                // NaN (not computed) fails too
                if nearest.is_nan() || nearest > max_distance {
                    return;
                }
            }
            let facts = facts(members, area, market, &near_m, near.is_some());
            let score = scoring::total(&scoring::scores(&facts, request), &request.weights);
            let mut ids: Vec<&str> = members
                .iter()
                .map(|&member| market.parcels[member as usize].record.id.as_str())
                .collect();
            ids.sort_unstable();
            let mut fixed = [0; MAX_GROUP_PARCELS];
            fixed[..members.len()].copy_from_slice(members);
            for &member in members {
                in_candidate[member as usize] = true;
            }
            candidates.push(Candidate {
                members: fixed,
                len: members.len(),
                area_m2: area,
                score,
                id: ids.join("+"),
            });
        },
    );
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));

    let mut used = vec![false; n];
    let mut listed: Vec<&Candidate> = Vec::new();
    for candidate in &candidates {
        if candidate
            .members()
            .iter()
            .any(|&member| used[member as usize])
        {
            continue;
        }
        for &member in candidate.members() {
            used[member as usize] = true;
        }
        listed.push(candidate);
    }

    let mut labels = ExitLabels::new(engine, market);
    let sites = listed
        .iter()
        .skip(request.offset)
        .take(request.limit)
        .map(|candidate| {
            site(
                candidate,
                market,
                request,
                &near_m,
                near.as_ref(),
                &mut labels,
            )
        })
        .collect();
    let ruled_out = request
        .explain
        .then(|| explain(market, request, &checks, &in_candidate, near.as_ref()));
    Ok(SiteAnswer {
        total: listed.len(),
        sites,
        ruled_out,
        company: near.and_then(|place| place.company),
    })
}

fn park_ref(market: &Market, parcel: &MarketParcel) -> Option<ParkRef> {
    parcel.park.map(|park| {
        let info = &market.parks[park as usize];
        ParkRef {
            id: info.id.clone(),
            name: info.name.clone(),
            kind: info.kind,
        }
    })
}

fn site(
    candidate: &Candidate,
    market: &Market,
    request: &SiteRequest,
    near_m: &[f64],
    near: Option<&NearPlace>,
    labels: &mut ExitLabels,
) -> Site {
    let members = candidate.members();
    let facts = facts(members, candidate.area_m2, market, near_m, near.is_some());
    let scores = scoring::scores(&facts, request);
    let exit_label = facts.motorway.map(|exit| labels.label(exit.access));
    let criteria = scoring::criteria(
        &facts,
        &scores,
        request,
        &ReasonLabels {
            exit: exit_label.as_deref(),
            near: near.map(|place| place.label.as_str()),
        },
    );
    let mut parcels: Vec<&MarketParcel> = members
        .iter()
        .map(|&member| &market.parcels[member as usize])
        .collect();
    parcels.sort_by(|a, b| a.record.id.cmp(&b.record.id));
    let geometry = if parcels.len() == 1 {
        Geometry::Polygon(parcels[0].record.geometry.clone())
    } else {
        let union: MultiPolygon<f64> =
            unary_union(parcels.iter().map(|parcel| &parcel.record.geometry));
        if union.0.len() == 1 {
            Geometry::Polygon(union.0[0].clone())
        } else {
            Geometry::MultiPolygon(union)
        }
    };
    Site {
        id: candidate.id.clone(),
        parcels: parcels.iter().map(|parcel| parcel.position).collect(),
        park: park_ref(market, parcels[0]),
        area_m2: candidate.area_m2,
        score: candidate.score,
        criteria,
        geometry,
        access: AccessDistances {
            motorway_m: facts.motorway.map(|exit| exit.distance_m),
            quay_m: nearest_of(members, market, |p| p.quay).map(|q| q.distance_m),
            rail_m: nearest_of(members, market, |p| p.rail).map(|r| r.distance_m),
        },
    }
}

/// Names motorway exits for the reasons: "afrit 32 Genk-Oost van de E314",
/// the road being the motorway street nearest to the exit (within 300 m).
struct ExitLabels<'a> {
    engine: &'a Engine,
    market: &'a Market,
    known: Vec<(u32, String)>,
}

impl<'a> ExitLabels<'a> {
    fn new(engine: &'a Engine, market: &'a Market) -> Self {
        ExitLabels {
            engine,
            market,
            known: Vec::new(),
        }
    }

    fn label(&mut self, access: u32) -> String {
        if let Some((_, label)) = self.known.iter().find(|(known, _)| *known == access) {
            return label.clone();
        }
        let record = &self.market.access[access as usize].record;
        let road = self.road_at(record.geometry);
        let label = exit_label(&record.name, road.as_deref());
        self.known.push((access, label.clone()));
        label
    }

    fn road_at(&self, point: Point<f64>) -> Option<String> {
        let streets = self.engine.layer(LayerId::Streets);
        let schema = LayerId::Streets.schema();
        let (dlon, dlat) = LocalMetres::at_latitude(point.y()).degrees(300.0, 300.0);
        let bbox = Rect::new(
            geo::coord! { x: point.x() - dlon, y: point.y() - dlat },
            geo::coord! { x: point.x() + dlon, y: point.y() + dlat },
        );
        let plane = LocalPlane::at_latitude(point.y());
        let motorway = Value::Text("motorway".to_string());
        streets
            .query_bbox(bbox)
            .into_iter()
            .map(|position| &streets.features()[position])
            .filter(|feature| feature.get(schema, "class") == Some(&motorway))
            .filter_map(|feature| match feature.get(schema, "name") {
                Some(Value::Text(name)) => Some((
                    plane.distance_to_geometry_m(point, &feature.geometry),
                    name.clone(),
                )),
                _ => None,
            })
            .min_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)))
            .map(|(_, name)| name)
    }
}

/// "Afrit 32 Genk-Oost" on the E314 → "afrit 32 Genk-Oost van de E314".
pub fn exit_label(name: &str, road: Option<&str>) -> String {
    let mut label = match name.split_once(' ') {
        Some((first, rest)) if ["Afrit", "Aansluiting"].contains(&first) => {
            format!("{} {rest}", first.to_lowercase())
        }
        _ => name.to_string(),
    };
    if let Some(road) = road {
        if !name.contains(road) {
            label.push_str(" van de ");
            label.push_str(road);
        }
    }
    label
}

fn explain(
    market: &Market,
    request: &SiteRequest,
    checks: &[ParcelCheck],
    in_candidate: &[bool],
    near: Option<&NearPlace>,
) -> Vec<RuledOut> {
    let wanted = request.wanted_area_m2();
    // rank by counts first; reasons are written for the listed ones only
    let mut ranked: Vec<(usize, f64, usize)> = market
        .parcels
        .iter()
        .enumerate()
        .filter(|(position, _)| !in_candidate[*position])
        .map(|(position, parcel)| {
            let n_failed = count_failures(parcel, request, &checks[position], near);
            (n_failed, (parcel.record.area_m2 - wanted).abs(), position)
        })
        .collect();
    ranked.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.total_cmp(&b.1))
            .then_with(|| {
                market.parcels[a.2]
                    .position
                    .cmp(&market.parcels[b.2].position)
            })
    });
    ranked
        .into_iter()
        .take(EXPLAIN_LIMIT)
        .map(|(n_failed, _, position)| {
            let parcel = &market.parcels[position];
            let failures = failures(market, parcel, request, &checks[position], near);
            debug_assert_eq!(failures.len(), n_failed, "{}", parcel.record.id);
            RuledOut {
                parcel: parcel.position,
                park: park_ref(market, parcel),
                area_m2: parcel.record.area_m2,
                failures,
            }
        })
        .collect()
}

/// How many constraints the parcel fails on its own: as many as
/// [`failures`] lists, without writing the reasons.
fn count_failures(
    parcel: &MarketParcel,
    request: &SiteRequest,
    check: &ParcelCheck,
    near: Option<&NearPlace>,
) -> usize {
    let record = &parcel.record;
    let too_far = match (request.max_distance_m, near) {
        (Some(max), Some(place)) => {
            super::geometry::point_polygon_distance_m(place.point, &record.geometry) > max
        }
        _ => false,
    };
    [
        !check.availability,
        !check.needed_by,
        !check.activity,
        !check.price,
        request.requires.quay && !within(parcel.quay, QUAY_REACH_M),
        request.requires.rail && !within(parcel.rail, RAIL_REACH_M),
        too_far,
        record.area_m2 < request.min_area_m2
            || request.max_area_m2.is_some_and(|max| record.area_m2 > max),
    ]
    .into_iter()
    .filter(|failed| *failed)
    .count()
}

fn availability_dutch(availability: Availability) -> &'static str {
    match availability {
        Availability::NotOffered => "niet te koop of te huur",
        Availability::ForSale => "te koop",
        Availability::ForLease => "te huur",
        Availability::UnderOption => "onder optie",
        Availability::Reserved => "gereserveerd",
    }
}

/// Every constraint the parcel fails on its own, with a Dutch reason.
fn failures(
    market: &Market,
    parcel: &MarketParcel,
    request: &SiteRequest,
    check: &ParcelCheck,
    near: Option<&NearPlace>,
) -> Vec<Failure> {
    let record = &parcel.record;
    let mut failures = Vec::new();
    let mut fail =
        |constraint: &'static str, reason: String| failures.push(Failure { constraint, reason });
    if !check.availability {
        fail(
            "availability",
            format!(
                "niet beschikbaar: {}",
                availability_dutch(record.availability)
            ),
        );
    }
    if !check.needed_by {
        if let (Some(from), Some(needed)) = (record.available_from, request.needed_by) {
            fail(
                "needed_by",
                format!(
                    "pas beschikbaar vanaf {}, na {}",
                    dutch::date(from),
                    dutch::date(needed)
                ),
            );
        }
    }
    if !check.activity {
        let group = request.activity.group;
        let park = parcel.park.map(|park| &market.parks[park as usize]);
        let reason = if !rules::zoning_allows(group, record.zoning) {
            format!(
                "bestemming {} laat geen {} toe",
                zoning_dutch(record.zoning),
                group.dutch()
            )
        } else {
            match park.and_then(|park| park.kind.map(|kind| (park, kind))) {
                Some((park, ParkKind::WaterBound)) => format!(
                    "{} is een watergebonden terrein: enkel voor wie de kaai gebruikt",
                    park.name
                ),
                Some((park, kind)) => format!(
                    "{} is een {}: geen {}",
                    park.name,
                    park_kind_dutch(kind),
                    group.dutch()
                ),
                None => format!("geen {} toegelaten", group.dutch()),
            }
        };
        fail("activity", reason);
    }
    if !check.price {
        let max = request.max_price_eur_m2.unwrap_or_default();
        let reason = match record.price_eur_m2 {
            Some(price) => format!(
                "{}, boven het maximum van {}",
                dutch::price(price),
                dutch::price(max)
            ),
            None => "prijs niet bekend".to_string(),
        };
        fail("max_price_eur_m2", reason);
    }
    for (required, nearest, reach, what) in [
        (request.requires.quay, parcel.quay, QUAY_REACH_M, "kaai"),
        (
            request.requires.rail,
            parcel.rail,
            RAIL_REACH_M,
            "spoortoegang",
        ),
    ] {
        if required && !within(nearest, reach) {
            let reason = match nearest {
                Some(nearest) => format!(
                    "{} hemelsbreed tot de dichtste {what} ({}), meer dan {}",
                    dutch::distance(nearest.distance_m),
                    market.access[nearest.access as usize].record.name,
                    dutch::distance(reach)
                ),
                None => format!("geen {what} gekend"),
            };
            fail("requires", reason);
        }
    }
    if let (Some(max), Some(place)) = (request.max_distance_m, near) {
        let distance = super::geometry::point_polygon_distance_m(place.point, &record.geometry);
        if distance > max {
            fail(
                "max_distance_m",
                format!(
                    "{} hemelsbreed van {}, verder dan {}",
                    dutch::distance(distance),
                    place.label,
                    dutch::distance(max)
                ),
            );
        }
    }
    let alone_ok = failures.is_empty();
    if record.area_m2 < request.min_area_m2 {
        let together = if alone_ok {
            ", ook samen met aangrenzende beschikbare percelen"
        } else {
            ""
        };
        failures.push(Failure {
            constraint: "area",
            reason: format!(
                "te klein{together}: {} (min. {})",
                dutch::area(record.area_m2),
                dutch::area(request.min_area_m2)
            ),
        });
    } else if let Some(max) = request.max_area_m2.filter(|max| record.area_m2 > *max) {
        failures.push(Failure {
            constraint: "area",
            reason: format!(
                "te groot: {} (max. {})",
                dutch::area(record.area_m2),
                dutch::area(max)
            ),
        });
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_are_named_with_their_motorway() {
        assert_eq!(
            exit_label("Afrit 32 Genk-Oost", Some("E314")),
            "afrit 32 Genk-Oost van de E314"
        );
        assert_eq!(
            exit_label("Aansluiting E313 - N702 Henry Fordlaan", Some("E313")),
            "aansluiting E313 - N702 Henry Fordlaan"
        );
        assert_eq!(exit_label("Knooppunt Lummen", None), "Knooppunt Lummen");
    }
}
