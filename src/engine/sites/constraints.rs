//! The hard constraints, each written once: [`CONSTRAINTS`] is the one table
//! of them, every row with the request field it is named after, its check,
//! and its reason in Dutch and in English. The search, the counts and the
//! explanation all read it:
//!
//! - a row that every parcel of a site must meet on its own
//!   ([`Check::EachParcel`]) is checked once per parcel before assembly;
//!   the parcels that fail none are the ones groups are made of;
//! - a row about the site as a whole ([`Check::WholeSite`]) is checked on
//!   each connected group;
//! - `explain` checks every row on a parcel alone (a site of one parcel),
//!   counts the rows it fails and words them in the request's language, in
//!   the table's order.
//!
//! | field | on | met when |
//! | --- | --- | --- |
//! | `availability` | each parcel | for sale or for lease |
//! | `needed_by` | each parcel | available on that date or before (without a date: met) |
//! | `activity` | each parcel | its zoning and its park's kind allow the activity ([`super::rules`]) |
//! | `max_price_eur_m2` | each parcel | its asking price is at most the maximum (without a price: not met) |
//! | `requires` (quay) | the site | a parcel of it within [`QUAY_REACH_M`] of a quay |
//! | `requires` (rail) | the site | a parcel of it within [`RAIL_REACH_M`] of rail access |
//! | `max_distance_m` | the site | its nearest parcel within that distance of `near` |
//! | `area` | the site | its total area in `[min_area_m2, max_area_m2]` |
//!
//! Assembly ([`super::assembly`]) does not grow a group past the maximum
//! area (areas are positive, so nothing bigger could come of it); the
//! `area` row checks it all the same, as a parcel alone needs it.
//! Distances are straight lines, and the reasons say so.

use chrono::NaiveDate;

use super::language::Language;
use super::market::{Market, MarketParcel, Nearest};
use super::names;
use super::near::NearPlace;
use super::numbers::Numbers;
use super::request::SiteRequest;
use super::rules::{self, QUAY_REACH_M, RAIL_REACH_M};
use crate::model::{Availability, ParkKind, Zoning};

/// What the checks and reasons read: the market, the request, the `near`
/// place and each parcel's distance to it.
pub struct Context<'a> {
    pub market: &'a Market,
    pub request: &'a SiteRequest,
    pub near: Option<&'a NearPlace>,
    /// Each market parcel's straight-line distance to `near`, metres (NaN
    /// without `near`).
    pub near_m: &'a [f64],
}

/// A site being checked: its parcels (positions in [`Market::parcels`])
/// and their total area, m².
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    pub members: &'a [u32],
    pub area_m2: f64,
}

/// What a constraint is checked on.
pub enum Check {
    /// Every parcel of a site must meet it on its own.
    EachParcel(fn(&Context, &MarketParcel) -> bool),
    /// The site as a whole must meet it.
    WholeSite(fn(&Context, Group) -> bool),
}

/// A parcel alone that fails a constraint, as its reason reads it.
pub struct Failing<'a> {
    pub context: &'a Context<'a>,
    /// Its position in [`Market::parcels`].
    pub index: usize,
    pub parcel: &'a MarketParcel,
    /// It fails no other constraint.
    pub only_failure: bool,
}

/// A reason, written for a parcel that fails the constraint.
pub type Reason = fn(&Failing) -> String;

/// One row of the table.
pub struct Constraint {
    /// The request field it is named after (`constraint` in the answer).
    pub field: &'static str,
    pub check: Check,
    pub dutch: Reason,
    pub english: Reason,
}

impl Constraint {
    /// The reason in `language`.
    pub fn reason(&self, failing: &Failing, language: Language) -> String {
        (language.pick(self.dutch, self.english))(failing)
    }
}

