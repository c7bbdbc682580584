//! Pairing codes and device tokens, without I/O: what a code looks like, the
//! codes a supervisor has issued (each single use, valid for a while), the
//! throttle on guessing them, and the token a paired device gets in exchange.
//!
//! Codes live in memory only: one the agent forgets on a restart is simply
//! issued again at the till. Every decision takes `now`, so the rules are
//! tested here without waiting.

use pos_shared::sale::SaleCashier;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// Letters and digits without look-alikes (no 0/O, 1/I/L, U/V kept apart by
/// dropping U): 30 symbols, so 8 of them give 30^8 ≈ 6.6 × 10^11 codes.
const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const CODE_LEN: usize = 8;

/// Failed claims (unknown, expired or used codes) before pairing locks.
pub const MAX_FAILED_CLAIMS: u32 = 5;
/// How long pairing stays locked, unless a supervisor issues a new code.
pub const CLAIM_LOCKOUT: Duration = Duration::from_secs(300);
/// Spent codes are remembered this long past their expiry, so a late or
/// second claim is told "expired" or "used" rather than "unknown".
const KEEP_SPENT: Duration = Duration::from_secs(3600);
/// At most this many codes are remembered; the oldest go first.
const MAX_KEPT: usize = 100;

/// A well-formed pairing code: 8 symbols of [`ALPHABET`], kept without the
/// hyphen it is shown with (`7KQM-4XT2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingCode(String);

impl PairingCode {
    /// A fresh random code, uniform over the alphabet.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut code = String::with_capacity(CODE_LEN);
        let mut bytes = [0u8; 32];
        while code.len() < CODE_LEN {
            getrandom::fill(&mut bytes)?;
            // 240 = 8 × 30: bytes above it would favour the first symbols.
            for b in bytes.iter().filter(|b| **b < 240) {
                if code.len() == CODE_LEN {
                    break;
                }
                code.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
            }
        }
        Ok(PairingCode(code))
    }

    /// A code as a person types it: any case, with spaces or hyphens.
    pub fn parse(text: &str) -> Result<Self, String> {
        let code: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let well_formed = code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b));
        if !well_formed {
            return Err(format!(
                "a pairing code is {CODE_LEN} letters and digits such as 7KQM-4XT2, as the till shows it"
            ));
        }
        Ok(PairingCode(code))
    }

    /// As shown at the till: two groups of four.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..4], &self.0[4..])
    }
}

/// A device's bearer token: 32 random bytes in hex behind `hh_`, so a token
/// pasted somewhere it should not be is recognisable.
pub fn new_device_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("hh_{}", hex(&bytes)))
}

/// What the database keeps of a token: its SHA-256, in hex. A token has 256
/// random bits, so a plain hash (no salt, no stretching) cannot be reversed.
pub fn token_sha256(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a claim was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRefusal {
    /// No such code was issued (or it was cancelled when pairing locked).
    Unknown,
    Expired,
    Used,
}

/// A refused claim, and how many more pairing takes before it locks (0: it
/// just locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub why: ClaimRefusal,
    pub tries_left: u32,
}

/// Why a claim was not even looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    pub minutes: u64,
}

#[derive(Debug)]
struct Issued {
    code: PairingCode,
    issued_by: Option<SaleCashier>,
    expires: Instant,
    used: bool,
}

/// The codes issued at this till and the guessing throttle.
#[derive(Debug, Default)]
pub struct PairingDesk {
    codes: Vec<Issued>,
    failures: u32,
    locked_until: Option<Instant>,
}

impl PairingDesk {
    /// Adds a code valid for `ttl`. A supervisor at the till vouches for the
    /// pairing about to happen, so a lock from earlier guessing lifts.
    pub fn issue(
        &mut self,
        code: PairingCode,
        issued_by: Option<SaleCashier>,
        ttl: Duration,
        now: Instant,
    ) {
        self.prune(now);
        self.failures = 0;
        self.locked_until = None;
        if self.codes.len() >= MAX_KEPT {
            self.codes.remove(0);
        }
        self.codes.push(Issued {
            code,
            issued_by,
            expires: now + ttl,
            used: false,
        });
    }

    /// Claims `code` once: `Ok` with who issued it, marked used. Each refusal
    /// counts; the last one allowed locks pairing and cancels every code not
    /// yet used, so a guesser cannot keep aiming at a live code.
    pub fn claim(
        &mut self,
        code: &PairingCode,
        now: Instant,
    ) -> Result<Result<Option<SaleCashier>, Refused>, Locked> {
        if let Some(until) = self.locked_until {
            let left = until.saturating_duration_since(now);
            if !left.is_zero() {
                return Err(Locked {
                    minutes: left.as_secs().div_ceil(60),
                });
            }
            self.locked_until = None;
            self.failures = 0;
        }
        self.prune(now);
        let why = match self.codes.iter_mut().find(|i| i.code == *code) {
            Some(i) if i.used => ClaimRefusal::Used,
            Some(i) if now >= i.expires => ClaimRefusal::Expired,
            Some(i) => {
                i.used = true;
                self.failures = 0;
                return Ok(Ok(i.issued_by.clone()));
            }
            None => ClaimRefusal::Unknown,
        };
        self.failures += 1;
        let tries_left = MAX_FAILED_CLAIMS.saturating_sub(self.failures);
        if tries_left == 0 {
            self.locked_until = Some(now + CLAIM_LOCKOUT);
            self.codes.retain(|i| i.used || now >= i.expires);
        }
        Ok(Err(Refused { why, tries_left }))
    }

