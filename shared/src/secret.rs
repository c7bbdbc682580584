//! [`Secret`]: a configured credential (an enrollment code, an admin token, a
//! database URL that may carry a password) that never prints.
//!
//! Config structs derive `Debug` and get logged; wrapping the secret fields
//! makes that safe by construction instead of by a hand-written `Debug` each
//! time. The only way to the text is [`Secret::expose`], so every use is
//! visible in review. There is deliberately no `Serialize`: printing the
//! effective configuration cannot include a secret by accident.

use std::fmt;

/// A string that shows as `<redacted>` in `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    /// Only strings; a value of another type is refused without echoing it,
    /// since serde's usual "invalid type: integer `1234`" would print the secret.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        fn refuse<E: serde::de::Error>() -> E {
            E::custom("expected a string (the value is a secret and is not shown)")
        }
        impl serde::de::Visitor<'_> for Visit {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Secret, E> {
                Ok(Secret(v))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Secret, E> {
                Err(refuse())
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Secret, E> {
                Err(refuse())
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Secret, E> {
                Err(refuse())
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Secret, E> {
                Err(refuse())
            }
            fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<Secret, E> {
                Err(refuse())
            }
        }
        // `deserialize_any`: some formats answer `deserialize_string` with their own
        // "invalid type" error that quotes the value, without asking the visitor.
        d.deserialize_any(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(
            format!("{s} {s:?} {:?}", Some(&s)),
            "<redacted> <redacted> Some(<redacted>)"
        );
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn a_mistyped_secret_is_refused_without_echoing_it() {
        let e = serde_json::from_str::<Secret>("987654321")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("987654321"), "{e}");
        assert!(e.contains("secret"), "{e}");
        let s: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(s.expose(), "abc");
    }
}
