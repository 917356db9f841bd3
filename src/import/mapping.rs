//! Source fields onto a layer's schema fields.
//!
//! By default a schema field takes the source field of the same name (case
//! does not matter); `--map target=source` names another one, `--default
//! target=value` fills a field the source lacks or leaves empty. A mapping to
//! a target the layer does not have, or from a source field the file does not
//! have, is an error that names it. Values are converted to the field's kind
//! (a number in a text field becomes its digits, `"12"` in an integer field
//! becomes 12); what cannot be converted is a problem of that feature.

use chrono::NaiveDate;
use gdal::vector::FieldValue as GdalValue;

use super::ImportError;
use crate::model::{FieldKind, LayerSchema, Value};

/// The user's `--map` and `--default` options.
#[derive(Debug, Clone, Default)]
pub struct FieldMapping {
    /// (target schema field, source field)
    pub renames: Vec<(String, String)>,
    /// (target schema field, value as text)
    pub defaults: Vec<(String, String)>,
}

/// Split `target=source` (or `target=value`).
pub fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((target, source)) if !target.trim().is_empty() => {
            Ok((target.trim().to_string(), source.trim().to_string()))
        }
        _ => Err(format!("expected target=source, got '{text}'")),
    }
}

/// The position of a source field, matched without regard to case.
pub fn find_field(source_fields: &[String], name: &str) -> Option<usize> {
    source_fields
        .iter()
        .position(|field| field == name)
        .or_else(|| {
            source_fields
                .iter()
                .position(|field| field.eq_ignore_ascii_case(name))
        })
}

/// How one schema field gets its value.
#[derive(Debug, Clone)]
struct Column {
    name: &'static str,
    kind: FieldKind,
    source: Option<usize>,
    default: Value,
}

/// The mapping resolved against one source: one column per schema field.
#[derive(Debug, Clone)]
pub struct MappingPlan {
    columns: Vec<Column>,
}

