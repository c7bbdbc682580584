//! The catalog file HQ imports: CSV with a header row, one item per row.
//! Reading it is separate from sending it, so every row is checked (and every
//! bad cell named by line and column) before the hub is asked anything.

use pos_shared::item::{ItemDetails, Pack, Unit};
use pos_shared::tax::TaxClass;
use pos_shared::{Currency, Gtin, Money, Qty};
use std::collections::HashSet;

/// The columns, as `hubctl import --help` lists them.
pub const COLUMNS_HELP: &str = "\
The file is CSV with a header row and one item per row. Columns (any order, any case):
  sku            required; the item's SKU, unique in the catalog
  name           required
  barcode        required; its primary GTIN (EAN-13, UPC-A, EAN-8, GTIN-14)
  price          required; the selling price in major units: 49 or 49.50
  barcodes       other barcodes, separated by |
  brand          a brand name; a brand not yet in the catalog is created
  category       a category path such as \"Dairy > Milk\"; missing levels are created
  tax_rate       GST rate in percent: 0, 0.25, 3, 5, 12, 18 or 28
  tax_inclusive  yes or no: whether the price includes the tax (default yes)
  hsn            the HSN code, 4, 6 or 8 digits
  synonyms       other names the item is asked for by, separated by |
  quick_key      its key on its category's quick-key grid
  unit           each (the default), or kg, g, l, ml or m for items sold loose
  pack           what one unit holds, such as \"250 g\" or \"6 each\"
  image_urls     pictures, http(s) addresses separated by |
  stock          the counted quantity on hand at --store
A SKU already in the catalog is updated to match its row; a column left out of
the file leaves that field as it is, and an empty cell clears it.";

const REQUIRED: [&str; 4] = ["sku", "name", "barcode", "price"];
const OPTIONAL: [&str; 12] = [
    "barcodes",
    "brand",
    "category",
    "tax_rate",
    "tax_inclusive",
    "hsn",
    "synonyms",
    "quick_key",
    "unit",
    "pack",
    "image_urls",
    "stock",
];

/// One row, read and checked. `Option` fields are `None` when the file has no
/// such column (the field is left alone); an empty cell is `Some(None)` or an
/// empty list (the field is cleared).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRow {
    /// The line of the file the row is on, for messages.
    pub line: u64,
    pub sku: String,
    pub name: String,
    pub barcode: Gtin,
    pub price: Money,
    pub barcodes: Option<Vec<Gtin>>,
    pub brand: Option<Option<String>>,
    /// Category path from the top, level by level.
    pub category: Option<Option<Vec<String>>>,
    pub tax: Option<Option<TaxClass>>,
    pub synonyms: Option<Vec<String>>,
    pub quick_key: Option<Option<u16>>,
    pub unit: Option<Unit>,
    pub pack: Option<Option<Pack>>,
    pub image_urls: Option<Vec<String>>,
    pub stock: Option<Qty>,
}

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowError {
    pub line: u64,
    pub sku: String,
    /// The column at fault, when one is.
    pub column: Option<String>,
    pub detail: String,
}

#[derive(Debug)]
pub struct CatalogFile {
    pub rows: Vec<ItemRow>,
    pub errors: Vec<RowError>,
    /// Whether the file has a `stock` column.
    pub has_stock: bool,
}

