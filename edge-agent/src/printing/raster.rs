//! Images for the printer: a PNG logo or a QR code as 1-bit rows.

use super::escpos::Raster;

/// Decodes a PNG (any colour type and depth), scales it down to at most
/// `max_width` dots and thresholds it: dark and opaque pixels print.
pub fn from_png(png_bytes: &[u8], max_width: u32) -> Result<Raster, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("logo is not a readable PNG: {e}"))?;
    let size = reader
        .output_buffer_size()
        .ok_or("logo PNG is too large to decode")?;
    let mut buf = vec![0; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("logo is not a readable PNG: {e}"))?;
    let (w, h) = (frame.width, frame.height);
    let channels = frame.color_type.samples();
    let dark = |x: u32, y: u32| -> bool {
        let i = (y as usize * w as usize + x as usize) * channels;
        let px = &buf[i..i + channels];
        let (luma, alpha) = match channels {
            1 => (px[0] as u32, 255),
            2 => (px[0] as u32, px[1] as u32),
            3 => (
                (px[0] as u32 * 299 + px[1] as u32 * 587 + px[2] as u32 * 114) / 1000,
                255,
            ),
            _ => (
                (px[0] as u32 * 299 + px[1] as u32 * 587 + px[2] as u32 * 114) / 1000,
                px[3] as u32,
            ),
        };
        alpha >= 128 && luma < 128
    };
    let scale_w = w.min(max_width).max(1);
    let scale_h = ((h as u64 * scale_w as u64) / w.max(1) as u64).max(1) as u32;
    Ok(pack(scale_w, scale_h, |x, y| {
        dark(x * w / scale_w, (y * h / scale_h).min(h - 1))
    }))
}

/// A QR code as an image, for printers that cannot draw one: `module` dots per
/// module, with the four-module quiet zone.
pub fn qr(data: &str, module: u32) -> Result<Raster, String> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M)
        .map_err(|e| format!("QR code: {e}"))?;
    let n = code.width() as u32;
    let colors = code.to_colors();
    let quiet = 4;
    let side = (n + 2 * quiet) * module;
    Ok(pack(side, side, |x, y| {
        let (mx, my) = (x / module, y / module);
        if mx < quiet || my < quiet || mx >= n + quiet || my >= n + quiet {
            return false;
        }
        colors[((my - quiet) * n + (mx - quiet)) as usize] == qrcode::Color::Dark
    }))
}

pub(super) fn pack(width: u32, height: u32, dark: impl Fn(u32, u32) -> bool) -> Raster {
    let row = width.div_ceil(8) as usize;
    let mut bits = vec![0u8; row * height as usize];
    for y in 0..height {
        for x in 0..width {
            if dark(x, y) {
                bits[y as usize * row + (x / 8) as usize] |= 0x80 >> (x % 8);
            }
        }
    }
    Raster {
        width,
        height,
        bits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()
            .unwrap()
            .write_image_data(pixels)
            .unwrap();
        out
    }

    #[test]
    fn a_png_becomes_packed_rows() {
        // 10×2: black, white alternating on row 0; all black on row 1.
        let mut px = vec![];
        px.extend((0..10).map(|i| if i % 2 == 0 { 0 } else { 255 }));
        px.extend([0u8; 10]);
        let r = from_png(&png(10, 2, &px), 576).unwrap();
        assert_eq!((r.width, r.height, r.bytes_per_row()), (10, 2, 2));
        assert_eq!(r.bits, vec![0b1010_1010, 0b1000_0000, 0xff, 0b1100_0000]);
    }

    #[test]
    fn wide_logos_are_scaled_to_the_paper() {
        let r = from_png(&png(800, 100, &vec![0; 80_000]), 576).unwrap();
        assert_eq!((r.width, r.height), (576, 72));
        assert!(from_png(b"not a png", 576).unwrap_err().contains("PNG"));
    }

    #[test]
    fn qr_images_have_a_quiet_zone() {
        let r = qr("upi://pay?pa=store@bank", 4).unwrap();
        assert_eq!(r.width, r.height);
        assert_eq!(r.bits[0], 0, "the first row is quiet zone");
    }
}
