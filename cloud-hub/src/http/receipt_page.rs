//! `GET /r/{key}`: a customer's e-receipt, the page the link in their
//! WhatsApp or SMS message opens. No credential: the key the till minted with
//! the sale is the capability (128 random bits), and the hub looks it up by
//! its hash ([`crate::domain::receipt_links`]). The page is plain, accessible
//! HTML built from the sale fact's own figures, the same the printed receipt
//! shows (GST by rate through [`pos_shared::tax::tax_summary`]); nothing is
//! computed afresh.

use super::AppState;
use crate::domain::receipt_links::{key_hash, LinkedReceipt};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use pos_shared::sale::receipt_key_is_well_formed;
use pos_shared::Money;
use std::fmt::Write;

pub fn routes() -> Router<AppState> {
    Router::new().route("/r/{key}", get(receipt_page))
}

/// The receipt's time is shown in India's zone, as the till prints it by
/// default; the offset is said beside it.
const SHOWN_OFFSET_MINUTES: i32 = 330;

async fn receipt_page(State(app): State<AppState>, Path(key): Path<String>) -> Response {
    // A malformed key cannot be any sale's: no lookup at all.
    let found = match receipt_key_is_well_formed(&key) {
        true => app.storage.receipt_by_link(&key_hash(&key)).await,
        false => Ok(None),
    };
    match found {
        Ok(Some(receipt)) => html(StatusCode::OK, &render(&receipt)),
        Ok(None) => html(
            StatusCode::NOT_FOUND,
            &page(
                "Receipt not found",
                "<h1>Receipt not found</h1>\n<p>This receipt is not at the store's server yet \
                 — it arrives when the till is back online. Please try the link again later.</p>\n",
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a receipt by its link");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                &page(
                    "Receipt unavailable",
                    "<h1>Receipt unavailable</h1>\n<p>The store's server could not read this \
                     receipt just now. Please try the link again in a few minutes.</p>\n",
                ),
            )
        }
    }
}

fn html(status: StatusCode, body: &str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // A receipt is the customer's own: not cached by anyone between.
            (header::CACHE_CONTROL, "no-store"),
            (
                header::HeaderName::from_static("referrer-policy"),
                "no-referrer",
            ),
        ],
        body.to_owned(),
    )
        .into_response()
}

fn page(title: &str, main: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{}</title>\n\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:1rem auto;padding:0 1rem;line-height:1.4}}\
         table{{width:100%;border-collapse:collapse}}th,td{{padding:.25rem;text-align:left}}\
         td.n,th.n{{text-align:right}}caption{{text-align:left;font-weight:bold;padding:.5rem 0}}</style>\n\
         </head>\n<body>\n<main>\n{main}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

/// The receipt as HTML, every figure from the fact.
fn render(r: &LinkedReceipt) -> String {
    let sale = &r.sale;
    let mut m = String::new();
    let _ = write!(
        m,
        "<h1>{}</h1>\n<p>Receipt <strong>{}</strong><br>{}</p>\n",
        escape(&r.store_name),
        escape(&sale.receipt_no),
        local_time(sale.occurred_at.unix_millis()),
    );
    m.push_str(
        "<table>\n<caption>Items</caption>\n<thead><tr><th scope=\"col\">Item</th>\
         <th scope=\"col\" class=\"n\">Qty</th><th scope=\"col\" class=\"n\">Price</th>\
         <th scope=\"col\" class=\"n\">Amount</th></tr></thead>\n<tbody>\n",
    );
    for line in &sale.lines {
        let _ = writeln!(
            m,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&line.name),
            line.qty,
            money(line.unit_price),
            money(line.line_total),
        );
        if let Some(d) = &line.discount {
            let _ = writeln!(
                m,
                "<tr><td colspan=\"3\">Discount: {}</td><td class=\"n\">-{}</td></tr>",
                escape(&d.reason),
                money(d.amount),
            );
        }
    }
    m.push_str("</tbody>\n</table>\n");
    let cur = sale.total.currency();
    let gst = pos_shared::tax::tax_summary(sale.lines.iter().filter_map(|l| l.tax.as_ref()), cur);
    if !gst.is_empty() {
        m.push_str(
            "<table>\n<caption>GST</caption>\n<thead><tr><th scope=\"col\">Rate</th>\
             <th scope=\"col\" class=\"n\">Taxable</th><th scope=\"col\" class=\"n\">CGST</th>\
             <th scope=\"col\" class=\"n\">SGST</th><th scope=\"col\" class=\"n\">IGST</th></tr></thead>\n<tbody>\n",
        );
        for row in &gst {
            let _ = writeln!(
                m,
                "<tr><td>{}%</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&row.rate),
                money(row.taxable),
                money(row.cgst),
                money(row.sgst),
                money(row.igst),
            );
        }
        m.push_str("</tbody>\n</table>\n");
    }
    m.push_str("<dl>\n");
    if let Some(rounding) = sale.rounding {
        let _ = writeln!(m, "<dt>Rounding</dt><dd>{}</dd>", money(rounding));
    }
    let _ = writeln!(
        m,
        "<dt>Total</dt><dd><strong>{}</strong></dd>",
        money(sale.total)
    );
    for t in &sale.tenders {
        let _ = writeln!(
            m,
            "<dt>Paid by {}</dt><dd>{}</dd>",
            t.method.label(),
            money(t.amount)
        );
    }
    if sale.change_due.minor() != 0 {
        let _ = writeln!(m, "<dt>Change</dt><dd>{}</dd>", money(sale.change_due));
    }
    m.push_str("</dl>\n");
    page(
        &format!("Receipt {} — {}", sale.receipt_no, r.store_name),
        &m,
    )
}

/// `₹1,234.50` for rupees, as the customer reads it; other currencies by code.
fn money(m: Money) -> String {
    let text = m.to_string();
    match text.strip_prefix("INR ") {
        Some(amount) => format!("₹{amount}"),
        None => text,
    }
}

/// `2026-12-03 14:05 (UTC+05:30)`.
fn local_time(ms: i64) -> String {
    let at = pos_shared::Timestamp::from_unix_millis(ms);
    let minutes = (ms.div_euclid(60_000) + i64::from(SHOWN_OFFSET_MINUTES)).rem_euclid(1440);
    format!(
        "{} {:02}:{:02} (UTC+05:30)",
        at.local_date(SHOWN_OFFSET_MINUTES),
        minutes / 60,
        minutes % 60
    )
}

/// Text made safe inside HTML elements and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped_and_times_shown_in_india() {
        assert_eq!(super::escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
        // 2026-01-01T00:00Z is 05:30 in India.
        assert_eq!(
            super::local_time(1_767_225_600_000),
            "2026-01-01 05:30 (UTC+05:30)"
        );
    }
}
