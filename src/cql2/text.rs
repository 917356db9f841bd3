//! cql2-text: a lexer and a recursive-descent parser, every token and
//! error with its character offset.
//!
//! ```text
//! or      = and { OR and }
//! and     = not { AND not }
//! not     = NOT not | "(" or ")" | TRUE | FALSE | S_INTERSECTS(spatial, spatial) | predicate
//! predicate = scalar ( op scalar | [NOT] LIKE scalar | [NOT] BETWEEN scalar AND scalar
//!           | [NOT] IN "(" scalar {"," scalar} ")" | IS [NOT] NULL )
//! scalar  = property | "quoted property" | 'text' | number | TRUE | FALSE
//!         | DATE('YYYY-MM-DD') | TIMESTAMP('…')
//! spatial = property | POINT(…) | LINESTRING(…) | POLYGON(…) | MULTIPOINT(…)
//!         | MULTILINESTRING(…) | MULTIPOLYGON(…) | GEOMETRYCOLLECTION(…) | BBOX(x1,y1,x2,y2)
//! ```
//! Keywords are case-insensitive; `''` is a quote inside a text literal.
//!
//! One piece: a recursive-descent parser, whose rules call each other.

use geo::{
    coord, Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon,
    Rect,
};

use super::{
    parse_date, parse_timestamp, CompareOp, Cql2Error, Expr, Literal, Location, Scalar, Spatial,
};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A bare word: a keyword or a property name.
    Word(String),
    /// A `"quoted"` property name.
    Quoted(String),
    /// A `'text'` literal.
    Text(String),
    Number(f64),
    /// `(`, `)`, `,`, or a comparison operator.
    Symbol(&'static str),
    End,
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(word) => format!("'{word}'"),
        Token::Quoted(name) => format!("\"{name}\""),
        Token::Text(text) => format!("the text '{text}'"),
        Token::Number(n) => format!("the number {n}"),
        Token::Symbol(symbol) => format!("'{symbol}'"),
        Token::End => "the end of the filter".into(),
    }
}

fn error(at: usize, message: impl Into<String>) -> Cql2Error {
    Cql2Error::new(Location::Char(at), message)
}

/// The filter as tokens with their character offsets, `End` last.
fn lex(filter: &str) -> Result<Vec<(Token, usize)>, Cql2Error> {
    let chars: Vec<char> = filter.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let token = if c.is_alphabetic() || c == '_' {
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || chars[i] == ':'
                    || chars[i] == '.')
            {
                i += 1;
            }
            Token::Word(chars[start..i].iter().collect())
        } else if c == '\'' || c == '"' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        let what = if c == '\'' { "text" } else { "quoted name" };
                        return Err(error(
                            start,
                            format!("the {what} that starts here is never closed with {c}"),
                        ));
                    }
                    Some(&q) if q == c && chars.get(i + 1) == Some(&c) => {
                        text.push(c);
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&other) => {
                        text.push(other);
                        i += 1;
                    }
                }
            }
            if c == '\'' {
                Token::Text(text)
            } else {
                Token::Quoted(text)
            }
        } else if c.is_ascii_digit()
            || ((c == '-' || c == '+' || c == '.')
                && chars
                    .get(i + 1)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.'))
        {
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let sign = usize::from(matches!(chars.get(i + 1), Some('+') | Some('-')));
                if chars.get(i + 1 + sign).is_some_and(|d| d.is_ascii_digit()) {
                    i += 1 + sign;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text: String = chars[start..i].iter().collect();
            match text.parse::<f64>() {
                Ok(n) if n.is_finite() => Token::Number(n),
                _ => return Err(error(start, format!("'{text}' is not a number"))),
            }
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let symbol = ["<>", "<=", ">="]
                .into_iter()
                .find(|symbol| *symbol == two)
                .or_else(|| {
                    ["(", ")", ",", "=", "<", ">"]
                        .into_iter()
                        .find(|symbol| symbol.starts_with(c))
                });
            let Some(symbol) = symbol else {
                return Err(error(start, format!("unexpected character '{c}'")));
            };
            i += symbol.len();
            Token::Symbol(symbol)
        };
        tokens.push((token, start));
    }
    tokens.push((Token::End, chars.len()));
    Ok(tokens)
}

