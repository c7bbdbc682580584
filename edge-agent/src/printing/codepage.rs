//! Code pages: which bytes a printer needs for a piece of text.
//!
//! Receipt printers show one-byte code pages (CP437, PC858 with the euro sign)
//! unless the profile says the printer takes UTF-8. A character the page lacks is
//! replaced by a readable stand-in (`₹` becomes `Rs.`), never by a wrong glyph.

use oem_cp::code_table::{ENCODING_TABLE_CP437, ENCODING_TABLE_CP858};
use serde::Serialize;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CodePage {
    /// PC437, USA standard Europe.
    Cp437,
    /// PC858, multilingual Latin with the euro sign.
    Pc858,
    /// UTF-8, on printers with Unicode fonts (Indic scripts and `₹`).
    Utf8,
}

impl CodePage {
    pub fn parse(name: &str) -> Result<Self, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "cp437" | "pc437" | "437" => Ok(CodePage::Cp437),
            "pc858" | "cp858" | "858" => Ok(CodePage::Pc858),
            "utf8" | "utf-8" => Ok(CodePage::Utf8),
            other => Err(format!(
                "code page {other:?} is not one of cp437, pc858, utf8"
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CodePage::Cp437 => "cp437",
            CodePage::Pc858 => "pc858",
            CodePage::Utf8 => "utf8",
        }
    }

    /// The `ESC t` table number, or `None` for UTF-8 (selected with `FS ( C`).
    pub fn escpos_table(self) -> Option<u8> {
        match self {
            CodePage::Cp437 => Some(0),
            CodePage::Pc858 => Some(19),
            CodePage::Utf8 => None,
        }
    }

    fn byte_for(self, c: char) -> Option<u8> {
        if c.is_ascii() {
            return (!c.is_ascii_control() || c == '\n').then_some(c as u8);
        }
        match self {
            CodePage::Cp437 => ENCODING_TABLE_CP437.get(&c).copied(),
            CodePage::Pc858 => ENCODING_TABLE_CP858.get(&c).copied(),
            CodePage::Utf8 => None,
        }
    }

    /// Whether the page shows `c` as itself.
    pub fn shows(self, c: char) -> bool {
        match self {
            CodePage::Utf8 => !c.is_control() || c == '\n',
            page => page.byte_for(c).is_some(),
        }
    }

    /// `text` as this page's bytes, with stand-ins for what it lacks.
    pub fn encode(self, text: &str) -> Vec<u8> {
        if self == CodePage::Utf8 {
            return text
                .chars()
                .filter(|&c| self.shows(c))
                .collect::<String>()
                .into_bytes();
        }
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            if let Some(b) = self.byte_for(c) {
                out.push(b);
            } else if c.is_control() {
                // Control characters would be read as commands: drop them.
            } else {
                for s in stand_in(c).chars() {
                    out.push(self.byte_for(s).unwrap_or(b'?'));
                }
            }
        }
        out
    }

    /// The text as the printer will show it (for previews and tests).
    pub fn visible(self, text: &str) -> String {
        text.chars()
            .map(|c| {
                if self.shows(c) {
                    c.to_string()
                } else if c.is_control() {
                    String::new()
                } else {
                    stand_in(c)
                        .chars()
                        .map(|s| if self.shows(s) { s } else { '?' })
                        .collect()
                }
            })
            .collect()
    }
}

/// What to print for a character a page lacks.
fn stand_in(c: char) -> &'static str {
    match c {
        '₹' => "Rs.",
        '€' => "EUR",
        '\u{2018}' | '\u{2019}' | '\u{2032}' => "'",
        '\u{201c}' | '\u{201d}' | '\u{2033}' => "\"",
        '\u{2010}'..='\u{2015}' | '\u{2212}' => "-",
        '\u{2026}' => "...",
        '×' => "x",
        '•' | '\u{00b7}' => "*",
        '\u{00a0}' | '\u{2009}' | '\u{202f}' => " ",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_encode_their_own_characters() {
        assert_eq!(CodePage::Cp437.encode("Café"), b"Caf\x82");
        assert_eq!(CodePage::Pc858.encode("€"), vec![0xd5]);
        assert_eq!(CodePage::Cp437.encode("€5"), b"EUR5");
        assert_eq!(CodePage::Pc858.encode("₹10"), b"Rs.10");
        assert_eq!(CodePage::Utf8.encode("₹10"), "₹10".as_bytes());
        assert_eq!(CodePage::Cp437.encode("\u{1b}@x"), b"@x");
        assert_eq!(CodePage::Cp437.encode("नमक"), b"???");
        assert_eq!(CodePage::Cp437.visible("₹ नमक"), "Rs. ???");
    }
}
