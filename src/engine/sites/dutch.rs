//! Numbers, distances and dates written the Flemish way for the reasons:
//! a point between thousands, a comma before decimals, dates dd-mm-jjjj.

use chrono::NaiveDate;

/// An integer with a point between thousands: 12500 → "12.500".
pub fn integer(value: f64) -> String {
    let rounded = value.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    if rounded < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// A number with `decimals` decimals after a comma: 2.14, 1 → "2,1".
pub fn decimal(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.split_once('.') {
        Some((whole, fraction)) => {
            let whole: f64 = whole.parse().unwrap_or(0.0);
            let sign = if text.starts_with('-') && whole == 0.0 {
                "-"
            } else {
                ""
            };
            format!("{sign}{},{fraction}", integer(whole))
        }
        None => integer(value),
    }
}

/// A distance: metres to the ten below 1 km ("850 m"), else km with one
/// decimal ("2,1 km").
pub fn distance(metres: f64) -> String {
    if metres < 995.0 {
        format!("{} m", integer((metres / 10.0).round() * 10.0))
    } else {
        format!("{} km", decimal(metres / 1000.0, 1))
    }
}

/// An area in m²: "7.800 m²".
pub fn area(square_metres: f64) -> String {
    format!("{} m²", integer(square_metres))
}

/// A price per m²: whole euros as "95 €/m²", else "97,50 €/m²".
pub fn price(eur_m2: f64) -> String {
    if (eur_m2 - eur_m2.round()).abs() < 0.005 {
        format!("{} €/m²", integer(eur_m2))
    } else {
        format!("{} €/m²", decimal(eur_m2, 2))
    }
}

/// A date as dd-mm-jjjj.
pub fn date(date: NaiveDate) -> String {
    date.format("%d-%m-%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flemish_numbers() {
        assert_eq!(integer(7800.0), "7.800");
        assert_eq!(integer(1_234_567.4), "1.234.567");
        assert_eq!(integer(950.0), "950");
        assert_eq!(decimal(2.14, 1), "2,1");
        assert_eq!(decimal(12345.678, 2), "12.345,68");
        assert_eq!(distance(2_149.0), "2,1 km");
        assert_eq!(distance(846.0), "850 m");
        assert_eq!(distance(996.0), "1,0 km");
        assert_eq!(area(9_200.4), "9.200 m²");
        assert_eq!(price(95.0), "95 €/m²");
        assert_eq!(price(97.5), "97,50 €/m²");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2027, 6, 1).unwrap()),
            "01-06-2027"
        );
    }
}
