//! An expression checked against a collection's fields: each property
//! becomes its field's position (a hidden field is as unknown as a missing
//! one), each literal a value of the kind it is compared with, and each
//! geometry literal is read from the filter's CRS into CRS84.

use geo::Geometry;

use super::{CompareOp, Cql2Error, Expr, Literal, Location, Scalar, Spatial};
use crate::model::{FieldDef, FieldKind, Value};

/// Moves a filter's geometry from its CRS into CRS84.
pub type ToLonLat<'a> = &'a dyn Fn(&Geometry<f64>) -> Result<Geometry<f64>, String>;

/// What a filter is checked against.
pub struct Binding<'a> {
    /// The collection's fields, in feature value order.
    pub fields: &'a [FieldDef],
    /// Whether the caller may see (and so filter on) a field.
    pub may_see: &'a dyn Fn(&FieldDef) -> bool,
    /// The name of the geometry property (`geometry`).
    pub geometry_property: &'a str,
    /// A geometry literal from the filter's CRS into CRS84.
    pub to_lon_lat: ToLonLat<'a>,
}

/// A value in a checked filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A feature's value at this position.
    Field(usize),
    Value(Value),
}

/// A checked filter, ready to apply to features.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Constant(bool),
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Compare(CompareOp, Operand, Operand),
    /// A text value against a `LIKE` pattern (`%` any run, `_` one
    /// character, `\` escapes).
    Like(Operand, Vec<PatternPart>),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    IsNull(Operand),
    /// The feature's geometry meets this CRS84 geometry.
    Intersects(Geometry<f64>),
}

/// A piece of a `LIKE` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternPart {
    Char(char),
    AnyOne,
    AnyRun,
}

/// A rough kind for type checks: numbers compare with numbers whatever
/// their field kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Text,
    Number,
    Boolean,
    Date,
}

fn class_of(kind: FieldKind) -> Class {
    match kind {
        FieldKind::Text => Class::Text,
        FieldKind::Integer | FieldKind::Real => Class::Number,
        FieldKind::Boolean => Class::Boolean,
        FieldKind::Date => Class::Date,
    }
}

fn class_name(class: Class) -> &'static str {
    match class {
        Class::Text => "text ('…')",
        Class::Number => "a number",
        Class::Boolean => "a boolean (TRUE or FALSE)",
        Class::Date => "a date (DATE('YYYY-MM-DD'))",
    }
}

/// An operand with its class once known (a field's), or a literal that
/// takes the class of what it meets.
enum Half {
    Field(usize, Class, String),
    Literal(Literal, Location),
}

