//! The returns a GST-registered business files, and the registration they
//! are filed under: a store's GSTIN (set by HQ), and for a GSTIN and month
//! GSTR-1 (the portal's JSON, or one section as the offline tool's CSV),
//! GSTR-3B's outward supplies, and the summary HQ checks against the Z
//! reports before filing. The figures are the tills' own (`domain::gst`).

use super::openapi::{NotFound, Refused};
use super::AppState;
use crate::auth::Hq;
use crate::domain::gst::{self, GstFigures, GstSummary, Gstr1, Gstr3b, ReturnPeriod};
use crate::domain::stores::Store;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pos_shared::gstin::Gstin;
use pos_shared::http::{ApiError, JsonBody, NoBody, PathIds};
use pos_shared::StoreId;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_gstin, clear_gstin))
        .routes(routes!(gstr1))
        .routes(routes!(gstr1_section))
        .routes(routes!(gstr3b))
        .routes(routes!(gst_summary))
        .routes(routes!(sales))
        .routes(routes!(tally))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct GstinBody {
    /// 15 characters with a valid check character, such as `29AAACR5055K1Z5`.
    #[schema(pattern = "^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][0-9A-Z]{3}$")]
    gstin: String,
}

fn parse_gstin(field: &'static str, text: &str) -> Result<Gstin, ApiError> {
    Gstin::parse(text).map_err(|e| ApiError::invalid(field, e.to_string()))
}

/// Sets the GSTIN the store trades under; its sales are reported in that
/// GSTIN's returns. Each bill keeps the GSTIN it was issued under (the
/// store's when it reached the hub; bills from before the store had one take
/// this one), so changing or clearing it leaves filed months as they were.
#[utoipa::path(
    put, path = "/v1/stores/{store_id}/gstin", tag = "reports", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    request_body = GstinBody,
    responses((status = 200, description = "The store with its GSTIN", body = Store), Refused, NotFound)
)]
async fn set_gstin(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(body): JsonBody<GstinBody>,
) -> Result<Json<Store>, ApiError> {
    let gstin = parse_gstin("gstin", &body.gstin)?;
    Ok(Json(
        app.storage
            .set_store_gstin(hq.tenant, store, Some(&gstin))
            .await?,
    ))
}

/// Removes the store's GSTIN: its sales are in no GSTIN's returns.
#[utoipa::path(
    delete, path = "/v1/stores/{store_id}/gstin", tag = "reports", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    responses((status = 200, description = "The store without a GSTIN", body = Store), Refused, NotFound)
)]
async fn clear_gstin(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    _: NoBody,
) -> Result<Json<Store>, ApiError> {
    Ok(Json(
        app.storage.set_store_gstin(hq.tenant, store, None).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ReturnParams {
    /// The registration filed for: the stores HQ gave this GSTIN.
    gstin: String,
    /// The month, `YYYY-MM`, on Indian time.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}$")]
    period: String,
}

/// The GSTIN, period and figures a return is made from. Returns cover every
/// store under a GSTIN, so a credential limited to some stores is refused.
async fn figures(
    app: &AppState,
    hq: &Hq,
    params: Result<Query<ReturnParams>, QueryRejection>,
) -> Result<(Gstin, ReturnPeriod, GstFigures), ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    if hq.grant.limited() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a GST return covers every store under the GSTIN; this credential is limited to some stores",
        ));
    }
    let gstin = parse_gstin("gstin", &params.gstin)?;
    let period = ReturnPeriod::parse(&params.period).map_err(|e| ApiError::invalid("period", e))?;
    let figures = app
        .storage
        .gst_figures(hq.tenant, &gstin, period)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "gstin_not_registered",
                format!("no store of this tenant trades under GSTIN {gstin}: set it with PUT /v1/stores/{{store_id}}/gstin"),
            )
            .with_field("gstin")
        })?;
    Ok((gstin, period, figures))
}

/// GSTR-1 for a GSTIN and month in the GST portal's JSON: B2B, B2C large and
/// small, credit notes (registered and unregistered), nil-rated supplies,
/// the HSN summary (B2B and B2C) and the documents issued. Its schema is
/// `cloud-hub/schemas/gstr1.schema.json`.
#[utoipa::path(
    get, path = "/v1/reports/gstr1", tag = "reports", security(("hq" = [])),
    params(ReturnParams),
    responses((status = 200, description = "GSTR-1 as the portal takes it", body = Gstr1), Refused, NotFound)
)]
async fn gstr1(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<ReturnParams>, QueryRejection>,
) -> Result<Json<Gstr1>, ApiError> {
    let (gstin, period, figures) = figures(&app, &hq, params).await?;
    Ok(Json(gst::gstr1(&gstin, period, &figures)))
}

