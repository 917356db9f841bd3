//! Named, tiny, readable datasets for the integration tests.
//!
//! [`genk_centre`] holds a couple of features in every layer around the centre
//! of Genk, Winterslag and Genk-Zuid, with a parcel that has a hole, business
//! parks and a neighbourhood made of two parts, and a shop-unit history with a
//! back-dated correction. Coordinates are EPSG:4326, x = longitude, y =
//! latitude, close to the real places; the figures (population, prices) are
//! made up for the tests.

#![allow(dead_code)] // each test module uses its own subset

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use genk_atlas::model::{
    AccessKind, AccessPoint, AreaKind, Availability, BusinessPark, Company, Dataset, Neighbourhood,
    OwnerKind, Parcel, ParkKind, Place, PlaceKind, Resident, ShopCategory, ShopKind, ShopUnit,
    ShoppingArea, Street, StreetClass, UnitEvent, UnitStatus, Waterway, WaterwayKind, Zoning,
};
use geo::{line_string, point, polygon, MultiPolygon, Polygon};

/// A date from `YYYY-MM-DD`.
pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("fixture dates are YYYY-MM-DD")
}

/// A UTC instant from `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc(text: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ")
        .expect("fixture instants are YYYY-MM-DDTHH:MM:SSZ")
        .and_utc()
}

/// An axis-aligned rectangle from its south-west to its north-east corner.
pub fn rectangle(west: f64, south: f64, east: f64, north: f64) -> Polygon<f64> {
    polygon![(x: west, y: south), (x: east, y: south), (x: east, y: north), (x: west, y: north), (x: west, y: south)]
}

/// The centre of Genk, Winterslag and Genk-Zuid, a couple of features per layer.
pub fn genk_centre() -> Dataset {
    Dataset {
        neighbourhoods: neighbourhoods(),
        residents: residents(),
        parcels: parcels(),
        business_parks: business_parks(),
        shop_units: shop_units(),
        shopping_areas: shopping_areas(),
        streets: streets(),
        companies: companies(),
        access_points: access_points(),
        places: places(),
        waterways: waterways(),
        unit_events: unit_events(),
    }
}

fn neighbourhoods() -> Vec<Neighbourhood> {
    vec![
        Neighbourhood {
            id: "71016W06".into(),
            geometry: MultiPolygon(vec![rectangle(5.490, 50.958, 5.512, 50.972)]),
            code: "71016W06".into(),
            name: "Genk-Centrum".into(),
            population: 6540,
        },
        Neighbourhood {
            id: "71016W28".into(),
            // two parts, as a neighbourhood cut by a railway can be
            geometry: MultiPolygon(vec![
                rectangle(5.484, 50.974, 5.499, 50.986),
                rectangle(5.503, 50.977, 5.509, 50.982),
            ]),
            code: "71016W28".into(),
            name: "Winterslag 1".into(),
            population: 4210,
        },
    ]
}

fn residents() -> Vec<Resident> {
    vec![
        Resident {
            id: "res-stadsplein".into(),
            geometry: point!(x: 5.5005, y: 50.9652),
            population: 38,
        },
        Resident {
            id: "res-vennestraat".into(),
            geometry: point!(x: 5.4951, y: 50.9795),
            population: 12,
        },
    ]
}

fn parcels() -> Vec<Parcel> {
    // A parcel on Genk-Zuid with a hole: a strip kept by the water company.
    let with_hole = polygon!(
        exterior: [(x: 5.5200, y: 50.9400), (x: 5.5260, y: 50.9400), (x: 5.5260, y: 50.9440), (x: 5.5200, y: 50.9440), (x: 5.5200, y: 50.9400)],
        interiors: [[(x: 5.5220, y: 50.9415), (x: 5.5235, y: 50.9415), (x: 5.5235, y: 50.9425), (x: 5.5220, y: 50.9425), (x: 5.5220, y: 50.9415)]],
    );
    vec![
        Parcel {
            id: "parcel-genk-zuid-1".into(),
            geometry: with_hole,
            capakey: "71016C0512/00A000".into(),
            area_m2: 17_780.5,
            zoning: Zoning::Industrial,
            owner_kind: OwnerKind::DevelopmentAgency,
            park_id: Some("park-genk-zuid".into()),
            availability: Availability::ForSale,
            available_from: Some(day("2025-01-01")),
            price_eur_m2: Some(95.0),
            ready_to_build: true,
            max_height_m: Some(25.0),
        },
        Parcel {
            id: "parcel-centrum-7".into(),
            geometry: rectangle(5.4998, 50.9648, 5.5004, 50.9652),
            capakey: "71016A1234/00B002".into(),
            area_m2: 2_780.0,
            zoning: Zoning::Retail,
            owner_kind: OwnerKind::Private,
            park_id: None,
            availability: Availability::NotOffered,
            available_from: None,
            price_eur_m2: None,
            ready_to_build: false,
            max_height_m: None,
        },
    ]
}

