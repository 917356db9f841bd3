//! TileJSON 3.0.0 for one layer: where its tiles are, its zooms and bounds,
//! its public fields with their types (never a confidential field), and the
//! credit its data sources ask for (`attribution`, HTML in Dutch, with the
//! sources' names in `atlas:sources`; see `model::provenance`).
//!
//! Bounds are EPSG:4326 degrees `[west, south, east, north]`; `center` is
//! `[longitude, latitude, zoom]`. Field types follow the usual vector-tile
//! convention: "String" (text and ISO dates), "Number", "Boolean".

use geo::Rect;
use serde_json::{json, Map, Value as Json};

use super::labels::{area_label, label_layer_name};
use super::policy::layer_policy;
use crate::model::provenance::{attribution_html, DataSource};
use crate::model::{FieldKind, LayerId, LayerSchema};

/// The URL template of a layer's tiles under `base_url` (e.g.
/// `http://localhost:8080`, or empty for a path).
pub fn tiles_url(base_url: &str, layer: LayerId) -> String {
    format!("{base_url}/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt")
}

fn type_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text | FieldKind::Date => "String",
        FieldKind::Integer | FieldKind::Real => "Number",
        FieldKind::Boolean => "Boolean",
    }
}

/// The fields a layer's tiles may carry, name → type: `id`, the public
/// fields, and for clustered layers `cluster` and `point_count`.
pub fn tile_fields(schema: &LayerSchema) -> Map<String, Json> {
    let mut fields = Map::new();
    fields.insert("id".into(), json!("String"));
    for (_, field) in schema.public_fields() {
        fields.insert(field.name.into(), json!(type_name(field.kind)));
    }
    if layer_policy(schema.id).cluster_below_zoom.is_some() {
        fields.insert("cluster".into(), json!("Boolean"));
        fields.insert("point_count".into(), json!("Number"));
    }
    fields
}

/// The TileJSON document of a layer whose features span `extent` (`None`
/// when the layer is empty: the whole Mercator world) and come from
/// `sources`.
pub fn tilejson(
    layer: LayerId,
    extent: Option<Rect<f64>>,
    sources: &[DataSource],
    base_url: &str,
) -> Json {
    let schema = layer.schema();
    let policy = layer_policy(layer);
    let bounds = match extent {
        Some(rect) => [rect.min().x, rect.min().y, rect.max().x, rect.max().y],
        None => [-180.0, -85.051_128_779_806_59, 180.0, 85.051_128_779_806_59],
    };
    let center_zoom = policy.min_zoom.max(12).min(policy.max_zoom);
    let mut document = json!({
        "tilejson": "3.0.0",
        "name": layer.as_str(),
        "description": format!("{} / {}", schema.title_nl, schema.title_en),
        "version": "1.0.0",
        "scheme": "xyz",
        "tiles": [tiles_url(base_url, layer)],
        "minzoom": policy.min_zoom,
        "maxzoom": policy.max_zoom,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0, center_zoom],
        "vector_layers": [{
            "id": layer.as_str(),
            "description": schema.title_nl,
            "minzoom": policy.min_zoom,
            "maxzoom": policy.max_zoom,
            "fields": tile_fields(schema),
        }],
        "atlas:title_nl": schema.title_nl,
        "atlas:title_en": schema.title_en,
        "atlas:clustered_below_zoom": policy.cluster_below_zoom,
        "atlas:sources": sources.iter().map(|source| source.as_str()).collect::<Vec<_>>(),
    });
    if let Some(rule) = area_label(layer) {
        let labels = json!({
            "id": label_layer_name(layer),
            "description": format!("{}: label points", schema.title_nl),
            "minzoom": policy.min_zoom,
            "maxzoom": policy.max_zoom,
            "fields": {"id": "String", rule.field: "String"},
        });
        document["vector_layers"]
            .as_array_mut()
            .expect("a list")
            .push(labels);
    }
    if let Some(attribution) = attribution_html(sources) {
        document["attribution"] = json!(attribution);
    }
    document
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ALL_LAYERS;
    use geo::coord;

    #[test]
    fn a_layer_document_has_the_required_keys_and_public_fields_only() {
        let extent = Rect::new(coord! { x: 5.40, y: 50.90 }, coord! { x: 5.60, y: 51.02 });
        let document = tilejson(LayerId::ShopUnits, Some(extent), &[], "http://atlas.test");
        assert_eq!(document["tilejson"], "3.0.0");
        assert_eq!(
            document["tiles"][0],
            "http://atlas.test/tiles/shop_units/{z}/{x}/{y}.mvt"
        );
        assert_eq!(document["bounds"], json!([5.40, 50.90, 5.60, 51.02]));
        assert_eq!(document["center"][2], 12);
        let fields = &document["vector_layers"][0]["fields"];
        assert_eq!(fields["floor_area_m2"], "Number");
        assert_eq!(fields["status_since"], "String");
        assert_eq!(fields["point_count"], "Number");
        assert!(fields.get("occupant").is_none());
        assert!(!document.to_string().contains("occupant"));
        assert!(document.get("attribution").is_none(), "nothing to credit");
        assert_eq!(document["atlas:sources"], json!([]));
    }

    #[test]
    fn the_attribution_credits_the_layers_sources() {
        let document = tilejson(
            LayerId::Neighbourhoods,
            None,
            &[DataSource::Wijken, DataSource::OpenStreetMap],
            "",
        );
        let attribution = document["attribution"].as_str().unwrap();
        assert!(attribution.contains("Wijken: © gemeentebesturen, verzameld door Data &amp; Analyse van de Vlaamse provincies, Modellicentie Gratis Hergebruik"));
        assert!(attribution.contains("© OpenStreetMap-bijdragers"));
        assert_eq!(
            document["atlas:sources"],
            json!(["wijken", "openstreetmap"])
        );
    }

    #[test]
    fn no_layer_lists_a_confidential_field() {
        for schema in ALL_LAYERS {
            let document = tilejson(schema.id, None, &[], "").to_string();
            for field in schema.fields.iter().filter(|field| field.confidential) {
                assert!(
                    !document.contains(&format!("\"{}\"", field.name)),
                    "{}",
                    field.name
                );
            }
        }
    }
}