/// One section of GSTR-1 as the GST offline tool's CSV: `b2b`, `b2cl`,
/// `b2cs`, `cdnr`, `cdnur`, `hsn` or `docs`.
#[utoipa::path(
    get, path = "/v1/reports/gstr1/{section}", tag = "reports", security(("hq" = [])),
    params(("section" = String, Path), ReturnParams),
    responses((status = 200, description = "The section with a header row", content_type = "text/csv", body = String), Refused, NotFound)
)]
async fn gstr1_section(
    State(app): State<AppState>,
    hq: Hq,
    section: Result<Path<String>, PathRejection>,
    params: Result<Query<ReturnParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let section = super::path_text(section).unwrap_or_default();
    if !gst::CSV_SECTIONS.contains(&section.as_str()) {
        return Err(ApiError::not_found(
            "no_such_section",
            format!(
                "GSTR-1 has no CSV section {section:?}; the sections are {}",
                gst::CSV_SECTIONS.join(", ")
            ),
        ));
    }
    let (gstin, period, figures) = figures(&app, &hq, params).await?;
    let report = gst::gstr1(&gstin, period, &figures);
    let body = gst::gstr1_csv(&report, &section)
        .ok_or_else(|| ApiError::internal("a listed GSTR-1 section wrote no CSV"))?;
    Ok(csv_attachment(
        &format!("GSTR1_{}_{}_{section}.csv", gstin, period.fp()),
        body,
    ))
}

/// A CSV answer a browser saves as `name`.
fn csv_attachment(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// GSTR-3B's outward supplies for a GSTIN and month (tables 3.1 and 3.2), in
/// the portal's JSON, net of credit notes.
#[utoipa::path(
    get, path = "/v1/reports/gstr3b", tag = "reports", security(("hq" = [])),
    params(ReturnParams),
    responses((status = 200, description = "GSTR-3B's outward figures", body = Gstr3b), Refused, NotFound)
)]
async fn gstr3b(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<ReturnParams>, QueryRejection>,
) -> Result<Json<Gstr3b>, ApiError> {
    let (gstin, period, figures) = figures(&app, &hq, params).await?;
    Ok(Json(gst::gstr3b(&gstin, period, &figures)))
}

/// The month's tax by rate (net of credit notes, in paise), the documents
/// counted, and what no return carries (lines of items without a tax class,
/// lines without an HSN code): what HQ checks against the Z reports before
/// filing.
#[utoipa::path(
    get, path = "/v1/reports/gst-summary", tag = "reports", security(("hq" = [])),
    params(ReturnParams),
    responses((status = 200, description = "The month's GST by rate", body = GstSummary), Refused, NotFound)
)]
async fn gst_summary(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<ReturnParams>, QueryRejection>,
) -> Result<Json<GstSummary>, ApiError> {
    let (gstin, period, figures) = figures(&app, &hq, params).await?;
    // What tills last said they hold, written first so it is this process's latest.
    app.terminal_reports.flush(&app.storage).await?;
    let end = pos_shared::Timestamp::from_unix_millis(period.bounds_ms().1);
    let mut unsent = Vec::new();
    for store in app.storage.stores(hq.tenant).await? {
        if store.gstin.as_deref() != Some(gstin.as_str()) {
            continue;
        }
        for t in app.storage.terminals(hq.tenant, store.id).await? {
            let (queue_depth, quarantined) =
                (t.queue_depth.unwrap_or(0), t.quarantined.unwrap_or(0));
            let before_end = t.oldest_unsent_at.is_none_or(|at| at < end);
            if (queue_depth > 0 && before_end) || quarantined > 0 {
                unsent.push(gst::UnsentAtTill {
                    store_id: store.id,
                    terminal_id: t.terminal.id,
                    terminal_name: t.terminal.name,
                    queue_depth,
                    quarantined,
                    oldest_unsent_at: t.oldest_unsent_at,
                    last_seen_at: t.last_seen_at,
                });
            }
        }
    }
    let now = pos_shared::Timestamp::now().unix_millis();
    Ok(Json(gst::summary(&gstin, period, &figures, unsent, now)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SalesParams {
    /// The first day, `YYYY-MM-DD` (Indian time).
    from: String,
    /// The last day, included; at most 366 days after `from`.
    to: String,
    /// `day`, `hour`, `store`, `cashier`, `tender` or `category`.
    by: String,
    /// One store only (required for a credential limited to some stores).
    store_id: Option<StoreId>,
    /// `json` (the default) or `csv`.
    format: Option<String>,
}

/// What the tills sold and took back over a range of days, by day, hour of
/// day, store, cashier, tender or category: bills and returns, their value
/// (GST included), the net and the GST in it, with a total row. From the
/// same documents as the GST returns.
#[utoipa::path(
    get, path = "/v1/reports/sales", operation_id = "sales_report", tag = "reports", security(("hq" = [])),
    params(SalesParams),
    responses(
        (status = 200, description = "The report; with format=csv, the same rows as CSV", content(
            (crate::domain::sales_report::SalesReport = "application/json"),
            (String = "text/csv")
        )),
        Refused, NotFound
    )
)]
async fn sales(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<SalesParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    use crate::domain::sales_report::{self as report, SalesBy};
    let Query(p) = params.map_err(super::query_error)?;
    let by = SalesBy::parse(p.by.trim()).ok_or_else(|| {
        let names: Vec<&str> = SalesBy::ALL.iter().map(|(n, _)| *n).collect();
        ApiError::invalid(
            "by",
            format!("by {:?} is not one of {}", p.by, names.join(", ")),
        )
    })?;
    let csv = match p.format.as_deref().map(str::trim) {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "format",
                format!("format {other:?} is json or csv"),
            ))
        }
    };
    let (from, to, from_ms, to_ms) = report_range(&app, &hq, &p.from, &p.to, p.store_id).await?;
    let rows = app
        .storage
        .sales_by(hq.tenant, p.store_id, from_ms, to_ms, by)
        .await?;
    // The range's bills as the day view counts them, for the total.
    let days = match by {
        SalesBy::Day => rows.clone(),
        _ => {
            app.storage
                .sales_by(hq.tenant, p.store_id, from_ms, to_ms, SalesBy::Day)
                .await?
        }
    };
    let mut documents = report::SalesSums::default();
    for (_, _, s) in &days {
        documents.bills += s.bills;
        documents.returns += s.returns;
        documents.sales_minor += s.sales_minor;
        documents.returns_minor += s.returns_minor;
        documents.tax_minor += s.tax_minor;
    }
    let built = report::report(from, to, by, p.store_id, rows, &documents);
    if csv {
        let name = format!("sales_by_{}_{}_{}.csv", built.by, built.from, built.to);
        return Ok(csv_attachment(&name, report::csv(&built)));
    }
    Ok(Json(built).into_response())
}

