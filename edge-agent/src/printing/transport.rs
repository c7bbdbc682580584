//! How job bytes reach a printer: TCP port 9100, a serial port, USB bulk OUT, or a
//! device file such as `/dev/usb/lp0`.
//!
//! A link is opened per job, so a printer that was off is simply tried again
//! next time. Where the link is two-way the printer is asked for its status
//! (`DLE EOT`) before the job, and again after it: the second answer is the
//! printer's confirmation that it has taken every byte, which a TCP send alone
//! cannot give when the printer drops the connection mid-receipt.
//!
//! A printer that has answered before and is silent now is not mistaken for
//! a one-way one: nothing is sent to it ([`PrintError::NotAnswering`]).
//! [`PrintError::went_out`] tells the queue whether a failed try may have
//! printed something, so the next copy is marked DUPLICATE.

use super::escpos::status;
use serde::Serialize;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Tcp(String),
    Serial { path: String, baud: u32 },
    File(PathBuf),
    Usb { vendor: u16, product: u16 },
}

impl Transport {
    /// `tcp://host:port` (port 9100 if left out), `serial:///dev/ttyS0`
    /// (`baud` parameter, 9600 if left out), `file:///dev/usb/lp0`,
    /// `usb://04b8:0202` (vendor and product id in hex).
    pub fn parse(url: &str, params: &[(String, String)]) -> Result<Self, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("printer address {url:?} has no scheme such as tcp://"))?;
        match scheme {
            "tcp" => {
                if rest.is_empty() {
                    return Err(format!("printer address {url:?} has no host"));
                }
                let has_port = rest
                    .rsplit_once(':')
                    .is_some_and(|(_, p)| p.parse::<u16>().is_ok());
                Ok(Transport::Tcp(if has_port {
                    rest.to_owned()
                } else {
                    format!("{rest}:9100")
                }))
            }
            "serial" => {
                let baud = match params.iter().find(|(k, _)| k == "baud") {
                    Some((_, b)) => b
                        .parse()
                        .map_err(|_| format!("printer baud {b:?} is not a number"))?,
                    None => 9600,
                };
                if rest.is_empty() {
                    return Err(format!("printer address {url:?} has no port path"));
                }
                Ok(Transport::Serial {
                    path: rest.to_owned(),
                    baud,
                })
            }
            "file" if !rest.is_empty() => Ok(Transport::File(PathBuf::from(rest))),
            "usb" => {
                let ids = rest.split_once(':').and_then(|(v, p)| {
                    Some((
                        u16::from_str_radix(v, 16).ok()?,
                        u16::from_str_radix(p, 16).ok()?,
                    ))
                });
                let (vendor, product) = ids.ok_or_else(|| {
                    format!("printer address {url:?}: USB printers are usb://vendor:product in hex, e.g. usb://04b8:0202")
                })?;
                Ok(Transport::Usb { vendor, product })
            }
            _ => Err(format!(
                "printer address {url:?}: the scheme is not one of tcp, serial, file, usb"
            )),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Tcp(addr) => format!("tcp://{addr}"),
            Transport::Serial { path, baud } => format!("serial://{path}?baud={baud}"),
            Transport::File(path) => format!("file://{}", path.display()),
            Transport::Usb { vendor, product } => format!("usb://{vendor:04x}:{product:04x}"),
        }
    }

    pub fn open(&self, timeout: Duration) -> Result<Box<dyn Link>, PrintError> {
        match self {
            Transport::Tcp(addr) => {
                use std::net::ToSocketAddrs;
                let addrs: Vec<_> = addr
                    .to_socket_addrs()
                    .map_err(|e| PrintError::Unreachable(format!("{addr}: {e}")))?
                    .collect();
                let mut last = None;
                for a in addrs {
                    match std::net::TcpStream::connect_timeout(&a, timeout) {
                        Ok(stream) => {
                            stream.set_write_timeout(Some(timeout)).ok();
                            stream.set_nodelay(true).ok();
                            return Ok(Box::new(TcpLink { stream }));
                        }
                        Err(e) => last = Some(e),
                    }
                }
                Err(PrintError::Unreachable(match last {
                    Some(e) => format!("{addr}: {e}"),
                    None => format!("{addr}: no address"),
                }))
            }
            Transport::Serial { path, baud } => {
                let port = serialport::new(path, *baud)
                    .timeout(timeout)
                    .open()
                    .map_err(|e| PrintError::Unreachable(format!("{path}: {e}")))?;
                Ok(Box::new(SerialLink { port }))
            }
            Transport::File(path) => {
                let file = std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(|e| PrintError::Unreachable(format!("{}: {e}", path.display())))?;
                Ok(Box::new(FileLink { file }))
            }
            Transport::Usb { vendor, product } => {
                Ok(Box::new(UsbLink::open(*vendor, *product, timeout)?))
            }
        }
    }
}

