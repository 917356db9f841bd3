//! The language the reasons are written in: Dutch (the default) or English,
//! read from a request's `lang` (`nl` | `en`).

use super::numbers::Numbers;

/// A language of the reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    Dutch,
    English,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Dutch, Language::English];

    /// The code a request gives: `nl`, `en`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Dutch => "nl",
            Language::English => "en",
        }
    }

    /// The language of a code (`nl`, `en`); `None` for any other text.
    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|language| language.code() == code)
    }

    /// The codes, for messages: "nl, en".
    pub fn codes() -> String {
        Language::ALL.map(Language::code).join(", ")
    }

    /// The Dutch or the English of a pair, for this language.
    pub fn pick<T>(self, dutch: T, english: T) -> T {
        match self {
            Language::Dutch => dutch,
            Language::English => english,
        }
    }

    /// How numbers, distances, areas, prices and dates are written.
    pub fn numbers(self) -> &'static Numbers {
        self.pick(&Numbers::DUTCH, &Numbers::ENGLISH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_nothing_else_is_a_language() {
        for language in Language::ALL {
            assert_eq!(Language::from_code(language.code()), Some(language));
        }
        assert_eq!(Language::default(), Language::Dutch);
        for other in ["xx", "NL", "en-GB", "", "nl "] {
            assert_eq!(Language::from_code(other), None, "{other:?}");
        }
        assert_eq!(Language::codes(), "nl, en");
    }
}
