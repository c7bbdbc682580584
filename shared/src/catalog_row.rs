//! One row of a catalog file, as `hubctl import` sends it and a seller's
//! feed brings it to the hub: the columns, what each cell may hold, and the
//! checks a file's rows are held to together (a SKU or a barcode on two
//! lines). Both readers use this one set of rules; how the row was carried
//! (a CSV record, a JSON Lines object) is the reader's business, so a row
//! is read through a `cell(column)` lookup: `None` when the input has no
//! such column (the field is left alone), `Some("")` when it is empty (the
//! field is cleared).

use crate::item::{ItemDetails, Pack, Unit};
use crate::tax::TaxClass;
use crate::{Currency, Gtin, Money, Qty};
use std::collections::{HashMap, HashSet};

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
  tax_rate       GST rate in percent: 0, 0.25, 1.5, 3, 5, 12, 18, 28 or 40
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

/// The columns every row must have.
pub const REQUIRED: [&str; 4] = ["sku", "name", "barcode", "price"];
/// The columns a file may have besides.
pub const OPTIONAL: [&str; 12] = [
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

/// Whether `column` (already in lower case) is one of the file's columns.
pub fn is_column(column: &str) -> bool {
    REQUIRED.contains(&column) || OPTIONAL.contains(&column)
}

/// A header row's column name as the rules compare it: without a byte
/// order mark, in lower case.
pub fn header_name(raw: &str) -> String {
    raw.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
}

/// Checks a header row (names as [`header_name`] gives them): no unknown
/// column, every required one, none twice. The error is for the whole file.
pub fn check_header(headers: &[String]) -> Result<(), String> {
    let unknown: Vec<&str> = headers
        .iter()
        .map(String::as_str)
        .filter(|h| !is_column(h))
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
    Ok(())
}

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

/// Why a cell cannot be read: its column and what is wrong.
pub type CellError = (&'static str, String);

/// Reads one row through `cell` (see the module doc); the error names the
/// column at fault.
pub fn read_row<'a>(
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
    let list = |name: &str| cell(name).map(split_list);
    let price =
        Money::parse_decimal(required("price")?, currency).map_err(|e| ("price", e.to_string()))?;
    if price.is_negative() {
        return Err(("price", "price must not be negative".into()));
    }
    crate::limits::check_price(price).map_err(|e| ("price", e.to_string()))?;
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
            if qty > crate::limits::MAX_POSITION {
                return Err(("stock", format!("{q} is beyond any stock position")));
            }
            Some(qty)
        }
    };
    let (unit, pack, image_urls) = read_details(cell)?;
    Ok(ItemRow {
        line,
        sku: sku(required("sku")?)?,
        name: name(required("name")?)?,
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

fn sku(text: &str) -> Result<String, CellError> {
    if text.chars().count() > 64 {
        return Err(("sku", "a SKU is at most 64 characters".into()));
    }
    Ok(text.to_owned())
}

fn name(text: &str) -> Result<String, CellError> {
    if text.chars().count() > 200 {
        return Err(("name", "a name is at most 200 characters".into()));
    }
    Ok(text.to_owned())
}

/// A `|`-separated cell as its items, trimmed, empty ones dropped.
pub fn split_list(text: &str) -> Vec<String> {
    text.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A unit as the file writes it (`each`, `kg`, `g`, `l`, `ml`, `m`, any case).
pub fn unit(column: &'static str, text: &str) -> Result<Unit, CellError> {
    serde_json::from_value(serde_json::Value::String(text.to_ascii_lowercase())).map_err(|_| {
        (
            column,
            format!("{text:?} is not a unit: each, kg, g, l, ml or m"),
        )
    })
}

/// A pack as the file's `pack` column writes it ("250 g"), the inverse of
/// the reading in [`read_row`].
pub fn pack_text(pack: &Pack) -> String {
    let unit = serde_json::to_value(pack.unit)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!("{} {unit}", pack.size)
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
    let image_urls = cell("image_urls").map(split_list);
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
    // The GST slabs: another figure is a typo, not a rate.
    const SLABS_BP: [i64; 9] = [0, 25, 150, 300, 500, 1200, 1800, 2800, 4000];
    if !SLABS_BP.contains(&percent.minor()) {
        return Err((
            "tax_rate",
            format!("{rate:?} is not a GST rate: 0, 0.25, 1.5, 3, 5, 12, 18, 28 or 40"),
        ));
    }
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

/// What a file's rows claim together: each SKU and each barcode on one
/// line only (the earlier line keeps it), since rows of one file go in
/// side by side and two claiming one would race.
#[derive(Debug, Default)]
pub struct SeenInFile {
    skus: HashSet<String>,
    barcodes: HashMap<Gtin, u64>,
}

impl SeenInFile {
    /// Admits a row read well, or names the column an earlier line claimed.
    pub fn admit(&mut self, row: &ItemRow) -> Result<(), CellError> {
        if self.skus.contains(&row.sku) {
            return Err((
                "sku",
                "this SKU is on an earlier line of the file too".into(),
            ));
        }
        let codes = std::iter::once(&row.barcode).chain(row.barcodes.iter().flatten());
        let taken = codes
            .clone()
            .find_map(|c| self.barcodes.get(c).map(|l| (c, *l)));
        if let Some((code, earlier)) = taken {
            let column = if *code == row.barcode {
                "barcode"
            } else {
                "barcodes"
            };
            return Err((column, format!("barcode {code} is on line {earlier} too")));
        }
        for code in codes {
            self.barcodes.insert(code.clone(), row.line);
        }
        self.skus.insert(row.sku.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[(&str, &str)]) -> Result<ItemRow, CellError> {
        let map: HashMap<String, String> = cells
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        read_row(2, &|c| map.get(c).map(String::as_str), Currency::INR)
    }

    #[test]
    fn a_header_is_checked_whole() {
        let names = |h: &[&str]| h.iter().map(|s| header_name(s)).collect::<Vec<_>>();
        assert!(check_header(&names(&["\u{feff}SKU", "Name", "barcode", "price"])).is_ok());
        assert!(check_header(&names(&["sku", "name", "barcode"]))
            .unwrap_err()
            .contains("price"));
    }

    #[test]
    fn cells_are_named_when_wrong() {
        let good = [
            ("sku", "A"),
            ("name", "Apple"),
            ("barcode", "8901030865275"),
            ("price", "10"),
        ];
        assert!(row(&good).is_ok());
        let mut bad = good.to_vec();
        bad[3] = ("price", "ten");
        assert_eq!(row(&bad).unwrap_err().0, "price");
        let mut bad = good.to_vec();
        bad.push(("unit", "dozen"));
        assert_eq!(row(&bad).unwrap_err().0, "unit");
        let mut bad = good.to_vec();
        bad[1] = ("name", "");
        assert_eq!(row(&bad).unwrap_err().0, "name");
    }

    #[test]
    fn a_pack_written_back_reads_the_same() {
        let pack = Pack {
            size: Qty::units(500),
            unit: Unit::G,
        };
        assert_eq!(pack_text(&pack), "500 g");
    }
}
