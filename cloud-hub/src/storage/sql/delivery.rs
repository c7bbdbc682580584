//! Hand-over and payments for both backends: the hand-over task's work list
//! (leased, so two hubs on one database never work an order at once), payment
//! operations under their idempotency keys, the partner's reference and its
//! reports (once per webhook-id). Steps go through `step_in` of
//! `sql/orders.rs`, so they are recorded, announced and published as every
//! other step. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::DeliveryStorage`] on `$storage`.
macro_rules! sql_delivery_paths {
    ($storage:ty) => {
        use $crate::domain::delivery as delivery;

        type DeliveryRow = (
            Option<String>, Option<i64>, Option<String>, Option<String>, Option<i64>, Option<i64>,
            Option<String>, Option<String>, Option<i64>, i64, Option<String>, Option<i64>, Option<String>,
        );

        impl $storage {
            /// The order's payment and hand-over, as the order shows them.
            pub(crate) async fn delivery_of(
                tx: &mut Tx<'_>,
                id: Uuid,
            ) -> DbResult<(Option<delivery::OrderPayment>, Option<delivery::OrderDelivery>)> {
                let row: Option<DeliveryRow> = sqlx::query_as(
                    "SELECT payment_ref, authorized_minor, currency, payment_state, captured_minor, refunded_minor, \
                     partner, partner_ref, eta_ms, attempts, last_error, next_attempt_at_ms, issue \
                     FROM order_delivery WHERE order_id = $1",
                )
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                let Some((pref, authorized, currency, state, captured, refunded, partner, reference, eta, attempts, last_error, next_at, issue)) = row else {
                    return Ok((None, None));
                };
                let payment = match (pref, authorized, currency, state) {
                    (Some(gateway_ref), Some(authorized), Some(currency), Some(state)) => {
                        let currency = pos_shared::Currency::parse(&currency)
                            .map_err(|e| DbError::Corrupt(format!("order {id}: payment currency: {e}")))?;
                        let state = delivery::PaymentState::parse(&state)
                            .ok_or_else(|| DbError::Corrupt(format!("order {id}: payment state {state:?}")))?;
                        Some(delivery::OrderPayment {
                            gateway_ref,
                            authorized: Money::new(authorized, currency),
                            state,
                            captured: captured.map(|m| Money::new(m, currency)),
                            refunded: refunded.map(|m| Money::new(m, currency)),
                        })
                    }
                    _ => None,
                };
                let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
                let tried = reference.is_some() || attempts > 0 || last_error.is_some() || issue.is_some();
                let handover = tried.then(|| delivery::OrderDelivery {
                    partner,
                    reference,
                    eta: eta.map(Timestamp::from_unix_millis),
                    attempts,
                    last_error,
                    // Otherwise it is a lease, which is the hub's business.
                    next_attempt_at: next_at.filter(|_| attempts > 0).map(Timestamp::from_unix_millis),
                    issue,
                });
                Ok((payment, handover))
            }

            /// Records the payment an order is placed with (inside placement).
            pub(crate) async fn record_payment_in(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                order: Uuid,
                payment: &delivery::NewPayment,
            ) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO order_delivery (order_id, tenant_id, payment_ref, authorized_minor, currency, payment_state) \
                     VALUES ($1, $2, $3, $4, $5, 'authorized')",
                )
                .bind(order)
                .bind(tenant.as_uuid())
                .bind(&payment.gateway_ref)
                .bind(payment.authorized.minor())
                .bind(payment.authorized.currency().as_str())
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn locked_order(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<orders::Order> {
                Self::lock_tenant(tx, tenant).await?;
                Self::order_in(tx, tenant, id).await?.ok_or(DbError::NotFound("order"))
            }

            /// Closes `order` inside `tx` when its payment is settled.
            async fn close_if_settled(tx: &mut Tx<'_>, tenant: TenantId, order: &orders::Order, now: i64) -> DbResult<bool> {
                if delivery::next_work(order) != delivery::Work::Close {
                    return Ok(false);
                }
                let why = if order.payment.is_some() { "payment captured" } else { "cash on delivery" };
                Self::step_in(tx, tenant, order, orders::OrderState::Closed, "hub", Some(why), now).await?;
                Ok(true)
            }
        }

        #[async_trait::async_trait]
        impl DeliveryStorage for $storage {
            async fn claim_delivery_work(
                &self,
                now: Timestamp,
                lease_until: Timestamp,
                limit: u32,
            ) -> DbResult<Vec<(TenantId, orders::Order)>> {
                let now = now.unix_millis();
                // The states `domain::delivery::next_work` has work for.
                let due: Vec<(Uuid, Uuid)> = sqlx::query_as(
                    "SELECT o.tenant_id, o.id FROM orders o LEFT JOIN order_delivery d ON d.order_id = o.id \
                     WHERE (d.next_attempt_at_ms IS NULL OR d.next_attempt_at_ms <= $1) AND ( \
                       (o.state = 'packed' AND d.partner_ref IS NULL \
                        AND (d.payment_state IS NULL OR d.payment_state IN ('authorized', 'captured'))) \
                       OR (o.state = 'cancelled' AND d.payment_state IN ('authorized', 'captured')) \
                       OR (o.state = 'delivered' AND d.partner_ref IS NOT NULL \
                        AND (d.payment_state IS NULL OR d.payment_state = 'captured'))) \
                     ORDER BY o.id LIMIT $2",
                )
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                let mut claimed = Vec::with_capacity(due.len());
                for (tenant, id) in due {
                    sqlx::query("INSERT INTO order_delivery (order_id, tenant_id) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING")
                        .bind(id)
                        .bind(tenant)
                        .execute(&self.pool)
                        .await?;
                    // Whoever moves the lease forward first has the order.
                    let taken = sqlx::query(
                        "UPDATE order_delivery SET next_attempt_at_ms = $2 WHERE order_id = $1 \
                         AND (next_attempt_at_ms IS NULL OR next_attempt_at_ms <= $3)",
                    )
                    .bind(id)
                    .bind(lease_until.unix_millis())
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    if taken == 1 {
                        let tenant = TenantId::from_uuid(tenant);
                        let mut tx = self.pool.begin().await?;
                        if let Some(order) = Self::order_in(&mut tx, tenant, id).await? {
                            claimed.push((tenant, order));
                        }
                        Self::commit(tx).await?;
                    }
                }
                Ok(claimed)
            }

            async fn begin_payment(
                &self,
                tenant: TenantId,
                order: Uuid,
                op: delivery::PaymentOp,
                amount: Money,
            ) -> DbResult<PaymentRecord> {
                let key = op.key(order);
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO payment_operations (id, tenant_id, order_id, kind, idempotency_key, amount_minor, currency, \
                     outcome, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8) \
                     ON CONFLICT (idempotency_key) DO NOTHING",
                )
                .bind(Uuid::now_v7())
                .bind(tenant.as_uuid())
                .bind(order)
                .bind(op.as_str())
                .bind(&key)
                .bind(amount.minor())
                .bind(amount.currency().as_str())
                .bind(now)
                .execute(&self.pool)
                .await?;
                // The operation recorded first is the one asked for, however
                // often it is retried.
                let (id, minor, currency, outcome): (Uuid, i64, String, String) = sqlx::query_as(
                    "SELECT id, amount_minor, currency, outcome FROM payment_operations WHERE idempotency_key = $1 AND tenant_id = $2",
                )
                .bind(&key)
                .bind(tenant.as_uuid())
                .fetch_one(&self.pool)
                .await?;
                let currency = pos_shared::Currency::parse(&currency).map_err(|e| DbError::Corrupt(e.to_string()))?;
                Ok(PaymentRecord {
                    id,
                    op,
                    idempotency_key: key,
                    amount: Money::new(minor, currency),
                    succeeded: outcome == "succeeded",
                })
            }

            async fn finish_payment(
                &self,
                tenant: TenantId,
                id: Uuid,
                record: &PaymentRecord,
                outcome: &PaymentOutcome,
            ) -> DbResult<orders::Order> {
                let mut tx = self.pool.begin().await?;
                let order = Self::locked_order(&mut tx, tenant, id).await?;
                let now = now_ms();
                let payment = order.payment.clone().ok_or(DbError::NotFound("payment"))?;
                let mut data = serde_json::json!({
                    "order_id": order.id, "store_id": order.store_id, "payment_ref": payment.gateway_ref,
                    "operation": record.op.as_str(), "amount": record.amount,
                    "authorized": payment.authorized, "idempotency_key": record.idempotency_key,
                });
                let event_type = match outcome {
                    PaymentOutcome::Succeeded { gateway_ref } => {
                        sqlx::query("UPDATE payment_operations SET outcome = 'succeeded', gateway_ref = $2, updated_at_ms = $3 WHERE id = $1")
                            .bind(record.id)
                            .bind(gateway_ref)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        let op = record.op;
                        sqlx::query(
                            "UPDATE order_delivery SET payment_state = $2, \
                             captured_minor = CASE WHEN $3 = 'capture' THEN $4 ELSE captured_minor END, \
                             refunded_minor = CASE WHEN $3 = 'refund' THEN $4 ELSE refunded_minor END, \
                             attempts = 0, last_error = NULL WHERE order_id = $1",
                        )
                        .bind(id)
                        .bind(op.settles_as().as_str())
                        .bind(op.as_str())
                        .bind(record.amount.minor())
                        .execute(&mut *tx)
                        .await?;
                        data["operation_ref"] = serde_json::json!(gateway_ref);
                        if op == delivery::PaymentOp::Capture {
                            // What the gateway lets go of the authorisation.
                            data["released"] = serde_json::json!(payment.authorized.checked_sub(record.amount).ok());
                        }
                        op.event_type()
                    }
                    PaymentOutcome::Refused { detail } => {
                        sqlx::query("UPDATE payment_operations SET outcome = 'failed', detail = $2, updated_at_ms = $3 WHERE id = $1")
                            .bind(record.id)
                            .bind(detail)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        let error = format!("the gateway refused the {}: {detail}", record.op.as_str());
                        sqlx::query(
                            "UPDATE order_delivery SET payment_state = 'failed', attempts = attempts + 1, last_error = $2 WHERE order_id = $1",
                        )
                        .bind(id)
                        .bind(&error)
                        .execute(&mut *tx)
                        .await?;
                        data["error"] = serde_json::json!(error);
                        data["retrying"] = serde_json::json!(false);
                        "payment.failed"
                    }
                };
                Self::emit_event(&mut tx, tenant, $crate::domain::events::by_hub(event_type, Some(order.store_id), data)).await?;
                let order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                Self::commit(tx).await?;
                Ok(order)
            }

            async fn hand_over(
                &self,
                tenant: TenantId,
                id: Uuid,
                partner: &str,
                reference: &str,
                eta: Option<Timestamp>,
            ) -> DbResult<orders::Order> {
                let mut tx = self.pool.begin().await?;
                let order = Self::locked_order(&mut tx, tenant, id).await?;
                let now = now_ms();
                sqlx::query(
                    "UPDATE order_delivery SET partner = $2, partner_ref = $3, eta_ms = $4, attempts = 0, \
                     last_error = NULL, next_attempt_at_ms = NULL WHERE order_id = $1",
                )
                .bind(id)
                .bind(partner)
                .bind(reference)
                .bind(eta.map(|t| t.unix_millis()))
                .execute(&mut *tx)
                .await
                .map_err(DbError::from_sqlx)?;
                let actor = format!("partner:{partner}");
                Self::step_in(&mut tx, tenant, &order, orders::OrderState::AssignedToPartner, &actor, Some(reference), now).await?;
                let order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(order)
            }

            async fn delivery_work_failed(
                &self,
                tenant: TenantId,
                id: Uuid,
                event_type: &'static str,
                error: &str,
                retry_at: Timestamp,
            ) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                let order = Self::locked_order(&mut tx, tenant, id).await?;
                let (attempts, last): (i64, Option<String>) =
                    sqlx::query_as("SELECT attempts, last_error FROM order_delivery WHERE order_id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                sqlx::query("UPDATE order_delivery SET attempts = attempts + 1, last_error = $2, next_attempt_at_ms = $3 WHERE order_id = $1")
                    .bind(id)
                    .bind(error)
                    .bind(retry_at.unix_millis())
                    .execute(&mut *tx)
                    .await?;
                // Announced when it starts failing or fails differently, not
                // at every retry of a long outage.
                if last.as_deref() != Some(error) {
                    let data = serde_json::json!({
                        "order_id": id, "store_id": order.store_id, "error": error,
                        "attempts": attempts + 1, "retry_at": retry_at, "retrying": true,
                    });
                    Self::emit_event(&mut tx, tenant, $crate::domain::events::by_hub(event_type, Some(order.store_id), data)).await?;
                }
                Self::commit(tx).await?;
                Ok(())
            }

            async fn release_delivery_work(&self, tenant: TenantId, id: Uuid) -> DbResult<()> {
                sqlx::query("UPDATE order_delivery SET next_attempt_at_ms = NULL WHERE order_id = $1 AND tenant_id = $2")
                    .bind(id)
                    .bind(tenant.as_uuid())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn close_delivered(&self, tenant: TenantId, id: Uuid) -> DbResult<orders::Order> {
                let mut tx = self.pool.begin().await?;
                let order = Self::locked_order(&mut tx, tenant, id).await?;
                if !Self::close_if_settled(&mut tx, tenant, &order, now_ms()).await? {
                    return Err(DbError::State {
                        field: "state",
                        detail: format!("the order is {}; only a delivered order with its payment settled is closed", order.state.as_str()),
                    });
                }
                let order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(order)
            }

            async fn apply_partner_report(&self, report: &PartnerReport<'_>) -> DbResult<ReportOutcome> {
                let mut tx = self.pool.begin().await?;
                let found: Option<(Uuid, Uuid)> = sqlx::query_as(
                    "SELECT tenant_id, order_id FROM order_delivery WHERE partner = $1 AND partner_ref = $2",
                )
                .bind(report.partner)
                .bind(report.reference)
                .fetch_optional(&mut *tx)
                .await?;
                let (tenant, id) = found.ok_or(DbError::NotFound("delivery reference"))?;
                let tenant = TenantId::from_uuid(tenant);
                let mut order = Self::locked_order(&mut tx, tenant, id).await?;
                let seen: Option<(String,)> = sqlx::query_as(
                    "SELECT body_hash FROM delivery_callbacks WHERE partner = $1 AND webhook_id = $2",
                )
                .bind(report.partner)
                .bind(report.webhook_id)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((hash,)) = seen {
                    if hash != report.body_hash {
                        return Err(DbError::Conflict("webhook-id reused".into()));
                    }
                    return Ok(ReportOutcome::Duplicate(order));
                }
                let status = report.status;
                let steps = delivery::steps_for(order.state, status).map_err(|_| DbError::State {
                    field: "status",
                    detail: format!(
                        "the order is {}; a {} report does not fit (a partner reports from assigned_to_partner until delivered, forwards only)",
                        order.state.as_str(),
                        status.as_str()
                    ),
                })?;
                let now = now_ms();
                let actor = format!("partner:{}", report.partner);
                for (i, to) in steps.iter().enumerate() {
                    let reason = if i + 1 == steps.len() {
                        report.reason.map(str::to_owned)
                    } else {
                        Some(format!("implied by {}", status.as_str()))
                    };
                    Self::step_in(&mut tx, tenant, &order, *to, &actor, reason.as_deref(), now).await?;
                    order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                }
                if status.target().is_none() {
                    let issue = match report.reason {
                        Some(reason) => format!("{}: {reason}", status.as_str()),
                        None => status.as_str().to_owned(),
                    };
                    sqlx::query("UPDATE order_delivery SET issue = $2 WHERE order_id = $1")
                        .bind(id)
                        .bind(&issue)
                        .execute(&mut *tx)
                        .await?;
                    let data = serde_json::json!({
                        "order_id": id, "store_id": order.store_id, "partner": report.partner,
                        "reference": report.reference, "status": status, "reason": report.reason, "state": order.state,
                    });
                    Self::emit_event(&mut tx, tenant, $crate::domain::events::by_hub("order.delivery_failed", Some(order.store_id), data)).await?;
                }
                if order.state == orders::OrderState::Delivered && Self::close_if_settled(&mut tx, tenant, &order, now).await? {
                    order = Self::order_in(&mut tx, tenant, id).await?.ok_or(DbError::NotFound("order"))?;
                }
                sqlx::query(
                    "INSERT INTO delivery_callbacks (partner, webhook_id, body_hash, order_id, status, received_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(report.partner)
                .bind(report.webhook_id)
                .bind(report.body_hash)
                .bind(id)
                .bind(status.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from_sqlx)?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(ReportOutcome::Applied(order))
            }
        }
    };
}
pub(crate) use sql_delivery_paths;
