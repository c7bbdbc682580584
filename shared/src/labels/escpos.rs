//! Labels on a receipt printer, in the few ESC/POS commands every such
//! printer takes: the text centred (name bold, price double size), the
//! barcode with `GS k` (EAN-13, digits printed below), then a feed and a
//! partial cut per copy. Text is printable ASCII (the rupee as `Rs`). The
//! till renders labels with its own encoder (code pages, its printer's
//! profile) from [`pieces`]; this is what the hub sends.

use super::{printable, Label};

/// A label as lines for a receipt printer, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text {
        text: String,
        bold: bool,
        double: bool,
    },
    /// The 13 digits of an EAN-13.
    Ean13(String),
}

/// The lines of one copy of `label`.
pub fn pieces(label: &Label) -> Vec<Piece> {
    let t = label.texts();
    let text = |text: &str, bold, double| Piece::Text {
        text: text.to_owned(),
        bold,
        double,
    };
    let mut out = vec![text(&t.name, true, false), text(&t.price, true, true)];
    for extra in [&t.mrp, &t.unit_price, &t.date].into_iter().flatten() {
        out.push(text(extra, false, false));
    }
    match label.ean13() {
        Some(d) => out.push(Piece::Ean13(d.to_owned())),
        None => out.push(text(&t.digits, false, false)),
    }
    out
}

const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;

/// Every copy of every label, each cut off the roll.
pub fn render(labels: &[Label]) -> Vec<u8> {
    let mut b = vec![ESC, b'@'];
    for label in labels {
        for _ in 0..label.copies.max(1) {
            b.extend_from_slice(&[ESC, b'a', 1]);
            for piece in pieces(label) {
                match piece {
                    Piece::Text { text, bold, double } => {
                        b.extend_from_slice(&[ESC, b'E', u8::from(bold)]);
                        b.extend_from_slice(&[GS, b'!', if double { 0x11 } else { 0 }]);
                        b.extend(printable(&text, &[]).bytes());
                        b.push(b'\n');
                        b.extend_from_slice(&[ESC, b'E', 0, GS, b'!', 0]);
                    }
                    Piece::Ean13(digits) => {
                        // HRI below, 80 dots high, 2-dot modules; function B.
                        b.extend_from_slice(&[GS, b'H', 2, GS, b'h', 80, GS, b'w', 2]);
                        b.extend_from_slice(&[GS, b'k', 67, 13]);
                        b.extend(digits.bytes());
                        b.push(b'\n');
                    }
                }
            }
            b.extend_from_slice(&[ESC, b'a', 0, ESC, b'd', 3, GS, b'V', 66, 0]);
        }
    }
    b
}
