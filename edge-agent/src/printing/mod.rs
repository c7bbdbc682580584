//! Receipt printing: printers from the config, one queue and one worker per
//! printer, receipts built from recorded sales.
//!
//! - [`escpos`]: the command encoder; [`codepage`]: text to printer bytes.
//! - [`profile`]: what each printer model can do.
//! - [`receipt`]: the receipt and its layout; [`render`]: bytes, text, HTML.
//! - [`transport`]: TCP 9100, serial, USB, device file; status queries.
//! - [`text_image`]: text the code page lacks (Hindi, Tamil, …) as images.
//! - `worker`: one worker per printer draining its queue, and the drawer.
//! - `labels`: shelf labels queued on a label printer (`language=zpl` or
//!   `tspl`, rendered by `pos_shared::labels`) or the receipt printer
//!   (through the encoder here). Label printers are one-way for the queue:
//!   no ESC/POS status requests, no DUPLICATE line; a job is printed once
//!   its bytes are written.
//!
//! A sale is committed before its receipt is queued, and the worker prints
//! from the queue: a printer that is off or out of paper leaves the job queued
//! with its error and never holds up the till. The worker retries the oldest
//! job with capped backoff (`pos_shared::retry::backoff`) until it prints, and
//! never takes a later job before it, so receipts come out in order once the
//! printer is back, without anyone pressing retry.
//!
//! The cash drawer is not opened by a receipt: a cash sale's commit asks the
//! receipt printer's worker for a drawer pulse ([`Printers::open_drawer`]),
//! which goes out at once if the printer is reachable and is dropped if it is
//! not ([`DRAWER_FRESH`]), so a receipt printed late, or again, never opens it.
//!
//! A job whose bytes went out without the printer confirming them is tried
//! again only after the printer answers a status request, and that copy
//! starts with a DUPLICATE line.

pub mod codepage;
pub mod escpos;
mod labels;
pub mod layout;
pub mod profile;
pub mod raster;
pub mod receipt;
pub mod render;
mod settings;
pub mod text_image;
pub mod transport;
mod worker;

pub use settings::{parse_label_size, PrintSettings, PrinterConfig};

use crate::store::print_jobs::{self, PrintJob, Purpose};
use crate::store::{LocalStore, StoreError};
use escpos::Raster;
use layout::Block;
use pos_shared::labels::Label;
use pos_shared::sale::SaleFact;
use pos_shared::Timestamp;
use profile::PrinterProfile;
use receipt::{Receipt, ReceiptSettings};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// How long a printer has to connect, answer a status request or take bytes.
const LINK_TIMEOUT: Duration = Duration::from_millis(700);

/// How long after it is asked a drawer pulse may still go out; later, the
/// cashier has moved on and an opening drawer would be a surprise.
pub const DRAWER_FRESH: Duration = Duration::from_secs(5);

/// The longest wait between tries of a printer that is unreachable, unless
/// the config says otherwise.
pub const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(30);

/// What the till shows about a printer.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PrinterView {
    pub name: String,
    pub address: String,
    pub profile: PrinterProfile,
    /// `escpos`, `zpl` or `tspl`.
    pub language: &'static str,
    pub receipts: bool,
    /// `unknown` until the first job, then `ready`, `paper_low` or `error`
    /// (with `last_error` saying what is wrong and `retry_at` when the queue
    /// tries again).
    pub state: &'static str,
    pub last_error: Option<String>,
    pub last_printed_at: Option<Timestamp>,
    /// When the worker next tries the oldest job, while the printer is in error.
    pub retry_at: Option<Timestamp>,
    /// Jobs waiting to print, oldest first; they print without a retry.
    pub queued: i64,
    /// Jobs sent without the printer confirming them; a retry prints a DUPLICATE.
    pub unconfirmed: i64,
    /// Jobs that can never print (see their `last_error`).
    pub failed: i64,
    /// Why some receipts would not print as they should (a missing font).
    pub warning: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Health {
    state: Option<&'static str>,
    last_error: Option<String>,
    last_printed_at: Option<Timestamp>,
    retry_at: Option<Timestamp>,
    /// The printer has answered a status request: silence is not one-way.
    answers: bool,
}

