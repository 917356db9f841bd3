//! Property values to and from PostgreSQL: each [`FieldKind`] has one column
//! type (text, bigint, double precision, boolean, date).
//!
//! Values are always bound or copied in binary, never formatted into SQL.

use std::error::Error;

use bytes::BytesMut;
use chrono::NaiveDate;
use postgres_types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::Row;

use crate::model::{FieldKind, Value};

/// The column type of a field kind.
pub(crate) fn sql_type(kind: FieldKind) -> Type {
    match kind {
        FieldKind::Text => Type::TEXT,
        FieldKind::Integer => Type::INT8,
        FieldKind::Real => Type::FLOAT8,
        FieldKind::Boolean => Type::BOOL,
        FieldKind::Date => Type::DATE,
    }
}

/// The SQL spelling of a field kind's column type.
pub(crate) fn sql_type_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::Integer => "bigint",
        FieldKind::Real => "double precision",
        FieldKind::Boolean => "boolean",
        FieldKind::Date => "date",
    }
}

/// A [`Value`] as a query parameter or a binary COPY cell; `Null` is SQL NULL.
/// A value whose kind does not match the column's type is an error, not a cast.
#[derive(Debug)]
pub(crate) struct SqlValue<'a>(pub &'a Value);

impl ToSql for SqlValue<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        let fits = match self.0.kind() {
            None => return Ok(IsNull::Yes),
            Some(kind) => sql_type(kind) == *ty,
        };
        if !fits {
            return Err(format!("a {:?} value does not fit a {ty} column", self.0).into());
        }
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Text(text) => text.as_str().to_sql(ty, out),
            Value::Integer(number) => number.to_sql(ty, out),
            Value::Real(number) => number.to_sql(ty, out),
            Value::Boolean(flag) => flag.to_sql(ty, out),
            Value::Date(date) => date.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [Type::TEXT, Type::INT8, Type::FLOAT8, Type::BOOL, Type::DATE].contains(ty)
    }

    to_sql_checked!();
}

/// Read column `index` of `row` as a value of `kind`; SQL NULL is `Null`.
pub(crate) fn read_value(
    row: &Row,
    index: usize,
    kind: FieldKind,
) -> Result<Value, tokio_postgres::Error> {
    Ok(match kind {
        FieldKind::Text => row.try_get::<_, Option<String>>(index)?.map(Value::Text),
        FieldKind::Integer => row.try_get::<_, Option<i64>>(index)?.map(Value::Integer),
        FieldKind::Real => row.try_get::<_, Option<f64>>(index)?.map(Value::Real),
        FieldKind::Boolean => row.try_get::<_, Option<bool>>(index)?.map(Value::Boolean),
        FieldKind::Date => row.try_get::<_, Option<NaiveDate>>(index)?.map(Value::Date),
    }
    .unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(value: &Value, ty: &Type) -> Result<Option<Vec<u8>>, String> {
        let mut out = BytesMut::new();
        match SqlValue(value).to_sql_checked(ty, &mut out) {
            Ok(IsNull::Yes) => Ok(None),
            Ok(IsNull::No) => Ok(Some(out.to_vec())),
            Err(error) => Err(error.to_string()),
        }
    }

    #[test]
    fn each_kind_encodes_as_its_column_type() {
        let date = NaiveDate::from_ymd_opt(2000, 1, 2).unwrap();
        assert_eq!(
            encode(&Value::Text("Vennestraat".into()), &Type::TEXT)
                .unwrap()
                .unwrap(),
            b"Vennestraat"
        );
        assert_eq!(
            encode(&Value::Integer(7), &Type::INT8).unwrap().unwrap(),
            7i64.to_be_bytes()
        );
        assert_eq!(
            encode(&Value::Real(1.5), &Type::FLOAT8).unwrap().unwrap(),
            1.5f64.to_be_bytes()
        );
        assert_eq!(
            encode(&Value::Boolean(true), &Type::BOOL).unwrap().unwrap(),
            [1]
        );
        // dates count days from 2000-01-01
        assert_eq!(
            encode(&Value::Date(date), &Type::DATE).unwrap().unwrap(),
            1i32.to_be_bytes()
        );
        assert_eq!(encode(&Value::Null, &Type::DATE).unwrap(), None);
    }

    #[test]
    fn a_value_of_another_kind_is_refused_not_cast() {
        let error = encode(&Value::Integer(7), &Type::FLOAT8).unwrap_err();
        assert!(error.contains("does not fit"), "{error}");
        assert!(encode(&Value::Text("x".into()), &Type::INT4).is_err());
    }

    #[test]
    fn the_sql_types_agree() {
        for kind in [
            FieldKind::Text,
            FieldKind::Integer,
            FieldKind::Real,
            FieldKind::Boolean,
            FieldKind::Date,
        ] {
            let name = sql_type_name(kind);
            let expected = match sql_type(kind).name() {
                "int8" => "bigint",
                "float8" => "double precision",
                "bool" => "boolean",
                other => other,
            }
            .to_string();
            assert_eq!(name, expected);
        }
    }
}
