//! Finding a place by what a person types: a known place (EnergyVille, the
//! ZOL, also by its other names), shopping area, business park,
//! neighbourhood, access point (station, quay, motorway exit), company,
//! street or shop-unit address, tolerant of accents, case, spacing
//! ("Thorpark" is Thor Park) and one slip of the keyboard ("Venestraat").
//!
//! Only public fields are searched (names and addresses, never an occupant
//! or a contact), so the answer is the same for every role. Each layer's
//! field is read through its text column (`columns.rs`): the distinct words
//! are matched once, and their features follow from the codes. A street is
//! many segments: one hit per street name, holding all of them. A field of
//! other names ("ZOL | Ziekenhuis Oost-Limburg") is matched name by name,
//! and its hit is the feature under its own name, once, however many of its
//! names match.

use std::cmp::Ordering;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use std::collections::HashSet;

use super::columns::Column;
use super::Engine;
use crate::model::{split_alt_names, LayerId};

/// One searched field of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Searched {
    pub layer: LayerId,
    pub field: &'static str,
    /// `Some(name field)` when `field` lists other names of the feature
    /// (`model::split_alt_names`): each is matched alone, and a hit is
    /// named by the name field.
    pub other_names_of: Option<&'static str>,
}

const fn named(layer: LayerId, field: &'static str) -> Searched {
    Searched {
        layer,
        field,
        other_names_of: None,
    }
}

const fn other_names(layer: LayerId, field: &'static str, of: &'static str) -> Searched {
    Searched {
        layer,
        field,
        other_names_of: Some(of),
    }
}

/// The searched layers and their fields, in the order equal hits are listed:
/// the known places first (a person typing "Bokrijk" most likely means the
/// domain, which the neighbourhood of that name then follows).
pub const SEARCHED: [Searched; 9] = [
    named(LayerId::Places, "name"),
    other_names(LayerId::Places, "alt_names", "name"),
    named(LayerId::ShoppingAreas, "name"),
    named(LayerId::BusinessParks, "name"),
    named(LayerId::Neighbourhoods, "name"),
    named(LayerId::AccessPoints, "name"),
    named(LayerId::Companies, "name"),
    named(LayerId::Streets, "name"),
    named(LayerId::ShopUnits, "address"),
];

/// The searched layers, each once, in the order of [`SEARCHED`].
pub fn searched_layers() -> Vec<LayerId> {
    let mut layers: Vec<LayerId> = Vec::new();
    for searched in SEARCHED {
        if !layers.contains(&searched.layer) {
            layers.push(searched.layer);
        }
    }
    layers
}

/// How well a name matches, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quality {
    /// The whole name (`thorpark` = Thor Park).
    Whole,
    /// The name starts with the query (`venne` → Vennestraat).
    Start,
    /// A word of the name starts with it (`park` → Thor Park).
    WordStart,
    /// Somewhere inside the name.
    Inside,
    /// The name's start is one edit away (a letter missing, extra, wrong or swapped).
    OneSlip,
}

/// One place found: a feature, or every segment of one street.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub layer: LayerId,
    /// The name as written in the data.
    pub name: String,
    /// Positions of the features in the layer's index, in layer order.
    pub positions: Vec<usize>,
    pub quality: Quality,
}

/// Lower case, accents off, anything but letters and digits a single space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    // NFKD also splits ligatures (ĳ → ij) and superscripts (m² → m2).
    for character in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if character.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(character.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// A name as the search compares it: its words normalised, and the same
/// without spaces. A layer keeps the keys of its names (`LayerIndex::name_keys`),
/// so a query normalises only itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    words: String,
    compact: Vec<char>,
}

impl Key {
    pub fn of(name: &str) -> Key {
        let words = normalise(name);
        let compact = words.chars().filter(|c| *c != ' ').collect();
        Key { words, compact }
    }
}

/// A query, normalised once.
#[derive(Debug, Clone)]
pub struct Query {
    key: Key,
    /// " words": the query at the start of a word of a name.
    word_start: String,
}

impl Query {
    /// `None` when nothing searchable is left (only spaces or punctuation).
    pub fn new(text: &str) -> Option<Query> {
        let key = Key::of(text);
        if key.words.is_empty() {
            return None;
        }
        let word_start = format!(" {}", key.words);
        Some(Query { key, word_start })
    }

    /// How well `name` matches this query, `None` for not at all.
    pub fn quality(&self, name: &str) -> Option<Quality> {
        self.rank(&Key::of(name))
    }

