//! A network receipt printer on loopback for the printing tests (it answers
//! `DLE EOT` like an Epson and keeps every byte), and the helpers those
//! tests share.

use super::escpos::decode;
use super::*;
use edge_agent::printing::receipt::ReceiptSettings;
use edge_agent::printing::{PrintSettings, PrinterConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
pub const READY: u8 = 0;
pub const PAPER_OUT: u8 = 1;
pub const DROPS_MID_JOB: u8 = 2;
/// Switched off: nothing listens, connections are refused.
pub const OFF: u8 = 3;
/// Takes every byte and never answers (hung, or a one-way printer).
pub const SILENT: u8 = 4;
/// Prints the whole job, then drops the connection instead of confirming it.
pub const DROPS_AFTER_JOB: u8 = 5;

/// A network receipt printer on loopback. Every connection's bytes are kept.
pub struct TestPrinter {
    pub addr: SocketAddr,
    pub mode: Arc<AtomicU8>,
    pub connections: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// Whether `bytes` hold `ESC @`: a job that prints, not a drawer pulse or
/// status requests alone.
pub fn prints(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == [0x1b, b'@'])
}

pub fn serve(mut stream: std::net::TcpStream, m: Arc<AtomicU8>, c: Arc<Mutex<Vec<Vec<u8>>>>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let start = got.len();
        got.extend_from_slice(&buf[..n]);
        let mode = m.load(Ordering::SeqCst);
        if mode == DROPS_MID_JOB && got.len() > 64 {
            break; // the printer goes away mid-receipt
        }
        if mode == SILENT {
            continue;
        }
        // Answer each status request in the new bytes.
        let from = start.saturating_sub(2);
        let mut drop_now = false;
        for i in from..got.len().saturating_sub(2) {
            if got[i] == 0x10 && got[i + 1] == 0x04 && i + 2 >= start {
                if mode == DROPS_AFTER_JOB && prints(&got[..i]) {
                    drop_now = true; // printed it all, gone before confirming
                    break;
                }
                let answer = match (got[i + 2], mode) {
                    (2, PAPER_OUT) => 0x12 | 0x20,
                    (4, PAPER_OUT) => 0x12 | 0x60,
                    _ => 0x12,
                };
                let _ = stream.write_all(&[answer]);
            }
        }
        if drop_now {
            break;
        }
    }
    c.lock().unwrap().push(got);
}

impl TestPrinter {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(AtomicU8::new(READY));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let (m, c) = (mode.clone(), connections.clone());
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            // Switched off, the port is closed; switched on, it is bound again.
            let mut listener = Some(listener);
            loop {
                if m.load(Ordering::SeqCst) == OFF {
                    listener = None;
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                let Some(l) = &listener else {
                    if let Ok(l) = TcpListener::bind(addr) {
                        l.set_nonblocking(true).unwrap();
                        listener = Some(l);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                match l.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        let (m, c) = (m.clone(), c.clone());
                        std::thread::spawn(move || serve(stream, m, c));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    Err(_) => return,
                }
            }
        });
        TestPrinter {
            addr,
            mode,
            connections,
        }
    }

    pub fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    /// The connections that carried a job that prints (not a drawer pulse
    /// or status requests alone), in the order they ended.
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        self.connections
            .lock()
            .unwrap()
            .iter()
            .filter(|c| prints(c))
            .cloned()
            .collect()
    }

    /// Drawer pulses in every connection so far.
    pub fn drawer_pulses(&self) -> usize {
        let all = self.connections.lock().unwrap().clone();
        all.iter()
            .filter(|c| !c.is_empty())
            .map(|c| decode(c)["drawer_pulses"].as_array().unwrap().len())
            .sum()
    }
}

/// A 64×32 logo: a black frame around white.
pub fn logo_png() -> Vec<u8> {
    let (w, h) = (64u32, 32u32);
    let mut px = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let edge = x < 4 || y < 4 || x >= w - 4 || y >= h - 4;
            px.push(if edge { 0 } else { 255 });
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&px).unwrap();
    out
}

pub fn settings(printers: &[String]) -> PrintSettings {
    PrintSettings {
        printers: printers
            .iter()
            .map(|p| PrinterConfig::parse(p).unwrap())
            .collect(),
        receipt_printer: None,
        receipt: ReceiptSettings {
            header: vec!["Kirana on Main".into(), "12 MG Road, Bengaluru".into()],
            gstin: Some("29ABCDE1234F1ZW".into()),
            footer: vec!["Thank you \u{2014} visit again".into()],
            logo_png: Some(logo_png()),
            qr_template: Some("https://r.example.in/{sale_id}".into()),
            utc_offset_minutes: 330,
            ..Default::default()
        },
        ..Default::default()
    }
}

pub async fn wait_job(till: &Till, sale_id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, jobs) = till.get(&format!("/v1/print-jobs?sale_id={sale_id}")).await;
        assert_eq!(status, StatusCode::OK, "{jobs}");
        if let Some(job) = jobs.as_array().unwrap().iter().find(|j| done(j)) {
            return job.clone();
        }
        assert!(
            Instant::now() < deadline,
            "print job never got there: {jobs}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn post(till: &Till, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = till.http.post(format!("{}{path}", till.base));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.json().await.unwrap())
}

pub fn cash_sale() -> Value {
    json!({
        "lines": [{"barcode": TEA, "qty": "2"}, {"barcode": RICE, "qty": "1.5"}],
        "tenders": cash(50000),
    })
}

pub async fn wait_printed(till: &Till, sale_id: &str) -> Value {
    wait_job(till, sale_id, |j| {
        j["purpose"] == "receipt" && j["state"] == "printed"
    })
    .await
}
