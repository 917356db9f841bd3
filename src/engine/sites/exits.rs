//! How the reasons name a motorway exit: its name in the data with the
//! motorway it is on, "afrit 32 Genk-Oost van de E314" in Dutch, "exit 32
//! Genk-Oost on the E314" in English. The motorway is the named motorway
//! street nearest to the exit within [`ROAD_SEARCH_M`] (ties by name); a
//! name that already holds it is not repeated.

use geo::{Point, Rect};

use super::language::Language;
use super::market::Market;
use crate::engine::plane::LocalMetres;
use crate::engine::{Engine, LocalPlane};
use crate::model::{LayerId, Value};

/// How far from an exit its motorway is looked for, metres.
pub const ROAD_SEARCH_M: f64 = 300.0;

/// A motorway exit as the data names it, with its motorway when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitName {
    /// "Afrit 32 Genk-Oost", "Aansluiting E313 - N702 Henry Fordlaan"
    pub name: String,
    /// "E314"
    pub road: Option<String>,
}

impl ExitName {
    /// The exit in a reason: "afrit 32 Genk-Oost van de E314", "exit 32
    /// Genk-Oost on the E314". The data's "Afrit" and "Aansluiting" become
    /// lowercase words of the language; any other name is kept as it is.
    pub fn words(&self, language: Language) -> String {
        let mut label = match self.name.split_once(' ') {
            Some((first, rest)) if ["Afrit", "Aansluiting"].contains(&first) => {
                let word = match language {
                    Language::Dutch => first.to_lowercase(),
                    Language::English if first == "Afrit" => "exit".to_string(),
                    Language::English => "junction".to_string(),
                };
                format!("{word} {rest}")
            }
            _ => self.name.clone(),
        };
        if let Some(road) = &self.road {
            if !self.name.contains(road.as_str()) {
                label.push_str(language.pick(" van de ", " on the "));
                label.push_str(road);
            }
        }
        label
    }
}

/// Finds the motorway of each exit asked for, once per exit.
pub struct ExitNames<'a> {
    engine: &'a Engine,
    market: &'a Market,
    known: Vec<(u32, ExitName)>,
}

impl<'a> ExitNames<'a> {
    pub fn new(engine: &'a Engine, market: &'a Market) -> Self {
        ExitNames {
            engine,
            market,
            known: Vec::new(),
        }
    }

    /// The exit at `access` (a position in [`Market::access`]).
    pub fn name(&mut self, access: u32) -> ExitName {
        if let Some((_, name)) = self.known.iter().find(|(known, _)| *known == access) {
            return name.clone();
        }
        let record = &self.market.access[access as usize].record;
        let name = ExitName {
            name: record.name.clone(),
            road: self.road_at(record.geometry),
        };
        self.known.push((access, name.clone()));
        name
    }

    fn road_at(&self, point: Point<f64>) -> Option<String> {
        let streets = self.engine.layer(LayerId::Streets);
        let schema = LayerId::Streets.schema();
        let (dlon, dlat) =
            LocalMetres::at_latitude(point.y()).degrees(ROAD_SEARCH_M, ROAD_SEARCH_M);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn exit(name: &str, road: Option<&str>) -> ExitName {
        ExitName {
            name: name.to_string(),
            road: road.map(str::to_string),
        }
    }

    #[test]
    fn exits_are_named_with_their_motorway() {
        let check = |name, road, dutch: &str, english: &str| {
            assert_eq!(exit(name, road).words(Language::Dutch), dutch);
            assert_eq!(exit(name, road).words(Language::English), english);
        };
        check(
            "Afrit 32 Genk-Oost",
            Some("E314"),
            "afrit 32 Genk-Oost van de E314",
            "exit 32 Genk-Oost on the E314",
        );
        check(
            "Aansluiting E313 - N702 Henry Fordlaan",
            Some("E313"),
            "aansluiting E313 - N702 Henry Fordlaan",
            "junction E313 - N702 Henry Fordlaan",
        );
        check(
            "Knooppunt Lummen",
            None,
            "Knooppunt Lummen",
            "Knooppunt Lummen",
        );
        check(
            "Afrit 30 Genk-West",
            None,
            "afrit 30 Genk-West",
            "exit 30 Genk-West",
        );
    }
}
