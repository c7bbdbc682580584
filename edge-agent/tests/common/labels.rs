//! A test-only reader of label printer languages, written from the ZPL II
//! and TSPL programming manuals independently of the renderer
//! (`pos_shared::labels`): each label's text fields, barcodes (EAN-13 data
//! completed with its check digit as the printer would) and copies. A command
//! it does not know fails the test rather than being skipped.

#![allow(dead_code)]

/// One label as the printer would print it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrintedLabel {
    pub texts: Vec<String>,
    /// `(symbology, the 13 digits printed)`.
    pub barcodes: Vec<(String, String)>,
    pub copies: u32,
}

/// The EAN-13 check digit of 12 digits: weights 1 and 3 alternating from the
/// left, the digit that brings the sum to a multiple of ten.
pub fn ean13_check(d12: &str) -> char {
    assert_eq!(d12.len(), 12, "EAN-13 data is 12 digits: {d12:?}");
    let sum: u32 = d12
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).expect("digit") * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10).unwrap()
}

/// The 13 digits an EAN-13 symbol shows for `data` (12 digits, or 13 whose
/// last must be the check digit).
fn ean13_printed(data: &str) -> String {
    match data.len() {
        12 => format!("{data}{}", ean13_check(data)),
        13 => {
            assert_eq!(
                data.chars().last().unwrap(),
                ean13_check(&data[..12]),
                "{data}"
            );
            data.to_owned()
        }
        _ => panic!("EAN-13 data {data:?} is not 12 or 13 digits"),
    }
}

/// Reads a ZPL II stream: `^XA … ^XZ` formats, `^FD…^FS` fields, `^BE`
/// (EAN-13) before a field making it a barcode, `^PQ` copies.
pub fn read_zpl(bytes: &[u8]) -> Vec<PrintedLabel> {
    let text = std::str::from_utf8(bytes).expect("ZPL is text");
    let mut labels = Vec::new();
    let mut current: Option<PrintedLabel> = None;
    let mut barcode_next: Option<&str> = None;
    // Commands start with ^ (or ~); a field's data runs to the next ^FS.
    let mut rest = text;
    while let Some(at) = rest.find(['^', '~']) {
        rest = &rest[at + 1..];
        let end = rest.find(['^', '~']).unwrap_or(rest.len());
        let (command, args) = rest[..end].split_at(2.min(end));
        let args = args.trim_end_matches(['\n', '\r']);
        match command {
            "XA" => {
                assert!(current.is_none(), "^XA inside a format");
                current = Some(PrintedLabel {
                    copies: 1,
                    ..Default::default()
                });
            }
            "XZ" => labels.push(current.take().expect("^XZ without ^XA")),
            "FD" => {
                let label = current.as_mut().expect("field outside a format");
                match barcode_next.take() {
                    Some(kind) => label.barcodes.push((kind.to_owned(), ean13_printed(args))),
                    None => label.texts.push(args.to_owned()),
                }
            }
            "BE" => {
                let p: Vec<&str> = args.split(',').collect();
                assert!(
                    p.first().is_some_and(|o| ["N", "R", "I", "B"].contains(o)),
                    "^BE{args}"
                );
                assert!(
                    p.get(1).and_then(|h| h.parse::<u32>().ok()).is_some(),
                    "^BE height: {args}"
                );
                barcode_next = Some("EAN13");
            }
            "PQ" => {
                current.as_mut().expect("^PQ outside a format").copies =
                    args.split(',').next().unwrap().parse().expect("^PQ copies");
            }
            "FO" | "FS" | "PW" | "LL" | "LH" | "BY" | "CI" => {}
            c if c.starts_with('A') => {} // font: ^A0N,h,w
            other => panic!("unknown ZPL command ^{other}{args}"),
        }
        rest = &rest[end..];
    }
    assert!(current.is_none(), "a format without ^XZ");
    labels
}

/// Splits a TSPL parameter list at commas outside quotes, unquoting strings.
fn tspl_params(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in args.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_owned()),
            c => cur.push(c),
        }
    }
    assert!(!quoted, "unterminated string in {args:?}");
    out.push(cur.trim().to_owned());
    out
}

/// Reads a TSPL stream: `CLS` starts a label, `TEXT` and `BARCODE` draw on
/// it, `PRINT m,n` prints it (`n` copies).
pub fn read_tspl(bytes: &[u8]) -> Vec<PrintedLabel> {
    let text = std::str::from_utf8(bytes).expect("TSPL is text");
    let mut labels = Vec::new();
    let mut current: Option<PrintedLabel> = None;
    for line in text.split("\r\n").filter(|l| !l.trim().is_empty()) {
        let (command, args) = line.split_once(' ').unwrap_or((line, ""));
        match command {
            "SIZE" | "GAP" => assert!(args.contains("mm"), "{line}"),
            "DIRECTION" | "REFERENCE" => {}
            "CLS" => {
                current = Some(PrintedLabel {
                    copies: 1,
                    ..Default::default()
                })
            }
            "TEXT" => {
                let p = tspl_params(args);
                assert_eq!(p.len(), 7, "TEXT x,y,font,rotation,xm,ym,content: {line}");
                current
                    .as_mut()
                    .expect("TEXT before CLS")
                    .texts
                    .push(p[6].clone());
            }
            "BARCODE" => {
                let p = tspl_params(args);
                assert_eq!(
                    p.len(),
                    9,
                    "BARCODE x,y,type,h,hr,rot,narrow,wide,content: {line}"
                );
                let kind = p[2].clone();
                let data = match kind.as_str() {
                    "EAN13" => ean13_printed(&p[8]),
                    _ => p[8].clone(),
                };
                current
                    .as_mut()
                    .expect("BARCODE before CLS")
                    .barcodes
                    .push((kind, data));
            }
            "PRINT" => {
                let p = tspl_params(args);
                let mut label = current.take().expect("PRINT before CLS");
                label.copies = p.get(1).map_or(1, |n| n.parse().expect("copies"));
                let sets: u32 = p[0].parse().expect("sets");
                assert_eq!(sets, 1, "{line}");
                labels.push(label);
            }
            other => panic!("unknown TSPL command {other}: {line}"),
        }
    }
    labels
}
