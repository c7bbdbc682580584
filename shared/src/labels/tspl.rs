//! Labels in TSPL (TSC and the many printers that copy it): the label size
//! and gap once, then per label `CLS`, `TEXT` in the built-in fonts,
//! `BARCODE … "EAN13"` (twelve digits, the printer adds the check digit and
//! prints the digits below) and `PRINT 1,copies`. Lines end in CR LF.

use super::{place, Label, LabelSize, Placed};

/// `"` ends a string; text never carries it.
const FORBIDDEN: [char; 1] = ['"'];

/// The built-in font nearest `height` dots from below: 2 (12×20), 3 (16×24),
/// 4 (24×32), 5 (32×48).
fn font(height: u32) -> &'static str {
    match height {
        0..=20 => "2",
        21..=24 => "3",
        25..=32 => "4",
        _ => "5",
    }
}

pub fn render(labels: &[Label], size: LabelSize) -> String {
    let mut out = format!(
        "SIZE {} mm,{} mm\r\nGAP 2 mm,0 mm\r\nDIRECTION 1\r\nREFERENCE 0,0\r\n",
        size.width_mm, size.height_mm
    );
    for label in labels {
        out.push_str("CLS\r\n");
        for p in place(label, size, &FORBIDDEN) {
            match p {
                Placed::Text { x, y, height, text } => {
                    out.push_str(&format!(
                        "TEXT {x},{y},\"{}\",0,1,1,\"{text}\"\r\n",
                        font(height)
                    ));
                }
                Placed::Ean13 {
                    x,
                    y,
                    height,
                    module,
                    data12,
                } => {
                    out.push_str(&format!(
                        "BARCODE {x},{y},\"EAN13\",{height},1,0,{module},{module},\"{data12}\"\r\n"
                    ));
                }
            }
        }
        out.push_str(&format!("PRINT 1,{}\r\n", label.copies.max(1)));
    }
    out
}
