//! Row shapes and their mapping to domain records, shared by the SQL of both
//! backends (`sql_storage!` and the path macros beside it).

use crate::domain::ledger::SaleSummary;
use crate::domain::stores::{DeviceIdentity, Terminal, TerminalStatus};
use crate::storage::{DbError, DbResult};
use pos_shared::sync::{MovementReason, MovementRecord, VariantRecord};
use pos_shared::{
    Currency, Gtin, Money, MovementId, ProductId, Qty, SaleId, StoreId, TenantId, TerminalId,
    Timestamp, VariantId,
};
use uuid::Uuid;

/// The 16 columns of a variant that sqlx can read as a tuple (its limit).
type VariantBase = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    i64,
    String,
    Option<i32>,
    Option<bool>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<Uuid>,
    Option<String>,
    Option<String>,
    Option<i32>,
);

/// A variant as [`VARIANT_COLUMNS`] selects it: the tuple's 16 columns,
/// then its details (JSON), read by position.
pub(crate) struct VariantRow(VariantBase, Option<String>);

impl VariantRow {
    pub(crate) fn sku(&self) -> &str {
        &self.0 .3
    }
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for VariantRow
where
    VariantBase: sqlx::FromRow<'r, R>,
    usize: sqlx::ColumnIndex<R>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(VariantRow(VariantBase::from_row(row)?, row.try_get(16)?))
    }
}

pub(crate) type MovementRow = (
    Uuid,
    Uuid,
    Uuid,
    i64,
    String,
    Option<Uuid>,
    Option<Uuid>,
    i64,
    Option<String>,
    Option<String>,
);
pub(crate) type SaleRow = (Uuid, Uuid, String, i64, String, i64, i64);

/// A variant as a packed snapshot chunk holds it (`SnapshotRows::Packed`):
/// the columns of [`VARIANT_COLUMNS`] in order, ids as hex, flags as 0 or 1.
#[derive(serde::Deserialize)]
pub(crate) struct PackedVariant(
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<i32>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<String>,
);

/// An id packed as hex; `hex(NULL)` is the empty text.
fn packed_id(hex: &str) -> DbResult<Option<Uuid>> {
    if hex.is_empty() {
        return Ok(None);
    }
    Uuid::try_parse(hex)
        .map(Some)
        .map_err(|e| DbError::Corrupt(format!("packed id {hex:?}: {e}")))
}

fn packed_key(hex: &str) -> DbResult<Uuid> {
    packed_id(hex)?.ok_or_else(|| DbError::Corrupt("a packed row without its id".into()))
}

impl PackedVariant {
    /// The row as [`VARIANT_COLUMNS`] reads it, for [`variant_from_row`].
    pub(crate) fn unpack(self) -> DbResult<VariantRow> {
        let PackedVariant(
            id,
            product,
            name,
            sku,
            gtin,
            price,
            currency,
            rate,
            inclusive,
            hsn,
            modifiers,
            brand,
            category,
            synonyms,
            extra_barcodes,
            quick_key,
            details,
        ) = self;
        let category = category.as_deref().map(packed_id).transpose()?.flatten();
        Ok(VariantRow(
            (
                packed_key(&id)?,
                packed_key(&product)?,
                name,
                sku,
                gtin,
                price,
                currency,
                rate,
                inclusive.map(|flag| flag != 0),
                hsn,
                modifiers,
                brand,
                category,
                synonyms,
                extra_barcodes,
                quick_key,
            ),
            details,
        ))
    }
}

/// A store's position as a packed snapshot chunk holds it: variant id (hex), on hand (milli).
#[derive(serde::Deserialize)]
pub(crate) struct PackedPosition(String, i64);

impl PackedPosition {
    pub(crate) fn unpack(self) -> DbResult<(Uuid, i64)> {
        Ok((packed_key(&self.0)?, self.1))
    }
}

/// A packed chunk's rows.
pub(crate) fn unpack_chunk<T: serde::de::DeserializeOwned>(json: &str) -> DbResult<Vec<T>> {
    serde_json::from_str(json)
        .map_err(|e| DbError::Corrupt(format!("a packed snapshot chunk: {e}")))
}