/// Why a job did not print; shown to the cashier next to the job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("the printer cannot be reached ({0}); check it is on and connected")]
    Unreachable(String),
    #[error("the printer is out of paper; load a new roll")]
    PaperOut,
    #[error("the printer cover is open; close it")]
    CoverOpen,
    #[error("the connection broke while printing ({0}); the receipt may be cut short")]
    Interrupted(String),
    #[error("the printer did not confirm the receipt; it may be cut short")]
    Unconfirmed,
    #[error("the printer answered before but does not answer now; check it is on and not jammed")]
    NotAnswering,
    #[error("the receipt cannot be encoded: {0}")]
    Encode(String),
}

impl PrintError {
    /// Whether the job's bytes (some or all) reached the link: the job may
    /// have printed, whole or cut short.
    pub fn went_out(&self) -> bool {
        matches!(self, PrintError::Interrupted(_) | PrintError::Unconfirmed)
    }
}

/// One open connection to a printer.
pub trait Link: Send {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// One byte from the printer within `timeout`; `Ok(None)` on one-way links
    /// or when nothing came.
    fn read_byte(&mut self, timeout: Duration) -> std::io::Result<Option<u8>>;
    /// Whether the printer can answer at all; one-way links get no status requests.
    fn two_way(&self) -> bool {
        true
    }
}

/// What the printer said about itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PaperStatus {
    pub paper_low: bool,
}

fn ask(link: &mut dyn Link, request: &[u8], timeout: Duration) -> Result<Option<u8>, PrintError> {
    link.write_all(request)
        .map_err(|e| PrintError::Interrupted(e.to_string()))?;
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        match link.read_byte(left) {
            Ok(Some(b)) if status::is_status_byte(b) => return Ok(Some(b)),
            // Anything else is not an answer to this request (e.g. an
            // automatic status message): keep waiting.
            Ok(Some(_)) => continue,
            Ok(None) => return Ok(None),
            Err(e) => return Err(PrintError::Interrupted(e.to_string())),
        }
    }
}

/// What a job's printer said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Printed {
    /// The paper sensor, where the printer answered.
    pub paper: Option<PaperStatus>,
    /// Whether the printer answered a status request (a two-way printer).
    pub answered: bool,
}

