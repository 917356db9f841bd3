//! Which text the map writes for each layer, and the label points of areas.
//!
//! One row per labelled layer (the match is exhaustive): the field written
//! (always a public one: an occupant or a contact never reaches a tile), from
//! which zoom, how it is placed and how it looks. The style (`style.rs`)
//! turns the rows into symbol layers. Areas (neighbourhoods, business parks,
//! shopping areas) are labelled once, at an inner point of the whole area:
//! their tiles carry a second MVT layer, `{layer}_labels`, with that point in
//! the one tile that holds it, so a name is not repeated on each tile an area
//! spans, as MapLibre would do from the clipped polygons.

use geo::{Geometry, InteriorPoint, Point};

use crate::glyphs::{BOLD, REGULAR};
use crate::model::LayerId;

/// Where a label sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Along the line (streets, waterways).
    Line,
    /// Beside the point (a place, an exit, a shop's address).
    BesidePoint,
    /// At the area's label point, in the `{layer}_labels` tile layer.
    AreaPoint,
}

/// One label rule of a layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelRule {
    /// Suffix of the style layer's id (`{layer}-label-{name}`).
    pub name: &'static str,
    pub field: &'static str,
    pub placement: Placement,
    pub min_zoom: u8,
    /// Only features whose `class` is one of these (streets); `None` all.
    pub only_classes: Option<&'static [&'static str]>,
    pub font: &'static str,
    /// Text size in pixels at `min_zoom` and at z18.
    pub size: (f64, f64),
    pub color: &'static str,
    /// Capitals with wide spacing (district names, as on city maps).
    pub uppercase: bool,
}

const fn rule(
    name: &'static str,
    field: &'static str,
    placement: Placement,
    min_zoom: u8,
) -> LabelRule {
    LabelRule {
        name,
        field,
        placement,
        min_zoom,
        only_classes: None,
        font: REGULAR,
        size: (11.0, 13.0),
        color: "#333333",
        uppercase: false,
    }
}

/// The halo that keeps a label legible over every panel's colouring.
pub const HALO_COLOR: &str = "rgba(255, 255, 255, 0.92)";
pub const HALO_WIDTH_PX: f64 = 1.6;

const MAJOR_STREETS: &[&str] = &["motorway", "primary", "secondary"];
const MINOR_STREETS: &[&str] = &["residential", "pedestrian", "motorway_link"];

/// The label rules of a layer (none for parcels and residents: a cadastral
/// key or a head count is no name).
pub fn label_rules(layer: LayerId) -> &'static [LabelRule] {
    use Placement::*;
    const NEIGHBOURHOODS: &[LabelRule] = &[LabelRule {
        font: BOLD,
        size: (11.0, 15.0),
        color: "#4a5470",
        uppercase: true,
        ..rule("name", "name", AreaPoint, 11)
    }];
    const BUSINESS_PARKS: &[LabelRule] = &[LabelRule {
        font: BOLD,
        size: (11.0, 14.0),
        color: "#6a3f72",
        ..rule("name", "name", AreaPoint, 12)
    }];
    const SHOPPING_AREAS: &[LabelRule] = &[LabelRule {
        font: BOLD,
        size: (11.0, 14.0),
        color: "#a63d22",
        ..rule("name", "name", AreaPoint, 13)
    }];
    const STREETS: &[LabelRule] = &[
        LabelRule {
            only_classes: Some(MAJOR_STREETS),
            size: (10.0, 14.0),
            ..rule("major", "name", Line, 13)
        },
        LabelRule {
            only_classes: Some(MINOR_STREETS),
            size: (10.0, 13.0),
            color: "#4d4d4d",
            ..rule("minor", "name", Line, 15)
        },
    ];
    const WATERWAYS: &[LabelRule] = &[LabelRule {
        color: "#1f5f99",
        ..rule("name", "name", Line, 12)
    }];
    const ACCESS_POINTS: &[LabelRule] = &[LabelRule {
        size: (10.0, 12.0),
        color: "#1d3557",
        ..rule("name", "name", BesidePoint, 14)
    }];
    const PLACES: &[LabelRule] = &[LabelRule {
        font: BOLD,
        size: (11.0, 13.0),
        color: "#7a1240",
        ..rule("name", "name", BesidePoint, 12)
    }];
    const SHOP_UNITS: &[LabelRule] = &[LabelRule {
        size: (10.0, 11.0),
        color: "#3b3b3b",
        ..rule("address", "address", BesidePoint, 17)
    }];
    const COMPANIES: &[LabelRule] = &[LabelRule {
        size: (10.0, 11.0),
        color: "#264653",
        ..rule("name", "name", BesidePoint, 16)
    }];
    match layer {
        LayerId::Neighbourhoods => NEIGHBOURHOODS,
        LayerId::BusinessParks => BUSINESS_PARKS,
        LayerId::ShoppingAreas => SHOPPING_AREAS,
        LayerId::Streets => STREETS,
        LayerId::Waterways => WATERWAYS,
        LayerId::AccessPoints => ACCESS_POINTS,
        LayerId::Places => PLACES,
        LayerId::ShopUnits => SHOP_UNITS,
        LayerId::Companies => COMPANIES,
        LayerId::Parcels | LayerId::Residents => &[],
    }
}

/// The area label rule of a layer, if its tiles carry label points.
pub fn area_label(layer: LayerId) -> Option<&'static LabelRule> {
    label_rules(layer)
        .iter()
        .find(|rule| rule.placement == Placement::AreaPoint)
}

/// The name of the tile layer with a layer's area label points.
pub fn label_layer_name(layer: LayerId) -> &'static str {
    match layer {
        LayerId::Neighbourhoods => "neighbourhoods_labels",
        LayerId::BusinessParks => "business_parks_labels",
        LayerId::ShoppingAreas => "shopping_areas_labels",
        _ => "labels",
    }
}

/// Where an area's label goes: a point inside it (on its widest part, by
/// `geo`'s interior point), so a crescent's name is not written outside it.
pub fn label_point(geometry: &Geometry<f64>) -> Option<Point<f64>> {
    geometry.interior_point()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ALL_LAYERS;

    #[test]
    fn labels_write_only_public_fields_of_their_layer() {
        for schema in ALL_LAYERS {
            for rule in label_rules(schema.id) {
                let index = schema
                    .field_index(rule.field)
                    .unwrap_or_else(|| panic!("{}.{}", schema.id, rule.field));
                assert!(
                    !schema.fields[index].confidential,
                    "{}.{}",
                    schema.id, rule.field
                );
            }
        }
    }

    #[test]
    fn every_labelled_area_layer_has_its_own_label_tile_layer() {
        for schema in ALL_LAYERS {
            if area_label(schema.id).is_some() {
                assert_eq!(label_layer_name(schema.id), format!("{}_labels", schema.id));
            }
        }
    }

    #[test]
    fn a_crescent_is_labelled_inside_it() {
        // a U opening north: its centroid lies in the empty middle
        let ring = [
            (0., 0.),
            (3., 0.),
            (3., 3.),
            (2., 3.),
            (2., 1.),
            (1., 1.),
            (1., 3.),
            (0., 3.),
        ];
        let u = geo::Polygon::new(geo::LineString::from(ring.to_vec()), vec![]);
        let point = label_point(&Geometry::Polygon(u.clone())).unwrap();
        assert!(geo::Contains::contains(&u, &point), "{point:?}");
    }
}
