//! GSTR-1's sections as the GST offline tool's CSV: its column headings,
//! places of supply as `29-Karnataka`, amounts to the paisa.

use super::returns::Gstr1;

/// The GSTR-1 sections the offline tool imports as CSV.
pub const CSV_SECTIONS: [&str; 7] = ["b2b", "b2cl", "b2cs", "cdnr", "cdnur", "hsn", "docs"];

/// The state's name as the offline tool writes a place of supply: `29-Karnataka`.
pub fn place_name(code: &str) -> String {
    let name = match code {
        "01" => "Jammu & Kashmir",
        "02" => "Himachal Pradesh",
        "03" => "Punjab",
        "04" => "Chandigarh",
        "05" => "Uttarakhand",
        "06" => "Haryana",
        "07" => "Delhi",
        "08" => "Rajasthan",
        "09" => "Uttar Pradesh",
        "10" => "Bihar",
        "11" => "Sikkim",
        "12" => "Arunachal Pradesh",
        "13" => "Nagaland",
        "14" => "Manipur",
        "15" => "Mizoram",
        "16" => "Tripura",
        "17" => "Meghalaya",
        "18" => "Assam",
        "19" => "West Bengal",
        "20" => "Jharkhand",
        "21" => "Odisha",
        "22" => "Chhattisgarh",
        "23" => "Madhya Pradesh",
        "24" => "Gujarat",
        "26" => "Dadra & Nagar Haveli & Daman & Diu",
        "27" => "Maharashtra",
        "29" => "Karnataka",
        "30" => "Goa",
        "31" => "Lakshadweep",
        "32" => "Kerala",
        "33" => "Tamil Nadu",
        "34" => "Puducherry",
        "35" => "Andaman & Nicobar Islands",
        "36" => "Telangana",
        "37" => "Andhra Pradesh",
        "38" => "Ladakh",
        "97" => "Other Territory",
        _ => "",
    };
    format!("{code}-{name}")
}

fn money(v: f64) -> String {
    format!("{v:.2}")
}

