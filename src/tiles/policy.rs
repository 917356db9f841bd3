//! Which features a layer shows at which zoom: the per-layer tile rules.
//!
//! The rules (also stated in ARCHITECTURE.md, "Tiles by zoom"):
//! - a layer has no tiles below its `min_zoom`: parcels from z13, where only
//!   the parcels on offer (for sale or lease, under option, reserved) are
//!   drawn, all parcels from z14 (the demo at scale 10 has tiles of 0.9 MB
//!   at z13 with every parcel);
//! - point layers with many points become grid clusters (see
//!   [`super::aggregate`]) below `cluster_below_zoom` (residents below z15,
//!   shop units and companies below z14), carrying `point_count` and the
//!   totals of their summed fields;
//! - streets appear by class: motorways at every zoom, primary roads from z9,
//!   secondary roads and motorway links from z11, residential streets from
//!   z13, pedestrian streets and footways from z14;
//! - below a layer's `detail_zoom` lines and rings are simplified four times
//!   harder and rings under one square pixel are dropped;
//! - clients take z16 as the deepest zoom and overzoom beyond it; the server
//!   answers every zoom up to 22.

use crate::model::LayerId;

/// The deepest zoom a client needs to fetch (TileJSON `maxzoom`).
pub const CLIENT_MAX_ZOOM: u8 = 16;

/// Features whose text field has one of these values appear from the zoom
/// given; other values from `other_min_zoom`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZoomByValue {
    pub field: &'static str,
    pub min_zoom_by_value: &'static [(&'static str, u8)],
    pub other_min_zoom: u8,
}

impl ZoomByValue {
    pub fn min_zoom(&self, value: Option<&str>) -> u8 {
        value
            .and_then(|value| {
                self.min_zoom_by_value
                    .iter()
                    .find(|(candidate, _)| *candidate == value)
                    .map(|(_, zoom)| *zoom)
            })
            .unwrap_or(self.other_min_zoom)
    }
}

/// The tile rules of one layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerTilePolicy {
    /// No features below this zoom.
    pub min_zoom: u8,
    /// The deepest zoom clients fetch; they overzoom beyond.
    pub max_zoom: u8,
    /// Point layers: grid clusters below this zoom; `None` never.
    pub cluster_below_zoom: Option<u8>,
    /// Numeric fields whose totals clusters carry.
    pub cluster_sums: &'static [&'static str],
    /// Full detail from this zoom on; coarser simplification below it.
    pub detail_zoom: u8,
    /// Features that appear only from a zoom that depends on a field.
    pub zoom_by_value: Option<ZoomByValue>,
}

const BASE: LayerTilePolicy = LayerTilePolicy {
    min_zoom: 0,
    max_zoom: CLIENT_MAX_ZOOM,
    cluster_below_zoom: None,
    cluster_sums: &[],
    detail_zoom: 12,
    zoom_by_value: None,
};

/// The street classes by the zoom from which they are drawn.
const STREETS_BY_CLASS: ZoomByValue = ZoomByValue {
    field: "class",
    min_zoom_by_value: &[
        ("motorway", 0),
        ("primary", 9),
        ("secondary", 11),
        ("motorway_link", 11),
        ("residential", 13),
        ("pedestrian", 14),
        ("footway", 14),
    ],
    other_min_zoom: 14,
};

/// Parcels by availability: those on offer from z13, the rest from z14.
const PARCELS_BY_AVAILABILITY: ZoomByValue = ZoomByValue {
    field: "availability",
    min_zoom_by_value: &[
        ("for_sale", 13),
        ("for_lease", 13),
        ("under_option", 13),
        ("reserved", 13),
        ("not_offered", 14),
    ],
    other_min_zoom: 14,
};

/// The rules of a layer.
pub fn layer_policy(layer: LayerId) -> LayerTilePolicy {
    match layer {
        LayerId::Neighbourhoods | LayerId::BusinessParks => BASE,
        LayerId::ShoppingAreas => LayerTilePolicy {
            detail_zoom: 13,
            ..BASE
        },
        LayerId::Parcels => LayerTilePolicy {
            min_zoom: 13,
            detail_zoom: 15,
            zoom_by_value: Some(PARCELS_BY_AVAILABILITY),
            ..BASE
        },
        LayerId::Residents => LayerTilePolicy {
            cluster_below_zoom: Some(15),
            cluster_sums: &["population"],
            ..BASE
        },
        LayerId::ShopUnits => LayerTilePolicy {
            cluster_below_zoom: Some(14),
            ..BASE
        },
        LayerId::Companies => LayerTilePolicy {
            cluster_below_zoom: Some(14),
            cluster_sums: &["employees"],
            ..BASE
        },
        LayerId::AccessPoints | LayerId::Places | LayerId::Waterways => BASE,
        LayerId::Streets => LayerTilePolicy {
            detail_zoom: 14,
            zoom_by_value: Some(STREETS_BY_CLASS),
            ..BASE
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FieldKind, GeometryType, ALL_LAYERS};

    #[test]
    fn summed_fields_exist_and_are_numbers_and_only_points_cluster() {
        for schema in ALL_LAYERS {
            let policy = layer_policy(schema.id);
            if policy.cluster_below_zoom.is_some() {
                assert_eq!(schema.geometry_type, GeometryType::Point, "{}", schema.id);
            }
            for name in policy.cluster_sums {
                let field = &schema.fields[schema.field_index(name).unwrap()];
                assert!(
                    matches!(field.kind, FieldKind::Integer | FieldKind::Real),
                    "{name}"
                );
                assert!(!field.confidential, "{name}");
            }
            assert!(policy.min_zoom <= policy.max_zoom);
        }
    }

    #[test]
    fn street_classes_have_their_zoom() {
        let rule = layer_policy(LayerId::Streets).zoom_by_value.unwrap();
        assert_eq!(rule.min_zoom(Some("motorway")), 0);
        assert_eq!(rule.min_zoom(Some("primary")), 9);
        assert_eq!(rule.min_zoom(Some("residential")), 13);
        assert_eq!(rule.min_zoom(Some("a_new_class")), 14);
        assert_eq!(rule.min_zoom(None), 14);
        assert_eq!(LayerId::Streets.schema().field_index(rule.field), Some(2));
        for class in crate::model::StreetClass::ALL {
            assert!(
                rule.min_zoom_by_value
                    .iter()
                    .any(|(value, _)| *value == class.as_str()),
                "{class}"
            );
        }
        for (value, _) in rule.min_zoom_by_value {
            value.parse::<crate::model::StreetClass>().unwrap();
        }
    }

    #[test]
    fn parcels_on_offer_come_first() {
        let rule = layer_policy(LayerId::Parcels).zoom_by_value.unwrap();
        for availability in crate::model::Availability::ALL {
            let listed = rule
                .min_zoom_by_value
                .iter()
                .find(|(value, _)| *value == availability.as_str());
            let expected = if *availability == crate::model::Availability::NotOffered {
                14
            } else {
                13
            };
            assert_eq!(
                listed.map(|(_, zoom)| *zoom),
                Some(expected),
                "{availability}"
            );
        }
    }
}
