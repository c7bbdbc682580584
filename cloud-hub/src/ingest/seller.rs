//! A seller's bulk feed: its catalog as CSV with a header row (`text/csv`)
//! or JSON Lines (`application/x-ndjson`, one object a line), with the
//! columns of `hubctl import`'s catalog file and the same rules for each
//! cell (`pos_shared::catalog_row`). Titles are cleaned and packs read the
//! way suppliers write them (`normalize`); a pack not given is read from
//! the title when it holds one (a column left out or an empty cell). A `stock` cell is the seller's absolute
//! count at the source's stores as of the upload.
//!
//! Pure, like the other adapters: [`rows`] splits the bytes into rows as
//! received (column → text, with their line), [`check`] reads one into the
//! commands it asks for, or the field at fault. A bad header refuses the
//! whole feed; a bad row only itself.

use super::normalize;
use super::VariantUpsert;
use super::{CategoryRef, Command, Entity, ItemUpsert, Keep, StockFigure, Unreadable};
use crate::domain::feeds::{FeedFormat, RowCells};
use crate::domain::ingestion::Source;
use pos_shared::catalog_row::{self, SeenInFile};
use pos_shared::item::ItemDetails;
use pos_shared::{Currency, Timestamp};
use serde_json::Value;

/// What a feed's run says it read.
pub const FORMAT: &str = "seller_feed";

/// Why a row is refused: the field at fault (in the feed's terms) and why.
pub type Refused = (Option<String>, String);

/// One row as received.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// Its line in the feed (a CSV's header is line 1).
    pub line: u64,
    pub cells: RowCells,
    /// Set when the line is not a row at all (a ragged CSV record, a line
    /// that is not a JSON object, an unknown field).
    pub unreadable: Option<Refused>,
}

impl RawRow {
    /// What a run's errors call it.
    pub fn entity(&self) -> String {
        match self.cells.get("sku").filter(|s| !s.is_empty()) {
            Some(sku) => format!("line {} (SKU {sku})", self.line),
            None => format!("line {}", self.line),
        }
    }

    pub fn sku(&self) -> Option<String> {
        self.cells
            .get("sku")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }
}

/// A JSON Lines body's lines, numbered from 0.
type Lines<'a> = std::iter::Enumerate<std::slice::Split<'a, u8, fn(&u8) -> bool>>;

/// A feed's rows, read lazily.
pub enum Rows<'a> {
    Csv {
        headers: Vec<String>,
        records: csv::StringRecordsIntoIter<&'a [u8]>,
        /// The body, to number lines as a text editor does (by the record's
        /// byte offset: the reader's own count skips blank lines).
        body: &'a [u8],
        /// How far the body is numbered (a byte offset), and that byte's line.
        counted: (usize, u64),
    },
    Jsonl {
        lines: Lines<'a>,
    },
}

fn newline(b: &u8) -> bool {
    *b == b'\n'
}

/// The rows of a feed; `Err` when its header cannot be read or is wrong.
pub fn rows(format: FeedFormat, body: &[u8]) -> Result<Rows<'_>, Unreadable> {
    match format {
        FeedFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .flexible(false)
                .from_reader(body);
            let headers: Vec<String> = reader
                .headers()
                .map_err(|e| Unreadable(format!("cannot read the header row: {e}")))?
                .iter()
                .map(catalog_row::header_name)
                .collect();
            catalog_row::check_header(&headers).map_err(Unreadable)?;
            Ok(Rows::Csv {
                headers,
                records: reader.into_records(),
                body,
                counted: (0, 1),
            })
        }
        FeedFormat::Jsonl => Ok(Rows::Jsonl {
            lines: body.split(newline as fn(&u8) -> bool).enumerate(),
        }),
    }
}

impl Iterator for Rows<'_> {
    type Item = RawRow;

    fn next(&mut self) -> Option<RawRow> {
        match self {
            Rows::Csv {
                headers,
                records,
                body,
                counted,
            } => {
                let record = records.next()?;
                // The reader stands just past this record now: the line it
                // ends on, less the line breaks inside its quoted cells, is
                // the line it starts on.
                let end = (records.reader().position().byte() as usize).min(body.len());
                let text_end = end - usize::from(end > 0 && body[end - 1] == b'\n');
                if text_end >= counted.0 {
                    counted.1 += body[counted.0..text_end]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count() as u64;
                    counted.0 = text_end;
                }
                let inside = match &record {
                    Ok(r) => r.iter().map(|cell| cell.matches('\n').count() as u64).sum(),
                    Err(_) => 0,
                };
                let line = counted.1.saturating_sub(inside);
                Some(match record {
                    Ok(record) => RawRow {
                        line,
                        cells: headers
                            .iter()
                            .zip(record.iter())
                            .map(|(h, v)| (h.clone(), v.to_owned()))
                            .collect(),
                        unreadable: None,
                    },
                    Err(e) => RawRow {
                        line,
                        cells: RowCells::new(),
                        unreadable: Some(csv_problem(&e, headers)),
                    },
                })
            }
            Rows::Jsonl { lines } => loop {
                let (i, line) = lines.next()?;
                let text = String::from_utf8_lossy(line);
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                break Some(json_row(i as u64 + 1, text));
            },
        }
    }
}

