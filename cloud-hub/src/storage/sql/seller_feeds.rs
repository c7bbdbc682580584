//! Seller feeds for both backends: uploads kept chunk by chunk as they
//! arrive, their queue (leased per source, so one seller's feeds apply in
//! the order they came), the progress of a run written with the rows it
//! refused, and the review queue. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::SellerFeedStorage`] on `$storage`.
macro_rules! sql_seller_feed_paths {
    ($storage:ty) => {
        use $crate::domain::feeds as feeds;

        type ReviewRowTuple = (Uuid, Uuid, Uuid, i64, Option<String>, String, Option<String>, String, String, i64, i64);
        const REVIEW_COLUMNS: &str = "id, source_id, run_id, line, sku, row_data, field, error, status, created_at_ms, updated_at_ms";
        type FeedRow = (Uuid, Uuid, Uuid, String, i64, Option<Uuid>, i64, i64);

        fn review_from(row: ReviewRowTuple) -> DbResult<feeds::ReviewRow> {
            let (id, source_id, run_id, line, sku, data, field, error, status, created, updated) = row;
            Ok(feeds::ReviewRow {
                id,
                source_id,
                run_id,
                line: line.max(0) as u64,
                sku,
                row: serde_json::from_str(&data)
                    .map_err(|e| DbError::Corrupt(format!("review row {id}: row: {e}")))?,
                field,
                error,
                status: feeds::ReviewStatus::parse(&status)
                    .ok_or_else(|| DbError::Corrupt(format!("review row {id}: status {status:?}")))?,
                created_at: Timestamp::from_unix_millis(created),
                updated_at: Timestamp::from_unix_millis(updated),
            })
        }

        fn cells_json(cells: &feeds::RowCells) -> DbResult<String> {
            serde_json::to_string(cells).map_err(|e| DbError::Corrupt(e.to_string()))
        }

        #[async_trait::async_trait]
        impl SellerFeedStorage for $storage {
            async fn begin_feed(&self, tenant: TenantId, feed: &feeds::NewFeed) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO seller_feeds (id, tenant_id, source_id, format, state, received_at_ms, body_bytes, attempts) \
                     VALUES ($1, $2, $3, $4, 'receiving', $5, 0, 0)",
                )
                .bind(feed.id)
                .bind(tenant.as_uuid())
                .bind(feed.source)
                .bind(feed.format.as_str())
                .bind(feed.received_at.unix_millis())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn append_feed_chunk(&self, feed: Uuid, seq: u32, bytes: &[u8]) -> DbResult<()> {
                sqlx::query("INSERT INTO seller_feed_chunks (feed_id, seq, bytes) VALUES ($1, $2, $3)")
                    .bind(feed)
                    .bind(i64::from(seq))
                    .bind(bytes)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn queue_feed(&self, tenant: TenantId, feed: Uuid, body_bytes: u64, run: &$crate::domain::ingestion::NewRun) -> DbResult<$crate::domain::ingestion::Run> {
                let mut tx = self.pool.begin().await?;
                Self::insert_run(&mut tx, tenant, run).await?;
                let queued = sqlx::query(
                    "UPDATE seller_feeds SET state = 'queued', run_id = $3, body_bytes = $4 \
                     WHERE tenant_id = $1 AND id = $2 AND state = 'receiving'",
                )
                .bind(tenant.as_uuid())
                .bind(feed)
                .bind(run.id)
                .bind(i64::try_from(body_bytes).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
                if queued.rows_affected() != 1 {
                    return Err(DbError::NotFound("feed"));
                }
                Self::commit(tx).await?;
                self.run(tenant, run.id).await
            }

            async fn drop_feed(&self, feed: Uuid) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM seller_feed_chunks WHERE feed_id = $1")
                    .bind(feed)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM seller_feeds WHERE id = $1 AND state = 'receiving'")
                    .bind(feed)
                    .execute(&mut *tx)
                    .await?;
                Self::commit(tx).await?;
                Ok(())
            }

            async fn sweep_abandoned_feeds(&self, before: Timestamp) -> DbResult<u64> {
                let abandoned: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT id FROM seller_feeds WHERE state = 'receiving' AND received_at_ms < $1",
                )
                .bind(before.unix_millis())
                .fetch_all(&self.pool)
                .await?;
                for (id,) in &abandoned {
                    self.drop_feed(*id).await?;
                }
                Ok(abandoned.len() as u64)
            }

            async fn lease_feed(&self, now: Timestamp, lease_ms: i64) -> DbResult<Option<feeds::LeasedFeed>> {
                let now = now.unix_millis();
                let token = Uuid::now_v7();
                let leased: Option<(Uuid,)> = sqlx::query_as(
                    "UPDATE seller_feeds SET lease_until_ms = $2, lease_token = $3, attempts = attempts + 1 \
                     WHERE id = (SELECT f.id FROM seller_feeds f WHERE f.state = 'queued' \
                        AND (f.lease_until_ms IS NULL OR f.lease_until_ms < $1) \
                        AND NOT EXISTS (SELECT 1 FROM seller_feeds o WHERE o.source_id = f.source_id \
                            AND o.state = 'queued' AND o.lease_until_ms >= $1) \
                        ORDER BY f.id LIMIT 1) \
                     AND (lease_until_ms IS NULL OR lease_until_ms < $1) RETURNING id",
                )
                .bind(now)
                .bind(now + lease_ms)
                .bind(token)
                .fetch_optional(&self.pool)
                .await?;
                let Some((id,)) = leased else { return Ok(None) };
                let (tenant, source, _, format, received, run, body_bytes, attempts): FeedRow = sqlx::query_as(
                    "SELECT tenant_id, source_id, id, format, received_at_ms, run_id, body_bytes, attempts FROM seller_feeds WHERE id = $1",
                )
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
                let run = run.ok_or_else(|| DbError::Corrupt(format!("feed {id}: queued without a run")))?;
                Ok(Some(feeds::LeasedFeed {
                    tenant: TenantId::from_uuid(tenant),
                    token,
                    feed: feeds::Feed {
                        id,
                        source,
                        format: feeds::FeedFormat::parse(&format)
                            .ok_or_else(|| DbError::Corrupt(format!("feed {id}: format {format:?}")))?,
                        received_at: Timestamp::from_unix_millis(received),
                        run,
                        body_bytes: body_bytes.max(0) as u64,
                        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    },
                }))
            }

            async fn feed_bytes(&self, feed: Uuid) -> DbResult<Vec<u8>> {
                let chunks: Vec<(Vec<u8>,)> = sqlx::query_as(
                    "SELECT bytes FROM seller_feed_chunks WHERE feed_id = $1 ORDER BY seq",
                )
                .bind(feed)
                .fetch_all(&self.pool)
                .await?;
                let mut body = Vec::with_capacity(chunks.iter().map(|(c,)| c.len()).sum());
                for (chunk,) in chunks {
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            }

            async fn feed_progress(
                &self,
                lease: &feeds::LeasedFeed,
                counts: $crate::domain::ingestion::RunCounts,
                errors: &[$crate::domain::ingestion::RunError],
                review: &[feeds::NewReviewRow],
                came_again: &[String],
                lease_ms: i64,
            ) -> DbResult<bool> {
                use $crate::domain::ingestion::RUN_ERRORS_KEPT;
                let kept = &errors[..errors.len().min(RUN_ERRORS_KEPT)];
                let errors_json = serde_json::to_string(kept).map_err(|e| DbError::Corrupt(e.to_string()))?;
                let now = now_ms();
                let mut tx = self.pool.begin().await?;
                let held = sqlx::query(
                    "UPDATE seller_feeds SET lease_until_ms = $3 WHERE id = $1 AND lease_token = $2 AND state = 'queued'",
                )
                .bind(lease.feed.id)
                .bind(lease.token)
                .bind(now + lease_ms)
                .execute(&mut *tx)
                .await?;
                if held.rows_affected() != 1 {
                    return Ok(false);
                }
                let tenant = lease.tenant.as_uuid();
                let source = lease.feed.source;
                let run = lease.feed.run;
                // A SKU in review again (or applied) supersedes its older rows.
                let mut again: Vec<&str> = came_again.iter().map(String::as_str).collect();
                again.extend(review.iter().filter_map(|r| r.sku.as_deref()));
                for sku in again {
                    sqlx::query(
                        "UPDATE feed_review_rows SET status = 'superseded', updated_at_ms = $4 \
                         WHERE source_id = $1 AND sku = $2 AND status = 'pending' AND run_id <> $3",
                    )
                    .bind(source)
                    .bind(sku)
                    .bind(run)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                for r in review {
                    sqlx::query(
                        "INSERT INTO feed_review_rows (id, tenant_id, source_id, run_id, line, sku, row_data, field, error, status, \
                         created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $10) \
                         ON CONFLICT (run_id, line) DO NOTHING",
                    )
                    .bind(r.id)
                    .bind(tenant)
                    .bind(source)
                    .bind(run)
                    .bind(i64::try_from(r.line).unwrap_or(i64::MAX))
                    .bind(&r.sku)
                    .bind(cells_json(&r.cells)?)
                    .bind(&r.field)
                    .bind(&r.error)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE ingestion_runs SET state = 'running', received = $3, applied = $4, unchanged = $5, failed = $6, errors = $7 \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant)
                .bind(run)
                .bind(counts.received as i64)
                .bind(counts.applied as i64)
                .bind(counts.unchanged as i64)
                .bind(counts.failed as i64)
                .bind(errors_json)
                .execute(&mut *tx)
                .await?;
                Self::commit(tx).await?;
                Ok(true)
            }

            async fn finish_feed(&self, lease: &feeds::LeasedFeed, failed: Option<&str>) -> DbResult<bool> {
                let done = sqlx::query(
                    "UPDATE seller_feeds SET state = $3, error = $4, finished_at_ms = $5, lease_until_ms = NULL, lease_token = NULL \
                     WHERE id = $1 AND lease_token = $2",
                )
                .bind(lease.feed.id)
                .bind(lease.token)
                .bind(if failed.is_some() { "failed" } else { "applied" })
                .bind(failed)
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn feed_known_skus(&self, tenant: TenantId, source: Uuid) -> DbResult<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT sku FROM variants WHERE tenant_id = $1 AND deleted_at_ms IS NULL \
                     UNION SELECT external_id FROM source_entities WHERE tenant_id = $1 AND source_id = $2 \
                     AND entity IN ('product', 'variant')",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(s,)| s).collect())
            }

            async fn create_feed_items(&self, tenant: TenantId, source: Uuid, items: &[feeds::NewFeedItem]) -> DbResult<Vec<Result<Product, DbError>>> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let mut out = Vec::with_capacity(items.len());
                let now = now_ms();
                for item in items {
                    let mut sp = sqlx::Acquire::begin(&mut *tx).await?;
                    let made = async {
                        let made = Self::insert_product(&mut sp, tenant, &item.product).await?;
                        let mut maps = vec![("product", item.external_id.as_str(), made.id.as_uuid())];
                        for (external, v) in item.variant_ids.iter().zip(&made.variants) {
                            maps.push(("variant", external.as_str(), v.variant_id.as_uuid()));
                        }
                        for (entity, external, canonical) in maps {
                            sqlx::query(
                                "INSERT INTO source_entities (tenant_id, source_id, entity, external_id, canonical_id, updated_at_ms) \
                                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_id, entity, external_id) \
                                 DO UPDATE SET canonical_id = excluded.canonical_id, updated_at_ms = excluded.updated_at_ms",
                            )
                            .bind(tenant.as_uuid())
                            .bind(source)
                            .bind(entity)
                            .bind(external)
                            .bind(canonical)
                            .bind(now)
                            .execute(&mut *sp)
                            .await?;
                        }
                        Self::emit_event(
                            &mut sp,
                            tenant,
                            $crate::domain::events::by_hub(
                                "catalog.product.upserted",
                                None,
                                serde_json::json!({
                                    "source_id": source, "external_id": item.external_id, "product_id": made.id,
                                    "variant_ids": made.variants.iter().map(|v| v.variant_id).collect::<Vec<_>>(),
                                }),
                            ),
                        )
                        .await?;
                        Ok::<_, DbError>(made)
                    }
                    .await;
                    match made {
                        Ok(made) => {
                            sp.commit().await?;
                            out.push(Ok(made));
                        }
                        Err(e @ (DbError::Other(_) | DbError::Corrupt(_))) => return Err(e),
                        Err(e) => {
                            sp.rollback().await?;
                            out.push(Err(e));
                        }
                    }
                }
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(out)
            }

            async fn pending_review_skus(&self, tenant: TenantId, source: Uuid) -> DbResult<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT DISTINCT sku FROM feed_review_rows WHERE tenant_id = $1 AND source_id = $2 AND status = 'pending' \
                     AND sku IS NOT NULL",
                )
                .bind(tenant.as_uuid())
                .bind(source)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(s,)| s).collect())
            }

            async fn review_rows(&self, tenant: TenantId, source: Uuid, status: Option<feeds::ReviewStatus>, after: Option<Uuid>, limit: u32) -> DbResult<Vec<feeds::ReviewRow>> {
                let rows: Vec<ReviewRowTuple> = sqlx::query_as(&format!(
                    "SELECT {REVIEW_COLUMNS} FROM feed_review_rows WHERE tenant_id = $1 AND source_id = $2 \
                     AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR id > $4) ORDER BY id LIMIT $5"
                ))
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(status.map(feeds::ReviewStatus::as_str))
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(review_from).collect()
            }

            async fn review_row(&self, tenant: TenantId, source: Uuid, row: Uuid) -> DbResult<feeds::ReviewRow> {
                let found: Option<ReviewRowTuple> = sqlx::query_as(&format!(
                    "SELECT {REVIEW_COLUMNS} FROM feed_review_rows WHERE tenant_id = $1 AND source_id = $2 AND id = $3"
                ))
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(row)
                .fetch_optional(&self.pool)
                .await?;
                review_from(found.ok_or(DbError::NotFound("review row"))?)
            }

            async fn change_review_row(&self, tenant: TenantId, source: Uuid, row: Uuid, change: &feeds::ReviewChange) -> DbResult<feeds::ReviewRow> {
                let cells = change.cells.as_ref().map(cells_json).transpose()?;
                let (field, error) = match &change.error {
                    Some((field, error)) => (Some(field.clone()), Some(error.clone())),
                    None => (None, None),
                };
                let changed: Option<ReviewRowTuple> = sqlx::query_as(&format!(
                    "UPDATE feed_review_rows SET status = $4, row_data = COALESCE($5, row_data), \
                     field = CASE WHEN $6 THEN $7 ELSE field END, error = COALESCE($8, error), updated_at_ms = $9 \
                     WHERE tenant_id = $1 AND source_id = $2 AND id = $3 AND status = 'pending' RETURNING {REVIEW_COLUMNS}"
                ))
                .bind(tenant.as_uuid())
                .bind(source)
                .bind(row)
                .bind(change.status.as_str())
                .bind(cells)
                .bind(field.is_some())
                .bind(field.flatten())
                .bind(error)
                .bind(now_ms())
                .fetch_optional(&self.pool)
                .await?;
                match changed {
                    Some(found) => review_from(found),
                    None => {
                        let now = self.review_row(tenant, source, row).await?;
                        Err(DbError::State {
                            field: "row_id",
                            detail: format!("this row is {} already; only a pending row changes", now.status.as_str()),
                        })
                    }
                }
            }
        }
    };
}

pub(crate) use sql_seller_feed_paths;