fn business_parks() -> Vec<BusinessPark> {
    vec![
        BusinessPark {
            id: "park-genk-zuid".into(),
            // north and south of the Albert Canal
            geometry: MultiPolygon(vec![
                rectangle(5.500, 50.935, 5.560, 50.948),
                rectangle(5.505, 50.925, 5.550, 50.932),
            ]),
            name: "Genk-Zuid".into(),
            kind: ParkKind::WaterBound,
            focus: Some("logistiek, industrie".into()),
            manager: Some("POM Limburg".into()),
        },
        BusinessPark {
            id: "park-thor".into(),
            geometry: MultiPolygon(vec![rectangle(5.492, 50.995, 5.505, 51.003)]),
            name: "Thor Park".into(),
            kind: ParkKind::SciencePark,
            focus: Some("energie, slimme maakindustrie".into()),
            manager: None,
        },
    ]
}

fn shop_units() -> Vec<ShopUnit> {
    vec![
        ShopUnit {
            id: "unit-stadsplein-12".into(),
            geometry: point!(x: 5.5001, y: 50.9650),
            address: "Stadsplein 12".into(),
            street: "Stadsplein".into(),
            floor_area_m2: 140.0,
            category: ShopCategory::Daily,
            kind: Some(ShopKind::Bakery),
            status: UnitStatus::Occupied,
            status_since: day("2019-03-01"),
            occupant: Some("Bakkerij Vandenbroeck".into()),
            area_id: Some("area-centrum".into()),
        },
        ShopUnit {
            id: "unit-vennestraat-88".into(),
            geometry: point!(x: 5.4953, y: 50.9801),
            address: "Vennestraat 88".into(),
            street: "Vennestraat".into(),
            floor_area_m2: 95.5,
            category: ShopCategory::Periodic,
            kind: None,
            status: UnitStatus::Vacant,
            status_since: day("2022-06-01"),
            occupant: None,
            area_id: Some("area-vennestraat".into()),
        },
    ]
}

fn shopping_areas() -> Vec<ShoppingArea> {
    vec![
        ShoppingArea {
            id: "area-centrum".into(),
            geometry: MultiPolygon(vec![rectangle(5.4975, 50.9630, 5.5040, 50.9675)]),
            name: "Centrum Genk".into(),
            kind: AreaKind::MainShoppingArea,
        },
        ShoppingArea {
            id: "area-vennestraat".into(),
            geometry: MultiPolygon(vec![rectangle(5.4940, 50.9770, 5.4965, 50.9820)]),
            name: "Vennestraat".into(),
            kind: AreaKind::DistrictShoppingStreet,
        },
    ]
}

fn streets() -> Vec<Street> {
    vec![
        Street {
            id: "street-vennestraat".into(),
            geometry: line_string![(x: 5.4948, y: 50.9772), (x: 5.4952, y: 50.9795), (x: 5.4957, y: 50.9818)],
            name: "Vennestraat".into(),
            walkable: true,
            class: StreetClass::Secondary,
        },
        Street {
            id: "street-e314".into(),
            geometry: line_string![(x: 5.4600, y: 51.0050), (x: 5.5200, y: 51.0010), (x: 5.5800, y: 50.9980)],
            name: "E314".into(),
            walkable: false,
            class: StreetClass::Motorway,
        },
    ]
}

fn companies() -> Vec<Company> {
    vec![
        Company {
            id: "company-logistics-1".into(),
            geometry: point!(x: 5.5300, y: 50.9420),
            name: "Kanaal Logistiek NV".into(),
            nace: "52.10".into(),
            employees: Some(85),
            contact: Some("accountmanager@example.org".into()),
        },
        Company {
            id: "company-energy-2".into(),
            geometry: point!(x: 5.4985, y: 50.9990),
            name: "Thor Energy Lab".into(),
            nace: "72.19".into(),
            employees: None,
            contact: None,
        },
    ]
}

