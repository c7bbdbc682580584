//! The change feed and the store documents at the hub, for both backends:
//! reading a store's page of the feed after a cursor, pruning old changes, and
//! one step of a device's document sync under the tenant lock. Expanded inside
//! `sql_storage!`.

/// Implements the feed and document queries on `$storage`.
macro_rules! sql_feed_paths {
    ($storage:ty) => {
        /// The per-tenant logs pruned to a length: tills' feed and HQ's events.
        #[derive(Clone, Copy)]
        enum PrunedLog {
            Feed,
            Events,
        }

        impl $storage {
            pub(crate) async fn exchange_document_in(
                &self,
                device: &DeviceIdentity,
                purpose: DocPurpose,
                step: DocStep,
            ) -> DbResult<Option<Vec<u8>>> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, device.tenant_id).await?;
                let doc: Option<(Vec<u8>,)> = sqlx::query_as(
                    "SELECT doc FROM store_documents WHERE tenant_id = $1 AND store_id = $2 AND purpose = $3",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(purpose.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let state: Option<(Vec<u8>,)> = sqlx::query_as(
                    "SELECT sync_state FROM document_peers WHERE tenant_id = $1 AND store_id = $2 AND purpose = $3 AND terminal_id = $4",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(purpose.as_str())
                .bind(device.terminal_id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
                let update = step(doc.map(|(d,)| d), state.map(|(s,)| s)).map_err(DbError::Invalid)?;
                let now = now_ms();
                if let Some(doc) = &update.doc {
                    sqlx::query(
                        "INSERT INTO store_documents (tenant_id, store_id, purpose, doc, updated_at_ms) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (tenant_id, store_id, purpose) DO UPDATE SET doc = excluded.doc, updated_at_ms = excluded.updated_at_ms",
                    )
                    .bind(device.tenant_id.as_uuid())
                    .bind(device.store_id.as_uuid())
                    .bind(purpose.as_str())
                    .bind(doc)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    Self::append_change(&mut tx, device.tenant_id, Some(device.store_id), &ChangeBody::DocumentChanged { purpose }).await?;
                }
                sqlx::query(
                    "INSERT INTO document_peers (tenant_id, store_id, purpose, terminal_id, sync_state, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (tenant_id, store_id, purpose, terminal_id) DO UPDATE SET sync_state = excluded.sync_state, updated_at_ms = excluded.updated_at_ms",
                )
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(purpose.as_str())
                .bind(device.terminal_id.as_uuid())
                .bind(&update.sync_state)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                if update.doc.is_some() {
                    self.feed_changed();
                }
                Ok(update.reply)
            }

            pub(crate) async fn read_document(&self, tenant: TenantId, store: StoreId, purpose: DocPurpose) -> DbResult<Option<Vec<u8>>> {
                self.store(tenant, store).await?;
                let doc: Option<(Vec<u8>,)> = sqlx::query_as(
                    "SELECT doc FROM store_documents WHERE tenant_id = $1 AND store_id = $2 AND purpose = $3",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(purpose.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(doc.map(|(d,)| d))
            }

            pub(crate) async fn prune_feed_to(&self, keep: u64) -> DbResult<u64> {
                let keep = i64::try_from(keep).unwrap_or(i64::MAX);
                let dropped = self.prune_log(PrunedLog::Feed, keep).await?;
                let events = self.prune_log(PrunedLog::Events, keep).await?;
                if events > 0 {
                    tracing::info!(events, "events pruned");
                }
                Ok(dropped)
            }

            /// Keeps each tenant's last `keep` entries of `log`. The floor is
            /// raised first, under the tenant lock, so a reader behind it is
            /// told rather than served a range whose entries are half gone.
            async fn prune_log(&self, log: PrunedLog, keep: i64) -> DbResult<u64> {
                // Names from a closed enum, never from input.
                let (table, head_col, floor_col) = match log {
                    PrunedLog::Feed => ("feed_changes", "feed_seq", "feed_floor"),
                    PrunedLog::Events => ("hub_events", "event_seq", "event_floor"),
                };
                let tenants: Vec<(Uuid, i64)> = sqlx::query_as(&format!(
                    "SELECT id, {head_col} FROM tenants WHERE {head_col} - {floor_col} > $1"
                ))
                .bind(keep)
                .fetch_all(&self.pool)
                .await?;
                let mut dropped = 0;
                for (tenant, head) in tenants {
                    let floor = head - keep;
                    let mut tx = self.pool.begin().await?;
                    sqlx::query(&format!("UPDATE tenants SET {floor_col} = $2 WHERE id = $1 AND {floor_col} < $2"))
                        .bind(tenant)
                        .bind(floor)
                        .execute(&mut *tx)
                        .await?;
                    dropped += sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1 AND seq <= $2"))
                        .bind(tenant)
                        .bind(floor)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    tx.commit().await?;
                }
                Ok(dropped)
            }

            pub(crate) async fn read_feed(&self, tenant: TenantId, store: StoreId, since: u64, limit: u32) -> DbResult<FeedPage> {
                let since = i64::try_from(since).map_err(|_| DbError::NotFound("feed position"))?;
                // Read the head first: every change up to it has committed (the
                // tenant row lock orders commits), so the query below sees them all.
                let (head, floor): (i64, i64) = sqlx::query_as("SELECT feed_seq, feed_floor FROM tenants WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(DbError::NotFound("tenant"))?;
                if since < floor {
                    return Err(DbError::CursorExpired { since: since as u64, floor: floor as u64 });
                }
                let mut rows: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT seq, body FROM feed_changes WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 \
                     AND (store_id IS NULL OR store_id = $4) ORDER BY seq LIMIT $5",
                )
                .bind(tenant.as_uuid())
                .bind(since)
                .bind(head)
                .bind(store.as_uuid())
                .bind(i64::from(limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                let has_more = rows.len() > limit as usize;
                rows.truncate(limit as usize);
                let next_cursor = match (has_more, rows.last()) {
                    (true, Some((seq, _))) => *seq,
                    _ => head.max(since),
                };
                let changes = rows
                    .into_iter()
                    .map(|(seq, body)| {
                        let body: ChangeBody = serde_json::from_str(&body)
                            .map_err(|e| DbError::Corrupt(format!("feed change {seq}: {e}")))?;
                        Ok(pos_shared::sync::Change { seq: seq as u64, body })
                    })
                    .collect::<DbResult<Vec<_>>>()?;
                Ok(FeedPage { protocol_version: PROTOCOL_VERSION, changes, next_cursor: next_cursor as u64, has_more })
            }
        }
    };
}
pub(crate) use sql_feed_paths;
