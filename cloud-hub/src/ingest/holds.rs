//! A source's holds on its items at its stores: an availability toggle, an
//! item a full menu lists (available or switched off), and one a full menu
//! leaves out ("not on the menu"). Only the source's own holds are put on,
//! reworded or lifted: one HQ (or another source) put on stays as it is,
//! and a toggle never brings back an item that is off the menu.

use super::apply::{refuse, Applied, Applier, Failure};
use super::AvailabilityChange;
use crate::storage::DbError;
use pos_shared::{ProductId, StoreId, VariantId};

/// What a source does to its hold on an item at a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// A toggle switched it off, or on.
    ToggledOff,
    ToggledOn,
    /// A full menu lists it, available or switched off.
    ListedAvailable,
    ListedUnavailable,
    /// A full menu left it out.
    OffMenu,
}

/// The source's hold on an item at a store as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    Not,
    Toggled,
    OffMenu,
}

impl Applier<'_> {
    /// Holds, at the listing's stores, the source's items a full listing
    /// leaves out (taken off the menu), each counted as an entity.
    pub(super) async fn retire_missing(&mut self, listing: &super::Listing) -> Result<(), DbError> {
        let Ok(stores) = self.stores(listing.location.as_deref()) else {
            return Ok(()); // every item was refused for the unknown store already
        };
        for (external, product) in self
            .storage
            .source_entities(self.tenant, self.source.id, "product")
            .await?
        {
            if listing.items.contains(&external) {
                continue;
            }
            let mut changed = false;
            for variant in self
                .storage
                .variants_of(self.tenant, ProductId::from_uuid(product))
                .await?
            {
                for store in &stores {
                    changed |= self.hold(*store, variant, Hold::OffMenu).await?;
                }
            }
            self.counts.received += 1;
            if changed {
                self.counts.applied += 1;
            } else {
                self.counts.unchanged += 1;
            }
        }
        Ok(())
    }

    pub(super) fn off_menu_reason(&self) -> String {
        format!("not on the menu of {}", self.source.name)
    }

    /// Switches an item on or off at `stores`: from the menu (`from_menu`:
    /// it is listed, so a hold for being off the menu goes too) or from a
    /// toggle (which lifts only a toggle's hold).
    pub(super) async fn set_available(
        &self,
        stores: &[StoreId],
        variant: VariantId,
        available: bool,
        from_menu: bool,
    ) -> Result<bool, Failure> {
        let action = match (available, from_menu) {
            (true, true) => Hold::ListedAvailable,
            (false, true) => Hold::ListedUnavailable,
            (true, false) => Hold::ToggledOn,
            (false, false) => Hold::ToggledOff,
        };
        let mut changed = false;
        for store in stores {
            changed |= self.hold(*store, variant, action).await?;
        }
        Ok(changed)
    }

    /// Puts on or lifts the source's hold on an item at a store; whether
    /// anything changed. A hold HQ (or another source) put on is theirs:
    /// never reworded, never lifted.
    async fn hold(
        &self,
        store: StoreId,
        variant: VariantId,
        action: Hold,
    ) -> Result<bool, DbError> {
        let toggled = format!("not available at {}", self.source.name);
        let off_menu = self.off_menu_reason();
        let current = self
            .storage
            .block_reason(self.tenant, store, variant)
            .await?;
        let now = match current.as_deref() {
            None => Held::Not,
            Some(r) if r == toggled => Held::Toggled,
            Some(r) if r == off_menu => Held::OffMenu,
            Some(_) => return Ok(false),
        };
        let wanted: Option<&str> = match (action, now) {
            (Hold::ToggledOff | Hold::ListedUnavailable, Held::Not) => Some(&toggled),
            (Hold::ListedUnavailable, Held::OffMenu) => Some(&toggled),
            (Hold::ToggledOn, Held::Toggled)
            | (Hold::ListedAvailable, Held::Toggled | Held::OffMenu) => None,
            (Hold::OffMenu, Held::Not | Held::Toggled) => Some(&off_menu),
            _ => return Ok(false),
        };
        match self
            .storage
            .set_blocked(self.tenant, store, variant, wanted)
            .await
        {
            Ok(changed) => Ok(changed || wanted.is_some()),
            Err(DbError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn availability(
        &mut self,
        a: &AvailabilityChange,
    ) -> Result<Applied, Failure> {
        let stores = self.stores(a.location.as_deref())?;
        let variants = match self
            .storage
            .source_entity(self.tenant, self.source.id, "product", &a.item)
            .await?
        {
            Some(product) => {
                self.storage
                    .variants_of(self.tenant, ProductId::from_uuid(product))
                    .await?
            }
            None => match self
                .storage
                .source_entity(self.tenant, self.source.id, "variant", &a.item)
                .await?
            {
                Some(v) => vec![VariantId::from_uuid(v)],
                None => {
                    return refuse(
                        "itemID",
                        format!("item {} is not known: push the menu first", a.item),
                    )
                }
            },
        };
        let mut changed = false;
        for variant in variants {
            changed |= self
                .set_available(&stores, variant, a.available, false)
                .await?;
        }
        Ok(if changed {
            Applied::Changed
        } else {
            Applied::Unchanged
        })
    }
}
