//! The store catalog's read model, for both backends. A stock position also
//! carries what the store's catalog view and orderability need from the
//! tables that decide them (assortment, holds, slots and bins, held
//! reservations, the store's price windows), and a variant whether the chain
//! has price windows for it (migration 0047). Every write to those tables
//! refreshes the positions it touched in its own transaction, so a page of
//! the view reads its variants and one position each. Expanded inside
//! `sql_storage!`.

/// Each derived column of a position (aliased `p`) and how it follows from
/// its source tables: one text for the refresh, the rebuild and the drift
/// check, so that they cannot disagree.
pub(crate) const DERIVED: [(&str, &str); 7] = [
    (
        "delisted",
        "EXISTS (SELECT 1 FROM store_delistings d \
         WHERE d.tenant_id = p.tenant_id AND d.store_id = p.store_id AND d.variant_id = p.variant_id)",
    ),
    (
        "blocked",
        "EXISTS (SELECT 1 FROM stock_blocks b \
         WHERE b.tenant_id = p.tenant_id AND b.store_id = p.store_id AND b.variant_id = p.variant_id)",
    ),
    (
        "bin_code",
        "(SELECT s.bin_code FROM bin_slots s \
         WHERE s.tenant_id = p.tenant_id AND s.store_id = p.store_id AND s.variant_id = p.variant_id)",
    ),
    (
        "zone",
        "(SELECT bin.zone FROM bin_slots s JOIN store_bins bin ON bin.tenant_id = s.tenant_id \
           AND bin.store_id = s.store_id AND bin.code = s.bin_code \
         WHERE s.tenant_id = p.tenant_id AND s.store_id = p.store_id AND s.variant_id = p.variant_id)",
    ),
    (
        "held_milli",
        "COALESCE((SELECT CAST(SUM(r.qty_milli) AS BIGINT) FROM stock_reservations r \
         WHERE r.tenant_id = p.tenant_id AND r.store_id = p.store_id AND r.variant_id = p.variant_id \
           AND r.state = 'held'), 0)",
    ),
    (
        "held_until_ms",
        "(SELECT MIN(r.expires_at_ms) FROM stock_reservations r \
         WHERE r.tenant_id = p.tenant_id AND r.store_id = p.store_id AND r.variant_id = p.variant_id \
           AND r.state = 'held')",
    ),
    (
        "has_store_windows",
        "EXISTS (SELECT 1 FROM price_windows w \
         WHERE w.tenant_id = p.tenant_id AND w.store_id = p.store_id AND w.variant_id = p.variant_id)",
    ),
];

/// The variant's derived column (aliased `v`).
pub(crate) const CHAIN_WINDOWS: &str = "EXISTS (SELECT 1 FROM price_windows w \
     WHERE w.tenant_id = v.tenant_id AND w.variant_id = v.id AND w.store_id IS NULL)";

/// Every (store, variant) of tenant `$1` that one of the source tables has a
/// row for: each needs a position to carry it.
pub(crate) const SOURCE_KEYS: &str =
    "SELECT store_id, variant_id FROM store_delistings WHERE tenant_id = $1 \
     UNION SELECT store_id, variant_id FROM stock_blocks WHERE tenant_id = $1 \
     UNION SELECT store_id, variant_id FROM bin_slots WHERE tenant_id = $1 \
     UNION SELECT store_id, variant_id FROM stock_reservations WHERE tenant_id = $1 AND state = 'held' \
     UNION SELECT store_id, variant_id FROM price_windows WHERE tenant_id = $1 AND store_id IS NOT NULL";

/// What a till must hear of the item whose position is `p`: whether it is
/// delisted, and HQ's reason when its stock is on hold (else NULL).
pub(crate) const AT_STORE: &str = "p.delisted, CASE WHEN p.blocked THEN (SELECT b.reason FROM stock_blocks b \
     WHERE b.tenant_id = p.tenant_id AND b.store_id = p.store_id AND b.variant_id = p.variant_id) END";

/// What held reservations of the item whose position is `p` hold at the
/// instant `at` (an SQL expression): the position's sum while its earliest
/// expiry is still ahead of `at`, else a sum of those still holding then.
pub(crate) fn held_at(at: &str) -> String {
    format!(
        "CASE WHEN p.held_until_ms IS NULL THEN 0 WHEN p.held_until_ms > {at} THEN p.held_milli \
         ELSE COALESCE((SELECT CAST(SUM(r.qty_milli) AS BIGINT) FROM stock_reservations r \
           WHERE r.tenant_id = p.tenant_id AND r.store_id = p.store_id AND r.variant_id = p.variant_id \
             AND r.state = 'held' AND r.expires_at_ms > {at}), 0) END"
    )
}

