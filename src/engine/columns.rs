//! A layer's values one field at a time, packed for scans that read one
//! field of every feature (a CQL2 filter without a box): numbers in one
//! `f64` array, text as codes into its sorted distinct words, so a scan
//! touches a few bytes a feature instead of each feature's heap values.
//!
//! A column is built from the features on first use and kept with the
//! layer's index, which is immutable (an edit makes a new index).

use chrono::Datelike;

use crate::model::{Feature, Value};

/// The code of a missing text value.
pub const NULL_CODE: u32 = u32::MAX;
/// A missing date.
pub const NULL_DAY: i32 = i32::MIN;

/// One field of every feature, in layer order.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Codes into `words`, which are sorted and distinct, so code order is
    /// text order (by code point); [`NULL_CODE`] where the value is missing.
    Text { codes: Vec<u32>, words: Vec<String> },
    /// Integers and reals as `f64` (as the filters compare them), NaN where
    /// the value is missing.
    Number(Vec<f64>),
    /// Days from the common era, [`NULL_DAY`] where missing.
    Date(Vec<i32>),
    /// `Some(flag)`, `None` where missing.
    Boolean(Vec<Option<bool>>),
    /// Values of more than one kind, or reals that are not numbers: read
    /// from the features themselves.
    Mixed,
}

/// Which kind of column the values of a field make.
#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Text,
    Number,
    Date,
    Boolean,
}

fn kind_of(value: &Value) -> Option<Kind> {
    match value {
        Value::Null => None,
        Value::Text(_) => Some(Kind::Text),
        Value::Integer(_) => Some(Kind::Number),
        Value::Real(_) => Some(Kind::Number),
        Value::Boolean(_) => Some(Kind::Boolean),
        Value::Date(_) => Some(Kind::Date),
    }
}

/// The value of the field at `position`, missing if the feature has none.
fn value_at(feature: &Feature, position: usize) -> &Value {
    feature.values.get(position).unwrap_or(&Value::Null)
}

impl Column {
    /// The column of the field at `position` over `features`.
    pub fn build(features: &[Feature], position: usize) -> Column {
        let mut kind = None;
        for feature in features {
            let value = value_at(feature, position);
            // a NaN would read as missing here but is not
            if matches!(value, Value::Real(real) if real.is_nan()) {
                return Column::Mixed;
            }
            match (kind, kind_of(value)) {
                (_, None) => {}
                (None, found) => kind = found,
                (Some(held), Some(found)) if held != found => return Column::Mixed,
                _ => {}
            }
        }
        match kind {
            // all missing: any kind reads them as missing
            None | Some(Kind::Number) => Column::Number(
                features
                    .iter()
                    .map(|feature| match value_at(feature, position) {
                        Value::Integer(i) => *i as f64,
                        Value::Real(r) => *r,
                        _ => f64::NAN,
                    })
                    .collect(),
            ),
            Some(Kind::Text) => {
                let mut words: Vec<&str> = features
                    .iter()
                    .filter_map(|feature| match value_at(feature, position) {
                        Value::Text(text) => Some(text.as_str()),
                        _ => None,
                    })
                    .collect();
                words.sort_unstable();
                words.dedup();
                let codes = features
                    .iter()
                    .map(|feature| match value_at(feature, position) {
                        Value::Text(text) => words
                            .binary_search(&text.as_str())
                            .expect("a word of the column")
                            as u32,
                        _ => NULL_CODE,
                    })
                    .collect();
                Column::Text {
                    codes,
                    words: words.into_iter().map(str::to_string).collect(),
                }
            }
            Some(Kind::Date) => Column::Date(
                features
                    .iter()
                    .map(|feature| match value_at(feature, position) {
                        Value::Date(date) => date.num_days_from_ce(),
                        _ => NULL_DAY,
                    })
                    .collect(),
            ),
            Some(Kind::Boolean) => Column::Boolean(
                features
                    .iter()
                    .map(|feature| match value_at(feature, position) {
                        Value::Boolean(flag) => Some(*flag),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    }

    /// Whether row `row` is missing (`None` for a mixed column).
    pub fn is_null(&self, row: usize) -> Option<bool> {
        Some(match self {
            Column::Text { codes, .. } => codes[row] == NULL_CODE,
            Column::Number(numbers) => numbers[row].is_nan(),
            Column::Date(days) => days[row] == NULL_DAY,
            Column::Boolean(flags) => flags[row].is_none(),
            Column::Mixed => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use geo::point;

    fn features(values: Vec<Value>) -> Vec<Feature> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, value)| Feature {
                id: i.to_string(),
                geometry: point!(x: 5.5, y: 51.0).into(),
                values: vec![value],
            })
            .collect()
    }

    #[test]
    fn text_codes_follow_the_order_of_the_words() {
        let texts = ["winkel", "café", "", "Winkel", "winkel"];
        let mut values: Vec<Value> = texts.iter().map(|t| Value::Text(t.to_string())).collect();
        values.push(Value::Null);
        let Column::Text { codes, words } = Column::build(&features(values), 0) else {
            panic!("a text column")
        };
        assert_eq!(words, ["", "Winkel", "café", "winkel"]);
        assert_eq!(codes, [3, 2, 0, 1, 3, NULL_CODE]);
    }

    #[test]
    fn integers_and_reals_share_a_number_column_and_nulls_are_missing() {
        let column = Column::build(
            &features(vec![Value::Integer(3), Value::Real(2.5), Value::Null]),
            0,
        );
        let Column::Number(numbers) = &column else {
            panic!("a number column")
        };
        assert_eq!(&numbers[..2], &[3.0, 2.5]);
        assert_eq!(
            (0..3).map(|row| column.is_null(row)).collect::<Vec<_>>(),
            [Some(false), Some(false), Some(true)]
        );
    }

    #[test]
    fn mixed_kinds_and_nan_are_left_to_the_features() {
        assert_eq!(
            Column::build(
                &features(vec![Value::Integer(3), Value::Text("3".into())]),
                0
            ),
            Column::Mixed
        );
        assert_eq!(
            Column::build(&features(vec![Value::Real(f64::NAN)]), 0),
            Column::Mixed
        );
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        assert_eq!(
            Column::build(&features(vec![Value::Date(day), Value::Null]), 0),
            Column::Date(vec![day.num_days_from_ce(), NULL_DAY])
        );
        assert_eq!(Column::build(&features(vec![]), 0), Column::Number(vec![]));
    }
}
