//! Secrets at rest: the hub's secret key and what it seals (the signing
//! secrets of source systems). AES-256-GCM through `ring`, a fresh random
//! nonce per seal, and the record's id as associated data, so a sealed value
//! copied onto another record does not open.
//!
//! A sealed value is `v1:<key id>:<base64 of nonce and ciphertext>`; the key
//! id (the first 8 hex digits of the key's SHA-256) lets a hub started with
//! the wrong key say so instead of failing to verify every webhook.

use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The key that seals secrets at rest: 32 bytes, given to the hub as base64
/// (`secret_key`, `HUB_SECRET_KEY`) or kept in a file.
#[derive(Clone)]
pub struct SecretKey {
    key: std::sync::Arc<LessSafeKey>,
    id: String,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.id)
    }
}

/// Why a sealed value does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("sealed with key {sealed_with}, but this hub's secret key is {ours}")]
    OtherKey { sealed_with: String, ours: String },
    #[error("the sealed value is damaged or belongs to another record")]
    Damaged,
}

const PREFIX: &str = "v1";

/// Whether a stored value is sealed (rather than kept as it is, from
/// before the hub had a key).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with("v1:")
}

impl SecretKey {
    /// Reads a key from its base64 text; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| format!("the secret key is not base64: {e}"))?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() != 32 {
            return Err(format!(
                "the secret key is {} bytes; it must be 32 (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)",
                bytes.len()
            ));
        }
        let unbound = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| "the secret key is not an AES-256 key".to_owned())?;
        let id = Sha256::digest(bytes)
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(SecretKey {
            key: std::sync::Arc::new(LessSafeKey::new(unbound)),
            id,
        })
    }

    /// The key kept in `path`, made (32 random bytes, readable by the hub's
    /// user only) when the file does not exist yet: the embedded default, so
    /// one command runs a hub that can hold secrets.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes)
                    .map_err(|e| format!("no random source for a secret key: {e}"))?;
                let text = base64::engine::general_purpose::STANDARD.encode(bytes);
                write_private(path, &text)
                    .map_err(|e| format!("cannot write the secret key {}: {e}", path.display()))?;
                tracing::info!(path = %path.display(), "made the hub's secret key");
                Self::from_bytes(&bytes)
            }
            Err(e) => Err(format!(
                "cannot read the secret key {}: {e}",
                path.display()
            )),
        }
    }

    /// The key's id, as sealed values name it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `plain` for the record `record` (its id, bound as associated data).
    pub fn seal(&self, record: uuid::Uuid, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the operating system's random source is unavailable");
        let mut sealed = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(record.as_bytes()),
                &mut sealed,
            )
            .expect("AES-GCM seals any length the hub stores");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!(
            "{PREFIX}:{}:{}",
            self.id,
            base64::engine::general_purpose::STANDARD.encode(out)
        )
    }

    /// Opens what [`SecretKey::seal`] sealed for the same record.
    pub fn open(&self, record: uuid::Uuid, sealed: &str) -> Result<String, SealError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some(PREFIX), Some(key_id), Some(data)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SealError::Damaged);
        };
        if key_id != self.id {
            return Err(SealError::OtherKey {
                sealed_with: key_id.to_owned(),
                ours: self.id.clone(),
            });
        }
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| SealError::Damaged)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Damaged);
        }
        let mut cipher = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| SealError::Damaged)?;
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(record.as_bytes()), &mut cipher)
            .map_err(|_| SealError::Damaged)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SealError::Damaged)
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretKey {
        SecretKey::from_bytes(&[byte; 32]).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_its_record() {
        let record = uuid::Uuid::now_v7();
        let sealed = key(1).seal(record, "whsec_abc");
        assert!(!sealed.contains("whsec_abc"));
        assert_eq!(key(1).open(record, &sealed).unwrap(), "whsec_abc");
        assert!(matches!(
            key(2).open(record, &sealed),
            Err(SealError::OtherKey { .. })
        ));
        assert_eq!(
            key(1).open(uuid::Uuid::now_v7(), &sealed),
            Err(SealError::Damaged)
        );
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(key(1).open(record, &tampered).is_err());
    }

    #[test]
    fn two_seals_of_one_secret_differ() {
        let record = uuid::Uuid::now_v7();
        assert_ne!(key(1).seal(record, "s"), key(1).seal(record, "s"));
    }

    #[test]
    fn keys_of_the_wrong_size_are_refused_by_name() {
        assert!(SecretKey::parse("c2hvcnQ=")
            .unwrap_err()
            .contains("5 bytes"));
        assert!(SecretKey::parse("not base64!").is_err());
    }

    #[test]
    fn a_key_file_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let made = SecretKey::load_or_create(&path).unwrap();
        let read = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(made.id(), read.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
