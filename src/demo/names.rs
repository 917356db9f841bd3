//! Invented names: streets, shop occupants, companies and contacts.
//!
//! Names come from the word lists of `geodata/names/` and the patterns of
//! `geodata/shop_names.csv` and `geodata/nace.csv`; a pattern's `{surname}`,
//! `{first}` and `{word}` are filled from the lists. Street names are unique
//! in the city (a Belgian municipality has each street name once).

use std::collections::BTreeSet;

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::inputs::Inputs;
use crate::model::{ShopCategory, ShopKind, StreetClass};

fn pick<'a>(list: &'a [String], rng: &mut ChaCha8Rng) -> &'a str {
    list.choose(rng).map(String::as_str).unwrap_or("Genk")
}

/// A new street name for a street of this class, not in `used`; added to it.
pub fn street_name(
    inputs: &Inputs,
    class: StreetClass,
    rng: &mut ChaCha8Rng,
    used: &mut BTreeSet<String>,
) -> String {
    let suffixes: &[&str] = match class {
        StreetClass::Primary => &["baan", "steenweg", "weg"],
        StreetClass::Secondary => &["weg", "laan", "baan", "steenweg", "straat"],
        StreetClass::Pedestrian | StreetClass::Footway => &["pad", "doorgang"],
        _ => &[
            "straat", "straat", "straat", "laan", "laan", "weg", "hof", "dreef", "pad",
        ],
    };
    let prefixes = ["", "Nieuwe ", "Oude ", "Kleine ", "Grote "];
    for attempt in 0..200 {
        let stem = pick(&inputs.street_stems, rng);
        let suffix = suffixes[rng.random_range(0..suffixes.len())];
        let prefix = prefixes[(attempt / 40).min(prefixes.len() - 1)];
        let name = format!("{prefix}{stem}{suffix}");
        if used.insert(name.clone()) {
            return name;
        }
    }
    // The lists hold far more combinations than the city has streets; this
    // keeps the name unique if they ever run out.
    let mut number = used.len();
    loop {
        let name = format!("{}straat {number}", pick(&inputs.street_stems, rng));
        if used.insert(name.clone()) {
            return name;
        }
        number += 1;
    }
}

/// A pattern with `{surname}`, `{first}` and `{word}` filled in.
pub fn fill(pattern: &str, inputs: &Inputs, rng: &mut ChaCha8Rng) -> String {
    let mut text = pattern.to_string();
    for (placeholder, list) in [
        ("{surname}", &inputs.surnames),
        ("{first}", &inputs.first_names),
        ("{word}", &inputs.words),
    ] {
        while text.contains(placeholder) {
            text = text.replacen(placeholder, pick(list, rng), 1);
        }
    }
    text
}

/// An invented occupant name for a shop of this category and kind.
pub fn shop_name(
    inputs: &Inputs,
    category: ShopCategory,
    kind: Option<ShopKind>,
    rng: &mut ChaCha8Rng,
) -> String {
    let patterns: Vec<&str> = inputs
        .shop_names
        .iter()
        .filter(|row| row.category == category && (row.kind == kind || kind.is_none()))
        .map(|row| row.pattern.as_str())
        .collect();
    let pattern = patterns
        .choose(rng)
        .copied()
        .unwrap_or("Handelshuis {surname}");
    fill(pattern, inputs, rng)
}

/// An invented contact: a person and a Genk (089) phone number.
pub fn contact(inputs: &Inputs, rng: &mut ChaCha8Rng) -> String {
    format!(
        "{} {}, 089 {:02} {:02} {:02}",
        pick(&inputs.first_names, rng),
        pick(&inputs.surnames, rng),
        rng.random_range(10..100),
        rng.random_range(0..100),
        rng.random_range(0..100)
    )
}

/// A lowercase ASCII id from a name: "Afrit 30 Genk-West" → "afrit-30-genk-west".
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for character in text.chars() {
        let character = match character {
            'é' | 'è' | 'ë' | 'ê' => 'e',
            other => other,
        };
        if character.is_ascii_alphanumeric() {
            slug.push(character.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::stream;

    #[test]
    fn street_names_are_unique_and_patterns_are_filled() {
        let inputs = Inputs::embedded();
        let mut rng = stream(3, "names");
        let mut used = BTreeSet::new();
        let names: Vec<String> = (0..3000)
            .map(|_| street_name(&inputs, StreetClass::Residential, &mut rng, &mut used))
            .collect();
        assert_eq!(used.len(), names.len());
        let name = shop_name(
            &inputs,
            ShopCategory::Daily,
            Some(ShopKind::Bakery),
            &mut rng,
        );
        assert!(!name.contains('{'), "{name}");
        assert!(contact(&inputs, &mut rng).contains(", 089 "));
        assert_eq!(slug("Afrit 30 Genk-West"), "afrit-30-genk-west");
        assert_eq!(slug("André Dumontlaan"), "andre-dumontlaan");
    }
}
