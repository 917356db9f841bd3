//! Map label glyphs: the fonts compiled into the atlas (`fonts/`), served as
//! MapLibre's signed-distance-field glyph ranges, each range of a font stack
//! rendered once on first request and then kept.
//!
//! The rendering is martin's (the `pbf_font_tools` crate on FreeType, 24 px,
//! a 3 px buffer, radius 8, cut-off 0.25), so both answer the same bytes
//! for the same font. A font stack is a comma-separated list of font names;
//! each code point comes from the first font that has it. Nothing is read
//! from disk: a name is looked up among the compiled-in fonts or refused.

mod range;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pbf_font_tools::freetype::{Face, Library};
use pbf_font_tools::prost::Message;
use pbf_font_tools::{render_sdf_glyph, Fontstack, Glyphs};

pub use range::GlyphRange;

/// The font the style labels with, and the one for names that stand out.
pub const REGULAR: &str = "Noto Sans Regular";
pub const BOLD: &str = "Noto Sans Bold";

/// The compiled-in fonts by the name a style uses (family and style).
const FONTS: [(&str, &[u8]); 2] = [
    (REGULAR, include_bytes!("../../fonts/NotoSans-Regular.ttf")),
    (BOLD, include_bytes!("../../fonts/NotoSans-Bold.ttf")),
];

/// At most this many names in a stack (a style names one or two).
pub const MAX_FONTS_PER_STACK: usize = 4;

const FONT_SIZE_PX: isize = 24;
const BUFFER_PX: usize = 3;
const RADIUS_PX: usize = 8;
const CUTOFF: f64 = 0.25;

/// Why a glyph request has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GlyphError {
    /// The range is not `{start}-{end}` of 256 code points from a multiple of 256.
    #[error("{0}")]
    BadRange(String),
    /// The stack is empty, too long, or a name holds a path character.
    #[error("{0}")]
    BadFontStack(String),
    /// A name is none of the atlas's fonts.
    #[error("no font named {0:?}; the atlas has {names}", names = font_names().join(", "))]
    UnknownFont(String),
    #[error("the font could not be rendered: {0}")]
    Render(String),
}

/// The names of the compiled-in fonts.
pub fn font_names() -> Vec<&'static str> {
    FONTS.iter().map(|(name, _)| *name).collect()
}

/// The fonts of a stack as indices into `FONTS`, in order, each once.
fn parse_stack(stack: &str) -> Result<Vec<usize>, GlyphError> {
    let mut fonts = Vec::new();
    for name in stack.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(GlyphError::BadFontStack(format!(
                "font stack {stack:?} has an empty name"
            )));
        }
        if name.contains("..") || name.contains(['/', '\\', '\0']) {
            return Err(GlyphError::BadFontStack(format!(
                "a font name holds no path: {name:?}"
            )));
        }
        let index = FONTS
            .iter()
            .position(|(known, _)| *known == name)
            .ok_or_else(|| GlyphError::UnknownFont(name.to_string()))?;
        if !fonts.contains(&index) {
            fonts.push(index);
        }
        if fonts.len() > MAX_FONTS_PER_STACK {
            return Err(GlyphError::BadFontStack(format!(
                "at most {MAX_FONTS_PER_STACK} fonts in a stack"
            )));
        }
    }
    Ok(fonts)
}

/// The glyph ranges served, rendered on first request and kept: at most
/// every ordering of the fonts times 256 ranges, so the memory is bounded.
#[derive(Default)]
pub struct GlyphCache {
    ranges: Mutex<HashMap<RangeKey, Arc<RangeBytes>>>,
}

/// A rendered range's key: the stack's fonts (indices into `FONTS`) and the range's start.
type RangeKey = (Vec<usize>, u32);

/// One rendered range: the protobuf message, the same gzipped (made once,
/// at the default level), and an ETag from its XXH3 hash. `Bytes`, so that
/// an answer shares them instead of copying.
#[derive(Debug)]
pub struct RangeBytes {
    pub pbf: bytes::Bytes,
    pub gzip: bytes::Bytes,
    pub etag: String,
}

