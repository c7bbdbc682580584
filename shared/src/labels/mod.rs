//! Shelf and price labels, rendered for the printers stores have: label
//! printers speaking ZPL ([`zpl`]) or TSPL ([`tspl`]), and receipt printers
//! (ESC/POS, [`escpos`]). Pure code, no I/O: the hub renders labels at a
//! store's prices for HQ, the till from its replica; both send the bytes to a
//! printer (TCP 9100) themselves.
//!
//! A label shows the item's name, its price, the MRP when it is above the
//! price (inclusive of all taxes, as the Legal Metrology rules ask), the unit
//! price per kg, litre or metre for measured and packed items, an optional
//! date, and the EAN-13 symbol with its digits. Rupee amounts are written as
//! the receipts write them (`Rs 1,234.50`).
//!
//! In-store barcodes ([`in_store_ean13`]) are EAN-13s under a GS1 prefix of
//! 20–29, which GS1 leaves to each company for its own numbering.

pub mod escpos;
pub mod tspl;
pub mod zpl;

use crate::item::{ItemDetails, Unit};
use crate::{Gtin, Money};
use serde::{Deserialize, Serialize};

/// The printer language a label is rendered in.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LabelFormat {
    /// Zebra and compatible label printers.
    #[default]
    Zpl,
    /// TSC and the many printers that copy it.
    Tspl,
    /// Receipt printers: the label is printed on the roll and cut.
    Escpos,
}

impl LabelFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zpl" => Some(LabelFormat::Zpl),
            "tspl" => Some(LabelFormat::Tspl),
            "escpos" | "esc/pos" => Some(LabelFormat::Escpos),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            LabelFormat::Zpl => "zpl",
            LabelFormat::Tspl => "tspl",
            LabelFormat::Escpos => "escpos",
        }
    }
}

/// A label's size on the roll, in millimetres; labels are printed at 203 dpi
/// (8 dots a millimetre), what store label printers have.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelSize {
    #[cfg_attr(feature = "openapi", schema(minimum = 25, maximum = 110))]
    pub width_mm: u16,
    #[cfg_attr(feature = "openapi", schema(minimum = 15, maximum = 150))]
    pub height_mm: u16,
}

impl Default for LabelSize {
    fn default() -> Self {
        LabelSize {
            width_mm: 50,
            height_mm: 30,
        }
    }
}

/// The most copies of one label a request may ask for.
pub const MAX_COPIES: u32 = 500;
/// The most distinct labels in one request.
pub const MAX_LABELS: usize = 200;
/// Dots per millimetre at 203 dpi.
pub const DOTS_PER_MM: u32 = 8;

impl LabelSize {
    /// Checks the size against what label printers take (25–110 mm wide,
    /// 15–150 mm high), naming the field at fault.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if !(25..=110).contains(&self.width_mm) {
            return Err((
                "size.width_mm".into(),
                "a label is 25 to 110 mm wide".into(),
            ));
        }
        if !(15..=150).contains(&self.height_mm) {
            return Err((
                "size.height_mm".into(),
                "a label is 15 to 150 mm high".into(),
            ));
        }
        Ok(())
    }

    pub fn width_dots(&self) -> u32 {
        u32::from(self.width_mm) * DOTS_PER_MM
    }

    pub fn height_dots(&self) -> u32 {
        u32::from(self.height_mm) * DOTS_PER_MM
    }
}

/// One shelf or price label.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub name: String,
    pub price: Money,
    /// Printed only when above the price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub mrp: Option<Money>,
    /// The price per kg, litre or metre, for measured and packed items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub unit_price: Option<UnitPrice>,
    /// The barcode, printed as EAN-13 when it is one (13 digits, or a GTIN-14
    /// with a leading zero); other barcodes print as digits only.
    pub barcode: Gtin,
    /// A date to print (packed on, best before), as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub date: Option<String>,
    pub copies: u32,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitPrice {
    pub price: Money,
    /// `kg`, `l` or `m`.
    pub per: String,
}

