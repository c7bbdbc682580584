//! The hub's writes of an escrow kept by tills apart (`domain::escrow`),
//! shared by credit accounts and loyalty points: a till's release fact kept
//! once by its id, and the till's released total on its share, which only
//! ever grows; a revoked till's holdings given back. Expanded inside
//! `sql_storage!`.

/// Where one kind of escrow keeps a till's releases and shares.
pub(crate) struct EscrowTables {
    /// The release facts as uploaded.
    pub releases: &'static str,
    /// Each till's share of an account, by tenant, phone and terminal.
    pub shares: &'static str,
    /// The released column, in both tables.
    pub released: &'static str,
    /// The share's granted, used (lent, redeemed) and returned (paid,
    /// earned) columns, each 0 on a new row.
    pub granted: &'static str,
    pub used: &'static str,
    pub returned: &'static str,
}

pub(crate) const CREDIT_ESCROW: EscrowTables = EscrowTables {
    releases: "credit_releases",
    shares: "credit_shares",
    released: "released_minor",
    granted: "granted_minor",
    used: "lent_minor",
    returned: "paid_minor",
};

pub(crate) const LOYALTY_ESCROW: EscrowTables = EscrowTables {
    releases: "loyalty_releases",
    shares: "loyalty_shares",
    released: "released",
    granted: "granted",
    used: "redeemed",
    returned: "earned",
};

/// Implements the escrow's shared writes on `$storage`.
macro_rules! sql_escrow_paths {
    ($storage:ty) => {
        impl $storage {
            /// A revoked till lends and redeems no more (nothing it does
            /// apart can reach the hub): what it still held of each credit
            /// limit and points balance counts as given back, and the other
            /// tills are granted it.
            async fn give_back_holdings(tx: &mut Tx<'_>, tenant: TenantId, terminal: TerminalId) -> DbResult<()> {
                use $crate::storage::sql::escrow::{CREDIT_ESCROW, LOYALTY_ESCROW};
                for phone in Self::release_all_held(tx, &CREDIT_ESCROW, tenant, terminal).await? {
                    Self::regrant_credit_when(tx, tenant, &phone, true, None).await?;
                }
                for phone in Self::release_all_held(tx, &LOYALTY_ESCROW, tenant, terminal).await? {
                    Self::regrant_points(tx, tenant, &phone, true, None).await?;
                }
                Ok(())
            }

            /// Raises the till's released total on every share where it
            /// still holds something to what leaves it holding nothing; the
            /// phones of those accounts, in order.
            async fn release_all_held(
                tx: &mut Tx<'_>,
                tables: &$crate::storage::sql::escrow::EscrowTables,
                tenant: TenantId,
                terminal: TerminalId,
            ) -> DbResult<Vec<String>> {
                let (released, all) = (tables.released, format!("{} - {} + {}", tables.granted, tables.used, tables.returned));
                let phones: Vec<(String,)> = sqlx::query_as(&format!(
                    "UPDATE {} SET {released} = {all} WHERE tenant_id = $1 AND terminal_id = $2 AND {released} < {all} RETURNING phone",
                    tables.shares
                ))
                .bind(tenant.as_uuid())
                .bind(terminal.as_uuid())
                .fetch_all(&mut **tx)
                .await?;
                let mut phones: Vec<String> = phones.into_iter().map(|(p,)| p).collect();
                phones.sort();
                Ok(phones)
            }

            /// Keeps a till's release fact; false when its id is kept already.
            async fn keep_release(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                tables: &$crate::storage::sql::escrow::EscrowTables,
                (release_id, phone, released): (Uuid, &str, i64),
                raw: &str,
            ) -> DbResult<bool> {
                let inserted = sqlx::query(&format!(
                    "INSERT INTO {} (id, tenant_id, store_id, terminal_id, phone, {}, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
                    tables.releases, tables.released
                ))
                .bind(release_id)
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(phone)
                .bind(released)
                .bind(now_ms())
                .bind(raw)
                .execute(&mut **tx)
                .await?;
                Ok(inserted.rows_affected() == 1)
            }

            /// Raises the till's released total on its share to `released`;
            /// a smaller one (heard late) changes nothing.
            async fn raise_released(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                tables: &$crate::storage::sql::escrow::EscrowTables,
                phone: &str,
                released: i64,
            ) -> DbResult<()> {
                let (shares, column) = (tables.shares, tables.released);
                let others = [tables.granted, tables.used, tables.returned].join(", ");
                sqlx::query(&format!(
                    "INSERT INTO {shares} (tenant_id, phone, terminal_id, {column}, {others}) VALUES ($1, $2, $3, $4, 0, 0, 0) \
                     ON CONFLICT (tenant_id, phone, terminal_id) DO UPDATE SET {column} = \
                     CASE WHEN excluded.{column} > {shares}.{column} THEN excluded.{column} ELSE {shares}.{column} END"
                ))
                .bind(device.tenant_id.as_uuid())
                .bind(phone)
                .bind(device.terminal_id.as_uuid())
                .bind(released)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_escrow_paths;
