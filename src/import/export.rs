//! Export one layer to a GIS file through GDAL: GeoPackage, GeoJSON, CSV
//! (geometry as a `WKT` column) or FlatGeobuf, in EPSG:4326 or a CRS of
//! choice (reprojected with GDAL, traditional GIS order).
//!
//! Each feature becomes a row with its `id` and the layer's fields; the
//! confidential fields (occupant, contact) are left out unless the caller asks
//! for them. The `atlas` CLI is an operator's tool, run by whoever holds the
//! store, so it may ask; the HTTP export (later, with roles) will decide by role.
//! Booleans are written as integers 0/1, dates as dates. In a CSV a text
//! cell that a spreadsheet would run as a formula (`=HYPERLINK(...)`,
//! `@SUM(...)`, a leading `+` or `-`) starts with `'`, as in the vacancy
//! register (`model::value::spreadsheet_safe`). Blocking GDAL work.

use std::path::{Path, PathBuf};

use gdal::spatial_ref::CoordTransform;
use gdal::vector::{
    FieldDefn, FieldValue as GdalValue, LayerAccess, LayerOptions, OGRFieldType,
    OGRwkbGeometryType, ToGdal,
};
use gdal::DriverManager;

use super::reproject::{epsg, wgs84};
use super::{parse_epsg, ImportError};
use crate::model::{Feature, FieldKind, GeometryType, LayerId, Value};

/// The file formats `atlas export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    GeoPackage,
    GeoJson,
    Csv,
    FlatGeobuf,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "gpkg" | "geopackage" => Ok(ExportFormat::GeoPackage),
            "geojson" | "json" => Ok(ExportFormat::GeoJson),
            "csv" => Ok(ExportFormat::Csv),
            "fgb" | "flatgeobuf" => Ok(ExportFormat::FlatGeobuf),
            other => Err(format!(
                "unknown format '{other}' (expected gpkg, geojson, csv or fgb)"
            )),
        }
    }
}

impl ExportFormat {
    fn driver(self) -> &'static str {
        match self {
            ExportFormat::GeoPackage => "GPKG",
            ExportFormat::GeoJson => "GeoJSON",
            ExportFormat::Csv => "CSV",
            ExportFormat::FlatGeobuf => "FlatGeobuf",
        }
    }
}

/// What to export, where, how.
#[derive(Debug, Clone)]
pub struct ExportParams {
    pub layer: LayerId,
    pub format: ExportFormat,
    pub out: PathBuf,
    /// `EPSG:N`; EPSG:4326 when `None`.
    pub crs: Option<String>,
    pub include_confidential: bool,
}

fn gdal_error(context: &str) -> impl Fn(gdal::errors::GdalError) -> ImportError + '_ {
    move |source| ImportError::Gdal {
        context: context.to_string(),
        source,
    }
}

/// Write `features` (of `params.layer`) to `params.out`; returns the number written.
pub fn export_features(params: &ExportParams, features: &[Feature]) -> Result<usize, ImportError> {
    if params.out.exists() {
        return Err(ImportError::Io {
            path: params.out.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the file exists already",
            ),
        });
    }
    let schema = params.layer.schema();
    let target = match &params.crs {
        Some(text) => epsg(parse_epsg(text)?)?,
        None => wgs84()?,
    };
    let transform = match &params.crs {
        Some(text) if parse_epsg(text)? != 4326 => {
            Some(CoordTransform::new(&wgs84()?, &target).map_err(|error| {
                ImportError::Transform {
                    from: "EPSG:4326".into(),
                    reason: error.to_string(),
                }
            })?)
        }
        _ => None,
    };
    let fields: Vec<(usize, &crate::model::FieldDef)> = schema
        .fields
        .iter()
        .enumerate()
        .filter(|(_, field)| params.include_confidential || !field.confidential)
        .collect();

    let driver = DriverManager::get_driver_by_name(params.format.driver())
        .map_err(gdal_error("finding the driver"))?;
    let mut dataset =
        driver
            .create_vector_only(&params.out)
            .map_err(|source| ImportError::Gdal {
                context: format!("creating {}", params.out.display()),
                source,
            })?;
    let geometry_type = match schema.geometry_type {
        GeometryType::Point => OGRwkbGeometryType::wkbPoint,
        GeometryType::LineString => OGRwkbGeometryType::wkbLineString,
        GeometryType::Polygon => OGRwkbGeometryType::wkbPolygon,
        GeometryType::MultiPolygon => OGRwkbGeometryType::wkbMultiPolygon,
    };
    let layer_options: &[&str] = match params.format {
        ExportFormat::Csv => &["GEOMETRY=AS_WKT"],
        _ => &[],
    };
    if params.format == ExportFormat::GeoPackage {
        let mut transaction = dataset
            .start_transaction()
            .map_err(gdal_error("starting a transaction"))?;
        write_rows(
            &mut transaction,
            params,
            features,
            &fields,
            &target,
            transform.as_ref(),
            geometry_type,
            layer_options,
        )?;
        transaction.commit().map_err(gdal_error("committing"))?;
    } else {
        write_rows(
            &mut dataset,
            params,
            features,
            &fields,
            &target,
            transform.as_ref(),
            geometry_type,
            layer_options,
        )?;
        dataset.flush_cache().map_err(gdal_error("flushing"))?;
    }
    Ok(features.len())
}

