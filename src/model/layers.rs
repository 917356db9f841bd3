//! The typed layer structs of DOMAIN.md and their closed vocabularies.
//!
//! Each struct converts to and from a generic [`Feature`] through
//! [`LayerRecord`]; the order of `values()` is the schema's field order, which
//! the round-trip tests at the bottom check for every layer.

use chrono::NaiveDate;
use geo::{Geometry, LineString, MultiPolygon, Point, Polygon};

use super::feature::Feature;
use super::schema::LayerId;
use super::value::{string_enum, FieldValue, Value};
use super::ModelError;

string_enum! {
    /// Zoning after the Flemish plans (gewestplan, BPA, RUP).
    Zoning {
        Industrial => "industrial",
        Sme => "sme",
        Services => "services",
        Research => "research",
        Care => "care",
        Retail => "retail",
        Residential => "residential",
        Mixed => "mixed",
        Other => "other",
    }
}

string_enum! {
    OwnerKind {
        Public => "public",
        DevelopmentAgency => "development_agency",
        Private => "private",
    }
}

string_enum! {
    Availability {
        NotOffered => "not_offered",
        ForSale => "for_sale",
        ForLease => "for_lease",
        UnderOption => "under_option",
        Reserved => "reserved",
    }
}

string_enum! {
    ParkKind {
        Industrial => "industrial",
        Sme => "sme",
        Logistics => "logistics",
        WaterBound => "water_bound",
        SciencePark => "science_park",
        CareCampus => "care_campus",
        Mixed => "mixed",
    }
}

string_enum! {
    /// Belgian retail branch groups.
    ShopCategory {
        Daily => "daily",
        Periodic => "periodic",
        Exceptional => "exceptional",
        Leisure => "leisure",
        Horeca => "horeca",
        Services => "services",
        Other => "other",
    }
}

string_enum! {
    /// The kind of a daily shop; coverage is counted per kind.
    ShopKind {
        Supermarket => "supermarket",
        Bakery => "bakery",
        Butcher => "butcher",
        Grocery => "grocery",
        Pharmacy => "pharmacy",
    }
}

string_enum! {
    UnitStatus {
        Occupied => "occupied",
        Vacant => "vacant",
        Renovation => "renovation",
        NonCommercial => "non_commercial",
    }
}

string_enum! {
    AreaKind {
        MainShoppingArea => "main_shopping_area",
        DistrictShoppingStreet => "district_shopping_street",
        LocalCentre => "local_centre",
        LargeScaleConcentration => "large_scale_concentration",
    }
}

string_enum! {
    StreetClass {
        Motorway => "motorway",
        MotorwayLink => "motorway_link",
        Primary => "primary",
        Secondary => "secondary",
        Residential => "residential",
        Pedestrian => "pedestrian",
        Footway => "footway",
    }
}

string_enum! {
    AccessKind {
        MotorwayExit => "motorway_exit",
        RailwayStation => "railway_station",
        Quay => "quay",
    }
}

string_enum! {
    /// What a known place of the city is (a small closed set: a gazetteer,
    /// not a land-use map). `district` is a part of the city known by a
    /// name that no single neighbourhood carries (Zwartberg, Sledderlo).
    PlaceKind {
        Campus => "campus",
        Hospital => "hospital",
        Culture => "culture",
        Sport => "sport",
        Park => "park",
        Shopping => "shopping",
        Civic => "civic",
        District => "district",
    }
}

string_enum! {
    WaterwayKind {
        Canal => "canal",
        River => "river",
        Stream => "stream",
    }
}

/// A typed layer record that converts to and from a [`Feature`].
pub trait LayerRecord: Sized {
    const LAYER: LayerId;
    fn id(&self) -> &str;
    fn geometry(&self) -> Geometry<f64>;
    /// One value per schema field, in schema order.
    fn values(&self) -> Vec<Value>;
    fn from_feature(feature: &Feature) -> Result<Self, ModelError>;

    fn to_feature(&self) -> Feature {
        Feature {
            id: self.id().to_string(),
            geometry: self.geometry(),
            values: self.values(),
        }
    }
}

/// Reads named fields of a feature of a known layer.
struct FieldReader<'a> {
    layer: LayerId,
    feature: &'a Feature,
}

impl<'a> FieldReader<'a> {
    fn new(layer: LayerId, feature: &'a Feature) -> Result<Self, ModelError> {
        feature.validate(layer.schema())?;
        Ok(FieldReader { layer, feature })
    }

