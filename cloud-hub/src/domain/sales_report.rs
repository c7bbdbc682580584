//! Sales reports for HQ and the accountant: what the tills sold over a range
//! of days on Indian time, by day, hour of day, store, cashier, tender or
//! category, read from the tax documents the hub keeps of every sale and
//! return (`domain::gst`): sales and returns apart, their net, and the GST
//! in it, to the paisa; and the margin on what was sold where its cost is
//! known: the chain's latest cost of the item, from the latest supplier
//! bill that charged for it, else the latest purchase order that priced it
//! (costs before GST, whose input tax is credited, against the net before
//! GST).

use serde::Serialize;
use uuid::Uuid;

/// What a report's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SalesBy {
    Day,
    Hour,
    Store,
    Cashier,
    Tender,
    Category,
}

impl SalesBy {
    pub const ALL: [(&'static str, SalesBy); 6] = [
        ("day", SalesBy::Day),
        ("hour", SalesBy::Hour),
        ("store", SalesBy::Store),
        ("cashier", SalesBy::Cashier),
        ("tender", SalesBy::Tender),
        ("category", SalesBy::Category),
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == text).map(|(_, b)| *b)
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, b)| *b == self)
            .map(|(n, _)| *n)
            .unwrap_or("day")
    }
}

/// A row's key as the storage groups it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SalesKey {
    /// Days since the epoch on Indian time, or the hour of day (0–23).
    Number(i64),
    /// A store, cashier or category (`None`: returns have no cashier, items
    /// no category).
    Id(Option<Uuid>),
    /// A tender method.
    Text(String),
}

/// What one row's documents add up to, as the storage sums them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesSums {
    pub bills: i64,
    pub returns: i64,
    pub sales_minor: i64,
    pub returns_minor: i64,
    pub tax_minor: i64,
    /// Net before GST of every line, and of the lines whose cost is known.
    pub taxable_minor: i64,
    pub costed_taxable_minor: i64,
    /// The cost of the costed lines, in thousandths of a paisa (quantities
    /// are in thousandths), rounded once per row.
    pub cost_milli: i64,
}

/// A row of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SalesRow {
    /// The day (`2026-11-05`), hour (`09`), method (`cash`), or the id of
    /// the store, cashier or category (empty: none).
    pub key: String,
    /// What HQ reads: the date, `09:00–10:00`, the store's code and name,
    /// the cashier's or category's name.
    pub label: String,
    /// Sales counted (bills; for tenders, payments; for categories, bills
    /// with the category).
    pub bills: i64,
    pub returns: i64,
    /// What the customers paid (GST included, before cash rounding).
    pub sales_minor: i64,
    pub returns_minor: i64,
    pub net_minor: i64,
    /// GST in the net (sales' less returns'); absent by tender, as a
    /// payment is not split by rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_minor: Option<i64>,
    /// What was sold less returned before GST, and the margin on it where
    /// the cost is known; absent by tender, as a payment holds no items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin: Option<Margin>,
}

/// The margin on a row's items (before GST), where their cost is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Margin {
    /// The row's net before GST.
    pub taxable_minor: i64,
    /// The part of it whose items' cost is known.
    pub costed_minor: i64,
    /// What those items cost.
    pub cost_minor: i64,
    /// `costed_minor − cost_minor`.
    pub margin_minor: i64,
    /// The margin as a share of `costed_minor`, in basis points (2,500 is
    /// 25%); absent when nothing costed was sold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin_bp: Option<i64>,
}

impl Margin {
    fn of(s: &SalesSums) -> Margin {
        // Half away from zero, as money is rounded everywhere else.
        let cost = (s.cost_milli + s.cost_milli.signum() * 500) / 1000;
        let margin = s.costed_taxable_minor - cost;
        Margin {
            taxable_minor: s.taxable_minor,
            costed_minor: s.costed_taxable_minor,
            cost_minor: cost,
            margin_minor: margin,
            margin_bp: (s.costed_taxable_minor != 0)
                .then(|| (i128::from(margin) * 10_000 / i128::from(s.costed_taxable_minor)) as i64),
        }
    }
}

/// The report: its range, rows by key, and their total.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SalesReport {
    pub from: String,
    pub to: String,
    pub by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_id: Option<pos_shared::StoreId>,
    pub rows: Vec<SalesRow>,
    pub total: SalesRow,
}

/// A date as days since the epoch, from `YYYY-MM-DD`; the error names it.
pub fn day_number(field: &str, text: &str) -> Result<i64, String> {
    let bad = || format!("{field} {text:?} is not a date such as 2026-11-05");
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts[..] else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (y, m, d) = (
        y.parse::<i32>().map_err(|_| bad())?,
        m.parse::<u8>().map_err(|_| bad())?,
        d.parse::<u8>().map_err(|_| bad())?,
    );
    let month = time::Month::try_from(m).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(y, month, d).map_err(|_| bad())?;
    Ok(i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY)
}

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// `YYYY-MM-DD` of a day number.
pub fn day_text(day: i64) -> String {
    i32::try_from(UNIX_EPOCH_JULIAN_DAY + day)
        .ok()
        .and_then(|j| time::Date::from_julian_day(j).ok())
        .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
        .unwrap_or_default()
}

