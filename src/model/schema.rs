//! The layer catalogue: every layer's stable id, geometry type and fields.
//!
//! This one table drives both stores (columns), the API (field lists, which
//! properties are confidential) and later the tiles, so a field is declared once.

use serde::Serialize;

use super::value::string_enum;
use super::value::FieldKind;

string_enum! {
    /// The stable id of a layer; also its table name in both stores.
    LayerId {
        Neighbourhoods => "neighbourhoods",
        Residents => "residents",
        Parcels => "parcels",
        BusinessParks => "business_parks",
        ShopUnits => "shop_units",
        ShoppingAreas => "shopping_areas",
        Streets => "streets",
        Companies => "companies",
        AccessPoints => "access_points",
        Places => "places",
        Waterways => "waterways",
    }
}

/// The geometry type of a layer (EPSG:4326, x = longitude, y = latitude).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum GeometryType {
    Point,
    LineString,
    Polygon,
    MultiPolygon,
}

impl GeometryType {
    /// The OGC name, as in `geometry(MultiPolygon, 4326)` and `gpkg_geometry_columns`.
    pub fn ogc_name(self) -> &'static str {
        match self {
            GeometryType::Point => "POINT",
            GeometryType::LineString => "LINESTRING",
            GeometryType::Polygon => "POLYGON",
            GeometryType::MultiPolygon => "MULTIPOLYGON",
        }
    }
}

/// One property of a layer.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FieldDef {
    pub name: &'static str,
    pub kind: FieldKind,
    /// A feature without this value is invalid.
    pub required: bool,
    /// Occupant, contact and notes: only for roles that may see them.
    pub confidential: bool,
    /// The label in the Dutch interface.
    pub title_nl: &'static str,
    /// The label in the English interface.
    pub title_en: &'static str,
    /// What a value must be beyond its kind (checked by `Feature::validate`).
    #[serde(skip)]
    pub rule: FieldRule,
}

/// A field's rule beyond its kind: one table, checked in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRule {
    /// Any value of the kind.
    Any,
    /// Text with something in it besides whitespace (a name, a code).
    NotBlank,
    /// A count or an amount: 0 or more.
    NonNegative,
    /// An area, a height: more than 0.
    Positive,
}

impl FieldDef {
    const fn with_rule(self, rule: FieldRule) -> FieldDef {
        FieldDef { rule, ..self }
    }

    const fn not_blank(self) -> FieldDef {
        self.with_rule(FieldRule::NotBlank)
    }

    const fn non_negative(self) -> FieldDef {
        self.with_rule(FieldRule::NonNegative)
    }

    const fn positive(self) -> FieldDef {
        self.with_rule(FieldRule::Positive)
    }
}

/// A layer's id, titles, geometry type and fields (in store column order).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LayerSchema {
    pub id: LayerId,
    pub title_nl: &'static str,
    pub title_en: &'static str,
    pub geometry_type: GeometryType,
    pub fields: &'static [FieldDef],
}

impl LayerSchema {
    /// The position of a field, if the layer has it.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == name)
    }

    /// The fields that everyone may see.
    pub fn public_fields(&self) -> impl Iterator<Item = (usize, &'static FieldDef)> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(_, field)| !field.confidential)
    }
}

const fn field(
    name: &'static str,
    kind: FieldKind,
    required: bool,
    title_nl: &'static str,
    title_en: &'static str,
) -> FieldDef {
    FieldDef {
        name,
        kind,
        required,
        confidential: false,
        title_nl,
        title_en,
        rule: FieldRule::Any,
    }
}

const fn confidential(
    name: &'static str,
    title_nl: &'static str,
    title_en: &'static str,
) -> FieldDef {
    FieldDef {
        name,
        kind: FieldKind::Text,
        required: false,
        confidential: true,
        title_nl,
        title_en,
        rule: FieldRule::Any,
    }
}

use FieldKind::{Boolean, Date, Integer, Real, Text};

