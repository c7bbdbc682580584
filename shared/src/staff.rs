//! Store staff as tills know them: who may sign in, with which role, and the
//! hash their PIN is checked against. HQ sets the PIN at the hub, which hashes
//! it; tills receive only the hash, so they can sign staff in while offline.
//!
//! PINs are hashed with Argon2id and stored as a PHC string
//! (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), so the cost travels with the hash
//! and can be raised later without touching the tills. Records made before
//! that carry a salted, iterated SHA-256 ([`PinScheme::Legacy`]): they still
//! verify, but a copy of a till's database gives up such a PIN in minutes, so
//! HQ is shown who still has one and should be given a new PIN.

use crate::{StaffId, StoreId};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Roles, in order of what they may do.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StaffRole))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Cashier,
    Supervisor,
    Manager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cashier => "cashier",
            Role::Supervisor => "supervisor",
            Role::Manager => "manager",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "cashier" => Some(Role::Cashier),
            "supervisor" => Some(Role::Supervisor),
            "manager" => Some(Role::Manager),
            _ => None,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRecord {
    pub staff_id: StaffId,
    pub store_id: StoreId,
    pub name: String,
    /// What they type to sign in, with their PIN: unique in the store.
    pub code: String,
    pub role: Role,
    /// The legacy scheme's salt; empty for an Argon2id hash, which holds its
    /// own. Still sent: tills from before Argon2id require the field (they
    /// cannot verify an Argon2id hash, so such a member cannot sign in there
    /// until the till is updated, but nothing fails worse than that).
    pub pin_salt: String,
    /// An Argon2id PHC string, or the legacy scheme's hex digest.
    pub pin_hash: String,
    pub active: bool,
}

/// How a member of staff's PIN hash was made.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinScheme {
    /// Salted, iterated SHA-256, from before Argon2id: quick to guess from a
    /// copy of a till's database. Setting a new PIN replaces it.
    Legacy,
    /// Argon2id, with its parameters in the stored string.
    Argon2id,
}

impl PinScheme {
    /// The scheme of a stored hash: an Argon2id PHC string says so at its start.
    pub fn of(pin_hash: &str) -> Self {
        if pin_hash.starts_with("$argon2id$") {
            PinScheme::Argon2id
        } else {
            PinScheme::Legacy
        }
    }
}

/// Argon2id's cost for a PIN: 64 MiB, 2 passes, 1 lane. Measured at 107 to
/// 120 ms a guess on the 2-core development machine while other builds ran
/// (release build, `cargo test --release -p pos-shared pin_hash_cost --
/// --ignored --nocapture`; up to 280 ms when it was busier), so well above
/// 50 ms on an idle core. A PIN has at most 10^8 values (10^4 for most), so
/// the cost of each guess is what stands between a copy of a till's database
/// and the PIN; the memory keeps GPUs from making guesses much cheaper. The
/// till pays it once per sign-in or approval, off its async threads.
const PIN_PARAMS: Params = match Params::new(64 * 1024, 2, 1, None) {
    Ok(params) => params,
    Err(_) => panic!("the PIN parameters are within Argon2's limits"),
};

/// The most a till spends on one stored hash: parameters can be raised later
/// (they travel in the hash) up to four times today's memory, but a hash
/// asking for more than this is refused rather than computed, so a damaged
/// record cannot exhaust a till's memory or hold a sign-in for minutes.
const MAX_VERIFY_MEMORY_KIB: u32 = 256 * 1024;
const MAX_VERIFY_PASSES: u32 = 16;
const MAX_VERIFY_LANES: u32 = 8;

/// Bytes of random salt the hub draws for each PIN it hashes.
pub const PIN_SALT_LEN: usize = 16;

/// The Argon2id PHC string to store for `pin`, salted with `salt` (random,
/// drawn by the caller: this crate does no I/O). Takes about a tenth of a
/// second on purpose; call it off async threads.
pub fn hash_pin(pin: &str, salt: &[u8; PIN_SALT_LEN]) -> String {
    let salt = SaltString::encode_b64(salt).expect("16 bytes is a valid salt length");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PIN_PARAMS)
        .hash_password(pin.as_bytes(), &salt)
        .expect("Argon2id with fixed parameters accepts any PIN of bounded length")
        .to_string()
}

/// Whether `pin` matches an Argon2id PHC string, with the parameters in it.
fn argon2_matches(stored: &str, pin: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_VERIFY_MEMORY_KIB
        || params.t_cost() > MAX_VERIFY_PASSES
        || params.p_cost() > MAX_VERIFY_LANES
    {
        return false;
    }
    // Verification hashes with the string's algorithm, version and
    // parameters, and compares in constant time.
    Argon2::default()
        .verify_password(pin.as_bytes(), &parsed)
        .is_ok()
}

/// Rounds of SHA-256 over the salted PIN in the legacy scheme.
const LEGACY_ROUNDS: u32 = 20_000;

