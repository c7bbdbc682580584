//! Enrichment: better catalog data suggested off the request path.
//!
//! A worker per hub process ([`run`]) follows each tenant's catalog feed
//! from its own place (`enrichment_tenants`), asks the enricher what it
//! would change about each item upserted (the rule-based one, [`rules`], by
//! default), and stores every suggestion as a proposal in one transaction
//! with its new place, so a crash repeats a step, never skips one. HQ takes
//! or turns down each proposal ([`accept`], [`reject`]); taking one is an
//! ordinary edit of the item (a version, the feed, the tills), made only if
//! the field still holds what the proposal saw. A tenant may take proposals
//! at or above a confidence without HQ (`auto_accept_at`).
//!
//! Nothing here is on a request's path: a stopped or failing worker leaves
//! serving and ingestion as they are, and picks up from its place when it
//! runs again.

pub mod duplicates;
pub mod model;
pub mod rules;

use crate::domain::catalog::VariantPatch;
use crate::domain::enrichment::{NewProposal, Proposal, ProposalState};
use crate::search::Synonyms;
use crate::storage::{DbError, DbResult, DynStorage};
use pos_shared::sync::{ChangeBody, VariantRecord};
use pos_shared::TenantId;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Catalog changes read per step.
const STEP: u32 = 500;
/// How long the worker lets commits gather before it reads them.
const SETTLE: Duration = Duration::from_millis(100);
/// Who decides an auto-accepted proposal.
pub const HUB: &str = "hub";

/// One change an enricher would make to an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// `name`, `pack`, `synonyms` or `attributes.<key>`.
    pub field: String,
    pub proposed: Value,
    /// 0 to 1.
    pub confidence: f64,
    pub reason: String,
}

/// The field of `record` a proposal is about, as JSON (`null`: unset).
pub fn field_value(record: &VariantRecord, field: &str) -> Option<Value> {
    let value = match field {
        "name" => Value::String(record.name.clone()),
        "pack" => serde_json::to_value(&record.details.pack).ok()?,
        "synonyms" => serde_json::to_value(&record.placement.synonyms).ok()?,
        _ => {
            let key = field.strip_prefix("attributes.")?;
            record
                .details
                .attributes
                .get(key)
                .cloned()
                .unwrap_or(Value::Null)
        }
    };
    Some(value)
}

/// The edit that gives `record` the proposed value; `None` when the value
/// does not fit the field.
fn patch_for(record: &VariantRecord, field: &str, proposed: &Value) -> Option<VariantPatch> {
    let mut patch = VariantPatch::default();
    match field {
        "name" => patch.name = Some(proposed.as_str()?.to_owned()),
        "synonyms" => patch.synonyms = Some(serde_json::from_value(proposed.clone()).ok()?),
        "pack" => {
            let mut details = record.details.clone();
            details.pack = serde_json::from_value(proposed.clone()).ok()?;
            patch.details = Some(details);
        }
        _ => {
            let key = field.strip_prefix("attributes.")?;
            let mut details = record.details.clone();
            details.attributes.insert(key.to_owned(), proposed.clone());
            patch.details = Some(details);
        }
    }
    Some(patch)
}

/// Takes a pending proposal: edits the item as proposed if the field still
/// holds what the proposal saw (else the proposal is superseded and the
/// answer is a `State` error on `proposal_id`), and records who took it.
pub async fn accept(
    storage: &DynStorage,
    tenant: TenantId,
    id: Uuid,
    by: &str,
) -> DbResult<Proposal> {
    let proposal = storage.proposal(tenant, id).await?;
    if proposal.state != ProposalState::Pending {
        return Err(DbError::State {
            field: "proposal_id",
            detail: format!("the proposal is {}, not pending", proposal.state.as_str()),
        });
    }
    let stale = |detail: &str| DbError::State {
        field: "proposal_id",
        detail: detail.to_owned(),
    };
    let record = match storage.catalog_item(tenant, proposal.variant_id).await {
        Ok(record) => record,
        Err(DbError::NotFound(_) | DbError::Deleted(_)) => {
            storage
                .decide_proposal(tenant, id, ProposalState::Superseded, HUB)
                .await?;
            return Err(stale(
                "the item was deleted since: the proposal is superseded",
            ));
        }
        Err(e) => return Err(e),
    };
    let patch = match field_value(&record, &proposal.field) {
        Some(now) if now == proposal.current => {
            patch_for(&record, &proposal.field, &proposal.proposed)
        }
        _ => None,
    };
    let Some(patch) = patch else {
        storage
            .decide_proposal(tenant, id, ProposalState::Superseded, HUB)
            .await?;
        return Err(stale("the item changed since: the proposal is superseded"));
    };
    storage.update_variant(tenant, &record, &patch).await?;
    storage
        .decide_proposal(tenant, id, ProposalState::Accepted, by)
        .await
}

