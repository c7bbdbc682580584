//! A store's terminals at the hub, for both backends: creating one with its
//! one-time enrollment code, enrollment (the code consumed in one statement),
//! device credentials, and what each terminal reports of its sync. Only hashes
//! of codes and tokens are stored. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::TerminalStorage`] on `$storage`.
macro_rules! sql_terminal_paths {
    ($storage:ty) => {
        #[async_trait::async_trait]
        impl TerminalStorage for $storage {
            async fn create_terminal(
                &self,
                tenant: TenantId,
                store: StoreId,
                terminal: &NewTerminal,
                code_hash: &str,
            ) -> DbResult<Terminal> {
                self.store(tenant, store).await?;
                let id = match terminal.id {
                    Some(id) => {
                        let known: Option<(Uuid, Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
                            "SELECT tenant_id, remade_at_ms, enrolled_at_ms, revoked_at_ms FROM terminals WHERE id = $1",
                        )
                        .bind(id.as_uuid())
                        .fetch_optional(&self.pool)
                        .await?;
                        match known {
                            None => {}
                            // Made again, and no till has taken it yet (at the
                            // wrong store, say): made again once more, its old
                            // code void.
                            Some((t, Some(_), None, None)) if t == tenant.as_uuid() => {
                                sqlx::query(
                                    "UPDATE terminals SET store_id = $2, name = $3, receipt_prefix = $4, enrollment_code_hash = $5, \
                                     remade_at_ms = $6 WHERE id = $1",
                                )
                                .bind(id.as_uuid())
                                .bind(store.as_uuid())
                                .bind(&terminal.name)
                                .bind(&terminal.receipt_prefix)
                                .bind(code_hash)
                                .bind(now_ms())
                                .execute(&self.pool)
                                .await?;
                                return Ok(Terminal { id, store_id: store, name: terminal.name.clone(), receipt_prefix: terminal.receipt_prefix.clone() });
                            }
                            Some(_) => {
                                return Err(DbError::State {
                                    field: "terminal_id",
                                    detail: format!(
                                        "terminal {id} is known to this hub: only a terminal it lost (restored from an older copy), or one made again that no till has taken yet, is made again under its id"
                                    ),
                                });
                            }
                        }
                        id
                    }
                    None => TerminalId::new(),
                };
                sqlx::query(
                    "INSERT INTO terminals (id, tenant_id, store_id, name, receipt_prefix, enrollment_code_hash, created_at_ms, remade_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id.as_uuid())
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(&terminal.name)
                .bind(&terminal.receipt_prefix)
                .bind(code_hash)
                .bind(now_ms())
                .bind(terminal.id.map(|_| now_ms()))
                .execute(&self.pool)
                .await
                .map_err(DbError::from_sqlx)?;
                Ok(Terminal { id, store_id: store, name: terminal.name.clone(), receipt_prefix: terminal.receipt_prefix.clone() })
            }

            async fn enroll_terminal(
                &self,
                code_hash: &str,
                token_hash: &str,
                install_id: Option<Uuid>,
                was: Option<pos_shared::sync::FormerTerminal>,
            ) -> DbResult<DeviceIdentity> {
                // One statement: the code is consumed atomically, so it works
                // once, and a made-again terminal's only by the till it was.
                let row: Option<DeviceRow> = sqlx::query_as(&format!(
                    "UPDATE terminals SET device_token_hash = $2, enrolled_at_ms = $3, enrollment_code_hash = NULL, \
                     used_code_hash = $1, install_id = $4 WHERE enrollment_code_hash = $1 \
                     AND (remade_at_ms IS NULL OR (id = $5 AND store_id = $6)) RETURNING {DEVICE_COLUMNS}"
                ))
                .bind(code_hash)
                .bind(token_hash)
                .bind(now_ms())
                .bind(install_id)
                .bind(was.map(|w| w.terminal_id.as_uuid()))
                .bind(was.map(|w| w.store_id.as_uuid()))
                .fetch_optional(&self.pool)
                .await?;
                if row.is_none() {
                    let remade: Option<(Uuid, Uuid)> = sqlx::query_as(
                        "SELECT id, store_id FROM terminals WHERE enrollment_code_hash = $1 AND remade_at_ms IS NOT NULL",
                    )
                    .bind(code_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                    if let Some((id, store)) = remade {
                        return Err(DbError::State {
                            field: "terminal_id",
                            detail: format!(
                                "this code makes terminal {id} of store {store} again, for the till that was that terminal there; \
                                 a new till needs a new terminal's code (the code is kept)"
                            ),
                        });
                    }
                }
                if let Some(row) = row {
                    let device = device_from_row(row);
                    // The new till's share of the store's credit accounts.
                    self.regrant_store_credit(device.tenant_id, device.store_id).await?;
                    // ...and of the points of the customers the store knows.
                    self.regrant_store_points(device.tenant_id, device.store_id).await?;
                    return Ok(device);
                }
                // The same installation asking again: its answer was lost.
                let Some(install_id) = install_id else {
                    return Err(self.code_refusal(code_hash).await?);
                };
                let row: Option<DeviceRow> = sqlx::query_as(&format!(
                    "UPDATE terminals SET device_token_hash = $2 \
                     WHERE used_code_hash = $1 AND install_id = $3 AND device_token_hash IS NOT NULL AND enrolled_at_ms > $4 \
                     RETURNING {DEVICE_COLUMNS}"
                ))
                .bind(code_hash)
                .bind(token_hash)
                .bind(install_id)
                .bind(now_ms() - 24 * 3600 * 1000)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(row) => Ok(device_from_row(row)),
                    None => Err(self.code_refusal(code_hash).await?),
                }
            }

            async fn device_for_token(&self, token_hash: &str) -> DbResult<DeviceIdentity> {
                let row: Option<DeviceRow> = sqlx::query_as(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM terminals WHERE device_token_hash = $1"
                ))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(device_from_row).ok_or(DbError::NotFound("device credential"))
            }

            async fn token_revoked_at(&self, token_hash: &str) -> DbResult<Option<Timestamp>> {
                let row: Option<(Option<i64>,)> =
                    sqlx::query_as("SELECT revoked_at_ms FROM terminals WHERE revoked_token_hash = $1")
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.and_then(|(at,)| at).map(Timestamp::from_unix_millis))
            }

            async fn terminals_revoked_since(&self, since: Timestamp) -> DbResult<Vec<(TenantId, StoreId, TerminalId, Timestamp)>> {
                let rows: Vec<(Uuid, Uuid, Uuid, i64)> = sqlx::query_as(
                    "SELECT tenant_id, store_id, id, revoked_at_ms FROM terminals WHERE revoked_at_ms >= $1",
                )
                .bind(since.unix_millis())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(tenant, store, terminal, at)| {
                        (TenantId::from_uuid(tenant), StoreId::from_uuid(store), TerminalId::from_uuid(terminal), Timestamp::from_unix_millis(at))
                    })
                    .collect())
            }

            async fn revoke_terminal(&self, tenant: TenantId, store: StoreId, terminal: TerminalId) -> DbResult<Timestamp> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                // Revoking again keeps the first revocation and what it took.
                let revoked: Option<(i64,)> = sqlx::query_as(
                    "UPDATE terminals SET revoked_token_hash = COALESCE(device_token_hash, revoked_token_hash), \
                     revoked_at_ms = CASE WHEN device_token_hash IS NULL AND revoked_at_ms IS NOT NULL THEN revoked_at_ms ELSE $4 END, \
                     used_code_hash = COALESCE(enrollment_code_hash, used_code_hash), \
                     device_token_hash = NULL, enrollment_code_hash = NULL \
                     WHERE tenant_id = $1 AND store_id = $2 AND id = $3 RETURNING revoked_at_ms",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(terminal.as_uuid())
                .bind(now_ms())
                .fetch_optional(&mut *tx)
                .await?;
                let Some((revoked_at,)) = revoked else {
                    return Err(DbError::NotFound("terminal"));
                };
                Self::give_back_holdings(&mut tx, tenant, terminal).await?;
                Self::commit(tx).await?;
                // The other tills waiting on the feed hear their new grants now.
                self.feed_changed();
                Ok(Timestamp::from_unix_millis(revoked_at))
            }

            async fn record_terminal_reports(&self, reports: &[SeenReport]) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                for seen in reports {
                    let (device, report) = (&seen.device, &seen.report);
                    sqlx::query(
                        "UPDATE terminals SET last_seen_at_ms = $3, feed_cursor = $4, queue_depth = $5, agent_version = $6, protocol_version = $7, \
                         oldest_unsent_at_ms = $8, quarantined = $9 WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(device.tenant_id.as_uuid())
                    .bind(device.terminal_id.as_uuid())
                    .bind(seen.seen_at.unix_millis())
                    .bind(i64::try_from(report.cursor).unwrap_or(i64::MAX))
                    .bind(report.queue_depth.map(|q| i64::try_from(q).unwrap_or(i64::MAX)))
                    .bind(report.agent_version.as_deref())
                    .bind(i64::from(report.protocol_version))
                    .bind(report.oldest_unsent_at.map(|t| t.unix_millis()))
                    .bind(report.quarantined.map(|q| i64::try_from(q).unwrap_or(i64::MAX)))
                    .execute(&mut *tx)
                    .await?;
                }
                Self::commit(tx).await?;
                Ok(())
            }

            async fn terminals(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<TerminalStatus>> {
                self.store(tenant, store).await?;
                let (head,): (i64,) = sqlx::query_as("SELECT feed_seq FROM tenants WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_one(&self.pool)
                    .await?;
                let rows: Vec<TerminalStatusRow> = sqlx::query_as(
                    "SELECT id, name, receipt_prefix, device_token_hash IS NOT NULL, last_seen_at_ms, feed_cursor, queue_depth, agent_version, protocol_version, \
                     oldest_unsent_at_ms, quarantined, revoked_at_ms \
                     FROM terminals WHERE tenant_id = $1 AND store_id = $2 ORDER BY receipt_prefix",
                )
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|row| terminal_status_from_row(row, store, head)).collect())
            }
        }

        impl $storage {
            /// Why an enrollment code was not taken: its terminal was revoked
            /// (before or after it enrolled), or the code is unknown or used.
            async fn code_refusal(&self, code_hash: &str) -> DbResult<DbError> {
                let revoked: Option<(Option<i64>,)> = sqlx::query_as(
                    "SELECT revoked_at_ms FROM terminals \
                     WHERE used_code_hash = $1 AND device_token_hash IS NULL AND revoked_at_ms IS NOT NULL",
                )
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(match revoked.and_then(|(at,)| at) {
                    Some(at) => DbError::State {
                        field: "code",
                        detail: format!(
                            "HQ revoked this code's terminal at {}; ask HQ for a new terminal's code",
                            Timestamp::from_unix_millis(at)
                        ),
                    },
                    None => DbError::NotFound("enrollment code"),
                })
            }
        }
    };
}

pub(crate) use sql_terminal_paths;
