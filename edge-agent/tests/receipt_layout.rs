//! Receipt layout per printer profile: a golden plain-text rendering for each
//! profile under version control, and the same receipt's ESC/POS bytes decoded
//! by the independent parser must say the same lines.

mod common;

use common::escpos::{decode, lines, preview_lines};
use edge_agent::printing::layout::layout;
use edge_agent::printing::receipt::{Receipt, ReceiptLine, ReceiptTender, TaxRow};
use edge_agent::printing::{profile::PrinterProfile, render};
use pos_shared::{Money, Qty};
use std::path::Path;

/// A receipt with everything a receipt can carry, for the golden files.
fn sample_receipt() -> Receipt {
    let inr = Money::inr;
    Receipt {
        header: vec![
            "Kirana on Main".into(),
            "12 MG Road, Indiranagar, Bengaluru 560038".into(),
        ],
        gstin: Some("29ABCDE1234F1ZW".into()),
        title: "TAX INVOICE".into(),
        number_label: "Bill".into(),
        receipt_no: "T1-000042".into(),
        issued_at: "23-11-2026 18:45".into(),
        terminal: Some("Till 1".into()),
        details: vec![],
        lines: vec![
            ReceiptLine {
                name: "Basmati Rice Premium Extra Long Grain Aged 2 Years 5 kg".into(),
                qty: Qty::units(2),
                unit_price: inr(64_900),
                amount: inr(129_800),
                discount: Some(("offer".into(), inr(10_000))),
                modifiers: vec![],
                unit: None,
                tax_note: None,
            },
            ReceiptLine {
                name: "Tomatoes (kg)".into(),
                qty: Qty::parse("0.750").unwrap(),
                unit_price: inr(4_000),
                amount: inr(3_000),
                discount: None,
                modifiers: vec![],
                unit: Some("kg".into()),
                tax_note: None,
            },
        ],
        bill_discounts: vec![("staff".into(), inr(1_000))],
        subtotal: inr(121_800),
        gst_added: None,
        total: inr(121_800),
        rounding: None,
        tax_summary: vec![
            TaxRow {
                rate: "5".into(),
                taxable: inr(114_095),
                cgst: inr(2_852),
                sgst: inr(2_853),
                igst: inr(0),
            },
            TaxRow {
                rate: "0".into(),
                taxable: inr(3_000),
                cgst: inr(0),
                sgst: inr(0),
                igst: inr(0),
            },
        ],
        tenders: vec![
            ReceiptTender {
                label: "UPI".into(),
                amount: inr(100_000),
                reference: Some("412345678901".into()),
            },
            ReceiptTender {
                label: "Cash".into(),
                amount: inr(50_000),
                reference: None,
            },
        ],
        change_due: inr(28_200),
        footer: vec![
            "Prices include GST. ₹ amounts in rupees.".into(),
            "Thank you!".into(),
        ],
        qr: Some("upi://pay?pa=kirana@okbank&am=1218.00".into()),
    }
}

#[test]
fn golden_receipts_per_printer_profile() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let receipt = sample_receipt();
    for name in PrinterProfile::NAMES {
        let profile = PrinterProfile::named(name).unwrap();
        let blocks = layout(&receipt, &profile, false);
        let text = render::plain_text(&blocks, &profile);
        let path = golden.join(format!("receipt-{name}.txt"));
        if update {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
        assert_eq!(
            text, want,
            "{name}: layout changed (UPDATE_GOLDEN=1 rewrites after review)"
        );
        for line in text.lines() {
            assert!(
                line.chars().count() <= profile.columns_a,
                "{name}: {line:?} is too wide"
            );
        }
        // The printer's bytes say what the golden text says.
        let finish = render::Finish {
            logo: None,
            text_images: None,
        };
        let bytes = render::escpos(&blocks, &profile, &finish).unwrap();
        let decoded = decode(&bytes);
        assert_eq!(lines(&decoded), preview_lines(&text), "{name}");
        // A receipt never opens the drawer; the drawer is its own job.
        assert_eq!(decoded["drawer_pulses"].as_array().unwrap().len(), 0);
        assert_eq!(
            decoded["cuts"].as_array().unwrap().len(),
            usize::from(profile.cutter)
        );
    }
}
