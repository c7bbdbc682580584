//! Serial barcode scanners (RS-232 and USB-CDC virtual COM ports).
//!
//! Each configured port gets a thread that opens it, reads bytes, cuts them into
//! barcodes on the suffix and publishes them on the scan stream. A port that
//! disappears (unplugged, powered off) is reopened with backoff and reported in
//! the device status; when it comes back, scanning resumes without a restart.

use crate::scan::{FrameSplitter, Scans};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One serial scanner from the config: `path[@baud][:suffix]`, 8N1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialScanner {
    pub path: String,
    pub baud: u32,
    pub suffix: Vec<u8>,
}

impl SerialScanner {
    /// Parses `/dev/ttyACM0@9600:crlf`; baud defaults to 9600 and the suffix to CR.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (rest, suffix) = match spec.rsplit_once(':') {
            Some((rest, s)) if !s.contains('/') => (rest, s),
            _ => (spec, "cr"),
        };
        let suffix = match suffix.to_ascii_lowercase().as_str() {
            "cr" => b"\r".to_vec(),
            "lf" => b"\n".to_vec(),
            "crlf" => b"\r\n".to_vec(),
            "tab" => b"\t".to_vec(),
            other => {
                return Err(format!(
                    "scanner {spec:?}: suffix {other:?} is not one of cr, lf, crlf, tab"
                ))
            }
        };
        let (path, baud) = match rest.split_once('@') {
            Some((path, baud)) => (
                path,
                baud.parse()
                    .map_err(|_| format!("scanner {spec:?}: baud {baud:?} is not a number"))?,
            ),
            None => (rest, 9600),
        };
        if path.is_empty() {
            return Err(format!("scanner {spec:?}: no port path"));
        }
        Ok(SerialScanner {
            path: path.to_owned(),
            baud,
            suffix,
        })
    }

    fn source(&self) -> String {
        format!("serial:{}", self.path)
    }
}

/// What the till shows about a device.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceStatus {
    pub kind: &'static str,
    pub connected: bool,
    pub last_error: Option<String>,
    pub scans: u64,
    pub dropped: u64,
}

#[derive(Clone, Default)]
pub struct Devices {
    inner: Arc<Mutex<BTreeMap<String, DeviceStatus>>>,
}

impl Devices {
    pub fn all(&self) -> BTreeMap<String, DeviceStatus> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn update(&self, source: &str, f: impl FnOnce(&mut DeviceStatus)) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let status = map.entry(source.to_owned()).or_insert(DeviceStatus {
            kind: "serial_scanner",
            connected: false,
            last_error: None,
            scans: 0,
            dropped: 0,
        });
        f(status);
    }
}

/// Stops the scanner threads when dropped.
pub struct ScannerThreads {
    stop: Arc<AtomicBool>,
}

impl Drop for ScannerThreads {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts one reading thread per scanner.
pub fn start(scanners: &[SerialScanner], scans: &Scans, devices: &Devices) -> ScannerThreads {
    let stop = Arc::new(AtomicBool::new(false));
    for scanner in scanners {
        let (scanner, scans, devices, stop) = (
            scanner.clone(),
            scans.clone(),
            devices.clone(),
            stop.clone(),
        );
        devices.update(&scanner.source(), |_| {});
        std::thread::Builder::new()
            .name(format!("scanner {}", scanner.path))
            .spawn(move || run(&scanner, &scans, &devices, &stop))
            .expect("spawn scanner thread");
    }
    ScannerThreads { stop }
}

fn run(scanner: &SerialScanner, scans: &Scans, devices: &Devices, stop: &AtomicBool) {
    let source = scanner.source();
    let mut failures = 0u32;
    while !stop.load(Ordering::Relaxed) {
        let opened = serialport::new(&scanner.path, scanner.baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .timeout(Duration::from_millis(200))
            .open();
        let mut port = match opened {
            Ok(port) => port,
            Err(e) => {
                failures += 1;
                devices.update(&source, |d| {
                    d.connected = false;
                    d.last_error = Some(format!("cannot open: {e}"));
                });
                std::thread::sleep(crate::sync::backoff(failures, Duration::from_secs(5)));
                continue;
            }
        };
        failures = 0;
        tracing::info!(%source, "scanner connected");
        devices.update(&source, |d| {
            d.connected = true;
            d.last_error = None;
        });
        let mut splitter = FrameSplitter::new(&scanner.suffix);
        let mut buf = [0u8; 1024];
        let error = loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            match port.read(&mut buf) {
                Ok(0) => break "the port closed".to_owned(),
                Ok(n) => {
                    for frame in splitter.push(&buf[..n]) {
                        let outcome = frame
                            .map_err(|_| "a line without a suffix".to_owned())
                            .and_then(|f| scans.publish(&source, &f).map_err(|e| e.to_string()));
                        match outcome {
                            Ok(_) => devices.update(&source, |d| d.scans += 1),
                            Err(why) => {
                                tracing::warn!(%source, %why, "scanner data dropped");
                                devices.update(&source, |d| d.dropped += 1);
                            }
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
                Err(e) => break e.to_string(),
            }
        };
        tracing::warn!(%source, %error, "scanner disconnected");
        devices.update(&source, |d| {
            d.connected = false;
            d.last_error = Some(error);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_specs_parse_with_defaults() {
        assert_eq!(
            SerialScanner::parse("/dev/ttyACM0@115200:crlf").unwrap(),
            SerialScanner {
                path: "/dev/ttyACM0".into(),
                baud: 115200,
                suffix: b"\r\n".to_vec()
            }
        );
        assert_eq!(
            SerialScanner::parse("/dev/ttyS0").unwrap(),
            SerialScanner {
                path: "/dev/ttyS0".into(),
                baud: 9600,
                suffix: b"\r".to_vec()
            }
        );
        assert!(SerialScanner::parse("/dev/ttyS0:nul")
            .unwrap_err()
            .contains("suffix"));
        assert!(SerialScanner::parse("/dev/ttyS0@fast")
            .unwrap_err()
            .contains("baud"));
    }
}
