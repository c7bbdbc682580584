//! Text a printer's code page lacks — Devanagari, Bengali, Gurmukhi,
//! Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam, Sinhala — printed as
//! raster images, so a Hindi item name prints as itself and not as `???`.
//!
//! These scripts need shaping (conjuncts, vowel signs placed around and over
//! their consonant) before they can be drawn: [`rustybuzz`] shapes each run
//! of the line with the Noto font for its script, [`ab_glyph`] draws the
//! glyphs, and the line becomes a 1-bit [`Raster`] as wide as the text. The
//! fonts come from Debian's `fonts-noto-core` ([`DEFAULT_FONT_DIR`], or the
//! `receipt.font_dir` setting). When a font is missing the line falls back
//! to the code page's stand-ins, and the agent says which font and where.
//!
//! Previews (text, HTML) keep the Unicode text: only the printer's bytes
//! carry the image.

use super::codepage::CodePage;
use super::escpos::Raster;
use ab_glyph::{Font, FontRef, GlyphId, PxScale};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Where Debian's `fonts-noto-core` puts its fonts.
pub const DEFAULT_FONT_DIR: &str = "/usr/share/fonts/truetype/noto";

/// Pixels per em of a normal line: font A is 24 dots high, and these scripts
/// need a little more for the marks above and below.
const EM_PX: f32 = 26.0;

/// The font file for the script of `c`; `None` for characters of no script
/// of their own (spaces, digits, punctuation, joiners), which go with the
/// run they are in.
fn font_file(c: char) -> Option<&'static str> {
    Some(match c as u32 {
        0x0900..=0x097F | 0xA8E0..=0xA8FF | 0x1CD0..=0x1CFF => "NotoSansDevanagari-Regular.ttf",
        0x0980..=0x09FF => "NotoSansBengali-Regular.ttf",
        0x0A00..=0x0A7F => "NotoSansGurmukhi-Regular.ttf",
        0x0A80..=0x0AFF => "NotoSansGujarati-Regular.ttf",
        0x0B00..=0x0B7F => "NotoSansOriya-Regular.ttf",
        0x0B80..=0x0BFF => "NotoSansTamil-Regular.ttf",
        0x0C00..=0x0C7F => "NotoSansTelugu-Regular.ttf",
        0x0C80..=0x0CFF => "NotoSansKannada-Regular.ttf",
        0x0D00..=0x0D7F => "NotoSansMalayalam-Regular.ttf",
        0x0D80..=0x0DFF => "NotoSansSinhala-Regular.ttf",
        _ if c.is_alphabetic() => "NotoSans-Regular.ttf",
        _ => return None,
    })
}

/// Whether `c` is printed as part of an image: the Indic scripts.
pub fn drawn(c: char) -> bool {
    matches!(c as u32, 0x0900..=0x0DFF | 0xA8E0..=0xA8FF | 0x1CD0..=0x1CFF)
}

/// Whether a line of text is printed as an image.
pub fn has_drawn(text: &str) -> bool {
    text.chars().any(drawn)
}

/// The text as a preview shows it: a line printed as an image keeps every
/// character; any other shows the code page's stand-ins.
pub fn shown(page: CodePage, text: &str) -> String {
    if has_drawn(text) {
        text.to_owned()
    } else {
        page.visible(text)
    }
}

/// The fonts in one directory, read when first needed and kept.
pub struct TextImages {
    dir: PathBuf,
    fonts: Mutex<HashMap<&'static str, Option<Arc<Vec<u8>>>>>,
}

impl std::fmt::Debug for TextImages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextImages")
            .field("dir", &self.dir)
            .finish()
    }
}

/// A glyph placed on the line, in pixels from the line's start and baseline.
struct Placed {
    font: Arc<Vec<u8>>,
    id: u16,
    x: f32,
    y: f32,
}

