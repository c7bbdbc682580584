//! The ESC/POS encoder: commands as methods, bytes out.
//!
//! Command bytes follow Epson's ESC/POS command reference; every printer a store
//! buys (Epson, and the many printers that copy it) takes this subset. Text goes
//! through [`CodePage`] so what reaches the printer is what the page can show.

use super::codepage::CodePage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    Full,
    Partial,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    A,
    B,
}

/// Barcodes the printer draws itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Barcode {
    /// Code set B: printable ASCII.
    Code128(String),
    /// 12 digits, or 13 with the check digit.
    Ean13(String),
}

/// Why a command cannot be encoded; nothing is written when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("barcode data {0:?} does not fit the symbology")]
    Barcode(String),
    #[error("QR code data is {0} bytes; a printer holds at most 7,089")]
    QrTooLong(usize),
    #[error("image is {width}×{height} dots; at most 65,535 bytes a row and 2,303 rows")]
    ImageTooLarge { width: u32, height: u32 },
}

/// A 1-bit image, rows packed most significant bit first, 1 = black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    pub width: u32,
    pub height: u32,
    pub bits: Vec<u8>,
}

impl Raster {
    pub fn bytes_per_row(&self) -> u32 {
        self.width.div_ceil(8)
    }
}

/// Builds one print job's bytes.
#[derive(Debug, Clone)]
pub struct Encoder {
    bytes: Vec<u8>,
    page: CodePage,
}

const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;
const FS: u8 = 0x1c;

impl Encoder {
    /// Starts a job: `ESC @` resets the printer, then the code page is selected.
    pub fn new(page: CodePage) -> Self {
        let mut e = Encoder {
            bytes: vec![ESC, b'@'],
            page,
        };
        e.select_code_page(page);
        e
    }

    /// Bytes without the reset, for a job of real-time commands only (a
    /// drawer pulse), which must not clear what the printer holds.
    pub fn raw() -> Self {
        Encoder {
            bytes: Vec::new(),
            page: CodePage::Cp437,
        }
    }

    pub fn select_code_page(&mut self, page: CodePage) -> &mut Self {
        self.page = page;
        match page.escpos_table() {
            // FS ( C, function 48: select the character encoding system.
            None => self.bytes.extend_from_slice(&[FS, b'(', b'C', 2, 0, 48, 2]),
            Some(n) => self.bytes.extend_from_slice(&[ESC, b't', n]),
        }
        self
    }

    pub fn code_page(&self) -> CodePage {
        self.page
    }

    /// Text as the code page shows it; newlines are kept as line feeds.
    pub fn text(&mut self, text: &str) -> &mut Self {
        let encoded = self.page.encode(text);
        self.bytes.extend(encoded);
        self
    }

    pub fn line(&mut self, text: &str) -> &mut Self {
        self.text(text);
        self.bytes.push(b'\n');
        self
    }

    pub fn feed(&mut self, lines: u8) -> &mut Self {
        self.bytes.extend_from_slice(&[ESC, b'd', lines]);
        self
    }

    pub fn align(&mut self, align: Align) -> &mut Self {
        let n = match align {
            Align::Left => 0,
            Align::Center => 1,
            Align::Right => 2,
        };
        self.bytes.extend_from_slice(&[ESC, b'a', n]);
        self
    }

    pub fn bold(&mut self, on: bool) -> &mut Self {
        self.bytes.extend_from_slice(&[ESC, b'E', u8::from(on)]);
        self
    }

    /// Double width and height together (`GS !`), or back to normal.
    pub fn double(&mut self, on: bool) -> &mut Self {
        self.bytes
            .extend_from_slice(&[GS, b'!', if on { 0x11 } else { 0x00 }]);
        self
    }

    pub fn font(&mut self, font: Font) -> &mut Self {
        self.bytes
            .extend_from_slice(&[ESC, b'M', u8::from(font == Font::B)]);
        self
    }

    /// Feeds to the cutter and cuts (`GS V` function B).
    pub fn cut(&mut self, cut: Cut) -> &mut Self {
        let m = match cut {
            Cut::Full => 65,
            Cut::Partial => 66,
        };
        self.bytes.extend_from_slice(&[GS, b'V', m, 3]);
        self
    }

    /// Opens the cash drawer on connector pin 2: 50 ms on, 500 ms off (`ESC p`).
    pub fn kick_drawer(&mut self) -> &mut Self {
        self.bytes.extend_from_slice(&[ESC, b'p', 0, 25, 250]);
        self
    }

    /// Opens the cash drawer on connector pin 2 at once, 100 ms on and off
    /// (`DLE DC4 1`, a real-time command): it is carried out even while the
    /// printer is offline with its paper out or cover open, when `ESC p`
    /// would wait in the buffer.
    pub fn drawer_pulse_now(&mut self) -> &mut Self {
        self.bytes.extend_from_slice(&[0x10, 0x14, 1, 0, 1]);
        self
    }