impl Binding<'_> {
    fn field(&self, name: &str, at: &Location) -> Result<(usize, &FieldDef), Cql2Error> {
        self.fields
            .iter()
            .enumerate()
            .find(|(_, field)| field.name == name && (self.may_see)(field))
            .ok_or_else(|| {
                let names: Vec<&str> = self
                    .fields
                    .iter()
                    .filter(|f| (self.may_see)(f))
                    .map(|f| f.name)
                    .collect();
                let hint = if name == self.geometry_property {
                    format!("'{name}' is the geometry: use it in S_INTERSECTS")
                } else {
                    format!(
                        "unknown property '{name}' (queryables: {})",
                        names.join(", ")
                    )
                };
                Cql2Error::new(at.clone(), hint)
            })
    }

    fn half(&self, scalar: &Scalar) -> Result<Half, Cql2Error> {
        Ok(match scalar {
            Scalar::Property(name, at) => {
                let (position, field) = self.field(name, at)?;
                Half::Field(position, class_of(field.kind), name.clone())
            }
            Scalar::Literal(literal, at) => Half::Literal(literal.clone(), at.clone()),
        })
    }

    /// A literal as a value of `class`, or an error where it stands.
    fn literal_as(
        literal: &Literal,
        at: &Location,
        class: Class,
        against: &str,
    ) -> Result<Value, Cql2Error> {
        let value = match (literal, class) {
            (Literal::Text(text), Class::Text) => Some(Value::Text(text.clone())),
            (Literal::Number(n), Class::Number) => Some(Value::Real(*n)),
            (Literal::Boolean(b), Class::Boolean) => Some(Value::Boolean(*b)),
            (Literal::Date(d) | Literal::Timestamp(d), Class::Date) => Some(Value::Date(*d)),
            // QGIS and GDAL write dates as plain text (GDAL 3.6 as
            // '2025-01-01T'), or a date-time
            (Literal::Text(text), Class::Date) => super::parse_date(text.trim_end_matches('T'))
                .or_else(|| super::parse_timestamp(text))
                .map(Value::Date),
            _ => None,
        };
        value.ok_or_else(|| {
            Cql2Error::new(
                at.clone(),
                format!(
                    "{against} is compared with {}: give {}",
                    describe(literal),
                    class_name(class)
                ),
            )
        })
    }

    /// Two or more operands that must be of one class.
    fn operands(&self, scalars: &[&Scalar]) -> Result<Vec<Operand>, Cql2Error> {
        let halves: Vec<Half> = scalars
            .iter()
            .map(|s| self.half(s))
            .collect::<Result<_, _>>()?;
        let known = halves.iter().find_map(|half| match half {
            Half::Field(_, class, name) => Some((*class, format!("'{name}'"))),
            Half::Literal(..) => None,
        });
        let (class, against) = match known {
            Some(known) => known,
            // literals only: the first one's class
            None => match &halves[0] {
                Half::Literal(literal, _) => (literal_class(literal), describe(literal)),
                Half::Field(..) => unreachable!("no field among them"),
            },
        };
        halves
            .into_iter()
            .map(|half| match half {
                Half::Field(position, field_class, _) if field_class == class => {
                    Ok(Operand::Field(position))
                }
                Half::Field(_, field_class, name) => Err(Cql2Error::new(
                    scalars[0].location().clone(),
                    format!(
                        "'{name}' is {} and cannot be compared with {against}",
                        class_name(field_class)
                    ),
                )),
                Half::Literal(literal, at) => {
                    Binding::literal_as(&literal, &at, class, &against).map(Operand::Value)
                }
            })
            .collect()
    }

    fn spatial(&self, spatial: &Spatial) -> Result<Option<Geometry<f64>>, Cql2Error> {
        match spatial {
            Spatial::Property(name, _) if name == self.geometry_property => Ok(None),
            Spatial::Property(name, at) => Err(Cql2Error::new(
                at.clone(),
                format!(
                    "'{name}' is not a geometry; this collection's geometry is '{}'",
                    self.geometry_property
                ),
            )),
            Spatial::Geometry(geometry, at) => (self.to_lon_lat)(geometry)
                .map(Some)
                .map_err(|reason| Cql2Error::new(at.clone(), reason)),
        }
    }

    fn bind(&self, expr: &Expr) -> Result<Filter, Cql2Error> {
        Ok(match expr {
            Expr::Boolean(value) => Filter::Constant(*value),
            Expr::And(parts) => Filter::And(
                parts
                    .iter()
                    .map(|p| self.bind(p))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(parts) => Filter::Or(
                parts
                    .iter()
                    .map(|p| self.bind(p))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(inner) => Filter::Not(Box::new(self.bind(inner)?)),
            Expr::Compare(op, a, b) => {
                let mut both = self.operands(&[a, b])?;
                if matches!(self.half(a)?, Half::Field(_, Class::Boolean, _))
                    && !matches!(op, CompareOp::Eq | CompareOp::Ne)
                {
                    return Err(Cql2Error::new(
                        a.location().clone(),
                        "booleans compare only with = and <>",
                    ));
                }
                let b = both.pop().expect("two");
                Filter::Compare(*op, both.pop().expect("two"), b)
            }
            Expr::Like(value, pattern) => {
                let Scalar::Literal(Literal::Text(pattern), _) = pattern else {
                    return Err(Cql2Error::new(
                        pattern.location().clone(),
                        "the pattern of LIKE must be a text literal ('Mode%')",
                    ));
                };
                let value = match self.half(value)? {
                    Half::Field(position, Class::Text, _) => Operand::Field(position),
                    Half::Literal(Literal::Text(text), _) => Operand::Value(Value::Text(text)),
                    _ => {
                        return Err(Cql2Error::new(
                            value.location().clone(),
                            "LIKE applies to text",
                        ))
                    }
                };
                Filter::Like(value, compile_pattern(pattern))
            }
            Expr::Between(value, low, high) => {
                let mut all = self.operands(&[value, low, high])?;
                let high = all.pop().expect("three");
                let low = all.pop().expect("three");
                Filter::Between(all.pop().expect("three"), low, high)
            }
            Expr::In(value, list) => {
                let mut scalars = vec![value];
                scalars.extend(list.iter());
                let mut all = self.operands(&scalars)?;
                let value = all.remove(0);
                Filter::In(value, all)
            }
            Expr::IsNull(value) => match self.half(value)? {
                Half::Field(position, ..) => Filter::IsNull(Operand::Field(position)),
                // a literal is never missing
                Half::Literal(..) => Filter::Constant(false),
            },
            Expr::Intersects(a, b) => match (self.spatial(a)?, self.spatial(b)?) {
                (None, Some(geometry)) | (Some(geometry), None) => Filter::Intersects(geometry),
                // every feature has a geometry, and it meets itself
                (None, None) => Filter::Constant(true),
                (Some(a), Some(b)) => Filter::Constant(geo::Intersects::intersects(&a, &b)),
            },
        })
    }
}

fn literal_class(literal: &Literal) -> Class {
    match literal {
        Literal::Text(_) => Class::Text,
        Literal::Number(_) => Class::Number,
        Literal::Boolean(_) => Class::Boolean,
        Literal::Date(_) | Literal::Timestamp(_) => Class::Date,
    }
}

fn describe(literal: &Literal) -> String {
    match literal {
        Literal::Text(text) => format!("the text '{text}'"),
        Literal::Number(n) => format!("the number {n}"),
        Literal::Boolean(b) => (if *b { "TRUE" } else { "FALSE" }).to_string(),
        Literal::Date(d) => format!("the date {d}"),
        Literal::Timestamp(d) => format!("the timestamp on {d}"),
    }
}

fn compile_pattern(pattern: &str) -> Vec<PatternPart> {
    let mut parts = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        parts.push(match c {
            '%' => PatternPart::AnyRun,
            '_' => PatternPart::AnyOne,
            '\\' => PatternPart::Char(chars.next().unwrap_or('\\')),
            other => PatternPart::Char(other),
        });
    }
    parts
}

/// Check `expr` against the collection described by `binding`.
pub fn bind(expr: &Expr, binding: &Binding) -> Result<Filter, Cql2Error> {
    binding.bind(expr)
}
