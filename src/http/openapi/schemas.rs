//! Schema pieces the route docs share, and the document's `components`: the
//! error shape, GeoJSON geometries, and each layer's feature and properties
//! generated from the layer catalogue (`model/schema.rs`), so a new field
//! is documented by declaring it. Confidential fields are described (marked
//! `x-confidential`, with the roles that see them), never filled with data.

use serde_json::{json, Map, Value};

use crate::model::access::Role;
use crate::model::layers::{
    AreaKind, Availability, OwnerKind, ParkKind, PlaceKind, ShopCategory, ShopKind, UnitStatus,
    WaterwayKind, Zoning,
};
use crate::model::schema::{FieldDef, GeometryType, LayerSchema};
use crate::model::value::FieldKind;
use crate::model::{LayerId, ALL_LAYERS};

/// `{"$ref": "#/components/schemas/NAME"}`.
pub fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// A `YYYY-MM-DD` date.
pub fn date() -> Value {
    json!({"type": "string", "format": "date"})
}

/// A date that may be `null`.
pub fn nullable_date() -> Value {
    json!({"type": "string", "format": "date", "nullable": true})
}

/// A whole number of at least 0.
pub fn count() -> Value {
    json!({"type": "integer", "minimum": 0})
}

/// A fraction from 0 to 1, `null` where undefined.
pub fn nullable_fraction() -> Value {
    json!({"type": "number", "minimum": 0, "maximum": 1, "nullable": true})
}

/// A number that may be `null`.
pub fn nullable_number() -> Value {
    json!({"type": "number", "nullable": true})
}

/// Text that may be `null`.
pub fn nullable_text() -> Value {
    json!({"type": "string", "nullable": true})
}

/// One of `values`.
pub fn one_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Value {
    json!({"type": "string", "enum": values.into_iter().collect::<Vec<_>>()})
}

/// The layer ids.
pub fn layer_id() -> Value {
    one_of(LayerId::ALL.iter().map(|layer| layer.as_str()))
}

/// An object with exactly these properties, of which `required` must be there.
pub fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties, "additionalProperties": false})
}

/// An array of `items`.
pub fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

/// A GeoJSON FeatureCollection of `feature`, with `extra` members beside
/// `features` (all required).
pub fn feature_collection(feature: Value, extra: &[(&str, Value)]) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "type".into(),
        json!({"type": "string", "enum": ["FeatureCollection"]}),
    );
    properties.insert("features".into(), array(feature));
    let mut required = vec!["type", "features"];
    for (name, schema) in extra {
        properties.insert((*name).into(), schema.clone());
        required.push(name);
    }
    object(&required, Value::Object(properties))
}

/// A GeoJSON Feature with `geometry` and `properties` schemas; `id` a string.
pub fn feature(geometry: Value, properties: Value, with_id: bool) -> Value {
    let mut required = vec!["type", "geometry", "properties"];
    if with_id {
        required.push("id");
    }
    object(
        &required,
        json!({
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": geometry,
            "properties": properties,
        }),
    )
}

/// The roles that see a layer's confidential fields, from the role table.
pub fn confidential_roles(layer: LayerId) -> Vec<&'static str> {
    Role::ACCOUNT_ROLES
        .into_iter()
        .filter(|role| role.may_see_confidential(layer))
        .map(Role::as_str)
        .collect()
}

/// The values a text field takes, where the model fixes them.
fn field_values(layer: LayerId, name: &str) -> Option<Vec<&'static str>> {
    fn all<T: Copy>(values: &[T], as_str: fn(T) -> &'static str) -> Option<Vec<&'static str>> {
        Some(values.iter().map(|value| as_str(*value)).collect())
    }
    match (layer, name) {
        (LayerId::Parcels, "zoning") => all(Zoning::ALL, Zoning::as_str),
        (LayerId::Parcels, "owner_kind") => all(OwnerKind::ALL, OwnerKind::as_str),
        (LayerId::Parcels, "availability") => all(Availability::ALL, Availability::as_str),
        (LayerId::BusinessParks, "kind") => all(ParkKind::ALL, ParkKind::as_str),
        (LayerId::ShopUnits, "category") => all(ShopCategory::ALL, ShopCategory::as_str),
        (LayerId::ShopUnits, "kind") => all(ShopKind::ALL, ShopKind::as_str),
        (LayerId::ShopUnits, "status") => all(UnitStatus::ALL, UnitStatus::as_str),
        (LayerId::ShoppingAreas, "kind") => all(AreaKind::ALL, AreaKind::as_str),
        (LayerId::Places, "kind") => all(PlaceKind::ALL, PlaceKind::as_str),
        (LayerId::Waterways, "kind") => all(WaterwayKind::ALL, WaterwayKind::as_str),
        _ => None,
    }
}

