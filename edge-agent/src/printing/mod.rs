//! Receipt printing: printers from the config, one queue and one worker per
//! printer, receipts built from recorded sales.
//!
//! - [`escpos`]: the command encoder; [`codepage`]: text to printer bytes.
//! - [`profile`]: what each printer model can do.
//! - [`receipt`]: the receipt and its layout; [`render`]: bytes, text, HTML.
//! - [`transport`]: TCP 9100, serial, USB, device file; status queries.
//! - [`api`]: the local API for printers and print jobs.
//!
//! A sale is committed before its receipt is queued, and the worker prints
//! from the queue: a printer that is off or out of paper leaves the job queued
//! with its error and never holds up the till.

pub mod codepage;
pub mod escpos;
pub mod layout;
pub mod profile;
pub mod raster;
pub mod receipt;
pub mod render;
pub mod transport;

use crate::store::print_jobs::{self, PrintJob, Purpose};
use crate::store::{LocalStore, StoreError};
use escpos::Raster;
use layout::Block;
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

/// One printer from the config: `name=address?profile=…&…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterConfig {
    pub name: String,
    pub transport: Transport,
    pub profile: PrinterProfile,
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
    pub const SETTINGS: [&'static str; 9] = [
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
        Ok(PrinterConfig {
            name: name.to_owned(),
            transport: Transport::parse(url, params).map_err(|e| format!("printer {name}: {e}"))?,
            profile: PrinterProfile::from_params(params)
                .map_err(|e| format!("printer {name}: {e}"))?,
        })
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

/// Printing settings from the agent config.
#[derive(Debug, Clone, Default)]
pub struct PrintSettings {
    pub printers: Vec<PrinterConfig>,
    /// Which printer gets receipts; the first one if unset.
    pub receipt_printer: Option<String>,
    pub receipt: ReceiptSettings,
}

/// What the till shows about a printer.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PrinterView {
    pub name: String,
    pub address: String,
    pub profile: PrinterProfile,
    pub receipts: bool,
    /// `unknown` until the first job, then `ready`, `paper_low` or `error`.
    pub state: &'static str,
    pub last_error: Option<String>,
    pub last_printed_at: Option<Timestamp>,
    pub queued: i64,
    pub failed: i64,
}

#[derive(Debug, Clone, Default)]
struct Health {
    state: Option<&'static str>,
    last_error: Option<String>,
    last_printed_at: Option<Timestamp>,
}

