//! HQ's writes to a store's stock ledger: one movement, or many in one
//! transaction (a stock count, a goods-received note). Sales come from tills
//! and transfers have their own endpoints; everything else is a movement.

use super::openapi::{Conflict, NotFound, Refused};
use super::{bulk_error, AppState};
use crate::auth::Hq;
use crate::domain::ledger::MovementOutcome;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use pos_shared::http::PathIds;
use pos_shared::http::{ApiError, JsonBody};
use pos_shared::sync::{Batch, MovementReason, MovementRecord};
use pos_shared::{MovementId, Qty, StoreId, Timestamp, VariantId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Movements in one bulk request: a big store's full count fits in a few.
const MAX_BULK: usize = 1000;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_movement))
        .routes(routes!(record_movements))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MovementBody {
    /// Lets HQ tools retry safely; minted by the hub when absent.
    movement_id: Option<MovementId>,
    variant_id: VariantId,
    delta: Qty,
    /// `receipt`, `return`, `adjustment`, or a write-off: `damage`, `expiry`.
    reason: MovementReason,
    /// The batch moved, for items whose batches are tracked. Outgoing stock
    /// without one is taken from the batch that expires first.
    #[serde(default)]
    batch: Option<Batch>,
}

impl MovementBody {
    /// The movement asked for at `store`, checked; the error names the field.
    fn into_record(self, store: StoreId) -> Result<MovementRecord, ApiError> {
        match self.reason {
            MovementReason::Sale => {
                return Err(ApiError::invalid(
                    "reason",
                    "sales reach the ledger from terminals, not from HQ",
                ))
            }
            MovementReason::TransferOut | MovementReason::TransferIn => {
                return Err(ApiError::invalid(
                    "reason",
                    "stock moves between stores as a transfer: POST /v1/stores/{store_id}/transfers",
                ))
            }
            _ => {}
        }
        if self.delta == Qty::ZERO {
            return Err(ApiError::invalid("delta", "delta must not be zero"));
        }
        super::check_qty("delta", self.delta)?;
        if let Some(batch) = &self.batch {
            batch
                .validate()
                .map_err(|(field, detail)| ApiError::invalid(format!("batch.{field}"), detail))?;
        }
        if self.reason.is_write_off() && self.delta.is_positive() {
            return Err(ApiError::invalid(
                "delta",
                format!(
                    "{} write-off takes stock out: delta must be negative",
                    pos_shared::text::a_or_an(self.reason.as_str())
                ),
            ));
        }
        if self.reason.brings_stock_in() && !self.delta.is_positive() {
            return Err(ApiError::invalid(
                "delta",
                format!(
                    "{} brings stock in: delta must be positive (to correct stock, record an adjustment)",
                    pos_shared::text::a_or_an(self.reason.as_str())
                ),
            ));
        }
        Ok(MovementRecord {
            movement_id: self.movement_id.unwrap_or_default(),
            store_id: store,
            variant_id: self.variant_id,
            delta: self.delta,
            reason: self.reason,
            sale_id: None,
            terminal_id: None,
            occurred_at: Timestamp::now(),
            batch: self.batch,
        })
    }
}

#[derive(Serialize, ToSchema)]
struct RecordedMovement {
    movement: MovementRecord,
    duplicate: bool,
}

