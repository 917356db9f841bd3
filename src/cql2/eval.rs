//! A checked filter applied to a feature, with SQL's three-valued logic:
//! a comparison with a missing value is unknown (`None`), `NOT` of unknown
//! is unknown, `AND` is false if any part is false, `OR` true if any part
//! is true; a feature is selected only when the filter is `Some(true)`.
//! Text compares by code point (PostgreSQL's `COLLATE "C"`).

use std::cmp::Ordering;

use geo::{BoundingRect, Intersects, Rect};

use super::bind::{Filter, Operand, PatternPart};
use crate::model::{Feature, Value};

fn value<'a>(operand: &'a Operand, feature: &'a Feature) -> &'a Value {
    match operand {
        Operand::Field(position) => feature.values.get(*position).unwrap_or(&Value::Null),
        Operand::Value(value) => value,
    }
}

/// The order of two values of one class; `None` when either is missing.
fn order(a: &Value, b: &Value) -> Option<Ordering> {
    let number = |v: &Value| match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Real(r) => Some(*r),
        _ => None,
    };
    match (a, b) {
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Boolean(a), Value::Boolean(b)) => Some(a.cmp(b)),
        (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
        _ => number(a)?.partial_cmp(&number(b)?),
    }
}

/// Whether `text` matches the pattern, by dynamic programming over
/// (pattern prefix, text prefix).
fn like(text: &str, pattern: &[PatternPart]) -> bool {
    let text: Vec<char> = text.chars().collect();
    // matched[j]: the pattern so far matches text[..j]
    let mut matched = vec![false; text.len() + 1];
    matched[0] = true;
    for part in pattern {
        let mut next = vec![false; text.len() + 1];
        for j in 0..=text.len() {
            next[j] = match part {
                PatternPart::AnyRun => matched[j] || (j > 0 && next[j - 1]),
                PatternPart::AnyOne => j > 0 && matched[j - 1],
                PatternPart::Char(c) => j > 0 && matched[j - 1] && text[j - 1] == *c,
            };
        }
        matched = next;
    }
    matched[text.len()]
}

fn all(parts: &[Filter], feature: &Feature) -> Option<bool> {
    let mut unknown = false;
    for part in parts {
        match part.eval(feature) {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    (!unknown).then_some(true)
}

fn any(parts: &[Filter], feature: &Feature) -> Option<bool> {
    let mut unknown = false;
    for part in parts {
        match part.eval(feature) {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    (!unknown).then_some(false)
}

impl Filter {
    /// True, false, or unknown (a missing value decided it) for `feature`.
    pub fn eval(&self, feature: &Feature) -> Option<bool> {
        match self {
            Filter::Constant(value) => Some(*value),
            Filter::And(parts) => all(parts, feature),
            Filter::Or(parts) => any(parts, feature),
            Filter::Not(inner) => inner.eval(feature).map(|b| !b),
            Filter::Compare(op, a, b) => {
                order(value(a, feature), value(b, feature)).map(|o| op.holds(o))
            }
            Filter::Like(operand, pattern) => match value(operand, feature) {
                Value::Text(text) => Some(like(text, pattern)),
                _ => None,
            },
            Filter::Between(operand, low, high) => {
                let v = value(operand, feature);
                let above = order(v, value(low, feature)).map(|o| o != Ordering::Less);
                let below = order(v, value(high, feature)).map(|o| o != Ordering::Greater);
                match (above, below) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                }
            }
            Filter::In(operand, list) => {
                let v = value(operand, feature);
                let mut unknown = false;
                for item in list {
                    match order(v, value(item, feature)) {
                        Some(Ordering::Equal) => return Some(true),
                        None => unknown = true,
                        Some(_) => {}
                    }
                }
                (!unknown).then_some(false)
            }
            Filter::IsNull(operand) => Some(*value(operand, feature) == Value::Null),
            Filter::Intersects(geometry) => Some(feature.geometry.intersects(geometry)),
        }
    }

    /// Whether `feature` is selected.
    pub fn selects(&self, feature: &Feature) -> bool {
        self.eval(feature) == Some(true)
    }
}

fn union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
        geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
    )
}

/// A box every feature the filter selects meets, when the filter says so
/// (an `S_INTERSECTS` that every match must pass): for the R-tree.
pub fn envelope(filter: &Filter) -> Option<Rect<f64>> {
    match filter {
        Filter::Intersects(geometry) => geometry.bounding_rect(),
        // any one part's box holds for all; the smallest prunes most
        Filter::And(parts) => parts
            .iter()
            .filter_map(envelope)
            .min_by(|a, b| (a.width() * a.height()).total_cmp(&(b.width() * b.height()))),
        Filter::Or(parts) => parts
            .iter()
            .map(envelope)
            .reduce(|a, b| Some(union(a?, b?)))?,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> Vec<PatternPart> {
        text.chars()
            .map(|c| match c {
                '%' => PatternPart::AnyRun,
                '_' => PatternPart::AnyOne,
                c => PatternPart::Char(c),
            })
            .collect()
    }

    #[test]
    fn like_matches_runs_and_single_characters() {
        for (text, p, expected) in [
            ("Mode Aydin", "Mode%", true),
            ("Mode Aydin", "mode%", false),
            ("Mode", "Mode%", true),
            ("Mod", "Mode%", false),
            ("Bakkerij", "%kk%", true),
            ("Bakkerij", "B_kkerij", true),
            ("Bakkerij", "B_kerij", false),
            ("", "%", true),
            ("", "_", false),
            ("café", "caf_", true),
            ("abc", "%%c", true),
        ] {
            assert_eq!(like(text, &pattern(p)), expected, "{text} LIKE {p}");
        }
    }
}
