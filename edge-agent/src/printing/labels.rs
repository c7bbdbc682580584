//! Shelf labels through the print queue: on a label printer in its language
//! (ZPL, TSPL) at its label size, or on a receipt printer through the encoder
//! here, each copy printed and cut off.

use super::layout::Block;
use super::{escpos, render, PrintJob, Printers, QueueError};
use crate::store::print_jobs::Purpose;
use pos_shared::labels::escpos::{pieces, Piece};
use pos_shared::labels::Label;

impl Printers {
    /// Queues shelf labels on `printer`, else the first label printer, else
    /// the receipt printer: one job, printed in order and retried like a
    /// receipt.
    pub async fn queue_labels(
        &self,
        printer: Option<&str>,
        labels: &[Label],
    ) -> Result<PrintJob, QueueError> {
        let config = match printer {
            Some(name) => self
                .config(name)
                .ok_or_else(|| QueueError::UnknownPrinter(name.to_owned()))?,
            None => self
                .inner
                .configs
                .iter()
                .find(|p| p.is_label_printer())
                .or_else(|| {
                    self.inner
                        .receipt_printer
                        .as_deref()
                        .and_then(|n| self.config(n))
                })
                .ok_or(QueueError::NoPrinter)?,
        }
        .clone();
        let (bytes, preview) = if config.is_label_printer() {
            let bytes = pos_shared::labels::render(labels, config.label, config.language);
            let preview = String::from_utf8_lossy(&bytes).into_owned();
            (bytes, preview)
        } else {
            let (mut bytes, mut preview) = (Vec::new(), String::new());
            let finish = render::Finish {
                logo: None,
                text_images: Some(&self.inner.text_images),
            };
            for label in labels {
                let blocks: Vec<Block> = pieces(label)
                    .into_iter()
                    .map(|piece| match piece {
                        Piece::Text { text, bold, double } => Block::Text {
                            text,
                            align: escpos::Align::Center,
                            bold,
                            double,
                        },
                        Piece::Ean13(digits) => Block::Barcode(escpos::Barcode::Ean13(digits)),
                    })
                    .collect();
                let one = render::escpos(&blocks, &config.profile, &finish)
                    .map_err(|e| QueueError::Encode(e.to_string()))?;
                for _ in 0..label.copies.max(1) {
                    bytes.extend_from_slice(&one);
                }
                preview.push_str(&render::plain_text(&blocks, &config.profile));
            }
            (bytes, preview)
        };
        self.enqueue(&config, Purpose::Label, None, bytes, preview)
            .await
    }
}
