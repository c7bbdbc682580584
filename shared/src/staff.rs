//! Store staff as tills know them: who may sign in, with which role, and the
//! salted hash their PIN is checked against. HQ sets the PIN at the hub; tills
//! receive only the hash, so they can sign staff in while offline.

use crate::{StaffId, StoreId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Roles, in order of what they may do.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StaffRole))]
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
    pub pin_salt: String,
    pub pin_hash: String,
    pub active: bool,
}

/// Rounds of SHA-256 over the salted PIN: slows a guessing attacker who has a
/// till's database; the till's lockout is what stops guessing at the counter.
const ROUNDS: u32 = 20_000;

pub fn hash_pin(salt: &str, pin: &str) -> String {
    let mut digest = Sha256::digest(format!("{salt}:{pin}").as_bytes());
    for _ in 1..ROUNDS {
        let mut h = Sha256::new();
        h.update(salt.as_bytes());
        h.update(digest);
        digest = h.finalize();
    }
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl StaffRecord {
    pub fn pin_matches(&self, pin: &str) -> bool {
        let given = hash_pin(&self.pin_salt, pin);
        // Compare without stopping at the first difference.
        given.len() == self.pin_hash.len()
            && given
                .bytes()
                .zip(self.pin_hash.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
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

    #[test]
    fn pins_are_checked_against_their_salted_hash() {
        let record = StaffRecord {
            staff_id: StaffId::new(),
            store_id: StoreId::new(),
            name: "Asha".into(),
            code: "101".into(),
            role: Role::Cashier,
            pin_salt: "c0ffee".into(),
            pin_hash: hash_pin("c0ffee", "4821"),
            active: true,
        };
        assert!(record.pin_matches("4821"));
        assert!(!record.pin_matches("4822"));
        assert_ne!(
            hash_pin("c0ffee", "4821"),
            hash_pin("beef", "4821"),
            "salted"
        );
        assert!(check_pin("4821").is_ok());
        for bad in ["123", "123456789", "12a4", "1111"] {
            assert!(check_pin(bad).is_err(), "{bad}");
        }
        assert!(Role::Manager > Role::Supervisor && Role::Supervisor > Role::Cashier);
    }
}
