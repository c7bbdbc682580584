//! Events out for both backends: HQ's subscriptions, the delivery task's
//! leased work (a lease token fences every record, so a hub whose lease ran
//! out cannot move a cursor another hub now holds), each try and where each
//! delivery stands, dead letters and replays. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::SubscriptionStorage`] on `$storage`.
macro_rules! sql_subscription_paths {
    ($storage:ty) => {
        use $crate::domain::subscriptions as subs;

        type SubRow = (Uuid, String, String, Option<String>, bool, i64, Option<i64>, i64, i64);
        const SUB_COLUMNS: &str = "id, url, event_types, description, enabled, cursor_seq, \
            previous_secret_until_ms, created_at_ms, updated_at_ms";

        type DeliveryRow2 = (
            Uuid, i64, Option<i64>, Option<Uuid>, Option<String>, String, i64,
            Option<i64>, Option<String>, Option<i64>, Option<i64>, Option<i64>,
        );
        const DELIVERY_COLUMNS: &str = "id, seq, gap_to_seq, event_id, event_type, state, attempts, \
            last_status, last_error, last_latency_ms, last_attempt_at_ms, next_attempt_at_ms";

        type EventOutRow = (i64, Uuid, String, i64, String);

        fn subscription_from(row: SubRow, now: i64) -> DbResult<subs::Subscription> {
            let (id, url, types, description, enabled, cursor, previous_until, created, updated) = row;
            let event_types: Vec<String> = serde_json::from_str(&types)
                .map_err(|e| DbError::Corrupt(format!("subscription {id}: event types: {e}")))?;
            Ok(subs::Subscription {
                id,
                url,
                event_types,
                description,
                enabled,
                cursor_seq: cursor.max(0) as u64,
                // Past its day the old secret signs nothing: not worth showing.
                previous_secret_until: previous_until.filter(|u| *u > now).map(Timestamp::from_unix_millis),
                created_at: Timestamp::from_unix_millis(created),
                updated_at: Timestamp::from_unix_millis(updated),
            })
        }

        fn delivery_from(row: DeliveryRow2) -> DbResult<subs::Delivery> {
            let (id, seq, gap_to, event_id, event_type, state, attempts, status, error, latency, last_at, next_at) = row;
            Ok(subs::Delivery {
                id,
                seq: seq.max(0) as u64,
                event_id,
                event_type,
                gap_to_seq: gap_to.map(|s| s.max(0) as u64),
                status: subs::DeliveryState::parse(&state)
                    .ok_or_else(|| DbError::Corrupt(format!("delivery {id}: state {state:?}")))?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                last_status_code: status.and_then(|s| u16::try_from(s).ok()),
                last_error: error,
                last_latency_ms: latency.map(|l| l.max(0) as u64),
                last_attempt_at: last_at.map(Timestamp::from_unix_millis),
                next_attempt_at: next_at.map(Timestamp::from_unix_millis),
            })
        }

        fn event_out(row: EventOutRow) -> DbResult<subs::OutboundEvent> {
            let (seq, event_id, event_type, occurred, data) = row;
            Ok(subs::OutboundEvent {
                seq: seq.max(0) as u64,
                event_id,
                event_type,
                occurred_at: Timestamp::from_unix_millis(occurred),
                data: serde_json::from_str(&data).map_err(|e| DbError::Corrupt(format!("event {seq}: {e}")))?,
            })
        }

        fn seq_param(seq: u64) -> i64 {
            i64::try_from(seq).unwrap_or(i64::MAX)
        }

        impl $storage {
            async fn subscription_in(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<subs::Subscription> {
                let row: Option<SubRow> = sqlx::query_as(&format!(
                    "SELECT {SUB_COLUMNS} FROM event_subscriptions WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                subscription_from(row.ok_or(DbError::NotFound("subscription"))?, now_ms())
            }

            /// Holds the subscription's row for the rest of `tx` if `claim`'s
            /// lease is still the one; its cursor then.
            async fn leased_cursor(tx: &mut Tx<'_>, claim: &Claim) -> DbResult<Option<u64>> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "UPDATE event_subscriptions SET lease_token = $2 WHERE id = $1 AND lease_token = $2 RETURNING cursor_seq",
                )
                .bind(claim.subscription.id)
                .bind(claim.lease_token)
                .fetch_optional(&mut **tx)
                .await?;
                Ok(row.map(|(c,)| c.max(0) as u64))
            }

            async fn delivery_in(tx: &mut Tx<'_>, subscription: Uuid, seq: u64) -> DbResult<Option<subs::Delivery>> {
                let row: Option<DeliveryRow2> = sqlx::query_as(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE subscription_id = $1 AND seq = $2"
                ))
                .bind(subscription)
                .bind(seq_param(seq))
                .fetch_optional(&mut **tx)
                .await?;
                row.map(delivery_from).transpose()
            }
        }

        #[async_trait::async_trait]
        impl SubscriptionStorage for $storage {
            async fn create_subscription(&self, tenant: TenantId, new: &subs::NewSubscription) -> DbResult<subs::Subscription> {
                let mut tx = self.pool.begin().await?;
                // A writer from the start: on SQLite a read that turns into a
                // write fails at once if another process wrote in between.
                Self::lock_tenant(&mut tx, tenant).await?;
                // From the newest event on: a subscriber hears what happens
                // after it subscribed (an earlier range is a replay away).
                let (head,): (i64,) = sqlx::query_as("SELECT event_seq FROM tenants WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(DbError::NotFound("tenant"))?;
                let id = Uuid::now_v7();
                let now = now_ms();
                let types = serde_json::to_string(&new.event_types).map_err(|e| DbError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO event_subscriptions (id, tenant_id, url, event_types, description, enabled, secret, \
                     cursor_seq, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                )
                .bind(id)
                .bind(tenant.as_uuid())
                .bind(&new.url)
                .bind(types)
                .bind(&new.description)
                .bind(true)
                .bind(&new.secret)
                .bind(head)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let created = Self::subscription_in(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                Ok(created)
            }

            async fn subscriptions(&self, tenant: TenantId) -> DbResult<Vec<subs::Subscription>> {
                let rows: Vec<SubRow> = sqlx::query_as(&format!(
                    "SELECT {SUB_COLUMNS} FROM event_subscriptions WHERE tenant_id = $1 ORDER BY id"
                ))
                .bind(tenant.as_uuid())
                .fetch_all(&self.pool)
                .await?;
                let now = now_ms();
                rows.into_iter().map(|r| subscription_from(r, now)).collect()
            }

            async fn subscription(&self, tenant: TenantId, id: Uuid) -> DbResult<subs::Subscription> {
                let mut tx = self.pool.begin().await?;
                let found = Self::subscription_in(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                Ok(found)
            }

            async fn update_subscription(&self, tenant: TenantId, id: Uuid, patch: &subs::SubscriptionPatch) -> DbResult<subs::Subscription> {
                let mut tx = self.pool.begin().await?;
                let now_sub = Self::subscription_in(&mut tx, tenant, id).await?;
                let url = patch.url.clone().unwrap_or(now_sub.url);
                let types = patch.event_types.clone().unwrap_or(now_sub.event_types);
                let description = patch.description.clone().unwrap_or(now_sub.description);
                let enabled = patch.enabled.unwrap_or(now_sub.enabled);
                let types = serde_json::to_string(&types).map_err(|e| DbError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "UPDATE event_subscriptions SET url = $3, event_types = $4, description = $5, enabled = $6, \
                     updated_at_ms = $7 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .bind(url)
                .bind(types)
                .bind(description)
                .bind(enabled)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                let updated = Self::subscription_in(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                Ok(updated)
            }

            async fn delete_subscription(&self, tenant: TenantId, id: Uuid) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::subscription_in(&mut tx, tenant, id).await?;
                for table in ["webhook_attempts", "webhook_deliveries"] {
                    // Table names from this closed list, never from input.
                    sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1 AND subscription_id = $2"))
                        .bind(tenant.as_uuid())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("DELETE FROM event_subscriptions WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Self::commit(tx).await?;
                Ok(())
            }

            async fn rotate_subscription_secret(&self, tenant: TenantId, id: Uuid, secret: &str, previous_until: Timestamp) -> DbResult<subs::Subscription> {
                let mut tx = self.pool.begin().await?;
                Self::subscription_in(&mut tx, tenant, id).await?;
                sqlx::query(
                    "UPDATE event_subscriptions SET previous_secret = secret, previous_secret_until_ms = $3, secret = $4, \
                     updated_at_ms = $5 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .bind(previous_until.unix_millis())
                .bind(secret)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                let rotated = Self::subscription_in(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                Ok(rotated)
            }

            async fn claim_subscriptions(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> DbResult<Vec<Claim>> {
                let now = now.unix_millis();
                let due: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT s.id FROM event_subscriptions s JOIN tenants t ON t.id = s.tenant_id \
                     WHERE s.enabled AND (s.lease_until_ms IS NULL OR s.lease_until_ms <= $1) AND ( \
                       (s.cursor_seq < t.event_seq AND (s.retry_at_ms IS NULL OR s.retry_at_ms <= $1)) \
                       OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = s.id \
                         AND d.seq <= s.cursor_seq AND d.state IN ('queued', 'failed') AND d.next_attempt_at_ms <= $1)) \
                     ORDER BY s.id LIMIT $2",
                )
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                let mut claimed = Vec::with_capacity(due.len());
                for (id,) in due {
                    let token = Uuid::now_v7();
                    // Whoever moves the lease forward first has the subscription.
                    let taken = sqlx::query(
                        "UPDATE event_subscriptions SET lease_until_ms = $2, lease_token = $3 WHERE id = $1 \
                         AND (lease_until_ms IS NULL OR lease_until_ms <= $4)",
                    )
                    .bind(id)
                    .bind(lease_until.unix_millis())
                    .bind(token)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    if taken != 1 {
                        continue;
                    }
                    let row: Option<(Uuid, String, Option<String>, Option<i64>)> = sqlx::query_as(
                        "SELECT tenant_id, secret, previous_secret, previous_secret_until_ms FROM event_subscriptions \
                         WHERE id = $1 AND lease_token = $2",
                    )
                    .bind(id)
                    .bind(token)
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some((tenant, secret, previous, previous_until)) = row else {
                        continue;
                    };
                    let tenant = TenantId::from_uuid(tenant);
                    let mut tx = self.pool.begin().await?;
                    let subscription = Self::subscription_in(&mut tx, tenant, id).await?;
                    Self::commit(tx).await?;
                    claimed.push(Claim {
                        tenant,
                        subscription,
                        secret,
                        previous_secret: previous.filter(|_| previous_until.is_some_and(|u| u > now)),
                        lease_token: token,
                    });
                }
                Ok(claimed)
            }

            async fn events_after(&self, tenant: TenantId, after: u64, limit: u32) -> DbResult<(u64, Vec<subs::OutboundEvent>)> {
                let (floor,): (i64,) = sqlx::query_as("SELECT event_floor FROM tenants WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(DbError::NotFound("tenant"))?;
                let rows: Vec<EventOutRow> = sqlx::query_as(
                    "SELECT seq, event_id, event_type, occurred_at_ms, data FROM hub_events \
                     WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                )
                .bind(tenant.as_uuid())
                .bind(seq_param(after))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                let events = rows.into_iter().map(event_out).collect::<DbResult<Vec<_>>>()?;
                Ok((floor.max(0) as u64, events))
            }

            async fn due_replays(&self, claim: &Claim, now: Timestamp, limit: u32) -> DbResult<Vec<Result<subs::OutboundEvent, u64>>> {
                let rows: Vec<(i64, Option<Uuid>, Option<String>, Option<i64>, Option<String>)> = sqlx::query_as(
                    "SELECT d.seq, e.event_id, e.event_type, e.occurred_at_ms, e.data FROM webhook_deliveries d \
                     JOIN event_subscriptions s ON s.id = d.subscription_id \
                     LEFT JOIN hub_events e ON e.tenant_id = d.tenant_id AND e.seq = d.seq \
                     WHERE d.subscription_id = $1 AND d.seq <= s.cursor_seq AND d.state IN ('queued', 'failed') \
                     AND d.next_attempt_at_ms <= $2 ORDER BY d.seq LIMIT $3",
                )
                .bind(claim.subscription.id)
                .bind(now.unix_millis())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(seq, id, event_type, occurred, data)| match (id, event_type, occurred, data) {
                        (Some(id), Some(t), Some(at), Some(data)) => event_out((seq, id, t, at, data)).map(Ok),
                        _ => Ok(Err(seq.max(0) as u64)),
                    })
                    .collect()
            }

            async fn record_attempt(&self, claim: &Claim, attempt: &AttemptRecord<'_>, schedule: &subs::Schedule) -> DbResult<AttemptOutcome> {
                let mut tx = self.pool.begin().await?;
                let Some(cursor) = Self::leased_cursor(&mut tx, claim).await? else {
                    return Ok(AttemptOutcome::LeaseLost);
                };
                let sub = claim.subscription.id;
                let event = attempt.event;
                let at = attempt.at.unix_millis();
                let round: Option<(i64, Option<i64>)> = sqlx::query_as(
                    "SELECT round_attempts, round_started_at_ms FROM webhook_deliveries WHERE subscription_id = $1 AND seq = $2",
                )
                .bind(sub)
                .bind(seq_param(event.seq))
                .fetch_optional(&mut *tx)
                .await?;
                let round_attempts = round.map_or(0, |r| r.0) + 1;
                let started = round.and_then(|r| r.1).unwrap_or(at);
                let outcome = match attempt.error {
                    None => AttemptOutcome::Delivered,
                    Some(_) => match schedule.after_failure(
                        u32::try_from(round_attempts).unwrap_or(u32::MAX),
                        Timestamp::from_unix_millis(started),
                        attempt.at,
                    ) {
                        subs::AfterFailure::RetryAt(next) => AttemptOutcome::RetryAt(next),
                        subs::AfterFailure::Dead => AttemptOutcome::Dead,
                    },
                };
                let (state, next_at) = match outcome {
                    AttemptOutcome::Delivered => ("delivered", None),
                    AttemptOutcome::RetryAt(next) => ("failed", Some(next.unix_millis())),
                    _ => ("dead", None),
                };
                let status = attempt.status.map(i64::from);
                let latency = i64::try_from(attempt.latency_ms).unwrap_or(i64::MAX);
                if round.is_some() {
                    sqlx::query(
                        "UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, round_attempts = $4, \
                         round_started_at_ms = $5, last_status = $6, last_error = $7, last_latency_ms = $8, \
                         last_attempt_at_ms = $9, next_attempt_at_ms = $10, updated_at_ms = $9, event_id = $11, \
                         event_type = $12, gap_to_seq = NULL WHERE subscription_id = $1 AND seq = $2",
                    )
                    .bind(sub)
                    .bind(seq_param(event.seq))
                    .bind(state)
                    .bind(round_attempts)
                    .bind(started)
                    .bind(status)
                    .bind(&attempt.error)
                    .bind(latency)
                    .bind(at)
                    .bind(next_at)
                    .bind(event.event_id)
                    .bind(&event.event_type)
                    .execute(&mut *tx)
                    .await?;
                } else {
                    sqlx::query(
                        "INSERT INTO webhook_deliveries (id, tenant_id, subscription_id, seq, event_id, event_type, state, \
                         attempts, round_attempts, round_started_at_ms, last_status, last_error, last_latency_ms, \
                         last_attempt_at_ms, next_attempt_at_ms, updated_at_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, 1, $8, $9, $10, $11, $8, $12, $8)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(claim.tenant.as_uuid())
                    .bind(sub)
                    .bind(seq_param(event.seq))
                    .bind(event.event_id)
                    .bind(&event.event_type)
                    .bind(state)
                    .bind(at)
                    .bind(status)
                    .bind(&attempt.error)
                    .bind(latency)
                    .bind(next_at)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "INSERT INTO webhook_attempts (id, tenant_id, subscription_id, seq, event_id, attempted_at_ms, status, \
                     latency_ms, delivered, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(Uuid::now_v7())
                .bind(claim.tenant.as_uuid())
                .bind(sub)
                .bind(seq_param(event.seq))
                .bind(event.event_id)
                .bind(at)
                .bind(status)
                .bind(latency)
                .bind(attempt.error.is_none())
                .bind(&attempt.error)
                .execute(&mut *tx)
                .await?;
                // The next in line: done with it, the cursor moves on;
                // failing, the line waits for its retry. Unless HQ moved the
                // cursor (a replay) since the task read it: the try stays
                // recorded, and the line starts again from HQ's cursor.
                let mut outcome = outcome;
                if let Some(expected) = attempt.in_line_after {
                    if cursor != expected {
                        outcome = AttemptOutcome::CursorMoved;
                    } else {
                        let (cursor_to, retry_at) = match outcome {
                            AttemptOutcome::RetryAt(next) => (cursor, Some(next.unix_millis())),
                            _ => (event.seq, None),
                        };
                        sqlx::query("UPDATE event_subscriptions SET cursor_seq = $2, retry_at_ms = $3 WHERE id = $1")
                            .bind(sub)
                            .bind(seq_param(cursor_to))
                            .bind(retry_at)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                Self::commit(tx).await?;
                Ok(outcome)
            }

            async fn skip_to(&self, claim: &Claim, from: u64, to: u64) -> DbResult<bool> {
                let held = sqlx::query(
                    "UPDATE event_subscriptions SET cursor_seq = $4 WHERE id = $1 AND lease_token = $2 AND cursor_seq = $3",
                )
                .bind(claim.subscription.id)
                .bind(claim.lease_token)
                .bind(seq_param(from))
                .bind(seq_param(to))
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(held == 1)
            }

            async fn record_gap(&self, claim: &Claim, from: u64, to: u64) -> DbResult<bool> {
                let mut tx = self.pool.begin().await?;
                let Some(cursor) = Self::leased_cursor(&mut tx, claim).await? else {
                    return Ok(false);
                };
                let sub = claim.subscription.id;
                let error = if from == to {
                    format!("event {from} was pruned from the hub before it could be delivered; it cannot be sent")
                } else {
                    format!(
                        "events {from} to {to} were pruned from the hub before they could be delivered \
                         (some may have been of this subscription's types); they cannot be sent"
                    )
                };
                let now = now_ms();
                if Self::delivery_in(&mut tx, sub, from).await?.is_some() {
                    sqlx::query(
                        "UPDATE webhook_deliveries SET state = 'dead', gap_to_seq = $3, last_error = $4, \
                         next_attempt_at_ms = NULL, updated_at_ms = $5 WHERE subscription_id = $1 AND seq = $2",
                    )
                    .bind(sub)
                    .bind(seq_param(from))
                    .bind(seq_param(to))
                    .bind(&error)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                } else {
                    sqlx::query(
                        "INSERT INTO webhook_deliveries (id, tenant_id, subscription_id, seq, gap_to_seq, state, attempts, \
                         round_attempts, last_error, updated_at_ms) VALUES ($1, $2, $3, $4, $5, 'dead', 0, 0, $6, $7)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(claim.tenant.as_uuid())
                    .bind(sub)
                    .bind(seq_param(from))
                    .bind(seq_param(to))
                    .bind(&error)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                if from == cursor + 1 {
                    sqlx::query("UPDATE event_subscriptions SET cursor_seq = $2, retry_at_ms = NULL WHERE id = $1")
                        .bind(sub)
                        .bind(seq_param(to))
                        .execute(&mut *tx)
                        .await?;
                }
                Self::commit(tx).await?;
                Ok(true)
            }

            async fn release_subscription(&self, claim: &Claim) -> DbResult<()> {
                sqlx::query(
                    "UPDATE event_subscriptions SET lease_until_ms = NULL, lease_token = NULL WHERE id = $1 AND lease_token = $2",
                )
                .bind(claim.subscription.id)
                .bind(claim.lease_token)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn deliveries(
                &self,
                tenant: TenantId,
                subscription: Uuid,
                state: Option<subs::DeliveryState>,
                page: RecordedPage,
            ) -> DbResult<Recorded<subs::Delivery>> {
                let mut tx = self.pool.begin().await?;
                Self::subscription_in(&mut tx, tenant, subscription).await?;
                let rows: Vec<DeliveryRow2> = sqlx::query_as(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE tenant_id = $1 AND subscription_id = $2 \
                     AND ($3 IS NULL OR state = $3) AND ($4 IS NULL OR id > $4) ORDER BY id LIMIT $5"
                ))
                .bind(tenant.as_uuid())
                .bind(subscription)
                .bind(state.map(|s| s.as_str()))
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&mut *tx)
                .await?;
                Self::commit(tx).await?;
                let items = rows.into_iter().map(delivery_from).collect::<DbResult<Vec<_>>>()?;
                Ok(Recorded::from_overfetch(items, page.limit))
            }

            async fn replay_dead_letter(&self, tenant: TenantId, subscription: Uuid, event_id: Uuid) -> DbResult<subs::Delivery> {
                let mut tx = self.pool.begin().await?;
                Self::subscription_in(&mut tx, tenant, subscription).await?;
                let row: Option<(i64, String)> = sqlx::query_as(
                    "SELECT seq, state FROM webhook_deliveries WHERE tenant_id = $1 AND subscription_id = $2 AND event_id = $3",
                )
                .bind(tenant.as_uuid())
                .bind(subscription)
                .bind(event_id)
                .fetch_optional(&mut *tx)
                .await?;
                let (seq, state) = row.ok_or(DbError::NotFound("dead letter"))?;
                if state != "dead" {
                    return Err(DbError::State {
                        field: "event_id",
                        detail: format!("this event's delivery is {state}; only a dead letter is replayed"),
                    });
                }
                let now = now_ms();
                // A new round: the whole schedule again, the first try now.
                sqlx::query(
                    "UPDATE webhook_deliveries SET state = 'queued', round_attempts = 0, round_started_at_ms = NULL, \
                     next_attempt_at_ms = $3, updated_at_ms = $3 WHERE subscription_id = $1 AND seq = $2",
                )
                .bind(subscription)
                .bind(seq)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let queued = Self::delivery_in(&mut tx, subscription, seq.max(0) as u64).await?.ok_or(DbError::NotFound("dead letter"))?;
                Self::commit(tx).await?;
                Ok(queued)
            }

            async fn replay_from(&self, tenant: TenantId, subscription: Uuid, from_seq: u64) -> DbResult<subs::Subscription> {
                let mut tx = self.pool.begin().await?;
                let sub = Self::subscription_in(&mut tx, tenant, subscription).await?;
                let (floor,): (i64,) = sqlx::query_as("SELECT event_floor FROM tenants WHERE id = $1")
                    .bind(tenant.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
                let floor = floor.max(0) as u64;
                if from_seq <= floor {
                    return Err(DbError::State {
                        field: "from_seq",
                        detail: format!("events up to {floor} have been pruned; replay from_seq={} on", floor + 1),
                    });
                }
                if from_seq > sub.cursor_seq + 1 {
                    return Err(DbError::State {
                        field: "from_seq",
                        detail: format!(
                            "events after {} have not been through delivery yet; replay from {} or before",
                            sub.cursor_seq,
                            sub.cursor_seq + 1
                        ),
                    });
                }
                // Under the lease of whichever hub works on it: its next
                // record moves the cursor past this only for an event it
                // sends again in order from here.
                sqlx::query(
                    "UPDATE event_subscriptions SET cursor_seq = $3, retry_at_ms = NULL, updated_at_ms = $4 \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(subscription)
                .bind(seq_param(from_seq - 1))
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE webhook_deliveries SET round_attempts = 0, round_started_at_ms = NULL \
                     WHERE subscription_id = $1 AND seq >= $2",
                )
                .bind(subscription)
                .bind(seq_param(from_seq))
                .execute(&mut *tx)
                .await?;
                let moved = Self::subscription_in(&mut tx, tenant, subscription).await?;
                Self::commit(tx).await?;
                Ok(moved)
            }

            async fn delivery_stats(&self, tenant: TenantId, subscription: Uuid, since: Timestamp) -> DbResult<subs::DeliveryStats> {
                let rows: Vec<(bool, i64)> = sqlx::query_as(
                    "SELECT delivered, latency_ms FROM webhook_attempts WHERE tenant_id = $1 AND subscription_id = $2 \
                     AND attempted_at_ms >= $3",
                )
                .bind(tenant.as_uuid())
                .bind(subscription)
                .bind(since.unix_millis())
                .fetch_all(&self.pool)
                .await?;
                let (dead,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM webhook_deliveries WHERE tenant_id = $1 AND subscription_id = $2 \
                     AND state = 'dead' AND updated_at_ms >= $3",
                )
                .bind(tenant.as_uuid())
                .bind(subscription)
                .bind(since.unix_millis())
                .fetch_one(&self.pool)
                .await?;
                let delivered = rows.iter().filter(|r| r.0).count() as u64;
                let mut latencies: Vec<u64> = rows.iter().map(|r| r.1.max(0) as u64).collect();
                Ok(subs::DeliveryStats {
                    delivered,
                    failed: rows.len() as u64 - delivered,
                    dead: dead.max(0) as u64,
                    p50_ms: subs::percentile(&mut latencies, 0.50),
                    p99_ms: subs::percentile(&mut latencies, 0.99),
                })
            }
        }
    };
}
pub(crate) use sql_subscription_paths;
