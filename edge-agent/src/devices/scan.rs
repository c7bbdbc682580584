//! One stream of scan events, fed by every scanner source.
//!
//! Sources hand raw bytes to [`Scans::publish`]; the POS and picking code and
//! the UI's event stream only ever see [`ScanEvent`]s. Serial scanners deliver a
//! byte stream, which [`FrameSplitter`] cuts into barcodes on the configured
//! suffix, holding partial frames across reads and dropping noise.

use pos_shared::gs1::{split_symbology, Symbology, VariableMeasureRule};
use pos_shared::scan_code::{read_scan, ScannedCode};
use pos_shared::Timestamp;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Longest barcode accepted; GS1 DataMatrix tops out well below this.
pub const MAX_SCAN_LEN: usize = 512;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanEvent {
    /// Which scanner: `keyboard`, `serial:/dev/ttyACM0`, …
    pub source: String,
    /// From the AIM identifier, when the scanner sent one.
    pub symbology: Option<String>,
    /// The bytes as received, hex-encoded.
    pub raw: String,
    /// The barcode's data, identifier removed (GS1 separators kept as U+001D).
    pub text: String,
    pub at: Timestamp,
    /// What the barcode says: the item's GTIN and, from GS1 symbols and
    /// scale labels, batch, expiry, weight, price.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub code: Option<ScannedCode>,
    /// Why the barcode names no item, in words for the cashier.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub problem: Option<String>,
    /// The item the barcode names, with the store's price: filled in where
    /// the event is sent to the UI (`/v1/events`), as
    /// `/v1/products/by-barcode/{code}` answers; the sources have no store.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub product: Option<crate::pos::product::ProductView>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("the scan is empty")]
    Empty,
    #[error("the scan is longer than {MAX_SCAN_LEN} bytes")]
    TooLong,
    #[error("the scan holds bytes that are not barcode characters")]
    NotText,
}

fn symbology_name(s: &Symbology) -> String {
    match s {
        Symbology::Ean13 => "ean13".into(),
        Symbology::Ean8 => "ean8".into(),
        Symbology::Code128 => "code128".into(),
        Symbology::Gs1_128 => "gs1-128".into(),
        Symbology::Gs1DataMatrix => "gs1-datamatrix".into(),
        Symbology::Gs1Qr => "gs1-qr".into(),
        Symbology::Other(id) => id.clone(),
    }
}

/// How scans are read: the store's scale-label layouts and the year that
/// anchors two-digit dates.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    pub scale_rules: Vec<VariableMeasureRule>,
    /// The store's offset from UTC, for the year.
    pub utc_offset_minutes: i32,
}

/// Checks and decodes one frame into an event, read under `reading`.
pub fn decode(source: &str, raw: &[u8], reading: &Reading) -> Result<ScanEvent, ScanError> {
    if raw.is_empty() {
        return Err(ScanError::Empty);
    }
    if raw.len() > MAX_SCAN_LEN {
        return Err(ScanError::TooLong);
    }
    // Printable ASCII, plus GS for GS1 element strings.
    if !raw
        .iter()
        .all(|&b| b.is_ascii_graphic() || b == b' ' || b == 0x1d)
    {
        return Err(ScanError::NotText);
    }
    let text = std::str::from_utf8(raw).map_err(|_| ScanError::NotText)?;
    let (symbology, data) = split_symbology(text);
    if data.is_empty() {
        return Err(ScanError::Empty);
    }
    let at = Timestamp::now();
    let year = at.local_date(reading.utc_offset_minutes)[..4]
        .parse()
        .unwrap_or(2000);
    let (code, problem) = match read_scan(text, &reading.scale_rules, year) {
        Ok(code) => (Some(code), None),
        Err(p) => (None, Some(p.message)),
    };
    Ok(ScanEvent {
        source: source.to_owned(),
        symbology: symbology.as_ref().map(symbology_name),
        raw: raw.iter().map(|b| format!("{b:02x}")).collect(),
        text: data.to_owned(),
        at,
        code,
        problem,
        product: None,
    })
}

/// The broadcast of scan events.
#[derive(Clone)]
pub struct Scans {
    tx: broadcast::Sender<ScanEvent>,
    reading: Arc<Reading>,
}

impl Default for Scans {
    fn default() -> Self {
        Scans::new(Reading::default())
    }
}

impl Scans {
    pub fn new(reading: Reading) -> Self {
        Scans {
            tx: broadcast::channel(256).0,
            reading: Arc::new(reading),
        }
    }

