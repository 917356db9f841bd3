//! Waterways: the Albertkanaal along Genk-Zuid and the Stiemerbeek, through
//! the waypoints of `geodata/waterways.csv` (real names, schematic courses).
//! The canal is the one the quays of `access_points.csv` lie on.

use geo::LineString;

use super::inputs::Inputs;
use super::names::slug;
use crate::model::Waterway;

pub fn records(inputs: &Inputs) -> Vec<Waterway> {
    inputs
        .waterways
        .iter()
        .map(|row| Waterway {
            id: format!("waterway-{}", slug(&row.name)),
            geometry: LineString::from(row.waypoints.clone()),
            name: row.name.clone(),
            kind: row.kind,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use geo::Coord;

    use super::*;
    use crate::demo::frame::Frame;
    use crate::demo::neighbourhoods::{wijken, Outline};
    use crate::demo::plane;
    use crate::model::{AccessKind, WaterwayKind};

    /// The distance in metres from a point to a line, both in the plane.
    fn distance_to_line_m(point: Coord<f64>, line: &[Coord<f64>]) -> f64 {
        line.windows(2)
            .map(|pair| plane::distance_to_segment(point, pair[0], pair[1]).0)
            .fold(f64::INFINITY, f64::min)
    }

    fn canal(frame: &Frame) -> Vec<Coord<f64>> {
        let inputs = Inputs::embedded();
        let canals: Vec<Waterway> = records(&inputs)
            .into_iter()
            .filter(|waterway| waterway.kind == WaterwayKind::Canal)
            .collect();
        let [canal] = canals.as_slice() else {
            panic!("one canal, not {}", canals.len())
        };
        assert_eq!(canal.name, "Albertkanaal");
        canal
            .geometry
            .0
            .iter()
            .map(|point| frame.to_m(*point))
            .collect()
    }

    #[test]
    fn the_canal_passes_within_60_m_of_every_quay() {
        let (inputs, frame) = (Inputs::embedded(), Frame::genk());
        let canal = canal(&frame);
        let quays: Vec<_> = inputs
            .access
            .iter()
            .filter(|access| access.kind == AccessKind::Quay)
            .collect();
        assert!(quays.len() >= 5);
        for quay in quays {
            let distance_m = distance_to_line_m(frame.to_m(quay.location), &canal);
            assert!(
                distance_m <= 60.0,
                "{} is {distance_m:.0} m from the canal",
                quay.name
            );
        }
    }

    #[test]
    fn the_canal_runs_from_the_western_edge_of_the_city_to_its_eastern_edge() {
        let (inputs, frame) = (Inputs::embedded(), Frame::genk());
        let outline = Outline::new(&wijken(&inputs, &frame), &frame);
        let canal = canal(&frame);
        let (west, east) = (canal[0], canal[canal.len() - 1]);
        for end in [west, east] {
            let to_edge_m = distance_to_line_m(end, &outline.ring_m);
            assert!(
                to_edge_m < 100.0,
                "an end lies {to_edge_m:.0} m from the city's edge"
            );
        }
        // West to east, past every quay, and inside the city between its ends.
        for access in inputs
            .access
            .iter()
            .filter(|access| access.kind == AccessKind::Quay)
        {
            let quay = frame.to_m(access.location);
            assert!(west.x < quay.x && quay.x < east.x, "{}", access.name);
        }
        for pair in canal[1..canal.len() - 1].windows(2) {
            let middle = plane::midpoint(pair[0], pair[1]);
            assert!(outline.contains_m(middle), "{middle:?}");
        }
    }

    #[test]
    fn every_waterway_has_a_name_and_a_course() {
        let waterways = records(&Inputs::embedded());
        assert!(!waterways.is_empty());
        for waterway in waterways {
            assert!(!waterway.name.trim().is_empty());
            assert!(waterway.geometry.0.len() >= 2, "{}", waterway.name);
        }
    }
}