struct Inner {
    configs: Vec<PrinterConfig>,
    receipt_printer: Option<String>,
    receipt: ReceiptSettings,
    /// The logo per printer, scaled to its paper.
    logos: HashMap<String, Raster>,
    health: Mutex<BTreeMap<String, Health>>,
    wake: HashMap<String, Notify>,
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
            if !settings.printers.iter().any(|p| &p.name == name) {
                return Err(format!(
                    "receipt printer {name:?} is not among the configured printers"
                ));
            }
        }
        let mut logos = HashMap::new();
        if let Some(png) = &settings.receipt.logo_png {
            for p in &settings.printers {
                // Two thirds of the paper, so the logo does not dominate.
                logos.insert(
                    p.name.clone(),
                    raster::from_png(png, p.profile.dots * 2 / 3)?,
                );
            }
        }
        let wake = settings
            .printers
            .iter()
            .map(|p| (p.name.clone(), Notify::new()))
            .collect();
        Ok(Printers {
            inner: Arc::new(Inner {
                receipt_printer: settings
                    .receipt_printer
                    .or_else(|| settings.printers.first().map(|p| p.name.clone())),
                configs: settings.printers,
                receipt: settings.receipt,
                logos,
                health: Mutex::new(BTreeMap::new()),
                wake,
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

    pub fn receipt(&self, sale: &SaleFact, terminal: Option<&str>, duplicate: bool) -> Receipt {
        Receipt::from_sale(sale, &self.inner.receipt, terminal, duplicate)
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
        open_drawer: bool,
    ) -> Result<(Vec<u8>, String), QueueError> {
        let finish = render::Finish {
            logo: self.inner.logos.get(&printer.name),
            open_drawer,
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
        let receipt = self.receipt(sale, terminal, purpose == Purpose::Reprint);
        let with_logo = self.inner.logos.contains_key(&config.name);
        let blocks = layout::layout(&receipt, &config.profile, with_logo);
        let (bytes, preview) = self.encode(&config, &blocks, receipt.open_drawer)?;
        self.enqueue(&config, purpose, Some(sale.sale_id), bytes, preview)
            .await
            .map(Some)
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
        let receipt = Receipt::from_return(ret, &self.inner.receipt, terminal);
        let with_logo = self.inner.logos.contains_key(&config.name);
        let blocks = layout::layout(&receipt, &config.profile, with_logo);
        let (bytes, preview) = self.encode(&config, &blocks, receipt.open_drawer)?;
        self.enqueue(
            &config,
            Purpose::Receipt,
            Some(ret.original_sale_id),
            bytes,
            preview,
        )
        .await
        .map(Some)
    }

    /// A page that shows the printer's profile, code page, barcode and QR code.
    pub async fn queue_test(&self, name: &str) -> Result<PrintJob, QueueError> {
        let config = self
            .config(name)
            .ok_or_else(|| QueueError::UnknownPrinter(name.to_owned()))?
            .clone();
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
        let (bytes, preview) = self.encode(&config, &blocks, false)?;
        self.enqueue(&config, Purpose::Test, None, bytes, preview)
            .await
    }

    /// Puts a failed job back in its printer's queue.
    pub async fn retry(&self, id: i64) -> Result<Option<Result<PrintJob, PrintJob>>, StoreError> {
        let result = self
            .inner
            .store
            .call(move |c| print_jobs::retry(c, id))
            .await?;
        if let Some(Ok(job)) = &result {
            if let Some(n) = self.inner.wake.get(&job.printer) {
                n.notify_one();
            }
        }
        Ok(result)
    }

    pub async fn list(&self) -> Result<Vec<PrinterView>, StoreError> {
        let mut out = Vec::new();
        for p in &self.inner.configs {
            let name = p.name.clone();
            let (queued, failed) = self
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
                receipts: self.inner.receipt_printer.as_deref() == Some(&p.name),
                state: health.state.unwrap_or("unknown"),
                last_error: health.last_error,
                last_printed_at: health.last_printed_at,
                queued,
                failed,
            });
        }
        Ok(out)
    }

    fn set_health(&self, name: &str, f: impl FnOnce(&mut Health)) {
        let mut map = self.inner.health.lock().unwrap_or_else(|e| e.into_inner());
        f(map.entry(name.to_owned()).or_default());
    }

    /// Starts one worker per printer; they run until the agent stops.
    pub fn start(&self) -> Vec<tokio::task::JoinHandle<()>> {
        self.inner
            .configs
            .iter()
            .map(|p| tokio::spawn(self.clone().work(p.clone())))
            .collect()
    }

    async fn work(self, printer: PrinterConfig) {
        let store = self.inner.store.clone();
        let Some(wake) = self.inner.wake.get(&printer.name) else {
            return;
        };
        loop {
            let name = printer.name.clone();
            let next = match store.call(move |c| print_jobs::next(c, &name)).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(printer = %printer.name, error = %e, "print queue unreadable");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            let Some((id, bytes)) = next else {
                // Woken by a new job or a retry; the timeout only guards
                // against a lost wake-up.
                let _ = tokio::time::timeout(Duration::from_secs(5), wake.notified()).await;
                continue;
            };
            let transport = printer.transport.clone();
            let outcome = tokio::task::spawn_blocking(move || {
                let mut link = transport.open(LINK_TIMEOUT)?;
                transport::print_job(&mut *link, &bytes, LINK_TIMEOUT)
            })
            .await
            .unwrap_or_else(|e| Err(transport::PrintError::Interrupted(e.to_string())));
            match outcome {
                Ok(paper) => {
                    if let Err(e) = store.call(move |c| print_jobs::mark_printed(c, id)).await {
                        tracing::error!(job = id, error = %e, "cannot mark job printed");
                    }
                    self.set_health(&printer.name, |h| {
                        h.state = Some(if paper.is_some_and(|p| p.paper_low) {
                            "paper_low"
                        } else {
                            "ready"
                        });
                        h.last_error = None;
                        h.last_printed_at = Some(Timestamp::now());
                    });
                }
                Err(error) => {
                    let message = error.to_string();
                    tracing::warn!(printer = %printer.name, job = id, error = %message, "print failed");
                    self.set_health(&printer.name, |h| {
                        h.state = Some("error");
                        h.last_error = Some(message.clone());
                    });
                    let job = store
                        .call(move |c| print_jobs::mark_attempt_failed(c, id, &message))
                        .await;
                    let attempts = job.map(|j| j.attempts).unwrap_or(print_jobs::MAX_ATTEMPTS);
                    let pause = Duration::from_millis(500 * 2u64.pow(attempts.clamp(0, 4) as u32));
                    let _ = tokio::time::timeout(pause, wake.notified()).await;
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
        for (bad, says) in [
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
