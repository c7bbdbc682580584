//! Receipt printing: printers from the config, one queue and one worker per
//! printer, receipts built from recorded sales.
//!
//! - [`escpos`]: the command encoder; [`codepage`]: text to printer bytes.
//! - [`profile`]: what each printer model can do.
//! - [`receipt`]: the receipt and its layout; [`render`]: bytes, text, HTML.
//! - [`transport`]: TCP 9100, serial, USB, device file; status queries.
//! - [`text_image`]: text the code page lacks (Hindi, Tamil, …) as images.
//! - [`api`]: the local API for printers and print jobs.
//! - Label printers (`language=zpl` or `tspl`) take shelf labels rendered by
//!   `pos_shared::labels`; a receipt printer (`escpos`, the default) prints
//!   them too, through the encoder here. Label printers are one-way for the
//!   queue: no ESC/POS status requests, no DUPLICATE line; a job is printed
//!   once its bytes are written.
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
pub mod layout;
pub mod profile;
pub mod raster;
pub mod receipt;
pub mod render;
pub mod text_image;
pub mod transport;

use crate::store::print_jobs::{self, PrintJob, Purpose};
use crate::store::{LocalStore, StoreError};
use escpos::Raster;
use layout::Block;
use pos_shared::labels::{Label, LabelFormat, LabelSize};
use pos_shared::sale::SaleFact;
use pos_shared::Timestamp;
use profile::PrinterProfile;
use receipt::{Receipt, ReceiptSettings};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use transport::Transport;

/// How long a printer has to connect, answer a status request or take bytes.
const LINK_TIMEOUT: Duration = Duration::from_millis(700);

/// How long after it is asked a drawer pulse may still go out; later, the
/// cashier has moved on and an opening drawer would be a surprise.
pub const DRAWER_FRESH: Duration = Duration::from_secs(5);

/// The longest wait between tries of a printer that is unreachable, unless
/// the config says otherwise.
pub const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(30);

/// One printer from the config: `name=address?profile=…&…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterConfig {
    pub name: String,
    pub transport: Transport,
    pub profile: PrinterProfile,
    /// What the printer speaks: `escpos` (receipt printers, the default),
    /// `zpl` or `tspl` (label printers, for shelf labels only).
    pub language: LabelFormat,
    /// The label stock of a label printer (`label=50x30`, in mm).
    pub label: LabelSize,
}

impl PrinterConfig {
    /// `front=tcp://192.168.1.50:9100?profile=epson-tm-t82`,
    /// `slip=serial:///dev/ttyS1?baud=19200&profile=generic-58mm`,
    /// `lp=file:///dev/usb/lp0?profile=custom&paper=58&codepages=pc858`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (name, address) = spec.split_once('=').ok_or_else(|| {
            format!("printer {spec:?} is not name=address, e.g. front=tcp://10.0.0.5:9100")
        })?;
        let (url, query) = address
            .trim()
            .split_once('?')
            .unwrap_or((address.trim(), ""));
        let params: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        Self::from_parts(name.trim(), url, &params)
    }

    /// The settings a printer takes, in the string form and as config file keys.
    pub const SETTINGS: [&'static str; 11] = [
        "language",
        "label",
        "profile",
        "paper",
        "columns",
        "columns_b",
        "dots",
        "codepages",
        "cutter",
        "qr",
        "baud",
    ];

    /// A printer from its name, address and `key=value` settings: the one
    /// place both the `EDGE_PRINTERS` string and the config file's
    /// `[[printers]]` tables end up.
    pub fn from_parts(name: &str, url: &str, params: &[(String, String)]) -> Result<Self, String> {
        Self::check_name(name)?;
        for (k, _) in params {
            if !Self::SETTINGS.contains(&k.as_str()) {
                return Err(format!(
                    "printer {name}: setting {k:?} is not one of {}",
                    Self::SETTINGS.join(", ")
                ));
            }
        }
        let get = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let language = match get("language") {
            None => LabelFormat::Escpos,
            Some(v) => LabelFormat::parse(v).ok_or_else(|| {
                format!("printer {name}: language {v:?} is not escpos, zpl or tspl")
            })?,
        };
        let label = match get("label") {
            None => LabelSize::default(),
            Some(v) => parse_label_size(v).map_err(|e| format!("printer {name}: {e}"))?,
        };
        Ok(PrinterConfig {
            name: name.to_owned(),
            transport: Transport::parse(url, params).map_err(|e| format!("printer {name}: {e}"))?,
            profile: PrinterProfile::from_params(params)
                .map_err(|e| format!("printer {name}: {e}"))?,
            language,
            label,
        })
    }

    /// A printer that takes only labels (ZPL or TSPL), never receipts.
    pub fn is_label_printer(&self) -> bool {
        self.language != LabelFormat::Escpos
    }

    /// Printer names go into URLs of the local API and into the config.
    pub fn check_name(name: &str) -> Result<(), String> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!(
                "printer name {name:?} must be letters, digits, - or _"
            ));
        }
        Ok(())
    }
}