    /// How well a name's key matches this query.
    pub fn rank(&self, name: &Key) -> Option<Quality> {
        let wanted = &self.key;
        if name.words == wanted.words || name.compact == wanted.compact {
            return Some(Quality::Whole);
        }
        if name.words.starts_with(&wanted.words) || name.compact.starts_with(&wanted.compact) {
            return Some(Quality::Start);
        }
        if name.words.contains(&self.word_start) {
            return Some(Quality::WordStart);
        }
        if contains(&name.compact, &wanted.compact) {
            return Some(Quality::Inside);
        }
        // One slip, for queries long enough that one letter is not a guess.
        let length = wanted.compact.len();
        if length >= 5 {
            let slipped = (length - 1..=length + 1)
                .filter(|prefix| *prefix <= name.compact.len())
                .any(|prefix| within_one_edit(&name.compact[..prefix], &wanted.compact));
            if slipped {
                return Some(Quality::OneSlip);
            }
        }
        None
    }
}

fn contains(haystack: &[char], needle: &[char]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// Whether `a` becomes `b` with at most one insertion, deletion,
/// substitution or swap of neighbours (optimal string alignment ≤ 1).
pub fn within_one_edit(a: &[char], b: &[char]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[common..], &b[common..]);
    match a.len().cmp(&b.len()) {
        Ordering::Equal => {
            a.len() <= 1
                || a[1..] == b[1..]
                || (a.len() >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..])
        }
        Ordering::Less => a == &b[1..],
        Ordering::Greater => &a[1..] == b,
    }
}

/// The places matching `query`, best first (then by layer as in
/// [`SEARCHED`], then by name), at most `limit`; a feature is one hit
/// however many of its fields match (the best of them).
pub fn search(engine: &Engine, query: &Query, limit: usize) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (rank, searched) in SEARCHED.iter().enumerate() {
        let layer = searched.layer;
        let schema = layer.schema();
        let Some(position) = schema.field_index(searched.field) else {
            continue;
        };
        let index = engine.layer(layer);
        let Some(Column::Text { codes, words }) = index.column(position) else {
            continue;
        };
        let qualities: Vec<Option<Quality>> = match searched.other_names_of {
            None => match index.name_keys(position) {
                Some(keys) => keys.iter().map(|key| query.rank(key)).collect(),
                None => continue,
            },
            // Few distinct lists (one per known place at most): keyed per query.
            Some(_) => words
                .iter()
                .map(|list| {
                    split_alt_names(list)
                        .filter_map(|name| query.rank(&Key::of(name)))
                        .min()
                })
                .collect(),
        };
        if qualities.iter().all(Option::is_none) {
            continue;
        }
        // The words that name a hit, and each feature's code among them:
        // the field's own, or the name field's.
        let (names, name_codes): (&[String], &[u32]) = match searched.other_names_of {
            None => (words, codes),
            Some(name_field) => match schema
                .field_index(name_field)
                .and_then(|name_position| index.column(name_position))
            {
                Some(Column::Text { codes, words }) => (words, codes),
                _ => continue,
            },
        };
        let merged = layer == LayerId::Streets;
        let mut by_word: Vec<Vec<usize>> = vec![Vec::new(); if merged { words.len() } else { 0 }];
        for (feature, code) in codes.iter().enumerate() {
            let Some(quality) = qualities.get(*code as usize).copied().flatten() else {
                continue;
            };
            if merged {
                by_word[*code as usize].push(feature);
            } else {
                let Some(name) = names.get(name_codes[feature] as usize) else {
                    continue;
                };
                hits.push((
                    rank,
                    Hit {
                        layer,
                        name: name.clone(),
                        positions: vec![feature],
                        quality,
                    },
                ));
            }
        }
        for (code, positions) in by_word.into_iter().enumerate() {
            if let (false, Some(quality)) = (positions.is_empty(), qualities[code]) {
                hits.push((
                    rank,
                    Hit {
                        layer,
                        name: words[code].clone(),
                        positions,
                        quality,
                    },
                ));
            }
        }
    }
    hits.sort_by_cached_key(|(rank, hit)| (hit.quality, *rank, natural_order(&hit.name)));
    // A feature found by its name and by another name is listed once, at its best.
    let mut seen: HashSet<(LayerId, usize)> = HashSet::new();
    hits.into_iter()
        .filter(|(_, hit)| seen.insert((hit.layer, hit.positions[0])))
        .take(limit)
        .map(|(_, hit)| hit)
        .collect()
}