fn field_schema(layer: LayerId, field: &FieldDef) -> Value {
    let mut schema = match field.kind {
        FieldKind::Text => json!({"type": "string"}),
        FieldKind::Integer => json!({"type": "integer"}),
        FieldKind::Real => json!({"type": "number"}),
        FieldKind::Boolean => json!({"type": "boolean"}),
        FieldKind::Date => date(),
    };
    if let Some(mut values) = field_values(layer, field.name) {
        if !field.required {
            // OpenAPI 3.0: a nullable enum lists null among its values
            schema["enum"] = json!(values
                .drain(..)
                .map(Value::from)
                .chain([Value::Null])
                .collect::<Vec<_>>());
        } else {
            schema["enum"] = json!(values);
        }
    }
    if !field.required {
        schema["nullable"] = json!(true);
    }
    let mut description = format!("{} ({})", field.title_en, field.title_nl);
    if field.confidential {
        description.push_str(&format!(
            ". Confidential: present only for the roles {}; absent for everyone else",
            confidential_roles(layer).join(", ")
        ));
        schema["x-confidential"] = json!(true);
    }
    schema["description"] = json!(description);
    schema
}

/// A layer's properties: every field by its kind; the required public ones
/// required; confidential ones optional (absent for the public).
pub fn layer_properties(schema: &LayerSchema) -> Value {
    let properties: Map<String, Value> = schema
        .fields
        .iter()
        .map(|field| (field.name.to_string(), field_schema(schema.id, field)))
        .collect();
    let required: Vec<&str> = schema
        .fields
        .iter()
        .filter(|field| field.required && !field.confidential)
        .map(|field| field.name)
        .collect();
    object(&required, Value::Object(properties))
}

/// The name of a geometry type's schema.
fn geometry_name(geometry_type: GeometryType) -> &'static str {
    match geometry_type {
        GeometryType::Point => "Point",
        GeometryType::LineString => "LineString",
        GeometryType::Polygon => "Polygon",
        GeometryType::MultiPolygon => "MultiPolygon",
    }
}

/// The schema name of a layer's GeoJSON feature.
pub fn layer_feature_name(layer: LayerId) -> String {
    format!("{layer}.feature")
}

/// A feature of any layer.
pub fn any_layer_feature() -> Value {
    json!({"anyOf": LayerId::ALL.iter().map(|layer| reference(&layer_feature_name(*layer))).collect::<Vec<_>>()})
}

/// GeoJSON geometries, x = longitude, y = latitude (EPSG:4326).
fn geometries() -> Vec<(String, Value)> {
    let position =
        json!({"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3});
    let line = json!({"type": "array", "items": position, "minItems": 2});
    let ring = json!({"type": "array", "items": position, "minItems": 4});
    let polygon = json!({"type": "array", "items": ring});
    let shape = |name: &str, coordinates: Value| {
        object(
            &["type", "coordinates"],
            json!({"type": {"type": "string", "enum": [name]}, "coordinates": coordinates}),
        )
    };
    vec![
        ("Point".into(), shape("Point", position.clone())),
        ("LineString".into(), shape("LineString", line)),
        ("Polygon".into(), shape("Polygon", polygon.clone())),
        ("MultiPolygon".into(), shape("MultiPolygon", array(polygon))),
        (
            "Geometry".into(),
            json!({"anyOf": (["Point", "LineString", "Polygon", "MultiPolygon"].map(reference))}),
        ),
    ]
}

/// Every shared schema, for `components/schemas`.
pub fn components() -> Map<String, Value> {
    let mut schemas = Map::new();
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {"type": "string", "description": "what is wrong, in words"},
                "detail": {"type": "object", "description": "for bad input `parameter` names the parameter or body field (`add[2].lon`); more by error: `refused` for an upload, `version` for a conflict, `limit` and `retry_after_s` for a lock"},
            },
            "additionalProperties": false,
        }),
    );
    for (name, schema) in geometries() {
        schemas.insert(name, schema);
    }
    for layer_schema in ALL_LAYERS {
        let layer = layer_schema.id;
        let properties_name = format!("{layer}.properties");
        schemas.insert(properties_name.clone(), layer_properties(layer_schema));
        schemas.insert(
            layer_feature_name(layer),
            feature(
                reference(geometry_name(layer_schema.geometry_type)),
                reference(&properties_name),
                true,
            ),
        );
    }
    schemas
}