impl RangeBytes {
    fn new(pbf: Vec<u8>) -> Result<RangeBytes, GlyphError> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let gzip = encoder
            .write_all(&pbf)
            .and_then(|()| encoder.finish())
            .map_err(|error| GlyphError::Render(error.to_string()))?;
        let etag = format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&pbf));
        Ok(RangeBytes {
            pbf: pbf.into(),
            gzip: gzip.into(),
            etag,
        })
    }
}

impl GlyphCache {
    /// The protobuf `glyphs` message of `range` for the font `stack`.
    /// CPU-heavy on a miss (about 256 glyphs rendered per font): call it
    /// off the async workers.
    pub fn range(&self, stack: &str, range: GlyphRange) -> Result<Arc<RangeBytes>, GlyphError> {
        let fonts = parse_stack(stack)?;
        let key = (fonts, range.start());
        if let Some(bytes) = self.ranges.lock().expect("glyph cache").get(&key) {
            return Ok(bytes.clone());
        }
        let bytes = Arc::new(RangeBytes::new(render_range(&key.0, range)?)?);
        self.ranges
            .lock()
            .expect("glyph cache")
            .insert(key, bytes.clone());
        Ok(bytes)
    }

    /// Render every range each font has a glyph in (about 25 a font, some
    /// 10 ms each), Basic Latin and Latin-1 first, so that no map waits on
    /// glyphs after the start-up.
    pub fn warm(&self) -> Result<(), GlyphError> {
        for (font, (name, _)) in FONTS.iter().enumerate() {
            for range in covered_ranges(font)? {
                self.range(name, range)?;
            }
        }
        Ok(())
    }
}

/// The ranges in which a font has at least one glyph, in order.
fn covered_ranges(font: usize) -> Result<Vec<GlyphRange>, GlyphError> {
    let render_error = |error: &dyn std::fmt::Display| GlyphError::Render(error.to_string());
    let library = Library::init().map_err(|e| render_error(&e))?;
    let face: Face = library
        .new_memory_face(FONTS[font].1.to_vec(), 0)
        .map_err(|e| render_error(&e))?;
    Ok((0..=GlyphRange::LAST_START)
        .step_by(GlyphRange::SIZE as usize)
        .map(GlyphRange::starting_at)
        .filter(|range| {
            range
                .code_points()
                .any(|code_point| face.get_char_index(code_point as usize).is_some())
        })
        .collect())
}