/// The rows in key order, labelled, with their total. `documents` are the
/// range's bills, returns, values and GST as the day view sums them: the
/// total's counts and GST come from them (a bill paid two ways, or holding
/// two categories, is still one bill), and by tender a row of cash rounding
/// makes what the methods took add up to what the bills came to.
pub fn report(
    from: i64,
    to: i64,
    by: SalesBy,
    store_id: Option<pos_shared::StoreId>,
    rows: Vec<(SalesKey, String, SalesSums)>,
    documents: &SalesSums,
) -> SalesReport {
    let mut total = SalesSums::default();
    let mut out: Vec<SalesRow> = Vec::with_capacity(rows.len());
    let mut rows = rows;
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, label, s) in rows {
        total.bills += s.bills;
        total.returns += s.returns;
        total.sales_minor += s.sales_minor;
        total.returns_minor += s.returns_minor;
        total.tax_minor += s.tax_minor;
        total.taxable_minor += s.taxable_minor;
        total.costed_taxable_minor += s.costed_taxable_minor;
        total.cost_milli += s.cost_milli;
        let key_text = match &key {
            SalesKey::Number(n) if by == SalesBy::Day => day_text(*n),
            SalesKey::Number(n) => format!("{n:02}"),
            SalesKey::Id(id) => id.map(|u| u.to_string()).unwrap_or_default(),
            SalesKey::Text(t) => t.clone(),
        };
        let label = match &key {
            SalesKey::Number(n) if by == SalesBy::Day => day_text(*n),
            SalesKey::Number(n) => format!("{n:02}:00-{:02}:00", (n + 1) % 24),
            SalesKey::Text(method) if by == SalesBy::Tender => match method.as_str() {
                "cash" => "Cash".to_owned(),
                "card" => "Card".to_owned(),
                "upi" => "UPI".to_owned(),
                "credit" => "On account".to_owned(),
                "points" => "Points".to_owned(),
                other => other.to_owned(),
            },
            _ if label.is_empty() => match by {
                SalesBy::Cashier => "(none named: returns, or a till without sign-in)".to_owned(),
                SalesBy::Category => "(no category)".to_owned(),
                _ => label,
            },
            _ => label,
        };
        out.push(row(key_text, label, &s, by != SalesBy::Tender));
    }
    // Every row's items are the range's items once (by tender, none).
    let items = by != SalesBy::Tender;
    if by == SalesBy::Tender {
        let rounding = SalesSums {
            sales_minor: documents.sales_minor - total.sales_minor,
            returns_minor: documents.returns_minor - total.returns_minor,
            ..SalesSums::default()
        };
        if rounding != SalesSums::default() {
            total.sales_minor += rounding.sales_minor;
            total.returns_minor += rounding.returns_minor;
            out.push(row(
                "rounding".into(),
                "Cash rounding (bills less what was taken)".into(),
                &rounding,
                false,
            ));
        }
    }
    total.bills = documents.bills;
    total.returns = documents.returns;
    total.tax_minor = documents.tax_minor;
    SalesReport {
        from: day_text(from),
        to: day_text(to),
        by: by.as_str().to_owned(),
        store_id,
        rows: out,
        total: SalesRow {
            margin: items.then(|| Margin::of(&total)),
            ..row("total".into(), "Total".into(), &total, true)
        },
    }
}

fn row(key: String, label: String, s: &SalesSums, with_tax: bool) -> SalesRow {
    SalesRow {
        key,
        label,
        bills: s.bills,
        returns: s.returns,
        sales_minor: s.sales_minor,
        returns_minor: s.returns_minor,
        net_minor: s.sales_minor - s.returns_minor,
        tax_minor: with_tax.then_some(s.tax_minor),
        margin: with_tax.then(|| Margin::of(s)),
    }
}

/// The report as CSV: a heading row, a row per key, the total; amounts in
/// rupees to the paisa.
pub fn csv(report: &SalesReport) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let rupees = |m: i64| {
        let sign = if m < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", m.abs() / 100, m.abs() % 100)
    };
    let _ = out.write_record([
        report.by.as_str(),
        "label",
        "bills",
        "returns",
        "sales",
        "returns_value",
        "net",
        "gst",
        "net_before_gst",
        "costed",
        "cost",
        "margin",
        "margin_percent",
    ]);
    for r in report.rows.iter().chain(std::iter::once(&report.total)) {
        let _ = out.write_record([
            r.key.clone(),
            r.label.clone(),
            r.bills.to_string(),
            r.returns.to_string(),
            rupees(r.sales_minor),
            rupees(r.returns_minor),
            rupees(r.net_minor),
            r.tax_minor.map(rupees).unwrap_or_default(),
            r.margin
                .as_ref()
                .map(|m| rupees(m.taxable_minor))
                .unwrap_or_default(),
            r.margin
                .as_ref()
                .map(|m| rupees(m.costed_minor))
                .unwrap_or_default(),
            r.margin
                .as_ref()
                .map(|m| rupees(m.cost_minor))
                .unwrap_or_default(),
            r.margin
                .as_ref()
                .map(|m| rupees(m.margin_minor))
                .unwrap_or_default(),
            r.margin
                .as_ref()
                .and_then(|m| m.margin_bp)
                .map(rupees)
                .unwrap_or_default(),
        ]);
    }
    out.into_inner()
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_numbered_from_the_epoch() {
        assert_eq!(day_number("from", "1970-01-01"), Ok(0));
        let nov_5 = day_number("from", "2026-11-05").unwrap();
        assert_eq!(day_text(nov_5), "2026-11-05");
        // 5 November 2026 00:00 IST, as the storage numbers days.
        let ms: i64 = 1_793_471_400_000 + 4 * 86_400_000;
        assert_eq!((ms + 19_800_000) / 86_400_000, nov_5);
        assert!(day_number("to", "2026-02-30").is_err());
        assert!(day_number("to", "5/11/2026")
            .unwrap_err()
            .starts_with("to "));
    }
}
