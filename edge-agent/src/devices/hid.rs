//! USB HID POS barcode scanners (usage page 0x8C), read through `rusb`.
//!
//! A scanner in HID POS mode sends Scanned Data Reports on its interrupt IN
//! endpoint: report id 2, the count of data bytes, three bytes of symbology
//! identifier, the data, and a last byte whose bit 0 says the barcode continues
//! in the next report. Reports are joined into one scan and published on the
//! scan stream with the symbology identifier in front, so the decoder knows
//! what was scanned. Keyboard-mode scanners come through the UI instead.

use super::registry::Devices;
use super::scan::Scans;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// One HID POS scanner from the config: `vendor:product` in hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HidScanner {
    pub vendor: u16,
    pub product: u16,
}

impl HidScanner {
    pub fn parse(spec: &str) -> Result<Self, String> {
        let ids = spec.split_once(':').and_then(|(v, p)| {
            Some((
                u16::from_str_radix(v.trim(), 16).ok()?,
                u16::from_str_radix(p.trim(), 16).ok()?,
            ))
        });
        let (vendor, product) = ids.ok_or_else(|| {
            format!("HID scanner {spec:?} is not vendor:product in hex, e.g. 0c2e:0b61")
        })?;
        Ok(HidScanner { vendor, product })
    }

    pub fn source(&self) -> String {
        format!("usb:{:04x}:{:04x}", self.vendor, self.product)
    }
}

/// Where reports come from: the USB endpoint, or a test's list.
pub trait ReportSource {
    /// One input report, `Ok(None)` when none came within `timeout`.
    fn read_report(&mut self, timeout: Duration) -> std::io::Result<Option<Vec<u8>>>;
}

const SCANNED_DATA_REPORT: u8 = 0x02;
const SYMBOLOGY_LEN: usize = 3;
/// A barcode longer than this (several continued reports) is dropped.
const MAX_SCAN: usize = 8 * 1024;

