//! The write paths every storage method shares, for both backends: the tenant
//! lock, the feed append, a ledger movement, a sale. Expanded inside
//! `sql_storage!`, which brings the names they use into scope.

/// Implements the shared write helpers on `$storage` (a pool of `$db`).
macro_rules! sql_write_paths {
    ($storage:ty, $db:ty) => {
        impl $storage {
            /// Wakes feed long-polls; called after a commit that appended changes.
            fn feed_changed(&self) {
                self.feed_tx.send_modify(|generation| *generation = generation.wrapping_add(1));
            }

            /// Takes the tenant's row lock first thing in every transaction that
            /// may append to its feed, so such transactions queue in one order
            /// and cannot deadlock over stock rows (PostgreSQL), and start as
            /// writers (SQLite).
            async fn lock_tenant(tx: &mut Tx<'_>, tenant: TenantId) -> DbResult<()> {
                let locked = sqlx::query("UPDATE tenants SET feed_seq = feed_seq WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                if locked == 0 {
                    return Err(DbError::NotFound("tenant"));
                }
                Ok(())
            }

            /// Appends to the tenant's feed inside `tx`; the sequence is the
            /// tenant row's counter, so it is gap-free and commits in order.
            async fn append_change(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: Option<StoreId>,
                body: &ChangeBody,
            ) -> DbResult<()> {
                let (seq,): (i64,) = sqlx::query_as(
                    "UPDATE tenants SET feed_seq = feed_seq + 1 WHERE id = $1 RETURNING feed_seq",
                )
                .bind(tenant.as_uuid())
                .fetch_one(&mut **tx)
                .await?;
                let body = serde_json::to_string(body).map_err(|e| DbError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO feed_changes (tenant_id, seq, store_id, body, committed_at_ms) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(tenant.as_uuid())
                .bind(seq)
                .bind(store.map(|s| s.as_uuid()))
                .bind(body)
                .bind(now_ms())
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Adds one movement to the ledger unless its id is already there;
            /// only a new movement moves the position and reaches the feed.
            async fn apply_movement(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                m: &MovementRecord,
            ) -> DbResult<MovementOutcome> {
                let now = now_ms();
                let inserted = sqlx::query(
                    "INSERT INTO stock_movements (id, tenant_id, store_id, variant_id, delta_milli, reason, sale_id, terminal_id, occurred_at_ms, recorded_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
                )
                .bind(m.movement_id.as_uuid())
                .bind(tenant.as_uuid())
                .bind(m.store_id.as_uuid())
                .bind(m.variant_id.as_uuid())
                .bind(m.delta.milli())
                .bind(m.reason.as_str())
                .bind(m.sale_id.map(|s| s.as_uuid()))
                .bind(m.terminal_id.map(|t| t.as_uuid()))
                .bind(m.occurred_at.unix_millis())
                .bind(now)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Ok(MovementOutcome::Duplicate);
                }
                sqlx::query(
                    "INSERT INTO stock_positions (tenant_id, store_id, variant_id, on_hand_milli, updated_at_ms) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (tenant_id, store_id, variant_id) DO UPDATE \
                     SET on_hand_milli = stock_positions.on_hand_milli + excluded.on_hand_milli, updated_at_ms = excluded.updated_at_ms",
                )
                .bind(tenant.as_uuid())
                .bind(m.store_id.as_uuid())
                .bind(m.variant_id.as_uuid())
                .bind(m.delta.milli())
                .bind(now)
                .execute(&mut **tx)
                .await?;
                Self::append_change(tx, tenant, Some(m.store_id), &ChangeBody::StockMoved(m.clone())).await?;
                Ok(MovementOutcome::Recorded)
            }

            /// Writes one sale and its movements inside `tx` (a savepoint).
            async fn insert_sale(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                sale: &SaleFact,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let inserted = sqlx::query(
                    "INSERT INTO sales (id, tenant_id, store_id, terminal_id, receipt_no, total_minor, currency, occurred_at_ms, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
                )
                .bind(sale.sale_id.as_uuid())
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(&sale.receipt_no)
                .bind(sale.total.minor())
                .bind(sale.total.currency().as_str())
                .bind(sale.occurred_at.unix_millis())
                .bind(now_ms())
                .bind(raw_envelope)
                .execute(&mut **tx)
                .await;
                match inserted.map_err(DbError::from_sqlx) {
                    Ok(done) if done.rows_affected() == 0 => return Ok(FactStored::Duplicate),
                    Ok(_) => {}
                    Err(DbError::Conflict(_)) => {
                        return Ok(FactStored::Rejected(format!(
                            "receipt_no: {} is already used by another sale of this terminal",
                            sale.receipt_no
                        )))
                    }
                    Err(e) => return Err(e),
                }
                let movements: Vec<MovementRecord> = sale
                    .lines
                    .iter()
                    .map(|line| MovementRecord {
                        movement_id: line.movement_id,
                        store_id: device.store_id,
                        variant_id: line.variant_id,
                        delta: -line.qty,
                        reason: MovementReason::Sale,
                        sale_id: Some(sale.sale_id),
                        terminal_id: Some(device.terminal_id),
                        occurred_at: sale.occurred_at,
                    })
                    .collect();
                Self::apply_fact_movements(tx, device, &movements).await
            }

            /// Writes one return and puts its goods back on the shelf, inside `tx`
            /// (a savepoint); idempotent by return id.
            async fn insert_return(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                ret: &ReturnFact,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let inserted = sqlx::query(
                    "INSERT INTO returns (id, tenant_id, store_id, terminal_id, receipt_no, original_sale_id, total_minor, currency, occurred_at_ms, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
                )
                .bind(ret.return_id.as_uuid())
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(&ret.receipt_no)
                .bind(ret.original_sale_id.as_uuid())
                .bind(ret.total.minor())
                .bind(ret.total.currency().as_str())
                .bind(ret.occurred_at.unix_millis())
                .bind(now_ms())
                .bind(raw_envelope)
                .execute(&mut **tx)
                .await;
                match inserted.map_err(DbError::from_sqlx) {
                    Ok(done) if done.rows_affected() == 0 => return Ok(FactStored::Duplicate),
                    Ok(_) => {}
                    Err(DbError::Conflict(_)) => {
                        return Ok(FactStored::Rejected(format!(
                            "receipt_no: {} is already used by another return of this terminal",
                            ret.receipt_no
                        )))
                    }
                    Err(e) => return Err(e),
                }
                let movements: Vec<MovementRecord> = ret
                    .lines
                    .iter()
                    .map(|line| MovementRecord {
                        movement_id: line.movement_id,
                        store_id: device.store_id,
                        variant_id: line.variant_id,
                        delta: line.qty,
                        reason: MovementReason::Return,
                        sale_id: Some(ret.original_sale_id),
                        terminal_id: Some(device.terminal_id),
                        occurred_at: ret.occurred_at,
                    })
                    .collect();
                Self::apply_fact_movements(tx, device, &movements).await
            }

            /// Applies a fact's movements, one per line. A line whose variant is
            /// unknown, or whose movement id already belongs to another fact,
            /// refuses the whole fact: the caller's savepoint rolls it back.
            async fn apply_fact_movements(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                movements: &[MovementRecord],
            ) -> DbResult<FactStored> {
                for (i, m) in movements.iter().enumerate() {
                    if !Self::variant_exists(tx, device.tenant_id, m.variant_id).await? {
                        return Ok(FactStored::Rejected(format!(
                            "lines[{i}].variant_id: no variant {} in this tenant's catalog",
                            m.variant_id
                        )));
                    }
                    if Self::apply_movement(tx, device.tenant_id, m).await? == MovementOutcome::Duplicate {
                        return Ok(FactStored::Rejected(format!(
                            "lines[{i}].movement_id: movement {} already belongs to another fact",
                            m.movement_id
                        )));
                    }
                }
                Ok(FactStored::Accepted)
            }

            /// Keeps a shift's Z report; idempotent by shift id.
            async fn insert_shift_close(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                report: &ShiftReport,
                raw_envelope: &str,
            ) -> DbResult<FactStored> {
                let closed_at = report.closed_at.map_or(0, |t| t.unix_millis());
                let done = sqlx::query(
                    "INSERT INTO shift_closes (id, tenant_id, store_id, terminal_id, closed_at_ms, received_at_ms, envelope) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
                )
                .bind(report.shift_id.as_uuid())
                .bind(device.tenant_id.as_uuid())
                .bind(device.store_id.as_uuid())
                .bind(device.terminal_id.as_uuid())
                .bind(closed_at)
                .bind(now_ms())
                .bind(raw_envelope)
                .execute(&mut **tx)
                .await?;
                Ok(if done.rows_affected() == 0 { FactStored::Duplicate } else { FactStored::Accepted })
            }

            async fn variant_exists(tx: &mut Tx<'_>, tenant: TenantId, variant: VariantId) -> DbResult<bool> {
                let found: Option<(Uuid,)> =
                    sqlx::query_as("SELECT id FROM variants WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(variant.as_uuid())
                        .fetch_optional(&mut **tx)
                        .await?;
                Ok(found.is_some())
            }
        }
    };
}
pub(crate) use sql_write_paths;
