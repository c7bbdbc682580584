//! The test-only ESC/POS decoder (`tests/escpos/decode.py`, written from the
//! Epson command reference, separately from the encoder) and helpers to compare
//! what it reads with the till's plain-text preview.

use serde_json::Value;
use std::io::Write;
use std::path::Path;

/// Runs the independent decoder on a job's bytes.
pub fn decode(bytes: &[u8]) -> Value {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/escpos/decode.py");
    let mut child = std::process::Command::new(python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs the ESC/POS decoder (scripts/test.sh installs it)");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(out.status.success(), "decoder refused the job: {value}");
    value
}

pub fn lines(decoded: &Value) -> Vec<String> {
    decoded["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The preview's lines as the paper shows them: without the marks standing for
/// images, barcodes and QR codes, and without alignment padding.
pub fn preview_lines(preview: &str) -> Vec<String> {
    preview
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('[') && !l.ends_with(']'))
        .map(str::to_owned)
        .collect()
}
