//! Numbers, distances, areas, prices and dates for the reasons, written the
//! way each language of the interface writes them (the front end's
//! `web/src/format.ts` with its `nl-BE` and `en-GB` locales):
//!
//! | | Dutch | English |
//! | --- | --- | --- |
//! | integer | 12.500 | 12,500 |
//! | decimal | 2,1 | 2.1 |
//! | distance | 850 m, 2,1 km | 850 m, 2.1 km |
//! | area | 7.800 m² | 7,800 m² |
//! | price | 95 €/m², 97,50 €/m² | €95/m², €97.50/m² |
//! | date | 01-06-2027 | 01-06-2027 |
//!
//! Dates are dd-mm-yyyy in both: the front end shows them so in either
//! language (`formatDate`).

use chrono::NaiveDate;

/// How one language writes numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbers {
    /// Between thousands: `.` in Dutch, `,` in English.
    thousands_mark: char,
    /// Before decimals: `,` in Dutch, `.` in English.
    decimal_mark: char,
    /// `€95/m²` (English) rather than `95 €/m²` (Dutch).
    euro_first: bool,
}

impl Numbers {
    pub const DUTCH: Numbers = Numbers {
        thousands_mark: '.',
        decimal_mark: ',',
        euro_first: false,
    };
    pub const ENGLISH: Numbers = Numbers {
        thousands_mark: ',',
        decimal_mark: '.',
        euro_first: true,
    };

    /// An integer with a mark between thousands: 12500 → "12.500" (Dutch),
    /// "12,500" (English).
    pub fn integer(&self, value: f64) -> String {
        let rounded = value.round() as i64;
        let digits = rounded.unsigned_abs().to_string();
        let mut grouped = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                grouped.push(self.thousands_mark);
            }
            grouped.push(digit);
        }
        if rounded < 0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    }

    /// A number with `decimals` decimals: 2.14, 1 → "2,1" (Dutch), "2.1"
    /// (English).
    pub fn decimal(&self, value: f64, decimals: usize) -> String {
        let text = format!("{value:.decimals$}");
        match text.split_once('.') {
            Some((whole, fraction)) => {
                let whole: f64 = whole.parse().unwrap_or(0.0);
                let sign = if text.starts_with('-') && whole == 0.0 {
                    "-"
                } else {
                    ""
                };
                format!(
                    "{sign}{}{}{fraction}",
                    self.integer(whole),
                    self.decimal_mark
                )
            }
            None => self.integer(value),
        }
    }

    /// A distance: metres to the ten below 1 km ("850 m"), else km with one
    /// decimal ("2,1 km", "2.1 km").
    pub fn distance(&self, metres: f64) -> String {
        if metres < 995.0 {
            format!("{} m", self.integer((metres / 10.0).round() * 10.0))
        } else {
            format!("{} km", self.decimal(metres / 1000.0, 1))
        }
    }

    /// An area in m²: "7.800 m²", "7,800 m²".
    pub fn area(&self, square_metres: f64) -> String {
        format!("{} m²", self.integer(square_metres))
    }

    /// A price per m², whole euros without decimals: "95 €/m²" and
    /// "97,50 €/m²" in Dutch, "€95/m²" and "€97.50/m²" in English.
    pub fn price(&self, eur_m2: f64) -> String {
        let amount = if (eur_m2 - eur_m2.round()).abs() < 0.005 {
            self.integer(eur_m2)
        } else {
            self.decimal(eur_m2, 2)
        };
        if self.euro_first {
            format!("€{amount}/m²")
        } else {
            format!("{amount} €/m²")
        }
    }

    /// A share as a whole percentage: 0.4 → "40%".
    pub fn percent(&self, share: f64) -> String {
        format!("{}%", self.integer(share * 100.0))
    }

    /// A date as dd-mm-yyyy.
    pub fn date(&self, date: NaiveDate) -> String {
        date.format("%d-%m-%Y").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn june_first() -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 6, 1).unwrap()
    }

    #[test]
    fn flemish_numbers() {
        let dutch = Numbers::DUTCH;
        assert_eq!(dutch.integer(7800.0), "7.800");
        assert_eq!(dutch.integer(1_234_567.4), "1.234.567");
        assert_eq!(dutch.integer(950.0), "950");
        assert_eq!(dutch.decimal(2.14, 1), "2,1");
        assert_eq!(dutch.decimal(12345.678, 2), "12.345,68");
        assert_eq!(dutch.distance(2_149.0), "2,1 km");
        assert_eq!(dutch.distance(846.0), "850 m");
        assert_eq!(dutch.distance(996.0), "1,0 km");
        assert_eq!(dutch.area(9_200.4), "9.200 m²");
        assert_eq!(dutch.price(95.0), "95 €/m²");
        assert_eq!(dutch.price(97.5), "97,50 €/m²");
        assert_eq!(dutch.percent(0.4), "40%");
        assert_eq!(dutch.date(june_first()), "01-06-2027");
    }

    #[test]
    fn english_numbers() {
        let english = Numbers::ENGLISH;
        assert_eq!(english.integer(12_500.0), "12,500");
        assert_eq!(english.integer(1_234_567.4), "1,234,567");
        assert_eq!(english.integer(950.0), "950");
        assert_eq!(english.integer(-12_500.0), "-12,500");
        assert_eq!(english.decimal(2.14, 1), "2.1");
        assert_eq!(english.decimal(12345.678, 2), "12,345.68");
        assert_eq!(english.decimal(-0.25, 1), "-0.2");
        assert_eq!(english.distance(2_140.0), "2.1 km");
        assert_eq!(english.distance(12_345.0), "12.3 km");
        assert_eq!(english.distance(846.0), "850 m");
        assert_eq!(english.distance(996.0), "1.0 km");
        assert_eq!(english.area(12_500.0), "12,500 m²");
        assert_eq!(english.area(9_200.4), "9,200 m²");
        assert_eq!(english.price(95.0), "€95/m²");
        assert_eq!(english.price(97.5), "€97.50/m²");
        assert_eq!(english.price(1_250.0), "€1,250/m²");
        assert_eq!(english.percent(0.4), "40%");
        assert_eq!(english.date(june_first()), "01-06-2027");
    }
}
