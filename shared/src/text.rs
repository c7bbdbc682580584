//! Text people type that others will read: a name on a bill, a reason on a
//! statement. Characters that cannot be seen where they stand (control
//! characters, direction marks and overrides that turn text around unseen,
//! zero-width spaces, the byte-order mark, line separators, fillers that
//! print as blanks, noncharacters) are refused,
//! so what is printed is what was meant. The zero-width joiner and
//! non-joiner stay allowed: Indian scripts shape conjuncts with them.

/// `noun` after its indefinite article, for messages: "an expiry", "a sale".
pub fn a_or_an(noun: &str) -> String {
    let article = match noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => "an",
        false => "a",
    };
    format!("{article} {noun}")
}

/// Whether `c` cannot be seen where it stands.
pub fn unseen(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061C}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180E}'
                | '\u{200B}'
                | '\u{200E}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FDD0}'..='\u{FDEF}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFFE}'..='\u{FFFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
        )
}

/// Why `text` cannot be taken as `what` ("a name"), naming the first
/// character that cannot be seen; `None` when every one can.
pub fn unseen_in(what: &str, text: &str) -> Option<String> {
    let c = text.chars().find(|c| unseen(*c))?;
    Some(format!(
        "{what} holds no control, direction or invisible characters (found U+{:04X})",
        c as u32
    ))
}

/// `value` trimmed, when it is 1 to `max` characters (or empty, when
/// `may_be_empty`) and every one can be seen; else why not, naming `field`.
pub fn line(field: &str, value: &str, max: usize, may_be_empty: bool) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() && !may_be_empty {
        return Err(format!("{field} must not be empty"));
    }
    if value.chars().count() > max {
        return Err(format!("{field} must be at most {max} characters"));
    }
    match unseen_in(field, value) {
        Some(why) => Err(why),
        None => Ok(value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_cannot_be_seen_is_named_and_indian_scripts_pass() {
        for bad in [
            "Asha\u{7}",
            "Mee\u{202E}na",
            "A\u{200B}B",
            "\u{FEFF}Ravi",
            "x\u{2028}y",
            "a\u{61C}b",
        ] {
            let why = unseen_in("a name", bad).expect(bad);
            assert!(why.starts_with("a name holds no control"), "{why}");
        }
        assert_eq!(
            unseen_in("a name", "Mee\u{202E}na").unwrap(),
            "a name holds no control, direction or invisible characters (found U+202E)"
        );
        assert_eq!(line("reason", "  damp  ", 10, false), Ok("damp".into()));
        assert_eq!(
            line("reason", " ", 10, false),
            Err("reason must not be empty".into())
        );
        assert_eq!(line("note", "", 10, true), Ok(String::new()));
        assert_eq!(
            line("reason", "x".repeat(11).as_str(), 10, false),
            Err("reason must be at most 10 characters".into())
        );
        assert!(line("bill_no", "GB\u{202E}2", 40, false)
            .unwrap_err()
            .contains("U+202E"));
        // Devanagari and Malayalam with the joiners they shape with.
        for good in ["मीना अय्यर", "क्\u{200D}ष", "ന്\u{200D}", "Meena O'Brien-Iyer"]
        {
            assert_eq!(unseen_in("a name", good), None, "{good}");
        }
    }
}
