//! The search: hard constraints, plot assembly, scores, a deterministic
//! ranking, one site per parcel, paging, and (on request) which constraint
//! ruled out the parcels that came closest. The constraints are the rows of
//! [`super::constraints::CONSTRAINTS`]; this file only applies them.
//!
//! 1. Each parcel on the market is checked on the constraints every parcel
//!    of a site must meet on its own (available, in time, the activity
//!    allowed, the price).
//! 2. Every connected group of up to four such parcels on one park
//!    ([`super::assembly`]; a single parcel is a group of one) is a
//!    candidate site when, as a whole, it meets the constraints about a
//!    site (the required access, the distance to `near`, the area).
//! 3. Candidates are ranked by total score, highest first, ties by site id
//!    (the parcel ids joined by `+`). Walking down that ranking, a site that
//!    shares a parcel with a site already listed is left out, so no parcel
//!    is in two listed sites. Paging (`offset`, `limit`) is over that list.
//! 4. With `explain`, the parcels on the market that are in no candidate
//!    site are listed with every constraint they fail alone, those failing
//!    the fewest first, then those closest to the wanted area, then by id;
//!    the first [`EXPLAIN_LIMIT`].
//!
//! Reasons (of the criteria and of the failures) are written in the
//! request's language ([`super::language`]).

use geo::{unary_union, Geometry, MultiPolygon};

use super::assembly::{connected_groups, MAX_GROUP_PARCELS};
use super::constraints::{self, Context, Failed, Group};
use super::criteria::{self, Criterion, Described};
use super::exits::ExitNames;
use super::market::{Market, MarketParcel};
pub use super::near::SearchError;
use super::near::{resolve_near, NearPlace};
use super::request::SiteRequest;
use super::scoring::{self, SiteFacts};
use crate::engine::Engine;
use crate::model::{Feature, ParkKind};

pub use super::constraints::Failure;

/// The most ruled-out parcels an explanation lists.
pub const EXPLAIN_LIMIT: usize = 20;

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
/// `near` (NaN without one).
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
        motorway: market.nearest_of(members, |parcel| parcel.motorway),
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
    // A parcel's own checks never read the distance to `near`.
    let own_failures: Vec<Failed> = {
        let context = Context {
            market,
            request,
            near: near.as_ref(),
            near_m: &[],
        };
        market
            .parcels
            .iter()
            .map(|parcel| constraints::parcel_failures(&context, parcel))
            .collect()
    };
    let eligible: Vec<bool> = own_failures
        .iter()
        .map(|failed| failed.is_empty())
        .collect();
    // Sites are made of eligible parcels; only `explain` asks how far the
    // others are, so only then is every parcel's distance computed.
    let near_m: Vec<f64> = market
        .parcels
        .iter()
        .zip(&eligible)
        .map(|(parcel, &eligible)| match &near {
            Some(place) if eligible || request.explain => {
                super::geometry::point_polygon_distance_m(place.point, &parcel.record.geometry)
            }
            _ => f64::NAN,
        })
        .collect();
    let context = Context {
        market,
        request,
        near: near.as_ref(),
        near_m: &near_m,
    };
    let area_m2: Vec<f64> = market
        .parcels
        .iter()
        .map(|parcel| parcel.record.area_m2)
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
            if !constraints::site_meets(
                &context,
                Group {
                    members,
                    area_m2: area,
                },
            ) {
                return;
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

    let mut exits = ExitNames::new(engine, market);
    let sites = listed
        .iter()
        .skip(request.offset)
        .take(request.limit)
        .map(|candidate| site(candidate, &context, &mut exits))
        .collect();
    let ruled_out = request
        .explain
        .then(|| explain(&context, &own_failures, &in_candidate));
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

fn site(candidate: &Candidate, context: &Context, exits: &mut ExitNames) -> Site {
    let (market, request) = (context.market, context.request);
    let members = candidate.members();
    let near: Option<&NearPlace> = context.near;
    let facts = facts(
        members,
        candidate.area_m2,
        market,
        context.near_m,
        near.is_some(),
    );
    let scores = scoring::scores(&facts, request);
    let exit = facts.motorway.map(|exit| exits.name(exit.access));
    let criteria = criteria::criteria(
        &Described {
            facts: &facts,
            request,
            exit: exit.as_ref(),
            near: near.map(|place| &place.name),
        },
        &scores,
        request.language,
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
            quay_m: market.nearest_of(members, |p| p.quay).map(|q| q.distance_m),
            rail_m: market.nearest_of(members, |p| p.rail).map(|r| r.distance_m),
        },
    }
}

/// The parcels in no candidate site, ranked by how many constraints they
/// fail alone (counted on the same table the reasons are written from),
/// then by how far their area is from the wanted one, then by position.
fn explain(context: &Context, own_failures: &[Failed], in_candidate: &[bool]) -> Vec<RuledOut> {
    let market = context.market;
    let wanted = context.request.wanted_area_m2();
    // rank by counts first; reasons are written for the listed ones only
    let mut ranked: Vec<(Failed, f64, usize)> = market
        .parcels
        .iter()
        .enumerate()
        .filter(|(index, _)| !in_candidate[*index])
        .map(|(index, parcel)| {
            let failed = constraints::alone_failures(context, index, own_failures[index]);
            (failed, (parcel.record.area_m2 - wanted).abs(), index)
        })
        .collect();
    ranked.sort_by(|a, b| {
        a.0.count()
            .cmp(&b.0.count())
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
        .map(|(failed, _, index)| {
            let parcel = &market.parcels[index];
            RuledOut {
                parcel: parcel.position,
                park: park_ref(market, parcel),
                area_m2: parcel.record.area_m2,
                failures: constraints::failures(context, index, failed, context.request.language),
            }
        })
        .collect()
}