impl TextImages {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        TextImages {
            dir: dir.into(),
            fonts: Mutex::new(HashMap::new()),
        }
    }

    fn font(&self, file: &'static str) -> Result<Arc<Vec<u8>>, String> {
        let mut fonts = self.fonts.lock().unwrap_or_else(|e| e.into_inner());
        let loaded = fonts.entry(file).or_insert_with(|| {
            let path = self.dir.join(file);
            match std::fs::read(&path) {
                Ok(bytes) if rustybuzz::Face::from_slice(&bytes, 0).is_some() => {
                    Some(Arc::new(bytes))
                }
                Ok(_) => {
                    tracing::warn!(font = %path.display(), "not a font this agent can read");
                    None
                }
                Err(e) => {
                    tracing::warn!(font = %path.display(), error = %e, "font missing");
                    None
                }
            }
        });
        loaded.clone().ok_or_else(|| {
            format!(
                "font {} is missing or unreadable: install Debian's fonts-noto-core, \
                 or set receipt.font_dir (EDGE_RECEIPT_FONT_DIR) to a directory that has it",
                self.dir.join(file).display()
            )
        })
    }

    /// Why Hindi text would not print as itself, if it would not: the check
    /// the agent makes when it starts.
    pub fn problem(&self) -> Option<String> {
        ["NotoSansDevanagari-Regular.ttf", "NotoSans-Regular.ttf"]
            .into_iter()
            .find_map(|f| self.font(f).err())
    }

    /// Shapes `text` in runs of one font each; the glyphs placed at `em`
    /// pixels per em, and the line's width.
    fn shape(&self, text: &str, em: f32) -> Result<(Vec<Placed>, f32), String> {
        // Split into runs by font; characters of no script join the run they
        // are in (or the first run, at the start).
        let mut runs: Vec<(&'static str, String)> = Vec::new();
        let mut pending = String::new();
        for c in text.chars() {
            match font_file(c) {
                Some(f) => match runs.last_mut() {
                    Some((last, run)) if *last == f => {
                        run.push_str(&pending);
                        run.push(c);
                        pending.clear();
                    }
                    Some((_, run)) => {
                        // Spaces between scripts stay with the run before.
                        run.push_str(&pending);
                        pending.clear();
                        runs.push((f, c.to_string()));
                    }
                    None => {
                        pending.push(c);
                        runs.push((f, std::mem::take(&mut pending)));
                    }
                },
                None => pending.push(c),
            }
        }
        match runs.last_mut() {
            Some((_, run)) => run.push_str(&pending),
            None if !pending.is_empty() => runs.push(("NotoSans-Regular.ttf", pending)),
            None => {}
        }
        let mut placed = Vec::new();
        let mut pen = 0f32;
        for (file, run) in runs {
            let bytes = self.font(file)?;
            let face = rustybuzz::Face::from_slice(&bytes, 0)
                .ok_or_else(|| format!("font {file} cannot be read"))?;
            let k = em / face.units_per_em() as f32;
            let mut buffer = rustybuzz::UnicodeBuffer::new();
            buffer.push_str(&run);
            buffer.guess_segment_properties();
            let shaped = rustybuzz::shape(&face, &[], buffer);
            for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
                placed.push(Placed {
                    font: bytes.clone(),
                    id: info.glyph_id as u16,
                    x: pen + pos.x_offset as f32 * k,
                    y: -(pos.y_offset as f32) * k,
                });
                pen += pos.x_advance as f32 * k;
            }
        }
        Ok((placed, pen))
    }

    /// `text` as one or more images no wider than `max_width` dots (wrapped
    /// at spaces), `double` for the double-size lines, `bold` thickened.
    pub fn draw(
        &self,
        text: &str,
        max_width: u32,
        bold: bool,
        double: bool,
    ) -> Result<Vec<Raster>, String> {
        let em = if double { EM_PX * 2.0 } else { EM_PX };
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let candidate = if current.is_empty() {
                word.to_owned()
            } else {
                format!("{current} {word}")
            };
            if !current.is_empty() && self.shape(&candidate, em)?.1.ceil() as u32 > max_width {
                lines.push(std::mem::replace(&mut current, word.to_owned()));
            } else {
                current = candidate;
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
        lines
            .iter()
            .map(|l| self.draw_line(l, em, max_width, bold))
            .collect()
    }

    fn draw_line(&self, text: &str, em: f32, max_width: u32, bold: bool) -> Result<Raster, String> {
        let (placed, width) = self.shape(text, em)?;
        // Room above and below the baseline for every font on the line.
        let (mut above, mut below) = (em * 0.8, em * 0.25);
        for p in &placed {
            if let Ok(font) = FontRef::try_from_slice(&p.font) {
                let per_unit = em / font.units_per_em().unwrap_or(1000.0);
                above = above.max(font.ascent_unscaled() * per_unit);
                below = below.max(-font.descent_unscaled() * per_unit);
            }
        }
        let w = (width.ceil() as u32 + 2).clamp(8, max_width.max(8));
        let h = (above + below).ceil() as u32 + 2;
        let baseline = above.ceil() + 1.0;
        let mut ink = vec![false; (w * h) as usize];
        for p in &placed {
            let Ok(font) = FontRef::try_from_slice(&p.font) else {
                continue;
            };
            // ab_glyph scales by the font's height (ascent - descent), not its em.
            let scale = em * font.height_unscaled() / font.units_per_em().unwrap_or(1000.0);
            let glyph = GlyphId(p.id).with_scale_and_position(
                PxScale::from(scale),
                ab_glyph::point(p.x + 1.0, baseline + p.y),
            );
            if let Some(outlined) = font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                outlined.draw(|x, y, coverage| {
                    let (px, py) = (
                        bounds.min.x as i64 + x as i64,
                        bounds.min.y as i64 + y as i64,
                    );
                    if coverage >= 0.45 && px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h
                    {
                        ink[(py as u32 * w + px as u32) as usize] = true;
                        if bold && (px as u32) + 1 < w {
                            ink[(py as u32 * w + px as u32 + 1) as usize] = true;
                        }
                    }
                });
            }
        }
        Ok(super::raster::pack(w, h, |x, y| ink[(y * w + x) as usize]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Option<TextImages> {
        let t = TextImages::new(DEFAULT_FONT_DIR);
        match t.problem() {
            None => Some(t),
            Some(p) => {
                // scripts/test.sh installs fonts-noto-core; say so where it is not.
                eprintln!("skipped: {p}");
                None
            }
        }
    }

    #[test]
    fn indic_text_is_drawn_and_other_text_is_not() {
        assert!(has_drawn("बासमती चावल"));
        assert!(has_drawn("Rice / அரிசி"));
        assert!(!has_drawn("Café ₹10"));
        assert_eq!(shown(CodePage::Cp437, "चावल ₹10"), "चावल ₹10");
        assert_eq!(shown(CodePage::Cp437, "Rice ₹10"), "Rice Rs.10");
    }

    #[test]
    fn devanagari_is_shaped_before_it_is_drawn() {
        let Some(t) = fonts() else { return };
        // क्ष is one conjunct glyph; कि puts the vowel sign before its consonant.
        let (conjunct, _) = t.shape("क्ष", EM_PX).unwrap();
        assert_eq!(conjunct.len(), 1, "क + virama + ष shape to one glyph");
        let (ki, _) = t.shape("कि", EM_PX).unwrap();
        assert_eq!(ki.len(), 2);
        assert!(ki[0].x <= ki[1].x);
        let images = t.draw("नमक 1 kg", 576, false, false).unwrap();
        assert_eq!(images.len(), 1);
        let r = &images[0];
        assert!(r.width > 40 && r.width < 200, "{}", r.width);
        assert!(r.height >= 26 && r.height < 60, "{}", r.height);
        let black: u32 = r.bits.iter().map(|b| b.count_ones()).sum();
        assert!(black > 100, "ink on the line: {black}");
        // Too wide for the paper: wrapped at a space, never cut.
        let long = "बासमती चावल ".repeat(12);
        let lines = t.draw(&long, 384, false, false).unwrap();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.width <= 384));
    }

    #[test]
    fn a_missing_font_is_named_with_the_fix() {
        let t = TextImages::new("/nonexistent/fonts");
        let p = t.problem().unwrap();
        assert!(p.contains("NotoSansDevanagari-Regular.ttf"), "{p}");
        assert!(p.contains("fonts-noto-core"), "{p}");
        assert!(t.draw("नमक", 576, false, false).is_err());
    }
}