impl Label {
    /// A label for an item at `price`, with the unit price its measure or
    /// pack gives and the MRP only when above the price.
    pub fn new(
        name: &str,
        price: Money,
        mrp: Option<Money>,
        barcode: Gtin,
        details: &ItemDetails,
    ) -> Self {
        Label {
            name: name.trim().to_owned(),
            price,
            mrp: mrp.filter(|m| m.currency() == price.currency() && m.minor() > price.minor()),
            unit_price: unit_price(price, details),
            barcode,
            date: None,
            copies: 1,
        }
    }

    /// The EAN-13 digits of the barcode, when it is an EAN-13.
    pub fn ean13(&self) -> Option<&str> {
        ean13_digits(&self.barcode)
    }

    /// The lines of text a label carries, top to bottom: the name, then the
    /// price line, the MRP, the unit price and the date when there are any.
    pub fn texts(&self) -> LabelTexts {
        LabelTexts {
            name: self.name.clone(),
            price: rupees(self.price),
            mrp: self
                .mrp
                .map(|m| format!("MRP {} (incl. of all taxes)", rupees(m))),
            unit_price: self
                .unit_price
                .as_ref()
                .map(|u| format!("{}/{}", rupees(u.price), u.per)),
            date: self.date.clone(),
            digits: self.barcode_digits(),
        }
    }

    /// The digits printed under the symbol: the EAN-13, else the GTIN as
    /// scanned (leading zeros of a GTIN-14 dropped down to 8, 12 or 13 digits).
    pub fn barcode_digits(&self) -> String {
        if let Some(d) = self.ean13() {
            return d.to_owned();
        }
        let s = self.barcode.as_str();
        s.strip_prefix("000000")
            .or_else(|| s.strip_prefix("00"))
            .unwrap_or(s)
            .to_owned()
    }

    /// Checks a label's copies, naming the field at fault.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.copies == 0 || self.copies > MAX_COPIES {
            return Err(("copies".into(), format!("copies are 1 to {MAX_COPIES}")));
        }
        Ok(())
    }
}

/// A label's text, as every language prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelTexts {
    pub name: String,
    pub price: String,
    pub mrp: Option<String>,
    pub unit_price: Option<String>,
    pub date: Option<String>,
    pub digits: String,
}

/// An amount as receipts print it, with the rupee written out: `Rs 1,234.50`
/// (other currencies by their code).
pub fn rupees(m: Money) -> String {
    let cur = m.currency();
    if cur.as_str() == "INR" {
        format!("Rs {}", m.grouped_indian())
    } else {
        format!("{} {}", cur.as_str(), m.grouped_indian())
    }
}

/// The EAN-13 inside a GTIN: its 13 digits when the GTIN-14 starts with 0.
pub fn ean13_digits(gtin: &Gtin) -> Option<&str> {
    let s = gtin.as_str();
    // An EAN-8 or UPC-A in GTIN-14 form also fits 13 digits; only true
    // EAN-13s (and UPC-A, which is an EAN-13 with a leading 0) qualify.
    s.strip_prefix('0').filter(|d| !d.starts_with("00000"))
}

/// The price per kg, litre or metre: what a measured item's price is per
/// unit (grams and millilitres scaled by 1,000), or a packed item's price over
/// its pack size. `None` for items counted in pieces without a pack.
pub fn unit_price(price: Money, details: &ItemDetails) -> Option<UnitPrice> {
    let scale = |unit: Unit| -> Option<(i128, &'static str)> {
        match unit {
            Unit::Kg => Some((1, "kg")),
            Unit::L => Some((1, "l")),
            Unit::M => Some((1, "m")),
            Unit::G => Some((1000, "kg")),
            Unit::Ml => Some((1000, "l")),
            Unit::Each => None,
        }
    };
    // price × scale × 1000 / thousandths, rounded half up.
    let (unit, milli) = if details.unit.is_measured() {
        (details.unit, 1000i128)
    } else {
        let pack = details.pack.as_ref()?;
        (pack.unit, i128::from(pack.size.milli()))
    };
    let (scale, per) = scale(unit)?;
    if milli <= 0 {
        return None;
    }
    let num = i128::from(price.minor()) * scale * 1000;
    let minor = (2 * num + milli) / (2 * milli);
    Some(UnitPrice {
        price: Money::new(i64::try_from(minor).ok()?, price.currency()),
        per: per.into(),
    })
}