    fn get<T: FieldValue>(&self, name: &str) -> Result<T, ModelError> {
        let value = self
            .feature
            .get(self.layer.schema(), name)
            .unwrap_or_else(|| panic!("layer {} has no field {name}", self.layer));
        T::from_value(value, name)
    }
}

fn as_point(geometry: &Geometry<f64>) -> Result<Point<f64>, ModelError> {
    Point::try_from(geometry.clone()).map_err(|_| ModelError::Geometry("expected Point".into()))
}

fn as_line(geometry: &Geometry<f64>) -> Result<LineString<f64>, ModelError> {
    LineString::try_from(geometry.clone())
        .map_err(|_| ModelError::Geometry("expected LineString".into()))
}

fn as_polygon(geometry: &Geometry<f64>) -> Result<Polygon<f64>, ModelError> {
    Polygon::try_from(geometry.clone()).map_err(|_| ModelError::Geometry("expected Polygon".into()))
}

fn as_multi_polygon(geometry: &Geometry<f64>) -> Result<MultiPolygon<f64>, ModelError> {
    match geometry {
        Geometry::Polygon(polygon) => Ok(MultiPolygon(vec![polygon.clone()])),
        Geometry::MultiPolygon(multi) => Ok(multi.clone()),
        _ => Err(ModelError::Geometry("expected MultiPolygon".into())),
    }
}

/// Implements [`LayerRecord`] for a struct whose fields after `id` and
/// `geometry` are exactly its schema's fields, in order.
macro_rules! layer_record {
    ($type:ident, $layer:expr, $to_geometry:expr, $from_geometry:ident, [$($field:ident),*]) => {
        impl LayerRecord for $type {
            const LAYER: LayerId = $layer;
            fn id(&self) -> &str {
                &self.id
            }
            fn geometry(&self) -> Geometry<f64> {
                let to_geometry: fn(&Self) -> Geometry<f64> = $to_geometry;
                to_geometry(self)
            }
            fn values(&self) -> Vec<Value> {
                vec![$(self.$field.to_value()),*]
            }
            fn from_feature(feature: &Feature) -> Result<Self, ModelError> {
                let reader = FieldReader::new(Self::LAYER, feature)?;
                Ok($type {
                    id: feature.id.clone(),
                    geometry: $from_geometry(&feature.geometry)?,
                    $($field: reader.get(stringify!($field))?),*
                })
            }
        }
    };
}

/// A city neighbourhood (wijk), e.g. 71016W06 Genk-Centrum.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbourhood {
    pub id: String,
    pub geometry: MultiPolygon<f64>,
    pub code: String,
    pub name: String,
    pub population: i64,
}
layer_record!(
    Neighbourhood,
    LayerId::Neighbourhoods,
    |r| r.geometry.clone().into(),
    as_multi_polygon,
    [code, name, population]
);

/// People living at one address or building block: the weights of coverage.
#[derive(Debug, Clone, PartialEq)]
pub struct Resident {
    pub id: String,
    pub geometry: Point<f64>,
    pub population: i64,
}
layer_record!(
    Resident,
    LayerId::Residents,
    |r| r.geometry.into(),
    as_point,
    [population]
);

/// A cadastral parcel; on a business park it may be offered for sale or lease.
#[derive(Debug, Clone, PartialEq)]
pub struct Parcel {
    pub id: String,
    pub geometry: Polygon<f64>,
    pub capakey: String,
    /// Area on the ground, m².
    pub area_m2: f64,
    pub zoning: Zoning,
    pub owner_kind: OwnerKind,
    pub park_id: Option<String>,
    pub availability: Availability,
    pub available_from: Option<NaiveDate>,
    pub price_eur_m2: Option<f64>,
    pub ready_to_build: bool,
    pub max_height_m: Option<f64>,
}
layer_record!(
    Parcel,
    LayerId::Parcels,
    |r| r.geometry.clone().into(),
    as_polygon,
    [
        capakey,
        area_m2,
        zoning,
        owner_kind,
        park_id,
        availability,
        available_from,
        price_eur_m2,
        ready_to_build,
        max_height_m
    ]
);

#[derive(Debug, Clone, PartialEq)]
pub struct BusinessPark {
    pub id: String,
    pub geometry: MultiPolygon<f64>,
    pub name: String,
    pub kind: ParkKind,
    /// Sectors the park is meant for, comma separated.
    pub focus: Option<String>,
    pub manager: Option<String>,
}
layer_record!(
    BusinessPark,
    LayerId::BusinessParks,
    |r| r.geometry.clone().into(),
    as_multi_polygon,
    [name, kind, focus, manager]
);