/// Turns a pending proposal down; the same suggestion is not made again.
pub async fn reject(
    storage: &DynStorage,
    tenant: TenantId,
    id: Uuid,
    by: &str,
) -> DbResult<Proposal> {
    storage
        .decide_proposal(tenant, id, ProposalState::Rejected, by)
        .await
}

/// What makes suggestions: the rules, and a language model if one is set.
pub struct Enricher {
    synonyms: Synonyms,
    model: Option<Arc<dyn model::LanguageModel>>,
    /// Each tenant's items' name signatures, built from its catalog the
    /// first time the worker reads the tenant and kept from its feed.
    near: tokio::sync::Mutex<HashMap<TenantId, duplicates::NearIndex>>,
    /// Each tenant's place as this worker last read or wrote it.
    reached: crate::followers::Places,
}

impl Enricher {
    /// The rule-based enricher alone (the default).
    pub fn rules() -> Self {
        Enricher {
            synonyms: Synonyms::shipped(),
            model: None,
            near: tokio::sync::Mutex::new(HashMap::new()),
            reached: Default::default(),
        }
    }

    /// The rules, and `model` beside them.
    pub fn with_model(model: Arc<dyn model::LanguageModel>) -> Self {
        Enricher {
            model: Some(model),
            ..Enricher::rules()
        }
    }

    /// What the rules and the model suggest for an item, one proposal per
    /// field (the surer one, the rules' on a tie), each differing from what
    /// the item has. A model that fails is logged and left out: the rules'
    /// proposals stand.
    async fn proposals_for(&self, record: &VariantRecord) -> Vec<NewProposal> {
        let mut made: Vec<(String, Suggestion)> = rules::suggest(record, &self.synonyms)
            .into_iter()
            .map(|s| ("rules".to_owned(), s))
            .collect();
        if let Some(model) = &self.model {
            match model.suggest(record).await {
                Ok(found) => {
                    for s in found {
                        let source = format!("model:{}", model.name());
                        match made.iter_mut().find(|(_, m)| m.field == s.field) {
                            Some(slot) if slot.1.confidence < s.confidence => *slot = (source, s),
                            Some(_) => {}
                            None => made.push((source, s)),
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(variant = %record.variant_id, error = %e, "enrichment: the model gave nothing")
                }
            }
        }
        made.into_iter()
            .filter_map(|(source, s)| {
                let current = field_value(record, &s.field)?;
                let differs = current != s.proposed;
                differs.then_some(NewProposal {
                    variant_id: record.variant_id,
                    current,
                    field: s.field,
                    proposed: s.proposed,
                    confidence: s.confidence,
                    reason: s.reason,
                    source,
                })
            })
            .collect()
    }

    /// The proposal that `record` is a near-identical copy of an item made
    /// before it (the newer of two is the copy), if there is one.
    fn duplicate_proposal(
        near: &duplicates::NearIndex,
        record: &VariantRecord,
    ) -> Option<NewProposal> {
        let (original, likeness, name) = near
            .near(record)
            .into_iter()
            .find(|(other, _, _)| other.as_uuid() < record.variant_id.as_uuid())?;
        let field = format!("attributes.{DUPLICATE_OF}");
        let current = field_value(record, &field)?;
        let proposed = Value::String(original.to_string());
        (current != proposed).then(|| NewProposal {
            variant_id: record.variant_id,
            current,
            field,
            proposed,
            // Two entries are merged by hand: never sure enough to take alone.
            confidence: (likeness * 0.8).min(0.8),
            reason: format!(
                "its name is {:.0}% alike {name:?}, made before it",
                likeness * 100.0
            ),
            source: "rules".into(),
        })
    }
}

/// The attribute a near-identical copy is marked with: the id of the item
/// it copies.
pub const DUPLICATE_OF: &str = "duplicate_of";

/// Reads every tenant's catalog changes since the worker's place, stores
/// what the enricher suggests, and takes those the tenant auto-accepts.
/// Returns the proposals stored.
pub async fn catch_up(storage: &DynStorage, enricher: &Enricher) -> DbResult<usize> {
    let mut made = 0;
    for (tenant, head) in storage.feed_heads().await? {
        if enricher.reached.get(tenant) >= head {
            continue;
        }
        let mut since = storage.enrichment_cursor(tenant).await?;
        enricher.reached.reach(tenant, since);
        if since >= head {
            continue;
        }
        let mut near = enricher.near.lock().await;
        let near = match near.entry(tenant) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let mut index = duplicates::NearIndex::default();
                for record in catalog_items(storage, tenant).await? {
                    index.put(&record);
                }
                slot.insert(index)
            }
        };
        while since < head {
            let (through, proposals) = match storage.catalog_changes(tenant, since, STEP).await {
                Ok(page) => {
                    let mut latest: Vec<&VariantRecord> = Vec::new();
                    let mut deleted = Vec::new();
                    for change in &page.changes {
                        match &change.body {
                            ChangeBody::VariantUpserted(record) => {
                                latest.retain(|r| r.variant_id != record.variant_id);
                                latest.push(record);
                                near.put(record);
                            }
                            ChangeBody::VariantDeleted { variant_id } => {
                                latest.retain(|r| r.variant_id != *variant_id);
                                near.drop_item(*variant_id);
                                deleted.push(*variant_id);
                            }
                            _ => {}
                        }
                    }
                    let mut proposals = Vec::new();
                    for record in latest {
                        proposals.extend(enricher.proposals_for(record).await);
                        proposals.extend(Enricher::duplicate_proposal(near, record));
                    }
                    // A deleted item's proposals can no longer be taken.
                    for variant in deleted {
                        storage.supersede_proposals(tenant, variant).await?;
                    }
                    (page.next_cursor, proposals)
                }
                // Pruned past the worker's place, or the worker's place past
                // the head (restored from a copy): the catalog as it stands.
                Err(DbError::CursorExpired { .. } | DbError::CursorAhead { .. }) => {
                    (head, whole_catalog(storage, tenant, enricher, near).await?)
                }
                Err(e) => return Err(e),
            };
            let stored = storage
                .record_proposals(tenant, through, &proposals)
                .await?;
            made += stored.len();
            auto_accept(storage, tenant, &stored).await?;
            enricher.reached.reach(tenant, through);
            if through <= since {
                break;
            }
            since = through;
        }
    }
    Ok(made)
}

