//! Where a request's `near` is (the point asked for, or a company's current
//! site from the companies layer) and how the reasons name it.

use geo::{Geometry, Point};

use super::language::Language;
use super::request::{Near, SiteRequest};
use crate::engine::Engine;
use crate::model::{Feature, LayerId, Value};

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

/// What the `near` place is, for the reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NearName {
    /// A point picked on the map.
    ChosenPoint,
    /// A company's current site, by the company's name.
    CompanySite(String),
}

impl NearName {
    /// "het gekozen punt", "the chosen point"; "de huidige vestiging van
    /// Limburg Logistics NV", "the current site of Limburg Logistics NV".
    pub fn words(&self, language: Language) -> String {
        match self {
            NearName::ChosenPoint => language.pick("het gekozen punt", "the chosen point").into(),
            NearName::CompanySite(company) => match language {
                Language::Dutch => format!("de huidige vestiging van {company}"),
                Language::English => format!("the current site of {company}"),
            },
        }
    }
}

/// The `near` place of a request.
#[derive(Debug, Clone)]
pub struct NearPlace {
    /// x = longitude, y = latitude.
    pub point: Point<f64>,
    pub name: NearName,
    /// The company, when `near` names one.
    pub company: Option<Feature>,
}

/// The request's `near`, found: a company's point (or a point inside its
/// geometry), or the point itself.
pub fn resolve_near(
    engine: &Engine,
    request: &SiteRequest,
) -> Result<Option<NearPlace>, SearchError> {
    match &request.near {
        None => Ok(None),
        Some(Near::Point(point)) => Ok(Some(NearPlace {
            point: *point,
            name: NearName::ChosenPoint,
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
                name: NearName::CompanySite(name),
                company: Some(feature.clone()),
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_near_place_is_named_in_each_language() {
        let company = NearName::CompanySite("Limburg Logistics NV".into());
        assert_eq!(
            company.words(Language::Dutch),
            "de huidige vestiging van Limburg Logistics NV"
        );
        assert_eq!(
            company.words(Language::English),
            "the current site of Limburg Logistics NV"
        );
        assert_eq!(
            NearName::ChosenPoint.words(Language::Dutch),
            "het gekozen punt"
        );
        assert_eq!(
            NearName::ChosenPoint.words(Language::English),
            "the chosen point"
        );
    }
}
