//! The HQ API: stores, terminals, products, prices, stock and sales of one tenant.
//!
//! Every handler takes [`Hq`], so every query is scoped by the caller's tenant; an
//! id from another tenant is simply not found.

use super::openapi::{Conflict, NotFound, Refused};
use super::paging::{PageParams, Paged, SkuList};
use super::{required_text, AppState};
use crate::auth::{hash_secret, new_enrollment_code, normalize_code, Hq};
use crate::domain::catalog::{NewProduct, NewVariant, Product};
use crate::domain::ledger::{Position, SaleSummary};
use crate::domain::stores::{NewStore, NewTerminal, Store, Terminal, TerminalStatus};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::http::{NoBody, PathIds};
use pos_shared::sync::{MovementRecord, VariantRecord};
use pos_shared::{Currency, Gtin, Money, ProductId, StoreId, TerminalId, VariantId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stores, create_store))
        .routes(routes!(get_store))
        .routes(routes!(terminals, create_terminal))
        .routes(routes!(revoke_terminal))
        .routes(routes!(inventory))
        .routes(routes!(movements))
        .routes(routes!(sales))
        .routes(routes!(shifts))
        .routes(routes!(audit_log))
        .routes(routes!(document))
        .routes(routes!(create_product))
        .routes(routes!(set_price))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewStoreBody {
    #[schema(min_length = 1, max_length = 40, pattern = "\\S")]
    code: String,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    /// The tenant's currency (the default); a store in another is refused.
    #[serde(default)]
    currency: Option<Currency>,
    /// `store` (default) or `dark_store`.
    #[serde(default)]
    kind: crate::domain::stores::StoreKind,
}

/// Opens a store or dark store (owner only); codes are unique in the tenant.
#[utoipa::path(
    post, path = "/v1/stores", tag = "stores", security(("hq" = [])),
    request_body = NewStoreBody,
    responses((status = 201, description = "Created", body = Store), Refused, Conflict)
)]
async fn create_store(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<NewStoreBody>,
) -> Result<(StatusCode, Json<Store>), ApiError> {
    let currency = super::tenant_currency(&app, hq.tenant).await?;
    if body.currency.is_some_and(|c| c != currency) {
        return Err(ApiError::invalid(
            "currency",
            format!("this tenant sells in {currency}; its stores do too"),
        ));
    }
    let store = NewStore {
        code: required_text("code", &body.code, 40)?,
        name: required_text("name", &body.name, 200)?,
        currency,
        kind: body.kind,
    };
    let store = app.storage.create_store(hq.tenant, &store).await?;
    Ok((StatusCode::CREATED, Json(store)))
}

/// The stores this key reaches, by code.
#[utoipa::path(
    get, path = "/v1/stores", tag = "stores", security(("hq" = [])),
    responses((status = 200, description = "OK", body = Vec<Store>), Refused)
)]
async fn list_stores(State(app): State<AppState>, hq: Hq) -> Result<Json<Vec<Store>>, ApiError> {
    let mut stores = app.storage.stores(hq.tenant).await?;
    stores.retain(|s| hq.grant.reaches(s.id));
    Ok(Json(stores))
}

