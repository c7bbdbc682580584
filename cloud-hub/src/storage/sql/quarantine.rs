//! The quarantine at the hub, for both backends. Expanded inside
//! `sql_storage!`.

/// Implements [`crate::storage::QuarantineStorage`] on `$storage`.
macro_rules! sql_quarantine_paths {
    ($storage:ty) => {
        use $crate::domain::quarantine::{QuarantineEntry, QuarantineFilter, QuarantineStatus};
        use pos_shared::sync::{QuarantineAction, QuarantineInstruction, QuarantinedFact};

        type QuarantineRow = (Uuid, Uuid, Uuid, String, String, i64, i64, i64, String, i64, i64, Option<String>, Option<i64>, Option<String>, String);

        const QUARANTINE_COLUMNS: &str = "event_id, store_id, terminal_id, event_type, reason, quarantined_at_ms, \
             first_reported_at_ms, reported_at_ms, status, resends_asked, till_resent, decided_by, decided_at_ms, note, envelope";

        fn quarantine_from_row(row: QuarantineRow) -> DbResult<QuarantineEntry> {
            let (event_id, store, terminal, event_type, reason, at, first, last, status, asked, resent, by, decided, note, envelope) = row;
            Ok(QuarantineEntry {
                event_id,
                store_id: StoreId::from_uuid(store),
                terminal_id: TerminalId::from_uuid(terminal),
                event_type,
                reason,
                quarantined_at: Timestamp::from_unix_millis(at),
                first_reported_at: Timestamp::from_unix_millis(first),
                reported_at: Timestamp::from_unix_millis(last),
                status: QuarantineStatus::parse(&status)
                    .ok_or_else(|| DbError::Corrupt(format!("quarantine status {status:?}")))?,
                resends_asked: u32::try_from(asked).unwrap_or(u32::MAX),
                till_resent: u32::try_from(resent).unwrap_or(u32::MAX),
                decided_by: by,
                decided_at: decided.map(Timestamp::from_unix_millis),
                note,
                envelope: serde_json::from_str(&envelope)
                    .map_err(|e| DbError::Corrupt(format!("quarantined fact {event_id}: {e}")))?,
            })
        }

        impl $storage {
            async fn read_quarantined(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                terminal: TerminalId,
                event_id: Uuid,
            ) -> DbResult<Option<QuarantineEntry>> {
                let row: Option<QuarantineRow> = sqlx::query_as(&format!(
                    "SELECT {QUARANTINE_COLUMNS} FROM quarantined_facts WHERE tenant_id = $1 AND terminal_id = $2 AND event_id = $3"
                ))
                .bind(tenant.as_uuid())
                .bind(terminal.as_uuid())
                .bind(event_id)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(quarantine_from_row).transpose()
            }

            /// Facts (by event id) that reached the ledger are no longer a quarantine matter.
            async fn resolve_quarantined(tx: &mut Tx<'_>, device: &DeviceIdentity, event_ids: &[Uuid]) -> DbResult<()> {
                for chunk in event_ids.chunks(Self::rows_per_statement(1)) {
                    let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", 3 + i)).collect();
                    let sql = format!(
                        "UPDATE quarantined_facts SET status = 'resolved' \
                         WHERE tenant_id = $1 AND terminal_id = $2 AND status IN ('open', 'resend') AND event_id IN ({})",
                        list.join(", ")
                    );
                    let mut query = sqlx::query(&sql).bind(device.tenant_id.as_uuid()).bind(device.terminal_id.as_uuid());
                    for id in chunk {
                        query = query.bind(*id);
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl QuarantineStorage for $storage {
            async fn report_quarantine(
                &self,
                device: &DeviceIdentity,
                facts: &[QuarantinedFact],
            ) -> DbResult<Vec<QuarantineInstruction>> {
                let now = now_ms();
                let mut tx = self.pool.begin().await?;
                let mut instructions = Vec::new();
                for fact in facts {
                    let envelope = serde_json::to_string(&fact.envelope).map_err(|e| DbError::Corrupt(e.to_string()))?;
                    // A fact HQ asked to resend and the till resent since, that
                    // is back in quarantine, is open again with its new reason.
                    sqlx::query(
                        "INSERT INTO quarantined_facts (tenant_id, terminal_id, event_id, store_id, event_type, reason, envelope, \
                         quarantined_at_ms, first_reported_at_ms, reported_at_ms, till_resent, status) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, 'open') \
                         ON CONFLICT (tenant_id, terminal_id, event_id) DO UPDATE SET \
                         reason = excluded.reason, quarantined_at_ms = excluded.quarantined_at_ms, \
                         reported_at_ms = excluded.reported_at_ms, till_resent = excluded.till_resent, \
                         status = CASE WHEN quarantined_facts.status IN ('resend', 'resolved') \
                                        AND excluded.till_resent >= quarantined_facts.resends_asked \
                                       THEN 'open' ELSE quarantined_facts.status END",
                    )
                    .bind(device.tenant_id.as_uuid())
                    .bind(device.terminal_id.as_uuid())
                    .bind(fact.event_id)
                    .bind(device.store_id.as_uuid())
                    .bind(&fact.event_type)
                    .bind(&fact.reason)
                    .bind(envelope)
                    .bind(fact.quarantined_at.unix_millis())
                    .bind(now)
                    .bind(i64::from(fact.resent))
                    .execute(&mut *tx)
                    .await?;
                    let entry = Self::read_quarantined(&mut tx, device.tenant_id, device.terminal_id, fact.event_id)
                        .await?
                        .ok_or(DbError::NotFound("quarantined fact"))?;
                    let action = match entry.status {
                        QuarantineStatus::Resend if entry.till_resent < entry.resends_asked => Some(QuarantineAction::Resend),
                        QuarantineStatus::WrittenOff => Some(QuarantineAction::WriteOff),
                        _ => None,
                    };
                    if let Some(action) = action {
                        instructions.push(QuarantineInstruction { event_id: fact.event_id, action });
                    }
                }
                Self::commit(tx).await?;
                Ok(instructions)
            }

            async fn quarantined_facts(
                &self,
                tenant: TenantId,
                store: StoreId,
                filter: &QuarantineFilter,
            ) -> DbResult<Vec<QuarantineEntry>> {
                self.store(tenant, store).await?;
                let rows: Vec<QuarantineRow> = sqlx::query_as(&format!(
                    "SELECT {QUARANTINE_COLUMNS} FROM quarantined_facts WHERE tenant_id = $1 AND store_id = $2 \
                     AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR terminal_id = $4) \
                     ORDER BY first_reported_at_ms, event_id LIMIT $5"
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(filter.status.map(|s| s.as_str()))
                .bind(filter.terminal.map(|t| t.as_uuid()))
                .bind(i64::from(filter.limit))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(quarantine_from_row).collect()
            }

            async fn decide_quarantined(
                &self,
                tenant: TenantId,
                store: StoreId,
                terminal: TerminalId,
                event_id: Uuid,
                action: QuarantineAction,
                note: Option<&str>,
            ) -> DbResult<QuarantineEntry> {
                self.store(tenant, store).await?;
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let entry = Self::read_quarantined(&mut tx, tenant, terminal, event_id)
                    .await?
                    .filter(|e| e.store_id == store)
                    .ok_or(DbError::NotFound("quarantined fact"))?;
                let allowed = match action {
                    QuarantineAction::Resend => entry.status == QuarantineStatus::Open,
                    QuarantineAction::WriteOff => matches!(entry.status, QuarantineStatus::Open | QuarantineStatus::Resend),
                };
                if !allowed {
                    return Err(DbError::State {
                        field: "status",
                        detail: format!("the fact is {}, so it cannot be {}", entry.status.as_str(), match action {
                            QuarantineAction::Resend => "resent",
                            QuarantineAction::WriteOff => "written off",
                        }),
                    });
                }
                let (status, asked, event_type) = match action {
                    QuarantineAction::Resend => ("resend", entry.resends_asked + 1, "pos.quarantine.resend_requested"),
                    QuarantineAction::WriteOff => ("written_off", entry.resends_asked, "pos.quarantine.written_off"),
                };
                let by = $crate::domain::events::acting_source();
                sqlx::query(
                    "UPDATE quarantined_facts SET status = $4, resends_asked = $5, decided_by = $6, decided_at_ms = $7, note = $8 \
                     WHERE tenant_id = $1 AND terminal_id = $2 AND event_id = $3",
                )
                .bind(tenant.as_uuid())
                .bind(terminal.as_uuid())
                .bind(event_id)
                .bind(status)
                .bind(i64::from(asked))
                .bind(&by)
                .bind(now_ms())
                .bind(note)
                .execute(&mut *tx)
                .await?;
                Self::emit_event(&mut tx, tenant, $crate::domain::events::NewEvent {
                    event_type,
                    source: by,
                    store: Some(store),
                    occurred_at: Timestamp::now(),
                    data: serde_json::json!({
                        "event_id": event_id,
                        "terminal_id": terminal,
                        "fact_type": entry.event_type,
                        "reason": entry.reason,
                        "note": note,
                    }),
                    once_for: None,
                })
                .await?;
                let decided = Self::read_quarantined(&mut tx, tenant, terminal, event_id)
                    .await?
                    .ok_or(DbError::NotFound("quarantined fact"))?;
                Self::commit(tx).await?;
                Ok(decided)
            }
        }
    };
}

pub(crate) use sql_quarantine_paths;
