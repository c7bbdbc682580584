//! The catalog file HQ imports: CSV with a header row, one item per row.
//! Reading it is separate from sending it, so every row is checked (and every
//! bad cell named by line and column) before the hub is asked anything. The
//! columns and what each cell may hold are `pos_shared::catalog_row`'s, the
//! rules the hub holds a seller's feed to; this file owns only the CSV.

use pos_shared::catalog_row::{self, SeenInFile};
pub use pos_shared::catalog_row::{ItemRow, COLUMNS_HELP};
use pos_shared::Currency;

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
        .map(catalog_row::header_name)
        .collect();
    catalog_row::check_header(&headers)?;
    let mut file = CatalogFile {
        rows: Vec::new(),
        errors: Vec::new(),
        has_stock: headers.iter().any(|h| h == "stock"),
    };
    let mut seen = SeenInFile::default();
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
        let read = catalog_row::read_row(line, &cell, currency)
            .and_then(|row| seen.admit(&row).map(|()| row));
        match read {
            Ok(row) => file.rows.push(row),
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

#[cfg(test)]
mod tests {
    use super::*;
    use pos_shared::item::{Pack, Unit};
    use pos_shared::{Money, Qty};

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
