//! Enrichment proposals and the worker's place in each tenant's catalog
//! feed, for both backends (migration 0058). Expanded inside `sql_storage!`.

/// Implements [`crate::storage::EnrichmentStorage`] on `$storage`.
macro_rules! sql_enrichment_paths {
    ($storage:ty) => {
        type ProposalRow = (
            Uuid, Uuid, String, String, String, f64, String, String, String, i64, Option<i64>,
            Option<String>,
        );
        const PROPOSAL_COLUMNS: &str = "id, variant_id, field, current_value, proposed_value, confidence, \
             reason, source, state, created_at_ms, decided_at_ms, decided_by";

        impl $storage {
            fn proposal_from_row(
                (id, variant, field, current, proposed, confidence, reason, source, state, created, decided, by): ProposalRow,
            ) -> DbResult<$crate::domain::enrichment::Proposal> {
                let json = |what: &str, text: &str| {
                    serde_json::from_str(text).map_err(|e| DbError::Corrupt(format!("proposal {id}: {what}: {e}")))
                };
                Ok($crate::domain::enrichment::Proposal {
                    proposal_id: id,
                    variant_id: VariantId::from_uuid(variant),
                    current: json("current", &current)?,
                    proposed: json("proposed", &proposed)?,
                    field,
                    confidence,
                    reason,
                    source,
                    state: $crate::domain::enrichment::ProposalState::parse(&state)
                        .ok_or_else(|| DbError::Corrupt(format!("proposal {id}: state {state:?}")))?,
                    created_at: Timestamp::from_unix_millis(created),
                    decided_at: decided.map(Timestamp::from_unix_millis),
                    decided_by: by,
                })
            }
        }

        #[async_trait::async_trait]
        impl EnrichmentStorage for $storage {
            async fn enrichment_cursor(&self, tenant: TenantId) -> DbResult<u64> {
                let row: Option<(i64,)> = sqlx::query_as("SELECT through_seq FROM enrichment_tenants WHERE tenant_id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map_or(0, |(seq,)| seq.max(0) as u64))
            }

            async fn record_proposals(
                &self,
                tenant: TenantId,
                through: u64,
                proposals: &[$crate::domain::enrichment::NewProposal],
            ) -> DbResult<Vec<$crate::domain::enrichment::Proposal>> {
                let mut tx = self.pool.begin().await?;
                // The place first: the transaction is a writer from its start
                // (SQLite), and a place never moves back (two hubs' workers).
                sqlx::query(
                    "INSERT INTO enrichment_tenants (tenant_id, through_seq) VALUES ($1, $2) \
                     ON CONFLICT (tenant_id) DO UPDATE SET through_seq = CASE \
                       WHEN excluded.through_seq > enrichment_tenants.through_seq THEN excluded.through_seq \
                       ELSE enrichment_tenants.through_seq END",
                )
                .bind(tenant.as_uuid())
                .bind(i64::try_from(through).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
                let now = now_ms();
                let mut stored = Vec::new();
                for p in proposals {
                    let proposed = p.proposed.to_string();
                    let same: Option<(Uuid,)> = sqlx::query_as(
                        "SELECT id FROM enrichment_proposals WHERE tenant_id = $1 AND variant_id = $2 AND field = $3 \
                         AND proposed_value = $4 AND state IN ('pending', 'rejected') LIMIT 1",
                    )
                    .bind(tenant.as_uuid())
                    .bind(p.variant_id.as_uuid())
                    .bind(&p.field)
                    .bind(&proposed)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if same.is_some() {
                        continue;
                    }
                    sqlx::query(
                        "UPDATE enrichment_proposals SET state = 'superseded', decided_at_ms = $4, decided_by = 'hub' \
                         WHERE tenant_id = $1 AND variant_id = $2 AND field = $3 AND state = 'pending'",
                    )
                    .bind(tenant.as_uuid())
                    .bind(p.variant_id.as_uuid())
                    .bind(&p.field)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    let row: ProposalRow = sqlx::query_as(&format!(
                        "INSERT INTO enrichment_proposals ({PROPOSAL_COLUMNS}, tenant_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, NULL, NULL, $10) RETURNING {PROPOSAL_COLUMNS}"
                    ))
                    .bind(Uuid::now_v7())
                    .bind(p.variant_id.as_uuid())
                    .bind(&p.field)
                    .bind(p.current.to_string())
                    .bind(&proposed)
                    .bind(p.confidence)
                    .bind(&p.reason)
                    .bind(&p.source)
                    .bind(now)
                    .bind(tenant.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
                    stored.push(Self::proposal_from_row(row)?);
                }
                Self::commit(tx).await?;
                Ok(stored)
            }

            async fn proposals(
                &self,
                tenant: TenantId,
                filter: &$crate::domain::enrichment::ProposalFilter,
            ) -> DbResult<Vec<$crate::domain::enrichment::Proposal>> {
                let rows: Vec<ProposalRow> = sqlx::query_as(&format!(
                    "SELECT {PROPOSAL_COLUMNS} FROM enrichment_proposals WHERE tenant_id = $1 \
                     AND ($2 IS NULL OR state = $2) AND ($3 IS NULL OR variant_id = $3) AND ($4 IS NULL OR id > $4) \
                     ORDER BY id LIMIT $5"
                ))
                .bind(tenant.as_uuid())
                .bind(filter.state.map(|s| s.as_str()))
                .bind(filter.variant.map(|v| v.as_uuid()))
                .bind(filter.after)
                .bind(i64::from(filter.limit))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(Self::proposal_from_row).collect()
            }

            async fn proposal(&self, tenant: TenantId, id: Uuid) -> DbResult<$crate::domain::enrichment::Proposal> {
                let row: Option<ProposalRow> = sqlx::query_as(&format!(
                    "SELECT {PROPOSAL_COLUMNS} FROM enrichment_proposals WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Self::proposal_from_row(row.ok_or(DbError::NotFound("proposal"))?)
            }

            async fn decide_proposal(
                &self,
                tenant: TenantId,
                id: Uuid,
                state: $crate::domain::enrichment::ProposalState,
                by: &str,
            ) -> DbResult<$crate::domain::enrichment::Proposal> {
                let row: Option<ProposalRow> = sqlx::query_as(&format!(
                    "UPDATE enrichment_proposals SET state = $3, decided_at_ms = $4, decided_by = $5 \
                     WHERE tenant_id = $1 AND id = $2 AND state = 'pending' RETURNING {PROPOSAL_COLUMNS}"
                ))
                .bind(tenant.as_uuid())
                .bind(id)
                .bind(state.as_str())
                .bind(now_ms())
                .bind(by)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(row) => Self::proposal_from_row(row),
                    None => {
                        let was = self.proposal(tenant, id).await?;
                        Err(DbError::State {
                            field: "proposal_id",
                            detail: format!("the proposal is {}, not pending", was.state.as_str()),
                        })
                    }
                }
            }

            async fn supersede_proposals(&self, tenant: TenantId, variant: VariantId) -> DbResult<()> {
                sqlx::query(
                    "UPDATE enrichment_proposals SET state = 'superseded', decided_at_ms = $3, decided_by = 'hub' \
                     WHERE tenant_id = $1 AND variant_id = $2 AND state = 'pending'",
                )
                .bind(tenant.as_uuid())
                .bind(variant.as_uuid())
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn enrichment_settings(&self, tenant: TenantId) -> DbResult<$crate::domain::enrichment::EnrichmentSettings> {
                let row: Option<(Option<f64>,)> =
                    sqlx::query_as("SELECT auto_accept_at FROM enrichment_tenants WHERE tenant_id = $1")
                        .bind(tenant.as_uuid())
                        .fetch_optional(&self.pool)
                        .await?;
                Ok($crate::domain::enrichment::EnrichmentSettings { auto_accept_at: row.and_then(|(a,)| a) })
            }

            async fn set_enrichment_settings(
                &self,
                tenant: TenantId,
                settings: &$crate::domain::enrichment::EnrichmentSettings,
            ) -> DbResult<$crate::domain::enrichment::EnrichmentSettings> {
                sqlx::query(
                    "INSERT INTO enrichment_tenants (tenant_id, auto_accept_at) VALUES ($1, $2) \
                     ON CONFLICT (tenant_id) DO UPDATE SET auto_accept_at = excluded.auto_accept_at",
                )
                .bind(tenant.as_uuid())
                .bind(settings.auto_accept_at)
                .execute(&self.pool)
                .await?;
                Ok(*settings)
            }
        }
    };
}
pub(crate) use sql_enrichment_paths;
