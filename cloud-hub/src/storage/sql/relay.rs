//! Event relays for both backends: the cursor per relay and tenant, leased to
//! one hub at a time and fenced by the lease's token. Expanded inside
//! `sql_storage!`.

/// Implements [`crate::storage::RelayStorage`] on `$storage`.
macro_rules! sql_relay_paths {
    ($storage:ty) => {
        #[async_trait::async_trait]
        impl RelayStorage for $storage {
            async fn claim_relays(
                &self,
                relay: &str,
                now: Timestamp,
                lease_until: Timestamp,
                limit: u32,
            ) -> DbResult<Vec<RelayClaim>> {
                let now = now.unix_millis();
                // A tenant the relay has not met yet starts from its first event.
                sqlx::query(
                    "INSERT INTO event_relays (relay, tenant_id) SELECT $1, id FROM tenants WHERE event_seq > 0 \
                     ON CONFLICT (relay, tenant_id) DO NOTHING",
                )
                .bind(relay)
                .execute(&self.pool)
                .await?;
                let due: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT r.tenant_id FROM event_relays r JOIN tenants t ON t.id = r.tenant_id \
                     WHERE r.relay = $1 AND r.relayed_seq < t.event_seq \
                     AND (r.lease_until_ms IS NULL OR r.lease_until_ms <= $2) ORDER BY r.tenant_id LIMIT $3",
                )
                .bind(relay)
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                let mut claimed = Vec::with_capacity(due.len());
                for (tenant,) in due {
                    let token = Uuid::now_v7();
                    // Whoever moves the lease forward first has the tenant.
                    let taken: Option<(i64,)> = sqlx::query_as(
                        "UPDATE event_relays SET lease_until_ms = $3, lease_token = $4 \
                         WHERE relay = $1 AND tenant_id = $2 AND (lease_until_ms IS NULL OR lease_until_ms <= $5) \
                         RETURNING relayed_seq",
                    )
                    .bind(relay)
                    .bind(tenant)
                    .bind(lease_until.unix_millis())
                    .bind(token)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                    if let Some((relayed,)) = taken {
                        claimed.push(RelayClaim {
                            relay: relay.to_owned(),
                            tenant: TenantId::from_uuid(tenant),
                            relayed: relayed.max(0) as u64,
                            lease_token: token,
                        });
                    }
                }
                Ok(claimed)
            }

            async fn record_relayed(&self, claim: &RelayClaim, seq: u64, lease_until: Timestamp) -> DbResult<bool> {
                let moved = sqlx::query(
                    "UPDATE event_relays SET relayed_seq = $4, relayed_at_ms = $5, lease_until_ms = $6 \
                     WHERE relay = $1 AND tenant_id = $2 AND lease_token = $3 AND relayed_seq <= $4",
                )
                .bind(&claim.relay)
                .bind(claim.tenant.as_uuid())
                .bind(claim.lease_token)
                .bind(i64::try_from(seq).unwrap_or(i64::MAX))
                .bind(now_ms())
                .bind(lease_until.unix_millis())
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(moved == 1)
            }

            async fn release_relay(&self, claim: &RelayClaim) -> DbResult<()> {
                sqlx::query(
                    "UPDATE event_relays SET lease_until_ms = NULL, lease_token = NULL \
                     WHERE relay = $1 AND tenant_id = $2 AND lease_token = $3",
                )
                .bind(&claim.relay)
                .bind(claim.tenant.as_uuid())
                .bind(claim.lease_token)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn relay_position(&self, relay: &str, tenant: TenantId) -> DbResult<(u64, u64)> {
                let (relayed, head): (Option<i64>, i64) = sqlx::query_as(
                    "SELECT (SELECT relayed_seq FROM event_relays WHERE relay = $1 AND tenant_id = t.id), t.event_seq \
                     FROM tenants t WHERE t.id = $2",
                )
                .bind(relay)
                .bind(tenant.as_uuid())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(DbError::NotFound("tenant"))?;
                Ok((relayed.unwrap_or(0).max(0) as u64, head.max(0) as u64))
            }
        }
    };
}
pub(crate) use sql_relay_paths;
