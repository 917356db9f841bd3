//! Finding a place by what a person types: a shopping area, business park,
//! neighbourhood, access point (station, quay, motorway exit), company,
//! street or shop-unit address, tolerant of accents, case, spacing
//! ("Thorpark" is Thor Park) and one slip of the keyboard ("Venestraat").
//!
//! Only public fields are searched (names and addresses, never an occupant
//! or a contact), so the answer is the same for every role. Each layer's
//! field is read through its text column (`columns.rs`): the distinct words
//! are matched once, and their features follow from the codes. A street is
//! many segments: one hit per street name, holding all of them.

use std::cmp::Ordering;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::columns::Column;
use super::Engine;
use crate::model::LayerId;

/// The searched layers and their field, in the order equal hits are listed.
pub const SEARCHED: [(LayerId, &str); 7] = [
    (LayerId::ShoppingAreas, "name"),
    (LayerId::BusinessParks, "name"),
    (LayerId::Neighbourhoods, "name"),
    (LayerId::AccessPoints, "name"),
    (LayerId::Companies, "name"),
    (LayerId::Streets, "name"),
    (LayerId::ShopUnits, "address"),
];

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
/// [`SEARCHED`], then by name), at most `limit`.
pub fn search(engine: &Engine, query: &Query, limit: usize) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (rank, (layer, field)) in SEARCHED.iter().enumerate() {
        let Some(position) = layer.schema().field_index(field) else {
            continue;
        };
        let index = engine.layer(*layer);
        let (Some(Column::Text { codes, words }), Some(keys)) =
            (index.column(position), index.name_keys(position))
        else {
            continue;
        };
        let qualities: Vec<Option<Quality>> = keys.iter().map(|key| query.rank(key)).collect();
        if qualities.iter().all(Option::is_none) {
            continue;
        }
        let merged = *layer == LayerId::Streets;
        let mut by_word: Vec<Vec<usize>> = vec![Vec::new(); if merged { words.len() } else { 0 }];
        for (feature, code) in codes.iter().enumerate() {
            let Some(quality) = qualities.get(*code as usize).copied().flatten() else {
                continue;
            };
            if merged {
                by_word[*code as usize].push(feature);
            } else {
                hits.push((
                    rank,
                    Hit {
                        layer: *layer,
                        name: words[*code as usize].clone(),
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
                        layer: *layer,
                        name: words[code].clone(),
                        positions,
                        quality,
                    },
                ));
            }
        }
    }
    hits.sort_by_cached_key(|(rank, hit)| (hit.quality, *rank, natural_order(&hit.name)));
    hits.into_iter().take(limit).map(|(_, hit)| hit).collect()
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