/// Every hard constraint, in the order `explain` lists a parcel's failures.
pub const CONSTRAINTS: [Constraint; 8] = [
    Constraint {
        field: "availability",
        check: Check::EachParcel(available),
        dutch: |failing| {
            format!(
                "niet beschikbaar: {}",
                names::availability(failing.parcel.record.availability, Language::Dutch)
            )
        },
        english: |failing| {
            format!(
                "not available: {}",
                names::availability(failing.parcel.record.availability, Language::English)
            )
        },
    },
    Constraint {
        field: "needed_by",
        check: Check::EachParcel(available_in_time),
        dutch: |failing| {
            let (from, needed) = dates(failing, &Numbers::DUTCH);
            format!("pas beschikbaar vanaf {from}, na {needed}")
        },
        english: |failing| {
            let (from, needed) = dates(failing, &Numbers::ENGLISH);
            format!("available only from {from}, after {needed}")
        },
    },
    Constraint {
        field: "activity",
        check: Check::EachParcel(activity_allowed),
        dutch: |failing| {
            let group = names::activity(failing.context.request.activity.group, Language::Dutch);
            match activity_refusal(failing) {
                Refusal::Zoning(zoning) => format!(
                    "bestemming {} laat geen {group} toe",
                    names::zoning(zoning, Language::Dutch)
                ),
                Refusal::WaterBound(park) => {
                    format!("{park} is een watergebonden terrein: enkel voor wie de kaai gebruikt")
                }
                Refusal::ParkKind(park, kind) => format!(
                    "{park} is een {}: geen {group}",
                    names::park_kind(kind, Language::Dutch)
                ),
                Refusal::Other => format!("geen {group} toegelaten"),
            }
        },
        english: |failing| {
            let group = names::activity(failing.context.request.activity.group, Language::English);
            match activity_refusal(failing) {
                Refusal::Zoning(zoning) => format!(
                    "the zoning ({}) does not allow {group}",
                    names::zoning(zoning, Language::English)
                ),
                Refusal::WaterBound(park) => {
                    format!("{park} is a water-bound park: only for users of the quay")
                }
                Refusal::ParkKind(park, kind) => format!(
                    "{park} is {}: no {group}",
                    names::park_kind(kind, Language::English)
                ),
                Refusal::Other => format!("no {group} allowed"),
            }
        },
    },
    Constraint {
        field: "max_price_eur_m2",
        check: Check::EachParcel(affordable),
        dutch: |failing| {
            let numbers = &Numbers::DUTCH;
            match prices(failing) {
                (Some(price), max) => format!(
                    "{}, boven het maximum van {}",
                    numbers.price(price),
                    numbers.price(max)
                ),
                (None, _) => "prijs niet bekend".to_string(),
            }
        },
        english: |failing| {
            let numbers = &Numbers::ENGLISH;
            match prices(failing) {
                (Some(price), max) => format!(
                    "{}, above the maximum of {}",
                    numbers.price(price),
                    numbers.price(max)
                ),
                (None, _) => "price not known".to_string(),
            }
        },
    },
    Constraint {
        field: "requires",
        check: Check::WholeSite(quay_in_reach),
        dutch: |failing| access_dutch(failing.parcel.quay, QUAY_REACH_M, "kaai", failing),
        english: |failing| access_english(failing.parcel.quay, QUAY_REACH_M, "quay", failing),
    },
    Constraint {
        field: "requires",
        check: Check::WholeSite(rail_in_reach),
        dutch: |failing| access_dutch(failing.parcel.rail, RAIL_REACH_M, "spoortoegang", failing),
        english: |failing| {
            access_english(failing.parcel.rail, RAIL_REACH_M, "rail access", failing)
        },
    },
    Constraint {
        field: "max_distance_m",
        check: Check::WholeSite(near_enough),
        dutch: |failing| {
            let numbers = &Numbers::DUTCH;
            let (distance, max, place) = too_far(failing, Language::Dutch);
            format!(
                "{} hemelsbreed van {place}, verder dan {}",
                numbers.distance(distance),
                numbers.distance(max)
            )
        },
        english: |failing| {
            let numbers = &Numbers::ENGLISH;
            let (distance, max, place) = too_far(failing, Language::English);
            format!(
                "{} in a straight line from {place}, further than {}",
                numbers.distance(distance),
                numbers.distance(max)
            )
        },
    },
    Constraint {
        field: "area",
        check: Check::WholeSite(area_in_range),
        dutch: |failing| {
            let numbers = &Numbers::DUTCH;
            let area = numbers.area(failing.parcel.record.area_m2);
            match area_miss(failing) {
                AreaMiss::TooSmall(min) => {
                    let together = if failing.only_failure {
                        ", ook samen met aangrenzende beschikbare percelen"
                    } else {
                        ""
                    };
                    format!("te klein{together}: {area} (min. {})", numbers.area(min))
                }
                AreaMiss::TooLarge(max) => format!("te groot: {area} (max. {})", numbers.area(max)),
            }
        },
        english: |failing| {
            let numbers = &Numbers::ENGLISH;
            let area = numbers.area(failing.parcel.record.area_m2);
            match area_miss(failing) {
                AreaMiss::TooSmall(min) => {
                    let together = if failing.only_failure {
                        ", even together with adjacent available parcels"
                    } else {
                        ""
                    };
                    format!("too small{together}: {area} (min. {})", numbers.area(min))
                }
                AreaMiss::TooLarge(max) => {
                    format!("too large: {area} (max. {})", numbers.area(max))
                }
            }
        },
    },
];