/// Records a stock movement; a retry with the same `movement_id` is answered
/// as a duplicate and counts once.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/movements", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    request_body = MovementBody,
    responses(
        (status = 201, description = "Created", body = RecordedMovement),
        (status = 200, description = "Already recorded: the movement as it was", body = RecordedMovement),
        Refused, NotFound, Conflict
    )
)]
async fn record_movement(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(body): JsonBody<MovementBody>,
) -> Result<(StatusCode, Json<RecordedMovement>), ApiError> {
    let mut movement = body.into_record(store)?;
    let outcome = app.storage.record_movement(hq.tenant, &movement).await?;
    let duplicate = outcome == MovementOutcome::Duplicate;
    if duplicate {
        movement = as_recorded(&app, &hq, vec![movement]).await?.remove(0);
    }
    let status = match duplicate {
        false => StatusCode::CREATED,
        true => StatusCode::OK,
    };
    Ok((
        status,
        Json(RecordedMovement {
            movement,
            duplicate,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MovementsBody {
    /// 1 to 1000 movements, applied in order.
    #[schema(min_items = 1, max_items = 1000)]
    movements: Vec<MovementBody>,
}

#[derive(Serialize, ToSchema)]
struct RecordedMovements {
    recorded: usize,
    /// Sent before (the same id and movement): counted once.
    duplicates: usize,
    movements: Vec<RecordedMovement>,
}

/// Records many movements at a store in one transaction: all of them, or —
/// if any is refused (a delta past the largest on one line, a fraction of a
/// counted item, a position past the largest) — none, with the error naming
/// `movements[i]`.
#[utoipa::path(
    post, path = "/v1/stores/{store_id}/movements/bulk", tag = "inventory", security(("hq" = [])),
    params(("store_id" = StoreId, Path)),
    request_body = MovementsBody,
    responses((status = 200, description = "Recorded", body = RecordedMovements), Refused, NotFound, Conflict)
)]
async fn record_movements(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(store): PathIds<StoreId>,
    JsonBody(body): JsonBody<MovementsBody>,
) -> Result<Json<RecordedMovements>, ApiError> {
    if body.movements.is_empty() || body.movements.len() > MAX_BULK {
        return Err(ApiError::invalid(
            "movements",
            format!("send 1 to {MAX_BULK} movements"),
        ));
    }
    let mut records = Vec::with_capacity(body.movements.len());
    let mut ids = std::collections::HashSet::new();
    for (i, m) in body.movements.into_iter().enumerate() {
        let record = m.into_record(store).map_err(|e| at_item(e, i))?;
        if !ids.insert(record.movement_id) {
            return Err(ApiError::invalid(
                format!("movements[{i}].movement_id"),
                "this movement_id is on an earlier movement of the request",
            ));
        }
        records.push(record);
    }
    let outcomes = app
        .storage
        .record_movements(hq.tenant, store, &records)
        .await
        .map_err(|e| bulk_error("movements", e))?;
    let duplicate: Vec<bool> = outcomes
        .iter()
        .map(|o| *o == MovementOutcome::Duplicate)
        .collect();
    let records = match duplicate.contains(&true) {
        true => as_recorded(&app, &hq, records).await?,
        false => records,
    };
    let movements: Vec<RecordedMovement> = records
        .into_iter()
        .zip(duplicate)
        .map(|(movement, duplicate)| RecordedMovement {
            movement,
            duplicate,
        })
        .collect();
    let duplicates = movements.iter().filter(|m| m.duplicate).count();
    Ok(Json(RecordedMovements {
        recorded: movements.len() - duplicates,
        duplicates,
        movements,
    }))
}

/// `movements` with each one the ledger already held replaced by the
/// movement as it was recorded (its time, not the repeat's), in order.
async fn as_recorded(
    app: &AppState,
    hq: &Hq,
    movements: Vec<MovementRecord>,
) -> Result<Vec<MovementRecord>, ApiError> {
    let ids: Vec<_> = movements.iter().map(|m| m.movement_id).collect();
    let mut stored: std::collections::HashMap<_, _> = app
        .storage
        .movements_by_id(hq.tenant, &ids)
        .await?
        .into_iter()
        .map(|m| (m.movement_id, m))
        .collect();
    Ok(movements
        .into_iter()
        .map(|m| stored.remove(&m.movement_id).unwrap_or(m))
        .collect())
}

/// Puts an item's error under `movements[i]`.
fn at_item(mut err: ApiError, i: usize) -> ApiError {
    let field = err.field.take().unwrap_or_default();
    err.detail = format!("movements[{i}]: {}", err.detail);
    err.with_field(format!("movements[{i}].{field}"))
}