/// Every live item of the tenant, a page at a time.
async fn catalog_items(storage: &DynStorage, tenant: TenantId) -> DbResult<Vec<VariantRecord>> {
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page = storage
            .catalog(
                tenant,
                &crate::domain::catalog::CatalogQuery {
                    text: None,
                    category: None,
                    brand: None,
                    sort: crate::domain::catalog::CatalogSort::Sku,
                    after,
                    limit: STEP,
                },
            )
            .await?;
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(items),
        }
    }
}

/// What the enricher suggests for every live item (the worker's place was
/// pruned from the feed).
async fn whole_catalog(
    storage: &DynStorage,
    tenant: TenantId,
    enricher: &Enricher,
    near: &duplicates::NearIndex,
) -> DbResult<Vec<NewProposal>> {
    let mut proposals = Vec::new();
    for record in catalog_items(storage, tenant).await? {
        proposals.extend(enricher.proposals_for(&record).await);
        proposals.extend(Enricher::duplicate_proposal(near, &record));
    }
    Ok(proposals)
}

/// Takes the stored proposals at or above the tenant's auto-accept
/// confidence; one that no longer fits is left superseded.
async fn auto_accept(storage: &DynStorage, tenant: TenantId, stored: &[Proposal]) -> DbResult<()> {
    if stored.is_empty() {
        return Ok(());
    }
    let Some(at) = storage.enrichment_settings(tenant).await?.auto_accept_at else {
        return Ok(());
    };
    // A copy is merged by hand, whatever the setting.
    let copy = format!("attributes.{DUPLICATE_OF}");
    for p in stored
        .iter()
        .filter(|p| p.confidence >= at && p.field != copy)
    {
        match accept(storage, tenant, p.proposal_id, HUB).await {
            Ok(_) | Err(DbError::State { .. }) | Err(DbError::InvalidField { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The worker: wakes on every feed commit, lets a burst settle, and
/// catches every tenant up.
pub async fn run(storage: DynStorage, enricher: Enricher) {
    let following = storage.clone();
    crate::followers::on_every_commit(following, "enrichment", SETTLE, || async {
        catch_up(&storage, &enricher).await.map(|_| ())
    })
    .await
}
