//! A run of a till's sales and returns stored together, for both backends:
//! one insert of the sales, one of the returns and one set of movements for
//! the whole run, where storing them one by one costs a savepoint and a set of
//! statements each. It is an upload's common case, a till's new sales; a run
//! with anything to judge fact by fact (a fact stored before, a receipt number
//! already used, a line refused) is rolled back whole and its facts go in one
//! at a time as before, each with its own outcome. The feed and the events
//! come out as storing the facts one by one gives them: each sale's movements,
//! then the sale. Expanded inside `sql_storage!`.

/// Implements storing a run of sales and returns on `$storage`.
macro_rules! sql_sale_run_paths {
    ($storage:ty) => {
        impl $storage {
            /// Stores `facts`, consecutive sales and returns of one till,
            /// inside a savepoint of `tx`: `true` when every one went in,
            /// `false`, with nothing written, when one of them has to be
            /// judged on its own.
            async fn store_sale_run(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                facts: &[(Envelope<Fact>, String)],
            ) -> DbResult<bool> {
                let mut savepoint = sqlx::Acquire::begin(&mut **tx).await?;
                match Self::write_sale_run(&mut savepoint, device, facts).await {
                    Ok(true) => {
                        savepoint.commit().await?;
                        Ok(true)
                    }
                    // A receipt number of the till already taken.
                    Ok(false) | Err(DbError::Conflict(_)) => {
                        savepoint.rollback().await?;
                        Ok(false)
                    }
                    Err(other) => Err(other),
                }
            }

            async fn write_sale_run(
                tx: &mut Tx<'_>,
                device: &DeviceIdentity,
                facts: &[(Envelope<Fact>, String)],
            ) -> DbResult<bool> {
                const COLUMNS: usize = 11;
                let (mut sales, mut returns) = (Vec::new(), Vec::new());
                let mut movements = Vec::new();
                let mut announce = Vec::with_capacity(facts.len());
                for (envelope, raw) in facts {
                    match &envelope.data {
                        Fact::Sale(sale) => {
                            movements.extend(sale.movements());
                            announce.push((movements.len(), ChangeBody::SaleRecorded(sale.clone())));
                            sales.push((sale, raw.as_str()));
                        }
                        Fact::Return(ret) => {
                            movements.extend(ret.movements());
                            announce.push((movements.len(), ChangeBody::ReturnRecorded(ret.clone())));
                            returns.push((ret, raw.as_str()));
                        }
                        _ => return Ok(false),
                    }
                }
                let now = now_ms();
                let (tenant, store, terminal) = (device.tenant_id.as_uuid(), device.store_id.as_uuid(), device.terminal_id.as_uuid());
                for chunk in sales.chunks(Self::rows_per_statement(COLUMNS)) {
                    let rows: Vec<String> = (0..chunk.len()).map(|i| Self::param_row(i * COLUMNS, COLUMNS)).collect();
                    let sql = format!(
                        "INSERT INTO sales (id, tenant_id, store_id, terminal_id, receipt_no, total_minor, currency, occurred_at_ms, \
                         received_at_ms, envelope, receipt_key_hash) VALUES {} ON CONFLICT (id) DO NOTHING",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for (sale, raw) in chunk {
                        query = query
                            .bind(sale.sale_id.as_uuid())
                            .bind(tenant)
                            .bind(store)
                            .bind(terminal)
                            .bind(&sale.receipt_no)
                            .bind(sale.total.minor())
                            .bind(sale.total.currency().as_str().to_owned())
                            .bind(sale.occurred_at.unix_millis())
                            .bind(now)
                            .bind(*raw)
                            .bind(sale.receipt_key.as_deref().map($crate::domain::receipt_links::key_hash));
                    }
                    let inserted = query.execute(&mut **tx).await.map_err(DbError::from_sqlx)?.rows_affected();
                    if inserted != chunk.len() as u64 {
                        return Ok(false);
                    }
                }
                for chunk in returns.chunks(Self::rows_per_statement(COLUMNS)) {
                    let rows: Vec<String> = (0..chunk.len()).map(|i| Self::param_row(i * COLUMNS, COLUMNS)).collect();
                    let sql = format!(
                        "INSERT INTO returns (id, tenant_id, store_id, terminal_id, receipt_no, original_sale_id, total_minor, currency, \
                         occurred_at_ms, received_at_ms, envelope) VALUES {} ON CONFLICT (id) DO NOTHING",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for (ret, raw) in chunk {
                        query = query
                            .bind(ret.return_id.as_uuid())
                            .bind(tenant)
                            .bind(store)
                            .bind(terminal)
                            .bind(&ret.receipt_no)
                            .bind(ret.original_sale_id.as_uuid())
                            .bind(ret.total.minor())
                            .bind(ret.total.currency().as_str().to_owned())
                            .bind(ret.occurred_at.unix_millis())
                            .bind(now)
                            .bind(*raw);
                    }
                    let inserted = query.execute(&mut **tx).await.map_err(DbError::from_sqlx)?.rows_affected();
                    if inserted != chunk.len() as u64 {
                        return Ok(false);
                    }
                }
                let rules = $crate::storage::sql::movements::MovementRules {
                    from_hq: false,
                    watch_orderability: true,
                    replays: $crate::storage::sql::movements::Replays::Refused,
                };
                match Self::apply_movements(tx, device.tenant_id, device.store_id, &movements, rules, announce).await {
                    Ok(_) => Ok(true),
                    Err(DbError::AtItem { .. }) => Ok(false),
                    Err(other) => Err(other),
                }
            }
        }
    };
}

pub(crate) use sql_sale_run_paths;
