//! Known places: the gazetteer of `geodata/places.csv` (EnergyVille, the ZOL,
//! C-Mine, Bokrijk, the town hall, ...), as they are: real names, rough places.

use super::inputs::Inputs;
use super::names::slug;
use crate::model::Place;

pub fn records(inputs: &Inputs) -> Vec<Place> {
    inputs
        .places
        .iter()
        .map(|row| Place {
            id: format!("place-{}", slug(&row.name)),
            geometry: row.location.into(),
            kind: row.kind,
            name: row.name.clone(),
            alt_names: row.alt_names.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::demo::frame::Frame;
    use crate::demo::neighbourhoods::{wijken, Outline};

    #[test]
    fn every_place_lies_inside_the_city_outline() {
        let (inputs, frame) = (Inputs::embedded(), Frame::genk());
        let outline = Outline::new(&wijken(&inputs, &frame), &frame);
        let places = records(&inputs);
        assert!(places.len() >= 12, "{}", places.len());
        for place in &places {
            let point = frame.to_m(place.geometry.0);
            assert!(
                outline.contains_m(point),
                "{} lies outside Genk",
                place.name
            );
        }
    }

    #[test]
    fn the_places_asked_for_are_there_with_unique_ids_and_names() {
        let places = records(&Inputs::embedded());
        for name in [
            "EnergyVille",
            "ZOL campus Sint-Jan",
            "C-Mine",
            "Bokrijk",
            "Stadhuis Genk",
            "Shopping 1",
            "Cegeka Arena",
            "Molenvijver",
            "Cosmodrome",
            "Kattevennen",
            "Zwartberg",
            "Sledderlo",
        ] {
            assert!(places.iter().any(|place| place.name == name), "{name}");
        }
        let ids: HashSet<&str> = places.iter().map(|place| place.id.as_str()).collect();
        assert_eq!(ids.len(), places.len());
        for place in &places {
            assert!(!place.name.trim().is_empty());
            assert!(
                place.other_names().all(|name| name != place.name),
                "{}",
                place.name
            );
        }
        let zol = places
            .iter()
            .find(|place| place.name == "ZOL campus Sint-Jan")
            .unwrap();
        let other: Vec<&str> = zol.other_names().collect();
        assert!(
            other.contains(&"ZOL") && other.contains(&"Ziekenhuis Oost-Limburg"),
            "{other:?}"
        );
    }
}
