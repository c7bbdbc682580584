//! The event outbox at the hub, for both backends: events written inside the
//! transaction of the change they announce, numbered under the tenant row
//! lock (as written, or at commit: `writes.rs`), and read back in order. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::EventStorage`] on `$storage`, and the event
/// writes every change makes.
macro_rules! sql_event_paths {
    ($storage:ty) => {
        use $crate::domain::events::{EventPage, EventQuery, HubEvent, NewEvent};
        use $crate::domain::orderability::OrderState;

        type EventRow = (i64, Uuid, String, String, Option<Uuid>, i64, Uuid, i32, String, i64);

        impl $storage {
            /// Writes `event` to the tenant's outbox inside `tx`: numbered at
            /// once where one transaction writes at a time, at commit
            /// (`Self::commit`) where they work side by side.
            async fn emit_event(tx: &mut Tx<'_>, tenant: TenantId, event: NewEvent) -> DbResult<()> {
                Self::emit_events(tx, tenant, vec![event]).await
            }

            /// [`Self::emit_event`] for many, in their order, as many a statement as the backend takes.
            async fn emit_events(tx: &mut Tx<'_>, tenant: TenantId, events: Vec<NewEvent>) -> DbResult<()> {
                // Ten columns, and the number where one writer works at a time.
                for chunk in events.chunks(Self::rows_per_statement(11)) {
                    let mut data = Vec::with_capacity(chunk.len());
                    for event in chunk {
                        data.push(serde_json::to_string(&event.data).map_err(|e| DbError::Corrupt(e.to_string()))?);
                    }
                    let (rows, first_seq) = Self::numbered_rows(tx, tenant, "event_seq", chunk.len(), 10).await?;
                    let sql = match first_seq {
                        Some(_) => format!(
                            "INSERT INTO hub_events (tenant_id, seq, event_id, event_type, source, store_id, occurred_at_ms, \
                             trace_id, schema_version, data, committed_at_ms) VALUES {rows}"
                        ),
                        None => format!(
                            "INSERT INTO event_pending (tenant_id, event_id, event_type, source, store_id, occurred_at_ms, \
                             trace_id, schema_version, data, committed_at_ms) VALUES {rows}"
                        ),
                    };
                    let mut query = sqlx::query(&sql);
                    let now = now_ms();
                    for (i, (event, data)) in chunk.iter().zip(data).enumerate() {
                        query = query.bind(tenant.as_uuid());
                        if let Some(first) = first_seq {
                            query = query.bind(first + i as i64);
                        }
                        query = query
                            .bind(event.id())
                            .bind(event.event_type)
                            .bind(event.source.clone())
                            .bind(event.store.map(|s| s.as_uuid()))
                            .bind(event.occurred_at.unix_millis())
                            .bind(Uuid::now_v7())
                            .bind(i32::from(pos_shared::event::ENVELOPE_SCHEMA_VERSION))
                            .bind(data)
                            .bind(now);
                    }
                    query.execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Where a reader whose place bears `mark` reads on in this
            /// history: before the first event committed after the mark.
            /// Every event from before a restored copy was committed before
            /// the reader read its place, every event since after, so this
            /// is the copy's last event, whatever was written on since.
            async fn events_before_mark(&self, tenant: TenantId, mark: i64, head: i64) -> DbResult<u64> {
                let (first_after,): (Option<i64>,) =
                    sqlx::query_as("SELECT MIN(seq) FROM hub_events WHERE tenant_id = $1 AND committed_at_ms > $2")
                        .bind(tenant.as_uuid())
                        .bind(mark)
                        .fetch_one(&self.pool)
                        .await?;
                Ok(first_after.map_or(head, |seq| seq - 1).max(0) as u64)
            }

            /// What decides whether `variant` can be ordered at `store` at
            /// `now` (reservations held until released:
            /// `projection::Held::UntilReleased`), read inside `tx`; `None`
            /// if there is no such store.
            async fn order_state(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                store: StoreId,
                variant: VariantId,
                now: i64,
            ) -> DbResult<Option<OrderState>> {
                // The item's gates come from its position (the catalog's read
                // model, `sql/projection.rs`); no position, no gates.
                let row: Option<(String, i64, i64, i64, Option<i64>, i64, i64, Option<String>)> = sqlx::query_as(&format!(
                    "SELECT s.status, \
                     CAST(CASE WHEN p.delisted THEN 0 ELSE 1 END AS BIGINT), \
                     COALESCE(p.on_hand_milli, 0), \
                     COALESCE({}, 0), \
                     (SELECT point_milli FROM reorder_points WHERE tenant_id = $1 AND store_id = $2 AND variant_id = $3), \
                     COALESCE((SELECT CAST(CASE WHEN v.deleted_at_ms IS NOT NULL THEN 2 WHEN v.disabled_at_ms IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) \
                          FROM variants v WHERE v.tenant_id = $1 AND v.id = $3), 0), \
                     CAST(CASE WHEN p.blocked THEN 1 ELSE 0 END AS BIGINT), \
                     s.hours \
                     FROM stores s LEFT JOIN stock_positions p ON p.tenant_id = s.tenant_id AND p.store_id = s.id AND p.variant_id = $3 \
                     WHERE s.tenant_id = $1 AND s.id = $2",
                    $crate::storage::sql::projection::Held::UntilReleased.sql("$4")
                ))
                .bind(tenant.as_uuid())
                .bind(store.as_uuid())
                .bind(variant.as_uuid())
                .bind(now)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(|(status, listed, on_hand, held, reorder_point, withdrawn, blocked, hours)| {
                    Self::order_state_from(store, &status, hours, [listed, on_hand, held, withdrawn, blocked], reorder_point, now)
                })
                .transpose()
            }

            /// The item's [`OrderState`] at each of the tenant's stores, read
            /// before a chain-wide change to it (disabling, deleting), so each
            /// store where it flips can say so.
            async fn order_states_everywhere(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                variant: VariantId,
                now: i64,
            ) -> DbResult<Vec<(StoreId, Option<OrderState>)>> {
                let stores: Vec<(Uuid,)> = sqlx::query_as("SELECT id FROM stores WHERE tenant_id = $1 ORDER BY code")
                    .bind(tenant.as_uuid())
                    .fetch_all(&mut **tx)
                    .await?;
                let mut states = Vec::with_capacity(stores.len());
                for (store,) in stores {
                    let store = StoreId::from_uuid(store);
                    states.push((store, Self::order_state(tx, tenant, store, variant, now).await?));
                }
                Ok(states)
            }

            /// The [`OrderState`] of an item at `store` from what the store's
            /// row holds (`status`, `hours`) and `[listed, on_hand_milli,
            /// held_milli, withdrawn, blocked]` (flags as 0 or 1; withdrawn 1
            /// for disabled, 2 for deleted), at `now`.
            fn order_state_from(
                store: StoreId,
                status: &str,
                hours: Option<String>,
                [listed, on_hand, held, withdrawn, blocked]: [i64; 5],
                reorder_point: Option<i64>,
                now: i64,
            ) -> DbResult<OrderState> {
                let status = $crate::domain::orderability::StoreStatus::parse(status)
                    .ok_or_else(|| DbError::Corrupt(format!("store {store}: status {status:?}")))?;
                let hours: Option<$crate::domain::hours::OpeningHours> = hours
                    .map(|h| serde_json::from_str(&h))
                    .transpose()
                    .map_err(|e| DbError::Corrupt(format!("store {store}: hours: {e}")))?;
                let outside_hours = status == $crate::domain::orderability::StoreStatus::Open
                    && hours.is_some_and(|h| !h.is_open(Timestamp::from_unix_millis(now)));
                Ok(OrderState {
                    status,
                    outside_hours,
                    listed: listed != 0,
                    disabled: withdrawn == 1,
                    deleted: withdrawn == 2,
                    blocked: blocked != 0,
                    on_hand_milli: on_hand,
                    held_milli: held,
                    reorder_point_milli: reorder_point,
                })
            }

            /// Emits `inventory.orderability.changed` if `before` → `after` flipped
            /// it, and a low-stock alert if it crossed the reorder point.
            async fn emit_flip(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                before: Option<OrderState>,
                after: impl FnOnce(OrderState) -> OrderState,
                store: StoreId,
                variant: VariantId,
            ) -> DbResult<()> {
                if let Some(before) = before {
                    let after = after(before);
                    let flip = before.flip(&after, store, variant);
                    for event in flip.into_iter().chain(before.stock_alert(&after, store, variant)) {
                        Self::emit_event(tx, tenant, event).await?;
                    }
                }
                Ok(())
            }

        }

        #[async_trait::async_trait]
        impl EventStorage for $storage {
            async fn events(&self, tenant: TenantId, query: &EventQuery) -> DbResult<EventPage> {
                // Everything up to the head has committed (numbers are taken
                // under the tenant lock, held to commit), so a filtered reader
                // may move its cursor to the head and skip what it filtered out.
                // With the head, the marks of the events at the head and at
                // `after` (the reader's mark is checked against the latter).
                let (head, floor, head_mark, at_after): (i64, i64, Option<i64>, Option<i64>) = sqlx::query_as(
                    "SELECT t.event_seq, t.event_floor, \
                     (SELECT e.committed_at_ms FROM hub_events e WHERE e.tenant_id = t.id AND e.seq = t.event_seq), \
                     (SELECT e.committed_at_ms FROM hub_events e WHERE e.tenant_id = t.id AND e.seq = $2) \
                     FROM tenants t WHERE t.id = $1",
                )
                .bind(tenant.as_uuid())
                .bind(query.after.and_then(|a| i64::try_from(a).ok()).unwrap_or(-1))
                .fetch_optional(&self.pool)
                .await?
                .ok_or(DbError::NotFound("tenant"))?;
                let after = query.after.unwrap_or(floor.max(0) as u64);
                if i64::try_from(after).is_ok_and(|a| a < floor) {
                    return Err(DbError::State {
                        field: "after",
                        detail: format!("events up to {floor} have been pruned; read on from after={floor}"),
                    });
                }
                // Past the head, or its event bears another mark than the
                // reader's: this database is not the history the reader read
                // (restored from an older copy, and written on since in the
                // second case), and the numbers it holds are given to other
                // events. With its mark the reader is told where to read on.
                let past_head = i64::try_from(after).map_or(true, |a| a > head);
                let diverged = matches!((query.mark, at_after), (Some(mark), Some(there)) if mark != there);
                if past_head || diverged {
                    let resume_after = match query.mark {
                        Some(mark) => Some(self.events_before_mark(tenant, mark, head).await?.max(floor.max(0) as u64)),
                        None => None,
                    };
                    let seen = match past_head {
                        true => format!("the events end at {head}, before after={after}"),
                        false => format!("the event at after={after} is not the one you read there"),
                    };
                    let read_on = match resume_after {
                        Some(at) => format!("read on from after={at} (resume_after), the last event from before what you read"),
                        None => format!("send the mark of your place (next_mark) to be told where to read on, or read again from after={}", floor.max(0)),
                    };
                    return Err(DbError::EventsDiverged {
                        field: if diverged { "mark" } else { "after" },
                        detail: format!(
                            "{seen}: this hub's data is not the history you read (restored from an earlier copy?); {read_on}, taking events by event_id once"
                        ),
                        resume_after,
                    });
                }
                let pattern = query
                    .type_prefix
                    .as_ref()
                    // `_` is in event names (`claim_lost`): matched literally.
                    .map(|p| format!("{}%", p.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
                let rows: Vec<EventRow> = sqlx::query_as(
                    "SELECT seq, event_id, event_type, source, store_id, occurred_at_ms, trace_id, schema_version, data, committed_at_ms \
                     FROM hub_events WHERE tenant_id = $1 AND seq > $2 AND seq <= $6 \
                     AND ($3 IS NULL OR store_id IS NULL OR store_id = $3) AND ($4 IS NULL OR event_type LIKE $4 ESCAPE '\\') \
                     ORDER BY seq LIMIT $5",
                )
                .bind(tenant.as_uuid())
                .bind(i64::try_from(after).unwrap_or(i64::MAX))
                .bind(query.store.map(|s| s.as_uuid()))
                .bind(pattern)
                .bind(i64::from(query.limit) + 1)
                .bind(head)
                .fetch_all(&self.pool)
                .await?;
                let mut events = Vec::with_capacity(rows.len());
                for (seq, id, event_type, source, store, occurred, trace, version, data, mark) in rows {
                    events.push(HubEvent {
                        seq: seq as u64,
                        store_id: store.map(StoreId::from_uuid),
                        envelope: Envelope {
                            event_id: id,
                            event_type,
                            source,
                            tenant_id: tenant,
                            occurred_at: Timestamp::from_unix_millis(occurred),
                            trace_id: trace,
                            schema_version: version as u16,
                            data: serde_json::from_str(&data)
                                .map_err(|e| DbError::Corrupt(format!("event {seq}: {e}")))?,
                        },
                        mark,
                    });
                }
                let has_more = events.len() > query.limit as usize;
                events.truncate(query.limit as usize);
                let (next_after, next_mark) = match events.last() {
                    Some(last) if has_more => (last.seq, Some(last.mark)),
                    // `after` is at the head or before it (refused above when past).
                    _ => (head.max(0) as u64, head_mark),
                };
                Ok(EventPage { events, next_after, next_mark, has_more, head: head.max(0) as u64, floor: floor.max(0) as u64 })
            }
        }

    };
}

pub(crate) use sql_event_paths;