    /// Gives a claimed code back, when the pairing could not be written.
    pub fn unclaim(&mut self, code: &PairingCode) {
        if let Some(i) = self.codes.iter_mut().find(|i| i.code == *code) {
            i.used = false;
        }
    }

    fn prune(&mut self, now: Instant) {
        self.codes
            .retain(|i| now.saturating_duration_since(i.expires) < KEEP_SPENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(600);

    #[test]
    fn generated_codes_are_well_formed_and_differ() {
        let codes: Vec<PairingCode> = (0..200).map(|_| PairingCode::generate().unwrap()).collect();
        for c in &codes {
            assert_eq!(PairingCode::parse(&c.display()).as_ref(), Ok(c));
            assert_eq!(c.0.len(), CODE_LEN);
        }
        let mut distinct: Vec<&str> = codes.iter().map(|c| c.0.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), codes.len());
    }

    #[test]
    fn codes_are_read_as_people_type_them() {
        let want = PairingCode("7KQM4XT2".into());
        for typed in ["7KQM-4XT2", "7kqm4xt2", " 7KQM 4XT2 ", "7k-qm-4x-t2"] {
            assert_eq!(PairingCode::parse(typed), Ok(want.clone()), "{typed}");
        }
        assert_eq!(want.display(), "7KQM-4XT2");
        // Look-alikes are not in the alphabet, nor are short or long codes.
        for bad in [
            "0KQM4XT2",
            "OKQM4XT2",
            "1KQM4XT2",
            "IKQM4XT2",
            "7KQM4XT",
            "7KQM4XT22",
            "",
        ] {
            assert!(PairingCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tokens_are_long_random_and_stored_as_a_hash() {
        let (a, b) = (new_device_token().unwrap(), new_device_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        let hash = token_sha256(&a);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&a[3..]));
        assert_eq!(
            token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_code_is_claimed_once_within_its_time() {
        let now = Instant::now();
        let mut desk = PairingDesk::default();
        let (code, late) = (
            PairingCode("22222222".into()),
            PairingCode("33333333".into()),
        );
        desk.issue(code.clone(), None, TTL, now);
        desk.issue(late.clone(), None, TTL, now);
        assert_eq!(desk.claim(&code, now), Ok(Ok(None)));
        let refused = |why, tries_left| Ok(Err(Refused { why, tries_left }));
        assert_eq!(desk.claim(&code, now), refused(ClaimRefusal::Used, 4));
        assert_eq!(
            desk.claim(&late, now + TTL),
            refused(ClaimRefusal::Expired, 3)
        );
        let never = PairingCode("44444444".into());
        assert_eq!(desk.claim(&never, now), refused(ClaimRefusal::Unknown, 2));
        // Long past expiry a code is forgotten.
        assert_eq!(
            desk.claim(&late, now + TTL + KEEP_SPENT),
            refused(ClaimRefusal::Unknown, 1)
        );
    }

    #[test]
    fn guessing_locks_pairing_and_cancels_live_codes_until_a_new_code() {
        let now = Instant::now();
        let mut desk = PairingDesk::default();
        let live = PairingCode("55555555".into());
        desk.issue(live.clone(), None, TTL, now);
        let guess = PairingCode("66666666".into());
        for left in (0..MAX_FAILED_CLAIMS).rev() {
            assert_eq!(
                desk.claim(&guess, now),
                Ok(Err(Refused {
                    why: ClaimRefusal::Unknown,
                    tries_left: left
                }))
            );
        }
        assert_eq!(desk.claim(&live, now), Err(Locked { minutes: 5 }));
        // After the lockout the live code is gone: it was cancelled.
        let later = now + CLAIM_LOCKOUT;
        assert!(matches!(
            desk.claim(&live, later),
            Ok(Err(Refused {
                why: ClaimRefusal::Unknown,
                ..
            }))
        ));
        // A new code at the till lifts a lock at once.
        for _ in 0..MAX_FAILED_CLAIMS {
            let _ = desk.claim(&guess, later);
        }
        assert!(desk.claim(&guess, later).is_err());
        let fresh = PairingCode("77777777".into());
        desk.issue(fresh.clone(), None, TTL, later);
        assert_eq!(desk.claim(&fresh, later), Ok(Ok(None)));
    }
}
