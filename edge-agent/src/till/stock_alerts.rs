//! Stock alerts at the till: the items at or below the reorder point HQ set
//! for the store, and the batches in stock that expire within the days
//! asked (or already have), so a manager sees what to reorder and what to
//! pull or sell first.
//!
//! The till asks the hub for the store's stock watch each time (briefly: a
//! slow hub is not waited for) and keeps the answer. Low stock is judged
//! against the till's own live stock, so it is right offline up to a point
//! HQ changed meanwhile; the batches are as the hub last counted them, and
//! the answer says when that was.

use super::stock_takes::signed_in;
use super::{Till, TillError};
use crate::store::stock_watch as db;
use pos_shared::stock_watch::{StockWatch, MAX_WATCH_DAYS};
use pos_shared::{Qty, Timestamp, VariantId};
use serde::Serialize;

/// An item at or below its reorder point.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LowStockItem {
    pub variant_id: VariantId,
    pub name: String,
    pub sku: String,
    /// This till's stock of it now.
    pub available: Qty,
    pub reorder_point: Qty,
}

/// A batch to pull or to sell first.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiringItem {
    pub variant_id: VariantId,
    pub name: String,
    pub sku: String,
    pub code: String,
    /// `YYYY-MM-DD`.
    pub expires_on: String,
    /// Days from today; below zero once expired.
    pub days_left: i32,
    /// As the hub counted it at the answer's `as_of`.
    pub on_hand: Qty,
}

/// The store's stock alerts as this till can tell them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockAlerts {
    /// Lowest against its point first.
    pub low_stock: Vec<LowStockItem>,
    /// Soonest to expire first.
    pub expiring: Vec<ExpiringItem>,
    /// How many days ahead the expiring batches reach.
    pub days: u32,
    /// When the hub counted what the lists stand on; none if it never
    /// answered this till.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub as_of: Option<Timestamp>,
    /// Whether the hub answered just now (else the last answer kept).
    pub fresh: bool,
}

/// The stock alerts for the next `days` days.
pub async fn alerts(till: &Till, days: u32) -> Result<StockAlerts, TillError> {
    signed_in(till)?;
    if !(1..=MAX_WATCH_DAYS).contains(&days) {
        return Err(TillError::Invalid {
            field: "days",
            detail: format!("days must be 1 to {MAX_WATCH_DAYS}"),
        });
    }
    let mut fresh = None;
    if let (Some(device), Some(hub)) = (till.sync.credential(), till.sync.hub.get().cloned()) {
        // The widest window, so the answer kept serves any asked offline.
        match hub.stock_watch(&device.token, MAX_WATCH_DAYS).await {
            Ok(watch) => fresh = Some(watch),
            Err(e) => tracing::info!(error = %e, "stock watch not had; the last one kept is shown"),
        }
    }
    let answered = fresh.is_some();
    Ok(till
        .store
        .call(move |c| {
            if let Some(watch) = &fresh {
                db::keep(c, watch)?;
            }
            let watch = match fresh {
                Some(w) => Some(w),
                None => db::kept(c)?,
            };
            let Some(watch) = watch else {
                return Ok(StockAlerts {
                    low_stock: Vec::new(),
                    expiring: Vec::new(),
                    days,
                    as_of: None,
                    fresh: false,
                });
            };
            let mut low_stock = Vec::new();
            for point in &watch.reorder_points {
                let available = crate::store::on_hand(c, point.variant_id)?;
                if available <= point.reorder_point {
                    let (sku, name) = crate::store::catalog::sku_and_name(c, point.variant_id)?;
                    low_stock.push(LowStockItem {
                        variant_id: point.variant_id,
                        name,
                        sku,
                        available,
                        reorder_point: point.reorder_point,
                    });
                }
            }
            // The furthest below its point first, then by name.
            low_stock.sort_by(|a, b| {
                let short = |i: &LowStockItem| i.available.milli() - i.reorder_point.milli();
                short(a).cmp(&short(b)).then_with(|| a.name.cmp(&b.name))
            });
            let expiring = expiring_within(c, &watch, days)?;
            Ok(StockAlerts {
                low_stock,
                expiring,
                days: days.min(watch.days),
                as_of: Some(watch.as_of),
                fresh: answered,
            })
        })
        .await?)
}

/// The watch's batches expiring within `days` of today, soonest first.
fn expiring_within(
    conn: &rusqlite::Connection,
    watch: &StockWatch,
    days: u32,
) -> crate::store::StoreResult<Vec<ExpiringItem>> {
    let today = time::OffsetDateTime::now_utc().date();
    let mut out = Vec::new();
    for batch in &watch.expiring {
        let Some(day) = pos_shared::sync::parse_day(&batch.expires_on) else {
            continue;
        };
        let days_left = (day - today).whole_days();
        if days_left > i64::from(days) {
            continue;
        }
        let (sku, name) = crate::store::catalog::sku_and_name(conn, batch.variant_id)?;
        out.push(ExpiringItem {
            variant_id: batch.variant_id,
            name,
            sku,
            code: batch.code.clone(),
            expires_on: batch.expires_on.clone(),
            days_left: i32::try_from(days_left).unwrap_or(i32::MIN),
            on_hand: batch.on_hand,
        });
    }
    out.sort_by(|a, b| {
        a.expires_on
            .cmp(&b.expires_on)
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(out)
}