/// One store and its status.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    responses((status = 200, description = "OK", body = Store), Refused, NotFound)
)]
async fn get_store(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
) -> Result<Json<Store>, ApiError> {
    Ok(Json(app.storage.store(hq.tenant, store).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewTerminalBody {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    /// Up to 9 letters and digits (spaces around them are dropped): a
    /// receipt number is the prefix, `-` and six digits, and a GST invoice
    /// number may be at most 16 characters.
    #[schema(pattern = "^\\s*[A-Za-z0-9]{1,9}\\s*$")]
    receipt_prefix: String,
    /// Only to make again a terminal this hub lost (its database restored
    /// from a copy older than the terminal): its id, so the till enrolled
    /// as it enrolls again with the new code and keeps its identity, its
    /// receipts and its queued sales. A terminal the hub knows is a 409.
    terminal_id: Option<TerminalId>,
}

#[derive(Serialize, ToSchema)]
struct CreatedTerminal {
    #[serde(flatten)]
    terminal: Terminal,
    /// One-time code the till exchanges for its credential; shown once.
    enrollment_code: String,
}

/// Registers a till; the answer holds its one-time enrollment code.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/terminals", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    request_body = NewTerminalBody,
    responses((status = 201, description = "Created", body = CreatedTerminal), Refused, NotFound, Conflict)
)]
async fn create_terminal(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(body): JsonBody<NewTerminalBody>,
) -> Result<(StatusCode, Json<CreatedTerminal>), ApiError> {
    let prefix = required_text("receipt_prefix", &body.receipt_prefix, 9)?;
    if !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::invalid(
            "receipt_prefix",
            "receipt_prefix may hold only letters and digits",
        ));
    }
    let terminal = NewTerminal {
        name: required_text("name", &body.name, 100)?,
        receipt_prefix: prefix.to_ascii_uppercase(),
        id: body.terminal_id,
    };
    let code = new_enrollment_code();
    let terminal = app
        .storage
        .create_terminal(
            hq.tenant,
            store,
            &terminal,
            &hash_secret(&normalize_code(&code)),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTerminal {
            terminal,
            enrollment_code: code,
        }),
    ))
}

/// The store's terminals with their sync status: last seen, cursor lag, queue.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/terminals", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    responses((status = 200, description = "OK", body = Vec<Terminal>), Refused, NotFound)
)]
async fn terminals(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
) -> Result<Json<Vec<TerminalStatus>>, ApiError> {
    // What this process heard is written first, so the view is never behind it.
    app.terminal_reports.flush(&app.storage).await?;
    Ok(Json(app.storage.terminals(hq.tenant, store).await?))
}

