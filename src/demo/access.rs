//! Access points: the motorway exits, Genk station and the canal quays of
//! `geodata/access_points.csv`, as they are (real names, rough places).

use super::inputs::Inputs;
use super::names::slug;
use crate::model::AccessPoint;

pub fn records(inputs: &Inputs) -> Vec<AccessPoint> {
    inputs
        .access
        .iter()
        .map(|row| AccessPoint {
            id: format!("access-{}", slug(&row.name)),
            geometry: row.location.into(),
            kind: row.kind,
            name: row.name.clone(),
        })
        .collect()
}
