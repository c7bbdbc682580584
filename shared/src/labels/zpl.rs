//! Labels in ZPL II (Zebra and compatible printers): one `^XA … ^XZ` format
//! per label, text with the scalable font `^A0`, the barcode with `^BE`
//! (EAN-13: twelve digits, the printer adds the check digit and prints the
//! digits below), copies with `^PQ`.

use super::{place, Label, LabelSize, Placed};

/// `^` and `~` start commands; text never carries them.
const FORBIDDEN: [char; 2] = ['^', '~'];

pub fn render(labels: &[Label], size: LabelSize) -> String {
    let mut out = String::new();
    for label in labels {
        out.push_str("^XA\n");
        out.push_str(&format!(
            "^PW{}\n^LL{}\n^LH0,0\n",
            size.width_dots(),
            size.height_dots()
        ));
        for p in place(label, size, &FORBIDDEN) {
            match p {
                Placed::Text { x, y, height, text } => {
                    out.push_str(&format!("^FO{x},{y}^A0N,{height},{height}^FD{text}^FS\n"));
                }
                Placed::Ean13 {
                    x,
                    y,
                    height,
                    module,
                    data12,
                } => {
                    out.push_str(&format!(
                        "^FO{x},{y}^BY{module}^BEN,{height},Y,N^FD{data12}^FS\n"
                    ));
                }
            }
        }
        out.push_str(&format!("^PQ{}\n^XZ\n", label.copies.max(1)));
    }
    out
}
