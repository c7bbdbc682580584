//! `/v1/sales`: ringing up a sale and quoting one, as HTTP. The use case is
//! [`crate::till::checkout`].

use super::AgentState;
use crate::pos::pricing::SaleQuote;
use crate::pos::sale::SaleRequest;
use crate::till::checkout;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::sale::SaleFact;

pub fn routes() -> Router<AgentState> {
    Router::new()
        .route("/v1/sales", post(create_sale))
        .route("/v1/sales/quote", post(quote_sale))
}

async fn quote_sale(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<SaleRequest>,
) -> Result<Json<SaleQuote>, ApiError> {
    Ok(Json(checkout::quote(&app.till, request).await?))
}

/// 201 with the sale, or 200 with the sale an earlier request under the same
/// id recorded. Stock warnings (policy `warn`) ride along as
/// `x-stock-warning` headers: the sale itself is the same fact either way.
async fn create_sale(
    State(app): State<AgentState>,
    JsonBody(request): JsonBody<SaleRequest>,
) -> Result<(StatusCode, HeaderMap, Json<SaleFact>), ApiError> {
    let done = checkout::checkout(&app.till, request).await?;
    let mut headers = HeaderMap::new();
    for w in done.warnings {
        if let Ok(v) = HeaderValue::from_bytes(w.as_bytes()) {
            headers.append("x-stock-warning", v);
        }
    }
    let status = match done.recorded {
        true => StatusCode::CREATED,
        false => StatusCode::OK,
    };
    Ok((status, headers, Json(done.sale)))
}
