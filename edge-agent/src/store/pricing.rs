//! Pricing against the replica: each line's product read as the
//! transaction sees it, then priced by [`crate::pos::pricing`]. The quote
//! the tender screen shows runs the same path as the sale and writes nothing.

use super::catalog::product_for_scan;
use super::StoreResult;
use crate::pos::line::ResolvedLine;
use crate::pos::pricing::{price_bill, resolve_lines, PricedBill, SaleQuote};
use crate::pos::product::ProductView;
use crate::pos::sale::{SalePolicy, SaleRejection, SaleRequest};
use rusqlite::Connection;

/// Prices `request` against the replica as `conn` sees it.
pub(crate) fn price(
    conn: &Connection,
    policy: &SalePolicy,
    request: &SaleRequest,
    barcodes: &[ResolvedLine],
) -> StoreResult<Result<PricedBill, SaleRejection>> {
    Ok(load_products(conn, request, barcodes)?
        .and_then(|products| price_bill(&products, policy, request, barcodes)))
}

/// The product of each resolved line as `conn` sees it, or the refusal of
/// the first line whose barcode the catalog does not know.
fn load_products(
    conn: &Connection,
    request: &SaleRequest,
    barcodes: &[ResolvedLine],
) -> StoreResult<Result<Vec<ProductView>, SaleRejection>> {
    let mut products: Vec<ProductView> = Vec::with_capacity(barcodes.len());
    for (i, resolved) in barcodes.iter().enumerate() {
        match product_for_scan(conn, &resolved.lookup, resolved.alternative.as_ref())? {
            Some(p) => {
                if let Some(why) = &p.not_for_sale {
                    return Ok(Err(SaleRejection::invalid(
                        format!("lines[{i}].barcode"),
                        format!("{} is not for sale in this store: {why}", p.name),
                    )));
                }
                products.push(p)
            }
            None => {
                return Ok(Err(SaleRejection::UnknownBarcode {
                    field: format!("lines[{i}].barcode"),
                    barcode: request.lines[i].barcode.trim().to_owned(),
                }))
            }
        }
    }
    Ok(Ok(products))
}

/// Prices `request` as a sale would, in a read transaction that is rolled back.
pub fn quote(
    conn: &mut Connection,
    policy: &SalePolicy,
    request: &SaleRequest,
) -> StoreResult<Result<SaleQuote, SaleRejection>> {
    let barcodes = match resolve_lines(request, policy, &policy.today()) {
        Ok(b) => b,
        Err(rejection) => return Ok(Err(rejection)),
    };
    let tx = conn.transaction()?;
    Ok(price(&tx, policy, request, &barcodes)?.map(|priced| SaleQuote::new(priced, policy)))
}
