//! Which collections the OGC API offers: every layer of `model::ALL_LAYERS`
//! and two derived figures with a place on the map, the vacancy H3 cells on
//! a date (`vacancy_h3`) and the walking coverage per neighbourhood
//! (`coverage`); their ids, titles, geometry type, fields and the extra query
//! parameters each takes.

use crate::http::error::ApiError;
use crate::model::{FieldDef, FieldKind, FieldRule, GeometryType, LayerId, ALL_LAYERS};

/// One collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Layer(LayerId),
    /// The H3 hexagons holding a shop unit on a date, with their vacancy.
    VacancyH3,
    /// Every neighbourhood with its walking coverage by open shops.
    Coverage,
}

/// The id of the vacancy cells collection.
pub const VACANCY_H3: &str = "vacancy_h3";
/// The id of the coverage collection.
pub const COVERAGE: &str = "coverage";

const fn derived_field(
    name: &'static str,
    kind: FieldKind,
    title_nl: &'static str,
    title_en: &'static str,
) -> FieldDef {
    FieldDef {
        name,
        kind,
        required: false,
        confidential: false,
        title_nl,
        title_en,
        rule: FieldRule::Any,
    }
}

/// The properties of a vacancy cell (as `/api/vacancy/h3`).
pub const VACANCY_H3_FIELDS: &[FieldDef] = &[
    derived_field("h3", FieldKind::Text, "H3-cel", "H3 cell"),
    derived_field("units", FieldKind::Integer, "Panden", "Units"),
    derived_field("occupied", FieldKind::Integer, "In gebruik", "Occupied"),
    derived_field("vacant", FieldKind::Integer, "Leeg", "Vacant"),
    derived_field(
        "renovation",
        FieldKind::Integer,
        "In renovatie",
        "Under renovation",
    ),
    derived_field(
        "rate_count",
        FieldKind::Real,
        "Leegstand (aantal)",
        "Vacancy rate (count)",
    ),
    derived_field(
        "rate_area",
        FieldKind::Real,
        "Leegstand (oppervlakte)",
        "Vacancy rate (area)",
    ),
    derived_field(
        "too_small",
        FieldKind::Boolean,
        "Te weinig panden",
        "Too few units",
    ),
];

/// The properties of a neighbourhood's coverage (as `/api/coverage`).
pub const COVERAGE_FIELDS: &[FieldDef] = &[
    derived_field("code", FieldKind::Text, "Code", "Code"),
    derived_field("name", FieldKind::Text, "Naam", "Name"),
    derived_field("population", FieldKind::Integer, "Inwoners", "Population"),
    derived_field("covered", FieldKind::Integer, "Bediend", "Covered"),
    derived_field("share", FieldKind::Real, "Aandeel bediend", "Share covered"),
    derived_field("median_m", FieldKind::Real, "Mediaan (m)", "Median (m)"),
    derived_field("p90_m", FieldKind::Real, "P90 (m)", "P90 (m)"),
    derived_field(
        "unreachable",
        FieldKind::Integer,
        "Onbereikbaar",
        "Unreachable",
    ),
];

impl Collection {
    /// Every collection, layers first in catalogue order.
    pub fn all() -> Vec<Collection> {
        ALL_LAYERS
            .iter()
            .map(|schema| Collection::Layer(schema.id))
            .chain([Collection::VacancyH3, Collection::Coverage])
            .collect()
    }

    /// The collection named in a path, or a 404 that lists them.
    pub fn parse(text: &str) -> Result<Collection, ApiError> {
        Self::all()
            .into_iter()
            .find(|collection| collection.id() == text)
            .ok_or_else(|| {
                let ids: Vec<&str> = Self::all().iter().map(|c| c.id()).collect();
                ApiError::NotFound(format!(
                    "unknown collection '{text}' (collections: {})",
                    ids.join(", ")
                ))
            })
    }

    pub fn id(self) -> &'static str {
        match self {
            Collection::Layer(layer) => layer.as_str(),
            Collection::VacancyH3 => VACANCY_H3,
            Collection::Coverage => COVERAGE,
        }
    }

    pub fn title_nl(self) -> &'static str {
        match self {
            Collection::Layer(layer) => layer.schema().title_nl,
            Collection::VacancyH3 => "Leegstand per H3-cel",
            Collection::Coverage => "Buurtaanbod per wijk",
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            Collection::Layer(layer) => layer.schema().title_en,
            Collection::VacancyH3 => "Vacancy per H3 cell",
            Collection::Coverage => "Shop coverage per neighbourhood",
        }
    }

    /// What the collection holds and what `datetime` does on it.
    pub fn description(self) -> &'static str {
        match self {
            Collection::Layer(LayerId::ShopUnits) => {
                "The shop units; datetime=YYYY-MM-DD answers them as they were on that date, from the history."
            }
            Collection::Layer(_) => {
                "The layer as it is now; it has no time, so a (well-formed) datetime selects every feature."
            }
            Collection::VacancyH3 => {
                "The H3 hexagons holding a shop unit on the date (datetime, the newest date of the history by default), res=9|10, min_units=5."
            }
            Collection::Coverage => {
                "Walking coverage of the residents per neighbourhood by the shops open on the date (datetime), kind=daily|bakery|butcher|supermarket|grocery|pharmacy, threshold_m=400|800|1200|any."
            }
        }
    }

    pub fn geometry_type(self) -> GeometryType {
        match self {
            Collection::Layer(layer) => layer.schema().geometry_type,
            Collection::VacancyH3 => GeometryType::Polygon,
            Collection::Coverage => GeometryType::MultiPolygon,
        }
    }

    /// The properties, in order.
    pub fn fields(self) -> &'static [FieldDef] {
        match self {
            Collection::Layer(layer) => layer.schema().fields,
            Collection::VacancyH3 => VACANCY_H3_FIELDS,
            Collection::Coverage => COVERAGE_FIELDS,
        }
    }

    /// Query parameters beyond the standard ones that this collection takes.
    pub fn extra_parameters(self) -> &'static [&'static str] {
        match self {
            Collection::Layer(_) => &[],
            Collection::VacancyH3 => &["res", "min_units"],
            Collection::Coverage => &["kind", "threshold_m"],
        }
    }

    /// Whether its features change with `datetime`.
    pub fn has_time(self) -> bool {
        !matches!(self, Collection::Layer(layer) if layer != LayerId::ShopUnits)
    }

    /// Whether it has vector tiles (the coverage figures have none).
    pub fn has_tiles(self) -> bool {
        !matches!(self, Collection::Coverage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collection_parses_back_from_its_id() {
        let all = Collection::all();
        assert_eq!(all.len(), ALL_LAYERS.len() + 2);
        for collection in all {
            assert_eq!(Collection::parse(collection.id()).unwrap(), collection);
        }
        assert!(matches!(
            Collection::parse("nope"),
            Err(ApiError::NotFound(_))
        ));
    }
}
