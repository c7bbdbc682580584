//! Finding a customer the store has not met: the till's own profiles first
//! (its store's document, offline too), then, while the hub can be reached,
//! the chain's record of a customer first met at another store. A profile
//! found at the hub is taken into the store's document, so the store knows
//! the customer from then on, offline as well.

use super::{Till, TillError};
use crate::store::customers::{self, Customer, CustomerPatch};
use pos_shared::gstin::Gstin;

/// The customer with `phone` (already normalised): the store's own profile,
/// else the chain's. `None` when neither knows them, or the hub cannot be
/// asked now.
pub async fn find(till: &Till, phone: &str) -> Result<Option<Customer>, TillError> {
    let key = phone.to_owned();
    if let Some(known) = till.store.call(move |c| customers::get(c, &key)).await? {
        return Ok(Some(known));
    }
    let (Some(device), Some(hub)) = (till.sync.credential(), till.sync.hub.get().cloned()) else {
        return Ok(None);
    };
    let profile = match hub.customer(&device.token, phone).await {
        Ok(found) => found,
        Err(e) => {
            tracing::info!(error = %e, "the chain's customers could not be asked; the till knows its store's");
            return Ok(None);
        }
    };
    let Some(profile) = profile.filter(|p| p.phone == phone) else {
        return Ok(None);
    };
    // The hub checked the GSTIN when a till captured it; one that no longer
    // reads is left out rather than refusing the customer.
    let gstin = profile.gstin.as_deref().and_then(|g| Gstin::parse(g).ok());
    let patch = CustomerPatch {
        name: profile.name.clone(),
        gstin: gstin.as_ref().map(|g| g.to_string()),
    };
    let key = profile.phone.clone();
    let taken = till
        .store
        .call(move |c| customers::edit(c, &key, &patch, gstin))
        .await?;
    till.sync.docs_nudge.notify_one();
    Ok(Some(taken))
}
