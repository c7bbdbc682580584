//! GSTR-1's sections as the GST offline tool's CSV: its column headings,
//! places of supply as `29-Karnataka`, amounts to the paisa.

use super::returns::Gstr1;

/// The GSTR-1 sections the offline tool imports as CSV.
pub const CSV_SECTIONS: [&str; 9] = [
    "b2b", "b2cl", "b2cs", "cdnr", "cdnur", "exemp", "hsn_b2b", "hsn_b2c", "docs",
];

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

/// Each section's columns, as the offline tool's templates head them.
fn columns(section: &str) -> Option<&'static [&'static str]> {
    Some(match section {
        "b2b" => &[
            "GSTIN/UIN of Recipient",
            "Receiver Name",
            "Invoice Number",
            "Invoice date",
            "Invoice Value",
            "Place Of Supply",
            "Reverse Charge",
            "Applicable % of Tax Rate",
            "Invoice Type",
            "E-Commerce GSTIN",
            "Rate",
            "Taxable Value",
            "Cess Amount",
        ],
        "b2cl" => &[
            "Invoice Number",
            "Invoice date",
            "Invoice Value",
            "Place Of Supply",
            "Applicable % of Tax Rate",
            "Rate",
            "Taxable Value",
            "Cess Amount",
            "E-Commerce GSTIN",
        ],
        "b2cs" => &[
            "Type",
            "Place Of Supply",
            "Applicable % of Tax Rate",
            "Rate",
            "Taxable Value",
            "Cess Amount",
            "E-Commerce GSTIN",
        ],
        "cdnr" => &[
            "GSTIN/UIN of Recipient",
            "Receiver Name",
            "Note Number",
            "Note Date",
            "Note Type",
            "Place Of Supply",
            "Reverse Charge",
            "Note Supply Type",
            "Note Value",
            "Applicable % of Tax Rate",
            "Rate",
            "Taxable Value",
            "Cess Amount",
        ],
        "cdnur" => &[
            "UR Type",
            "Note Number",
            "Note Date",
            "Note Type",
            "Place Of Supply",
            "Note Value",
            "Applicable % of Tax Rate",
            "Rate",
            "Taxable Value",
            "Cess Amount",
        ],
        "exemp" => &[
            "Description",
            "Nil Rated Supplies",
            "Exempted(other than nil rated/non GST supply)",
            "Non-GST Supplies",
        ],
        "hsn_b2b" | "hsn_b2c" => &[
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
        ],
        "docs" => &[
            "Nature of Document",
            "Sr. No. From",
            "Sr. No. To",
            "Total Number",
            "Cancelled",
        ],
        _ => return None,
    })
}

/// The rows of one section, without its heading.
fn rows(report: &Gstr1, section: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let rate = |rt: f64| quantity(rt);
    match section {
        "b2b" => {
            for party in &report.b2b {
                for inv in &party.inv {
                    for item in &inv.itms {
                        let d = &item.itm_det;
                        rows.push(vec![
                            party.ctin.clone(),
                            String::new(),
                            inv.inum.clone(),
                            inv.idt.clone(),
                            money(inv.val),
                            place_name(&inv.pos),
                            inv.rchrg.clone(),
                            String::new(),
                            "Regular B2B".into(),
                            String::new(),
                            rate(d.rt),
                            money(d.txval),
                            money(d.csamt),
                        ]);
                    }
                }
            }
        }
        "b2cl" => {
            for place in &report.b2cl {
                for inv in &place.inv {
                    for item in &inv.itms {
                        let d = &item.itm_det;
                        rows.push(vec![
                            inv.inum.clone(),
                            inv.idt.clone(),
                            money(inv.val),
                            place_name(&place.pos),
                            String::new(),
                            rate(d.rt),
                            money(d.txval),
                            money(d.csamt),
                            String::new(),
                        ]);
                    }
                }
            }
        }
        "b2cs" => {
            for line in &report.b2cs {
                rows.push(vec![
                    line.typ.clone(),
                    place_name(&line.pos),
                    String::new(),
                    rate(line.rt),
                    money(line.txval),
                    money(line.csamt),
                    String::new(),
                ]);
            }
        }
        "cdnr" => {
            for party in &report.cdnr {
                for note in &party.nt {
                    for item in &note.itms {
                        let d = &item.itm_det;
                        rows.push(vec![
                            party.ctin.clone(),
                            String::new(),
                            note.nt_num.clone(),
                            note.nt_dt.clone(),
                            note.ntty.clone(),
                            place_name(&note.pos),
                            note.rchrg.clone(),
                            "Regular B2B".into(),
                            money(note.val),
                            String::new(),
                            rate(d.rt),
                            money(d.txval),
                            money(d.csamt),
                        ]);
                    }
                }
            }
        }
        "cdnur" => {
            for note in &report.cdnur {
                for item in &note.itms {
                    let d = &item.itm_det;
                    rows.push(vec![
                        note.typ.clone(),
                        note.nt_num.clone(),
                        note.nt_dt.clone(),
                        note.ntty.clone(),
                        place_name(&note.pos),
                        money(note.val),
                        String::new(),
                        rate(d.rt),
                        money(d.txval),
                        money(d.csamt),
                    ]);
                }
            }
        }
        "exemp" => {
            for (sply_ty, description) in [
                ("INTRB2B", "Inter-State supplies to registered persons"),
                ("INTRAB2B", "Intra-State supplies to registered persons"),
                ("INTRB2C", "Inter-State supplies to unregistered persons"),
                ("INTRAB2C", "Intra-State supplies to unregistered persons"),
            ] {
                let line = report.nil.inv.iter().find(|n| n.sply_ty == sply_ty);
                let amount = |f: fn(&super::returns::NilLine) -> f64| money(line.map_or(0.0, f));
                rows.push(vec![
                    description.into(),
                    amount(|n| n.nil_amt),
                    amount(|n| n.expt_amt),
                    amount(|n| n.ngsup_amt),
                ]);
            }
        }
        "hsn_b2b" | "hsn_b2c" => {
            let lines = if section == "hsn_b2b" {
                &report.hsn.hsn_b2b
            } else {
                &report.hsn.hsn_b2c
            };
            for h in lines {
                let total = h.txval + h.iamt + h.camt + h.samt + h.csamt;
                rows.push(vec![
                    h.hsn_sc.clone().unwrap_or_default(),
                    h.desc.clone().unwrap_or_default(),
                    h.uqc.clone(),
                    quantity(h.qty),
                    money(total),
                    rate(h.rt),
                    money(h.txval),
                    money(h.iamt),
                    money(h.camt),
                    money(h.samt),
                    money(h.csamt),
                ]);
            }
        }
        "docs" => {
            for kind in &report.doc_iss.doc_det {
                for d in &kind.docs {
                    rows.push(vec![
                        kind.doc_typ.clone(),
                        d.from.clone(),
                        d.to.clone(),
                        d.totnum.to_string(),
                        d.cancel.to_string(),
                    ]);
                }
            }
        }
        _ => {}
    }
    rows
}

/// One section of GSTR-1 as the offline tool's CSV (a heading row, then a
/// row per rate of each document, or per line of a summed table), or `None`
/// for a name not in [`CSV_SECTIONS`].
pub fn gstr1_csv(report: &Gstr1, section: &str) -> Option<String> {
    let heading = columns(section)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(heading).ok()?;
    for row in rows(report, section) {
        out.write_record(&row).ok()?;
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