/// Which reservations count as holding an item's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Held {
    /// Every reservation not yet released: settled by its holder or, once
    /// past its expiry, by the hub's sweep (within a sweep's interval). What
    /// the hub decides by now (a reservation, an order, a recommendation),
    /// answers (the inventory, the catalog view, reorder points) and
    /// announces (the orderability and low-stock events) all count the same
    /// reservations, so they never disagree; the figures move with writes
    /// only, never with the clock, so the sweep that releases a lapsed
    /// reservation announces the turn it makes, and no write before it
    /// announces a turn twice or misses one.
    UntilReleased,
    /// Those still holding at a later instant `at`: one whose expiry is
    /// before it counts for nothing. For the catalog view of the future.
    At,
}

impl Held {
    /// The held reservations of a view at `at` (milliseconds): counted until
    /// released for the present (or the past), until their expiry for later.
    pub(crate) fn for_view(at: i64) -> Self {
        match at > crate::storage::sql::rows::now_ms() {
            true => Held::At,
            false => Held::UntilReleased,
        }
    }

    /// What held reservations hold of the item whose position is `p`, at the
    /// instant `at` (an SQL expression).
    pub(crate) fn sql(self, at: &str) -> String {
        match self {
            Held::At => held_at(at),
            Held::UntilReleased => "COALESCE(p.held_milli, 0)".to_owned(),
        }
    }
}

/// `SET` of every derived column from its sources.
pub(crate) fn derived_assignments() -> &'static str {
    // Written once: every refresh of every write uses it.
    static SET: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        DERIVED
            .iter()
            .map(|(column, source)| format!("{column} = {source}"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    &SET
}

/// Which of a store's items a write changed the sources of.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Touched<'a> {
    /// One item.
    Item(pos_shared::VariantId),
    /// Every item slotted in the bin with this code.
    Bin(&'a str),
}

impl Touched<'_> {
    /// The variant ids touched, as a condition on `column` with the store's
    /// tenant `$1` and id `$2` and the touched item or bin as `$3`.
    pub(crate) fn condition(&self, column: &str) -> String {
        match self {
            Touched::Item(_) => format!("{column} = $3"),
            Touched::Bin(_) => format!(
                "{column} IN (SELECT variant_id FROM bin_slots WHERE tenant_id = $1 AND store_id = $2 AND bin_code = $3)"
            ),
        }
    }
}

