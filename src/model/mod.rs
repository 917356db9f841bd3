//! The atlas's data model: layers, their schema, features and shop-unit history.
//!
//! Pure: no IO, no clock. Geometry here is always EPSG:4326 with
//! x = longitude and y = latitude.

pub mod access;
pub mod feature;
pub mod geojson;
pub mod history;
pub mod layers;
pub mod provenance;
pub mod saved_search;
pub mod schema;
pub mod unit_edit;
pub mod value;
pub mod wkb;

use std::collections::BTreeMap;

pub use feature::Feature;
pub use history::UnitEvent;
pub use layers::*;
pub use schema::{FieldDef, FieldRule, GeometryType, LayerId, LayerSchema, ALL_LAYERS};
pub use value::{FieldKind, Value};

/// What is wrong with a record, naming the field or the geometry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("field '{field}': {reason}")]
    Field { field: String, reason: String },
    #[error("geometry: {0}")]
    Geometry(String),
}

/// A whole city: every layer as typed records, and the shop-unit history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub neighbourhoods: Vec<Neighbourhood>,
    pub residents: Vec<Resident>,
    pub parcels: Vec<Parcel>,
    pub business_parks: Vec<BusinessPark>,
    pub shop_units: Vec<ShopUnit>,
    pub shopping_areas: Vec<ShoppingArea>,
    pub streets: Vec<Street>,
    pub companies: Vec<Company>,
    pub access_points: Vec<AccessPoint>,
    pub places: Vec<Place>,
    pub waterways: Vec<Waterway>,
    pub unit_events: Vec<UnitEvent>,
}

fn to_features<T: LayerRecord>(records: &[T]) -> Vec<Feature> {
    records.iter().map(LayerRecord::to_feature).collect()
}

/// Convert features to records; the error names the feature's position and id.
fn from_features<T: LayerRecord>(
    features: &[Feature],
) -> Result<Vec<T>, (usize, String, ModelError)> {
    features
        .iter()
        .enumerate()
        .map(|(index, feature)| {
            T::from_feature(feature).map_err(|error| (index, feature.id.clone(), error))
        })
        .collect()
}

impl Dataset {
    /// One layer as generic features.
    pub fn features(&self, layer: LayerId) -> Vec<Feature> {
        match layer {
            LayerId::Neighbourhoods => to_features(&self.neighbourhoods),
            LayerId::Residents => to_features(&self.residents),
            LayerId::Parcels => to_features(&self.parcels),
            LayerId::BusinessParks => to_features(&self.business_parks),
            LayerId::ShopUnits => to_features(&self.shop_units),
            LayerId::ShoppingAreas => to_features(&self.shopping_areas),
            LayerId::Streets => to_features(&self.streets),
            LayerId::Companies => to_features(&self.companies),
            LayerId::AccessPoints => to_features(&self.access_points),
            LayerId::Places => to_features(&self.places),
            LayerId::Waterways => to_features(&self.waterways),
        }
    }

    /// Replace one layer with these features, checking each; on error the
    /// dataset is unchanged and the error gives (feature index, id, reason).
    pub fn set_features(
        &mut self,
        layer: LayerId,
        features: &[Feature],
    ) -> Result<(), (usize, String, ModelError)> {
        match layer {
            LayerId::Neighbourhoods => self.neighbourhoods = from_features(features)?,
            LayerId::Residents => self.residents = from_features(features)?,
            LayerId::Parcels => self.parcels = from_features(features)?,
            LayerId::BusinessParks => self.business_parks = from_features(features)?,
            LayerId::ShopUnits => self.shop_units = from_features(features)?,
            LayerId::ShoppingAreas => self.shopping_areas = from_features(features)?,
            LayerId::Streets => self.streets = from_features(features)?,
            LayerId::Companies => self.companies = from_features(features)?,
            LayerId::AccessPoints => self.access_points = from_features(features)?,
            LayerId::Places => self.places = from_features(features)?,
            LayerId::Waterways => self.waterways = from_features(features)?,
        }
        Ok(())
    }

    /// The number of features in each layer.
    pub fn counts(&self) -> BTreeMap<LayerId, usize> {
        let counts = [
            self.neighbourhoods.len(),
            self.residents.len(),
            self.parcels.len(),
            self.business_parks.len(),
            self.shop_units.len(),
            self.shopping_areas.len(),
            self.streets.len(),
            self.companies.len(),
            self.access_points.len(),
            self.places.len(),
            self.waterways.len(),
        ];
        LayerId::ALL.iter().copied().zip(counts).collect()
    }
}

/// Whether a feature, as another writer may have left it in a store, is one
/// the atlas can use in `layer`: the schema's geometry type and fields, a
/// typed record of the layer, and a valid geometry (OGC simple features:
/// closed rings, no self-intersection). The reason says what is wrong.
pub fn check_feature(layer: LayerId, feature: &Feature) -> Result<(), String> {
    use geo::algorithm::Validation;
    feature
        .validate(layer.schema())
        .map_err(|error| error.to_string())?;
    fn typed<T: LayerRecord>(feature: &Feature) -> Result<(), ModelError> {
        T::from_feature(feature).map(|_| ())
    }
    match layer {
        LayerId::Neighbourhoods => typed::<Neighbourhood>(feature),
        LayerId::Residents => typed::<Resident>(feature),
        LayerId::Parcels => typed::<Parcel>(feature),
        LayerId::BusinessParks => typed::<BusinessPark>(feature),
        LayerId::ShopUnits => typed::<ShopUnit>(feature),
        LayerId::ShoppingAreas => typed::<ShoppingArea>(feature),
        LayerId::Streets => typed::<Street>(feature),
        LayerId::Companies => typed::<Company>(feature),
        LayerId::AccessPoints => typed::<AccessPoint>(feature),
        LayerId::Places => typed::<Place>(feature),
        LayerId::Waterways => typed::<Waterway>(feature),
    }
    .map_err(|error| error.to_string())?;
    feature
        .geometry
        .check_validation()
        .map_err(|error| format!("invalid geometry: {error}"))
}