const NEIGHBOURHOODS: LayerSchema = LayerSchema {
    id: LayerId::Neighbourhoods,
    title_nl: "Wijken",
    title_en: "Neighbourhoods",
    geometry_type: GeometryType::MultiPolygon,
    fields: &[
        field("code", Text, true, "Code", "Code").not_blank(),
        field("name", Text, true, "Naam", "Name").not_blank(),
        field("population", Integer, true, "Inwoners", "Population").non_negative(),
    ],
};

const RESIDENTS: LayerSchema = LayerSchema {
    id: LayerId::Residents,
    title_nl: "Inwoners",
    title_en: "Residents",
    geometry_type: GeometryType::Point,
    fields: &[field("population", Integer, true, "Inwoners", "Population").non_negative()],
};

const PARCELS: LayerSchema = LayerSchema {
    id: LayerId::Parcels,
    title_nl: "Percelen",
    title_en: "Parcels",
    geometry_type: GeometryType::Polygon,
    fields: &[
        field("capakey", Text, true, "Capakey", "Cadastral id").not_blank(),
        field("area_m2", Real, true, "Oppervlakte (m²)", "Area (m²)").positive(),
        field("zoning", Text, true, "Bestemming", "Zoning"),
        field("owner_kind", Text, true, "Eigenaar", "Owner"),
        field("park_id", Text, false, "Bedrijventerrein", "Business park"),
        field(
            "availability",
            Text,
            true,
            "Beschikbaarheid",
            "Availability",
        ),
        field(
            "available_from",
            Date,
            false,
            "Beschikbaar vanaf",
            "Available from",
        ),
        field("price_eur_m2", Real, false, "Prijs (€/m²)", "Price (€/m²)").non_negative(),
        field(
            "ready_to_build",
            Boolean,
            true,
            "Bouwrijp",
            "Ready to build",
        ),
        field(
            "max_height_m",
            Real,
            false,
            "Max. bouwhoogte (m)",
            "Max. height (m)",
        )
        .positive(),
    ],
};

const BUSINESS_PARKS: LayerSchema = LayerSchema {
    id: LayerId::BusinessParks,
    title_nl: "Bedrijventerreinen",
    title_en: "Business parks",
    geometry_type: GeometryType::MultiPolygon,
    fields: &[
        field("name", Text, true, "Naam", "Name").not_blank(),
        field("kind", Text, true, "Type", "Kind"),
        field("focus", Text, false, "Focus", "Focus"),
        field("manager", Text, false, "Beheerder", "Manager"),
    ],
};

const SHOP_UNITS: LayerSchema = LayerSchema {
    id: LayerId::ShopUnits,
    title_nl: "Handelspanden",
    title_en: "Shop units",
    geometry_type: GeometryType::Point,
    fields: &[
        field("address", Text, true, "Adres", "Address").not_blank(),
        field("street", Text, true, "Straat", "Street").not_blank(),
        field(
            "floor_area_m2",
            Real,
            true,
            "Winkelvloeroppervlakte (m²)",
            "Sales floor (m²)",
        )
        // 0 is "unknown" (OpenStreetMap knows no sales floor)
        .non_negative(),
        field("category", Text, true, "Branche", "Category"),
        field("kind", Text, false, "Soort", "Kind"),
        field("status", Text, true, "Status", "Status"),
        field("status_since", Date, true, "Status sinds", "Status since"),
        confidential("occupant", "Uitbater", "Occupant"),
        field("area_id", Text, false, "Winkelgebied", "Shopping area"),
    ],
};

const SHOPPING_AREAS: LayerSchema = LayerSchema {
    id: LayerId::ShoppingAreas,
    title_nl: "Winkelgebieden",
    title_en: "Shopping areas",
    geometry_type: GeometryType::MultiPolygon,
    fields: &[
        field("name", Text, true, "Naam", "Name").not_blank(),
        field("kind", Text, true, "Type", "Kind"),
    ],
};