/// `50x30`: a label's width and height in millimetres.
pub fn parse_label_size(v: &str) -> Result<LabelSize, String> {
    let bad = || format!("label size {v:?} is not WIDTHxHEIGHT in mm, e.g. 50x30");
    let (w, h) = v.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let size = LabelSize {
        width_mm: w.trim().parse().map_err(|_| bad())?,
        height_mm: h.trim().parse().map_err(|_| bad())?,
    };
    size.validate()
        .map_err(|(_, d)| format!("label size {v:?}: {d}"))?;
    Ok(size)
}

/// Printing settings from the agent config.
#[derive(Debug, Clone)]
pub struct PrintSettings {
    pub printers: Vec<PrinterConfig>,
    /// Which printer gets receipts (and opens the cash drawer); the first one
    /// if unset.
    pub receipt_printer: Option<String>,
    pub receipt: ReceiptSettings,
    /// The cap on the backoff between tries of an unreachable printer.
    pub retry_max: Duration,
}

impl Default for PrintSettings {
    fn default() -> Self {
        PrintSettings {
            printers: Vec::new(),
            receipt_printer: None,
            receipt: ReceiptSettings::default(),
            retry_max: DEFAULT_RETRY_MAX,
        }
    }
}

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
        let units = self
            .inner
            .store
            .call(move |c| print_jobs::units(c, &variants))
            .await?;
        Ok(Receipt::from_sale(
            sale,
            &self.inner.receipt,
            terminal,
            duplicate,
            &units,
        ))
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
        let units = self
            .inner
            .store
            .call(move |c| print_jobs::units(c, &variants))
            .await?;
        let receipt = Receipt::from_return(ret, &self.inner.receipt, terminal, &units);
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

    /// Queues shelf labels on `printer`, else the first label printer, else
    /// the receipt printer: one job, printed in order and retried like a
    /// receipt. A label printer gets them in its language at its label size;
    /// a receipt printer prints each copy and cuts it off.
    pub async fn queue_labels(
        &self,
        printer: Option<&str>,
        labels: &[Label],
    ) -> Result<PrintJob, QueueError> {
        let config = match printer {
            Some(name) => self
                .config(name)
                .ok_or_else(|| QueueError::UnknownPrinter(name.to_owned()))?,
            None => self
                .inner
                .configs
                .iter()
                .find(|p| p.is_label_printer())
                .or_else(|| {
                    self.inner
                        .receipt_printer
                        .as_deref()
                        .and_then(|n| self.config(n))
                })
                .ok_or(QueueError::NoPrinter)?,
        }
        .clone();
        let (bytes, preview) = if config.is_label_printer() {
            let bytes = pos_shared::labels::render(labels, config.label, config.language);
            let preview = String::from_utf8_lossy(&bytes).into_owned();
            (bytes, preview)
        } else {
            let (mut bytes, mut preview) = (Vec::new(), String::new());
            for label in labels {
                let blocks: Vec<Block> = pos_shared::labels::escpos::pieces(label)
                    .into_iter()
                    .map(|piece| match piece {
                        pos_shared::labels::escpos::Piece::Text { text, bold, double } => {
                            Block::Text {
                                text,
                                align: escpos::Align::Center,
                                bold,
                                double,
                            }
                        }
                        pos_shared::labels::escpos::Piece::Ean13(digits) => {
                            Block::Barcode(escpos::Barcode::Ean13(digits))
                        }
                    })
                    .collect();
                let finish = render::Finish {
                    logo: None,
                    text_images: Some(&self.inner.text_images),
                };
                let one = render::escpos(&blocks, &config.profile, &finish)
                    .map_err(|e| QueueError::Encode(e.to_string()))?;
                for _ in 0..label.copies.max(1) {
                    bytes.extend_from_slice(&one);
                }
                preview.push_str(&render::plain_text(&blocks, &config.profile));
            }
            (bytes, preview)
        };
        self.enqueue(&config, Purpose::Label, None, bytes, preview)
            .await
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

    fn set_health(&self, name: &str, f: impl FnOnce(&mut Health)) {
        let mut map = self.inner.health.lock().unwrap_or_else(|e| e.into_inner());
        f(map.entry(name.to_owned()).or_default());
    }

    fn answers(&self, name: &str) -> bool {
        self.inner
            .health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .is_some_and(|h| h.answers)
    }

    /// Starts one worker per printer; they run until the agent stops.
    pub fn start(&self) -> Vec<tokio::task::JoinHandle<()>> {
        self.inner
            .configs
            .iter()
            .map(|p| tokio::spawn(self.clone().work(p.clone())))
            .collect()
    }

    /// Sends the drawer pulses asked of `printer` that are still fresh; the
    /// others are settled as not sent.
    async fn serve_drawer(&self, printer: &PrinterConfig) {
        let asks = self
            .inner
            .drawer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&printer.name)
            .unwrap_or_default();
        for ask in asks {
            let error = if ask.asked.elapsed() > DRAWER_FRESH {
                Some(format!(
                    "not sent: the printer could not be reached within {} s; \
                     open the drawer with a supervisor",
                    DRAWER_FRESH.as_secs()
                ))
            } else {
                let transport = printer.transport.clone();
                let answers = self.answers(&printer.name);
                let mut e = escpos::Encoder::raw();
                e.drawer_pulse_now();
                let bytes = e.into_bytes();
                let outcome = tokio::task::spawn_blocking(move || {
                    let mut link = transport.open(LINK_TIMEOUT)?;
                    transport::print_job(&mut *link, &bytes, LINK_TIMEOUT, answers, false)
                })
                .await
                .unwrap_or_else(|e| Err(transport::PrintError::Unreachable(e.to_string())));
                match outcome {
                    Ok(printed) => {
                        if printed.answered {
                            self.set_health(&printer.name, |h| h.answers = true);
                        }
                        None
                    }
                    // The pulse went out; the drawer has most likely opened.
                    Err(e) if e.went_out() => None,
                    Err(e) => Some(format!("not sent: {e}")),
                }
            };
            if let Some(e) = &error {
                tracing::warn!(printer = %printer.name, job = ask.job, error = %e, "drawer not opened");
            }
            let id = ask.job;
            if let Err(e) = self
                .inner
                .store
                .call(move |c| print_jobs::settle_drawer(c, id, error.as_deref()))
                .await
            {
                tracing::error!(job = id, error = %e, "cannot settle a drawer pulse");
            }
        }
    }

    async fn work(self, printer: PrinterConfig) {
        let store = self.inner.store.clone();
        let (Some(wake), Some(urgent)) = (
            self.inner.wake.get(&printer.name),
            self.inner.urgent.get(&printer.name),
        ) else {
            return;
        };
        // Tries of the oldest job that did not print, for the backoff.
        let mut failures: u32 = 0;
        let mut trying: Option<i64> = None;
        loop {
            self.serve_drawer(&printer).await;
            let name = printer.name.clone();
            let next = match store.call(move |c| print_jobs::next(c, &name)).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(printer = %printer.name, error = %e, "print queue unreadable");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            let Some(job) = next else {
                // Woken by a new job, a retry or a drawer pulse; the timeout
                // only guards against a lost wake-up.
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = urgent.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
                continue;
            };
            let id = job.id;
            if trying != Some(id) {
                // A new oldest job (the last one printed or was set aside).
                trying = Some(id);
                failures = 0;
            }
            // A copy after one that may have printed says so (on receipts).
            let bytes = if job.copies_sent > 0 && !printer.is_label_printer() {
                let mut e = escpos::Encoder::new(codepage::CodePage::Cp437);
                e.align(escpos::Align::Center)
                    .bold(true)
                    .double(true)
                    .line("DUPLICATE")
                    .double(false)
                    .bold(false)
                    .align(escpos::Align::Left);
                let mut b = e.into_bytes();
                b.extend_from_slice(&job.payload);
                b
            } else {
                job.payload
            };
            let transport = printer.transport.clone();
            let answers = self.answers(&printer.name);
            let one_way = printer.is_label_printer();
            let outcome = tokio::task::spawn_blocking(move || {
                let mut link = transport.open(LINK_TIMEOUT)?;
                if one_way {
                    // ZPL and TSPL printers do not speak ESC/POS status.
                    link.write_all(&bytes)
                        .map_err(|e| transport::PrintError::Interrupted(e.to_string()))?;
                    return Ok(transport::Printed::default());
                }
                transport::print_job(&mut *link, &bytes, LINK_TIMEOUT, answers, true)
            })
            .await
            .unwrap_or_else(|e| Err(transport::PrintError::Unreachable(e.to_string())));
            match outcome {
                Ok(printed) => {
                    failures = 0;
                    if let Err(e) = store.call(move |c| print_jobs::mark_printed(c, id)).await {
                        tracing::error!(job = id, error = %e, "cannot mark job printed");
                    }
                    self.set_health(&printer.name, |h| {
                        h.state = Some(if printed.paper.is_some_and(|p| p.paper_low) {
                            "paper_low"
                        } else {
                            "ready"
                        });
                        h.answers |= printed.answered;
                        h.last_error = None;
                        h.retry_at = None;
                        h.last_printed_at = Some(Timestamp::now());
                    });
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let message = error.to_string();
                    let sent = error.went_out();
                    tracing::warn!(printer = %printer.name, job = id, error = %message, "print failed");
                    let pause = pos_shared::retry::backoff(failures, self.inner.retry_max);
                    self.set_health(&printer.name, |h| {
                        h.state = Some("error");
                        h.last_error = Some(message.clone());
                        h.retry_at = Some(Timestamp::from_unix_millis(
                            Timestamp::now().unix_millis() + pause.as_millis() as i64,
                        ));
                    });
                    if let Err(e) = store
                        .call(move |c| print_jobs::mark_attempt_failed(c, id, &message, sent))
                        .await
                    {
                        tracing::error!(job = id, error = %e, "cannot record a print try");
                    }
                    // New jobs wait behind this one; a drawer pulse or a
                    // cashier's retry cuts the pause short.
                    tokio::select! {
                        _ = urgent.notified() => {}
                        _ = tokio::time::sleep(pause) => {}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_specs_parse() {
        let p = PrinterConfig::parse("front=tcp://10.0.0.5?profile=epson-tm-t82").unwrap();
        assert_eq!(p.name, "front");
        assert_eq!(p.transport, Transport::Tcp("10.0.0.5:9100".into()));
        assert_eq!(p.profile.name, "epson-tm-t82");
        let p = PrinterConfig::parse("lp=file:///dev/usb/lp0?profile=custom&paper=58&cutter=no")
            .unwrap();
        assert_eq!((p.profile.columns_a, p.profile.cutter), (32, false));
        let l = PrinterConfig::parse("shelf=tcp://10.0.0.9?language=zpl&label=60x40").unwrap();
        assert!(l.is_label_printer());
        assert_eq!((l.label.width_mm, l.label.height_mm), (60, 40));
        assert_eq!(p.language, LabelFormat::Escpos);
        for (bad, says) in [
            ("shelf=tcp://x?language=pdf", "pdf"),
            ("shelf=tcp://x?language=zpl&label=5x3", "label"),
            ("tcp://x", "name=address"),
            ("a b=tcp://x", "name"),
            ("front=tcp://x?speed=9", "speed"),
            ("front=tcp://x?profile=nope", "nope"),
        ] {
            let e = PrinterConfig::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