/// A shop unit (handelspand) with its current state; its past is in the
/// unit events ([`super::history`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ShopUnit {
    pub id: String,
    pub geometry: Point<f64>,
    pub address: String,
    pub street: String,
    /// Sales floor (winkelvloeroppervlakte), m².
    pub floor_area_m2: f64,
    pub category: ShopCategory,
    /// Daily shops only: supermarket, bakery, ...
    pub kind: Option<ShopKind>,
    pub status: UnitStatus,
    pub status_since: NaiveDate,
    /// Confidential.
    pub occupant: Option<String>,
    /// The shopping area it lies in, if any.
    pub area_id: Option<String>,
}
layer_record!(
    ShopUnit,
    LayerId::ShopUnits,
    |r| r.geometry.into(),
    as_point,
    [
        address,
        street,
        floor_area_m2,
        category,
        kind,
        status,
        status_since,
        occupant,
        area_id
    ]
);

#[derive(Debug, Clone, PartialEq)]
pub struct ShoppingArea {
    pub id: String,
    pub geometry: MultiPolygon<f64>,
    pub name: String,
    pub kind: AreaKind,
}
layer_record!(
    ShoppingArea,
    LayerId::ShoppingAreas,
    |r| r.geometry.clone().into(),
    as_multi_polygon,
    [name, kind]
);

#[derive(Debug, Clone, PartialEq)]
pub struct Street {
    pub id: String,
    pub geometry: LineString<f64>,
    pub name: String,
    /// False for motorways and their ramps.
    pub walkable: bool,
    pub class: StreetClass,
}
layer_record!(
    Street,
    LayerId::Streets,
    |r| r.geometry.clone().into(),
    as_line,
    [name, walkable, class]
);

/// A company at its current site.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: String,
    pub geometry: Point<f64>,
    pub name: String,
    pub nace: String,
    pub employees: Option<i64>,
    /// Confidential.
    pub contact: Option<String>,
}
layer_record!(
    Company,
    LayerId::Companies,
    |r| r.geometry.into(),
    as_point,
    [name, nace, employees, contact]
);

/// A motorway exit, railway station or canal quay.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessPoint {
    pub id: String,
    pub geometry: Point<f64>,
    pub kind: AccessKind,
    pub name: String,
}
layer_record!(
    AccessPoint,
    LayerId::AccessPoints,
    |r| r.geometry.into(),
    as_point,
    [kind, name]
);

/// Separates the other names of a place in its `alt_names` field
/// ("ZOL | Ziekenhuis Oost-Limburg").
pub const ALT_NAMES_SEPARATOR: char = '|';

/// The other names in an `alt_names` value, trimmed, blanks left out.
pub fn split_alt_names(alt_names: &str) -> impl Iterator<Item = &str> {
    alt_names
        .split(ALT_NAMES_SEPARATOR)
        .map(str::trim)
        .filter(|name| !name.is_empty())
}

/// A known place of the city (a gazetteer entry): a campus, a hospital, a
/// museum, a stadium, a park, a shopping centre, the town hall.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub id: String,
    pub geometry: Point<f64>,
    pub kind: PlaceKind,
    pub name: String,
    /// Other spellings a person may type, separated by
    /// [`ALT_NAMES_SEPARATOR`] ("ZOL | Ziekenhuis Oost-Limburg").
    pub alt_names: Option<String>,
}
layer_record!(
    Place,
    LayerId::Places,
    |r| r.geometry.into(),
    as_point,
    [kind, name, alt_names]
);

impl Place {
    /// The other names of `alt_names`, one by one.
    pub fn other_names(&self) -> impl Iterator<Item = &str> {
        split_alt_names(self.alt_names.as_deref().unwrap_or(""))
    }
}