/// Withdraws a lost or stolen till's credential. Its queued sales stay on the
/// till; re-enroll it with a new code to send them.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/terminals/{terminal_id}/revoke", tag = "stores", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("terminal_id" = TerminalId, Path)),
    responses((status = 204, description = "Revoked"), Refused, NotFound)
)]
async fn revoke_terminal(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, terminal)): PathIds<(StoreId, TerminalId)>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    let at = app
        .storage
        .revoke_terminal(hq.tenant, store, terminal)
        .await?;
    // Its feed request waiting here ends now; elsewhere, at the next look.
    app.feed_waker.revoked(hq.tenant, store, terminal, at);
    tracing::info!(%terminal, "terminal credential revoked");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewVariantBody {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: Option<String>,
    #[schema(min_length = 1, max_length = 64, pattern = "\\S")]
    sku: String,
    /// Left out, the hub gives the variant the tenant's next in-store EAN-13
    /// (see `PUT /v1/settings/in-store-barcodes`).
    #[serde(default)]
    barcode: Option<Gtin>,
    price: Money,
    #[serde(default)]
    tax: Option<pos_shared::tax::TaxClass>,
    #[serde(default)]
    modifiers: Vec<pos_shared::modifiers::ModifierGroup>,
    /// Barcodes besides `barcode`.
    #[serde(default)]
    barcodes: Vec<Gtin>,
    /// Its key on its category's quick-key grid.
    #[serde(default)]
    #[schema(maximum = 65535)]
    quick_key: Option<u16>,
    /// `each` (the default) or the measure it is sold loose by (`kg`, `l`, …).
    #[serde(default)]
    unit: pos_shared::item::Unit,
    /// What one unit holds, such as `{"size": "250", "unit": "g"}`.
    #[serde(default)]
    pack: Option<pos_shared::item::Pack>,
    #[serde(default)]
    image_urls: Vec<String>,
    /// Anything else worth knowing, as a JSON object.
    #[serde(default)]
    #[schema(value_type = Object)]
    attributes: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewProductBody {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    #[serde(default)]
    brand_id: Option<pos_shared::BrandId>,
    #[serde(default)]
    category_id: Option<pos_shared::CategoryId>,
    /// Other names shoppers ask for it by.
    #[serde(default)]
    synonyms: Vec<String>,
    #[schema(min_items = 1)]
    variants: Vec<NewVariantBody>,
}

/// Creates a product with its variants, barcodes and base prices.
#[utoipa::path(
    post, path = "/v1/products", tag = "catalog", security(("hq" = [])),
    request_body = NewProductBody,
    responses((status = 201, description = "Created", body = Product), Refused, NotFound, Conflict)
)]
async fn create_product(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<NewProductBody>,
) -> Result<(StatusCode, Json<Product>), ApiError> {
    let name = required_text("name", &body.name, 200)?;
    if body.variants.is_empty() {
        return Err(ApiError::invalid(
            "variants",
            "a product needs at least one variant",
        ));
    }
    let currency = super::tenant_currency(&app, hq.tenant).await?;
    let mut variants = Vec::with_capacity(body.variants.len());
    for (i, v) in body.variants.into_iter().enumerate() {
        super::check_price(&format!("variants[{i}].price"), v.price, currency)?;
        if let Some(tax) = &v.tax {
            tax.validate()
                .map_err(|(f, m)| ApiError::invalid(format!("variants[{i}].tax.{f}"), m))?;
        }
        pos_shared::modifiers::validate_groups(&v.modifiers, v.price).map_err(|(at, detail)| {
            ApiError::invalid(format!("variants[{i}].modifiers{at}"), detail)
        })?;
        super::check_modifier_prices(&format!("variants[{i}].modifiers"), &v.modifiers, currency)?;
        let placement = pos_shared::catalog::Placement {
            synonyms: body.synonyms.clone(),
            extra_barcodes: v.barcodes,
            quick_key: v.quick_key,
            ..Default::default()
        };
        // An in-store barcode, given later, is never among the extras: those
        // claim codes of their own, and an in-store code is a free one.
        let primary = v
            .barcode
            .clone()
            .unwrap_or_else(|| Gtin::parse("0000000000000").expect("a valid GTIN"));
        placement.validate(&primary).map_err(|(at, detail)| {
            // Synonyms belong to the product, barcodes to the variant.
            let field = if at.starts_with("synonyms") {
                at
            } else {
                format!("variants[{i}].{at}")
            };
            ApiError::invalid(field, detail)
        })?;
        let details = pos_shared::item::ItemDetails {
            unit: v.unit,
            pack: v.pack,
            image_urls: v.image_urls,
            attributes: v.attributes,
        };
        details
            .validate()
            .map_err(|(at, detail)| ApiError::invalid(format!("variants[{i}].{at}"), detail))?;
        let variant_name = match v.name {
            Some(n) => required_text("name", &n, 200)
                .map_err(|e| e.with_field(format!("variants[{i}].name")))?,
            None => name.clone(),
        };
        variants.push(NewVariant {
            name: variant_name,
            sku: required_text("sku", &v.sku, 64)
                .map_err(|e| e.with_field(format!("variants[{i}].sku")))?,
            barcode: v.barcode,
            price: v.price,
            tax: v.tax,
            modifiers: v.modifiers,
            extra_barcodes: placement.extra_barcodes,
            quick_key: placement.quick_key,
            details,
        });
    }
    let product = NewProduct {
        id: ProductId::new(),
        name,
        brand: body.brand_id,
        category: body.category_id,
        synonyms: body.synonyms.iter().map(|s| s.trim().to_owned()).collect(),
        variants,
    };
    let product = app.storage.create_product(hq.tenant, &product).await?;
    Ok((StatusCode::CREATED, Json(product)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PriceBody {
    price: Money,
}

/// Sets a variant's base price (the price when no window applies), in the
/// tenant's currency and at most the largest price.
#[utoipa::path(
    put, path = "/v1/variants/{variant_id}/price", tag = "prices", security(("hq" = [])),
    params(("variant_id" = VariantId, Path)),
    request_body = PriceBody,
    responses((status = 200, description = "OK", body = VariantRecord), Refused, NotFound)
)]
async fn set_price(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(variant): PathIds<VariantId>,
    JsonBody(body): JsonBody<PriceBody>,
) -> Result<Json<VariantRecord>, ApiError> {
    let currency = super::tenant_currency(&app, hq.tenant).await?;
    super::check_price("price", body.price, currency)?;
    Ok(Json(
        app.storage
            .set_price(hq.tenant, variant, body.price)
            .await?,
    ))
}

#[derive(Serialize, ToSchema)]
struct Inventory {
    store_id: StoreId,
    /// In SKU order.
    positions: Vec<Position>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// Each variant's position at the store, a page at a time in SKU order: on
/// hand, reserved, available, listing and orderability with its reasons.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/inventory", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PageParams),
    responses((status = 200, description = "OK", body = Inventory), Refused, NotFound)
)]
async fn inventory(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Inventory>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    // The stock half of the catalog view, read by the same one query.
    let view = app
        .storage
        .catalog_view(
            hq.tenant,
            store,
            pos_shared::pricing::POS_CHANNEL,
            pos_shared::Timestamp::now(),
            params.sku_page(SkuList::Inventory)?,
        )
        .await?;
    Ok(Json(Inventory {
        store_id: store,
        positions: view.items.into_iter().map(Position::from).collect(),
        next_cursor: SkuList::Inventory.cursor(view.next_cursor),
    }))
}

