//! Typed property values and the conversions between them and Rust field types.
//!
//! A [`Value`] is what a store cell or a JSON property holds; [`FieldValue`] turns
//! the typed fields of the layer structs into values and back, naming the field
//! when a value has the wrong type.

use chrono::NaiveDate;
use serde::Serialize;

use super::ModelError;

/// The type of a layer field, as stored (SQL column type) and served (JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Integer,
    Real,
    Boolean,
    /// A calendar date, ISO 8601 `YYYY-MM-DD` in JSON and in text stores.
    Date,
}

/// Text as a spreadsheet will not run it: a cell that starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return is a formula to Excel and LibreOffice
/// (`=HYPERLINK(...)`, `@SUM(...)`), so it gets a leading `'`, which makes
/// it plain text there. The one rule for every CSV the atlas writes.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// One property value; `Null` for an absent optional value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Integer(i64),
    Real(f64),
    Boolean(bool),
    Date(NaiveDate),
}

/// As JSON: text, a number (`null` for a real that is not finite), a
/// boolean, a `YYYY-MM-DD` date, or `null`.
impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_none(),
            Value::Text(text) => serializer.serialize_str(text),
            Value::Integer(number) => serializer.serialize_i64(*number),
            Value::Real(number) if number.is_finite() => serializer.serialize_f64(*number),
            Value::Real(_) => serializer.serialize_none(),
            Value::Boolean(flag) => serializer.serialize_bool(*flag),
            Value::Date(date) => serializer.collect_str(&date.format("%Y-%m-%d")),
        }
    }
}

impl Value {
    /// The kind of this value, or `None` for `Null`.
    pub fn kind(&self) -> Option<FieldKind> {
        match self {
            Value::Null => None,
            Value::Text(_) => Some(FieldKind::Text),
            Value::Integer(_) => Some(FieldKind::Integer),
            Value::Real(_) => Some(FieldKind::Real),
            Value::Boolean(_) => Some(FieldKind::Boolean),
            Value::Date(_) => Some(FieldKind::Date),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as JSON (dates as ISO strings).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a value serializes")
    }

    /// Parse a JSON value as a value of `kind`, or say why it cannot be one.
    pub fn from_json(json: &serde_json::Value, kind: FieldKind) -> Result<Value, String> {
        use serde_json::Value as J;
        Ok(match (json, kind) {
            (J::Null, _) => Value::Null,
            (J::String(text), FieldKind::Text) => Value::Text(text.clone()),
            (J::String(text), FieldKind::Date) => Value::Date(
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| format!("'{text}' is not a date (YYYY-MM-DD)"))?,
            ),
            (J::Number(number), FieldKind::Integer) => Value::Integer(
                number
                    .as_i64()
                    .ok_or_else(|| format!("{number} is not a whole number"))?,
            ),
            (J::Number(number), FieldKind::Real) => Value::Real(
                number
                    .as_f64()
                    .ok_or_else(|| format!("{number} is not a number"))?,
            ),
            (J::Bool(flag), FieldKind::Boolean) => Value::Boolean(*flag),
            (other, kind) => {
                return Err(format!("expected {kind:?} but got {other}").to_lowercase())
            }
        })
    }
}

/// A Rust type that a layer field can have.
pub trait FieldValue: Sized {
    fn to_value(&self) -> Value;
    /// Read from a value; `field` names the field in the error.
    fn from_value(value: &Value, field: &str) -> Result<Self, ModelError>;
}

fn wrong_type(field: &str, expected: &str, value: &Value) -> ModelError {
    ModelError::Field {
        field: field.to_string(),
        reason: format!("expected {expected}, got {value:?}"),
    }
}

impl FieldValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
    fn from_value(value: &Value, field: &str) -> Result<Self, ModelError> {
        match value {
            Value::Text(text) => Ok(text.clone()),
            other => Err(wrong_type(field, "text", other)),
        }
    }
}

impl FieldValue for i64 {
    fn to_value(&self) -> Value {
        Value::Integer(*self)
    }
    fn from_value(value: &Value, field: &str) -> Result<Self, ModelError> {
        match value {
            Value::Integer(number) => Ok(*number),
            other => Err(wrong_type(field, "an integer", other)),
        }
    }
}

impl FieldValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
    fn from_value(value: &Value, field: &str) -> Result<Self, ModelError> {
        match value {
            Value::Real(number) => Ok(*number),
            Value::Integer(number) => Ok(*number as f64),
            other => Err(wrong_type(field, "a number", other)),
        }
    }
}

impl FieldValue for bool {
    fn to_value(&self) -> Value {
        Value::Boolean(*self)
    }
    fn from_value(value: &Value, field: &str) -> Result<Self, ModelError> {
        match value {
            Value::Boolean(flag) => Ok(*flag),
            other => Err(wrong_type(field, "a boolean", other)),
        }
    }
}

impl FieldValue for NaiveDate {
    fn to_value(&self) -> Value {
        Value::Date(*self)
    }
    fn from_value(value: &Value, field: &str) -> Result<Self, ModelError> {
        match value {
            Value::Date(date) => Ok(*date),
            other => Err(wrong_type(field, "a date", other)),
        }
    }
}

impl<T: FieldValue> FieldValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(inner) => inner.to_value(),
            None => Value::Null,
        }
    }
    fn from_value(value: &Value, field: &str) -> Result<Self, ModelError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other, field).map(Some),
        }
    }
}

/// Defines a closed set of string values (a zoning, a status, ...) with its
/// snake_case spelling, parsing, the list of all values, and `FieldValue`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} '{}' (expected one of: {})",
                        stringify!($name).to_lowercase(),
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl $crate::model::value::FieldValue for $name {
            fn to_value(&self) -> $crate::model::value::Value {
                $crate::model::value::Value::Text(self.as_str().to_string())
            }
            fn from_value(value: &$crate::model::value::Value, field: &str) -> Result<Self, $crate::model::ModelError> {
                match value {
                    $crate::model::value::Value::Text(text) => text.parse().map_err(|reason| {
                        $crate::model::ModelError::Field { field: field.to_string(), reason }
                    }),
                    other => Err($crate::model::ModelError::Field {
                        field: field.to_string(),
                        reason: format!("expected text, got {other:?}"),
                    }),
                }
            }
        }
    };
}
pub(crate) use string_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_every_kind() {
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let cases = [
            (Value::Text("Vennestraat 12".into()), FieldKind::Text),
            (Value::Integer(-3), FieldKind::Integer),
            (Value::Real(12.5), FieldKind::Real),
            (Value::Boolean(true), FieldKind::Boolean),
            (Value::Date(date), FieldKind::Date),
            (Value::Null, FieldKind::Text),
        ];
        for (value, kind) in cases {
            assert_eq!(Value::from_json(&value.to_json(), kind).unwrap(), value);
        }
    }

    #[test]
    fn json_of_the_wrong_type_is_refused() {
        assert!(Value::from_json(&serde_json::json!("12"), FieldKind::Integer).is_err());
        assert!(Value::from_json(&serde_json::json!("2024-02-30"), FieldKind::Date).is_err());
        assert!(Value::from_json(&serde_json::json!(1.5), FieldKind::Integer).is_err());
    }

    #[test]
    fn option_reads_null_as_none() {
        assert_eq!(Option::<i64>::from_value(&Value::Null, "x").unwrap(), None);
        assert_eq!(
            Option::<i64>::from_value(&Value::Integer(4), "x").unwrap(),
            Some(4)
        );
        assert!(i64::from_value(&Value::Null, "x").is_err());
    }
}
