//! The cashier UI's wire types, generated as TypeScript from the Rust types
//! that the agent's API writes and reads (feature `ts`, never in a till's
//! build).
//!
//! `cargo run -p edge-agent --features ts --bin ui-types` writes them to
//! `ui-shell/src/generated/`: one file per type and an `index.ts` that
//! re-exports them all. The system tests' `ui_types` test generates them
//! afresh and fails when the checked-in files differ, so a change to a Rust
//! type that the UI has not caught up with fails the build, not the till.
//!
//! What the declarations say is what the JSON carries:
//! - Money is `{minor, currency}` with `minor` a whole number of paise;
//!   quantities, ids, timestamps and barcodes are strings; every JSON integer
//!   is a `number` (`JSON.parse` never makes a `bigint`).
//! - A field the agent leaves out when empty (serde's `skip_serializing_if`)
//!   is `field?: T`: `#[ts(optional)]` on an `Option`, and on a list
//!   `#[ts(optional = nullable)]`, which in ts-rs keeps the field's type and
//!   only adds the `?`.
//! - A field a request may leave out (serde's `default`, or any `Option` of a
//!   type the agent only reads) is `field?: T | null`, since the agent takes
//!   `null` for it too.
//! - Flattened structs (`#[serde(flatten)]`) are merged into their parent, as
//!   on the wire.

use std::path::{Path, PathBuf};
use ts_rs::{Config, ExportError, TS};

/// Where the UI keeps the generated files, in this checkout.
pub fn checked_in_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui-shell/src/generated")
}

/// The command that regenerates the checked-in files.
pub const REGENERATE: &str = "cargo run -p edge-agent --features ts --bin ui-types";

/// The types the UI exchanges with the agent; everything they refer to is
/// generated with them.
fn export_roots(cfg: &Config) -> Result<(), ExportError> {
    use crate::store::{categories, customers, held_bills, returns, shifts};
    // Answers.
    crate::pos::product::ProductView::export_all(cfg)?;
    crate::pos::product::ScannedProduct::export_all(cfg)?;
    categories::QuickKeyPage::export_all(cfg)?;
    crate::till::session::SignedIn::export_all(cfg)?;
    crate::api::SyncStatus::export_all(cfg)?;
    crate::api::TillSettings::export_all(cfg)?;
    crate::pos::pricing::SaleQuote::export_all(cfg)?;
    pos_shared::sale::SaleFact::export_all(cfg)?;
    held_bills::HeldBill::export_all(cfg)?;
    pos_shared::shift::ShiftReport::export_all(cfg)?;
    returns::ReturnableSale::export_all(cfg)?;
    pos_shared::returns::ReturnFact::export_all(cfg)?;
    customers::Customer::export_all(cfg)?;
    crate::till::e_receipts::EReceiptRequest::export_all(cfg)?;
    crate::till::e_receipts::EReceipts::export_all(cfg)?;
    crate::printing::PrinterView::export_all(cfg)?;
    crate::devices::DeviceStatus::export_all(cfg)?;
    crate::devices::scan::ScanEvent::export_all(cfg)?;
    // The picker screens: the queue, a pick sheet, a scan's answer; the
    // device and its picker; pairing; the till's list of handhelds.
    crate::till::picking::QueuedOrder::export_all(cfg)?;
    crate::till::picking::PickSheet::export_all(cfg)?;
    crate::till::picking::PickedScan::export_all(cfg)?;
    crate::api::handheld::Handheld::export_all(cfg)?;
    crate::till::handhelds::Paired::export_all(cfg)?;
    crate::till::handhelds::IssuedCode::export_all(cfg)?;
    crate::store::handhelds::HandheldRecord::export_all(cfg)?;
    // UPI by dynamic QR, and the customer's display (published and streamed
    // as the same type).
    crate::till::upi::UpiIntent::export_all(cfg)?;
    crate::api::display::DisplayState::export_all(cfg)?;
    // Stock takes: a take's sheet, a counted scan, an approval.
    crate::till::stock_takes::TakeSheet::export_all(cfg)?;
    crate::till::stock_takes::CountedScan::export_all(cfg)?;
    crate::till::stock_takes::ApprovedTake::export_all(cfg)?;
    // Goods receipt: what can be received against, a receipt, a scan.
    crate::till::receiving::Receivable::export_all(cfg)?;
    crate::till::receiving::ReceiptSheet::export_all(cfg)?;
    crate::till::receiving::ReceivedScan::export_all(cfg)?;
    crate::till::transfers::TransfersAtStore::export_all(cfg)?;
    crate::till::stock_alerts::StockAlerts::export_all(cfg)?;
    crate::till::dues_reminders::Reminders::export_all(cfg)?;
    crate::till::dues_reminders::ReminderRequest::export_all(cfg)?;
    crate::till::transfers::TransferScan::export_all(cfg)?;
    // Credit: an account at this till, a payment against its dues.
    crate::store::credit::TillAccount::export_all(cfg)?;
    // Loyalty: a customer's points at this till and the rules.
    crate::till::loyalty::PointsAtTill::export_all(cfg)?;
    crate::api::DuesPaid::export_all(cfg)?;
    // Requests.
    crate::api::SignInRequest::export_all(cfg)?;
    crate::pos::sale::SaleRequest::export_all(cfg)?;
    held_bills::HoldRequest::export_all(cfg)?;
    returns::ReturnRequest::export_all(cfg)?;
    shifts::OpenRequest::export_all(cfg)?;
    shifts::CashRequest::export_all(cfg)?;
    shifts::CloseRequest::export_all(cfg)?;
    customers::CustomerPatch::export_all(cfg)?;
    crate::till::labels::LabelRequest::export_all(cfg)?;
    crate::till::handhelds::PairRequest::export_all(cfg)?;
    crate::api::PickerSignIn::export_all(cfg)?;
    crate::api::ScanBody::export_all(cfg)?;
    crate::api::ShortBody::export_all(cfg)?;
    crate::api::UpiIntentRequest::export_all(cfg)?;
    crate::api::StockTakeStart::export_all(cfg)?;
    crate::api::StockTakeScan::export_all(cfg)?;
    crate::api::StockTakeCount::export_all(cfg)?;
    crate::api::GoodsReceiptStart::export_all(cfg)?;
    crate::api::GoodsReceiptScan::export_all(cfg)?;
    crate::api::GoodsReceiptLine::export_all(cfg)?;
    crate::api::DuesPaymentEntry::export_all(cfg)?;
    crate::api::TransferScanBody::export_all(cfg)?;
    crate::api::TransferCount::export_all(cfg)?;
    crate::api::TransferReceive::export_all(cfg)?;
    Ok(())
}