fn access_points() -> Vec<AccessPoint> {
    vec![
        AccessPoint {
            id: "access-station-genk".into(),
            geometry: point!(x: 5.4960, y: 50.9640),
            kind: AccessKind::RailwayStation,
            name: "Station Genk".into(),
        },
        AccessPoint {
            id: "access-e314-exit-32".into(),
            geometry: point!(x: 5.5400, y: 50.9990),
            kind: AccessKind::MotorwayExit,
            name: "Afrit 32 Genk-Oost".into(),
        },
    ]
}

fn places() -> Vec<Place> {
    vec![
        Place {
            id: "place-zol-campus-sint-jan".into(),
            geometry: point!(x: 5.5160, y: 50.9565),
            kind: PlaceKind::Hospital,
            name: "ZOL campus Sint-Jan".into(),
            alt_names: Some("ZOL|Ziekenhuis Oost-Limburg".into()),
        },
        Place {
            id: "place-c-mine".into(),
            geometry: point!(x: 5.4775, y: 50.9800),
            kind: PlaceKind::Culture,
            name: "C-Mine".into(),
            alt_names: None,
        },
    ]
}

fn waterways() -> Vec<Waterway> {
    vec![
        Waterway {
            id: "waterway-albertkanaal".into(),
            geometry: line_string![(x: 5.4560, y: 50.9383), (x: 5.4760, y: 50.9320), (x: 5.4960, y: 50.9281)],
            name: "Albertkanaal".into(),
            kind: WaterwayKind::Canal,
        },
        Waterway {
            id: "waterway-stiemerbeek".into(),
            geometry: line_string![(x: 5.5150, y: 50.9598), (x: 5.5000, y: 50.9605), (x: 5.4850, y: 50.9565)],
            name: "Stiemerbeek".into(),
            kind: WaterwayKind::Stream,
        },
    ]
}

/// One event of a shop unit; the fields not given are those of a plain record.
pub fn unit_event(
    event_id: i64,
    unit_id: &str,
    valid_from: &str,
    recorded_at: &str,
    status: UnitStatus,
    category: ShopCategory,
) -> UnitEvent {
    UnitEvent {
        event_id,
        unit_id: unit_id.into(),
        valid_from: day(valid_from),
        recorded_at: utc(recorded_at),
        recorded_by: "winkelteam".into(),
        status,
        category,
        kind: None,
        floor_area_m2: 95.5,
        occupant: None,
        note: None,
    }
}

/// The history of both shop units. Event 4 is a back-dated correction: on
/// 1 February 2023 the team learned that Vennestraat 88 had closed on 1 June
/// 2022, not on 1 September as recorded in event 3.
fn unit_events() -> Vec<UnitEvent> {
    use ShopCategory::{Daily, Periodic};
    use UnitStatus::{Occupied, Vacant};
    vec![
        UnitEvent {
            kind: Some(ShopKind::Bakery),
            floor_area_m2: 140.0,
            occupant: Some("Bakkerij Vandenbroeck".into()),
            ..unit_event(
                1,
                "unit-stadsplein-12",
                "2019-03-01",
                "2019-03-04T09:15:00Z",
                Occupied,
                Daily,
            )
        },
        UnitEvent {
            occupant: Some("Mode Yılmaz".into()),
            ..unit_event(
                2,
                "unit-vennestraat-88",
                "2018-06-01",
                "2018-06-05T14:00:00Z",
                Occupied,
                Periodic,
            )
        },
        UnitEvent {
            note: Some("rolluik dicht bij controle".into()),
            ..unit_event(
                3,
                "unit-vennestraat-88",
                "2022-09-01",
                "2022-09-05T10:30:00Z",
                Vacant,
                Periodic,
            )
        },
        UnitEvent {
            recorded_by: "centrummanagement".into(),
            note: Some("correctie: sluiting al op 1 juni 2022".into()),
            ..unit_event(
                4,
                "unit-vennestraat-88",
                "2022-06-01",
                "2023-02-01T08:45:00Z",
                Vacant,
                Periodic,
            )
        },
    ]
}
