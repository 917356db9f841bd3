//! A glyph range as MapLibre asks for it: 256 code points from a multiple
//! of 256, written `{start}-{end}`, within the Basic Multilingual Plane.

use std::fmt;
use std::str::FromStr;

use super::GlyphError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlyphRange {
    start: u32,
}

impl GlyphRange {
    pub const SIZE: u32 = 256;
    /// MapLibre asks for code points up to U+FFFF.
    pub const LAST_START: u32 = 0xFF00;

    /// The range that starts at `start` (a multiple of 256 up to 0xFF00).
    pub fn starting_at(start: u32) -> GlyphRange {
        assert!(start.is_multiple_of(Self::SIZE) && start <= Self::LAST_START);
        GlyphRange { start }
    }

    pub fn start(self) -> u32 {
        self.start
    }

    pub fn end(self) -> u32 {
        self.start + Self::SIZE - 1
    }

    pub fn code_points(self) -> std::ops::RangeInclusive<u32> {
        self.start..=self.end()
    }
}

impl fmt::Display for GlyphRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end())
    }
}

impl FromStr for GlyphRange {
    type Err = GlyphError;

    fn from_str(text: &str) -> Result<GlyphRange, GlyphError> {
        let bad = |why: &str| GlyphError::BadRange(format!("range {text:?}: {why}"));
        let (start, end) = text
            .split_once('-')
            .ok_or_else(|| bad("write it as {start}-{end}, e.g. 0-255"))?;
        let number = |part: &str| {
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<u32>().ok())
                .flatten()
                .ok_or_else(|| bad("start and end are whole numbers"))
        };
        let (start, end) = (number(start)?, number(end)?);
        if !start.is_multiple_of(Self::SIZE) || end != start.saturating_add(Self::SIZE - 1) {
            return Err(bad(
                "a range is 256 code points from a multiple of 256, e.g. 256-511",
            ));
        }
        if start > Self::LAST_START {
            return Err(bad("code points go up to 65535 (U+FFFF)"));
        }
        Ok(GlyphRange { start })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maplibre_ranges_parse_and_print_back() {
        for text in ["0-255", "256-511", "65280-65535"] {
            assert_eq!(text.parse::<GlyphRange>().unwrap().to_string(), text);
        }
        assert_eq!("512-767".parse::<GlyphRange>().unwrap().start(), 512);
    }

    #[test]
    fn other_ranges_are_refused_with_a_reason() {
        for text in [
            "0-100",
            "1-256",
            "256-255",
            "65536-65791",
            "0",
            "-255",
            "a-b",
            "+0-255",
            "0-255-511",
            "",
        ] {
            let error = text.parse::<GlyphRange>().unwrap_err();
            assert!(matches!(error, GlyphError::BadRange(_)), "{text}");
        }
    }
}
