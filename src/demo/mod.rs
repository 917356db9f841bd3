//! The synthetic Genk demo city, generated deterministically from a seed.
//!
//! [`generate`] builds a whole [`Dataset`]: the 31 real neighbourhoods (codes,
//! names and shapes) whose union is the city outline, and an invented city
//! inside them: a jittered street grid with the real shopping streets, parcels,
//! residents, business parks, shop units with six years of history, companies
//! and access points; plus the real known places and waterways. `geodata/README.md` says what is real and what is not.
//!
//! Pure: no IO, no clock, no global state. The inputs are the small files of
//! `geodata/` and the real wijken of `geodata/open/`, embedded at compile
//! time ([`inputs`]); every random draw comes
//! from a ChaCha8 stream seeded from [`DemoParams::seed`] and the stage's name,
//! so the same parameters always give the same dataset.
//!
//! The stages, in order, one module each: [`neighbourhoods`] (the real wijken, point in wijk),
//! [`lattice`] (street grid nodes), [`landuse`] (what each grid cell is),
//! [`parks`], [`streets`], [`parcels`], [`availability`], [`residents`],
//! [`shops`] (areas and units), [`history`] (unit events, vacancy),
//! [`companies`], [`access`], [`places`] (the known places, as they are),
//! [`waterways`] (the canal and the Stiemerbeek); then [`replicate`] copies the city for
//! `scale > 1`. Geometry is built in metres in a local plane ([`frame`],
//! [`plane`]) and converted to EPSG:4326 (x = longitude, y = latitude) once.

pub mod access;
pub mod availability;
pub mod companies;
pub mod frame;
pub mod history;
pub mod inputs;
pub mod landuse;
pub mod lattice;
pub mod names;
pub mod neighbourhoods;
pub mod parcels;
pub mod parks;
pub mod places;
pub mod plane;
pub mod replicate;
pub mod residents;
pub mod routes;
pub mod shops;
pub mod streets;
pub mod waterways;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::model::Dataset;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoParams {
    /// The seed of every random draw.
    pub seed: u64,
    /// How many copies of the city, side by side on a grid (1 = just Genk).
    pub scale: u32,
    /// The date the shop-unit states are for; the history ends on it.
    pub reference_date: NaiveDate,
}

impl Default for DemoParams {
    fn default() -> Self {
        DemoParams {
            seed: 1,
            scale: 1,
            reference_date: NaiveDate::from_ymd_opt(2026, 10, 1).expect("a valid date"),
        }
    }
}

/// Generate the demo city: deterministic, the same params give an identical
/// dataset. `scale` 0 is taken as 1.
pub fn generate(params: &DemoParams) -> Dataset {
    let base = generate_city(params.seed, params.reference_date);
    replicate::replicate(base, params.scale.max(1))
}

/// The city's fixed layout, built by the first stages and read by the later
/// ones (parcels, shop units).
#[derive(Clone, Copy)]
pub struct Layout<'a> {
    pub inputs: &'a inputs::Inputs,
    pub frame: &'a frame::Frame,
    pub outline: &'a neighbourhoods::Outline,
    pub wijken: &'a [neighbourhoods::Wijk],
    pub lattice: &'a lattice::Lattice,
    pub routes: &'a routes::NamedRoutes,
    pub areas: &'a shops::ShoppingAreaPlan,
    pub landuse: &'a landuse::Landuse,
}

/// One copy of Genk with the plain ids.
fn generate_city(seed: u64, reference_date: NaiveDate) -> Dataset {
    let inputs = inputs::Inputs::embedded();
    let frame = frame::Frame::genk();
    let wijken = neighbourhoods::wijken(&inputs, &frame);
    let outline = neighbourhoods::Outline::new(&wijken, &frame);
    let lattice = lattice::Lattice::new(&outline, &mut stream(seed, "lattice"));
    let routes = routes::route_named_streets(&inputs, &frame, &lattice);
    let areas = shops::ShoppingAreaPlan::new(&inputs, &lattice, &routes);
    let mut landuse = landuse::Landuse::new(
        &lattice,
        &outline,
        &wijken,
        &routes,
        &mut stream(seed, "landuse"),
    );
    parks::place(
        &inputs,
        &frame,
        &lattice,
        &outline,
        &wijken,
        &areas,
        &mut landuse,
    );
    let network = streets::build(
        &inputs,
        &frame,
        &lattice,
        &landuse,
        &routes,
        &mut stream(seed, "streets"),
    );
    let layout = Layout {
        inputs: &inputs,
        frame: &frame,
        outline: &outline,
        wijken: &wijken,
        lattice: &lattice,
        routes: &routes,
        areas: &areas,
        landuse: &landuse,
    };
    let mut parcels = parcels::build(&layout, &mut stream(seed, "parcels"));
    let business_parks = parks::records(&inputs, &parcels);
    availability::offer(
        &inputs,
        &mut parcels,
        reference_date,
        &mut stream(seed, "availability"),
    );
    let companies = companies::place(&inputs, &mut parcels, &mut stream(seed, "companies"));
    let residents = residents::place(&wijken, &parcels, &frame, &mut stream(seed, "residents"));
    let unit_drafts = shops::place_units(&layout, &network, &mut stream(seed, "shops"));
    let (shop_units, unit_events) = history::simulate(
        &inputs,
        &unit_drafts,
        &wijken,
        &frame,
        reference_date,
        &mut stream(seed, "history"),
    );
    Dataset {
        neighbourhoods: neighbourhoods::records(&wijken),
        residents,
        parcels: parcels.into_records(&inputs),
        business_parks,
        shop_units,
        shopping_areas: areas.records(&frame),
        streets: network.streets,
        companies,
        access_points: access::records(&inputs),
        places: places::records(&inputs),
        waterways: waterways::records(&inputs),
        unit_events,
    }
}

/// The random stream of one stage: independent of the other stages, so that
/// changing one stage does not reshuffle the rest of the city.
pub(crate) fn stream(seed: u64, stage: &str) -> ChaCha8Rng {
    // FNV-1a of the stage name, mixed with the seed.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in stage.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    ChaCha8Rng::seed_from_u64(seed.rotate_left(17) ^ hash)
}