/// Sends one job over an open link, checking the printer first and, where it
/// answers, asking it to confirm afterwards. `answers` says the printer has
/// answered status requests before: then silence means it is not ready, and
/// nothing is sent. `check_paper`: a job that prints (not a drawer pulse) is
/// held back while the printer is out of paper or its cover is open.
pub fn print_job(
    link: &mut dyn Link,
    job: &[u8],
    timeout: Duration,
    answers: bool,
    check_paper: bool,
) -> Result<Printed, PrintError> {
    let before = |e: PrintError| match e {
        // Nothing of the job went out: the link broke while asking.
        PrintError::Interrupted(why) => PrintError::Unreachable(why),
        other => other,
    };
    let mut out = Printed::default();
    let answered = if link.two_way() {
        ask(link, &status::OFFLINE_CAUSE, timeout).map_err(before)?
    } else {
        None
    };
    match answered {
        None if answers && link.two_way() => return Err(PrintError::NotAnswering),
        None => {}
        Some(cause) => {
            out.answered = true;
            if check_paper {
                if status::cover_open(cause) {
                    return Err(PrintError::CoverOpen);
                }
                let sensor = ask(link, &status::PAPER_SENSOR, timeout)
                    .map_err(before)?
                    .unwrap_or(0x12);
                if status::paper_out(cause, sensor) {
                    return Err(PrintError::PaperOut);
                }
                out.paper = Some(PaperStatus {
                    paper_low: status::paper_low(sensor),
                });
            }
        }
    }
    link.write_all(job)
        .map_err(|e| PrintError::Interrupted(e.to_string()))?;
    if out.answered {
        // The printer answers in order, so this reply comes after it has
        // taken the whole job; no reply means the job did not all arrive.
        let long = timeout * 4;
        match ask(link, &status::OFFLINE_CAUSE, long) {
            Ok(Some(cause)) if check_paper && status::paper_out(cause, 0x12) => {
                return Err(PrintError::Interrupted(
                    "the paper ran out while printing".into(),
                ))
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Err(PrintError::Unconfirmed),
        }
    }
    Ok(out)
}

struct TcpLink {
    stream: std::net::TcpStream,
}

impl Link for TcpLink {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    fn read_byte(&mut self, timeout: Duration) -> std::io::Result<Option<u8>> {
        self.stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        let mut b = [0u8];
        match self.stream.read(&mut b) {
            Ok(0) => Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "the printer closed the connection",
            )),
            Ok(_) => Ok(Some(b[0])),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

struct SerialLink {
    port: Box<dyn serialport::SerialPort>,
}

impl Link for SerialLink {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.port.write_all(bytes)?;
        self.port.flush()
    }

    fn read_byte(&mut self, timeout: Duration) -> std::io::Result<Option<u8>> {
        self.port
            .set_timeout(timeout.max(Duration::from_millis(1)))
            .map_err(std::io::Error::other)?;
        let mut b = [0u8];
        match self.port.read(&mut b) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(b[0])),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Ok(None),
            Err(e) => Err(e),
        }
    }
}

struct FileLink {
    file: std::fs::File,
}

impl Link for FileLink {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes)?;
        self.file.flush()
    }

    fn read_byte(&mut self, _timeout: Duration) -> std::io::Result<Option<u8>> {
        Ok(None)
    }

    fn two_way(&self) -> bool {
        false
    }
}

/// A USB printer: bulk OUT for jobs, bulk IN (where present) for status.
struct UsbLink {
    handle: rusb::DeviceHandle<rusb::Context>,
    out_ep: u8,
    in_ep: Option<u8>,
    timeout: Duration,
}

impl UsbLink {
    fn open(vendor: u16, product: u16, timeout: Duration) -> Result<Self, PrintError> {
        let claimed = crate::devices::usb::claim(
            vendor,
            product,
            7,
            rusb::TransferType::Bulk,
            rusb::Direction::Out,
            "printer",
        )
        .map_err(PrintError::Unreachable)?;
        Ok(UsbLink {
            handle: claimed.handle,
            out_ep: claimed.endpoint,
            in_ep: claimed.back,
            timeout,
        })
    }
}