/// A drawer pulse waiting for the printer's worker.
#[derive(Debug, Clone, Copy)]
struct DrawerAsk {
    job: i64,
    asked: std::time::Instant,
}

struct Inner {
    configs: Vec<PrinterConfig>,
    receipt_printer: Option<String>,
    receipt: ReceiptSettings,
    /// The logo per printer, scaled to its paper.
    logos: HashMap<String, Raster>,
    /// Fonts for text the code page lacks; `font_problem` says why they
    /// cannot be used, when they cannot.
    text_images: text_image::TextImages,
    font_problem: Option<String>,
    health: Mutex<BTreeMap<String, Health>>,
    /// New jobs for a printer's worker.
    wake: HashMap<String, Notify>,
    /// A drawer pulse or a cashier's retry: cuts a backoff short.
    urgent: HashMap<String, Notify>,
    drawer: Mutex<BTreeMap<String, Vec<DrawerAsk>>>,
    retry_max: Duration,
    store: LocalStore,
}

#[derive(Clone)]
pub struct Printers {
    inner: Arc<Inner>,
}

/// Why a print request cannot be queued.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("there is no printer named {0:?}")]
    UnknownPrinter(String),
    #[error("no printer is configured")]
    NoPrinter,
    #[error("{0}")]
    Encode(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Printers {
    pub fn new(settings: PrintSettings, store: LocalStore) -> Result<Self, String> {
        if let Some(name) = &settings.receipt_printer {
            match settings.printers.iter().find(|p| &p.name == name) {
                None => {
                    return Err(format!(
                        "receipt printer {name:?} is not among the configured printers"
                    ))
                }
                Some(p) if p.is_label_printer() => {
                    return Err(format!(
                        "receipt printer {name:?} speaks {}; receipts need an escpos printer",
                        p.language.as_str()
                    ))
                }
                Some(_) => {}
            }
        }
        let mut logos = HashMap::new();
        if let Some(png) = &settings.receipt.logo_png {
            for p in settings.printers.iter().filter(|p| !p.is_label_printer()) {
                // Two thirds of the paper, so the logo does not dominate.
                logos.insert(
                    p.name.clone(),
                    raster::from_png(png, p.profile.dots * 2 / 3)?,
                );
            }
        }
        let notifies = || -> HashMap<String, Notify> {
            settings
                .printers
                .iter()
                .map(|p| (p.name.clone(), Notify::new()))
                .collect()
        };
        let (wake, urgent) = (notifies(), notifies());
        let text_images = text_image::TextImages::new(&settings.receipt.font_dir);
        let font_problem = text_images.problem();
        if let Some(p) = &font_problem {
            tracing::warn!(problem = %p, "Hindi, Tamil and other Indic item names will print as ?");
        }
        // Drawer pulses asked before a restart are past their moment.
        if let Err(e) = store.with_conn(|c| print_jobs::expire_drawer_pulses(c)) {
            tracing::error!(error = %e, "cannot expire old drawer pulses");
        }
        Ok(Printers {
            inner: Arc::new(Inner {
                receipt_printer: settings.receipt_printer.or_else(|| {
                    settings
                        .printers
                        .iter()
                        .find(|p| !p.is_label_printer())
                        .map(|p| p.name.clone())
                }),
                configs: settings.printers,
                receipt: settings.receipt,
                logos,
                text_images,
                font_problem,
                health: Mutex::new(BTreeMap::new()),
                wake,
                urgent,
                drawer: Mutex::new(BTreeMap::new()),
                retry_max: settings.retry_max,
                store,
            }),
        })
    }

    fn config(&self, name: &str) -> Option<&PrinterConfig> {
        self.inner.configs.iter().find(|p| p.name == name)
    }

    /// The profile previews are drawn for: the receipt printer's.
    fn preview_profile(&self) -> PrinterProfile {
        self.inner
            .receipt_printer
            .as_deref()
            .and_then(|n| self.config(n))
            .map(|p| p.profile.clone())
            .unwrap_or_else(|| PrinterProfile::named("generic-80mm").expect("built-in profile"))
    }

    /// A sale's receipt, with the units of its measured lines from the replica.
    pub async fn receipt(
        &self,
        sale: &SaleFact,
        terminal: Option<&str>,
        duplicate: bool,
    ) -> Result<Receipt, StoreError> {
        let variants: Vec<_> = sale.lines.iter().map(|l| l.variant_id).collect();
        let (units, store) = self
            .inner
            .store
            .call(move |c| {
                Ok((
                    print_jobs::units(c, &variants)?,
                    crate::store::store_profile::get(c)?,
                ))
            })
            .await?;
        let mut receipt =
            Receipt::from_sale(sale, &self.inner.receipt, terminal, duplicate, &units);
        as_hq_keeps_it(&mut receipt, store);
        Ok(receipt)
    }

    /// The receipt laid out for the receipt printer, as text or HTML.
    pub fn preview(&self, receipt: &Receipt, html: bool) -> String {
        let profile = self.preview_profile();
        let blocks = layout::layout(receipt, &profile, false);
        if html {
            render::html(&blocks, &profile)
        } else {
            render::plain_text(&blocks, &profile)
        }
    }

    fn encode(
        &self,
        printer: &PrinterConfig,
        blocks: &[Block],
    ) -> Result<(Vec<u8>, String), QueueError> {
        let finish = render::Finish {
            logo: self.inner.logos.get(&printer.name),
            text_images: Some(&self.inner.text_images),
        };
        let bytes = render::escpos(blocks, &printer.profile, &finish)
            .map_err(|e| QueueError::Encode(e.to_string()))?;
        Ok((bytes, render::plain_text(blocks, &printer.profile)))
    }

    async fn enqueue(
        &self,
        printer: &PrinterConfig,
        purpose: Purpose,
        sale_id: Option<pos_shared::SaleId>,
        bytes: Vec<u8>,
        preview: String,
    ) -> Result<PrintJob, QueueError> {
        let name = printer.name.clone();
        let job = self
            .inner
            .store
            .call(move |c| print_jobs::enqueue(c, &name, purpose, sale_id, &bytes, &preview))
            .await?;
        if let Some(n) = self.inner.wake.get(&printer.name) {
            n.notify_one();
        }
        Ok(job)
    }

    /// Queues a sale's receipt (or a duplicate of it) on the receipt printer,
    /// or on `printer` if named. `Ok(None)` if the till has no printer.
    pub async fn queue_receipt(
        &self,
        sale: &SaleFact,
        terminal: Option<&str>,
        purpose: Purpose,
        printer: Option<&str>,
    ) -> Result<Option<PrintJob>, QueueError> {
        let name = match printer.or(self.inner.receipt_printer.as_deref()) {
            Some(n) => n.to_owned(),
            None if printer.is_none() && purpose == Purpose::Receipt => return Ok(None),
            None => return Err(QueueError::NoPrinter),
        };
        let config = self
            .config(&name)
            .ok_or(QueueError::UnknownPrinter(name))?
            .clone();
        let receipt = self
            .receipt(sale, terminal, purpose == Purpose::Reprint)
            .await?;
        let with_logo = self.inner.logos.contains_key(&config.name);
        let blocks = layout::layout(&receipt, &config.profile, with_logo);
        match self.encode(&config, &blocks) {
            Ok((bytes, preview)) => self
                .enqueue(&config, purpose, Some(sale.sale_id), bytes, preview)
                .await
                .map(Some),
            Err(e) => {
                self.file_unprintable(&config, purpose, Some(sale.sale_id), &e)
                    .await?;
                Err(e)
            }
        }
    }

    /// Files a job that can never print, so the cashier sees why.
    async fn file_unprintable(
        &self,
        printer: &PrinterConfig,
        purpose: Purpose,
        sale_id: Option<pos_shared::SaleId>,
        error: &QueueError,
    ) -> Result<(), QueueError> {
        let (name, message) = (
            printer.name.clone(),
            format!("the receipt cannot be encoded: {error}"),
        );
        self.inner
            .store
            .call(move |c| print_jobs::enqueue_failed(c, &name, purpose, sale_id, &message))
            .await?;
        Ok(())
    }

    /// Queues a return's credit note on the receipt printer, filed under the
    /// original sale. `Ok(None)` if the till has no printer.
    pub async fn queue_return(
        &self,
        ret: &pos_shared::returns::ReturnFact,
        terminal: Option<&str>,
    ) -> Result<Option<PrintJob>, QueueError> {
        let Some(name) = self.inner.receipt_printer.clone() else {
            return Ok(None);
        };
        let config = self
            .config(&name)
            .ok_or(QueueError::UnknownPrinter(name))?
            .clone();
        let variants: Vec<_> = ret.lines.iter().map(|l| l.variant_id).collect();
        let (units, store) = self
            .inner
            .store
            .call(move |c| {
                Ok((
                    print_jobs::units(c, &variants)?,
                    crate::store::store_profile::get(c)?,
                ))
            })
            .await?;
        let mut receipt = Receipt::from_return(ret, &self.inner.receipt, terminal, &units);
        as_hq_keeps_it(&mut receipt, store);
        let with_logo = self.inner.logos.contains_key(&config.name);
        let blocks = layout::layout(&receipt, &config.profile, with_logo);
        let sale_id = Some(ret.original_sale_id);
        match self.encode(&config, &blocks) {
            Ok((bytes, preview)) => self
                .enqueue(&config, Purpose::Receipt, sale_id, bytes, preview)
                .await
                .map(Some),
            Err(e) => {
                self.file_unprintable(&config, Purpose::Receipt, sale_id, &e)
                    .await?;
                Err(e)
            }
        }
    }

    /// Queues the slip for a payment against a customer's dues on the
    /// receipt printer. `Ok(None)` if the till has no printer.
    pub async fn queue_dues_slip(
        &self,
        payment: &pos_shared::credit::DuesPayment,
        holder: Option<&str>,
        owed_after: pos_shared::Money,
        terminal: Option<&str>,
    ) -> Result<Option<PrintJob>, QueueError> {
        let Some(name) = self.inner.receipt_printer.clone() else {
            return Ok(None);
        };
        let config = self
            .config(&name)
            .ok_or(QueueError::UnknownPrinter(name))?
            .clone();
        let store = self
            .inner
            .store
            .call(|c| crate::store::store_profile::get(c))
            .await?;
        let mut receipt =
            Receipt::from_dues_payment(payment, holder, owed_after, &self.inner.receipt, terminal);
        as_hq_keeps_it(&mut receipt, store);
        let with_logo = self.inner.logos.contains_key(&config.name);
        let blocks = layout::layout(&receipt, &config.profile, with_logo);
        match self.encode(&config, &blocks) {
            Ok((bytes, preview)) => self
                .enqueue(&config, Purpose::Receipt, None, bytes, preview)
                .await
                .map(Some),
            Err(e) => {
                self.file_unprintable(&config, Purpose::Receipt, None, &e)
                    .await?;
                Err(e)
            }
        }
    }

    /// Asks the receipt printer (the drawer hangs off it) for a drawer pulse
    /// now: its worker sends it at once if the printer is reachable, and drops
    /// it if the printer cannot be reached within [`DRAWER_FRESH`], so the
    /// drawer never opens late. The job row says which happened. `Ok(None)`
    /// if the till has no printer.
    pub async fn open_drawer(
        &self,
        sale_id: Option<pos_shared::SaleId>,
        why: String,
    ) -> Result<Option<PrintJob>, QueueError> {
        let Some(name) = self.inner.receipt_printer.clone() else {
            return Ok(None);
        };
        let asked = std::time::Instant::now();
        let mut e = escpos::Encoder::raw();
        e.drawer_pulse_now();
        let bytes = e.into_bytes();
        let printer = name.clone();
        let job = self
            .inner
            .store
            .call(move |c| print_jobs::enqueue(c, &printer, Purpose::Drawer, sale_id, &bytes, &why))
            .await?;
        self.inner
            .drawer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.clone())
            .or_default()
            .push(DrawerAsk { job: job.id, asked });
        if let Some(n) = self.inner.urgent.get(&name) {
            n.notify_one();
        }
        Ok(Some(job))
    }

    /// Whether a drawer pulse can be asked for: a receipt printer is configured.
    pub fn has_drawer(&self) -> bool {
        self.inner.receipt_printer.is_some()
    }

    /// A page that shows the printer's profile, code page, barcode and QR code.
    pub async fn queue_test(&self, name: &str) -> Result<PrintJob, QueueError> {
        let config = self
            .config(name)
            .ok_or_else(|| QueueError::UnknownPrinter(name.to_owned()))?
            .clone();
        if config.is_label_printer() {
            let mut sample = Label::new(
                &format!("Test label: {name}"),
                pos_shared::Money::inr(12_345),
                Some(pos_shared::Money::inr(15_000)),
                pos_shared::Gtin::parse("4006381333931").expect("a valid GTIN"),
                &Default::default(),
            );
            sample.date = Some(config.transport.describe());
            let bytes = pos_shared::labels::render(&[sample], config.label, config.language);
            let preview = String::from_utf8_lossy(&bytes).into_owned();
            return self
                .enqueue(&config, Purpose::Test, None, bytes, preview)
                .await;
        }
        let p = &config.profile;
        let text = |t: String, bold| Block::Text {
            text: t,
            align: escpos::Align::Left,
            bold,
            double: false,
        };
        let mut blocks = Vec::new();
        if self.inner.logos.contains_key(name) {
            blocks.push(Block::Logo);
        }
        blocks.extend([
            text(format!("Test print: {name}"), true),
            text(format!("Address: {}", config.transport.describe()), false),
            text(format!("Profile: {} ({} mm)", p.name, p.paper_mm), false),
            text(
                format!("Columns: {} (font B {})", p.columns_a, p.columns_b),
                false,
            ),
            text(
                format!(
                    "Code pages: {}",
                    p.code_pages
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                false,
            ),
            Block::Rule,
            text(
                "0123456789".repeat(p.columns_a.div_ceil(10))[..p.columns_a].to_owned(),
                false,
            ),
            text("Café · Äpfel · Ñandú · €5 · ₹10".into(), false),
            Block::Barcode(escpos::Barcode::Ean13("4006381333931".into())),
            Block::Qr(format!("test print {name}")),
            Block::Feed(1),
        ]);
        let (bytes, preview) = self.encode(&config, &blocks)?;
        self.enqueue(&config, Purpose::Test, None, bytes, preview)
            .await
    }

    /// Puts an unconfirmed or failed job back in its printer's queue, or has
    /// the worker try a queued one now rather than at the end of its backoff.
    pub async fn retry(
        &self,
        id: i64,
    ) -> Result<Option<Result<PrintJob, print_jobs::NoRetry>>, StoreError> {
        let result = self
            .inner
            .store
            .call(move |c| print_jobs::retry(c, id))
            .await?;
        if let Some(Ok(job)) = &result {
            if let Some(n) = self.inner.urgent.get(&job.printer) {
                n.notify_one();
            }
        }
        Ok(result)
    }

    pub async fn list(&self) -> Result<Vec<PrinterView>, StoreError> {
        let mut out = Vec::new();
        for p in &self.inner.configs {
            let name = p.name.clone();
            let backlog = self
                .inner
                .store
                .call(move |c| print_jobs::backlog(c, &name))
                .await?;
            let health = self
                .inner
                .health
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&p.name)
                .cloned()
                .unwrap_or_default();
            out.push(PrinterView {
                name: p.name.clone(),
                address: p.transport.describe(),
                profile: p.profile.clone(),
                language: p.language.as_str(),
                receipts: self.inner.receipt_printer.as_deref() == Some(&p.name),
                state: health.state.unwrap_or("unknown"),
                last_error: health.last_error,
                last_printed_at: health.last_printed_at,
                retry_at: health.retry_at,
                queued: backlog.queued,
                unconfirmed: backlog.unconfirmed,
                failed: backlog.failed,
                warning: self.inner.font_problem.clone(),
            });
        }
        Ok(out)
    }
}

/// Puts the store as HQ keeps it on a bill: the GSTIN HQ entered, which the
/// store's bills are issued under (the till's own setting stands in until
/// HQ has entered one), and the store's name when no header is set.
fn as_hq_keeps_it(receipt: &mut Receipt, store: Option<pos_shared::sync::StoreProfile>) {
    let Some(store) = store else { return };
    if store.gstin.is_some() {
        receipt.gstin = store.gstin;
    }
    if receipt.header.is_empty() {
        receipt.header = vec![store.name];
    }
}
