//! The MapLibre style (spec v8) that draws every layer of the schema, so the
//! front end needs no change when a layer is added.
//!
//! One vector source per layer (its TileJSON), a background, and per layer
//! fill + outline (polygons), a line (lines) or a circle (points; sized by
//! `point_count` where the tile holds clusters; the known places a white dot
//! in a ring of their colour, apart from the data's points). No glyphs, sprites or URLs
//! outside the atlas. Each style layer's `metadata` says which atlas layer it
//! draws, its Dutch and English titles, its legend colour and, for layers
//! coloured by a field, the legend entries.

use serde_json::{json, Value as Json};

use super::labels::{
    label_layer_name, label_rules, LabelRule, Placement, HALO_COLOR, HALO_WIDTH_PX,
};
use super::policy::layer_policy;
use super::tilejson::tile_fields;
use crate::model::{GeometryType, LayerId, LayerSchema, ALL_LAYERS};

/// The colour of the map's background (where no layer draws).
pub const BACKGROUND_COLOR: &str = "#f3f0e8";

/// One legend entry of a layer coloured by a field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegendEntry {
    pub value: &'static str,
    pub color: &'static str,
    pub title_nl: &'static str,
    pub title_en: &'static str,
}

const fn entry(
    value: &'static str,
    color: &'static str,
    title_nl: &'static str,
    title_en: &'static str,
) -> LegendEntry {
    LegendEntry {
        value,
        color,
        title_nl,
        title_en,
    }
}

/// How an atlas layer looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Appearance {
    /// The legend colour, and the colour of features no entry matches.
    pub color: &'static str,
    /// Lower ranks draw first (underneath).
    pub draw_rank: u8,
    pub fill_opacity: f64,
    /// Colour features by this field's value, with a legend entry per value.
    pub color_by: Option<(&'static str, &'static [LegendEntry])>,
    /// How points are drawn (ignored for lines and polygons).
    pub marker: Marker,
    /// Lines: times the street width at every zoom (a canal is wider).
    pub line_width_factor: f64,
}

/// How a point layer's features are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A dot of the layer's colour with a thin white edge: the data's points.
    Dot,
    /// A white dot in a ring of the layer's colour: a place to find one's way by.
    Ring,
}

impl Marker {
    fn as_str(self) -> &'static str {
        match self {
            Marker::Dot => "dot",
            Marker::Ring => "ring",
        }
    }
}

const UNIT_STATUSES: &[LegendEntry] = &[
    entry("occupied", "#2a9d8f", "In gebruik", "Occupied"),
    entry("vacant", "#d62839", "Leeg", "Vacant"),
    entry("renovation", "#f4a261", "In renovatie", "Under renovation"),
    entry(
        "non_commercial",
        "#8d99ae",
        "Niet-commercieel",
        "Non-commercial",
    ),
];

const AVAILABILITIES: &[LegendEntry] = &[
    entry("for_sale", "#2a9d8f", "Te koop", "For sale"),
    entry("for_lease", "#457b9d", "Te huur", "For lease"),
    entry("under_option", "#e9c46a", "In optie", "Under option"),
    entry("reserved", "#f4a261", "Gereserveerd", "Reserved"),
    entry("not_offered", "#d9cfb8", "Niet aangeboden", "Not offered"),
];

const STREET_CLASSES: &[LegendEntry] = &[
    entry("motorway", "#e09f3e", "Autosnelweg", "Motorway"),
    entry("motorway_link", "#e9b872", "Op- en afrit", "Motorway link"),
    entry("primary", "#c9a66b", "Hoofdweg", "Primary road"),
    entry("secondary", "#b8b0a2", "Secundaire weg", "Secondary road"),
    entry("residential", "#c4c4c4", "Woonstraat", "Residential street"),
    entry(
        "pedestrian",
        "#d4b5d8",
        "Voetgangersstraat",
        "Pedestrian street",
    ),
    entry("footway", "#d8d0c8", "Voetpad", "Footway"),
];