/// Reads the file; a bad header is an error for the whole file, a bad row
/// only for that row.
pub fn read(bytes: &[u8], currency: Currency) -> Result<CatalogFile, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let unknown: Vec<&str> = headers
        .iter()
        .map(String::as_str)
        .filter(|h| !REQUIRED.contains(h) && !OPTIONAL.contains(h))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "unknown column(s) {}; the columns are {} and {}",
            unknown.join(", "),
            REQUIRED.join(", "),
            OPTIONAL.join(", ")
        ));
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|r| !headers.iter().any(|h| h == r))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing required column(s) {}", missing.join(", ")));
    }
    let mut seen = HashSet::new();
    for (i, h) in headers.iter().enumerate() {
        if !seen.insert(h) {
            return Err(format!("column {h} appears twice (column {})", i + 1));
        }
    }
    let mut file = CatalogFile {
        rows: Vec::new(),
        errors: Vec::new(),
        has_stock: headers.iter().any(|h| h == "stock"),
    };
    let mut skus = HashSet::new();
    // Rows go to the hub side by side, so two rows claiming one barcode would
    // race: the earlier line keeps it.
    let mut barcodes: std::collections::HashMap<Gtin, u64> = std::collections::HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                file.errors.push(RowError {
                    line,
                    sku: String::new(),
                    column: None,
                    detail: format!("not a CSV row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let cell = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .map(|i| record.get(i).unwrap_or(""))
        };
        match read_row(line, &cell, currency) {
            Ok(row) if skus.contains(&row.sku) => file.errors.push(RowError {
                line,
                sku: row.sku,
                column: Some("sku".into()),
                detail: "this SKU is on an earlier line of the file too".into(),
            }),
            Ok(row) => {
                let codes = std::iter::once(&row.barcode).chain(row.barcodes.iter().flatten());
                let taken = codes.clone().find_map(|c| barcodes.get(c).map(|l| (c, *l)));
                if let Some((code, earlier)) = taken {
                    file.errors.push(RowError {
                        line,
                        sku: row.sku,
                        column: Some(
                            if *code == row.barcode {
                                "barcode"
                            } else {
                                "barcodes"
                            }
                            .into(),
                        ),
                        detail: format!("barcode {code} is on line {earlier} too"),
                    });
                    continue;
                }
                for code in codes {
                    barcodes.insert(code.clone(), line);
                }
                skus.insert(row.sku.clone());
                file.rows.push(row)
            }
            Err((column, detail)) => file.errors.push(RowError {
                line,
                sku: cell("sku").unwrap_or("").to_owned(),
                column: Some(column.into()),
                detail,
            }),
        }
    }
    Ok(file)
}