/// A sort key that puts "Vennestraat 2" before "Vennestraat 10".
pub fn natural_order(name: &str) -> Vec<(String, u64)> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut number: Option<u64> = None;
    for character in normalise(name).chars() {
        match (character.to_digit(10), number) {
            (Some(digit), held) => {
                number = Some(
                    held.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(digit as u64),
                )
            }
            (None, Some(held)) => {
                parts.push((std::mem::take(&mut text), held));
                number = None;
                text.push(character);
            }
            (None, None) => text.push(character),
        }
    }
    parts.push((text, number.unwrap_or(0)));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(text: &str) -> Vec<char> {
        text.chars().collect()
    }

    #[test]
    fn names_lose_accents_case_and_punctuation() {
        assert_eq!(normalise("Génk-Zuid"), "genk zuid");
        assert_eq!(normalise("  Café Ëlla, ça va?  "), "cafe ella ca va");
        assert_eq!(normalise("Thor Park"), "thor park");
        assert_eq!(
            normalise("'; DROP TABLE shop_units; --"),
            "drop table shop units"
        );
        assert_eq!(normalise("%%%"), "");
        assert_eq!(normalise("Bĳzondere m²"), "bijzondere m2");
    }

    #[test]
    fn one_edit_is_a_letter_missing_extra_wrong_or_swapped() {
        for (a, b, expected) in [
            ("vennestraat", "vennestraat", true),
            ("vennestraat", "venestraat", true),
            ("vennestraat", "vennesstraat", true),
            ("vennestraat", "vennestrait", true),
            ("vennestraat", "vennestarat", true),
            ("vennestraat", "vnenestrait", false),
            ("vennestraat", "venstraat", false),
            ("a", "", true),
            ("ab", "ba", true),
            ("abc", "cab", false),
        ] {
            assert_eq!(within_one_edit(&chars(a), &chars(b)), expected, "{a} / {b}");
            assert_eq!(within_one_edit(&chars(b), &chars(a)), expected, "{b} / {a}");
        }
    }

    #[test]
    fn qualities_rank_whole_start_word_inside_and_slip() {
        let query = |text: &str| Query::new(text).unwrap();
        assert_eq!(query("thorpark").quality("Thor Park"), Some(Quality::Whole));
        assert_eq!(
            query("THOR  park").quality("Thor Park"),
            Some(Quality::Whole)
        );
        assert_eq!(query("venne").quality("Vennestraat"), Some(Quality::Start));
        assert_eq!(
            query("vennestraat 1").quality("Vennestraat 10"),
            Some(Quality::Start)
        );
        assert_eq!(query("park").quality("Thor Park"), Some(Quality::WordStart));
        assert_eq!(query("nestr").quality("Vennestraat"), Some(Quality::Inside));
        assert_eq!(
            query("venestraat").quality("Vennestraat 10"),
            Some(Quality::OneSlip)
        );
        assert_eq!(
            query("synaspark").quality("Synapspark"),
            Some(Quality::OneSlip)
        );
        assert_eq!(query("ven").quality("Genk-Zuid"), None);
        // Short queries are not guessed at.
        assert_eq!(query("zuod").quality("Zuid"), None);
        assert!(Query::new(" -- ").is_none());
    }

    /// A small city: three known places (one with other names), a
    /// neighbourhood that shares a place's name, and a street.
    fn small_city() -> Engine {
        use crate::model::{Dataset, Neighbourhood, Place, PlaceKind, Street, StreetClass};
        use geo::{line_string, point, polygon, MultiPolygon};
        let place = |id: &str, kind, name: &str, alt_names: Option<&str>, lon, lat| Place {
            id: id.into(),
            geometry: point!(x: lon, y: lat),
            kind,
            name: name.into(),
            alt_names: alt_names.map(str::to_string),
        };
        Engine::from_dataset(&Dataset {
            places: vec![
                place(
                    "place-energyville",
                    PlaceKind::Campus,
                    "EnergyVille",
                    Some("EnergyVille 1"),
                    5.53,
                    50.9985,
                ),
                place(
                    "place-zol",
                    PlaceKind::Hospital,
                    "ZOL campus Sint-Jan",
                    Some("ZOL | Ziekenhuis Oost-Limburg"),
                    5.516,
                    50.9565,
                ),
                place(
                    "place-cegeka-arena",
                    PlaceKind::Sport,
                    "Cegeka Arena",
                    Some("KRC Genk|Luminus Arena"),
                    5.5265,
                    50.967,
                ),
                place(
                    "place-bokrijk",
                    PlaceKind::Park,
                    "Bokrijk",
                    None,
                    5.41,
                    50.956,
                ),
            ],
            neighbourhoods: vec![Neighbourhood {
                id: "71016W01".into(),
                geometry: MultiPolygon(vec![
                    polygon![(x: 5.39, y: 50.94), (x: 5.47, y: 50.94), (x: 5.47, y: 50.98), (x: 5.39, y: 50.94)],
                ]),
                code: "71016W01".into(),
                name: "Bokrijk".into(),
                population: 1200,
            }],
            streets: vec![Street {
                id: "s1".into(),
                geometry: line_string![(x: 5.52, y: 50.95), (x: 5.521, y: 50.951)],
                name: "Zolderweg".into(),
                walkable: true,
                class: StreetClass::Residential,
            }],
            ..Dataset::default()
        })
    }

    fn first_hit(engine: &Engine, text: &str) -> Option<(LayerId, String, Quality)> {
        let hits = search(engine, &Query::new(text)?, 8);
        hits.into_iter()
            .next()
            .map(|hit| (hit.layer, hit.name, hit.quality))
    }

    #[test]
    fn known_places_are_found_by_name_and_by_other_names() {
        let engine = small_city();
        for (query, name) in [
            ("EnergyVille", "EnergyVille"),
            ("energyville", "EnergyVille"),
            ("Energy Ville", "EnergyVille"),
            ("ZOL", "ZOL campus Sint-Jan"),
            ("zol", "ZOL campus Sint-Jan"),
            ("Ziekenhuis Oost-Limburg", "ZOL campus Sint-Jan"),
            ("ziekenhuis oost limburg", "ZOL campus Sint-Jan"),
            ("cegeka arena", "Cegeka Arena"),
            ("KRC Genk", "Cegeka Arena"),
            ("Luminus", "Cegeka Arena"),
        ] {
            assert_eq!(
                first_hit(&engine, query),
                Some((
                    LayerId::Places,
                    name.to_string(),
                    if query == "Luminus" {
                        Quality::Start
                    } else {
                        Quality::Whole
                    }
                )),
                "{query}"
            );
        }
    }

    #[test]
    fn a_place_found_by_several_names_is_one_hit_at_its_best() {
        let engine = small_city();
        // "ZOL" is the whole of one other name and the start of the name.
        let hits = search(&engine, &Query::new("zol").unwrap(), 8);
        let zol: Vec<&Hit> = hits
            .iter()
            .filter(|hit| hit.layer == LayerId::Places)
            .collect();
        assert_eq!(zol.len(), 1, "{hits:?}");
        assert_eq!(zol[0].quality, Quality::Whole);
        // The street starting with the same letters comes after it.
        assert_eq!(hits.last().map(|hit| hit.name.as_str()), Some("Zolderweg"));
    }

    #[test]
    fn a_place_and_a_neighbourhood_of_one_name_are_both_found_the_place_first() {
        let engine = small_city();
        let hits = search(&engine, &Query::new("Bokrijk").unwrap(), 8);
        let layers: Vec<LayerId> = hits.iter().map(|hit| hit.layer).collect();
        assert_eq!(layers, [LayerId::Places, LayerId::Neighbourhoods]);
    }

    #[test]
    fn nonsense_finds_no_place() {
        let engine = small_city();
        for query in [
            "xqzwv",
            "qqqqqqqq",
            "Ziekenhuis Antwerpen",
            "|",
            "zzol arena genk",
        ] {
            let hits = Query::new(query)
                .map(|query| search(&engine, &query, 8))
                .unwrap_or_default();
            assert!(hits.is_empty(), "{query}: {hits:?}");
        }
    }

    #[test]
    fn house_numbers_sort_as_numbers() {
        let mut names = vec![
            "Vennestraat 10",
            "Vennestraat 2",
            "Vennestraat 1",
            "Vennestraat 2a",
        ];
        names.sort_by_key(|name| natural_order(name));
        assert_eq!(
            names,
            [
                "Vennestraat 1",
                "Vennestraat 2",
                "Vennestraat 2a",
                "Vennestraat 10"
            ]
        );
    }
}
