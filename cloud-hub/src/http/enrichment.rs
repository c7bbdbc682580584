//! Enrichment for HQ (`domain::enrichment`, made by `crate::enrichment`):
//! the proposals to review, taking or turning one down, and the tenant's
//! auto-accept confidence.

use super::openapi::{Conflict, NotFound, Refused};
use super::{query_error, AppState};
use crate::auth::Hq;
use crate::domain::enrichment::{EnrichmentSettings, Proposal, ProposalFilter, ProposalState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use pos_shared::http::{count_text, ApiError, JsonBody, NoBody, PathIds};
use pos_shared::VariantId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_proposals))
        .routes(routes!(one_proposal))
        .routes(routes!(accept_proposal))
        .routes(routes!(reject_proposal))
        .routes(routes!(enrichment_settings, set_enrichment_settings))
}

/// Taken as text, so that a bad value is refused naming its parameter.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ProposalQuery {
    /// `pending`, `accepted`, `rejected` or `superseded`; absent: all.
    state: Option<String>,
    /// Only this item's.
    #[param(value_type = Option<Uuid>)]
    variant_id: Option<String>,
    /// After this proposal (the last `proposal_id` of the page before).
    #[param(value_type = Option<Uuid>)]
    after: Option<String>,
    /// Page size, 1 to 500 (100 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct ProposalPage {
    /// Oldest first.
    proposals: Vec<Proposal>,
}

/// The tenant's proposals, oldest first: what the enricher would change
/// about each item, how sure it is and why, and what HQ decided.
#[utoipa::path(
    get, path = "/v1/enrichment/proposals", tag = "catalog", security(("hq" = [])),
    params(ProposalQuery),
    responses((status = 200, description = "OK", body = ProposalPage), Refused)
)]
async fn list_proposals(
    State(app): State<AppState>,
    hq: Hq,
    query: Result<Query<ProposalQuery>, QueryRejection>,
) -> Result<Json<ProposalPage>, ApiError> {
    let Query(q) = query.map_err(query_error)?;
    let state = q
        .state
        .map(|s| {
            ProposalState::parse(&s).ok_or_else(|| {
                ApiError::invalid(
                    "state",
                    format!("state {s:?} is not pending, accepted, rejected or superseded"),
                )
            })
        })
        .transpose()?;
    let variant = q
        .variant_id
        .map(|v| super::path_id::<VariantId>("variant_id", &v))
        .transpose()?;
    let after = q
        .after
        .map(|a| super::path_id::<Uuid>("after", &a))
        .transpose()?;
    let limit = count_text("limit", q.limit.as_deref(), 100, 500)?;
    let filter = ProposalFilter {
        state,
        variant,
        after,
        limit,
    };
    Ok(Json(ProposalPage {
        proposals: app.storage.proposals(hq.tenant, &filter).await?,
    }))
}

/// One proposal.
#[utoipa::path(
    get, path = "/v1/enrichment/proposals/{proposal_id}", tag = "catalog", security(("hq" = [])),
    params(("proposal_id" = Uuid, Path)),
    responses((status = 200, description = "OK", body = Proposal), Refused, NotFound)
)]
async fn one_proposal(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
) -> Result<Json<Proposal>, ApiError> {
    Ok(Json(app.storage.proposal(hq.tenant, id).await?))
}

/// Takes a pending proposal: the item is edited as proposed (a new version,
/// sent to the tills) if the field still holds what the proposal saw; if
/// the item changed since, the proposal is superseded and the answer a 409.
#[utoipa::path(
    post, path = "/v1/enrichment/proposals/{proposal_id}/accept", tag = "catalog", security(("hq" = [])),
    params(("proposal_id" = Uuid, Path)),
    responses((status = 200, description = "Taken", body = Proposal), Refused, NotFound, Conflict)
)]
async fn accept_proposal(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<Proposal>, ApiError> {
    let by = hq.grant.actor.source();
    Ok(Json(
        crate::enrichment::accept(&app.storage, hq.tenant, id, &by).await?,
    ))
}

/// Turns a pending proposal down; the enricher does not make the same one again.
#[utoipa::path(
    post, path = "/v1/enrichment/proposals/{proposal_id}/reject", tag = "catalog", security(("hq" = [])),
    params(("proposal_id" = Uuid, Path)),
    responses((status = 200, description = "Turned down", body = Proposal), Refused, NotFound, Conflict)
)]
async fn reject_proposal(
    State(app): State<AppState>,
    hq: Hq,
    PathIds(id): PathIds<Uuid>,
    _: NoBody,
) -> Result<Json<Proposal>, ApiError> {
    let by = hq.grant.actor.source();
    Ok(Json(
        crate::enrichment::reject(&app.storage, hq.tenant, id, &by).await?,
    ))
}

/// The tenant's enrichment settings.
#[utoipa::path(
    get, path = "/v1/enrichment/settings", tag = "catalog", security(("hq" = [])),
    responses((status = 200, description = "OK", body = EnrichmentSettings), Refused)
)]
async fn enrichment_settings(
    State(app): State<AppState>,
    hq: Hq,
) -> Result<Json<EnrichmentSettings>, ApiError> {
    Ok(Json(app.storage.enrichment_settings(hq.tenant).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    /// Take proposals at least this sure (0 to 1) without HQ; `null` or
    /// absent: none.
    #[serde(default)]
    auto_accept_at: Option<f64>,
}

/// Sets from what confidence proposals are taken without HQ (from the next
/// ones the worker makes).
#[utoipa::path(
    put, path = "/v1/enrichment/settings", tag = "catalog", security(("hq" = [])),
    request_body = SettingsBody,
    responses((status = 200, description = "OK", body = EnrichmentSettings), Refused)
)]
async fn set_enrichment_settings(
    State(app): State<AppState>,
    hq: Hq,
    JsonBody(body): JsonBody<SettingsBody>,
) -> Result<Json<EnrichmentSettings>, ApiError> {
    if let Some(at) = body.auto_accept_at {
        if !(0.0..=1.0).contains(&at) || at.is_nan() {
            return Err(ApiError::invalid(
                "auto_accept_at",
                "auto_accept_at is between 0 and 1",
            ));
        }
    }
    let settings = EnrichmentSettings {
        auto_accept_at: body.auto_accept_at,
    };
    Ok(Json(
        app.storage
            .set_enrichment_settings(hq.tenant, &settings)
            .await?,
    ))
}