    /// Decodes a frame from `source` without sending it to anyone: a scan
    /// a handler consumes itself (a picker's, onto an order).
    pub fn read(&self, source: &str, raw: &[u8]) -> Result<ScanEvent, ScanError> {
        decode(source, raw, &self.reading)
    }

    /// Decodes a frame from `source` and sends it to every listener.
    pub fn publish(&self, source: &str, raw: &[u8]) -> Result<ScanEvent, ScanError> {
        let event = decode(source, raw, &self.reading)?;
        // Nobody listening is fine: the scan is simply not used.
        let _ = self.tx.send(event.clone());
        Ok(event)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ScanEvent> {
        self.tx.subscribe()
    }
}

/// What happened to bytes that did not make a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    /// No suffix within [`MAX_SCAN_LEN`] bytes: discarded up to the next suffix.
    TooLong,
}

/// Cuts a serial byte stream into frames ending in `suffix` (CR, LF, CRLF, TAB).
pub struct FrameSplitter {
    suffix: Vec<u8>,
    buffer: Vec<u8>,
    /// Inside an over-long frame: discard until the next suffix.
    discarding: bool,
}

impl FrameSplitter {
    pub fn new(suffix: &[u8]) -> Self {
        FrameSplitter {
            suffix: suffix.to_vec(),
            buffer: Vec::new(),
            discarding: false,
        }
    }

    /// Feeds bytes as they were read; returns the frames they completed (without
    /// the suffix) and what was dropped. A partial frame waits for the next read.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Vec<u8>, Dropped>> {
        let mut out = Vec::new();
        self.buffer.extend_from_slice(bytes);
        while let Some(end) = find(&self.buffer, &self.suffix) {
            let frame: Vec<u8> = self
                .buffer
                .drain(..end + self.suffix.len())
                .take(end)
                .collect();
            if std::mem::take(&mut self.discarding) {
                continue;
            }
            if !frame.is_empty() {
                out.push(Ok(frame));
            }
        }
        if self.buffer.len() > MAX_SCAN_LEN {
            // Keep a possible partial suffix so a suffix split across reads still ends the frame.
            let keep = self.suffix.len().saturating_sub(1);
            self.buffer.drain(..self.buffer.len() - keep);
            if !self.discarding {
                self.discarding = true;
                out.push(Err(Dropped::TooLong));
            }
        }
        out
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(results: Vec<Result<Vec<u8>, Dropped>>) -> Vec<String> {
        results
            .into_iter()
            .map(|r| match r {
                Ok(f) => String::from_utf8(f).unwrap(),
                Err(Dropped::TooLong) => "<too long>".into(),
            })
            .collect()
    }

    #[test]
    fn several_barcodes_in_one_read_and_one_split_across_reads() {
        let mut s = FrameSplitter::new(b"\r\n");
        assert_eq!(
            frames(s.push(b"4006381333931\r\n8901234567890\r\n40063")),
            ["4006381333931", "8901234567890"]
        );
        assert_eq!(frames(s.push(b"81333931\r")), Vec::<String>::new());
        assert_eq!(frames(s.push(b"\n")), ["4006381333931"]);
    }

    #[test]
    fn an_endless_line_is_dropped_once_and_the_next_scan_survives() {
        let mut s = FrameSplitter::new(b"\r");
        let noise = vec![b'7'; 10 * 1024];
        assert_eq!(frames(s.push(&noise)), ["<too long>"]);
        assert_eq!(frames(s.push(&noise)), Vec::<String>::new());
        assert_eq!(frames(s.push(b"tail\r96385074\r")), ["96385074"]);
    }

    #[test]
    fn decoding_strips_the_identifier_and_refuses_noise() {
        let e = decode(
            "serial:test",
            b"]C10109501101020917\x1d10AB",
            &Reading::default(),
        )
        .unwrap();
        assert_eq!(e.symbology.as_deref(), Some("gs1-128"));
        assert_eq!(e.text, "0109501101020917\u{1d}10AB");
        assert!(e.raw.starts_with("5d4331"));
        assert_eq!(
            decode("k", b"\x00\xff\x13", &Reading::default()),
            Err(ScanError::NotText)
        );
        assert_eq!(decode("k", b"", &Reading::default()), Err(ScanError::Empty));
        assert_eq!(
            decode("k", &vec![b'1'; MAX_SCAN_LEN + 1], &Reading::default()),
            Err(ScanError::TooLong)
        );
        assert_eq!(
            decode("k", b"4006381333931", &Reading::default())
                .unwrap()
                .symbology,
            None
        );
    }
}