type CellError = (&'static str, String);

fn read_row<'a>(
    line: u64,
    cell: &dyn Fn(&str) -> Option<&'a str>,
    currency: Currency,
) -> Result<ItemRow, CellError> {
    let required = |name: &'static str| match cell(name) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err((name, format!("{name} is required"))),
    };
    let gtin =
        |column: &'static str, text: &str| Gtin::parse(text).map_err(|e| (column, e.to_string()));
    let optional = |name: &str| cell(name).map(|v| (!v.is_empty()).then_some(v));
    let list = |name: &str| {
        cell(name).map(|v| {
            v.split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    };
    let price =
        Money::parse_decimal(required("price")?, currency).map_err(|e| ("price", e.to_string()))?;
    if price.is_negative() {
        return Err(("price", "price must not be negative".into()));
    }
    let barcodes = match list("barcodes") {
        None => None,
        Some(codes) => Some(
            codes
                .iter()
                .map(|c| gtin("barcodes", c))
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let category = optional("category").map(|path| {
        path.map(|p| {
            p.split('>')
                .map(|level| level.trim().to_owned())
                .collect::<Vec<_>>()
        })
    });
    if let Some(Some(levels)) = &category {
        if levels.iter().any(String::is_empty) {
            return Err(("category", "a category path has an empty level".into()));
        }
    }
    let quick_key = match optional("quick_key") {
        None => None,
        Some(None) => Some(None),
        Some(Some(k)) => Some(Some(k.parse::<u16>().map_err(|_| {
            (
                "quick_key",
                format!("{k:?} is not a key number from 0 to 65535"),
            )
        })?)),
    };
    let stock = match optional("stock") {
        None | Some(None) => None,
        Some(Some(q)) => {
            let qty = Qty::parse(q).map_err(|e| ("stock", e.to_string()))?;
            if qty.milli() < 0 {
                return Err(("stock", "a counted quantity cannot be negative".into()));
            }
            Some(qty)
        }
    };
    let (unit, pack, image_urls) = read_details(cell)?;
    Ok(ItemRow {
        line,
        sku: required("sku")?.to_owned(),
        name: required("name")?.to_owned(),
        barcode: gtin("barcode", required("barcode")?)?,
        price,
        barcodes,
        brand: optional("brand").map(|b| b.map(str::to_owned)),
        category,
        tax: read_tax(cell)?,
        synonyms: list("synonyms"),
        quick_key,
        unit,
        pack,
        image_urls,
        stock,
    })
}

fn unit(column: &'static str, text: &str) -> Result<Unit, CellError> {
    serde_json::from_value(serde_json::Value::String(text.to_ascii_lowercase())).map_err(|_| {
        (
            column,
            format!("{text:?} is not a unit: each, kg, g, l, ml or m"),
        )
    })
}

/// The columns of what an item is: its unit, pack and pictures, checked as
/// the hub would check them.
#[allow(clippy::type_complexity)]
fn read_details<'a>(
    cell: &dyn Fn(&str) -> Option<&'a str>,
) -> Result<(Option<Unit>, Option<Option<Pack>>, Option<Vec<String>>), CellError> {
    let unit_cell = match cell("unit") {
        None => None,
        Some("") => Some(Unit::Each),
        Some(text) => Some(unit("unit", text)?),
    };
    let pack = match cell("pack") {
        None => None,
        Some("") => Some(None),
        Some(text) => {
            let (size, of) = text
                .split_once(' ')
                .ok_or_else(|| ("pack", format!("{text:?} is not a pack such as \"250 g\"")))?;
            let size = Qty::parse(size).map_err(|e| ("pack", e.to_string()))?;
            Some(Some(Pack {
                size,
                unit: unit("pack", of.trim())?,
            }))
        }
    };
    let image_urls = cell("image_urls").map(|v| {
        v.split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    });
    let details = ItemDetails {
        pack: pack.clone().flatten(),
        image_urls: image_urls.clone().unwrap_or_default(),
        ..ItemDetails::default()
    };
    details.validate().map_err(|(field, detail)| {
        (
            if field.starts_with("pack") {
                "pack"
            } else {
                "image_urls"
            },
            detail,
        )
    })?;
    Ok((unit_cell, pack, image_urls))
}

/// The tax columns: a rate makes a tax class; no rate (or no column) none.
fn read_tax<'a>(
    cell: &dyn Fn(&str) -> Option<&'a str>,
) -> Result<Option<Option<TaxClass>>, CellError> {
    let Some(rate) = cell("tax_rate") else {
        if cell("tax_inclusive").is_some() || cell("hsn").is_some() {
            return Err((
                "tax_rate",
                "tax_inclusive and hsn need a tax_rate column".into(),
            ));
        }
        return Ok(None);
    };
    if rate.is_empty() {
        return Ok(Some(None));
    }
    let percent = Money::parse_decimal(rate, Currency::INR)
        .ok()
        .filter(|m| !m.is_negative())
        .ok_or_else(|| {
            (
                "tax_rate",
                format!("{rate:?} is not a rate in percent such as 18 or 0.25"),
            )
        })?;
    let inclusive = match cell("tax_inclusive")
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "" | "yes" | "y" | "true" | "1" => true,
        "no" | "n" | "false" | "0" => false,
        other => return Err(("tax_inclusive", format!("{other:?} is not yes or no"))),
    };
    let tax = TaxClass {
        // Percent with two decimals is basis points.
        rate_bp: u32::try_from(percent.minor())
            .map_err(|_| ("tax_rate", format!("{rate:?} is out of range")))?,
        inclusive,
        hsn: cell("hsn").filter(|h| !h.is_empty()).map(str::to_owned),
    };
    tax.validate().map_err(|(field, detail)| match field {
        "hsn" => ("hsn", detail),
        _ => ("tax_rate", format!("{rate}% is not a GST rate")),
    })?;
    Ok(Some(Some(tax)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_inr(text: &str) -> Result<CatalogFile, String> {
        read(text.as_bytes(), Currency::INR)
    }

    #[test]
    fn rows_are_read_with_every_column() {
        let file = read_inr(
            "SKU,Name,Barcode,Price,barcodes,brand,category,tax_rate,tax_inclusive,hsn,synonyms,quick_key,stock\n\
             MILK-1L,Toned milk 1 L,8901030865275,56.5,4006381333931|96385074,Amul,Dairy > Milk,5,no,0401,doodh|milk,3,12.5\n",
        )
        .unwrap();
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let row = &file.rows[0];
        assert_eq!(row.line, 2);
        assert_eq!(row.price, Money::inr(5650));
        assert_eq!(row.barcodes.as_ref().map(Vec::len), Some(2));
        assert_eq!(row.brand, Some(Some("Amul".into())));
        assert_eq!(
            row.category,
            Some(Some(vec!["Dairy".into(), "Milk".into()]))
        );
        let tax = row.tax.clone().flatten().unwrap();
        assert_eq!(
            (tax.rate_bp, tax.inclusive, tax.hsn.as_deref()),
            (500, false, Some("0401"))
        );
        assert_eq!(row.synonyms, Some(vec!["doodh".into(), "milk".into()]));
        assert_eq!(row.quick_key, Some(Some(3)));
        assert_eq!(row.stock, Some(Qty::from_milli(12_500)));
        assert!(file.has_stock);
    }

    #[test]
    fn absent_columns_leave_fields_alone_and_empty_cells_clear_them() {
        let file = read_inr("sku,name,barcode,price,brand\nA,Apple,8901030865275,10,\n").unwrap();
        let row = &file.rows[0];
        assert_eq!(row.brand, Some(None), "an empty cell clears");
        assert_eq!(row.category, None, "no column: left alone");
        assert_eq!(row.tax, None);
        assert_eq!(row.barcodes, None);
    }

    #[test]
    fn a_bad_header_refuses_the_whole_file() {
        let err = read_inr("sku,name,barcode,prise\n").unwrap_err();
        assert!(err.contains("unknown column(s) prise"), "{err}");
        let err = read_inr("sku,name,barcode\n").unwrap_err();
        assert!(err.contains("missing required column(s) price"), "{err}");
        let err = read_inr("sku,name,barcode,price,sku\n").unwrap_err();
        assert!(err.contains("sku appears twice"), "{err}");
    }

    #[test]
    fn bad_cells_are_named_by_line_and_column() {
        let file = read_inr(
            "sku,name,barcode,price,tax_rate,quick_key,stock\n\
             A,Apple,8901030865275,10,5,,\n\
             B,Bread,8901030865278,10,5,,\n\
             C,Curd,8901030865275,ten,5,,\n\
             D,Dal,8901030865275,-1,5,,\n\
             E,Eggs,8901030865275,1,5%,,\n\
             F,Figs,8901030865275,1,5,x,\n\
             G,Ghee,8901030865275,1,5,,-2\n\
             ,Honey,8901030865275,1,5,,\n\
             A,Again,8901030865275,1,5,,\n\
             I,Icing,8901030865275,1,5,,\n",
        )
        .unwrap();
        assert_eq!(file.rows.len(), 1);
        let got: Vec<(u64, Option<&str>)> = file
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, Some("barcode")),
                (4, Some("price")),
                (5, Some("price")),
                (6, Some("tax_rate")),
                (7, Some("quick_key")),
                (8, Some("stock")),
                (9, Some("sku")),
                (10, Some("sku")),
                (11, Some("barcode")),
            ]
        );
        assert_eq!(file.errors[0].sku, "B");
        assert!(
            file.errors[1].detail.contains("\"ten\""),
            "{:?}",
            file.errors[1]
        );
    }

    #[test]
    fn unit_pack_and_pictures_are_read_and_checked() {
        let file = read_inr(
            "sku,name,barcode,price,unit,pack,image_urls\n\
             DAL,Toor Dal,8901030865275,99,,500 g,https://cdn.example.com/dal.jpg | https://cdn.example.com/dal-2.jpg\n\
             RICE,Rice,8901030865282,62.5,KG,,\n\
             BAD1,Bad,8901030865299,1,dozen,,\n\
             BAD2,Bad,8901030865305,1,,250,\n\
             BAD3,Bad,8901030865312,1,,0 g,\n\
             BAD4,Bad,8901030865329,1,,,ftp://x/y.jpg\n",
        )
        .unwrap();
        let dal = &file.rows[0];
        assert_eq!(dal.unit, Some(Unit::Each), "an empty cell is the default");
        assert_eq!(
            dal.pack,
            Some(Some(Pack {
                size: Qty::parse("500").unwrap(),
                unit: Unit::G
            }))
        );
        assert_eq!(dal.image_urls.as_ref().map(Vec::len), Some(2));
        let rice = &file.rows[1];
        assert_eq!((rice.unit, &rice.pack), (Some(Unit::Kg), &Some(None)));
        let columns: Vec<_> = file
            .errors
            .iter()
            .map(|e| (e.sku.as_str(), e.column.as_deref()))
            .collect();
        assert_eq!(
            columns,
            [
                ("BAD1", Some("unit")),
                ("BAD2", Some("pack")),
                ("BAD3", Some("pack")),
                ("BAD4", Some("image_urls"))
            ]
        );
    }

    #[test]
    fn a_ragged_row_is_refused_alone() {
        let file =
            read_inr("sku,name,barcode,price\nA,Apple,8901030865275\nB,Bread,8901030865275,2\n")
                .unwrap();
        assert_eq!(file.rows.len(), 1);
        assert_eq!(file.errors[0].line, 2);
    }
}
