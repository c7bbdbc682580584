//! Enrollment: the till exchanges its one-time code for a device credential,
//! and, when the hub no longer takes that credential, tries a code it has not
//! enrolled with. A hub restored from a copy older than the till's enrollment
//! does not know the till; HQ makes its terminal again under its id
//! (`terminal_id` on `POST /v1/stores/{id}/terminals`) and the till, started
//! with the new code, takes its credential back as the same terminal, so its
//! receipts and queued sales stay its own.

use super::credential;
use super::{SyncError, Syncer};
use crate::store::{get_meta, set_meta};
use pos_shared::sync::DeviceCredential;
use sha2::{Digest, Sha256};

/// The meta key holding the hash of the last enrollment code the till used
/// or tried, so a code is tried once, not on every refusal.
const CODE_TRIED: &str = "enrollment_code_tried";

/// A code's fingerprint as the till keeps it (never the code itself).
fn fingerprint(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let digest = Sha256::digest(normalized.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Syncer {
    /// The credential, enrolling with the configured code first if there is none.
    pub(super) async fn ensure_enrolled(&self) -> Result<DeviceCredential, SyncError> {
        if let Some(c) = self.shared.credential() {
            return Ok(c);
        }
        let code = self.enroll_code.as_deref().ok_or_else(|| {
            SyncError::Setup(
                "this terminal is not enrolled: start it with EDGE_ENROLL_CODE set".into(),
            )
        })?;
        let install_id = self.store.call(|c| crate::store::install_id(c)).await?;
        let credential = self.client.enroll(code, install_id, None).await?;
        self.keep(&credential, code).await?;
        tracing::info!(terminal = %credential.terminal_id, "enrolled with the hub");
        Ok(credential)
    }

    /// The credential the loops use now: the one enrolled last.
    pub(super) fn credential_now(&self, first: &DeviceCredential) -> DeviceCredential {
        self.shared.credential().unwrap_or_else(|| first.clone())
    }

    /// The hub refused this till's credential. A configured code the till has
    /// not used nor tried is tried once: if the hub gives a credential for
    /// this same terminal (made again by HQ after a restore), the till takes
    /// it and goes on as before. A code for another terminal, or for this
    /// terminal made again at another store, leaves the till as it is (its
    /// sales are this terminal's, at its store), and says so. Answers
    /// whether the till enrolled again.
    pub(super) async fn enroll_again(&self) -> Result<bool, SyncError> {
        let (Some(code), Some(current)) = (self.enroll_code.clone(), self.shared.credential())
        else {
            return Ok(false);
        };
        let print = fingerprint(&code);
        let tried = self.store.call(|c| get_meta(c, CODE_TRIED)).await?;
        if tried.as_deref() == Some(print.as_str()) {
            return Ok(false);
        }
        let install_id = self.store.call(|c| crate::store::install_id(c)).await?;
        let was = pos_shared::sync::FormerTerminal {
            terminal_id: current.terminal_id,
            store_id: current.store_id,
        };
        let answer = self.client.enroll(&code, install_id, Some(was)).await;
        let mark_tried = |print: String| async move {
            self.store
                .call(move |c| set_meta(c, CODE_TRIED, &print))
                .await
        };
        match answer {
            // The same terminal at the same store: its sales are this
            // store's, so a terminal made again at another store is not it.
            Ok(credential)
                if credential.terminal_id == current.terminal_id
                    && credential.store_id == current.store_id
                    && credential.tenant_id == current.tenant_id =>
            {
                self.keep(&credential, &code).await?;
                tracing::warn!(
                    terminal = %credential.terminal_id,
                    "the hub did not take this till's credential; enrolled again as the same terminal with the new code"
                );
                Ok(true)
            }
            Ok(other) => {
                mark_tried(print).await?;
                tracing::error!(
                    code_for = %other.terminal_id, code_store = %other.store_id,
                    this_till = %current.terminal_id, this_store = %current.store_id,
                    "the enrollment code is for another terminal or store: this till keeps its identity (its sales are its \
                     store's and its own); ask HQ to revoke that terminal and to make this one again under its id \
                     (terminal_id) at its store"
                );
                Ok(false)
            }
            Err(e) if e.is_permanent() => {
                mark_tried(print).await?;
                tracing::warn!(error = %e, "the enrollment code was not taken");
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Saves `credential` (got with `code`) and makes it the one in use.
    async fn keep(&self, credential: &DeviceCredential, code: &str) -> Result<(), SyncError> {
        credential::save(&self.data_dir, credential).map_err(SyncError::Setup)?;
        let print = fingerprint(code);
        self.store
            .call(move |c| set_meta(c, CODE_TRIED, &print))
            .await?;
        *self
            .shared
            .credential
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(credential.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn a_code_is_known_however_it_was_typed() {
        assert_eq!(fingerprint("ab12-cd34"), fingerprint("AB12CD34"));
        assert_ne!(fingerprint("AB12CD34"), fingerprint("AB12CD35"));
        assert_eq!(fingerprint("x").len(), 64);
    }
}