/// One JSON Lines line as a row: each field's value as the text a CSV cell
/// would hold (numbers as written, `true`/`false` as yes/no, a list joined
/// by `|`, `null` empty).
fn json_row(line: u64, text: &str) -> RawRow {
    let mut row = RawRow {
        line,
        cells: RowCells::new(),
        unreadable: None,
    };
    let object = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => o,
        Ok(_) => {
            row.unreadable = Some((None, "the line is not a JSON object".into()));
            return row;
        }
        Err(e) => {
            row.unreadable = Some((None, format!("the line is not JSON: {e}")));
            return row;
        }
    };
    for (key, value) in object {
        let column = catalog_row::header_name(&key);
        match cell_text(&value) {
            Some(text) => {
                row.cells.insert(column.clone(), text);
            }
            None => {
                row.unreadable.get_or_insert((
                    Some(column.clone()),
                    format!("{column} is text, a number, yes/no or a list"),
                ));
            }
        }
        if !catalog_row::is_column(&column) {
            row.unreadable.get_or_insert((
                Some(column.clone()),
                format!(
                    "{column} is not a field of a seller feed; the fields are {} and {}",
                    catalog_row::REQUIRED.join(", "),
                    catalog_row::OPTIONAL.join(", ")
                ),
            ));
        }
    }
    row
}

/// A JSON value as a cell's text; `None` for an object or a nested list.
pub fn cell_text(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Value::Array(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Array(_) | Value::Object(_) => return None,
                    other => parts.push(cell_text(other)?),
                }
            }
            parts.join("|")
        }
        Value::Object(_) => return None,
    })
}

/// What a row is checked against.
#[derive(Debug, Clone, Copy)]
pub struct RowRules<'a> {
    pub currency: Currency,
    pub source: &'a Source,
    /// When the stock counts were taken: the upload's time.
    pub as_of: Timestamp,
}

