//! Printing shelf and price labels at the till: items by barcode at the
//! replica's prices (so it works offline), queued on a label printer (ZPL,
//! TSPL) or the receipt printer like any print job: in order, retried until
//! the printer takes them.

use super::{Till, TillError};
use crate::printing::QueueError;
use crate::store::labels::label_for;
use crate::store::print_jobs::PrintJob;
use pos_shared::labels::{MAX_COPIES, MAX_LABELS};
use pos_shared::Gtin;
use serde::Deserialize;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelItemRequest {
    /// Any barcode of the item (its primary one is printed).
    pub barcode: String,
    /// 1 to 500; 1 if left out.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub copies: Option<u32>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRequest {
    /// A configured printer; else the first label printer, else the receipt printer.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub printer: Option<String>,
    pub items: Vec<LabelItemRequest>,
    /// Printed on every label (packed on, best before), up to 40 characters.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub date: Option<String>,
}

/// Why labels were not queued.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    #[error(transparent)]
    Till(#[from] TillError),
    /// A field of the request is wrong: which, and why.
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    /// `items[index].barcode` is not an item this till knows.
    #[error("no item with barcode {barcode} in this till's catalog")]
    UnknownItem { index: usize, barcode: String },
    #[error(transparent)]
    Queue(#[from] QueueError),
}

fn invalid(field: impl Into<String>, detail: impl Into<String>) -> LabelError {
    LabelError::Invalid {
        field: field.into(),
        detail: detail.into(),
    }
}

/// Looks every item up and queues its labels as one job.
pub async fn print_labels(till: &Till, request: LabelRequest) -> Result<PrintJob, LabelError> {
    if request.items.is_empty() || request.items.len() > MAX_LABELS {
        return Err(invalid("items", format!("ask for 1 to {MAX_LABELS} items")));
    }
    let date = request
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    if date.as_deref().is_some_and(|d| d.chars().count() > 40) {
        return Err(invalid("date", "a date is at most 40 characters"));
    }
    let mut wanted = Vec::with_capacity(request.items.len());
    for (i, item) in request.items.iter().enumerate() {
        let gtin = Gtin::parse(&item.barcode)
            .map_err(|e| invalid(format!("items[{i}].barcode"), e.to_string()))?;
        let copies = item.copies.unwrap_or(1);
        if copies == 0 || copies > MAX_COPIES {
            return Err(invalid(
                format!("items[{i}].copies"),
                format!("copies are 1 to {MAX_COPIES}"),
            ));
        }
        wanted.push((gtin, copies));
    }
    let found = till
        .store
        .call(move |c| {
            wanted
                .iter()
                .map(|(g, copies)| {
                    Ok(label_for(c, g)?.map(|mut l| {
                        l.copies = *copies;
                        l
                    }))
                })
                .collect::<crate::store::StoreResult<Vec<_>>>()
        })
        .await
        .map_err(TillError::from)?;
    let mut labels = Vec::with_capacity(found.len());
    for (i, label) in found.into_iter().enumerate() {
        let mut label = label.ok_or_else(|| LabelError::UnknownItem {
            index: i,
            barcode: request.items[i].barcode.trim().to_owned(),
        })?;
        label.date = date.clone();
        labels.push(label);
    }
    Ok(till
        .printers
        .queue_labels(request.printer.as_deref(), &labels)
        .await?)
}
