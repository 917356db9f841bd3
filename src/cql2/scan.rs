//! A checked filter applied to every feature of a layer at once, one
//! field's column at a time (`engine::columns`): each comparison of a field
//! with a literal becomes two bit sets (the rows where it is true, where
//! it is false; unknown is neither), which `AND`, `OR` and `NOT` combine
//! with SQL's three-valued logic. What has no column form (`LIKE`, a
//! spatial test, two fields compared, a mixed column) is read feature by
//! feature with [`Filter::eval`], which is the meaning this must keep.

use std::cmp::Ordering;

use super::bind::{Filter, Operand};
use super::CompareOp;
use crate::engine::columns::{Column, NULL_CODE, NULL_DAY};
use crate::model::{Feature, Value};
use chrono::Datelike;

/// A three-valued answer for every row: `yes` and `no` bits, unknown where
/// neither is set.
struct Truth {
    yes: Vec<u64>,
    no: Vec<u64>,
}

impl Truth {
    fn from_fn(rows: usize, answer: impl Fn(usize) -> Option<bool>) -> Truth {
        let words = rows.div_ceil(64);
        let (mut yes, mut no) = (vec![0u64; words], vec![0u64; words]);
        for row in 0..rows {
            match answer(row) {
                Some(true) => yes[row / 64] |= 1 << (row % 64),
                Some(false) => no[row / 64] |= 1 << (row % 64),
                None => {}
            }
        }
        Truth { yes, no }
    }

    fn constant(rows: usize, value: bool) -> Truth {
        Truth::from_fn(rows, |_| Some(value))
    }

    /// False if either is false, true if both are true.
    fn and(mut self, other: Truth) -> Truth {
        for (word, (yes, no)) in other.yes.iter().zip(&other.no).enumerate() {
            self.yes[word] &= yes;
            self.no[word] |= no;
        }
        self
    }

    /// True if either is true, false if both are false.
    fn or(mut self, other: Truth) -> Truth {
        for (word, (yes, no)) in other.yes.iter().zip(&other.no).enumerate() {
            self.yes[word] |= yes;
            self.no[word] &= no;
        }
        self
    }

    fn not(self) -> Truth {
        Truth {
            yes: self.no,
            no: self.yes,
        }
    }