/// Create the layer and its fields in `dataset` and write every feature.
#[allow(clippy::too_many_arguments)]
fn write_rows(
    dataset: &mut gdal::Dataset,
    params: &ExportParams,
    features: &[Feature],
    fields: &[(usize, &crate::model::FieldDef)],
    target: &gdal::spatial_ref::SpatialRef,
    transform: Option<&CoordTransform>,
    geometry_type: OGRwkbGeometryType::Type,
    layer_options: &[&str],
) -> Result<(), ImportError> {
    let layer = dataset
        .create_layer(LayerOptions {
            name: params.layer.as_str(),
            srs: Some(target),
            ty: geometry_type,
            options: Some(layer_options),
        })
        .map_err(gdal_error("creating the layer"))?;
    FieldDefn::new("id", OGRFieldType::OFTString)
        .and_then(|defn| defn.add_to_layer(&layer))
        .map_err(gdal_error("creating the id field"))?;
    for (_, field) in fields {
        let kind = match field.kind {
            FieldKind::Text => OGRFieldType::OFTString,
            FieldKind::Integer | FieldKind::Boolean => OGRFieldType::OFTInteger64,
            FieldKind::Real => OGRFieldType::OFTReal,
            FieldKind::Date => OGRFieldType::OFTDate,
        };
        FieldDefn::new(field.name, kind)
            .and_then(|defn| defn.add_to_layer(&layer))
            .map_err(|source| ImportError::Gdal {
                context: format!("creating field {}", field.name),
                source,
            })?;
    }
    let defn = layer.defn();
    // a CSV is opened in spreadsheets: no text cell may be a formula there
    let text_cell = |text: &str| match params.format {
        ExportFormat::Csv => crate::model::value::spreadsheet_safe(text).into_owned(),
        _ => text.to_string(),
    };
    for feature in features {
        let mut row = gdal::vector::Feature::new(defn).map_err(gdal_error("creating a feature"))?;
        row.set_field_string(0, &text_cell(&feature.id))
            .map_err(gdal_error("setting the id"))?;
        for (column, (index, _)) in fields.iter().enumerate() {
            let value = match &feature.values[*index] {
                Value::Null => None,
                Value::Text(text) => Some(GdalValue::StringValue(text_cell(text))),
                Value::Integer(number) => Some(GdalValue::Integer64Value(*number)),
                Value::Real(number) => Some(GdalValue::RealValue(*number)),
                Value::Boolean(flag) => Some(GdalValue::Integer64Value(i64::from(*flag))),
                Value::Date(date) => Some(GdalValue::DateValue(*date)),
            };
            match value {
                Some(value) => row.set_field(column + 1, &value),
                None => row.set_field_null(column + 1),
            }
            .map_err(gdal_error("setting a field"))?;
        }
        let mut geometry = feature
            .geometry
            .to_gdal()
            .map_err(gdal_error("converting a geometry"))?;
        if let Some(transform) = transform {
            geometry
                .transform_inplace(transform)
                .map_err(gdal_error("reprojecting a geometry"))?;
        }
        row.set_geometry(geometry)
            .map_err(gdal_error("setting a geometry"))?;
        row.create(&layer).map_err(|source| ImportError::Gdal {
            context: format!("writing feature '{}'", feature.id),
            source,
        })?;
    }
    Ok(())
}

/// Remove a half-written export (called when `export_features` fails).
pub fn remove_partial(out: &Path) {
    let _ = std::fs::remove_file(out);
}