/// Why an in-store barcode cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InStoreError {
    #[error("the in-store prefix is two digits from 20 to 29, not {0:?}")]
    Prefix(String),
    #[error("item number {0} does not fit the 10 digits after the prefix")]
    Exhausted(u64),
}

/// Checks an in-store prefix: two digits, 20 to 29 (GS1's range for numbers a
/// company gives its own items).
pub fn check_in_store_prefix(prefix: &str) -> Result<(), InStoreError> {
    match prefix.parse::<u8>() {
        Ok(20..=29) if prefix.len() == 2 => Ok(()),
        _ => Err(InStoreError::Prefix(prefix.to_owned())),
    }
}

/// The in-store EAN-13 for item number `n` under `prefix`: the prefix, `n` in
/// ten digits, and the GS1 check digit.
pub fn in_store_ean13(prefix: &str, n: u64) -> Result<Gtin, InStoreError> {
    check_in_store_prefix(prefix)?;
    if n >= 10_000_000_000 {
        return Err(InStoreError::Exhausted(n));
    }
    Gtin::with_check_digit(&format!("{prefix}{n:010}"))
        .map_err(|_| InStoreError::Prefix(prefix.to_owned()))
}

/// Renders `labels` (each `copies` times) in `format` at `size`.
pub fn render(labels: &[Label], size: LabelSize, format: LabelFormat) -> Vec<u8> {
    match format {
        LabelFormat::Zpl => zpl::render(labels, size).into_bytes(),
        LabelFormat::Tspl => tspl::render(labels, size).into_bytes(),
        LabelFormat::Escpos => escpos::render(labels),
    }
}

/// Text a printer's built-in fonts show: printable ASCII, the rupee sign as
/// `Rs`, anything else as `?`, and `forbidden` characters (a language's own
/// command or quote characters) as a space.
pub(crate) fn printable(text: &str, forbidden: &[char]) -> String {
    text.chars()
        .map(|c| match c {
            '₹' => "Rs".to_owned(),
            c if forbidden.contains(&c) => " ".to_owned(),
            ' '..='~' => c.to_string(),
            _ => "?".to_owned(),
        })
        .collect()
}