    /// The rows that are true, in order.
    fn rows(&self) -> Vec<usize> {
        let mut rows = Vec::new();
        for (word, bits) in self.yes.iter().enumerate() {
            let mut bits = *bits;
            while bits != 0 {
                rows.push(word * 64 + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
        rows
    }
}

/// The positions of the features `filter` selects, in order: the same as
/// `filter.selects(feature)` for each, read through `column` where it can.
pub fn scan<'a>(
    filter: &Filter,
    features: &[Feature],
    column: &dyn Fn(usize) -> Option<&'a Column>,
) -> Vec<usize> {
    truth(filter, features, column).rows()
}

fn truth<'a>(
    filter: &Filter,
    features: &[Feature],
    column: &dyn Fn(usize) -> Option<&'a Column>,
) -> Truth {
    let rows = features.len();
    let part = |filter: &Filter| truth(filter, features, column);
    let compare =
        |position: usize, op: CompareOp, literal: &Value| compare(column(position)?, op, literal);
    let by_columns = match filter {
        Filter::Constant(value) => Some(Truth::constant(rows, *value)),
        Filter::And(parts) => Some(
            parts
                .iter()
                .map(part)
                .reduce(Truth::and)
                .unwrap_or_else(|| Truth::constant(rows, true)),
        ),
        Filter::Or(parts) => Some(
            parts
                .iter()
                .map(part)
                .reduce(Truth::or)
                .unwrap_or_else(|| Truth::constant(rows, false)),
        ),
        Filter::Not(inner) => Some(part(inner).not()),
        Filter::Compare(op, Operand::Field(position), Operand::Value(literal)) => {
            compare(*position, *op, literal)
        }
        Filter::Compare(op, Operand::Value(literal), Operand::Field(position)) => {
            compare(*position, op.flipped(), literal)
        }
        Filter::Between(Operand::Field(position), Operand::Value(low), Operand::Value(high)) => {
            let above = compare(*position, CompareOp::Ge, low);
            above
                .zip(compare(*position, CompareOp::Le, high))
                .map(|(above, below)| above.and(below))
        }
        Filter::In(Operand::Field(position), list) => list
            .iter()
            .map(|item| match item {
                Operand::Value(literal) => compare(*position, CompareOp::Eq, literal),
                Operand::Field(_) => None,
            })
            .collect::<Option<Vec<Truth>>>()
            .map(|parts| {
                parts
                    .into_iter()
                    .reduce(Truth::or)
                    .unwrap_or_else(|| Truth::constant(rows, false))
            }),
        Filter::IsNull(Operand::Field(position)) => column(*position)
            .filter(|column| **column != Column::Mixed)
            .map(|column| Truth::from_fn(rows, |row| column.is_null(row))),
        _ => None,
    };
    by_columns.unwrap_or_else(|| Truth::from_fn(rows, |row| filter.eval(&features[row])))
}

/// `value op literal` for every row of `column`, unknown where the value is
/// missing or of another class than the literal; `None` for a mixed column.
fn compare(column: &Column, op: CompareOp, literal: &Value) -> Option<Truth> {
    let holds = |order: Option<Ordering>| order.map(|order| op.holds(order));
    Some(match (column, literal) {
        (Column::Mixed, _) => return None,
        (Column::Text { codes, words }, Value::Text(text)) => {
            let by_code: Vec<bool> = words
                .iter()
                .map(|word| op.holds(word.as_str().cmp(text)))
                .collect();
            Truth::from_fn(codes.len(), |row| match codes[row] {
                NULL_CODE => None,
                code => Some(by_code[code as usize]),
            })
        }
        (Column::Number(numbers), Value::Integer(_) | Value::Real(_)) => {
            let literal = match literal {
                Value::Integer(i) => *i as f64,
                Value::Real(r) => *r,
                _ => unreachable!("a number"),
            };
            Truth::from_fn(numbers.len(), |row| {
                holds(numbers[row].partial_cmp(&literal))
            })
        }
        (Column::Date(days), Value::Date(date)) => {
            let literal = date.num_days_from_ce();
            Truth::from_fn(days.len(), |row| match days[row] {
                NULL_DAY => None,
                day => holds(Some(day.cmp(&literal))),
            })
        }
        (Column::Boolean(flags), Value::Boolean(literal)) => Truth::from_fn(flags.len(), |row| {
            holds(flags[row].map(|flag| flag.cmp(literal)))
        }),
        // another class, or a missing literal: unknown everywhere
        (column, _) => Truth::from_fn(length(column), |_| None),
    })
}

fn length(column: &Column) -> usize {
    match column {
        Column::Text { codes, .. } => codes.len(),
        Column::Number(numbers) => numbers.len(),
        Column::Date(days) => days.len(),
        Column::Boolean(flags) => flags.len(),
        Column::Mixed => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::super::bind::PatternPart;
    use super::*;
    use chrono::NaiveDate;
    use geo::{point, Rect};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Four fields: text, number (integers and reals), date, boolean, each
    /// sometimes missing; a fifth that mixes kinds.
    fn features(rng: &mut ChaCha8Rng, count: usize) -> Vec<Feature> {
        let words = ["", "a", "ab", "b", "café", "Zone", "zone"];
        (0..count)
            .map(|i| {
                let missing = |rng: &mut ChaCha8Rng| rng.random_bool(0.15);
                let text = if missing(rng) {
                    Value::Null
                } else {
                    Value::Text(words[rng.random_range(0..words.len())].into())
                };
                let number = match rng.random_range(0..3) {
                    _ if missing(rng) => Value::Null,
                    0 => Value::Integer(rng.random_range(-3..4)),
                    _ => Value::Real(rng.random_range(-3..4) as f64 / 2.0),
                };
                let date = if missing(rng) {
                    Value::Null
                } else {
                    Value::Date(
                        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
                            + chrono::Days::new(rng.random_range(0..5)),
                    )
                };
                let flag = if missing(rng) {
                    Value::Null
                } else {
                    Value::Boolean(rng.random_bool(0.5))
                };
                let mixed = if rng.random_bool(0.5) {
                    Value::Integer(1)
                } else {
                    Value::Text("1".into())
                };
                let geometry =
                    point!(x: rng.random_range(0.0..1.0), y: rng.random_range(0.0..1.0)).into();
                Feature {
                    id: i.to_string(),
                    geometry,
                    values: vec![text, number, date, flag, mixed],
                }
            })
            .collect()
    }

    fn literal(rng: &mut ChaCha8Rng) -> Value {
        match rng.random_range(0..7) {
            0 => Value::Text(
                ["", "a", "abc", "b", "café", "zone", "zzz"][rng.random_range(0..7)].into(),
            ),
            1 => Value::Integer(rng.random_range(-3..4)),
            2 => Value::Real(rng.random_range(-7..8) as f64 / 2.0),
            3 => Value::Date(
                NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
                    + chrono::Days::new(rng.random_range(0..5)),
            ),
            4 => Value::Boolean(rng.random_bool(0.5)),
            5 => Value::Null,
            _ => Value::Real(f64::NAN),
        }
    }

    fn operand(rng: &mut ChaCha8Rng) -> Operand {
        if rng.random_bool(0.8) {
            Operand::Field(rng.random_range(0..6)) // 5 is past the last field
        } else {
            Operand::Value(literal(rng))
        }
    }

    fn filter(rng: &mut ChaCha8Rng, depth: usize) -> Filter {
        let ops = [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Lt,
            CompareOp::Le,
            CompareOp::Gt,
            CompareOp::Ge,
        ];
        let leaf = depth == 0 || rng.random_bool(0.4);
        match rng.random_range(0..if leaf { 7 } else { 10 }) {
            0 => Filter::Compare(
                ops[rng.random_range(0..6)],
                Operand::Field(rng.random_range(0..6)),
                Operand::Value(literal(rng)),
            ),
            1 => Filter::Compare(ops[rng.random_range(0..6)], operand(rng), operand(rng)),
            2 => Filter::Between(
                operand(rng),
                Operand::Value(literal(rng)),
                Operand::Value(literal(rng)),
            ),
            3 => Filter::In(
                operand(rng),
                (0..rng.random_range(0..4)).map(|_| operand(rng)).collect(),
            ),
            4 => Filter::IsNull(operand(rng)),
            5 => Filter::Like(
                operand(rng),
                vec![PatternPart::Char('a'), PatternPart::AnyRun],
            ),
            6 => Filter::Intersects(Rect::new((0.2, 0.2), (0.6, 0.7)).into()),
            7 => Filter::Not(Box::new(filter(rng, depth - 1))),
            8 => Filter::And(
                (0..rng.random_range(0..4))
                    .map(|_| filter(rng, depth - 1))
                    .collect(),
            ),
            _ => Filter::Or(
                (0..rng.random_range(0..4))
                    .map(|_| filter(rng, depth - 1))
                    .collect(),
            ),
        }
    }

    #[test]
    fn a_scan_selects_what_the_filter_selects_feature_by_feature() {
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        // 130 rows: two whole words of bits and a part of one
        let features = features(&mut rng, 130);
        let columns: Vec<Column> = (0..5)
            .map(|position| Column::build(&features, position))
            .collect();
        assert_eq!(
            columns[4],
            Column::Mixed,
            "the fifth field is the mixed one"
        );
        let column = |position: usize| columns.get(position);
        let mut selecting = 0;
        for round in 0..3000 {
            let filter = filter(&mut rng, 3);
            let expected: Vec<usize> = (0..features.len())
                .filter(|row| filter.selects(&features[*row]))
                .collect();
            assert_eq!(
                scan(&filter, &features, &column),
                expected,
                "round {round}: {filter:?}"
            );
            selecting += usize::from(!expected.is_empty() && expected.len() < features.len());
        }
        assert!(
            selecting > 600,
            "a fifth of the filters or more select some rows but not all ({selecting})"
        );
    }

    #[test]
    fn three_valued_logic_by_hand() {
        let day = |d| Value::Date(NaiveDate::from_ymd_opt(2025, 1, d).unwrap());
        let rows = [
            vec![Value::Text("b".into()), Value::Integer(2), day(1)],
            vec![Value::Null, Value::Null, Value::Null],
            vec![Value::Text("a".into()), Value::Real(0.5), day(3)],
        ];
        let features: Vec<Feature> = rows
            .into_iter()
            .enumerate()
            .map(|(i, values)| Feature {
                id: i.to_string(),
                geometry: point!(x: 0.0, y: 0.0).into(),
                values,
            })
            .collect();
        let columns: Vec<Column> = (0..3)
            .map(|position| Column::build(&features, position))
            .collect();
        let column = |position: usize| columns.get(position);
        let field = Operand::Field;
        let text = |t: &str| Operand::Value(Value::Text(t.into()));
        let below_b = Filter::Compare(CompareOp::Lt, field(0), text("b"));
        assert_eq!(scan(&below_b, &features, &column), [2]);
        // NOT of unknown is unknown: the missing row stays out
        assert_eq!(
            scan(&Filter::Not(Box::new(below_b.clone())), &features, &column),
            [0]
        );
        // unknown OR true is true
        let or = Filter::Or(vec![below_b.clone(), Filter::IsNull(field(1))]);
        assert_eq!(scan(&or, &features, &column), [1, 2]);
        // 1 > x reads as x < 1
        let flipped = Filter::Compare(CompareOp::Gt, Operand::Value(Value::Integer(1)), field(1));
        assert_eq!(scan(&flipped, &features, &column), [2]);
        let days = Filter::Between(field(2), Operand::Value(day(2)), Operand::Value(day(3)));
        assert_eq!(scan(&days, &features, &column), [2]);
        let listed = Filter::In(field(0), vec![text("a"), text("c")]);
        assert_eq!(scan(&listed, &features, &column), [2]);
        // a text literal against a number column: unknown everywhere
        assert!(scan(
            &Filter::Compare(CompareOp::Ne, field(1), text("2")),
            &features,
            &column
        )
        .is_empty());
    }
}