/// Every glyph of `range` that a font of the stack has, the first font's first.
fn render_range(fonts: &[usize], range: GlyphRange) -> Result<Vec<u8>, GlyphError> {
    let render_error = |error: &dyn std::fmt::Display| GlyphError::Render(error.to_string());
    let library = Library::init().map_err(|e| render_error(&e))?;
    let mut names = Vec::with_capacity(fonts.len());
    let mut glyphs = Vec::new();
    let mut taken = [false; GlyphRange::SIZE as usize];
    for &font in fonts {
        let (name, bytes) = FONTS[font];
        names.push(name);
        let face: Face = library
            .new_memory_face(bytes.to_vec(), 0)
            .map_err(|e| render_error(&e))?;
        face.set_char_size(0, FONT_SIZE_PX << 6, 0, 0)
            .map_err(|e| render_error(&e))?;
        for code_point in range.code_points() {
            let slot = (code_point - range.start()) as usize;
            if taken[slot] || face.get_char_index(code_point as usize).is_none() {
                continue;
            }
            let glyph = render_sdf_glyph(&face, code_point, BUFFER_PX, RADIUS_PX, CUTOFF)
                .map_err(|e| render_error(&e))?;
            taken[slot] = true;
            glyphs.push(glyph);
        }
    }
    glyphs.sort_by_key(|glyph| glyph.id);
    let message = Glyphs {
        stacks: vec![Fontstack {
            name: names.join(", "),
            range: range.to_string(),
            glyphs,
        }],
    };
    Ok(message.encode_to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &RangeBytes) -> Glyphs {
        use std::io::Read;
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(bytes.gzip.as_ref())
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, bytes.pbf);
        Glyphs::decode(bytes.pbf.as_ref()).unwrap()
    }

    #[test]
    fn dutch_letters_are_in_the_latin_ranges() {
        let cache = GlyphCache::default();
        let latin1 = decode(&cache.range(REGULAR, GlyphRange::starting_at(0)).unwrap());
        let stack = &latin1.stacks[0];
        assert_eq!(stack.name, REGULAR);
        assert_eq!(stack.range, "0-255");
        let ids: Vec<u32> = stack.glyphs.iter().map(|glyph| glyph.id).collect();
        for letter in ['a', 'Z', 'é', 'ë', 'ç', '€'] {
            let expected = u32::from(letter) < 256;
            assert_eq!(ids.contains(&u32::from(letter)), expected, "{letter}");
        }
        let extended = decode(&cache.range(BOLD, GlyphRange::starting_at(256)).unwrap());
        let ij = extended.stacks[0]
            .glyphs
            .iter()
            .find(|glyph| glyph.id == 0x133)
            .unwrap();
        assert!(ij.width > 0 && ij.height > 0 && !ij.bitmap.as_ref().unwrap().is_empty());
        // a bitmap is (width + 2 buffer) × (height + 2 buffer) bytes
        let a = stack
            .glyphs
            .iter()
            .find(|glyph| glyph.id == u32::from('a'))
            .unwrap();
        let side = |n: u32| n as usize + 2 * BUFFER_PX;
        assert_eq!(
            a.bitmap.as_ref().unwrap().len(),
            side(a.width) * side(a.height)
        );
    }

    #[test]
    fn a_stack_takes_each_code_point_from_its_first_font() {
        let cache = GlyphCache::default();
        let both = decode(
            &cache
                .range(
                    "Noto Sans Bold, Noto Sans Regular",
                    GlyphRange::starting_at(0),
                )
                .unwrap(),
        );
        let bold = decode(&cache.range(BOLD, GlyphRange::starting_at(0)).unwrap());
        assert_eq!(both.stacks[0].name, "Noto Sans Bold, Noto Sans Regular");
        assert_eq!(both.stacks[0].glyphs, bold.stacks[0].glyphs);
        // kept: the second request answers the same bytes
        let again = cache.range(BOLD, GlyphRange::starting_at(0)).unwrap();
        assert_eq!(decode(&again), bold);
    }

    #[test]
    fn the_covered_ranges_are_those_with_glyphs() {
        let ranges = covered_ranges(0).unwrap();
        assert_eq!(
            &ranges[..2],
            &[GlyphRange::starting_at(0), GlyphRange::starting_at(256)]
        );
        assert!(!ranges.contains(&GlyphRange::starting_at(0x4e00)));
        let cache = GlyphCache::default();
        for range in [
            GlyphRange::starting_at(0x4e00),
            GlyphRange::starting_at(0xd800),
        ] {
            assert_eq!(
                ranges.contains(&range),
                !decode(&cache.range(REGULAR, range).unwrap()).stacks[0]
                    .glyphs
                    .is_empty()
            );
        }
        for range in &ranges {
            assert!(
                !decode(&cache.range(REGULAR, *range).unwrap()).stacks[0]
                    .glyphs
                    .is_empty(),
                "{range}"
            );
        }
    }

    #[test]
    fn a_range_the_fonts_do_not_cover_is_an_empty_stack() {
        let cjk = decode(
            &GlyphCache::default()
                .range(REGULAR, GlyphRange::starting_at(0x4e00))
                .unwrap(),
        );
        assert_eq!(cjk.stacks[0].range, "19968-20223");
        assert!(cjk.stacks[0].glyphs.is_empty());
    }

    #[test]
    fn stacks_name_only_the_atlas_fonts() {
        assert_eq!(
            parse_stack("Noto Sans Regular,Noto Sans Regular").unwrap(),
            vec![0]
        );
        for (stack, wanted) in [
            ("Arial Unicode MS Regular", "UnknownFont"),
            ("../../etc/passwd", "BadFontStack"),
            ("Noto Sans Regular,..", "BadFontStack"),
            ("fonts/NotoSans-Regular.ttf", "BadFontStack"),
            ("", "BadFontStack"),
            ("Noto Sans Regular,", "BadFontStack"),
        ] {
            let error = parse_stack(stack).unwrap_err();
            assert!(
                format!("{error:?}").starts_with(wanted),
                "{stack:?}: {error:?}"
            );
        }
    }
}