/// Writes every declaration into `dir` (which should be empty) with an
/// `index.ts` re-exporting them, and returns the file names, sorted.
pub fn generate(dir: &Path) -> Result<Vec<String>, ExportError> {
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    export_roots(&cfg)?;
    let mut types: Vec<String> = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    types.retain(|name| name.ends_with(".ts") && name != "index.ts");
    types.sort();
    let mut index = String::from(
        "// Generated from the agent's Rust types by `ui-types`; do not edit.\n\
         // The JSON the agent's API writes and reads, one type per file.\n",
    );
    for name in &types {
        let ty = name.trim_end_matches(".ts");
        index.push_str(&format!("export type {{ {ty} }} from './{ty}';\n"));
    }
    std::fs::write(dir.join("index.ts"), index)?;
    let mut files = types;
    files.push("index.ts".to_owned());
    files.sort();
    Ok(files)
}

/// How the files in `checked_in` differ from freshly generated ones in
/// `fresh`: one line per stale, missing or extra file; empty when they agree.
pub fn differences(fresh: &Path, checked_in: &Path) -> std::io::Result<Vec<String>> {
    let names = |dir: &Path| -> std::io::Result<std::collections::BTreeSet<String>> {
        if !dir.exists() {
            return Ok(Default::default());
        }
        std::fs::read_dir(dir)?
            .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect()
    };
    let (want, have) = (names(fresh)?, names(checked_in)?);
    let mut out = Vec::new();
    for name in want.union(&have) {
        let shown = checked_in.join(name);
        match (want.contains(name), have.contains(name)) {
            (true, false) => out.push(format!("{} is missing", shown.display())),
            (false, true) => out.push(format!(
                "{} is no longer generated from any Rust type",
                shown.display()
            )),
            _ => {
                if std::fs::read(fresh.join(name))? != std::fs::read(&shown)? {
                    out.push(format!(
                        "{} is stale: its Rust type has changed",
                        shown.display()
                    ));
                }
            }
        }
    }
    Ok(out)
}