/// The store's stock ledger, a page at a time, in the order the hub committed it.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/movements", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PageParams),
    responses((status = 200, description = "OK", body = Paged<MovementRecord>), Refused, NotFound)
)]
async fn movements(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Paged<MovementRecord>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let page = app
        .storage
        .movements(hq.tenant, store, params.page()?)
        .await?;
    Ok(Json(Paged::of(page, |m| m.movement_id.as_uuid())))
}

/// What the store's tills sold, a page at a time, in the order it reached the hub.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/sales", tag = "sales", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PageParams),
    responses((status = 200, description = "OK", body = Paged<SaleSummary>), Refused, NotFound)
)]
async fn sales(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Paged<SaleSummary>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let page = app.storage.sales(hq.tenant, store, params.page()?).await?;
    Ok(Json(Paged::of(page, |s| s.sale_id.as_uuid())))
}

/// The store's closed shifts: each terminal's Z report as it uploaded it, a
/// page at a time, in the order the hub committed them.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/shifts", tag = "sales", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PageParams),
    responses((status = 200, description = "OK", body = Paged<pos_shared::shift::ShiftReport>), Refused, NotFound)
)]
async fn shifts(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Paged<pos_shared::shift::ShiftReport>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let page = app
        .storage
        .shift_closes(hq.tenant, store, params.page()?)
        .await?;
    Ok(Json(Paged::of(page, |s| s.shift_id.as_uuid())))
}

/// What the store's tills logged as sensitive (voids, approvals, sign-ins),
/// a page at a time, in the order it reached the hub.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/audit", tag = "sales", security(("hq" = [])),
    params(("store_id" = StoreId, Path), PageParams),
    responses((status = 200, description = "OK", body = Paged<pos_shared::audit::AuditEntry>), Refused, NotFound)
)]
async fn audit_log(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Json<Paged<pos_shared::audit::AuditEntry>>, ApiError> {
    let Query(params) = params.map_err(super::query_error)?;
    let page = app
        .storage
        .audit_log(hq.tenant, store, params.page()?)
        .await?;
    Ok(Json(Paged::of(page, |e| e.entry_id.as_uuid())))
}

/// A store document in Automerge's save format, loadable by any Automerge library.
#[utoipa::path(
    get, path = "/v1/stores/{store_id}/documents/{purpose}", tag = "sales", security(("hq" = [])),
    params(("store_id" = StoreId, Path), ("purpose" = String, Path, description = "The document's purpose, as terminals sync it")),
    responses(
        (status = 200, description = "The document in Automerge's save format", content_type = "application/octet-stream", body = Vec<u8>),
        Refused, NotFound
    )
)]
async fn document(
    State(app): State<AppState>,
    hq: Hq,
    PathIds((store, raw_purpose)): PathIds<(StoreId, String)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let purpose = super::sync::doc_purpose(&raw_purpose)?;
    match app.storage.document(hq.tenant, store, purpose).await? {
        Some(bytes) => Ok((
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response()),
        None => Err(ApiError::not_found(
            "not_found",
            format!(
                "no terminal of this store has written {} yet",
                purpose.as_str()
            ),
        )),
    }
}