/// The look of each layer; a new layer gets a row here (the match is
/// exhaustive, so the compiler asks for it).
pub fn appearance(layer: LayerId) -> Appearance {
    let plain = |color, draw_rank, fill_opacity| Appearance {
        color,
        draw_rank,
        fill_opacity,
        color_by: None,
        marker: Marker::Dot,
        line_width_factor: 1.0,
    };
    match layer {
        LayerId::Neighbourhoods => plain("#7d8ba6", 0, 0.06),
        LayerId::BusinessParks => plain("#9c6fa3", 1, 0.16),
        LayerId::Parcels => Appearance {
            color_by: Some(("availability", AVAILABILITIES)),
            ..plain("#d9cfb8", 2, 0.45)
        },
        LayerId::ShoppingAreas => plain("#e76f51", 3, 0.18),
        // Above the area fills, under every other line and point.
        LayerId::Waterways => Appearance {
            line_width_factor: 2.5,
            ..plain("#3a86c8", 4, 0.0)
        },
        LayerId::Streets => Appearance {
            color_by: Some(("class", STREET_CLASSES)),
            ..plain("#b8b0a2", 5, 0.0)
        },
        LayerId::Residents => plain("#6d597a", 6, 0.0),
        LayerId::Companies => plain("#264653", 7, 0.0),
        LayerId::ShopUnits => Appearance {
            color_by: Some(("status", UNIT_STATUSES)),
            ..plain("#2a9d8f", 8, 0.0)
        },
        LayerId::AccessPoints => plain("#1d3557", 9, 0.0),
        LayerId::Places => Appearance {
            marker: Marker::Ring,
            ..plain("#9d174d", 10, 0.0)
        },
    }
}

/// A `match` expression on the colouring field, or the plain colour.
fn color_expression(look: &Appearance) -> Json {
    match look.color_by {
        None => json!(look.color),
        Some((field, entries)) => {
            let mut expression = vec![json!("match"), json!(["get", field])];
            for entry in entries {
                expression.push(json!(entry.value));
                expression.push(json!(entry.color));
            }
            expression.push(json!(look.color));
            Json::Array(expression)
        }
    }
}

