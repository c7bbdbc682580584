//! The cashier's add-on hint: what sells with an item on the bill, as the
//! hub ranks it (HQ's pins, this store's sales, the chain's), kept to what
//! this till can sell now. The hub is asked about an item at most every 15
//! minutes, and briefly (the cashier is ringing up), and not while the sync
//! loop finds it unreachable. Offline, the last answer heard serves; none
//! is no hint, never an error.

use super::{Till, TillError};
use crate::pos::product::ProductView;
use crate::store::{add_ons, catalog};
use pos_shared::{Qty, Timestamp, VariantId};

/// How long an answer serves before the hub is asked again: HQ's pins and
/// exclusions reach the hint within this while the hub can be reached.
const FRESH_MS: i64 = 15 * 60 * 1000;
/// The most add-ons shown beside the bill.
pub const SHOWN: usize = 3;

/// What to offer beside `item`, best first: items this till has, may sell
/// and has stock of, at most [`SHOWN`].
pub async fn for_item(till: &Till, item: VariantId) -> Result<Vec<ProductView>, TillError> {
    let now = Timestamp::now().unix_millis();
    let kept = till.store.call(move |c| add_ons::get(c, item)).await?;
    let list = match kept {
        Some((list, at)) if (0..FRESH_MS).contains(&(now - at)) => list,
        kept => match ask_hub(till, item).await {
            Some(heard) => {
                let keep = heard.clone();
                till.store
                    .call(move |c| add_ons::put(c, item, &keep, now))
                    .await?;
                heard
            }
            None => kept.map(|(list, _)| list).unwrap_or_default(),
        },
    };
    Ok(till
        .store
        .call(move |c| {
            let mut shown = Vec::new();
            for add_on in list {
                if shown.len() == SHOWN {
                    break;
                }
                let Some(product) = catalog::product_by_id(c, add_on.variant_id)? else {
                    continue;
                };
                if product.not_for_sale.is_none() && product.available > Qty::ZERO {
                    shown.push(product);
                }
            }
            Ok(shown)
        })
        .await?)
}

/// The hub's add-ons for `item`; `None` when it cannot be asked now. An item
/// the hub does not know (or a hub too old to say) has none.
async fn ask_hub(till: &Till, item: VariantId) -> Option<Vec<pos_shared::addons::AddOn>> {
    // Not while the sync loop cannot reach the hub: each scan would wait out
    // a timeout for a hint.
    if !till.sync.link().reachable {
        return None;
    }
    let (device, hub) = (till.sync.credential()?, till.sync.hub.get().cloned()?);
    match hub.add_ons(&device.token, item).await {
        Ok(heard) => Some(heard.add_ons),
        Err(e) if e.is_permanent() && !e.is_credential_refused() => Some(Vec::new()),
        Err(e) => {
            tracing::debug!(error = %e, %item, "add-ons could not be asked; the last heard serve");
            None
        }
    }
}
