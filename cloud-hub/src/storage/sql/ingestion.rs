//! Ingestion for both backends: source systems and their sealed secrets,
//! the webhook archive that is also the durable queue (leased per source, so
//! one source's payloads apply in the order they came), refusals, runs and
//! their announcement, and the source's ids mapped to the hub's. Expanded
//! inside `sql_storage!`.

/// Implements [`crate::storage::IngestionStorage`] on `$storage`.
macro_rules! sql_ingestion_paths {
    ($storage:ty) => {
        use $crate::domain::ingestion as ing;

        type SourceRow = (Uuid, String, String, String, Option<String>, bool, i64, i64);
        const SOURCE_COLUMNS: &str =
            "id, code, name, kind, vendor, enabled, created_at_ms, updated_at_ms";
        type PayloadRow = (
            Uuid, Uuid, String, i64, String, i64, i64, i64, Option<Uuid>, Option<String>, Option<i64>,
        );
        const PAYLOAD_COLUMNS: &str = "id, source_id, webhook_id, received_at_ms, state, attempts, \
            duplicates, CAST(LENGTH(body) AS BIGINT), last_run_id, error, processed_at_ms";
        type RunRow = (
            Uuid, Option<Uuid>, Option<Uuid>, String, String, String, i64, Option<i64>, i64, i64, i64,
            i64, String,
        );
        const RUN_COLUMNS: &str = "id, source_id, payload_id, trigger, format, state, started_at_ms, \
            finished_at_ms, received, applied, unchanged, failed, errors";
        type RefusalRow = (Uuid, Uuid, Option<String>, i64, i64, String, String, i64);

        fn payload_from(row: PayloadRow) -> DbResult<ing::Payload> {
            let (id, source_id, webhook_id, received, state, attempts, duplicates, bytes, run, error, processed) = row;
            Ok(ing::Payload {
                id,
                source_id,
                webhook_id,
                received_at: Timestamp::from_unix_millis(received),
                state: ing::PayloadState::parse(&state)
                    .ok_or_else(|| DbError::Corrupt(format!("payload {id}: state {state:?}")))?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                duplicates: u32::try_from(duplicates).unwrap_or(u32::MAX),
                body_bytes: bytes.max(0) as u64,
                last_run_id: run,
                error,
                processed_at: processed.map(Timestamp::from_unix_millis),
            })
        }

        fn run_from(row: RunRow) -> DbResult<ing::Run> {
            let (id, source_id, payload_id, trigger, format, state, started, finished, received, applied, unchanged, failed, errors) = row;
            let count = |n: i64| n.max(0) as u64;
            Ok(ing::Run {
                id,
                source_id,
                payload_id,
                trigger: ing::RunTrigger::parse(&trigger)
                    .ok_or_else(|| DbError::Corrupt(format!("run {id}: trigger {trigger:?}")))?,
                format,
                state: ing::RunState::parse(&state)
                    .ok_or_else(|| DbError::Corrupt(format!("run {id}: state {state:?}")))?,
                started_at: Timestamp::from_unix_millis(started),
                finished_at: finished.map(Timestamp::from_unix_millis),
                counts: ing::RunCounts {
                    received: count(received),
                    applied: count(applied),
                    unchanged: count(unchanged),
                    failed: count(failed),
                },
                errors_not_shown: 0,
                errors: serde_json::from_str(&errors)
                    .map_err(|e| DbError::Corrupt(format!("run {id}: errors: {e}")))?,
            }
            .with_errors_counted())
        }

        impl $storage {
            async fn source_of(&self, row: SourceRow) -> DbResult<ing::Source> {
                let (id, code, name, kind, vendor, enabled, created, updated) = row;
                let stores: Vec<(String, Uuid)> = sqlx::query_as(
                    "SELECT external_id, canonical_id FROM source_entities WHERE source_id = $1 AND entity = 'store' \
                     ORDER BY external_id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                let (until,): (Option<i64>,) = sqlx::query_as(
                    "SELECT MAX(valid_until_ms) FROM source_secrets WHERE source_id = $1 AND valid_until_ms > $2",
                )
                .bind(id)
                .bind(now_ms())
                .fetch_one(&self.pool)
                .await?;
                Ok(ing::Source {
                    id,
                    code,
                    name,
                    kind: ing::SourceKind::parse(&kind)
                        .ok_or_else(|| DbError::Corrupt(format!("source {id}: kind {kind:?}")))?,
                    vendor,
                    enabled,
                    stores: stores
                        .into_iter()
                        .map(|(external_id, store)| ing::SourceStore { external_id, store_id: StoreId::from_uuid(store) })
                        .collect(),
                    previous_secret_until: until.map(Timestamp::from_unix_millis),
                    created_at: Timestamp::from_unix_millis(created),
                    updated_at: Timestamp::from_unix_millis(updated),
                })
            }


            /// Starts a run inside `tx`.
            async fn insert_run(tx: &mut Tx<'_>, tenant: TenantId, run: &ing::NewRun) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO ingestion_runs (id, tenant_id, source_id, payload_id, trigger, format, state, started_at_ms, \
                     received, applied, unchanged, failed, errors) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, 0, 0, 0, 0, '[]')",
                )
                .bind(run.id)
                .bind(tenant.as_uuid())
                .bind(run.source)
                .bind(run.payload)
                .bind(run.trigger.as_str())
                .bind(&run.format)
                .bind(now_ms())
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Replaces a source's stores (its `store` mappings); each must be the tenant's.
            async fn set_source_stores(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                source: Uuid,
                stores: &[ing::SourceStore],
            ) -> DbResult<()> {
                sqlx::query("DELETE FROM source_entities WHERE source_id = $1 AND entity = 'store'")
                    .bind(source)
                    .execute(&mut **tx)
                    .await?;
                for (i, s) in stores.iter().enumerate() {
                    let known: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM stores WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(s.store_id.as_uuid())
                        .fetch_optional(&mut **tx)
                        .await?;
                    if known.is_none() {
                        return Err(DbError::AtItem {
                            index: i,
                            error: Box::new(DbError::InvalidField { field: "store_id", detail: format!("no store {}", s.store_id) }),
                        });
                    }
                    sqlx::query(
                        "INSERT INTO source_entities (tenant_id, source_id, entity, external_id, canonical_id, updated_at_ms) \
                         VALUES ($1, $2, 'store', $3, $4, $5)",
                    )
                    .bind(tenant.as_uuid())
                    .bind(source)
                    .bind(&s.external_id)
                    .bind(s.store_id.as_uuid())
                    .bind(now_ms())
                    .execute(&mut **tx)
                    .await
                    .map_err(DbError::from_sqlx)?;
                }
                Ok(())
            }

            async fn insert_secret(tx: &mut Tx<'_>, tenant: TenantId, source: Uuid, secret: &ing::SealedSecret) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO source_secrets (id, tenant_id, source_id, sealed, created_at_ms, valid_until_ms) \
                     VALUES ($1, $2, $3, $4, $5, NULL)",
                )
                .bind(secret.id)
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(&secret.sealed)
                .bind(now_ms())
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl IngestionStorage for $storage {
            async fn create_source(&self, tenant: TenantId, source: &ing::NewSource, secret: &ing::SealedSecret) -> DbResult<ing::Source> {
                let mut tx = self.pool.begin().await?;
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO source_systems (id, tenant_id, code, name, kind, vendor, enabled, created_at_ms, updated_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                )
                .bind(source.id)
                .bind(tenant.as_uuid())
                .bind(&source.code)
                .bind(&source.name)
                .bind(source.kind.as_str())
                .bind(&source.vendor)
                .bind(true)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from_sqlx)?;
                Self::set_source_stores(&mut tx, tenant, source.id, &source.stores).await?;
                Self::insert_secret(&mut tx, tenant, source.id, secret).await?;
                Self::commit(tx).await?;
                self.source(tenant, source.id).await
            }

            async fn source(&self, tenant: TenantId, source: Uuid) -> DbResult<ing::Source> {
                let row: Option<SourceRow> = sqlx::query_as(&format!(
                    "SELECT {SOURCE_COLUMNS} FROM source_systems WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(source)
                .fetch_optional(&self.pool)
                .await?;
                self.source_of(row.ok_or(DbError::NotFound("source"))?).await
            }

            async fn sources(&self, tenant: TenantId) -> DbResult<Vec<ing::Source>> {
                let rows: Vec<SourceRow> = sqlx::query_as(&format!(
                    "SELECT {SOURCE_COLUMNS} FROM source_systems WHERE tenant_id = $1 ORDER BY code"
                ))
                .bind(tenant.as_uuid())
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    out.push(self.source_of(row).await?);
                }
                Ok(out)
            }

            async fn update_source(&self, tenant: TenantId, source: Uuid, patch: &ing::SourcePatch) -> DbResult<ing::Source> {
                let mut tx = self.pool.begin().await?;
                let updated = sqlx::query(
                    "UPDATE source_systems SET name = COALESCE($3, name), enabled = COALESCE($4, enabled), updated_at_ms = $5 \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(&patch.name)
                .bind(patch.enabled)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    return Err(DbError::NotFound("source"));
                }
                if let Some(stores) = &patch.stores {
                    Self::set_source_stores(&mut tx, tenant, source, stores).await?;
                }
                Self::commit(tx).await?;
                self.source(tenant, source).await
            }

            async fn rotate_source_secret(&self, tenant: TenantId, source: Uuid, secret: &ing::SealedSecret, previous_until: Timestamp) -> DbResult<ing::Source> {
                let mut tx = self.pool.begin().await?;
                let now = now_ms();
                let touched = sqlx::query("UPDATE source_systems SET updated_at_ms = $3 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(source)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                if touched.rows_affected() == 0 {
                    return Err(DbError::NotFound("source"));
                }
                // Only the newest secret before this one stays for the rollover.
                sqlx::query(
                    "UPDATE source_secrets SET valid_until_ms = $2 WHERE source_id = $1 AND (valid_until_ms IS NULL OR valid_until_ms > $2)",
                )
                .bind(source)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE source_secrets SET valid_until_ms = $2 WHERE id = \
                     (SELECT id FROM source_secrets WHERE source_id = $1 ORDER BY created_at_ms DESC, id DESC LIMIT 1)",
                )
                .bind(source)
                .bind(previous_until.unix_millis())
                .execute(&mut *tx)
                .await?;
                Self::insert_secret(&mut tx, tenant, source, secret).await?;
                Self::commit(tx).await?;
                self.source(tenant, source).await
            }

            async fn webhook_source(&self, source: Uuid, now: Timestamp) -> DbResult<Option<ing::WebhookSource>> {
                let row: Option<(Uuid,)> = sqlx::query_as("SELECT tenant_id FROM source_systems WHERE id = $1")
                    .bind(source)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some((tenant,)) = row else { return Ok(None) };
                let tenant = TenantId::from_uuid(tenant);
                let found = self.source(tenant, source).await?;
                let secrets: Vec<(Uuid, String)> = sqlx::query_as(
                    "SELECT id, sealed FROM source_secrets WHERE source_id = $1 AND (valid_until_ms IS NULL OR valid_until_ms > $2) \
                     ORDER BY created_at_ms DESC",
                )
                .bind(source)
                .bind(now.unix_millis())
                .fetch_all(&self.pool)
                .await?;
                Ok(Some(ing::WebhookSource {
                    tenant,
                    source: found,
                    secrets: secrets.into_iter().map(|(id, sealed)| ing::SealedSecret { id, sealed }).collect(),
                }))
            }

            async fn archive_payload(&self, p: &ing::NewPayload) -> DbResult<ing::Archived> {
                let headers = serde_json::to_string(&p.headers).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let inserted: Option<(Uuid,)> = sqlx::query_as(
                    "INSERT INTO inbound_payloads (id, tenant_id, source_id, webhook_id, received_at_ms, headers, body, state, \
                     attempts, duplicates) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, 0) \
                     ON CONFLICT (source_id, webhook_id) DO NOTHING RETURNING id",
                )
                .bind(p.id)
                .bind(p.tenant.as_uuid())
                .bind(p.source)
                .bind(&p.webhook_id)
                .bind(p.received_at.unix_millis())
                .bind(headers)
                .bind(&p.body)
                .fetch_optional(&self.pool)
                .await?;
                if let Some((id,)) = inserted {
                    return Ok(ing::Archived::Queued(id));
                }
                let (id, body): (Uuid, Vec<u8>) = sqlx::query_as(
                    "SELECT id, body FROM inbound_payloads WHERE source_id = $1 AND webhook_id = $2",
                )
                .bind(p.source)
                .bind(&p.webhook_id)
                .fetch_one(&self.pool)
                .await?;
                if body != p.body {
                    return Ok(ing::Archived::Reused(id));
                }
                sqlx::query("UPDATE inbound_payloads SET duplicates = duplicates + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(ing::Archived::Duplicate(id))
            }

            async fn record_refusal(&self, tenant: TenantId, r: &ing::Refusal) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO webhook_refusals (id, tenant_id, source_id, webhook_id, received_at_ms, status, field, reason, body_bytes) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(r.id)
                .bind(tenant.as_uuid())
                .bind(r.source_id)
                .bind(&r.webhook_id)
                .bind(r.received_at.unix_millis())
                .bind(i64::from(r.status))
                .bind(&r.field)
                .bind(&r.reason)
                .bind(r.body_bytes as i64)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn lease_payload(&self, now: Timestamp, lease_ms: i64) -> DbResult<Option<ing::LeasedPayload>> {
                let now = now.unix_millis();
                let token = Uuid::now_v7();
                let leased: Option<(Uuid, Uuid)> = sqlx::query_as(
                    "UPDATE inbound_payloads SET lease_until_ms = $2, lease_token = $3, attempts = attempts + 1 \
                     WHERE id = (SELECT p.id FROM inbound_payloads p WHERE p.state = 'queued' \
                        AND (p.lease_until_ms IS NULL OR p.lease_until_ms < $1) \
                        AND NOT EXISTS (SELECT 1 FROM inbound_payloads o WHERE o.source_id = p.source_id \
                            AND o.state = 'queued' AND o.lease_until_ms >= $1) \
                        ORDER BY p.id LIMIT 1) \
                     AND (lease_until_ms IS NULL OR lease_until_ms < $1) RETURNING id, tenant_id",
                )
                .bind(now)
                .bind(now + lease_ms)
                .bind(token)
                .fetch_optional(&self.pool)
                .await?;
                let Some((id, tenant)) = leased else { return Ok(None) };
                let tenant = TenantId::from_uuid(tenant);
                let raw = self.payload(tenant, id).await?;
                let replay = raw.payload.last_run_id.is_some();
                Ok(Some(ing::LeasedPayload { tenant, token, raw, replay }))
            }

            async fn finish_payload(&self, lease: &ing::LeasedPayload, state: ing::PayloadState, run: Uuid, error: Option<&str>) -> DbResult<bool> {
                let done = sqlx::query(
                    "UPDATE inbound_payloads SET state = $3, last_run_id = $4, error = $5, processed_at_ms = $6, \
                     lease_until_ms = NULL, lease_token = NULL WHERE id = $1 AND lease_token = $2",
                )
                .bind(lease.raw.payload.id)
                .bind(lease.token)
                .bind(state.as_str())
                .bind(run)
                .bind(error)
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn requeue_payload(&self, tenant: TenantId, payload: Uuid) -> DbResult<ing::Payload> {
                let row: Option<PayloadRow> = sqlx::query_as(&format!(
                    "UPDATE inbound_payloads SET state = 'queued', lease_until_ms = NULL, lease_token = NULL \
                     WHERE tenant_id = $1 AND id = $2 RETURNING {PAYLOAD_COLUMNS}"
                ))
                .bind(tenant.as_uuid())
                .bind(payload)
                .fetch_optional(&self.pool)
                .await?;
                payload_from(row.ok_or(DbError::NotFound("payload"))?)
            }

            async fn payloads(&self, tenant: TenantId, source: Uuid, state: Option<ing::PayloadState>, before: Option<Uuid>, limit: u32) -> DbResult<Vec<ing::Payload>> {
                let rows: Vec<PayloadRow> = sqlx::query_as(&format!(
                    "SELECT {PAYLOAD_COLUMNS} FROM inbound_payloads WHERE tenant_id = $1 AND source_id = $2 \
                     AND ($3 IS NULL OR state = $3) AND ($4 IS NULL OR id < $4) ORDER BY id DESC LIMIT $5"
                ))
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(state.map(ing::PayloadState::as_str))
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(payload_from).collect()
            }

            async fn payload(&self, tenant: TenantId, payload: Uuid) -> DbResult<ing::RawPayload> {
                let row: Option<(String, Vec<u8>)> = sqlx::query_as(
                    "SELECT headers, body FROM inbound_payloads WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(payload)
                .fetch_optional(&self.pool)
                .await?;
                let (headers, body) = row.ok_or(DbError::NotFound("payload"))?;
                let meta: PayloadRow = sqlx::query_as(&format!(
                    "SELECT {PAYLOAD_COLUMNS} FROM inbound_payloads WHERE id = $1"
                ))
                .bind(payload)
                .fetch_one(&self.pool)
                .await?;
                Ok(ing::RawPayload {
                    payload: payload_from(meta)?,
                    headers: serde_json::from_str(&headers)
                        .map_err(|e| DbError::Corrupt(format!("payload {payload}: headers: {e}")))?,
                    body,
                })
            }

            async fn refusals(&self, tenant: TenantId, source: Uuid, before: Option<Uuid>, limit: u32) -> DbResult<Vec<ing::Refusal>> {
                let rows: Vec<RefusalRow> = sqlx::query_as(
                    "SELECT id, source_id, webhook_id, received_at_ms, status, field, reason, body_bytes FROM webhook_refusals \
                     WHERE tenant_id = $1 AND source_id = $2 AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, source_id, webhook_id, at, status, field, reason, bytes)| ing::Refusal {
                        id,
                        source_id,
                        webhook_id,
                        received_at: Timestamp::from_unix_millis(at),
                        status: u16::try_from(status).unwrap_or(0),
                        field,
                        reason,
                        body_bytes: bytes.max(0) as u64,
                    })
                    .collect())
            }

            async fn ingestion_rates(&self, tenant: TenantId, source: Uuid, since: Timestamp) -> DbResult<ing::Rates> {
                let rows: Vec<(String, i64, i64, Option<i64>, i64)> = sqlx::query_as(
                    "SELECT state, duplicates, received_at_ms, processed_at_ms, attempts FROM inbound_payloads \
                     WHERE tenant_id = $1 AND source_id = $2 AND received_at_ms >= $3",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(since.unix_millis())
                .fetch_all(&self.pool)
                .await?;
                let (refused,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM webhook_refusals WHERE tenant_id = $1 AND source_id = $2 AND received_at_ms >= $3",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(since.unix_millis())
                .fetch_one(&self.pool)
                .await?;
                let mut rates = ing::Rates { since: Some(since), refused: refused.max(0) as u64, ..Default::default() };
                let mut latencies = Vec::new();
                for (state, duplicates, received, processed, attempts) in rows {
                    rates.received += 1;
                    rates.duplicate += duplicates.max(0) as u64;
                    match state.as_str() {
                        "applied" => rates.applied += 1,
                        "failed" => rates.failed += 1,
                        _ => rates.queued += 1,
                    }
                    // From receipt to the first application: a replay's is HQ's timing.
                    if let (Some(done), "applied", 1) = (processed, state.as_str(), attempts) {
                        latencies.push((done - received).max(0) as u64);
                    }
                }
                let (runs_with_failures, entities_failed): (i64, i64) = sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(CASE WHEN failed > 0 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     CAST(COALESCE(SUM(failed), 0) AS BIGINT) FROM ingestion_runs \
                     WHERE tenant_id = $1 AND source_id = $2 AND started_at_ms >= $3",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(since.unix_millis())
                .fetch_one(&self.pool)
                .await?;
                rates.runs_with_failures = runs_with_failures.max(0) as u64;
                rates.entities_failed = entities_failed.max(0) as u64;
                latencies.sort_unstable();
                let at = |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p).round() as usize).copied();
                rates.latency_p50_ms = at(0.5);
                rates.latency_p99_ms = at(0.99);
                Ok(rates)
            }

            async fn start_run(&self, tenant: TenantId, run: &ing::NewRun) -> DbResult<ing::Run> {
                let mut tx = self.pool.begin().await?;
                Self::insert_run(&mut tx, tenant, run).await?;
                Self::commit(tx).await?;
                self.run(tenant, run.id).await
            }

            async fn finish_run(&self, tenant: TenantId, run: Uuid, state: ing::RunState, counts: ing::RunCounts, errors: &[ing::RunError]) -> DbResult<ing::Run> {
                let kept = &errors[..errors.len().min(ing::RUN_ERRORS_KEPT)];
                let errors_json = serde_json::to_string(kept).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let row: Option<RunRow> = sqlx::query_as(&format!(
                    "UPDATE ingestion_runs SET state = $3, finished_at_ms = $4, received = $5, applied = $6, unchanged = $7, \
                     failed = $8, errors = $9 WHERE tenant_id = $1 AND id = $2 RETURNING {RUN_COLUMNS}"
                ))
                .bind(tenant.as_uuid())
                .bind(run)
                .bind(state.as_str())
                .bind(now_ms())
                .bind(counts.received as i64)
                .bind(counts.applied as i64)
                .bind(counts.unchanged as i64)
                .bind(counts.failed as i64)
                .bind(errors_json)
                .fetch_optional(&mut *tx)
                .await?;
                let finished = run_from(row.ok_or(DbError::NotFound("run"))?)?;
                Self::emit_event(
                    &mut tx,
                    tenant,
                    $crate::domain::events::by_hub(
                        "catalog.ingestion.completed",
                        None,
                        serde_json::json!({
                            "run_id": finished.id, "source_id": finished.source_id, "payload_id": finished.payload_id,
                            "trigger": finished.trigger, "format": finished.format, "state": finished.state,
                            "counts": finished.counts,
                        }),
                    ),
                )
                .await?;
                Self::commit(tx).await?;
                Ok(finished)
            }

            async fn run(&self, tenant: TenantId, run: Uuid) -> DbResult<ing::Run> {
                let row: Option<RunRow> = sqlx::query_as(&format!(
                    "SELECT {RUN_COLUMNS} FROM ingestion_runs WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(run)
                .fetch_optional(&self.pool)
                .await?;
                run_from(row.ok_or(DbError::NotFound("run"))?)
            }

            async fn runs(&self, tenant: TenantId, source: Option<Uuid>, with_failures: Option<bool>, before: Option<Uuid>, limit: u32) -> DbResult<Vec<ing::Run>> {
                let rows: Vec<RunRow> = sqlx::query_as(&format!(
                    "SELECT {RUN_COLUMNS} FROM ingestion_runs WHERE tenant_id = $1 AND ($2 IS NULL OR source_id = $2) \
                     AND ($3 IS NULL OR id < $3) AND ($5 IS NULL OR (state = 'failed' OR failed > 0) = $5) ORDER BY id DESC LIMIT $4"
                ))
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(before)
                .bind(i64::from(limit))
                .bind(with_failures)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(run_from).collect()
            }

            async fn record_ingestion_event(&self, tenant: TenantId, event: $crate::domain::events::NewEvent) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                Self::emit_event(&mut tx, tenant, event).await?;
                Self::commit(tx).await?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_ingestion_paths;