/// Reads a row into the commands it asks for: the item, then its stock at
/// each of the source's stores. `seen` holds the file's earlier rows (a
/// row resubmitted alone has none).
pub fn check(
    row: &RawRow,
    rules: RowRules<'_>,
    seen: Option<&mut SeenInFile>,
) -> Result<Vec<Entity>, Refused> {
    if let Some(refused) = &row.unreadable {
        return Err(refused.clone());
    }
    let refused = |(field, detail): (&str, String)| (Some(field.to_owned()), detail);
    let mut cells = row.cells.clone();
    if let Some(name) = cells.get_mut("name") {
        *name = normalize::title(name).unwrap_or_default();
    }
    if let Some(pack) = cells.get_mut("pack") {
        if !pack.trim().is_empty() {
            let read = normalize::pack(pack).map_err(|e| refused(("pack", e)))?;
            *pack = catalog_row::pack_text(&read);
        }
    }
    let cell = |name: &str| cells.get(name).map(String::as_str);
    let mut item =
        catalog_row::read_row(row.line, &cell, rules.currency).map_err(|(f, d)| refused((f, d)))?;
    if let Some(seen) = seen {
        seen.admit(&item).map_err(|(f, d)| refused((f, d)))?;
    }
    if item.pack.as_ref().is_none_or(Option::is_none) {
        if let Some(found) = normalize::pack_in_title(&item.name) {
            item.pack = Some(Some(found));
        }
    }
    let stores = &rules.source.stores;
    if item.stock.is_some() && stores.is_empty() {
        return Err(refused((
            "stock",
            format!(
                "source {} feeds no store to count stock at: give it its stores (PATCH /v1/sources/{{source_id}})",
                rules.source.code
            ),
        )));
    }
    let keep = Keep {
        tax: item.tax.is_none(),
        unit: item.unit.is_none(),
        pack: item.pack.is_none(),
        image_urls: item.image_urls.is_none(),
        attributes: true,
    };
    let details = ItemDetails {
        unit: item.unit.unwrap_or_default(),
        pack: item.pack.clone().flatten(),
        image_urls: item.image_urls.clone().unwrap_or_default(),
        ..ItemDetails::default()
    };
    let variant = VariantUpsert {
        external_id: item.sku.clone(),
        sku: Some(item.sku.clone()),
        name: item.name.clone(),
        barcode: Some(item.barcode.clone()),
        price: item.price,
        tax: item.tax.clone().flatten(),
        modifiers: Vec::new(),
        details,
        extra_barcodes: item.barcodes.clone(),
        quick_key: item.quick_key,
        keep,
    };
    let name = row.entity();
    let mut entities = vec![Entity {
        name: name.clone(),
        location: None,
        command: Command::Item(ItemUpsert {
            external_id: item.sku.clone(),
            name: item.name.clone(),
            brand: item.brand.clone().flatten(),
            category: item.category.clone().flatten().map(CategoryRef::Path),
            synonyms: item.synonyms.clone().unwrap_or_default(),
            variants: vec![variant],
            available: None,
        }),
    }];
    if let Some(quantity) = item.stock {
        for store in stores {
            entities.push(Entity {
                name: name.clone(),
                location: Some(store.external_id.clone()),
                command: Command::StockFigure(StockFigure {
                    sku: item.sku.clone(),
                    location: store.external_id.clone(),
                    quantity,
                    as_of: rules.as_of,
                }),
            });
        }
    }
    Ok(entities)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ingestion::{SourceKind, SourceStore};

    fn source(stores: usize) -> Source {
        Source {
            id: uuid::Uuid::nil(),
            code: "acme".into(),
            name: "Acme".into(),
            kind: SourceKind::Seller,
            vendor: None,
            enabled: true,
            stores: (0..stores)
                .map(|i| SourceStore {
                    external_id: format!("W{i}"),
                    store_id: pos_shared::StoreId::new(),
                })
                .collect(),
            previous_secret_until: None,
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        }
    }

    fn all(format: FeedFormat, text: &str, src: &Source) -> Vec<Result<Vec<Entity>, Refused>> {
        let rules = RowRules {
            currency: Currency::INR,
            source: src,
            as_of: Timestamp::now(),
        };
        let mut seen = SeenInFile::default();
        rows(format, text.as_bytes())
            .unwrap()
            .map(|r| check(&r, rules, Some(&mut seen)))
            .collect()
    }

    fn field(r: &Result<Vec<Entity>, Refused>) -> Option<&str> {
        r.as_ref().err().and_then(|(f, _)| f.as_deref())
    }

    /// Thousands of generated feeds, CSV and JSON Lines, of cells good and
    /// bad: every row is read into commands or refused in words naming a
    /// column, never a panic; the two formats agree row for row.
    #[test]
    fn generated_feeds_are_read_or_refused_never_a_panic() {
        let src = source(1);
        let mut rng = fastrand::Rng::with_seed(11);
        let pools: [&[&str]; 8] = [
            &["A-1", "", "  B 2 ", "x".repeat(70).leak(), "सेब", "A-1"],
            &[
                "TOOR DAL 1KG",
                "",
                "Mac &amp; Cheese",
                "\u{0}",
                "दाल 500 ग्राम",
                "Chips, salted",
            ],
            &[
                "8901030865275",
                "",
                "123",
                "8901030865276",
                "abc",
                "00012345678905",
            ],
            &["99.5", "", "abc", "-1", "1e5", "12.345", "0", "99999999999"],
            &["", "500 GM", "0.5kg", "6 pcs", "5 bags", "0 g", "1.5 pcs"],
            &["", "12", "1.5", "-3", "200000", "abc"],
            &["", "each", "kg", "g", "kgs"],
            &["", "5", "18", "7", "0.25", "abc"],
        ];
        let header = [
            "sku", "name", "barcode", "price", "pack", "stock", "unit", "tax_rate",
        ];
        let mut outcomes = [0usize; 2];
        for _ in 0..400 {
            let rows: Vec<Vec<String>> = (0..rng.usize(1..8))
                .map(|_| {
                    pools
                        .iter()
                        .map(|p| rng.choice(p.iter()).unwrap().to_string())
                        .collect()
                })
                .collect();
            let csv_text = std::iter::once(header.join(","))
                .chain(rows.iter().map(|r| {
                    r.iter()
                        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
                        .collect::<Vec<_>>()
                        .join(",")
                }))
                .collect::<Vec<_>>()
                .join(if rng.bool() { "\r\n" } else { "\n" });
            let jsonl_text = rows
                .iter()
                .map(|r| {
                    let object: serde_json::Map<String, serde_json::Value> = header
                        .iter()
                        .zip(r)
                        .filter(|(_, c)| !c.is_empty())
                        .map(|(h, c)| (h.to_string(), serde_json::Value::from(c.trim())))
                        .collect();
                    serde_json::Value::Object(object).to_string()
                })
                .collect::<Vec<_>>()
                .join("\n");
            let csv = all(FeedFormat::Csv, &csv_text, &src);
            let jsonl = all(FeedFormat::Jsonl, &jsonl_text, &src);
            assert_eq!(csv.len(), rows.len(), "{csv_text}");
            for (c, j) in csv.iter().zip(&jsonl) {
                if let Err((field, detail)) = c {
                    assert!(!detail.is_empty() && field.is_some(), "{c:?} in {csv_text}");
                }
                assert_eq!(c.is_ok(), j.is_ok(), "{c:?} / {j:?} in {csv_text}");
                outcomes[usize::from(c.is_ok())] += 1;
            }
        }
        // Both ways are reached: refused rows, and (rarer, every cell drawn
        // good) rows read whole.
        assert!(outcomes[0] > 500 && outcomes[1] > 5, "{outcomes:?}");
    }

    #[test]
    fn csv_and_jsonl_rows_read_alike() {
        let src = source(2);
        let csv = all(
            FeedFormat::Csv,
            "sku,name,barcode,price,pack,stock\nA,TOOR DAL 1KG,8901030865275,99.5,,12\n",
            &src,
        );
        let jsonl = all(
            FeedFormat::Jsonl,
            "{\"sku\":\"A\",\"name\":\"TOOR DAL 1KG\",\"barcode\":\"8901030865275\",\"price\":99.5,\"stock\":12}\n\n",
            &src,
        );
        let (csv, jsonl) = (csv[0].as_ref().unwrap(), jsonl[0].as_ref().unwrap());
        assert_eq!(csv.len(), 3, "the item and its stock at two stores");
        let Command::Item(item) = &csv[0].command else {
            panic!("{csv:?}")
        };
        assert_eq!(item.name, "Toor Dal 1kg");
        let pack = item.variants[0].details.pack.clone().unwrap();
        assert_eq!(
            pack.size,
            pos_shared::Qty::units(1000),
            "read from the title"
        );
        assert_eq!(csv[0].command, jsonl[0].command);
    }

    #[test]
    fn bad_rows_name_their_field() {
        let src = source(0);
        let got = all(
            FeedFormat::Csv,
            "sku,name,barcode,price,unit,pack,stock\n\
             A,Apple,8901030865275,ten,,,\n\
             B,,8901030865282,1,,,\n\
             C,Curd,8901030865299,1,dozen,,\n\
             D,Dal,123,1,,,\n\
             E,Eggs,8901030865312,1,,5 bags,\n\
             F,Figs,8901030865329,1,,,3\n\
             G,Ghee,8901030865336,1,,0.5kg,\n\
             G,Ghee again,8901030865343,1,,,\n",
            &src,
        );
        let fields: Vec<Option<&str>> = got.iter().map(field).collect();
        assert_eq!(
            fields,
            [
                Some("price"),
                Some("name"),
                Some("unit"),
                Some("barcode"),
                Some("pack"),
                Some("stock"),
                None,
                Some("sku")
            ]
        );
    }

    #[test]
    fn jsonl_refuses_what_is_not_a_row() {
        let src = source(0);
        let got = all(
            FeedFormat::Jsonl,
            "[1]\n{\"sku\":\"A\",\"colour\":\"red\"}\nnot json\n",
            &src,
        );
        assert_eq!(field(&got[0]), None);
        assert_eq!(field(&got[1]), Some("colour"));
        assert!(got[2].as_ref().unwrap_err().1.contains("not JSON"));
        assert!(matches!(
            rows(FeedFormat::Csv, b"sku,name,prise\n"),
            Err(Unreadable(m)) if m.contains("prise")
        ));
    }
}

/// Why a CSV record is not a row, in words, naming the column when the
/// reader says which.
fn csv_problem(e: &csv::Error, headers: &[String]) -> (Option<String>, String) {
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            let column = headers.get(err.field()).cloned();
            let detail = match &column {
                Some(c) => format!("the {c} cell is not UTF-8 text: save the file as UTF-8"),
                None => "the row is not UTF-8 text: save the file as UTF-8".to_owned(),
            };
            (column, detail)
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            None,
            format!("the row has {len} cells; the header has {expected_len}"),
        ),
        _ => (None, format!("not a CSV row: {e}")),
    }
}

#[cfg(test)]
mod line_numbers {
    use super::*;

    #[test]
    fn rows_are_numbered_as_an_editor_numbers_lines() {
        let body = b"sku,name,barcode,price\r\n\r\nA,x,,1\r\nB,y,,1\r\n\r\nC,z,,1\n";
        let lines: Vec<u64> = rows(FeedFormat::Csv, body)
            .unwrap()
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, vec![3, 4, 6]);
    }
}