    /// A barcode with its human-readable text below it (`GS k`, function B).
    pub fn barcode(&mut self, barcode: &Barcode) -> Result<&mut Self, EncodeError> {
        let (m, data): (u8, Vec<u8>) = match barcode {
            Barcode::Ean13(digits) => {
                let ok =
                    matches!(digits.len(), 12 | 13) && digits.bytes().all(|b| b.is_ascii_digit());
                if !ok {
                    return Err(EncodeError::Barcode(digits.clone()));
                }
                (67, digits.as_bytes().to_vec())
            }
            Barcode::Code128(text) => {
                let ok = !text.is_empty()
                    && text.len() <= 253
                    && text.bytes().all(|b| (0x20..0x7f).contains(&b));
                if !ok {
                    return Err(EncodeError::Barcode(text.clone()));
                }
                // "{B" selects code set B before the data.
                let mut data = b"{B".to_vec();
                data.extend(text.bytes().flat_map(|b| {
                    // A literal "{" is written "{{" in ESC/POS Code 128 data.
                    if b == b'{' {
                        vec![b'{', b'{']
                    } else {
                        vec![b]
                    }
                }));
                if data.len() > 255 {
                    return Err(EncodeError::Barcode(text.clone()));
                }
                (73, data)
            }
        };
        self.bytes.extend_from_slice(&[GS, b'h', 80]); // height in dots
        self.bytes.extend_from_slice(&[GS, b'w', 2]); // module width
        self.bytes.extend_from_slice(&[GS, b'H', 2]); // text below
        self.bytes
            .extend_from_slice(&[GS, b'k', m, data.len() as u8]);
        self.bytes.extend(data);
        self.bytes.push(b'\n');
        Ok(self)
    }

    /// A QR code drawn by the printer (`GS ( k`): model 2, error correction M.
    pub fn qr(&mut self, data: &str, module_size: u8) -> Result<&mut Self, EncodeError> {
        let len = data.len();
        if len == 0 || len > 7089 {
            return Err(EncodeError::QrTooLong(len));
        }
        let store_len = len + 3;
        self.bytes
            .extend_from_slice(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
        self.bytes
            .extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, module_size.clamp(1, 16)]);
        self.bytes
            .extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, 49]);
        self.bytes.extend_from_slice(&[
            GS,
            b'(',
            b'k',
            (store_len % 256) as u8,
            (store_len / 256) as u8,
            49,
            80,
            48,
        ]);
        self.bytes.extend_from_slice(data.as_bytes());
        self.bytes
            .extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]);
        Ok(self)
    }

    /// A raster image (`GS v 0`, normal density).
    pub fn raster(&mut self, image: &Raster) -> Result<&mut Self, EncodeError> {
        let row = image.bytes_per_row();
        if row > 0xffff || image.height > 2303 || image.height == 0 {
            return Err(EncodeError::ImageTooLarge {
                width: image.width,
                height: image.height,
            });
        }
        self.bytes.extend_from_slice(&[
            GS,
            b'v',
            b'0',
            0,
            (row % 256) as u8,
            (row / 256) as u8,
            (image.height % 256) as u8,
            (image.height / 256) as u8,
        ]);
        self.bytes.extend_from_slice(&image.bits);
        Ok(self)
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Real-time status requests (`DLE EOT n`) and what the answers mean.
pub mod status {
    /// Asks for the offline cause: cover open, paper end stop, error.
    pub const OFFLINE_CAUSE: [u8; 3] = [0x10, 0x04, 2];
    /// Asks for the roll paper sensor: near end, end.
    pub const PAPER_SENSOR: [u8; 3] = [0x10, 0x04, 4];

    /// A status byte has bit 4 set and bits 0, 1 and 7 clear.
    pub fn is_status_byte(b: u8) -> bool {
        b & 0b1001_0011 == 0b0001_0010
    }

    pub fn cover_open(offline_cause: u8) -> bool {
        offline_cause & 0x04 != 0
    }

    pub fn paper_out(offline_cause: u8, paper_sensor: u8) -> bool {
        offline_cause & 0x20 != 0 || paper_sensor & 0x60 != 0
    }

    pub fn paper_low(paper_sensor: u8) -> bool {
        paper_sensor & 0x0c != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_starts_with_reset_and_code_page() {
        let e = Encoder::new(CodePage::Pc858);
        assert_eq!(e.into_bytes(), vec![0x1b, b'@', 0x1b, b't', 19]);
    }

    #[test]
    fn bad_barcodes_are_refused_without_writing() {
        let mut e = Encoder::new(CodePage::Cp437);
        let before = e.clone().into_bytes();
        assert!(e.barcode(&Barcode::Ean13("12345".into())).is_err());
        assert!(e.barcode(&Barcode::Code128("caf\u{e9}".into())).is_err());
        assert_eq!(e.into_bytes(), before);
    }

    #[test]
    fn status_bytes_are_recognised() {
        assert!(status::is_status_byte(0x12));
        assert!(status::is_status_byte(0x12 | 0x20 | 0x04));
        assert!(!status::is_status_byte(0x00));
        assert!(status::paper_out(0x12 | 0x20, 0x12));
        assert!(status::paper_out(0x12, 0x12 | 0x60));
        assert!(!status::paper_out(0x12, 0x12 | 0x0c));
        assert!(status::paper_low(0x12 | 0x0c));
        assert!(status::cover_open(0x16));
    }
}