// Failures are kept as a bit set of rows.
const _: () = assert!(CONSTRAINTS.len() <= u8::BITS as usize);

/// A hard constraint a parcel fails, named after the request field.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub constraint: &'static str,
    pub reason: String,
}

/// Rows of [`CONSTRAINTS`] that failed, as a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failed(u8);

impl Failed {
    /// Nothing failed.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn count(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether row `row` failed.
    pub fn has(self, row: usize) -> bool {
        self.0 & (1 << row) != 0
    }

    fn with(self, row: usize) -> Failed {
        Failed(self.0 | (1 << row))
    }
}

/// The rows a parcel fails among those every parcel of a site must meet.
pub fn parcel_failures(context: &Context, parcel: &MarketParcel) -> Failed {
    CONSTRAINTS
        .iter()
        .enumerate()
        .fold(
            Failed::default(),
            |failed, (row, constraint)| match constraint.check {
                Check::EachParcel(check) if !check(context, parcel) => failed.with(row),
                _ => failed,
            },
        )
}

/// Whether a group of parcels (each meeting its own rows) meets every row
/// about a whole site.
pub fn site_meets(context: &Context, group: Group) -> bool {
    CONSTRAINTS.iter().all(|constraint| match constraint.check {
        Check::WholeSite(check) => check(context, group),
        Check::EachParcel(_) => true,
    })
}

/// Every row the parcel at `index` fails alone: `own` (its
/// [`parcel_failures`]) and the rows about a whole site, for a site of that
/// parcel alone.
pub fn alone_failures(context: &Context, index: usize, own: Failed) -> Failed {
    let members = [index as u32];
    let alone = Group {
        members: &members,
        area_m2: context.market.parcels[index].record.area_m2,
    };
    CONSTRAINTS
        .iter()
        .enumerate()
        .fold(own, |failed, (row, constraint)| match constraint.check {
            Check::WholeSite(check) if !check(context, alone) => failed.with(row),
            _ => failed,
        })
}

/// The failures of the parcel at `index` (its [`alone_failures`]), each
/// with its reason in `language`, in the table's order.
pub fn failures(
    context: &Context,
    index: usize,
    failed: Failed,
    language: Language,
) -> Vec<Failure> {
    let failing = Failing {
        context,
        index,
        parcel: &context.market.parcels[index],
        only_failure: failed.count() == 1,
    };
    CONSTRAINTS
        .iter()
        .enumerate()
        .filter(|(row, _)| failed.has(*row))
        .map(|(_, constraint)| Failure {
            constraint: constraint.field,
            reason: constraint.reason(&failing, language),
        })
        .collect()
}

// ---------------------------------------------------------------- checks

fn available(_: &Context, parcel: &MarketParcel) -> bool {
    matches!(
        parcel.record.availability,
        Availability::ForSale | Availability::ForLease
    )
}

fn available_in_time(context: &Context, parcel: &MarketParcel) -> bool {
    match (context.request.needed_by, parcel.record.available_from) {
        (Some(needed), Some(from)) => from <= needed,
        _ => true,
    }
}

fn activity_allowed(context: &Context, parcel: &MarketParcel) -> bool {
    let group = context.request.activity.group;
    if !rules::zoning_allows(group, parcel.record.zoning) {
        return false;
    }
    match parcel
        .park
        .and_then(|park| context.market.parks[park as usize].kind)
    {
        Some(kind) => rules::park_allows(group, kind, context.request.requires.quay),
        None => true,
    }
}

fn affordable(context: &Context, parcel: &MarketParcel) -> bool {
    match (context.request.max_price_eur_m2, parcel.record.price_eur_m2) {
        (None, _) => true,
        (Some(max), Some(price)) => price <= max,
        (Some(_), None) => false,
    }
}

fn within(nearest: Option<Nearest>, reach_m: f64) -> bool {
    nearest.is_some_and(|nearest| nearest.distance_m <= reach_m)
}

fn quay_in_reach(context: &Context, group: Group) -> bool {
    !context.request.requires.quay
        || within(
            context
                .market
                .nearest_of(group.members, |parcel| parcel.quay),
            QUAY_REACH_M,
        )
}

fn rail_in_reach(context: &Context, group: Group) -> bool {
    !context.request.requires.rail
        || within(
            context
                .market
                .nearest_of(group.members, |parcel| parcel.rail),
            RAIL_REACH_M,
        )
}

