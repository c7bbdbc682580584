//! HQ users' passwords: what the hub accepts as one, and how it keeps it.
//!
//! Passwords are stored as Argon2id PHC strings (the OWASP parameters the
//! `argon2` crate defaults to), so a copy of the database costs an attacker
//! real work per guess. Hashing takes tens of milliseconds of CPU on purpose;
//! the async wrappers run it on the blocking pool so it never stalls the
//! request threads.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::LazyLock;

pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 128;

/// Why a password is refused, in words for the person choosing it; `None`
/// when it is acceptable. Length is what matters most (NIST SP 800-63B), so
/// there are no composition rules, only the obvious weak choices.
pub fn weakness(password: &str, email: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Some(format!(
            "a password needs at least {MIN_CHARS} characters (this one has {chars})"
        ));
    }
    if chars > MAX_CHARS {
        return Some(format!("a password has at most {MAX_CHARS} characters"));
    }
    let distinct = {
        let mut seen: Vec<char> = password.chars().collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    };
    if distinct < 4 {
        return Some("a password needs more than a few different characters".into());
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if lower == email.to_lowercase() || (local.len() >= 4 && lower.contains(&local)) {
        return Some("a password must not contain the email address".into());
    }
    None
}

fn salt() -> SaltString {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    SaltString::encode_b64(&bytes).expect("16 bytes is a valid salt length")
}

/// The PHC string to store for `password`.
pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes(), &salt())
        .expect("Argon2 with default parameters accepts any password of bounded length")
        .to_string()
}

/// Whether `password` matches the stored PHC string (parameters are read from
/// it, so hashes made with older parameters still verify).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash no password matches, verified against when the email is unknown so
/// an unknown address takes as long to refuse as a wrong password.
static DECOY: LazyLock<String> = LazyLock::new(|| hash("the decoy for unknown addresses"));

pub async fn hash_off_thread(password: String) -> String {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .expect("password hashing does not panic")
}

/// Verifies off the request threads; `stored` of `None` (an unknown user, or
/// one who never set a password) spends the same time and fails.
pub async fn verify_off_thread(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match stored {
        Some(stored) => verify(&password, &stored),
        None => {
            verify(&password, &DECOY);
            false
        }
    })
    .await
    .expect("password verification does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_no_other() {
        let stored = hash("correct horse battery");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse battery!", &stored));
        assert!(!verify("correct horse battery", "not a phc string"));
        assert_ne!(stored, hash("correct horse battery"), "salted");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let email = "asha.rao@example.com";
        assert!(weakness("short", email).unwrap().contains("at least 10"));
        assert!(weakness("aaaaaaaaaaaa", email).is_some());
        assert!(weakness(&"ab12".repeat(40), email)
            .unwrap()
            .contains("at most"));
        assert!(weakness("Asha.Rao-2026!", email).unwrap().contains("email"));
        assert_eq!(weakness("tulip-quarry-maple", email), None);
        assert_eq!(
            weakness("ünïcødé-pässwörd", email),
            None,
            "counted in characters"
        );
    }
}