/// Joins continued reports into whole scans.
#[derive(Default)]
pub struct Assembler {
    symbology: Vec<u8>,
    data: Vec<u8>,
    overflowed: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Assembled {
    /// Symbology identifier and data, ready for the scan decoder.
    Scan(Vec<u8>),
    Partial,
    /// A report that is not a scanned data report, or is malformed.
    Ignored(&'static str),
    TooLong,
}

impl Assembler {
    pub fn push(&mut self, report: &[u8]) -> Assembled {
        if report.first() != Some(&SCANNED_DATA_REPORT) {
            return Assembled::Ignored("not a scanned data report");
        }
        if report.len() < 2 + SYMBOLOGY_LEN + 1 {
            return Assembled::Ignored("report too short");
        }
        let count = report[1] as usize;
        let body = &report[2 + SYMBOLOGY_LEN..report.len() - 1];
        if count > body.len() {
            return Assembled::Ignored("data count beyond the report");
        }
        let continued = report[report.len() - 1] & 1 == 1;
        if self.data.is_empty() && !self.overflowed {
            self.symbology = aim_identifier(&report[2..2 + SYMBOLOGY_LEN]);
        }
        if self.data.len() + count > MAX_SCAN {
            self.overflowed = true;
            self.data.clear();
        } else if !self.overflowed {
            self.data.extend_from_slice(&body[..count]);
        }
        if continued {
            return Assembled::Partial;
        }
        if std::mem::take(&mut self.overflowed) {
            return Assembled::TooLong;
        }
        let mut scan = std::mem::take(&mut self.symbology);
        scan.append(&mut self.data);
        Assembled::Scan(scan)
    }
}

/// `]` + code letter + modifier where the scanner sent an AIM identifier
/// (with or without its `]`, or after a vendor code byte); nothing otherwise.
fn aim_identifier(bytes: &[u8]) -> Vec<u8> {
    let printable = |b: &u8| b.is_ascii_graphic();
    match bytes {
        [b']', c, m] if printable(c) && printable(m) => vec![b']', *c, *m],
        [_, c, m] if c.is_ascii_alphabetic() && m.is_ascii_alphanumeric() => vec![b']', *c, *m],
        _ => Vec::new(),
    }
}

/// Reads reports until the source fails or `stop` is set; returns why it ended.
pub fn pump(
    reports: &mut dyn ReportSource,
    source: &str,
    scans: &Scans,
    devices: &Devices,
    stop: &AtomicBool,
) -> String {
    let mut assembler = Assembler::default();
    loop {
        if stop.load(Ordering::Relaxed) {
            return "stopped".into();
        }
        let report = match reports.read_report(Duration::from_millis(200)) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => return e.to_string(),
        };
        let outcome = match assembler.push(&report) {
            Assembled::Partial => continue,
            Assembled::Ignored(why) => {
                tracing::debug!(%source, why, "HID report skipped");
                continue;
            }
            Assembled::TooLong => Err("a barcode longer than 8 KiB".to_owned()),
            Assembled::Scan(raw) => scans.publish(source, &raw).map_err(|e| e.to_string()),
        };
        match outcome {
            Ok(_) => devices.update(source, |d| d.scans += 1),
            Err(why) => {
                tracing::warn!(%source, %why, "scanner data dropped");
                devices.update(source, |d| d.dropped += 1);
            }
        }
    }
}

/// Starts one reading thread per HID POS scanner, reopening it with backoff.
pub fn start(scanners: &[HidScanner], scans: &Scans, devices: &Devices, stop: Arc<AtomicBool>) {
    for scanner in scanners {
        let (scanner, scans, devices, stop) = (
            scanner.clone(),
            scans.clone(),
            devices.clone(),
            stop.clone(),
        );
        let source = scanner.source();
        devices.update(&source, |_| {});
        std::thread::Builder::new()
            .name(format!("scanner {source}"))
            .spawn(move || {
                let mut failures = 0;
                while !stop.load(Ordering::Relaxed) {
                    match HidPosReports::open(scanner.vendor, scanner.product) {
                        Ok(mut reports) => {
                            failures = 0;
                            devices.update(&source, |d| {
                                d.connected = true;
                                d.last_error = None;
                            });
                            let why = pump(&mut reports, &source, &scans, &devices, &stop);
                            devices.update(&source, |d| {
                                d.connected = false;
                                d.last_error = Some(why);
                            });
                        }
                        Err(e) => {
                            failures += 1;
                            devices.update(&source, |d| {
                                d.connected = false;
                                d.last_error = Some(e);
                            });
                            std::thread::sleep(pos_shared::retry::backoff(
                                failures,
                                Duration::from_secs(5),
                            ));
                        }
                    }
                }
            })
            .expect("spawn scanner thread");
    }
}

/// A HID POS scanner's interrupt IN endpoint.
pub struct HidPosReports {
    handle: rusb::DeviceHandle<rusb::Context>,
    endpoint: u8,
}

impl HidPosReports {
    pub fn open(vendor: u16, product: u16) -> Result<Self, String> {
        let claimed = super::usb::claim(
            vendor,
            product,
            3,
            rusb::TransferType::Interrupt,
            rusb::Direction::In,
            "HID (is it in HID POS mode?)",
        )?;
        Ok(HidPosReports {
            handle: claimed.handle,
            endpoint: claimed.endpoint,
        })
    }
}

impl ReportSource for HidPosReports {
    fn read_report(&mut self, timeout: Duration) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = [0u8; 64];
        match self.handle.read_interrupt(self.endpoint, &mut buf, timeout) {
            Ok(n) => Ok(Some(buf[..n].to_vec())),
            Err(rusb::Error::Timeout) => Ok(None),
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(symbology: &[u8; 3], data: &[u8], continued: bool) -> Vec<u8> {
        let mut r = vec![2, data.len() as u8];
        r.extend_from_slice(symbology);
        r.extend_from_slice(data);
        r.resize(63, 0);
        r.push(u8::from(continued));
        r
    }

    struct Reports(std::collections::VecDeque<std::io::Result<Option<Vec<u8>>>>);

    impl ReportSource for Reports {
        fn read_report(&mut self, _: Duration) -> std::io::Result<Option<Vec<u8>>> {
            self.0
                .pop_front()
                .unwrap_or_else(|| Err(std::io::Error::other("unplugged")))
        }
    }

    #[test]
    fn reports_join_into_scans() {
        let mut a = Assembler::default();
        assert_eq!(
            a.push(&report(b"]E0", b"4006381333931", false)),
            Assembled::Scan(b"]E04006381333931".to_vec())
        );
        assert_eq!(
            a.push(&report(b"jd2", b"0104006381333931", true)),
            Assembled::Partial
        );
        assert_eq!(
            a.push(&report(b"jd2", b"10ABC", false)),
            Assembled::Scan(b"]d2010400638133393110ABC".to_vec())
        );
        assert!(matches!(a.push(&[1, 2, 3]), Assembled::Ignored(_)));
        assert!(matches!(
            a.push(&[2, 60, 0, 0, 0, 1, 0]),
            Assembled::Ignored(_)
        ));
    }

    #[test]
    fn the_pump_publishes_scans_through_the_report_trait() {
        let scans = Scans::default();
        let mut rx = scans.subscribe();
        let devices = Devices::default();
        let mut reports = Reports(
            vec![
                Ok(Some(report(b"]E0", b"4006381333931", false))),
                Ok(None),
                Ok(Some(vec![0x01, 0xff])),
                Ok(Some(report(b"]C1", b"\x1d0104006381333931", true))),
                Ok(Some(report(b"]C1", b"17261231", false))),
            ]
            .into(),
        );
        let why = pump(
            &mut reports,
            "usb:0c2e:0b61",
            &scans,
            &devices,
            &AtomicBool::new(false),
        );
        assert_eq!(why, "unplugged");
        let first = rx.try_recv().unwrap();
        assert_eq!(first.source, "usb:0c2e:0b61");
        assert_eq!(first.text, "4006381333931");
        let second = rx.try_recv().unwrap();
        assert!(second.text.contains("04006381333931"), "{second:?}");
        assert_eq!(devices.all()["usb:0c2e:0b61"].scans, 2);
        assert_eq!(devices.all()["usb:0c2e:0b61"].kind, "hid_scanner");
    }
}