/// Implements the projection's upkeep on `$storage`.
macro_rules! sql_projection_paths {
    ($storage:ty) => {
        use $crate::storage::sql::projection::Touched;

        impl $storage {
            /// Brings the projected columns of `touched` at `store` up to date
            /// with their sources, after the write that changed them and
            /// inside its transaction.
            ///
            /// The positions are created or locked by one statement and
            /// recomputed by the next: on PostgreSQL each statement reads what
            /// was committed when it began, so a writer that waited for
            /// another's lock on a position recomputes it from what that one
            /// committed, never from the moment before.
            pub(crate) async fn refresh_projection(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                touched: Touched<'_>,
            ) -> DbResult<()> {
                let lock = format!(
                    "INSERT INTO stock_positions (tenant_id, store_id, variant_id, on_hand_milli, updated_at_ms) \
                     SELECT $1, $2, v.id, 0, {} FROM variants v WHERE v.tenant_id = $1 AND {} \
                     ON CONFLICT (tenant_id, store_id, variant_id) DO UPDATE SET on_hand_milli = stock_positions.on_hand_milli",
                    now_ms(),
                    touched.condition("v.id")
                );
                let refresh = format!(
                    "UPDATE stock_positions AS p SET {} WHERE p.tenant_id = $1 AND p.store_id = $2 AND {}",
                    $crate::storage::sql::projection::derived_assignments(),
                    touched.condition("p.variant_id")
                );
                for sql in [lock, refresh] {
                    let query = sqlx::query(&sql).bind(tenant.as_uuid()).bind(store.as_uuid());
                    let query = match touched {
                        Touched::Item(variant) => query.bind(variant.as_uuid()),
                        Touched::Bin(code) => query.bind(code),
                    };
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Tells the store's tills whether they may sell `variant` (its
            /// listing and hold as the position now carries them), after a
            /// write that changed either.
            pub(crate) async fn announce_item_at_store(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
            ) -> DbResult<()> {
                let (delisted, hold): (bool, Option<String>) = sqlx::query_as(&format!(
                    "SELECT {} FROM stock_positions p WHERE p.tenant_id = $1 AND p.store_id = $2 AND p.variant_id = $3",
                    $crate::storage::sql::projection::AT_STORE
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(variant.as_uuid())
                .fetch_one(&mut **tx)
                .await?;
                let item = pos_shared::sync::ItemAtStore { store_id: store, variant_id: variant, listed: !delisted, hold };
                // For the tills only: HQ hears of it from the write's own event.
                Self::insert_changes(tx, tenant, &[(Some(store), ChangeBody::ItemAtStore(item))]).await
            }

            /// Notes that the chain has a price window for `variant`
            /// (windows are never deleted, so the flag never clears).
            pub(crate) async fn note_chain_window(tx: &mut Tx<'_>, tenant: TenantId, variant: VariantId) -> DbResult<()> {
                sqlx::query("UPDATE variants SET has_chain_windows = TRUE WHERE tenant_id = $1 AND id = $2 AND NOT has_chain_windows")
                    .bind(tenant.as_uuid())
                    .bind(variant.as_uuid())
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Recomputes the whole projection of a tenant from its sources:
            /// after rows were loaded around the hub (a bulk load in SQL), or
            /// when [`Self::projection_drift`] found it astray.
            pub(crate) async fn rebuild_projection(&self, tenant: TenantId) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                sqlx::query(&format!(
                    "INSERT INTO stock_positions (tenant_id, store_id, variant_id, on_hand_milli, updated_at_ms) \
                     SELECT $1, k.store_id, k.variant_id, 0, $2 FROM ({}) k WHERE TRUE \
                     ON CONFLICT (tenant_id, store_id, variant_id) DO NOTHING",
                    $crate::storage::sql::projection::SOURCE_KEYS
                ))
                .bind(tenant.as_uuid())
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                sqlx::query(&format!(
                    "UPDATE stock_positions AS p SET {} WHERE p.tenant_id = $1",
                    $crate::storage::sql::projection::derived_assignments()
                ))
                .bind(tenant.as_uuid())
                .execute(&mut *tx)
                .await?;
                sqlx::query(&format!(
                    "UPDATE variants AS v SET has_chain_windows = {} WHERE v.tenant_id = $1",
                    $crate::storage::sql::projection::CHAIN_WINDOWS
                ))
                .bind(tenant.as_uuid())
                .execute(&mut *tx)
                .await?;
                Self::commit(tx).await
            }

            /// Where the projection of a tenant disagrees with its sources,
            /// one line each (`store/variant: column`); empty when it is true.
            pub(crate) async fn projection_drift(&self, tenant: TenantId) -> DbResult<Vec<String>> {
                let mut tx = self.pool.begin().await?;
                let mut drift = Vec::new();
                let missing: Vec<(Uuid, Uuid)> = sqlx::query_as(&format!(
                    "SELECT k.store_id, k.variant_id FROM ({}) k WHERE NOT EXISTS (SELECT 1 FROM stock_positions p \
                     WHERE p.tenant_id = $1 AND p.store_id = k.store_id AND p.variant_id = k.variant_id)",
                    $crate::storage::sql::projection::SOURCE_KEYS
                ))
                .bind(tenant.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
                drift.extend(missing.into_iter().map(|(s, v)| format!("{s}/{v}: no position")));
                for (column, source) in $crate::storage::sql::projection::DERIVED {
                    let astray: Vec<(Uuid, Uuid)> = sqlx::query_as(&format!(
                        "SELECT p.store_id, p.variant_id FROM stock_positions p \
                         WHERE p.tenant_id = $1 AND p.{column} IS DISTINCT FROM {source}"
                    ))
                    .bind(tenant.as_uuid())
                    .fetch_all(&mut *tx)
                    .await?;
                    drift.extend(astray.into_iter().map(|(s, v)| format!("{s}/{v}: {column}")));
                }
                let variants: Vec<(Uuid,)> = sqlx::query_as(&format!(
                    "SELECT v.id FROM variants v WHERE v.tenant_id = $1 AND v.has_chain_windows IS DISTINCT FROM {}",
                    $crate::storage::sql::projection::CHAIN_WINDOWS
                ))
                .bind(tenant.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
                drift.extend(variants.into_iter().map(|(v,)| format!("chain/{v}: has_chain_windows")));
                Self::commit(tx).await?;
                Ok(drift)
            }
        }
    };
}

pub(crate) use sql_projection_paths;
