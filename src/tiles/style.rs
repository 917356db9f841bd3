//! The MapLibre style (spec v8) that draws every layer of the schema, so the
//! front end needs no change when a layer is added.
//!
//! One vector source per layer (its TileJSON), a background, and per layer
//! fill + outline (polygons), a line (lines) or a circle (points; sized by
//! `point_count` where the tile holds clusters). No glyphs, sprites or URLs
//! outside the atlas. Each style layer's `metadata` says which atlas layer it
//! draws, its Dutch and English titles, its legend colour and, for layers
//! coloured by a field, the legend entries.

use serde_json::{json, Value as Json};

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
    };
    match layer {
        LayerId::Neighbourhoods => plain("#7d8ba6", 0, 0.06),
        LayerId::BusinessParks => plain("#9c6fa3", 1, 0.16),
        LayerId::Parcels => Appearance {
            color_by: Some(("availability", AVAILABILITIES)),
            ..plain("#d9cfb8", 2, 0.45)
        },
        LayerId::ShoppingAreas => plain("#e76f51", 3, 0.18),
        LayerId::Streets => Appearance {
            color_by: Some(("class", STREET_CLASSES)),
            ..plain("#b8b0a2", 4, 0.0)
        },
        LayerId::Residents => plain("#6d597a", 5, 0.0),
        LayerId::Companies => plain("#264653", 6, 0.0),
        LayerId::ShopUnits => Appearance {
            color_by: Some(("status", UNIT_STATUSES)),
            ..plain("#2a9d8f", 7, 0.0)
        },
        LayerId::AccessPoints => plain("#1d3557", 8, 0.0),
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
                "line-width": ["interpolate", ["exponential", 1.6], ["zoom"], 10, 0.6, 14, 2.0, 18, 10.0],
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
            vec![with(
                common("circle", "circle", "circle"),
                json!({
                    "circle-color": color,
                    "circle-radius": radius,
                    "circle-opacity": 0.85,
                    "circle-stroke-color": "#ffffff",
                    "circle-stroke-width": 0.8,
                }),
            )]
        }
    }
}

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
    json!({
        "version": 8,
        "name": "Genk Atlas",
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
                assert_eq!(layer["source-layer"], id);
                assert_eq!(layer["metadata"]["atlas:title_nl"], schema.title_nl);
            }
        }
    }

    #[test]
    fn nothing_points_outside_the_atlas() {
        let text = style("http://atlas.test", None).to_string();
        assert!(!text.contains("glyphs") && !text.contains("sprite"));
        let n_urls = text.matches("://").count();
        assert_eq!(n_urls, text.matches("http://atlas.test/").count());
        assert!(!text.contains("occupant") && !text.contains("contact"));
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