/// A report's days, `from` to `to` inclusive (at most 366, Indian time), as
/// day numbers and the instants that bound them; the store asked for, which
/// a credential limited to some stores must name and reach.
async fn report_range(
    app: &AppState,
    hq: &Hq,
    from: &str,
    to: &str,
    store: Option<StoreId>,
) -> Result<(i64, i64, i64, i64), ApiError> {
    use crate::domain::sales_report as report;
    let from_day =
        report::day_number("from", from.trim()).map_err(|e| ApiError::invalid("from", e))?;
    let to_day = report::day_number("to", to.trim()).map_err(|e| ApiError::invalid("to", e))?;
    if to_day < from_day {
        return Err(ApiError::invalid(
            "to",
            format!("to {to} is before from {from}"),
        ));
    }
    if to_day - from_day > 365 {
        return Err(ApiError::invalid("to", "a report covers at most 366 days"));
    }
    match store {
        Some(store) => {
            app.storage.store(hq.tenant, store).await?;
            hq.check_store(store)?;
        }
        None if hq.grant.limited() => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this credential is limited to some stores: ask for one with store_id",
            )
            .with_field("store_id"));
        }
        None => {}
    }
    let day_ms = 86_400_000i64;
    let ist_ms = i64::from(gst::IST_OFFSET_SECONDS) * 1000;
    Ok((
        from_day,
        to_day,
        from_day * day_ms - ist_ms,
        (to_day + 1) * day_ms - ist_ms,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DayBookParams {
    /// The first day, `YYYY-MM-DD` (Indian time).
    from: String,
    /// The last day, included; at most 366 days after `from`.
    to: String,
    /// One store only (required for a credential limited to some stores).
    store_id: Option<StoreId>,
}

/// The day book as Tally imports it (XML, `Import Data` of vouchers): per
/// store and day one sales voucher, its tenders debited and its sales by
/// GST rate and the output CGST, SGST and IGST credited (cash rounding to
/// round off), one credit note for the day's returns, and one receipt for
/// the day's payments against dues. Sales and credit notes come from the
/// same documents as the GST returns and the sales report, to the paisa.
#[utoipa::path(
    get, path = "/v1/reports/tally", tag = "reports", security(("hq" = [])),
    params(DayBookParams),
    responses((status = 200, description = "Tally's XML import envelope", content_type = "application/xml", body = String), Refused, NotFound)
)]
async fn tally(
    State(app): State<AppState>,
    hq: Hq,
    params: Result<Query<DayBookParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(super::query_error)?;
    let (from, to, from_ms, to_ms) = report_range(&app, &hq, &p.from, &p.to, p.store_id).await?;
    let days = app
        .storage
        .day_book(hq.tenant, p.store_id, from_ms, to_ms)
        .await?;
    let name = format!(
        "day_book_{}_{}.xml",
        crate::domain::sales_report::day_text(from),
        crate::domain::sales_report::day_text(to)
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/xml; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        crate::domain::tally::xml(&days),
    )
        .into_response())
}