impl Link for UsbLink {
    fn write_all(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            let n = self
                .handle
                .write_bulk(self.out_ep, bytes, self.timeout)
                .map_err(std::io::Error::other)?;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    fn read_byte(&mut self, timeout: Duration) -> std::io::Result<Option<u8>> {
        let Some(ep) = self.in_ep else {
            return Ok(None);
        };
        let mut buf = [0u8; 64];
        match self.handle.read_bulk(ep, &mut buf, timeout) {
            Ok(0) | Err(rusb::Error::Timeout) => Ok(None),
            // A status answer is one byte; a longer read carries it last.
            Ok(n) => Ok(Some(buf[n - 1])),
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    fn two_way(&self) -> bool {
        self.in_ep.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link as USB, serial or TCP give it: bytes out, answers in.
    struct TestLink {
        sent: Vec<u8>,
        answers: std::collections::VecDeque<u8>,
        two_way: bool,
    }

    impl Link for TestLink {
        fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
            self.sent.extend_from_slice(bytes);
            Ok(())
        }

        fn read_byte(&mut self, _: Duration) -> std::io::Result<Option<u8>> {
            Ok(self.answers.pop_front())
        }

        fn two_way(&self) -> bool {
            self.two_way
        }
    }

    fn link(answers: &[u8], two_way: bool) -> TestLink {
        TestLink {
            sent: vec![],
            answers: answers.iter().copied().collect(),
            two_way,
        }
    }

    #[test]
    fn jobs_are_checked_before_and_confirmed_after() {
        let t = Duration::from_millis(10);
        let mut ok = link(&[0x12, 0x12 | 0x0c, 0x12], true);
        assert_eq!(
            print_job(&mut ok, b"JOB", t, false, true).unwrap(),
            Printed {
                paper: Some(PaperStatus { paper_low: true }),
                answered: true
            }
        );
        assert_eq!(ok.sent, b"\x10\x04\x02\x10\x04\x04JOB\x10\x04\x02");

        let mut out = link(&[0x12, 0x12 | 0x60], true);
        assert_eq!(
            print_job(&mut out, b"JOB", t, true, true),
            Err(PrintError::PaperOut)
        );
        assert!(
            !out.sent.ends_with(b"JOB"),
            "nothing printed on an empty roll"
        );

        let mut open = link(&[0x12 | 0x04], true);
        assert_eq!(
            print_job(&mut open, b"JOB", t, true, true),
            Err(PrintError::CoverOpen)
        );

        // Answered before, silent after: the job may not have arrived whole.
        let mut silent = link(&[0x12, 0x12], true);
        let e = print_job(&mut silent, b"JOB", t, true, true).unwrap_err();
        assert_eq!(e, PrintError::Unconfirmed);
        assert!(e.went_out(), "the next copy is marked DUPLICATE");

        // A one-way link (a device file, a USB printer without bulk IN).
        let mut one_way = link(&[], false);
        assert_eq!(
            print_job(&mut one_way, b"JOB", t, false, true).unwrap(),
            Printed::default()
        );
        assert_eq!(one_way.sent, b"JOB");

        // A two-way link whose printer has never answered is taken as one-way.
        let mut mute = link(&[], true);
        assert!(
            !print_job(&mut mute, b"JOB", t, false, true)
                .unwrap()
                .answered
        );
        assert!(mute.sent.ends_with(b"JOB"));

        // One that answered before and is silent now gets nothing.
        let mut gone = link(&[], true);
        let e = print_job(&mut gone, b"JOB", t, true, true).unwrap_err();
        assert_eq!(e, PrintError::NotAnswering);
        assert!(!e.went_out());
        assert!(!gone.sent.ends_with(b"JOB"));

        // A drawer pulse goes out even with the printer out of paper.
        let mut empty = link(&[0x12 | 0x20, 0x12 | 0x20], true);
        assert!(print_job(&mut empty, b"PULSE", t, true, false).is_ok());
        assert_eq!(empty.sent, b"\x10\x04\x02PULSE\x10\x04\x02");
    }

    #[test]
    fn printer_addresses_parse() {
        let none: Vec<(String, String)> = vec![];
        assert_eq!(
            Transport::parse("tcp://10.0.0.5", &none).unwrap(),
            Transport::Tcp("10.0.0.5:9100".into())
        );
        assert_eq!(
            Transport::parse("usb://04b8:0e15", &none).unwrap(),
            Transport::Usb {
                vendor: 0x04b8,
                product: 0x0e15
            }
        );
        let baud = vec![("baud".to_string(), "19200".to_string())];
        assert_eq!(
            Transport::parse("serial:///dev/ttyS0", &baud).unwrap(),
            Transport::Serial {
                path: "/dev/ttyS0".into(),
                baud: 19200
            }
        );
        assert!(Transport::parse("lp0", &none)
            .unwrap_err()
            .contains("scheme"));
        assert!(Transport::parse("usb://epson", &none)
            .unwrap_err()
            .contains("hex"));
        assert!(Transport::parse("ipp://x", &none)
            .unwrap_err()
            .contains("tcp"));
    }
}