fn near_enough(context: &Context, group: Group) -> bool {
    match (context.request.max_distance_m, context.near) {
        (Some(max), Some(_)) => {
            let nearest = group
                .members
                .iter()
                .map(|&member| context.near_m[member as usize])
                .fold(f64::INFINITY, f64::min);
            nearest <= max
        }
        _ => true,
    }
}

fn area_in_range(context: &Context, group: Group) -> bool {
    let request = context.request;
    group.area_m2 >= request.min_area_m2
        && request.max_area_m2.is_none_or(|max| group.area_m2 <= max)
}

// ---------------------------------------------------------------- what the reasons read

/// When the parcel is available, and when it is needed, written out. Both
/// are known when the check fails.
fn dates(failing: &Failing, numbers: &Numbers) -> (String, String) {
    let date = |date: Option<NaiveDate>| date.map(|date| numbers.date(date)).unwrap_or_default();
    (
        date(failing.parcel.record.available_from),
        date(failing.context.request.needed_by),
    )
}

/// Why the activity is refused.
enum Refusal<'a> {
    Zoning(Zoning),
    /// On a water-bound park, by a user who does not need the quay.
    WaterBound(&'a str),
    ParkKind(&'a str, ParkKind),
    /// Neither (not reached while the check and the rules agree).
    Other,
}

fn activity_refusal<'a>(failing: &Failing<'a>) -> Refusal<'a> {
    let record = &failing.parcel.record;
    if !rules::zoning_allows(failing.context.request.activity.group, record.zoning) {
        return Refusal::Zoning(record.zoning);
    }
    let park = failing
        .parcel
        .park
        .map(|park| &failing.context.market.parks[park as usize]);
    match park.and_then(|park| park.kind.map(|kind| (park.name.as_str(), kind))) {
        Some((park, ParkKind::WaterBound)) => Refusal::WaterBound(park),
        Some((park, kind)) => Refusal::ParkKind(park, kind),
        None => Refusal::Other,
    }
}

/// The parcel's asking price and the maximum.
fn prices(failing: &Failing) -> (Option<f64>, f64) {
    (
        failing.parcel.record.price_eur_m2,
        failing.context.request.max_price_eur_m2.unwrap_or_default(),
    )
}

fn access_dutch(nearest: Option<Nearest>, reach_m: f64, what: &str, failing: &Failing) -> String {
    let numbers = &Numbers::DUTCH;
    match nearest {
        Some(nearest) => format!(
            "{} hemelsbreed tot de dichtste {what} ({}), meer dan {}",
            numbers.distance(nearest.distance_m),
            access_name(failing, nearest),
            numbers.distance(reach_m)
        ),
        None => format!("geen {what} gekend"),
    }
}

fn access_english(nearest: Option<Nearest>, reach_m: f64, what: &str, failing: &Failing) -> String {
    let numbers = &Numbers::ENGLISH;
    match nearest {
        Some(nearest) => format!(
            "{} in a straight line to the nearest {what} ({}), more than {}",
            numbers.distance(nearest.distance_m),
            access_name(failing, nearest),
            numbers.distance(reach_m)
        ),
        None => format!("no {what} known"),
    }
}

fn access_name<'a>(failing: &Failing<'a>, nearest: Nearest) -> &'a str {
    &failing.context.market.access[nearest.access as usize]
        .record
        .name
}

/// The parcel's distance to `near`, the maximum, and `near` named.
fn too_far(failing: &Failing, language: Language) -> (f64, f64, String) {
    let context = failing.context;
    (
        context.near_m[failing.index],
        context.request.max_distance_m.unwrap_or_default(),
        context
            .near
            .map(|place| place.name.words(language))
            .unwrap_or_default(),
    )
}

enum AreaMiss {
    TooSmall(f64),
    TooLarge(f64),
}