const STREETS: LayerSchema = LayerSchema {
    id: LayerId::Streets,
    title_nl: "Straten",
    title_en: "Streets",
    geometry_type: GeometryType::LineString,
    fields: &[
        field("name", Text, true, "Naam", "Name"),
        field("walkable", Boolean, true, "Beloopbaar", "Walkable"),
        field("class", Text, true, "Wegcategorie", "Class"),
    ],
};

const COMPANIES: LayerSchema = LayerSchema {
    id: LayerId::Companies,
    title_nl: "Bedrijven",
    title_en: "Companies",
    geometry_type: GeometryType::Point,
    fields: &[
        field("name", Text, true, "Naam", "Name").not_blank(),
        field("nace", Text, true, "NACE-code", "NACE code").not_blank(),
        field("employees", Integer, false, "Werknemers", "Employees").non_negative(),
        confidential("contact", "Contactpersoon", "Contact"),
    ],
};

const ACCESS_POINTS: LayerSchema = LayerSchema {
    id: LayerId::AccessPoints,
    title_nl: "Toegangspunten",
    title_en: "Access points",
    geometry_type: GeometryType::Point,
    fields: &[
        field("kind", Text, true, "Type", "Kind"),
        field("name", Text, true, "Naam", "Name").not_blank(),
    ],
};

const PLACES: LayerSchema = LayerSchema {
    id: LayerId::Places,
    title_nl: "Bekende plaatsen",
    title_en: "Known places",
    geometry_type: GeometryType::Point,
    fields: &[
        field("kind", Text, true, "Type", "Kind"),
        field("name", Text, true, "Naam", "Name").not_blank(),
        field("alt_names", Text, false, "Andere namen", "Other names"),
    ],
};

const WATERWAYS: LayerSchema = LayerSchema {
    id: LayerId::Waterways,
    title_nl: "Waterlopen",
    title_en: "Waterways",
    geometry_type: GeometryType::LineString,
    fields: &[
        field("name", Text, true, "Naam", "Name").not_blank(),
        field("kind", Text, true, "Type", "Kind"),
    ],
};

/// Every layer, in the order they are written and listed.
pub const ALL_LAYERS: [&LayerSchema; 11] = [
    &NEIGHBOURHOODS,
    &RESIDENTS,
    &PARCELS,
    &BUSINESS_PARKS,
    &SHOP_UNITS,
    &SHOPPING_AREAS,
    &STREETS,
    &COMPANIES,
    &ACCESS_POINTS,
    &PLACES,
    &WATERWAYS,
];

impl LayerId {
    /// This layer's schema.
    pub fn schema(self) -> &'static LayerSchema {
        ALL_LAYERS
            .iter()
            .find(|schema| schema.id == self)
            .expect("every layer id has a schema")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_id_has_exactly_one_schema() {
        for id in LayerId::ALL {
            let count = ALL_LAYERS.iter().filter(|schema| schema.id == *id).count();
            assert_eq!(count, 1, "{id}");
        }
        assert_eq!(LayerId::ALL.len(), ALL_LAYERS.len());
    }

    #[test]
    fn field_names_are_unique_and_plain_sql_identifiers() {
        for schema in ALL_LAYERS {
            let mut names: Vec<_> = schema.fields.iter().map(|field| field.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), schema.fields.len(), "{}", schema.id);
            for name in names {
                assert!(name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()));
                assert!(!["id", "geom", "fid"].contains(&name));
            }
        }
    }

    #[test]
    fn confidential_fields_are_the_occupant_and_the_contact() {
        let confidential: Vec<_> = ALL_LAYERS
            .iter()
            .flat_map(|schema| {
                schema
                    .fields
                    .iter()
                    .filter(|f| f.confidential)
                    .map(|f| (schema.id, f.name))
            })
            .collect();
        assert_eq!(
            confidential,
            vec![
                (LayerId::ShopUnits, "occupant"),
                (LayerId::Companies, "contact")
            ]
        );
    }
}