/// Words that cannot be a bare property name.
const RESERVED: [&str; 12] = [
    "AND",
    "OR",
    "NOT",
    "LIKE",
    "BETWEEN",
    "IN",
    "IS",
    "NULL",
    "TRUE",
    "FALSE",
    "DATE",
    "TIMESTAMP",
];

const GEOMETRIES: [&str; 8] = [
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
    "BBOX",
];

struct Parser {
    tokens: Vec<(Token, usize)>,
    next: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.next].0
    }

    fn at(&self) -> usize {
        self.tokens[self.next].1
    }

    fn advance(&mut self) -> (Token, usize) {
        let token = self.tokens[self.next].clone();
        if token.0 != Token::End {
            self.next += 1;
        }
        token
    }

    /// Whether the next token is the keyword `word` (any case).
    fn is_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Token::Word(w) if w.eq_ignore_ascii_case(word))
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        let found = self.is_keyword(word);
        if found {
            self.advance();
        }
        found
    }

    fn expect_symbol(&mut self, symbol: &str, what: &str) -> Result<(), Cql2Error> {
        match self.peek() {
            Token::Symbol(s) if *s == symbol => {
                self.advance();
                Ok(())
            }
            other => Err(error(
                self.at(),
                format!("expected '{symbol}' {what}, found {}", describe(other)),
            )),
        }
    }

    fn eat_symbol(&mut self, symbol: &str) -> bool {
        let found = matches!(self.peek(), Token::Symbol(s) if *s == symbol);
        if found {
            self.advance();
        }
        found
    }

    fn or(&mut self) -> Result<Expr, Cql2Error> {
        let mut terms = vec![self.and()?];
        while self.eat_keyword("OR") {
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.pop().expect("one")
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Expr, Cql2Error> {
        let mut factors = vec![self.not()?];
        while self.eat_keyword("AND") {
            factors.push(self.not()?);
        }
        Ok(if factors.len() == 1 {
            factors.pop().expect("one")
        } else {
            Expr::And(factors)
        })
    }

    fn not(&mut self) -> Result<Expr, Cql2Error> {
        if self.eat_keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        if self.eat_symbol("(") {
            let inner = self.or()?;
            self.expect_symbol(")", "to close the '('")?;
            return Ok(inner);
        }
        if self.is_keyword("S_INTERSECTS") {
            self.advance();
            self.expect_symbol("(", "after S_INTERSECTS")?;
            let a = self.spatial()?;
            self.expect_symbol(",", "between the two geometries of S_INTERSECTS")?;
            let b = self.spatial()?;
            self.expect_symbol(")", "to close S_INTERSECTS")?;
            return Ok(Expr::Intersects(a, b));
        }
        let next_is_predicate = matches!(self.tokens.get(self.next + 1), Some((Token::Symbol(s), _)) if *s != "(" && *s != ")" && *s != ",")
            || matches!(self.tokens.get(self.next + 1), Some((Token::Word(w), _)) if ["LIKE", "BETWEEN", "IN", "IS", "NOT"].iter().any(|k| w.eq_ignore_ascii_case(k)));
        if !next_is_predicate {
            for (word, value) in [("TRUE", true), ("FALSE", false)] {
                if self.eat_keyword(word) {
                    return Ok(Expr::Boolean(value));
                }
            }
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, Cql2Error> {
        let value = self.scalar()?;
        if let Token::Symbol(symbol) = self.peek() {
            if let Some(op) = CompareOp::parse(symbol) {
                self.advance();
                return Ok(Expr::Compare(op, value, self.scalar()?));
            }
        }
        if self.eat_keyword("IS") {
            let negated = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                return Err(error(
                    self.at(),
                    format!("expected NULL after IS, found {}", describe(self.peek())),
                ));
            }
            let test = Expr::IsNull(value);
            return Ok(if negated {
                Expr::Not(Box::new(test))
            } else {
                test
            });
        }
        let negated = self.eat_keyword("NOT");
        let test = if self.eat_keyword("LIKE") {
            Expr::Like(value, self.scalar()?)
        } else if self.eat_keyword("BETWEEN") {
            let low = self.scalar()?;
            if !self.eat_keyword("AND") {
                return Err(error(
                    self.at(),
                    format!(
                        "expected AND in BETWEEN … AND …, found {}",
                        describe(self.peek())
                    ),
                ));
            }
            Expr::Between(value, low, self.scalar()?)
        } else if self.eat_keyword("IN") {
            self.expect_symbol("(", "to open the list of IN")?;
            let mut list = vec![self.scalar()?];
            while self.eat_symbol(",") {
                list.push(self.scalar()?);
            }
            self.expect_symbol(")", "to close the list of IN")?;
            Expr::In(value, list)
        } else {
            let expected = if negated {
                "LIKE, BETWEEN or IN after NOT"
            } else {
                "a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS NULL"
            };
            return Err(error(
                self.at(),
                format!("expected {expected}, found {}", describe(self.peek())),
            ));
        };
        Ok(if negated {
            Expr::Not(Box::new(test))
        } else {
            test
        })
    }

    fn scalar(&mut self) -> Result<Scalar, Cql2Error> {
        let (token, at) = self.advance();
        let here = Location::Char(at);
        Ok(match token {
            Token::Text(text) => Scalar::Literal(Literal::Text(text), here),
            Token::Number(n) => Scalar::Literal(Literal::Number(n), here),
            Token::Quoted(name) => Scalar::Property(name, here),
            Token::Word(word) if word.eq_ignore_ascii_case("TRUE") => {
                Scalar::Literal(Literal::Boolean(true), here)
            }
            Token::Word(word) if word.eq_ignore_ascii_case("FALSE") => {
                Scalar::Literal(Literal::Boolean(false), here)
            }
            Token::Word(word)
                if word.eq_ignore_ascii_case("DATE") || word.eq_ignore_ascii_case("TIMESTAMP") =>
            {
                let is_date = word.eq_ignore_ascii_case("DATE");
                self.expect_symbol("(", &format!("after {}", word.to_uppercase()))?;
                let (inner, inner_at) = self.advance();
                let Token::Text(text) = inner else {
                    return Err(error(
                        inner_at,
                        format!(
                            "expected a quoted value in {}(…), found {}",
                            word.to_uppercase(),
                            describe(&inner)
                        ),
                    ));
                };
                let literal = if is_date {
                    parse_date(&text).map(Literal::Date)
                } else {
                    parse_timestamp(&text).map(Literal::Timestamp)
                };
                let Some(literal) = literal else {
                    let form = if is_date {
                        "a date YYYY-MM-DD"
                    } else {
                        "a timestamp like 2025-06-01T12:00:00Z"
                    };
                    return Err(error(inner_at, format!("'{text}' is not {form}")));
                };
                self.expect_symbol(")", &format!("to close {}(…)", word.to_uppercase()))?;
                Scalar::Literal(literal, here)
            }
            Token::Word(word) if RESERVED.iter().any(|k| word.eq_ignore_ascii_case(k)) => {
                return Err(error(
                    at,
                    format!(
                        "expected a property or a value, found the keyword {}",
                        word.to_uppercase()
                    ),
                ))
            }
            Token::Word(word) => {
                if matches!(self.peek(), Token::Symbol("(")) {
                    return Err(error(at, format!("unknown function '{word}' (this server has S_INTERSECTS, DATE and TIMESTAMP)")));
                }
                Scalar::Property(word, here)
            }
            other => {
                return Err(error(
                    at,
                    format!("expected a property or a value, found {}", describe(&other)),
                ))
            }
        })
    }

    fn spatial(&mut self) -> Result<Spatial, Cql2Error> {
        let at = self.at();
        match self.peek().clone() {
            Token::Quoted(name) => {
                self.advance();
                Ok(Spatial::Property(name, Location::Char(at)))
            }
            Token::Word(word) if GEOMETRIES.iter().any(|g| word.eq_ignore_ascii_case(g)) => {
                self.advance();
                Ok(Spatial::Geometry(self.geometry_body(&word.to_uppercase(), at)?, Location::Char(at)))
            }
            Token::Word(word) if !RESERVED.iter().any(|k| word.eq_ignore_ascii_case(k)) => {
                self.advance();
                Ok(Spatial::Property(word, Location::Char(at)))
            }
            other => Err(error(at, format!("expected a geometry property or a geometry (POINT(…), POLYGON(…), BBOX(…), …), found {}", describe(&other)))),
        }
    }

    fn number(&mut self) -> Result<f64, Cql2Error> {
        match self.advance() {
            (Token::Number(n), _) => Ok(n),
            (other, at) => Err(error(
                at,
                format!("expected a number, found {}", describe(&other)),
            )),
        }
    }

    /// `x y` or `x y z` (the height is dropped).
    fn coordinate(&mut self) -> Result<Coord<f64>, Cql2Error> {
        let x = self.number()?;
        let y = self.number()?;
        if matches!(self.peek(), Token::Number(_)) {
            self.advance();
        }
        Ok(coord! { x: x, y: y })
    }

    /// `( c, c, … )`
    fn coordinates(&mut self) -> Result<Vec<Coord<f64>>, Cql2Error> {
        self.expect_symbol("(", "to open a list of coordinates")?;
        let mut list = vec![self.coordinate()?];
        while self.eat_symbol(",") {
            list.push(self.coordinate()?);
        }
        self.expect_symbol(")", "to close a list of coordinates")?;
        Ok(list)
    }

    /// `( item, item, … )`
    fn list<T>(
        &mut self,
        item: impl Fn(&mut Parser) -> Result<T, Cql2Error>,
    ) -> Result<Vec<T>, Cql2Error> {
        self.expect_symbol("(", "to open a list")?;
        let mut list = vec![item(self)?];
        while self.eat_symbol(",") {
            list.push(item(self)?);
        }
        self.expect_symbol(")", "to close a list")?;
        Ok(list)
    }

    fn line(&mut self, at: usize) -> Result<LineString<f64>, Cql2Error> {
        let coords = self.coordinates()?;
        if coords.len() < 2 {
            return Err(error(at, "a line needs at least 2 points"));
        }
        Ok(LineString::new(coords))
    }

    fn polygon(&mut self) -> Result<Polygon<f64>, Cql2Error> {
        let mut rings = self.list(|parser| {
            let ring_at = parser.at();
            let coords = parser.coordinates()?;
            if coords.len() < 4 || coords.first() != coords.last() {
                return Err(error(
                    ring_at,
                    "a polygon ring needs at least 4 points, the last equal to the first",
                ));
            }
            Ok(LineString::new(coords))
        })?;
        let exterior = rings.remove(0);
        Ok(Polygon::new(exterior, rings))
    }

    /// The part of a WKT geometry (or BBOX) after its type word.
    fn geometry_body(&mut self, kind: &str, at: usize) -> Result<Geometry<f64>, Cql2Error> {
        Ok(match kind {
            "POINT" => {
                self.expect_symbol("(", "after POINT")?;
                let point = self.coordinate()?;
                self.expect_symbol(")", "to close POINT")?;
                Geometry::Point(Point(point))
            }
            "LINESTRING" => Geometry::LineString(self.line(at)?),
            "POLYGON" => Geometry::Polygon(self.polygon()?),
            "MULTIPOINT" => {
                // both MULTIPOINT(1 2, 3 4) and MULTIPOINT((1 2), (3 4))
                let points = self.list(|parser| {
                    if parser.eat_symbol("(") {
                        let point = parser.coordinate()?;
                        parser.expect_symbol(")", "to close a point")?;
                        Ok(point)
                    } else {
                        parser.coordinate()
                    }
                })?;
                Geometry::MultiPoint(MultiPoint::new(points.into_iter().map(Point).collect()))
            }
            "MULTILINESTRING" => Geometry::MultiLineString(MultiLineString::new(
                self.list(|parser| parser.line(at))?,
            )),
            "MULTIPOLYGON" => {
                Geometry::MultiPolygon(MultiPolygon::new(self.list(Parser::polygon)?))
            }
            "GEOMETRYCOLLECTION" => {
                let parts = self.list(|parser| {
                    let part_at = parser.at();
                    match parser.advance() {
                        (Token::Word(word), _)
                            if GEOMETRIES[..7].iter().any(|g| word.eq_ignore_ascii_case(g)) =>
                        {
                            parser.geometry_body(&word.to_uppercase(), part_at)
                        }
                        (other, _) => Err(error(
                            part_at,
                            format!(
                                "expected a geometry in GEOMETRYCOLLECTION, found {}",
                                describe(&other)
                            ),
                        )),
                    }
                })?;
                Geometry::GeometryCollection(geo::GeometryCollection::from(parts))
            }
            "BBOX" => {
                let numbers = self.list(Parser::number)?;
                let [x_min, y_min, x_max, y_max] = match numbers[..] {
                    [a, b, c, d] => [a, b, c, d],
                    [a, b, _, d, e, _] => [a, b, d, e],
                    _ => {
                        return Err(error(
                            at,
                            format!(
                                "BBOX takes 4 numbers (or 6 with heights), not {}",
                                numbers.len()
                            ),
                        ))
                    }
                };
                if x_min > x_max || y_min > y_max {
                    return Err(error(at, "the BBOX's minimum is above its maximum (BBOX(min x, min y, max x, max y))"));
                }
                Geometry::Polygon(
                    Rect::new(coord! { x: x_min, y: y_min }, coord! { x: x_max, y: y_max })
                        .to_polygon(),
                )
            }
            _ => unreachable!("only the geometry words reach here"),
        })
    }
}

/// Read a cql2-text filter.
pub fn parse_text(filter: &str) -> Result<Expr, Cql2Error> {
    let mut parser = Parser {
        tokens: lex(filter)?,
        next: 0,
    };
    if parser.peek() == &Token::End {
        return Err(error(0, "the filter is empty"));
    }
    let expr = parser.or()?;
    if parser.peek() != &Token::End {
        return Err(error(
            parser.at(),
            format!(
                "expected AND, OR or the end of the filter, found {}",
                describe(parser.peek())
            ),
        ));
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn property(name: &str, at: usize) -> Scalar {
        Scalar::Property(name.into(), Location::Char(at))
    }

    fn text(value: &str, at: usize) -> Scalar {
        Scalar::Literal(Literal::Text(value.into()), Location::Char(at))
    }

    fn number(value: f64, at: usize) -> Scalar {
        Scalar::Literal(Literal::Number(value), Location::Char(at))
    }

    #[test]
    fn and_binds_tighter_than_or_and_not_tightest() {
        let expr = parse_text("a = 1 OR NOT b = 'x' AND c > -2.5e1").unwrap();
        assert_eq!(
            expr,
            Expr::Or(vec![
                Expr::Compare(CompareOp::Eq, property("a", 0), number(1.0, 4)),
                Expr::And(vec![
                    Expr::Not(Box::new(Expr::Compare(
                        CompareOp::Eq,
                        property("b", 13),
                        text("x", 17)
                    ))),
                    Expr::Compare(CompareOp::Gt, property("c", 25), number(-25.0, 29)),
                ]),
            ])
        );
    }

    #[test]
    fn each_predicate_reads_with_its_negation() {
        let expr = parse_text(r#"name NOT LIKE 'Mode%' and "floor area" not between 10 and 20 and status in ('vacant','occupied') and x is not null"#).unwrap();
        let Expr::And(parts) = expr else {
            panic!("{expr:?}")
        };
        assert!(matches!(&parts[0], Expr::Not(inner) if matches!(**inner, Expr::Like(..))));
        assert!(
            matches!(&parts[1], Expr::Not(inner) if matches!(&**inner, Expr::Between(Scalar::Property(name, _), ..) if name == "floor area"))
        );
        assert!(matches!(&parts[2], Expr::In(_, list) if list.len() == 2));
        assert!(matches!(&parts[3], Expr::Not(inner) if matches!(**inner, Expr::IsNull(_))));
    }

    #[test]
    fn literals_of_every_kind() {
        let expr = parse_text("d >= DATE('2025-06-01') AND t < TIMESTAMP('2025-06-01T23:30:00-02:00') AND b = TRUE AND s = 'it''s'").unwrap();
        let Expr::And(parts) = expr else { panic!() };
        let day = |d| chrono::NaiveDate::from_ymd_opt(2025, 6, d).unwrap();
        assert!(
            matches!(&parts[0], Expr::Compare(_, _, Scalar::Literal(Literal::Date(d), _)) if *d == day(1))
        );
        assert!(
            matches!(&parts[1], Expr::Compare(_, _, Scalar::Literal(Literal::Timestamp(d), _)) if *d == day(2))
        );
        assert!(matches!(
            &parts[2],
            Expr::Compare(_, _, Scalar::Literal(Literal::Boolean(true), _))
        ));
        assert!(
            matches!(&parts[3], Expr::Compare(_, _, Scalar::Literal(Literal::Text(s), _)) if s == "it's")
        );
        assert_eq!(parse_text("TRUE").unwrap(), Expr::Boolean(true));
    }

    #[test]
    fn geometries_read_as_wkt_and_bbox() {
        let expr = parse_text("S_INTERSECTS(geometry, POLYGON((5 50, 6 50, 6 51, 5 50))) OR s_intersects(geometry, BBOX(5.4, 50.9, 5.6, 51)) OR S_INTERSECTS(geometry, MULTIPOINT((1 2), (3 4)))").unwrap();
        let Expr::Or(parts) = expr else { panic!() };
        let Expr::Intersects(
            Spatial::Property(name, _),
            Spatial::Geometry(Geometry::Polygon(polygon), _),
        ) = &parts[0]
        else {
            panic!("{:?}", parts[0])
        };
        assert_eq!(name, "geometry");
        assert_eq!(polygon.exterior().0.len(), 4);
        let Expr::Intersects(_, Spatial::Geometry(Geometry::Polygon(bbox), _)) = &parts[1] else {
            panic!()
        };
        assert_eq!(
            geo::BoundingRect::bounding_rect(bbox).unwrap(),
            Rect::new(coord! {x: 5.4, y: 50.9}, coord! {x: 5.6, y: 51.0})
        );
        assert!(
            matches!(&parts[2], Expr::Intersects(_, Spatial::Geometry(Geometry::MultiPoint(points), _)) if points.0.len() == 2)
        );
    }

    #[test]
    fn errors_name_the_character_where_the_filter_goes_wrong() {
        for (filter, offset, words) in [
            ("", 0, "empty"),
            ("status = ", 9, "expected a property or a value"),
            ("status == 'x'", 8, "expected a property or a value"),
            ("status = 'vacant", 9, "never closed"),
            ("status 'vacant'", 7, "expected a comparison"),
            ("a = 1 b = 2", 6, "expected AND, OR"),
            ("(a = 1", 6, "to close the '('"),
            ("a BETWEEN 1 OR 2", 12, "expected AND in BETWEEN"),
            ("a IN 1, 2", 5, "to open the list of IN"),
            ("upper(a) = 'X'", 0, "unknown function"),
            ("d = DATE('2025-02-30')", 9, "is not a date"),
            (
                "S_INTERSECTS(geometry, POLYGON((5 50, 6 50, 6 51)))",
                31,
                "ring needs at least 4",
            ),
            (
                "S_INTERSECTS(geometry, BBOX(6, 50, 5, 51))",
                23,
                "minimum is above",
            ),
            (
                "a = 1 ; DROP TABLE shop_units",
                6,
                "unexpected character ';'",
            ),
            ("a = 1e999", 4, "not a number"),
        ] {
            let error = parse_text(filter).unwrap_err();
            assert_eq!(error.at, Location::Char(offset), "{filter}: {error}");
            assert!(error.message.contains(words), "{filter}: {error}");
        }
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        let error = parse_text("naam = 'Café' )").unwrap_err();
        assert_eq!(error.at, Location::Char(14), "{error}");
    }
}