/// Splits `text` into at most `lines` lines of at most `width` characters, at
/// spaces where it can; what does not fit is cut.
pub(crate) fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_owned();
        loop {
            let sep = usize::from(!current.is_empty());
            if current.chars().count() + sep + word.chars().count() <= width {
                if sep == 1 {
                    current.push(' ');
                }
                current.push_str(&word);
                break;
            }
            if current.is_empty() {
                // A word longer than the line: cut it.
                let head: String = word.chars().take(width).collect();
                word = word.chars().skip(width).collect();
                out.push(head);
                if word.is_empty() {
                    break;
                }
            } else {
                out.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.truncate(lines);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Pack;
    use crate::Qty;

    #[test]
    fn in_store_codes_carry_the_prefix_and_a_check_digit() {
        let code = in_store_ean13("29", 1).unwrap();
        assert_eq!(code.as_str(), "02900000000018");
        assert!(Gtin::parse("2900000000018").is_ok());
        assert!(in_store_ean13("20", 42)
            .unwrap()
            .as_str()
            .starts_with("020000000004"));
        for bad in ["19", "30", "2", "290", "ab"] {
            assert!(in_store_ean13(bad, 1).is_err(), "{bad}");
        }
        assert!(in_store_ean13("29", 10_000_000_000).is_err());
    }

    #[test]
    fn unit_prices_per_kg_and_litre() {
        let loose = ItemDetails {
            unit: Unit::Kg,
            ..Default::default()
        };
        let up = unit_price(Money::inr(6250), &loose).unwrap();
        assert_eq!((up.price, up.per.as_str()), (Money::inr(6250), "kg"));
        let packed = ItemDetails {
            pack: Some(Pack {
                size: Qty::units(500),
                unit: Unit::G,
            }),
            ..Default::default()
        };
        let up = unit_price(Money::inr(4550), &packed).unwrap();
        assert_eq!((up.price, up.per.as_str()), (Money::inr(9100), "kg"));
        assert!(unit_price(Money::inr(100), &ItemDetails::default()).is_none());
    }

    #[test]
    fn labels_print_mrp_only_above_the_price() {
        let gtin = Gtin::parse("8901234567890").unwrap();
        let l = Label::new(
            "Tea",
            Money::inr(14500),
            Some(Money::inr(14500)),
            gtin.clone(),
            &Default::default(),
        );
        assert!(l.mrp.is_none());
        let l = Label::new(
            "Tea",
            Money::inr(14500),
            Some(Money::inr(16000)),
            gtin,
            &Default::default(),
        );
        let t = l.texts();
        assert_eq!(t.price, "Rs 145.00");
        assert_eq!(t.mrp.as_deref(), Some("MRP Rs 160.00 (incl. of all taxes)"));
        assert_eq!(t.digits, "8901234567890");
        assert_eq!(rupees(Money::inr(12345678)), "Rs 1,23,456.78");
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(
            wrap("Tata Tea Premium 500 g", 10, 3),
            ["Tata Tea", "Premium", "500 g"]
        );
        assert_eq!(wrap("Supercalifragilistic", 8, 2), ["Supercal", "ifragili"]);
    }
}

/// A thing placed on a label, in dots from the top left corner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placed {
    /// Text in the printer's font, `height` dots high.
    Text {
        x: u32,
        y: u32,
        height: u32,
        text: String,
    },
    /// An EAN-13 symbol of `module`-dot bars, `height` dots high, its digits
    /// printed underneath by the printer; the data is the first 12 digits
    /// (the printer adds the check digit).
    Ean13 {
        x: u32,
        y: u32,
        height: u32,
        module: u32,
        data12: String,
    },
}

/// Where a label's parts go on a label of `size`: the name in up to two
/// lines, the price large, the MRP, unit price and date small, and the
/// barcode in what height is left (at least 5 mm).
pub(crate) fn place(label: &Label, size: LabelSize, forbidden: &[char]) -> Vec<Placed> {
    let t = label.texts();
    let (w, h) = (size.width_dots(), size.height_dots());
    let margin = 2 * DOTS_PER_MM;
    let inner = w.saturating_sub(2 * margin);
    // Built-in fonts are about 3/5 as wide as they are high.
    let chars = |height: u32| (inner * 5 / (height * 3)).max(1) as usize;
    let mut out = Vec::new();
    let mut y = margin;
    let mut put = |text: &str, height: u32, y: &mut u32| {
        out.push(Placed::Text {
            x: margin,
            y: *y,
            height,
            text: printable(text, forbidden),
        });
        *y += height + height / 5;
    };
    let small = 20;
    let name_h = 24;
    for line in wrap(&printable(&t.name, forbidden), chars(name_h), 2) {
        put(&line, name_h, &mut y);
    }
    put(&t.price, 40, &mut y);
    for extra in [&t.mrp, &t.unit_price, &t.date].into_iter().flatten() {
        for line in wrap(extra, chars(small), 2) {
            put(&line, small, &mut y);
        }
    }
    match label.ean13() {
        Some(digits) => {
            // 95 modules plus quiet zones; 2-dot bars where they fit.
            let module = if inner >= 113 * 2 { 2 } else { 1 };
            let height = h.saturating_sub(y + small + margin).max(5 * DOTS_PER_MM);
            out.push(Placed::Ean13 {
                x: margin + 11 * module,
                y,
                height,
                module,
                data12: digits[..12].to_owned(),
            });
        }
        None => put(&t.digits, small, &mut y),
    }
    out
}
