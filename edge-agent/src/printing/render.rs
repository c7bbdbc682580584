//! Draws a laid-out receipt three ways: ESC/POS bytes for the printer, plain
//! text for previews and golden tests, HTML for the till's screen.

use super::escpos::{Align, Barcode, Cut, EncodeError, Encoder, Raster};
use super::layout::{spread, Block};
use super::profile::PrinterProfile;
use super::raster;
use super::text_image::{self, TextImages};

fn aligned(text: &str, align: Align, width: usize) -> String {
    let len = text.chars().count();
    let pad = width.saturating_sub(len);
    match align {
        Align::Left => text.to_owned(),
        Align::Right => format!("{}{text}", " ".repeat(pad)),
        Align::Center => format!("{}{text}", " ".repeat(pad / 2)),
    }
}

/// The receipt as the printer would show it, one string per printed line,
/// characters the profile's code page lacks shown as their stand-ins.
pub fn plain_text(blocks: &[Block], profile: &PrinterProfile) -> String {
    let columns = profile.columns_a;
    let page = profile.page_for(&all_text(blocks));
    let mut out = String::new();
    let mut push = |line: &str| {
        out.push_str(text_image::shown(page, line).trim_end());
        out.push('\n');
    };
    for block in blocks {
        match block {
            Block::Logo => push(&aligned("[logo]", Align::Center, columns)),
            Block::Text { text, align, .. } => push(&aligned(text, *align, columns)),
            // Double-width characters take two columns on paper.
            Block::Pair {
                left,
                right,
                double,
                ..
            } => push(&spread(
                left,
                right,
                if *double { columns / 2 } else { columns },
            )),
            Block::Rule => push(&"-".repeat(columns)),
            Block::Barcode(Barcode::Code128(data) | Barcode::Ean13(data)) => push(&aligned(
                &format!("[barcode {data}]"),
                Align::Center,
                columns,
            )),
            // The payload is in the receipt's JSON; a URL would not fit the width.
            Block::Qr(_) => push(&aligned("[QR code]", Align::Center, columns)),
            Block::Feed(n) => (0..*n).for_each(|_| push("")),
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The receipt as an HTML fragment for the till's screen.
pub fn html(blocks: &[Block], profile: &PrinterProfile) -> String {
    let mut out = format!(
        "<div class=\"receipt\" style=\"--columns:{}\">\n",
        profile.columns_a
    );
    for block in blocks {
        let line = match block {
            Block::Logo => "<div class=\"logo\" role=\"img\" aria-label=\"logo\"></div>".to_owned(),
            Block::Text {
                text,
                align,
                bold,
                double,
            } => {
                let mut class = vec![match align {
                    Align::Left => "left",
                    Align::Center => "center",
                    Align::Right => "right",
                }];
                if *bold {
                    class.push("bold");
                }
                if *double {
                    class.push("double");
                }
                format!("<div class=\"{}\">{}</div>", class.join(" "), escape(text))
            }
            Block::Pair {
                left,
                right,
                bold,
                double,
            } => {
                let class = match (bold, double) {
                    (true, true) => "pair bold double",
                    (true, false) => "pair bold",
                    (false, true) => "pair double",
                    (false, false) => "pair",
                };
                format!(
                    "<div class=\"{class}\"><span>{}</span><span>{}</span></div>",
                    escape(left),
                    escape(right)
                )
            }
            Block::Rule => "<hr>".to_owned(),
            Block::Barcode(Barcode::Code128(data) | Barcode::Ean13(data)) => {
                format!("<div class=\"barcode\">{}</div>", escape(data))
            }
            Block::Qr(data) => {
                format!("<div class=\"qr\" data-payload=\"{}\"></div>", escape(data))
            }
            Block::Feed(_) => continue,
        };
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("</div>\n");
    out
}

/// The text printed as text (not as images), to choose the code page by.
fn all_text(blocks: &[Block]) -> String {
    let mut s = String::new();
    for b in blocks {
        match b {
            Block::Text { text, .. } if !text_image::has_drawn(text) => s.push_str(text),
            Block::Pair { left, right, .. }
                if !text_image::has_drawn(left) && !text_image::has_drawn(right) =>
            {
                s.push_str(left);
                s.push_str(right);
            }
            _ => {}
        }
    }
    s
}

/// What else goes into the printer's bytes besides the blocks. The cash
/// drawer is never opened by a receipt: it is its own job (see
/// [`super::Printers::open_drawer`]), so a receipt printed late or again
/// cannot open it.
pub struct Finish<'a> {
    pub logo: Option<&'a Raster>,
    /// Fonts for lines in scripts the code page lacks; without them (or
    /// when a font is missing) those lines print with stand-ins.
    pub text_images: Option<&'a TextImages>,
}

/// Draws `text` as images if it needs them and the fonts allow; `false`
/// when it is to be printed as text.
fn drawn_line(
    e: &mut Encoder,
    text: &str,
    align: Align,
    bold: bool,
    double: bool,
    profile: &PrinterProfile,
    finish: &Finish<'_>,
) -> Result<bool, EncodeError> {
    let Some(images) = finish.text_images.filter(|_| text_image::has_drawn(text)) else {
        return Ok(false);
    };
    match images.draw(text, profile.dots, bold, double) {
        Ok(lines) => {
            e.align(align);
            for line in &lines {
                e.raster(line)?;
            }
            Ok(true)
        }
        Err(problem) => {
            tracing::warn!(%problem, "printing with stand-ins instead");
            Ok(false)
        }
    }
}

/// The receipt as ESC/POS bytes for `profile`.
pub fn escpos(
    blocks: &[Block],
    profile: &PrinterProfile,
    finish: &Finish<'_>,
) -> Result<Vec<u8>, EncodeError> {
    let page = profile.page_for(&all_text(blocks));
    let mut e = Encoder::new(page);
    let narrow = profile.paper_mm < 70;
    for block in blocks {
        match block {
            Block::Logo => {
                if let Some(logo) = finish.logo {
                    e.align(Align::Center).raster(logo)?;
                }
            }
            Block::Text {
                text,
                align,
                bold,
                double,
            } => {
                if drawn_line(&mut e, text, *align, *bold, *double, profile, finish)? {
                    continue;
                }
                e.align(*align).bold(*bold).double(*double).line(text);
                e.bold(false).double(false);
            }
            Block::Pair {
                left,
                right,
                bold,
                double,
            } => {
                let width = if *double {
                    profile.columns_a / 2
                } else {
                    profile.columns_a
                };
                let line = spread(left, right, width);
                if drawn_line(&mut e, &line, Align::Left, *bold, *double, profile, finish)? {
                    continue;
                }
                e.align(Align::Left)
                    .bold(*bold)
                    .double(*double)
                    .line(&spread(left, right, width));
                e.bold(false).double(false);
            }
            Block::Rule => {
                e.align(Align::Left).line(&"-".repeat(profile.columns_a));
            }
            Block::Barcode(b) => {
                e.align(Align::Center).barcode(b)?;
            }
            Block::Qr(data) => {
                e.align(Align::Center);
                if profile.qr {
                    e.qr(data, if narrow { 4 } else { 6 })?;
                } else {
                    let image = raster::qr(data, if narrow { 3 } else { 4 })
                        .map_err(|_| EncodeError::QrTooLong(data.len()))?;
                    e.raster(&image)?;
                }
                e.line("");
            }
            Block::Feed(n) => {
                e.feed(*n);
            }
        }
    }
    e.align(Align::Left);
    if profile.cutter {
        e.cut(Cut::Partial);
    } else {
        e.feed(4);
    }
    Ok(e.into_bytes())
}