/// What a [`VariantRow`] selects, from [`VARIANT_FROM`].
pub(crate) const VARIANT_COLUMNS: &str =
    "v.id, v.product_id, v.name, v.sku, v.gtin, v.price_minor, v.currency, v.tax_rate_bp, v.tax_inclusive, v.hsn, v.modifiers, \
     b.name, v.category_id, v.synonyms, v.extra_barcodes, v.quick_key, v.details";
/// Variants with their brand's name; filter on `v.tenant_id`.
pub(crate) const VARIANT_FROM: &str = "variants v LEFT JOIN brands b ON b.id = v.brand_id";
pub(crate) const MOVEMENT_COLUMNS: &str =
    "id, store_id, variant_id, delta_milli, reason, sale_id, terminal_id, occurred_at_ms, batch_code, batch_expires_on";

pub(crate) fn now_ms() -> i64 {
    Timestamp::now().unix_millis()
}

fn money(minor: i64, currency: &str) -> DbResult<Money> {
    let currency = Currency::parse(currency).map_err(|e| DbError::Corrupt(e.to_string()))?;
    Ok(Money::new(minor, currency))
}

pub(crate) fn variant_from_row(VariantRow(row, details): VariantRow) -> DbResult<VariantRecord> {
    let (
        id,
        product_id,
        name,
        sku,
        gtin,
        price_minor,
        currency,
        rate,
        inclusive,
        hsn,
        modifiers,
        brand,
        category,
        synonyms,
        extra_barcodes,
        quick_key,
    ) = row;
    fn json_list<T: serde::de::DeserializeOwned>(
        id: Uuid,
        what: &str,
        json: Option<String>,
    ) -> DbResult<Vec<T>> {
        match json {
            None => Ok(Vec::new()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| DbError::Corrupt(format!("variant {id} {what}: {e}"))),
        }
    }
    let modifiers = json_list(id, "modifiers", modifiers)?;
    let placement = pos_shared::catalog::Placement {
        brand,
        category_id: category.map(pos_shared::CategoryId::from_uuid),
        synonyms: json_list(id, "synonyms", synonyms)?,
        extra_barcodes: json_list(id, "extra_barcodes", extra_barcodes)?,
        quick_key: quick_key
            .map(|k| u16::try_from(k).map_err(|e| DbError::Corrupt(format!("quick key {k}: {e}"))))
            .transpose()?,
    };
    let tax = match rate {
        None => None,
        Some(r) => Some(pos_shared::tax::TaxClass {
            rate_bp: u32::try_from(r)
                .map_err(|e| DbError::Corrupt(format!("tax rate {r}: {e}")))?,
            inclusive: inclusive.unwrap_or(false),
            hsn,
        }),
    };
    let details = match details {
        None => pos_shared::item::ItemDetails::default(),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| DbError::Corrupt(format!("variant {id} details: {e}")))?,
    };
    Ok(VariantRecord {
        tax,
        modifiers,
        placement,
        details,
        variant_id: VariantId::from_uuid(id),
        product_id: ProductId::from_uuid(product_id),
        name,
        sku,
        barcode: Gtin::parse(&gtin).map_err(|e| DbError::Corrupt(e.to_string()))?,
        price: money(price_minor, &currency)?,
    })
}

/// An item's details as the JSON text column they are kept in; plain ones as NULL.
pub(crate) fn details_column(details: &pos_shared::item::ItemDetails) -> DbResult<Option<String>> {
    (*details != pos_shared::item::ItemDetails::default())
        .then(|| serde_json::to_string(details))
        .transpose()
        .map_err(|e| DbError::Corrupt(e.to_string()))
}

/// A list as the JSON text column it is kept in; an empty list as NULL.
pub(crate) fn json_column<T: serde::Serialize>(list: &[T]) -> DbResult<Option<String>> {
    (!list.is_empty())
        .then(|| serde_json::to_string(list))
        .transpose()
        .map_err(|e| DbError::Corrupt(e.to_string()))
}

