//! Reading a binary's TOML configuration text into its settings type, with
//! errors that name the file, the line and the key.
//!
//! Both binaries use this, so a bad file reads the same way everywhere:
//! `edge-agent.toml, line 7, column 11: printers[1].profile: …`. The error
//! never quotes the file's text (toml's own `Display` shows the offending
//! line), because that line may hold a secret; the key path and position
//! are enough to find it. Reading the file is the caller's job: this crate
//! does no I/O.

use serde::de::DeserializeOwned;

/// Parses `text`, read from `origin` (a path, for messages), into `T`.
/// Unknown keys are errors when `T` says `deny_unknown_fields`.
pub fn parse<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, String> {
    let de = toml::Deserializer::parse(text).map_err(|e| describe(text, origin, "", &e))?;
    serde_path_to_error::deserialize(de)
        .map_err(|e| describe(text, origin, &e.path().to_string(), e.inner()))
}

fn describe(text: &str, origin: &str, path: &str, e: &toml::de::Error) -> String {
    let mut out = origin.to_owned();
    if let Some(span) = e.span() {
        let (line, column) = line_column(text, span.start);
        out += &format!(", line {line}, column {column}");
    }
    // The root path prints as "." and says nothing.
    if !path.is_empty() && path != "." {
        out += &format!(": {path}");
    }
    out + ": " + e.message().trim_end()
}

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        port: Option<u16>,
        #[serde(default)]
        inner: Inner,
    }

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        token: Option<crate::Secret>,
        every_ms: Option<u64>,
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let e =
            parse::<Sample>("port = 1\n\n[inner]\nevery_ms = \"soon\"\n", "a.toml").unwrap_err();
        assert!(
            e.starts_with("a.toml, line 4, column 12: inner.every_ms: "),
            "{e}"
        );
        let e = parse::<Sample>("port = 1\n[inner]\nevry_ms = 3\n", "a.toml").unwrap_err();
        assert!(
            e.starts_with("a.toml, line 3, column 1: inner.evry_ms: unknown field `evry_ms`"),
            "{e}"
        );
        let e = parse::<Sample>("port = = 1\n", "a.toml").unwrap_err();
        assert!(e.starts_with("a.toml, line 1, column 8: "), "{e}");
    }

    #[test]
    fn errors_never_quote_the_file() {
        let text = "[inner]\ntoken = 12345678\n";
        let e = parse::<Sample>(text, "a.toml").unwrap_err();
        assert!(e.contains("inner.token") && e.contains("line 2"), "{e}");
        assert!(!e.contains("12345678"), "{e}");
        let e = parse::<Sample>("port = 1\n[inner]\ntoken = \"s3cr3t\"\nx = 1\n", "a.toml")
            .unwrap_err();
        assert!(!e.contains("s3cr3t"), "{e}");
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_column("a\n₹b", 5), (2, 2));
        assert_eq!(line_column("", 0), (1, 1));
    }
}