fn area_miss(failing: &Failing) -> AreaMiss {
    let request = failing.context.request;
    if failing.parcel.record.area_m2 < request.min_area_m2 {
        AreaMiss::TooSmall(request.min_area_m2)
    } else {
        AreaMiss::TooLarge(request.max_area_m2.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sites::market::{AccessInfo, ParkInfo};
    use crate::engine::sites::near::NearName;
    use crate::model::{AccessKind, AccessPoint, OwnerKind, Parcel};
    use geo::{point, polygon};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use serde_json::{json, Value as Json};

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// Parks 0 Zuid (industrial), 1 Thor (science park), 2 Kanaalzone
    /// (water-bound), 3 Noord (SME); access 0 Kaai 1 (quay), 1 Station (rail).
    fn market(parcels: Vec<MarketParcel>) -> Market {
        let park = |id: &str, name: &str, kind| ParkInfo {
            id: id.into(),
            name: name.into(),
            kind: Some(kind),
        };
        let access = |id: &str, kind, name: &str, rail| AccessInfo {
            record: AccessPoint {
                id: id.into(),
                geometry: point!(x: 5.5, y: 50.96),
                kind,
                name: name.into(),
            },
            rail,
        };
        Market {
            neighbours: vec![Vec::new(); parcels.len()],
            parcels,
            parks: vec![
                park("zuid", "Zuid", ParkKind::Industrial),
                park("thor", "Thor", ParkKind::SciencePark),
                park("kanaal", "Kanaalzone", ParkKind::WaterBound),
                park("noord", "Noord", ParkKind::Sme),
            ],
            access: vec![
                access("a-quay", AccessKind::Quay, "Kaai 1", false),
                access("a-station", AccessKind::RailwayStation, "Station", true),
            ],
        }
    }

    /// A parcel of 12,500 m² on Zuid, for sale at 90 €/m², industrial, with
    /// the quay 300 m and the station 800 m away: it meets every constraint
    /// of [`base`] until a test changes it.
    fn parcel() -> MarketParcel {
        MarketParcel {
            position: 0,
            record: Parcel {
                id: "p-1".into(),
                geometry: polygon![(x: 5.50, y: 50.96), (x: 5.501, y: 50.96), (x: 5.501, y: 50.961), (x: 5.50, y: 50.96)],
                capakey: "71016A0001/00A000".into(),
                area_m2: 12_500.0,
                zoning: Zoning::Industrial,
                owner_kind: OwnerKind::Public,
                park_id: Some("zuid".into()),
                availability: Availability::ForSale,
                available_from: None,
                price_eur_m2: Some(90.0),
                ready_to_build: true,
                max_height_m: None,
            },
            park: Some(0),
            motorway: None,
            quay: Some(Nearest {
                access: 0,
                distance_m: 300.0,
            }),
            rail: Some(Nearest {
                access: 1,
                distance_m: 800.0,
            }),
        }
    }

    fn base() -> Json {
        json!({"activity": "logistics", "min_area_m2": 10000})
    }

    fn near_place() -> NearPlace {
        NearPlace {
            point: point!(x: 5.51, y: 50.96),
            name: NearName::CompanySite("Testbedrijf NV".into()),
            company: None,
        }
    }

    /// The failures of `parcel` alone under the request `body`, with
    /// `near_m` its distance to the company (when the body has `near`), as
    /// (field, Dutch reason, English reason).
    fn failures_of(
        parcel: MarketParcel,
        body: Json,
        near_m: f64,
    ) -> Vec<(&'static str, String, String)> {
        let market = market(vec![parcel]);
        let request = SiteRequest::from_json(&body).unwrap();
        let place = near_place();
        let context = Context {
            market: &market,
            request: &request,
            near: request.near.is_some().then_some(&place),
            near_m: &[near_m],
        };
        let own = parcel_failures(&context, &market.parcels[0]);
        let failed = alone_failures(&context, 0, own);
        let dutch = failures(&context, 0, failed, Language::Dutch);
        let english = failures(&context, 0, failed, Language::English);
        assert_eq!(dutch.len(), failed.count());
        dutch
            .into_iter()
            .zip(english)
            .map(|(dutch, english)| {
                assert_eq!(dutch.constraint, english.constraint);
                (dutch.constraint, dutch.reason, english.reason)
            })
            .collect()
    }

    /// `parcel` fails exactly `field`, with these reasons.
    fn check(parcel: MarketParcel, body: Json, field: &'static str, dutch: &str, english: &str) {
        let found = failures_of(parcel, body.clone(), 12_345.0);
        assert_eq!(
            found,
            [(field, dutch.to_string(), english.to_string())],
            "{body}"
        );
    }

    fn with(body: Json, key: &str, value: Json) -> Json {
        let mut body = body;
        body[key] = value;
        body
    }

    #[test]
    fn the_base_parcel_fails_nothing() {
        assert_eq!(failures_of(parcel(), base(), 0.0), []);
    }

    #[test]
    fn availability_in_both_languages() {
        let mut under_option = parcel();
        under_option.record.availability = Availability::UnderOption;
        check(
            under_option,
            base(),
            "availability",
            "niet beschikbaar: onder optie",
            "not available: under option",
        );
    }

    #[test]
    fn needed_by_in_both_languages() {
        let mut later = parcel();
        later.record.available_from = Some(day("2028-01-15"));
        check(
            later,
            with(base(), "needed_by", json!("2027-06-01")),
            "needed_by",
            "pas beschikbaar vanaf 15-01-2028, na 01-06-2027",
            "available only from 15-01-2028, after 01-06-2027",
        );
    }

    #[test]
    fn activity_in_both_languages() {
        let mut residential = parcel();
        residential.record.zoning = Zoning::Residential;
        check(
            residential,
            base(),
            "activity",
            "bestemming woongebied laat geen logistiek toe",
            "the zoning (residential area) does not allow logistics",
        );
        let mut on_thor = parcel();
        on_thor.park = Some(1);
        check(
            on_thor,
            base(),
            "activity",
            "Thor is een wetenschapspark: geen logistiek",
            "Thor is a science park: no logistics",
        );
        let mut on_the_canal = parcel();
        on_the_canal.park = Some(2);
        check(
            on_the_canal,
            base(),
            "activity",
            "Kanaalzone is een watergebonden terrein: enkel voor wie de kaai gebruikt",
            "Kanaalzone is a water-bound park: only for users of the quay",
        );
        let mut on_noord = parcel();
        on_noord.park = Some(3);
        check(
            on_noord,
            with(base(), "activity", json!("knowledge_intensive")),
            "activity",
            "Noord is een KMO-zone: geen kennisintensieve activiteit",
            "Noord is an SME zone: no knowledge-intensive activity",
        );
    }

    #[test]
    fn price_in_both_languages() {
        let mut dear = parcel();
        dear.record.price_eur_m2 = Some(1_297.5);
        check(
            dear,
            with(base(), "max_price_eur_m2", json!(100)),
            "max_price_eur_m2",
            "1.297,50 €/m², boven het maximum van 100 €/m²",
            "€1,297.50/m², above the maximum of €100/m²",
        );
        let mut unpriced = parcel();
        unpriced.record.price_eur_m2 = None;
        check(
            unpriced,
            with(base(), "max_price_eur_m2", json!(100)),
            "max_price_eur_m2",
            "prijs niet bekend",
            "price not known",
        );
    }

    #[test]
    fn access_in_both_languages() {
        let mut far_from_the_quay = parcel();
        far_from_the_quay.quay = Some(Nearest {
            access: 0,
            distance_m: 1_234.0,
        });
        check(
            far_from_the_quay,
            with(base(), "requires", json!(["quay"])),
            "requires",
            "1,2 km hemelsbreed tot de dichtste kaai (Kaai 1), meer dan 500 m",
            "1.2 km in a straight line to the nearest quay (Kaai 1), more than 500 m",
        );
        let mut no_quay = parcel();
        no_quay.quay = None;
        check(
            no_quay,
            with(base(), "requires", json!(["quay"])),
            "requires",
            "geen kaai gekend",
            "no quay known",
        );
        let mut far_from_rail = parcel();
        far_from_rail.rail = Some(Nearest {
            access: 1,
            distance_m: 2_500.0,
        });
        check(
            far_from_rail,
            with(base(), "requires", json!(["rail"])),
            "requires",
            "2,5 km hemelsbreed tot de dichtste spoortoegang (Station), meer dan 1,0 km",
            "2.5 km in a straight line to the nearest rail access (Station), more than 1.0 km",
        );
    }

    #[test]
    fn distance_in_both_languages() {
        let body = with(
            with(base(), "near", json!({"company_id": "company-1"})),
            "max_distance_m",
            json!(5000),
        );
        check(
            parcel(),
            body,
            "max_distance_m",
            "12,3 km hemelsbreed van de huidige vestiging van Testbedrijf NV, verder dan 5,0 km",
            "12.3 km in a straight line from the current site of Testbedrijf NV, further than 5.0 km",
        );
    }

    #[test]
    fn area_in_both_languages() {
        check(
            parcel(),
            with(base(), "min_area_m2", json!(20000)),
            "area",
            "te klein, ook samen met aangrenzende beschikbare percelen: 12.500 m² (min. 20.000 m²)",
            "too small, even together with adjacent available parcels: 12,500 m² (min. 20,000 m²)",
        );
        check(
            parcel(),
            with(base(), "max_area_m2", json!(11000)),
            "area",
            "te groot: 12.500 m² (max. 11.000 m²)",
            "too large: 12,500 m² (max. 11,000 m²)",
        );
        // with another failure, "even together" would be beside the point
        let mut reserved = parcel();
        reserved.record.availability = Availability::Reserved;
        assert_eq!(
            failures_of(reserved, with(base(), "min_area_m2", json!(20000)), 0.0),
            [
                (
                    "availability",
                    "niet beschikbaar: gereserveerd".to_string(),
                    "not available: reserved".to_string()
                ),
                (
                    "area",
                    "te klein: 12.500 m² (min. 20.000 m²)".to_string(),
                    "too small: 12,500 m² (min. 20,000 m²)".to_string()
                ),
            ]
        );
    }

    // ------------------------------------------------ against a linear check

    /// The fields a parcel fails alone, in the table's order, written out
    /// afresh from the specification (the module's table) without the table.
    fn failing_fields(
        market: &Market,
        index: usize,
        request: &SiteRequest,
        near_m: &[f64],
    ) -> Vec<&'static str> {
        let parcel = &market.parcels[index];
        let record = &parcel.record;
        let group = request.activity.group;
        let park_kind = parcel
            .park
            .and_then(|park| market.parks[park as usize].kind);
        let reach = |nearest: Option<Nearest>, reach_m: f64| {
            nearest.is_some_and(|nearest| nearest.distance_m <= reach_m)
        };
        let mut fields = Vec::new();
        if !matches!(
            record.availability,
            Availability::ForSale | Availability::ForLease
        ) {
            fields.push("availability");
        }
        if let (Some(needed), Some(from)) = (request.needed_by, record.available_from) {
            if from > needed {
                fields.push("needed_by");
            }
        }
        if !rules::zoning_allows(group, record.zoning)
            || park_kind.is_some_and(|kind| !rules::park_allows(group, kind, request.requires.quay))
        {
            fields.push("activity");
        }
        if let Some(max) = request.max_price_eur_m2 {
            if record.price_eur_m2.is_none_or(|price| price > max) {
                fields.push("max_price_eur_m2");
            }
        }
        if request.requires.quay && !reach(parcel.quay, QUAY_REACH_M) {
            fields.push("requires");
        }
        if request.requires.rail && !reach(parcel.rail, RAIL_REACH_M) {
            fields.push("requires");
        }
        if let (Some(max), Some(_)) = (request.max_distance_m, &request.near) {
            if near_m[index] > max {
                fields.push("max_distance_m");
            }
        }
        if record.area_m2 < request.min_area_m2
            || request.max_area_m2.is_some_and(|max| record.area_m2 > max)
        {
            fields.push("area");
        }
        fields
    }

    /// Whether a group of parcels is a site, written out afresh.
    fn is_site(market: &Market, members: &[u32], request: &SiteRequest, near_m: &[f64]) -> bool {
        let parcels: Vec<&MarketParcel> = members
            .iter()
            .map(|&member| &market.parcels[member as usize])
            .collect();
        let area: f64 = parcels.iter().map(|parcel| parcel.record.area_m2).sum();
        let any_within = |pick: fn(&MarketParcel) -> Option<Nearest>, reach_m: f64| {
            parcels
                .iter()
                .any(|parcel| pick(parcel).is_some_and(|nearest| nearest.distance_m <= reach_m))
        };
        let nearest_m = members
            .iter()
            .map(|&member| near_m[member as usize])
            .fold(f64::INFINITY, f64::min);
        (0..members.len()).all(|position| {
            // a member's own constraints: every field but the site's
            let own = failing_fields(market, members[position] as usize, request, near_m);
            own.iter()
                .all(|field| ["requires", "max_distance_m", "area"].contains(field))
        }) && area >= request.min_area_m2
            && request.max_area_m2.is_none_or(|max| area <= max)
            && (!request.requires.quay || any_within(|parcel| parcel.quay, QUAY_REACH_M))
            && (!request.requires.rail || any_within(|parcel| parcel.rail, RAIL_REACH_M))
            && request.max_distance_m.is_none_or(|max| nearest_m <= max)
    }

    fn random_parcel(rng: &mut ChaCha8Rng, position: usize) -> MarketParcel {
        let mut parcel = parcel();
        parcel.position = position;
        parcel.record.id = format!("p-{position:03}");
        parcel.record.area_m2 = rng.random_range(500.0..20_000.0);
        parcel.record.zoning = Zoning::ALL[rng.random_range(0..Zoning::ALL.len())];
        parcel.record.availability =
            Availability::ALL[rng.random_range(0..Availability::ALL.len())];
        parcel.record.available_from = rng
            .random_bool(0.5)
            .then(|| day("2026-01-01") + chrono::Days::new(rng.random_range(0..1500)));
        parcel.record.price_eur_m2 = rng.random_bool(0.8).then(|| rng.random_range(40.0..200.0));
        parcel.park = rng.random_bool(0.8).then(|| rng.random_range(0..4));
        let nearest = |rng: &mut ChaCha8Rng, access| {
            rng.random_bool(0.9).then(|| Nearest {
                access,
                distance_m: rng.random_range(0.0..3_000.0),
            })
        };
        parcel.quay = nearest(rng, 0);
        parcel.rail = nearest(rng, 1);
        parcel
    }

    fn random_request(rng: &mut ChaCha8Rng) -> SiteRequest {
        use crate::engine::sites::rules::ActivityGroup;
        let group = ActivityGroup::ALL[rng.random_range(0..ActivityGroup::ALL.len())];
        let mut body =
            json!({"activity": group.as_str(), "min_area_m2": rng.random_range(0.0..15_000.0)});
        if rng.random_bool(0.5) {
            body["max_area_m2"] =
                json!(body["min_area_m2"].as_f64().unwrap() + rng.random_range(1.0..30_000.0));
        }
        if rng.random_bool(0.5) {
            body["needed_by"] = json!(format!(
                "20{}-0{}-01",
                rng.random_range(26..30),
                rng.random_range(1..10)
            ));
        }
        let requires: Vec<&str> = [("quay", 0.3), ("rail", 0.3)]
            .into_iter()
            .filter(|(_, chance)| rng.random_bool(*chance))
            .map(|(access, _)| access)
            .collect();
        body["requires"] = json!(requires);
        if rng.random_bool(0.5) {
            body["max_price_eur_m2"] = json!(rng.random_range(50.0..180.0));
        }
        if rng.random_bool(0.5) {
            body["near"] = json!({"lon": 5.5, "lat": 50.96});
            if rng.random_bool(0.7) {
                body["max_distance_m"] = json!(rng.random_range(100.0..5_000.0));
            }
        }
        SiteRequest::from_json(&body).unwrap_or_else(|error| panic!("{body}: {error}"))
    }

    #[test]
    fn the_table_counts_and_checks_as_a_linear_check_does_on_random_parcels() {
        let mut rng = ChaCha8Rng::seed_from_u64(19);
        for _ in 0..300 {
            let n = rng.random_range(1..12);
            let market = market(
                (0..n)
                    .map(|position| random_parcel(&mut rng, position))
                    .collect(),
            );
            let request = random_request(&mut rng);
            let near_m: Vec<f64> = (0..n)
                .map(|_| {
                    if request.near.is_some() {
                        rng.random_range(0.0..6_000.0)
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            let place = near_place();
            let context = Context {
                market: &market,
                request: &request,
                near: request.near.is_some().then_some(&place),
                near_m: &near_m,
            };
            let own: Vec<Failed> = market
                .parcels
                .iter()
                .map(|parcel| parcel_failures(&context, parcel))
                .collect();
            for (index, &own_failed) in own.iter().enumerate() {
                let expected = failing_fields(&market, index, &request, &near_m);
                let failed = alone_failures(&context, index, own_failed);
                assert_eq!(failed.count(), expected.len(), "parcel {index}");
                for language in Language::ALL {
                    let found: Vec<&str> = failures(&context, index, failed, language)
                        .iter()
                        .map(|failure| failure.constraint)
                        .collect();
                    assert_eq!(found, expected, "parcel {index}");
                }
                let alone_is_site = is_site(&market, &[index as u32], &request, &near_m);
                assert_eq!(failed.is_empty(), alone_is_site, "parcel {index}");
            }
            // random groups of up to four distinct parcels, eligible ones
            for _ in 0..20 {
                let mut members: Vec<u32> = (0..n as u32)
                    .filter(|&i| own[i as usize].is_empty())
                    .collect();
                if members.is_empty() {
                    break;
                }
                let size = rng.random_range(1..=members.len().min(4));
                for swap in 0..size {
                    let other = rng.random_range(swap..members.len());
                    members.swap(swap, other);
                }
                members.truncate(size);
                members.sort_unstable();
                let area_m2 = members
                    .iter()
                    .map(|&member| market.parcels[member as usize].record.area_m2)
                    .sum();
                assert_eq!(
                    site_meets(
                        &context,
                        Group {
                            members: &members,
                            area_m2
                        }
                    ),
                    is_site(&market, &members, &request, &near_m),
                    "{members:?}"
                );
            }
        }
    }
}