pub(crate) fn movement_from_row(row: MovementRow) -> DbResult<MovementRecord> {
    let (
        id,
        store_id,
        variant_id,
        delta,
        reason,
        sale_id,
        terminal_id,
        occurred_at,
        batch,
        expires,
    ) = row;
    Ok(MovementRecord {
        movement_id: MovementId::from_uuid(id),
        store_id: StoreId::from_uuid(store_id),
        variant_id: VariantId::from_uuid(variant_id),
        delta: Qty::from_milli(delta),
        reason: MovementReason::parse(&reason)
            .ok_or_else(|| DbError::Corrupt(format!("unknown movement reason {reason:?}")))?,
        sale_id: sale_id.map(SaleId::from_uuid),
        terminal_id: terminal_id.map(TerminalId::from_uuid),
        occurred_at: Timestamp::from_unix_millis(occurred_at),
        batch: batch
            .zip(expires)
            .map(|(code, expires_on)| pos_shared::sync::Batch { code, expires_on }),
    })
}

pub(crate) type DeviceRow = (Uuid, Uuid, Uuid, String, String);
pub(crate) const DEVICE_COLUMNS: &str = "id, tenant_id, store_id, name, receipt_prefix";

pub(crate) fn device_from_row(row: DeviceRow) -> DeviceIdentity {
    let (id, tenant, store, name, prefix) = row;
    DeviceIdentity {
        tenant_id: TenantId::from_uuid(tenant),
        store_id: StoreId::from_uuid(store),
        terminal_id: TerminalId::from_uuid(id),
        terminal_name: name,
        receipt_prefix: prefix,
    }
}

pub(crate) type TerminalStatusRow = (
    Uuid,
    String,
    String,
    bool,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

pub(crate) fn terminal_status_from_row(
    row: TerminalStatusRow,
    store: StoreId,
    head: i64,
) -> TerminalStatus {
    let (
        id,
        name,
        prefix,
        enrolled,
        seen,
        cursor,
        queue,
        version,
        protocol,
        oldest,
        quarantined,
        revoked,
    ) = row;
    TerminalStatus {
        terminal: Terminal {
            id: TerminalId::from_uuid(id),
            store_id: store,
            name,
            receipt_prefix: prefix,
        },
        state: crate::domain::stores::TerminalState::of(enrolled, revoked.is_some()),
        enrolled,
        revoked_at: revoked.map(Timestamp::from_unix_millis),
        last_seen_at: seen.map(Timestamp::from_unix_millis),
        feed_cursor: cursor.map(|c| c.max(0) as u64),
        cursor_lag: cursor.map(|c| (head - c).max(0) as u64),
        queue_depth: queue.map(|q| q.max(0) as u64),
        oldest_unsent_at: oldest.map(Timestamp::from_unix_millis),
        oldest_unsent_age_secs: oldest.map(|o| (now_ms().saturating_sub(o).max(0) / 1000) as u64),
        quarantined: quarantined.map(|q| q.max(0) as u64),
        agent_version: version,
        protocol_version: protocol.and_then(|p| u16::try_from(p).ok()),
    }
}

pub(crate) fn sale_from_row(row: SaleRow) -> DbResult<SaleSummary> {
    let (id, terminal_id, receipt_no, total, currency, occurred, received) = row;
    Ok(SaleSummary {
        sale_id: SaleId::from_uuid(id),
        terminal_id: TerminalId::from_uuid(terminal_id),
        receipt_no,
        total: money(total, &currency)?,
        occurred_at: Timestamp::from_unix_millis(occurred),
        received_at: Timestamp::from_unix_millis(received),
    })
}

/// A credential's store limits as stored: a JSON list, `NULL` for every store.
pub(crate) fn store_ids_to_json(stores: &[StoreId]) -> DbResult<Option<String>> {
    (!stores.is_empty())
        .then(|| serde_json::to_string(stores))
        .transpose()
        .map_err(|e| DbError::Corrupt(e.to_string()))
}

/// Reads back [`store_ids_to_json`]; `what` names the row for a corrupt one.
pub(crate) fn store_ids_from_json(what: &str, json: Option<String>) -> DbResult<Vec<StoreId>> {
    match json {
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| DbError::Corrupt(format!("{what} stores: {e}")))
        }
        None => Ok(Vec::new()),
    }
}