impl FieldMapping {
    /// Resolve against a layer and the source's field names.
    pub fn plan(
        &self,
        schema: &LayerSchema,
        source_fields: &[String],
    ) -> Result<MappingPlan, ImportError> {
        let known = || {
            schema
                .fields
                .iter()
                .map(|field| field.name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (pairs, what) in [
            (&self.renames, "mapped"),
            (&self.defaults, "given a default"),
        ] {
            for (index, (target, second)) in pairs.iter().enumerate() {
                if let Some((_, first)) = pairs[..index].iter().find(|(other, _)| other == target) {
                    return Err(ImportError::Mapping(format!(
                        "'{target}' is {what} twice ('{first}' and '{second}'): say once where it comes from"
                    )));
                }
            }
        }
        for (target, _) in self.renames.iter().chain(&self.defaults) {
            if schema.field_index(target).is_none() {
                return Err(ImportError::Mapping(format!(
                    "the {} layer has no property '{target}' (it has: {})",
                    schema.id,
                    known()
                )));
            }
        }
        let mut columns = Vec::with_capacity(schema.fields.len());
        for field in schema.fields {
            let renamed = self
                .renames
                .iter()
                .rev()
                .find(|(target, _)| target == field.name);
            let source = match renamed {
                Some((_, source)) => Some(find_field(source_fields, source).ok_or_else(|| {
                    ImportError::Mapping(format!(
                        "--map {}={source}: the source has no field '{source}' (it has: {})",
                        field.name,
                        source_fields.join(", ")
                    ))
                })?),
                None => find_field(source_fields, field.name),
            };
            let default = match self
                .defaults
                .iter()
                .rev()
                .find(|(target, _)| target == field.name)
            {
                Some((_, text)) => convert(&GdalValue::StringValue(text.clone()), field.kind)
                    .map_err(|reason| {
                        ImportError::Mapping(format!("--default {}={text}: {reason}", field.name))
                    })?,
                None => Value::Null,
            };
            columns.push(Column {
                name: field.name,
                kind: field.kind,
                source,
                default,
            });
        }
        Ok(MappingPlan { columns })
    }
}

impl MappingPlan {
    /// The schema values of one source feature, or (field, reason).
    pub fn values(
        &self,
        feature: &gdal::vector::Feature<'_>,
    ) -> Result<Vec<Value>, (String, String)> {
        self.columns
            .iter()
            .map(|column| {
                let raw = match column.source {
                    Some(index) => feature.field(index).map_err(|error| {
                        (column.name.to_string(), format!("unreadable: {error}"))
                    })?,
                    None => None,
                };
                let value = match raw {
                    // text into text: move it, no copy (the common case)
                    Some(GdalValue::StringValue(text)) if column.kind == FieldKind::Text => {
                        Value::Text(text)
                    }
                    Some(raw) => convert(&raw, column.kind)
                        .map_err(|reason| (column.name.to_string(), reason))?,
                    None => Value::Null,
                };
                Ok(if value.is_null() {
                    column.default.clone()
                } else {
                    value
                })
            })
            .collect()
    }
}

/// A source field as text (for ids), `None` when unset.
pub fn text_of(feature: &gdal::vector::Feature<'_>, index: usize) -> Option<String> {
    match feature.field(index).ok()?? {
        GdalValue::StringValue(text) => Some(text),
        GdalValue::IntegerValue(number) => Some(number.to_string()),
        GdalValue::Integer64Value(number) => Some(number.to_string()),
        GdalValue::RealValue(number) => Some(format_real(number)),
        other => convert(&other, FieldKind::Text)
            .ok()
            .and_then(|value| match value {
                Value::Text(text) => Some(text),
                _ => None,
            }),
    }
}

/// A real as text, without a trailing `.0` for whole numbers.
fn format_real(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        number.to_string()
    }
}

/// Convert a GDAL value to a value of `kind`; empty text is null for
/// every kind but text.
pub fn convert(raw: &GdalValue, kind: FieldKind) -> Result<Value, String> {
    use GdalValue as G;
    let text_number = |text: &str| -> Result<f64, String> {
        text.trim()
            .replace(',', ".")
            .parse::<f64>()
            .map_err(|_| format!("'{text}' is not a number"))
    };
    Ok(match (raw, kind) {
        (G::StringValue(text), kind) if kind != FieldKind::Text && text.trim().is_empty() => {
            Value::Null
        }
        (G::StringValue(text), FieldKind::Text) => Value::Text(text.clone()),
        (G::IntegerValue(number), FieldKind::Text) => Value::Text(number.to_string()),
        (G::Integer64Value(number), FieldKind::Text) => Value::Text(number.to_string()),
        (G::RealValue(number), FieldKind::Text) => Value::Text(format_real(*number)),
        (G::DateValue(date), FieldKind::Text) => Value::Text(date.format("%Y-%m-%d").to_string()),
        (G::IntegerValue(number), FieldKind::Integer) => Value::Integer(i64::from(*number)),
        (G::Integer64Value(number), FieldKind::Integer) => Value::Integer(*number),
        (G::RealValue(number), FieldKind::Integer)
            if number.fract() == 0.0 && number.abs() < 9e15 =>
        {
            Value::Integer(*number as i64)
        }
        (G::StringValue(text), FieldKind::Integer) => Value::Integer(
            text.trim()
                .parse()
                .map_err(|_| format!("'{text}' is not a whole number"))?,
        ),
        (G::IntegerValue(number), FieldKind::Real) => Value::Real(f64::from(*number)),
        (G::Integer64Value(number), FieldKind::Real) => Value::Real(*number as f64),
        (G::RealValue(number), FieldKind::Real) => Value::Real(*number),
        (G::StringValue(text), FieldKind::Real) => Value::Real(text_number(text)?),
        (G::IntegerValue(number), FieldKind::Boolean) if (0..=1).contains(number) => {
            Value::Boolean(*number == 1)
        }
        (G::Integer64Value(number), FieldKind::Boolean) if (0..=1).contains(number) => {
            Value::Boolean(*number == 1)
        }
        (G::StringValue(text), FieldKind::Boolean) => {
            match text.trim().to_ascii_lowercase().as_str() {
                "true" | "t" | "yes" | "y" | "ja" | "1" => Value::Boolean(true),
                "false" | "f" | "no" | "n" | "nee" | "0" => Value::Boolean(false),
                _ => return Err(format!("'{text}' is not a boolean (true/false)")),
            }
        }
        (G::DateValue(date), FieldKind::Date) => Value::Date(*date),
        (G::DateTimeValue(moment), FieldKind::Date) => Value::Date(moment.date_naive()),
        (G::StringValue(text), FieldKind::Date) => Value::Date(
            NaiveDate::parse_from_str(text.trim().get(..10).unwrap_or(text.trim()), "%Y-%m-%d")
                .map_err(|_| format!("'{text}' is not a date (YYYY-MM-DD)"))?,
        ),
        (other, kind) => {
            return Err(format!("expected {kind:?}, got {other:?}").to_lowercase());
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LayerId;

    #[test]
    fn values_convert_to_the_field_kind() {
        let check = |raw: GdalValue, kind, expected: Value| {
            assert_eq!(convert(&raw, kind).unwrap(), expected)
        };
        check(
            GdalValue::IntegerValue(71016),
            FieldKind::Text,
            Value::Text("71016".into()),
        );
        check(
            GdalValue::RealValue(12.0),
            FieldKind::Integer,
            Value::Integer(12),
        );
        check(
            GdalValue::StringValue("12,5".into()),
            FieldKind::Real,
            Value::Real(12.5),
        );
        check(
            GdalValue::StringValue("nee".into()),
            FieldKind::Boolean,
            Value::Boolean(false),
        );
        check(
            GdalValue::StringValue("".into()),
            FieldKind::Integer,
            Value::Null,
        );
        assert!(convert(&GdalValue::StringValue("x".into()), FieldKind::Integer).is_err());
        assert!(convert(&GdalValue::RealValue(1.5), FieldKind::Integer).is_err());
    }

    #[test]
    fn a_mapping_to_an_unknown_property_names_it() {
        let mapping = FieldMapping {
            renames: vec![("inhabitants".into(), "naam".into())],
            defaults: vec![],
        };
        let error = mapping
            .plan(LayerId::Neighbourhoods.schema(), &["naam".into()])
            .unwrap_err()
            .to_string();
        assert!(error.contains("'inhabitants'"), "{error}");
    }

    #[test]
    fn fields_match_by_name_without_regard_to_case() {
        let fields = vec!["GEOITEM".to_string(), "naam".to_string()];
        assert_eq!(find_field(&fields, "geoitem"), Some(0));
        assert_eq!(find_field(&fields, "naam"), Some(1));
        assert_eq!(find_field(&fields, "code"), None);
    }
}
