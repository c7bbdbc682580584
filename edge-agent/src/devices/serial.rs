//! Serial barcode scanners (RS-232 and USB-CDC virtual COM ports).
//!
//! Each configured port gets a thread that opens it, reads bytes, cuts them into
//! barcodes on the suffix and publishes them on the scan stream. A port that
//! disappears (unplugged, powered off) is reopened with backoff and reported in
//! the device status; when it comes back, scanning resumes without a restart.

use super::registry::{Devices, ScannerThreads};
use super::scan::{FrameSplitter, Scans};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// One serial scanner from the config: `path[@baud[,frame]][:suffix]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialScanner {
    pub path: String,
    pub baud: u32,
    pub data_bits: serialport::DataBits,
    pub parity: serialport::Parity,
    pub stop_bits: serialport::StopBits,
    pub suffix: Vec<u8>,
}

/// `8N1`, `7E1`, `8O2`: data bits, parity (none, even, odd), stop bits.
pub fn parse_frame(
    spec: &str,
    frame: &str,
) -> Result<
    (
        serialport::DataBits,
        serialport::Parity,
        serialport::StopBits,
    ),
    String,
> {
    use serialport::{DataBits, Parity, StopBits};
    let bad = || {
        format!("scanner {spec:?}: frame {frame:?} is not like 8N1 (data bits 5-8, parity N/E/O, stop bits 1-2)")
    };
    let b = frame.as_bytes();
    if b.len() != 3 {
        return Err(bad());
    }
    let data = match b[0] {
        b'5' => DataBits::Five,
        b'6' => DataBits::Six,
        b'7' => DataBits::Seven,
        b'8' => DataBits::Eight,
        _ => return Err(bad()),
    };
    let parity = match b[1].to_ascii_uppercase() {
        b'N' => Parity::None,
        b'E' => Parity::Even,
        b'O' => Parity::Odd,
        _ => return Err(bad()),
    };
    let stop = match b[2] {
        b'1' => StopBits::One,
        b'2' => StopBits::Two,
        _ => return Err(bad()),
    };
    Ok((data, parity, stop))
}

impl SerialScanner {
    /// Parses `/dev/ttyACM0@9600,7E1:crlf`; baud defaults to 9600, the frame
    /// to 8N1 and the suffix to CR.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (rest, suffix) = match spec.rsplit_once(':') {
            Some((rest, s)) if !s.contains('/') => (rest, s),
            _ => (spec, "cr"),
        };
        let suffix = parse_suffix(spec, suffix)?;
        let (path, line) = match rest.split_once('@') {
            Some((path, line)) => (path, Some(line)),
            None => (rest, None),
        };
        let (baud, frame) = match line.map(|l| l.split_once(',').unwrap_or((l, "8N1"))) {
            Some((baud, frame)) => (
                baud.parse()
                    .map_err(|_| format!("scanner {spec:?}: baud {baud:?} is not a number"))?,
                frame,
            ),
            None => (9600, "8N1"),
        };
        let (data_bits, parity, stop_bits) = parse_frame(spec, frame)?;
        if path.is_empty() {
            return Err(format!("scanner {spec:?}: no port path"));
        }
        Ok(SerialScanner {
            path: path.to_owned(),
            baud,
            data_bits,
            parity,
            stop_bits,
            suffix,
        })
    }

    fn source(&self) -> String {
        format!("serial:{}", self.path)
    }

    /// The frame as written in config, `8N1`.
    pub fn frame_name(&self) -> String {
        use serialport::{DataBits, Parity, StopBits};
        let data = match self.data_bits {
            DataBits::Five => '5',
            DataBits::Six => '6',
            DataBits::Seven => '7',
            DataBits::Eight => '8',
        };
        let parity = match self.parity {
            Parity::None => 'N',
            Parity::Even => 'E',
            Parity::Odd => 'O',
        };
        let stop = match self.stop_bits {
            StopBits::One => '1',
            StopBits::Two => '2',
        };
        format!("{data}{parity}{stop}")
    }

    /// The suffix as written in config: `cr`, `lf`, `crlf` or `tab`.
    pub fn suffix_name(&self) -> &'static str {
        match self.suffix.as_slice() {
            b"\n" => "lf",
            b"\r\n" => "crlf",
            b"\t" => "tab",
            _ => "cr",
        }
    }
}

/// The byte(s) that end each barcode: `cr`, `lf`, `crlf` or `tab`.
pub fn parse_suffix(spec: &str, suffix: &str) -> Result<Vec<u8>, String> {
    Ok(match suffix.to_ascii_lowercase().as_str() {
        "cr" => b"\r".to_vec(),
        "lf" => b"\n".to_vec(),
        "crlf" => b"\r\n".to_vec(),
        "tab" => b"\t".to_vec(),
        other => {
            return Err(format!(
                "scanner {spec:?}: suffix {other:?} is not one of cr, lf, crlf, tab"
            ))
        }
    })
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
    ScannerThreads::new(stop)
}

fn run(scanner: &SerialScanner, scans: &Scans, devices: &Devices, stop: &AtomicBool) {
    let source = scanner.source();
    let mut failures = 0u32;
    while !stop.load(Ordering::Relaxed) {
        let opened = serialport::new(&scanner.path, scanner.baud)
            .data_bits(scanner.data_bits)
            .parity(scanner.parity)
            .stop_bits(scanner.stop_bits)
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
                std::thread::sleep(pos_shared::retry::backoff(failures, Duration::from_secs(5)));
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
                data_bits: serialport::DataBits::Eight,
                parity: serialport::Parity::None,
                stop_bits: serialport::StopBits::One,
                suffix: b"\r\n".to_vec()
            }
        );
        let s = SerialScanner::parse("/dev/ttyS0@9600,7E2:tab").unwrap();
        assert_eq!(
            (s.baud, s.data_bits, s.parity, s.stop_bits, s.suffix),
            (
                9600,
                serialport::DataBits::Seven,
                serialport::Parity::Even,
                serialport::StopBits::Two,
                b"\t".to_vec()
            )
        );
        assert_eq!(SerialScanner::parse("/dev/ttyS0").unwrap().baud, 9600);
        assert!(SerialScanner::parse("/dev/ttyS0@9600,9X1")
            .unwrap_err()
            .contains("frame"));
        assert!(SerialScanner::parse("/dev/ttyS0:nul")
            .unwrap_err()
            .contains("suffix"));
        assert!(SerialScanner::parse("/dev/ttyS0@fast")
            .unwrap_err()
            .contains("baud"));
    }
}