/// A canal, river or stream, as a line along its course.
#[derive(Debug, Clone, PartialEq)]
pub struct Waterway {
    pub id: String,
    pub geometry: LineString<f64>,
    pub name: String,
    pub kind: WaterwayKind,
}
layer_record!(
    Waterway,
    LayerId::Waterways,
    |r| r.geometry.clone().into(),
    as_line,
    [name, kind]
);

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use geo::{line_string, point, polygon};

    pub(crate) fn square(lon: f64, lat: f64, size: f64) -> Polygon<f64> {
        polygon![(x: lon, y: lat), (x: lon + size, y: lat), (x: lon + size, y: lat + size), (x: lon, y: lat + size), (x: lon, y: lat)]
    }

    fn check<T: LayerRecord + PartialEq + std::fmt::Debug>(record: T) {
        let feature = record.to_feature();
        feature.validate(T::LAYER.schema()).unwrap();
        assert_eq!(T::from_feature(&feature).unwrap(), record);
    }

    #[test]
    fn every_layer_round_trips_through_a_feature() {
        let date = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        check(Neighbourhood {
            id: "71016W06".into(),
            geometry: MultiPolygon(vec![square(5.49, 50.96, 0.01)]),
            code: "71016W06".into(),
            name: "Genk-Centrum".into(),
            population: 4100,
        });
        check(Resident {
            id: "r1".into(),
            geometry: point!(x: 5.5, y: 50.96),
            population: 12,
        });
        check(Parcel {
            id: "p1".into(),
            geometry: square(5.47, 50.93, 0.001),
            capakey: "71016A0001/00A000".into(),
            area_m2: 7800.0,
            zoning: Zoning::Industrial,
            owner_kind: OwnerKind::DevelopmentAgency,
            park_id: Some("genk-zuid".into()),
            availability: Availability::ForSale,
            available_from: Some(date),
            price_eur_m2: Some(95.0),
            ready_to_build: true,
            max_height_m: None,
        });
        check(BusinessPark {
            id: "thor".into(),
            geometry: MultiPolygon(vec![square(5.52, 50.99, 0.01)]),
            name: "Thor Park".into(),
            kind: ParkKind::SciencePark,
            focus: Some("energie".into()),
            manager: None,
        });
        check(ShopUnit {
            id: "u1".into(),
            geometry: point!(x: 5.48, y: 50.98),
            address: "Vennestraat 1".into(),
            street: "Vennestraat".into(),
            floor_area_m2: 120.0,
            category: ShopCategory::Daily,
            kind: Some(ShopKind::Bakery),
            status: UnitStatus::Occupied,
            status_since: date,
            occupant: Some("Bakkerij Peeters".into()),
            area_id: Some("vennestraat".into()),
        });
        check(ShoppingArea {
            id: "centrum".into(),
            geometry: MultiPolygon(vec![square(5.49, 50.96, 0.005)]),
            name: "Centrum Genk".into(),
            kind: AreaKind::MainShoppingArea,
        });
        check(Street {
            id: "s1".into(),
            geometry: line_string![(x: 5.48, y: 50.98), (x: 5.481, y: 50.981)],
            name: "Vennestraat".into(),
            walkable: true,
            class: StreetClass::Residential,
        });
        check(Company {
            id: "c1".into(),
            geometry: point!(x: 5.47, y: 50.93),
            name: "Limburg Logistics".into(),
            nace: "52.10".into(),
            employees: Some(40),
            contact: None,
        });
        check(AccessPoint {
            id: "a1".into(),
            geometry: point!(x: 5.47, y: 50.95),
            kind: AccessKind::MotorwayExit,
            name: "Afrit 32 Genk-Oost".into(),
        });
        check(Place {
            id: "place-zol".into(),
            geometry: point!(x: 5.516, y: 50.9565),
            kind: PlaceKind::Hospital,
            name: "ZOL campus Sint-Jan".into(),
            alt_names: Some("ZOL | Ziekenhuis Oost-Limburg".into()),
        });
        check(Waterway {
            id: "w1".into(),
            geometry: line_string![(x: 5.4557, y: 50.9386), (x: 5.5431, y: 50.929)],
            name: "Albertkanaal".into(),
            kind: WaterwayKind::Canal,
        });
    }

    #[test]
    fn other_names_are_split_trimmed_and_never_blank() {
        let place = |alt_names: Option<&str>| Place {
            id: "p".into(),
            geometry: point!(x: 5.5, y: 50.96),
            kind: PlaceKind::Civic,
            name: "Stadhuis Genk".into(),
            alt_names: alt_names.map(str::to_string),
        };
        let names = |alt_names| {
            place(alt_names)
                .other_names()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(Some(" ZOL |Ziekenhuis Oost-Limburg ")),
            ["ZOL", "Ziekenhuis Oost-Limburg"]
        );
        assert_eq!(names(Some("| |Stad Genk||")), ["Stad Genk"]);
        assert!(names(None).is_empty());
    }

    #[test]
    fn an_unknown_enum_value_names_the_field_and_the_choices() {
        let mut feature = Street {
            id: "s1".into(),
            geometry: line_string![(x: 5.48, y: 50.98), (x: 5.481, y: 50.981)],
            name: "x".into(),
            walkable: true,
            class: StreetClass::Primary,
        }
        .to_feature();
        feature.values[2] = Value::Text("highway".into());
        let message = Street::from_feature(&feature).unwrap_err().to_string();
        assert!(
            message.contains("class") && message.contains("motorway_link"),
            "{message}"
        );
    }
}
