//! Embedded, forward-only schema migrations for both hub backends.
//!
//! Migrations are compiled into the binary (an installed hub has no source tree)
//! and each runs in its own transaction together with its version record, so a
//! crash mid-migration leaves the previous version intact.

/// One migration: its version and its SQL.
pub(crate) type Migration = (i64, &'static str);

/// Embeds `migrations/<dir>/<file>` with its version.
macro_rules! migration {
    ($version:literal, $path:literal) => {
        (
            $version,
            include_str!(concat!("../../../migrations/", $path)),
        )
    };
}

pub(crate) const POSTGRES: &[Migration] = &[
    migration!(1, "hub-postgres/0001_init.sql"),
    migration!(2, "hub-postgres/0002_terminal_sync_status.sql"),
    migration!(3, "hub-postgres/0003_store_documents.sql"),
    migration!(4, "hub-postgres/0004_feed_retention.sql"),
    migration!(5, "hub-postgres/0005_enrollment_retry.sql"),
    migration!(6, "hub-postgres/0006_variant_tax.sql"),
    migration!(7, "hub-postgres/0007_shift_closes.sql"),
    migration!(8, "hub-postgres/0008_returns.sql"),
    migration!(9, "hub-postgres/0009_staff.sql"),
    migration!(10, "hub-postgres/0010_audit_log.sql"),
    migration!(11, "hub-postgres/0011_variant_modifiers.sql"),
    migration!(12, "hub-postgres/0012_catalog_placement.sql"),
    migration!(13, "hub-postgres/0013_price_windows.sql"),
    migration!(14, "hub-postgres/0014_stock_reservations.sql"),
    migration!(15, "hub-postgres/0015_store_status_and_assortment.sql"),
    migration!(16, "hub-postgres/0016_catalog_item_versions.sql"),
    migration!(17, "hub-postgres/0017_variant_deletion.sql"),
    migration!(18, "hub-postgres/0018_event_outbox.sql"),
    migration!(19, "hub-postgres/0019_api_key_roles.sql"),
    migration!(20, "hub-postgres/0020_stock_transfers.sql"),
    migration!(21, "hub-postgres/0021_reorder_points.sql"),
    migration!(22, "hub-postgres/0022_ledger_paging.sql"),
    migration!(23, "hub-postgres/0023_disabled_and_blocked.sql"),
    migration!(24, "hub-postgres/0024_batches.sql"),
    migration!(25, "hub-postgres/0025_opening_hours.sql"),
    migration!(26, "hub-postgres/0026_store_kinds_and_bins.sql"),
    migration!(27, "hub-postgres/0027_hq_users.sql"),
    migration!(28, "hub-postgres/0028_list_paging.sql"),
    migration!(29, "hub-postgres/0029_hours_state.sql"),
    migration!(30, "hub-postgres/0030_transfer_batches.sql"),
    migration!(31, "hub-postgres/0031_item_details.sql"),
    migration!(32, "hub-postgres/0032_quarantine.sql"),
    migration!(33, "hub-postgres/0033_tenant_currency_and_units.sql"),
    migration!(34, "hub-postgres/0034_in_store_barcodes.sql"),
    migration!(35, "hub-postgres/0035_dark_store_fulfilment.sql"),
    migration!(36, "hub-postgres/0036_orders.sql"),
    migration!(37, "hub-postgres/0037_order_picking.sql"),
    migration!(38, "hub-postgres/0038_order_delivery.sql"),
    migration!(39, "hub-postgres/0039_event_subscriptions.sql"),
    migration!(40, "hub-postgres/0040_ingestion.sql"),
    migration!(41, "hub-postgres/0041_feed_review.sql"),
    migration!(42, "hub-postgres/0042_adopted_entities.sql"),
    migration!(43, "hub-postgres/0043_receipt_links.sql"),
    migration!(44, "hub-postgres/0044_feed_notify.sql"),
    migration!(45, "hub-postgres/0045_event_relays.sql"),
    migration!(46, "hub-postgres/0046_numbered_at_commit.sql"),
    migration!(47, "hub-postgres/0047_catalog_projection.sql"),
    migration!(48, "hub-postgres/0048_gst_documents.sql"),
    migration!(49, "hub-postgres/0049_stock_takes.sql"),
    migration!(50, "hub-postgres/0050_purchasing.sql"),
    migration!(51, "hub-postgres/0051_supplier_bills.sql"),
    migration!(52, "hub-postgres/0052_credit.sql"),
    migration!(53, "hub-postgres/0053_transfer_requests.sql"),
    migration!(54, "hub-postgres/0054_customers.sql"),
    migration!(55, "hub-postgres/0055_loyalty.sql"),
    migration!(56, "hub-postgres/0056_sales_by_sale.sql"),
    migration!(57, "hub-postgres/0057_recommendation_rules.sql"),
    migration!(58, "hub-postgres/0058_enrichment.sql"),
    migration!(59, "hub-postgres/0059_basket_projection.sql"),
    migration!(60, "hub-postgres/0060_recorded_in_commit_order.sql"),
    migration!(61, "hub-postgres/0061_terminal_revocation.sql"),
    migration!(62, "hub-postgres/0062_revocations_by_time.sql"),
    migration!(63, "hub-postgres/0063_terminals_made_again.sql"),
];

pub(crate) const SQLITE: &[Migration] = &[
    migration!(1, "hub-sqlite/0001_init.sql"),
    migration!(2, "hub-sqlite/0002_terminal_sync_status.sql"),
    migration!(3, "hub-sqlite/0003_store_documents.sql"),
    migration!(4, "hub-sqlite/0004_feed_retention.sql"),
    migration!(5, "hub-sqlite/0005_enrollment_retry.sql"),
    migration!(6, "hub-sqlite/0006_variant_tax.sql"),
    migration!(7, "hub-sqlite/0007_shift_closes.sql"),
    migration!(8, "hub-sqlite/0008_returns.sql"),
    migration!(9, "hub-sqlite/0009_staff.sql"),
    migration!(10, "hub-sqlite/0010_audit_log.sql"),
    migration!(11, "hub-sqlite/0011_variant_modifiers.sql"),
    migration!(12, "hub-sqlite/0012_catalog_placement.sql"),
    migration!(13, "hub-sqlite/0013_price_windows.sql"),
    migration!(14, "hub-sqlite/0014_stock_reservations.sql"),
    migration!(15, "hub-sqlite/0015_store_status_and_assortment.sql"),
    migration!(16, "hub-sqlite/0016_catalog_item_versions.sql"),
    migration!(17, "hub-sqlite/0017_variant_deletion.sql"),
    migration!(18, "hub-sqlite/0018_event_outbox.sql"),
    migration!(19, "hub-sqlite/0019_api_key_roles.sql"),
    migration!(20, "hub-sqlite/0020_stock_transfers.sql"),
    migration!(21, "hub-sqlite/0021_reorder_points.sql"),
    migration!(22, "hub-sqlite/0022_ledger_paging.sql"),
    migration!(23, "hub-sqlite/0023_disabled_and_blocked.sql"),
    migration!(24, "hub-sqlite/0024_batches.sql"),
    migration!(25, "hub-sqlite/0025_opening_hours.sql"),
    migration!(26, "hub-sqlite/0026_store_kinds_and_bins.sql"),
    migration!(27, "hub-sqlite/0027_hq_users.sql"),
    migration!(28, "hub-sqlite/0028_list_paging.sql"),
    migration!(29, "hub-sqlite/0029_hours_state.sql"),
    migration!(30, "hub-sqlite/0030_transfer_batches.sql"),
    migration!(31, "hub-sqlite/0031_item_details.sql"),
    migration!(32, "hub-sqlite/0032_quarantine.sql"),
    migration!(33, "hub-sqlite/0033_tenant_currency_and_units.sql"),
    migration!(34, "hub-sqlite/0034_in_store_barcodes.sql"),
    migration!(35, "hub-sqlite/0035_dark_store_fulfilment.sql"),
    migration!(36, "hub-sqlite/0036_orders.sql"),
    migration!(37, "hub-sqlite/0037_order_picking.sql"),
    migration!(38, "hub-sqlite/0038_order_delivery.sql"),
    migration!(39, "hub-sqlite/0039_event_subscriptions.sql"),
    migration!(40, "hub-sqlite/0040_ingestion.sql"),
    migration!(41, "hub-sqlite/0041_feed_review.sql"),
    migration!(42, "hub-sqlite/0042_adopted_entities.sql"),
    migration!(43, "hub-sqlite/0043_receipt_links.sql"),
    migration!(44, "hub-sqlite/0044_feed_notify.sql"),
    migration!(45, "hub-sqlite/0045_event_relays.sql"),
    migration!(46, "hub-sqlite/0046_numbered_at_commit.sql"),
    migration!(47, "hub-sqlite/0047_catalog_projection.sql"),
    migration!(48, "hub-sqlite/0048_gst_documents.sql"),
    migration!(49, "hub-sqlite/0049_stock_takes.sql"),
    migration!(50, "hub-sqlite/0050_purchasing.sql"),
    migration!(51, "hub-sqlite/0051_supplier_bills.sql"),
    migration!(52, "hub-sqlite/0052_credit.sql"),
    migration!(53, "hub-sqlite/0053_transfer_requests.sql"),
    migration!(54, "hub-sqlite/0054_customers.sql"),
    migration!(55, "hub-sqlite/0055_loyalty.sql"),
    migration!(56, "hub-sqlite/0056_sales_by_sale.sql"),
    migration!(57, "hub-sqlite/0057_recommendation_rules.sql"),
    migration!(58, "hub-sqlite/0058_enrichment.sql"),
    migration!(59, "hub-sqlite/0059_basket_projection.sql"),
    migration!(60, "hub-sqlite/0060_recorded_in_commit_order.sql"),
    migration!(61, "hub-sqlite/0061_terminal_revocation.sql"),
    migration!(62, "hub-sqlite/0062_revocations_by_time.sql"),
    migration!(63, "hub-sqlite/0063_terminals_made_again.sql"),
];

/// Applies the migrations of `$list` not yet recorded, on a pool of either backend.
macro_rules! run_migrations {
    ($pool:expr, $list:expr) => {{
        let pool = $pool;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS hub_schema_migrations (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)",
        )
        .execute(pool)
        .await?;
        for (version, sql) in $list {
            let mut tx = pool.begin().await?;
            let done: Option<(i64,)> =
                sqlx::query_as("SELECT version FROM hub_schema_migrations WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if done.is_none() {
                tracing::info!(version, "applying hub migration");
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO hub_schema_migrations (version, applied_at_ms) VALUES ($1, $2)")
                    .bind(*version)
                    .bind(pos_shared::Timestamp::now().unix_millis())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        DbResult::Ok(())
    }};
}
pub(crate) use run_migrations;