/// The legacy scheme's hex digest of `pin`: only to check records made before
/// Argon2id (and to make such records in tests). New PINs use [`hash_pin`].
pub fn legacy_hash_pin(salt: &str, pin: &str) -> String {
    let mut digest = Sha256::digest(format!("{salt}:{pin}").as_bytes());
    for _ in 1..LEGACY_ROUNDS {
        let mut h = Sha256::new();
        h.update(salt.as_bytes());
        h.update(digest);
        digest = h.finalize();
    }
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl StaffRecord {
    pub fn pin_scheme(&self) -> PinScheme {
        PinScheme::of(&self.pin_hash)
    }

    /// Whether `pin` is this member's PIN, under whichever scheme their hash
    /// was made with. Slow on purpose (about a tenth of a second for
    /// Argon2id): call it off async threads.
    pub fn pin_matches(&self, pin: &str) -> bool {
        match self.pin_scheme() {
            PinScheme::Argon2id => argon2_matches(&self.pin_hash, pin),
            PinScheme::Legacy => {
                let given = legacy_hash_pin(&self.pin_salt, pin);
                // Compare without stopping at the first difference.
                given.len() == self.pin_hash.len()
                    && given
                        .bytes()
                        .zip(self.pin_hash.bytes())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
            }
        }
    }
}

/// A PIN is 4 to 8 digits, not all the same.
pub fn check_pin(pin: &str) -> Result<(), String> {
    let ok = (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err("a PIN is 4 to 8 digits".into());
    }
    if pin.bytes().all(|b| b == pin.as_bytes()[0]) {
        return Err("a PIN of one digit repeated is too easy to guess".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pin_salt: &str, pin_hash: String) -> StaffRecord {
        StaffRecord {
            staff_id: StaffId::new(),
            store_id: StoreId::new(),
            name: "Asha".into(),
            code: "101".into(),
            role: Role::Cashier,
            pin_salt: pin_salt.into(),
            pin_hash,
            active: true,
        }
    }

    #[test]
    fn pins_are_checked_against_their_argon2id_hash() {
        let stored = hash_pin("4821", &[7; PIN_SALT_LEN]);
        assert!(
            stored.starts_with("$argon2id$v=19$m=65536,t=2,p=1$"),
            "{stored}"
        );
        let asha = record("", stored.clone());
        assert_eq!(asha.pin_scheme(), PinScheme::Argon2id);
        assert!(asha.pin_matches("4821"));
        assert!(!asha.pin_matches("4822"));
        assert!(!asha.pin_matches(""));
        assert_ne!(stored, hash_pin("4821", &[8; PIN_SALT_LEN]), "salted");
    }

    #[test]
    fn argon2id_hashes_verify_with_the_parameters_they_carry() {
        // A hash made with other (cheaper) parameters still verifies: the
        // till reads them from the string, not from PIN_PARAMS.
        let salt = SaltString::encode_b64(&[3; PIN_SALT_LEN]).unwrap();
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"7305", &salt)
        .unwrap()
        .to_string();
        assert!(cheap.contains("m=8192,t=1,p=1"), "{cheap}");
        assert!(record("", cheap.clone()).pin_matches("7305"));
        assert!(!record("", cheap.clone()).pin_matches("7306"));

        // Damaged strings and costs beyond what a till spends match nothing.
        let greedy = cheap.replace("m=8192", "m=4194304");
        let damaged = format!("{}x", &cheap[..cheap.len() - 3]);
        for bad in [greedy, damaged, "$argon2id$".to_owned()] {
            let member = record("", bad.clone());
            assert_eq!(member.pin_scheme(), PinScheme::Argon2id, "{bad}");
            assert!(!member.pin_matches("7305"), "{bad}");
        }
    }

    #[test]
    fn legacy_hashes_still_verify() {
        let asha = record("c0ffee", legacy_hash_pin("c0ffee", "4821"));
        assert_eq!(asha.pin_scheme(), PinScheme::Legacy);
        assert!(asha.pin_matches("4821"));
        assert!(!asha.pin_matches("4822"));
        assert_ne!(
            legacy_hash_pin("c0ffee", "4821"),
            legacy_hash_pin("beef", "4821"),
            "salted"
        );
    }

    #[test]
    fn pins_and_roles_are_checked() {
        assert!(check_pin("4821").is_ok());
        for bad in ["123", "123456789", "12a4", "1111"] {
            assert!(check_pin(bad).is_err(), "{bad}");
        }
        assert!(Role::Manager > Role::Supervisor && Role::Supervisor > Role::Cashier);
    }

    /// Prints what one guess at a PIN costs with [`PIN_PARAMS`]; measure in
    /// a release build: `cargo test --release -p pos-shared pin_hash_cost --
    /// --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check: run it by name"]
    fn pin_hash_cost() {
        let stored = hash_pin("4821", &[9; PIN_SALT_LEN]);
        let member = record("", stored);
        let guesses = 20;
        let start = std::time::Instant::now();
        let matched = (0..guesses)
            .filter(|i| member.pin_matches(&format!("{:04}", 5000 + i)))
            .count();
        let ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(guesses);
        assert_eq!(matched, 0);
        println!(
            "argon2id m={} KiB t={} p={}: {ms:.1} ms per guess",
            PIN_PARAMS.m_cost(),
            PIN_PARAMS.t_cost(),
            PIN_PARAMS.p_cost()
        );
    }
}