fn quantity(v: f64) -> String {
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// One section of GSTR-1 as the offline tool's CSV, or `None` for a name
/// not in [`CSV_SECTIONS`].
pub fn gstr1_csv(report: &Gstr1, section: &str) -> Option<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut row = |cells: Vec<String>| {
        // Writing to a Vec cannot fail.
        let _ = out.write_record(&cells);
    };
    let text = |s: &str| s.to_owned();
    match section {
        "b2b" => {
            row([
                "GSTIN/UIN of Recipient",
                "Invoice Number",
                "Invoice date",
                "Invoice Value",
                "Place Of Supply",
                "Reverse Charge",
                "Invoice Type",
                "Rate",
                "Taxable Value",
                "Cess Amount",
            ]
            .map(text)
            .to_vec());
            for party in &report.b2b {
                for inv in &party.inv {
                    for item in &inv.itms {
                        row(vec![
                            party.ctin.clone(),
                            inv.inum.clone(),
                            inv.idt.clone(),
                            money(inv.val),
                            place_name(&inv.pos),
                            inv.rchrg.clone(),
                            "Regular B2B".into(),
                            quantity(item.itm_det.rt),
                            money(item.itm_det.txval),
                            money(item.itm_det.csamt),
                        ]);
                    }
                }
            }
        }
        "b2cl" => {
            row([
                "Invoice Number",
                "Invoice date",
                "Invoice Value",
                "Place Of Supply",
                "Rate",
                "Taxable Value",
                "Cess Amount",
            ]
            .map(text)
            .to_vec());
            for place in &report.b2cl {
                for inv in &place.inv {
                    for item in &inv.itms {
                        row(vec![
                            inv.inum.clone(),
                            inv.idt.clone(),
                            money(inv.val),
                            place_name(&place.pos),
                            quantity(item.itm_det.rt),
                            money(item.itm_det.txval),
                            money(item.itm_det.csamt),
                        ]);
                    }
                }
            }
        }
        "b2cs" => {
            row([
                "Type",
                "Place Of Supply",
                "Rate",
                "Taxable Value",
                "Cess Amount",
            ]
            .map(text)
            .to_vec());
            for line in &report.b2cs {
                row(vec![
                    line.typ.clone(),
                    place_name(&line.pos),
                    quantity(line.rt),
                    money(line.txval),
                    money(line.csamt),
                ]);
            }
        }
        "cdnr" => {
            row([
                "GSTIN/UIN of Recipient",
                "Note Number",
                "Note Date",
                "Note Type",
                "Place Of Supply",
                "Reverse Charge",
                "Note Supply Type",
                "Note Value",
                "Rate",
                "Taxable Value",
                "Cess Amount",
            ]
            .map(text)
            .to_vec());
            for party in &report.cdnr {
                for note in &party.nt {
                    for item in &note.itms {
                        row(vec![
                            party.ctin.clone(),
                            note.nt_num.clone(),
                            note.nt_dt.clone(),
                            note.ntty.clone(),
                            place_name(&note.pos),
                            note.rchrg.clone(),
                            "Regular B2B".into(),
                            money(note.val),
                            quantity(item.itm_det.rt),
                            money(item.itm_det.txval),
                            money(item.itm_det.csamt),
                        ]);
                    }
                }
            }
        }
        "cdnur" => {
            row([
                "UR Type",
                "Note Number",
                "Note Date",
                "Note Type",
                "Place Of Supply",
                "Note Value",
                "Rate",
                "Taxable Value",
                "Cess Amount",
            ]
            .map(text)
            .to_vec());
            for note in &report.cdnur {
                for item in &note.itms {
                    row(vec![
                        note.typ.clone(),
                        note.nt_num.clone(),
                        note.nt_dt.clone(),
                        note.ntty.clone(),
                        place_name(&note.pos),
                        money(note.val),
                        quantity(item.itm_det.rt),
                        money(item.itm_det.txval),
                        money(item.itm_det.csamt),
                    ]);
                }
            }
        }
        "hsn" => {
            row([
                "Supply To",
                "HSN",
                "Description",
                "UQC",
                "Total Quantity",
                "Total Value",
                "Rate",
                "Taxable Value",
                "Integrated Tax Amount",
                "Central Tax Amount",
                "State/UT Tax Amount",
                "Cess Amount",
            ]
            .map(text)
            .to_vec());
            for (to, lines) in [("B2B", &report.hsn.hsn_b2b), ("B2C", &report.hsn.hsn_b2c)] {
                for h in lines {
                    let total = h.txval + h.iamt + h.camt + h.samt + h.csamt;
                    row(vec![
                        to.into(),
                        h.hsn_sc.clone().unwrap_or_default(),
                        h.desc.clone().unwrap_or_default(),
                        h.uqc.clone(),
                        quantity(h.qty),
                        money(total),
                        quantity(h.rt),
                        money(h.txval),
                        money(h.iamt),
                        money(h.camt),
                        money(h.samt),
                        money(h.csamt),
                    ]);
                }
            }
        }
        "docs" => {
            row([
                "Nature of Document",
                "Sr. No. From",
                "Sr. No. To",
                "Total Number",
                "Cancelled",
            ]
            .map(text)
            .to_vec());
            for kind in &report.doc_iss.doc_det {
                for d in &kind.docs {
                    row(vec![
                        kind.doc_typ.clone(),
                        d.from.clone(),
                        d.to.clone(),
                        d.totnum.to_string(),
                        d.cancel.to_string(),
                    ]);
                }
            }
        }
        _ => return None,
    }
    out.into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gst::{rate, rupees};

    #[test]
    fn amounts_are_rupees_to_the_paisa() {
        assert_eq!(serde_json::to_string(&rupees(19_417)).unwrap(), "194.17");
        assert_eq!(serde_json::to_string(&rupees(-5)).unwrap(), "-0.05");
        assert_eq!(serde_json::to_string(&rate(25)).unwrap(), "0.25");
        assert_eq!(serde_json::to_string(&rate(1800)).unwrap(), "18.0");
        assert_eq!(quantity(1.5), "1.5");
        assert_eq!(quantity(2.0), "2");
        assert_eq!(place_name("29"), "29-Karnataka");
    }
}