fn metadata(schema: &LayerSchema, look: &Appearance, role: &str) -> Json {
    let legend: Vec<Json> = look
        .color_by
        .map(|(_, entries)| {
            entries
                .iter()
                .map(|e| json!({"value": e.value, "color": e.color, "title_nl": e.title_nl, "title_en": e.title_en}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "atlas:layer": schema.id,
        "atlas:role": role,
        "atlas:title_nl": schema.title_nl,
        "atlas:title_en": schema.title_en,
        "atlas:geometry_type": schema.geometry_type,
        "atlas:legend_color": look.color,
        "atlas:legend_field": look.color_by.map(|(field, _)| field),
        "atlas:legend": legend,
        "atlas:marker": (schema.geometry_type == GeometryType::Point).then(|| look.marker.as_str()),
        "atlas:fields": tile_fields(schema),
    })
}

/// The style layers that draw one atlas layer.
fn style_layers(schema: &LayerSchema) -> Vec<Json> {
    let look = appearance(schema.id);
    let policy = layer_policy(schema.id);
    let id = schema.id.as_str();
    let common = |suffix: &str, kind: &str, role: &str| {
        json!({
            "id": format!("{id}-{suffix}"),
            "type": kind,
            "source": id,
            "source-layer": id,
            "minzoom": policy.min_zoom,
            "metadata": metadata(schema, &look, role),
        })
    };
    let with = |mut layer: Json, paint: Json| {
        layer["paint"] = paint;
        layer
    };
    let color = color_expression(&look);
    match schema.geometry_type {
        GeometryType::Polygon | GeometryType::MultiPolygon => vec![
            with(
                common("fill", "fill", "fill"),
                json!({"fill-color": color, "fill-opacity": look.fill_opacity}),
            ),
            with(
                common("outline", "line", "outline"),
                json!({
                    "line-color": look.color,
                    "line-opacity": 0.8,
                    "line-width": ["interpolate", ["linear"], ["zoom"], 10, 0.5, 16, 1.5],
                }),
            ),
        ],
        GeometryType::LineString => vec![with(
            common("line", "line", "line"),
            json!({
                "line-color": color,
                "line-width": ["interpolate", ["exponential", 1.6], ["zoom"],
                    10, 0.6 * look.line_width_factor,
                    14, 2.0 * look.line_width_factor,
                    18, 10.0 * look.line_width_factor],
            }),
        )],
        GeometryType::Point => {
            // MapLibre allows `zoom` only at the top of an expression, so
            // the zoom stops hold the cluster-or-point choice.
            let cluster_radius = json!([
                "interpolate",
                ["linear"],
                ["sqrt", ["get", "point_count"]],
                1,
                2.5,
                10,
                9.0,
                40,
                18.0
            ]);
            let stops = [(12, 2.5), (16, 5.0), (19, 8.0)];
            let mut radius = vec![json!("interpolate"), json!(["linear"]), json!(["zoom"])];
            for (zoom, point_radius) in stops {
                radius.push(json!(zoom));
                radius.push(if policy.cluster_below_zoom.is_some() {
                    json!(["case", ["has", "point_count"], cluster_radius, point_radius])
                } else {
                    json!(point_radius)
                });
            }
            let radius = Json::Array(radius);
            let paint = match look.marker {
                Marker::Dot => json!({
                    "circle-color": color,
                    "circle-radius": radius,
                    "circle-opacity": 0.85,
                    "circle-stroke-color": "#ffffff",
                    "circle-stroke-width": 0.8,
                }),
                Marker::Ring => json!({
                    "circle-color": "#ffffff",
                    "circle-radius": ["interpolate", ["linear"], ["zoom"], 10, 3.0, 14, 4.5, 18, 6.0],
                    "circle-opacity": 0.95,
                    "circle-stroke-color": color,
                    "circle-stroke-width": 2.5,
                }),
            };
            let mut layers = vec![with(common("circle", "circle", "circle"), paint)];
            if let Some(below) = policy.cluster_below_zoom {
                let mut count = common("cluster-count", "symbol", "cluster_count");
                count["maxzoom"] = json!(below);
                // a count fits a circle from ten points up (radius 9 px)
                count["filter"] = json!([">=", ["get", "point_count"], MIN_COUNTED_CLUSTER]);
                count["layout"] = json!({
                    "text-field": ["to-string", ["get", "point_count"]],
                    "text-font": [crate::glyphs::BOLD],
                    "text-size": ["interpolate", ["linear"], ["sqrt", ["get", "point_count"]], 1, 9, 40, 13],
                    "text-allow-overlap": true,
                    "text-ignore-placement": true,
                });
                count["paint"] = json!({
                    "text-color": "#ffffff",
                    "text-halo-color": look.color,
                    "text-halo-width": 1.0,
                });
                layers.push(count);
            }
            layers
        }
    }
}

/// The smallest cluster whose circle shows its count.
pub const MIN_COUNTED_CLUSTER: i64 = 10;

/// The symbol layer of one label rule.
fn label_layer(schema: &LayerSchema, rule: &LabelRule) -> Json {
    let look = appearance(schema.id);
    let id = schema.id.as_str();
    let text = json!(["get", rule.field]);
    let mut layout = json!({
        "text-field": if rule.uppercase { json!(["upcase", text]) } else { text },
        "text-font": [rule.font],
        "text-size": ["interpolate", ["linear"], ["zoom"], rule.min_zoom, rule.size.0, 18, rule.size.1],
        "text-padding": 3,
        "text-max-width": 9,
    });
    let fields = layout.as_object_mut().expect("an object");
    match rule.placement {
        Placement::Line => {
            fields.insert("symbol-placement".into(), json!("line"));
            // one name per 400 px of a street at most, never upside down
            fields.insert("symbol-spacing".into(), json!(400));
            fields.insert("text-max-angle".into(), json!(30));
            fields.insert("text-keep-upright".into(), json!(true));
        }
        Placement::BesidePoint => {
            fields.insert("text-anchor".into(), json!("top"));
            fields.insert("text-offset".into(), json!([0, 0.7]));
            fields.insert("text-optional".into(), json!(true));
        }
        Placement::AreaPoint => {
            fields.insert(
                "text-letter-spacing".into(),
                json!(if rule.uppercase { 0.08 } else { 0.02 }),
            );
        }
    }
    let mut filter = vec![json!("all"), json!(["has", rule.field])];
    if let Some(classes) = rule.only_classes {
        filter.push(json!(["match", ["get", "class"], classes, true, false]));
    }
    if layer_policy(schema.id).cluster_below_zoom.is_some() {
        filter.push(json!(["!", ["has", "point_count"]]));
    }
    json!({
        "id": format!("{id}-label-{}", rule.name),
        "type": "symbol",
        "source": id,
        "source-layer": if rule.placement == Placement::AreaPoint { label_layer_name(schema.id) } else { id },
        "minzoom": rule.min_zoom.max(layer_policy(schema.id).min_zoom),
        "filter": Json::Array(filter),
        "layout": layout,
        "paint": {
            "text-color": rule.color,
            "text-halo-color": HALO_COLOR,
            "text-halo-width": HALO_WIDTH_PX,
            "text-halo-blur": 0.4,
        },
        "metadata": metadata(schema, &look, "label"),
    })
}

/// The order labels are placed in, first placed first (MapLibre places the
/// topmost symbol layer first): a place's or a district's name wins over a
/// street's, a street's over a shop's address.
const LABEL_PRIORITY: [LayerId; 9] = [
    LayerId::Places,
    LayerId::Neighbourhoods,
    LayerId::ShoppingAreas,
    LayerId::BusinessParks,
    LayerId::Streets,
    LayerId::AccessPoints,
    LayerId::Waterways,
    LayerId::ShopUnits,
    LayerId::Companies,
];

/// The whole style. `base_url` prefixes every URL (empty for paths);
/// `city` is the extent the map opens on (`Engine::city_extent`): its
/// centre is the style's `center` and its box `metadata["atlas:bounds"]`
/// (`[west, south, east, north]`), which the front end fits. Without data
/// the style opens on the whole world.
pub fn style(base_url: &str, city: Option<geo::Rect<f64>>) -> Json {
    let mut schemas: Vec<&LayerSchema> = ALL_LAYERS.to_vec();
    schemas.sort_by_key(|schema| appearance(schema.id).draw_rank);
    let mut sources = serde_json::Map::new();
    let mut layers = vec![json!({
        "id": "background",
        "type": "background",
        "paint": {"background-color": BACKGROUND_COLOR},
    })];
    for schema in schemas {
        sources.insert(
            schema.id.to_string(),
            json!({"type": "vector", "url": format!("{base_url}/tiles/{}.json", schema.id)}),
        );
        layers.extend(style_layers(schema));
    }
    // labels above every layer, the first placed on top
    for layer in LABEL_PRIORITY.iter().rev() {
        let schema = layer.schema();
        layers.extend(
            label_rules(*layer)
                .iter()
                .map(|rule| label_layer(schema, rule)),
        );
    }
    json!({
        "version": 8,
        "name": "Genk Atlas",
        "glyphs": format!("{base_url}/fonts/{{fontstack}}/{{range}}.pbf"),
        "metadata": {
            "atlas:languages": ["nl", "en"],
            "atlas:bounds": city.map(|city| [city.min().x, city.min().y, city.max().x, city.max().y]),
        },
        "center": city.map_or([0.0, 0.0], |city| [city.center().x, city.center().y]),
        "zoom": if city.is_some() { 12 } else { 1 },
        "sources": sources,
        "layers": layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Availability, StreetClass, UnitStatus};

    #[test]
    fn every_schema_layer_is_drawn_from_its_own_source() {
        let document = style("http://atlas.test", None);
        let layers = document["layers"].as_array().unwrap();
        assert_eq!(layers[0]["type"], "background");
        for schema in ALL_LAYERS {
            let id = schema.id.as_str();
            assert_eq!(
                document["sources"][id]["url"],
                format!("http://atlas.test/tiles/{id}.json")
            );
            let drawn: Vec<&Json> = layers
                .iter()
                .filter(|layer| layer["source"] == id)
                .collect();
            assert!(!drawn.is_empty(), "{id}");
            for layer in drawn {
                let area_label = layer["metadata"]["atlas:role"] == "label"
                    && layer["source-layer"] == label_layer_name(schema.id);
                assert!(layer["source-layer"] == id || area_label, "{}", layer["id"]);
                assert_eq!(layer["metadata"]["atlas:title_nl"], schema.title_nl);
            }
        }
    }

    #[test]
    fn waterways_lie_above_the_area_fills_and_under_every_other_layer() {
        let document = style("http://atlas.test", None);
        let sources: Vec<&str> = document["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|layer| layer["type"] != "symbol")
            .filter_map(|layer| layer["source"].as_str())
            .collect();
        let first = |id: &str| sources.iter().position(|source| *source == id).unwrap();
        let last = |id: &str| sources.iter().rposition(|source| *source == id).unwrap();
        for below in [
            "neighbourhoods",
            "business_parks",
            "parcels",
            "shopping_areas",
        ] {
            assert!(last(below) < first("waterways"), "{below}");
        }
        for above in [
            "streets",
            "residents",
            "companies",
            "shop_units",
            "access_points",
            "places",
        ] {
            assert!(last("waterways") < first(above), "{above}");
        }
    }

    #[test]
    fn places_are_rings_apart_from_the_data_points() {
        let document = style("http://atlas.test", None);
        let layers = document["layers"].as_array().unwrap();
        let drawn = |id: &str| layers.iter().find(|layer| layer["source"] == id).unwrap();
        let places = drawn("places");
        assert_eq!(places["metadata"]["atlas:marker"], "ring");
        assert_eq!(places["paint"]["circle-color"], "#ffffff");
        assert_eq!(
            places["paint"]["circle-stroke-color"],
            appearance(LayerId::Places).color
        );
        for points in ["access_points", "companies", "shop_units"] {
            assert_eq!(drawn(points)["metadata"]["atlas:marker"], "dot", "{points}");
        }
        assert_eq!(drawn("waterways")["metadata"]["atlas:marker"], Json::Null);
        assert_eq!(drawn("waterways")["paint"]["line-color"], "#3a86c8");
    }

    #[test]
    fn nothing_points_outside_the_atlas() {
        let document = style("http://atlas.test", None);
        assert_eq!(
            document["glyphs"],
            "http://atlas.test/fonts/{fontstack}/{range}.pbf"
        );
        let text = document.to_string();
        assert!(!text.contains("sprite"));
        let n_urls = text.matches("://").count();
        assert_eq!(n_urls, text.matches("http://atlas.test/").count());
        assert!(!text.contains("occupant") && !text.contains("contact"));
    }

    #[test]
    fn every_label_rule_is_a_symbol_layer_above_every_drawn_layer() {
        let document = style("", None);
        let layers = document["layers"].as_array().unwrap();
        let first_label = layers
            .iter()
            .position(|layer| layer["metadata"]["atlas:role"] == "label")
            .unwrap();
        assert!(layers[first_label..]
            .iter()
            .all(|layer| layer["type"] == "symbol"));
        let mut expected = 0;
        for schema in ALL_LAYERS {
            for rule in label_rules(schema.id) {
                expected += 1;
                let id = format!("{}-label-{}", schema.id, rule.name);
                let layer = layers
                    .iter()
                    .find(|layer| layer["id"] == id.as_str())
                    .unwrap_or_else(|| panic!("{id}"));
                assert_eq!(layer["source"], schema.id.as_str());
                let text = layer["layout"]["text-field"].to_string();
                assert!(
                    text.contains(&format!("\"{}\"", rule.field)),
                    "{id}: {text}"
                );
                for font in layer["layout"]["text-font"].as_array().unwrap() {
                    assert!(
                        crate::glyphs::font_names().contains(&font.as_str().unwrap()),
                        "{id}"
                    );
                }
            }
        }
        assert_eq!(layers[first_label..].len(), expected);
        // places are placed first: the topmost symbol layer
        assert_eq!(layers.last().unwrap()["source"], "places");
    }

    #[test]
    fn legend_values_are_values_of_their_fields() {
        for entry in UNIT_STATUSES {
            entry.value.parse::<UnitStatus>().unwrap();
        }
        for entry in AVAILABILITIES {
            entry.value.parse::<Availability>().unwrap();
        }
        for entry in STREET_CLASSES {
            entry.value.parse::<StreetClass>().unwrap();
        }
        assert_eq!(UNIT_STATUSES.len(), UnitStatus::ALL.len());
        assert_eq!(AVAILABILITIES.len(), Availability::ALL.len());
        assert_eq!(STREET_CLASSES.len(), StreetClass::ALL.len());
    }
}
