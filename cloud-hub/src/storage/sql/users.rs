//! HQ users and their sessions at the hub, for both backends: invitations,
//! sign-in bookkeeping (failures, lock-out), sessions and what they grant.
//! Only hashes of secrets are stored. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::UserStorage`] on `$storage`.
macro_rules! sql_user_paths {
    ($storage:ty) => {
        use $crate::domain::access::{
            Invitation, LockOut, NewSession, NewUser, SignInRecord, UserInfo, UserPatch, UserStatus,
        };

        type UserRow = (Uuid, String, String, String, Option<String>, Option<i64>, i64, Option<i64>, Option<i64>, Option<i64>);
        const USER_COLUMNS: &str = "id, email, name, role, store_ids, password_set_at_ms, created_at_ms, \
             invitation_expires_at_ms, last_sign_in_at_ms, disabled_at_ms";
        type SignInRow = (Uuid, Uuid, String, Option<String>, Option<i64>, Option<i64>);
        const SIGN_IN_COLUMNS: &str = "id, tenant_id, email, password_hash, locked_until_ms, disabled_at_ms";

        fn user_from_row(row: UserRow) -> DbResult<UserInfo> {
            let (id, email, name, role, stores, password_set, created, invitation_expires, last_sign_in, disabled) = row;
            let status = match (disabled, password_set) {
                (Some(_), _) => UserStatus::Disabled,
                (None, Some(_)) => UserStatus::Active,
                (None, None) => UserStatus::Invited,
            };
            Ok(UserInfo {
                user_id: id,
                email,
                name,
                role: KeyRole::parse(&role).ok_or_else(|| DbError::Corrupt(format!("user {id}: role {role:?}")))?,
                store_ids: $crate::storage::sql::store_ids_from_json(&format!("user {id}"), stores)?,
                status,
                created_at: Timestamp::from_unix_millis(created),
                invitation_expires_at: invitation_expires.map(Timestamp::from_unix_millis),
                last_sign_in_at: last_sign_in.map(Timestamp::from_unix_millis),
                disabled_at: disabled.map(Timestamp::from_unix_millis),
            })
        }

        fn sign_in_from_row(row: SignInRow) -> SignInRecord {
            let (id, tenant, email, password_hash, locked_until, disabled) = row;
            SignInRecord {
                user_id: id,
                tenant: TenantId::from_uuid(tenant),
                email,
                password_hash,
                locked_until: locked_until.map(Timestamp::from_unix_millis),
                disabled: disabled.is_some(),
            }
        }

        /// A working owner credential, counted by [`owner_credentials`].
        fn counts_as_owner(user: &UserInfo) -> bool {
            user.role == KeyRole::Owner && user.status == UserStatus::Active
        }

        impl $storage {
            /// Emits an access event about a user (never a secret) inside `tx`.
            async fn announce_user(tx: &mut Tx<'_>, tenant: TenantId, event_type: &'static str, user: &UserInfo) -> DbResult<()> {
                let data = serde_json::to_value(user).map_err(|e| DbError::Corrupt(e.to_string()))?;
                Self::emit_event(tx, tenant, $crate::domain::events::by_hub(event_type, None, data)).await
            }

            async fn user_in(tx: &mut Tx<'_>, tenant: TenantId, id: Uuid) -> DbResult<UserInfo> {
                let row: Option<UserRow> = sqlx::query_as(&format!(
                    "SELECT {USER_COLUMNS} FROM hq_users WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                user_from_row(row.ok_or(DbError::NotFound("user"))?)
            }

            /// Refuses to take away the tenant's last working owner credential.
            async fn keep_an_owner(tx: &mut Tx<'_>, tenant: TenantId, user: &UserInfo, field: &'static str) -> DbResult<()> {
                if counts_as_owner(user) && Self::owner_credentials(tx, tenant).await? <= 1 {
                    return Err(DbError::State {
                        field,
                        detail: "this is the tenant's last owner; make another user an owner or issue an owner key first".into(),
                    });
                }
                Ok(())
            }

            async fn end_sessions(tx: &mut Tx<'_>, user: Uuid, except: Option<&str>) -> DbResult<()> {
                sqlx::query(
                    "UPDATE hq_sessions SET ended_at_ms = $2 WHERE user_id = $1 AND ended_at_ms IS NULL \
                     AND token_hash <> COALESCE($3, '')",
                )
                .bind(user)
                .bind(now_ms())
                .bind(except)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Opens a session in `tx`, first dropping the user's sessions
            /// that can no longer be used, so the table stays small.
            async fn insert_session(tx: &mut Tx<'_>, tenant: TenantId, user: Uuid, session: &NewSession) -> DbResult<()> {
                let now = now_ms();
                sqlx::query("DELETE FROM hq_sessions WHERE user_id = $1 AND (ended_at_ms IS NOT NULL OR expires_at_ms <= $2)")
                    .bind(user)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO hq_sessions (token_hash, tenant_id, user_id, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&session.token_hash)
                .bind(tenant.as_uuid())
                .bind(user)
                .bind(now)
                .bind(session.expires_at.unix_millis())
                .execute(&mut **tx)
                .await?;
                sqlx::query(
                    "UPDATE hq_users SET failed_sign_ins = 0, locked_until_ms = NULL, last_sign_in_at_ms = $2 WHERE id = $1",
                )
                .bind(user)
                .bind(now)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl UserStorage for $storage {
            async fn create_user(&self, tenant: TenantId, user: &NewUser) -> DbResult<UserInfo> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                Self::check_store_ids(&mut tx, tenant, &user.store_ids).await?;
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO hq_users (id, tenant_id, email, name, role, store_ids, invitation_hash, invitation_expires_at_ms, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(id)
                .bind(tenant.as_uuid())
                .bind(&user.email)
                .bind(&user.name)
                .bind(user.role.as_str())
                .bind($crate::storage::sql::store_ids_to_json(&user.store_ids)?)
                .bind(&user.invitation.code_hash)
                .bind(user.invitation.expires_at.unix_millis())
                .bind(now_ms())
                .execute(&mut *tx)
                .await
                .map_err(DbError::from_sqlx)?;
                let info = Self::user_in(&mut tx, tenant, id).await?;
                Self::announce_user(&mut tx, tenant, "access.user.invited", &info).await?;
                Self::commit(tx).await?;
                Ok(info)
            }

            async fn users(&self, tenant: TenantId) -> DbResult<Vec<UserInfo>> {
                let rows: Vec<UserRow> = sqlx::query_as(&format!(
                    "SELECT {USER_COLUMNS} FROM hq_users WHERE tenant_id = $1 ORDER BY created_at_ms, id"
                ))
                .bind(tenant.as_uuid())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(user_from_row).collect()
            }

            async fn user(&self, tenant: TenantId, id: Uuid) -> DbResult<UserInfo> {
                let mut tx = self.pool.begin().await?;
                let user = Self::user_in(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                Ok(user)
            }

            async fn update_user(&self, tenant: TenantId, id: Uuid, patch: &UserPatch) -> DbResult<UserInfo> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let user = Self::user_in(&mut tx, tenant, id).await?;
                let role = patch.role.unwrap_or(user.role);
                let stores = patch.store_ids.as_ref().unwrap_or(&user.store_ids);
                if role == KeyRole::Owner && !stores.is_empty() {
                    return Err(DbError::InvalidField {
                        field: "store_ids",
                        detail: "an owner reaches every store; limit a store_manager or read_only user instead".into(),
                    });
                }
                if role != KeyRole::Owner {
                    Self::keep_an_owner(&mut tx, tenant, &user, "role").await?;
                }
                Self::check_store_ids(&mut tx, tenant, stores).await?;
                sqlx::query("UPDATE hq_users SET name = $3, role = $4, store_ids = $5 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .bind(patch.name.as_ref().unwrap_or(&user.name))
                    .bind(role.as_str())
                    .bind($crate::storage::sql::store_ids_to_json(stores)?)
                    .execute(&mut *tx)
                    .await?;
                let user = Self::user_in(&mut tx, tenant, id).await?;
                Self::announce_user(&mut tx, tenant, "access.user.updated", &user).await?;
                Self::commit(tx).await?;
                Ok(user)
            }

            /// Disables a user (ending their sessions at once) or enables one
            /// again (with a clean slate of failed sign-ins).
            async fn set_user_disabled(&self, tenant: TenantId, id: Uuid, disabled: bool) -> DbResult<UserInfo> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let user = Self::user_in(&mut tx, tenant, id).await?;
                if disabled == (user.status == UserStatus::Disabled) {
                    return Ok(user);
                }
                if disabled {
                    Self::keep_an_owner(&mut tx, tenant, &user, "user_id").await?;
                    sqlx::query("UPDATE hq_users SET disabled_at_ms = $3 WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.as_uuid())
                        .bind(id)
                        .bind(now_ms())
                        .execute(&mut *tx)
                        .await?;
                    Self::end_sessions(&mut tx, id, None).await?;
                } else {
                    sqlx::query(
                        "UPDATE hq_users SET disabled_at_ms = NULL, failed_sign_ins = 0, locked_until_ms = NULL \
                         WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                let user = Self::user_in(&mut tx, tenant, id).await?;
                let event_type = if disabled { "access.user.disabled" } else { "access.user.enabled" };
                Self::announce_user(&mut tx, tenant, event_type, &user).await?;
                Self::commit(tx).await?;
                Ok(user)
            }

            /// Replaces the user's invitation; an earlier code stops working.
            async fn reinvite_user(&self, tenant: TenantId, id: Uuid, invitation: &Invitation) -> DbResult<UserInfo> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let user = Self::user_in(&mut tx, tenant, id).await?;
                if user.status == UserStatus::Disabled {
                    return Err(DbError::State {
                        field: "user_id",
                        detail: "this user is disabled; enable them before inviting them again".into(),
                    });
                }
                sqlx::query("UPDATE hq_users SET invitation_hash = $3, invitation_expires_at_ms = $4 WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(id)
                    .bind(&invitation.code_hash)
                    .bind(invitation.expires_at.unix_millis())
                    .execute(&mut *tx)
                    .await?;
                let user = Self::user_in(&mut tx, tenant, id).await?;
                Self::announce_user(&mut tx, tenant, "access.user.invited", &user).await?;
                Self::commit(tx).await?;
                Ok(user)
            }

            async fn sign_in_record(&self, email: &str) -> DbResult<SignInRecord> {
                let row: Option<SignInRow> = sqlx::query_as(&format!("SELECT {SIGN_IN_COLUMNS} FROM hq_users WHERE email = $1"))
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(sign_in_from_row).ok_or(DbError::NotFound("user"))
            }

            async fn sign_in_record_of(&self, tenant: TenantId, id: Uuid) -> DbResult<SignInRecord> {
                let row: Option<SignInRow> = sqlx::query_as(&format!(
                    "SELECT {SIGN_IN_COLUMNS} FROM hq_users WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(sign_in_from_row).ok_or(DbError::NotFound("user"))
            }

            /// Counts a wrong password in one statement (so concurrent guesses
            /// all count); at `lock.after_failures` the user is locked out and
            /// the count starts again. Answers the lock's end if this locked it.
            async fn sign_in_failed(&self, id: Uuid, lock: LockOut) -> DbResult<Option<Timestamp>> {
                let until = now_ms() + lock.for_ms;
                let mut tx = self.pool.begin().await?;
                // The tenant first, as every access change takes it (events).
                let (tenant,): (Uuid,) = sqlx::query_as("SELECT tenant_id FROM hq_users WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                Self::lock_tenant(&mut tx, TenantId::from_uuid(tenant)).await?;
                let (failed, locked_until): (i64, Option<i64>) = sqlx::query_as(
                    "UPDATE hq_users SET \
                       locked_until_ms = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3 ELSE locked_until_ms END, \
                       failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $2 THEN 0 ELSE failed_sign_ins + 1 END \
                     WHERE id = $1 RETURNING failed_sign_ins, locked_until_ms",
                )
                .bind(id)
                .bind(lock.after_failures)
                .bind(until)
                .fetch_one(&mut *tx)
                .await?;
                let locked = (failed == 0).then_some(locked_until).flatten().map(Timestamp::from_unix_millis);
                if locked.is_some() {
                    let tenant = TenantId::from_uuid(tenant);
                    let user = Self::user_in(&mut tx, tenant, id).await?;
                    Self::announce_user(&mut tx, tenant, "access.user.locked_out", &user).await?;
                }
                Self::commit(tx).await?;
                Ok(locked)
            }

            async fn open_session(&self, tenant: TenantId, id: Uuid, session: &NewSession) -> DbResult<UserInfo> {
                let mut tx = self.pool.begin().await?;
                Self::insert_session(&mut tx, tenant, id, session).await?;
                let user = Self::user_in(&mut tx, tenant, id).await?;
                Self::commit(tx).await?;
                Ok(user)
            }

            async fn invitation_email(&self, code_hash: &str) -> DbResult<String> {
                let row: Option<(String,)> = sqlx::query_as("SELECT email FROM hq_users WHERE invitation_hash = $1")
                    .bind(code_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|(email,)| email).ok_or(DbError::NotFound("invitation"))
            }

            /// Takes up an invitation: sets the password, ends any sessions
            /// (a reset invitation means the old password is not trusted) and
            /// signs the user in.
            async fn accept_invitation(&self, code_hash: &str, password_hash: &str, session: &NewSession) -> DbResult<UserInfo> {
                let mut tx = self.pool.begin().await?;
                let row: Option<(Uuid, Uuid, Option<i64>, Option<i64>)> = sqlx::query_as(
                    "SELECT id, tenant_id, invitation_expires_at_ms, disabled_at_ms FROM hq_users WHERE invitation_hash = $1",
                )
                .bind(code_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let (id, tenant, expires, disabled) = row.ok_or(DbError::NotFound("invitation"))?;
                let tenant = TenantId::from_uuid(tenant);
                Self::lock_tenant(&mut tx, tenant).await?;
                if disabled.is_some() {
                    return Err(DbError::State { field: "code", detail: "this user is disabled; ask an owner".into() });
                }
                if expires.is_some_and(|at| at <= now_ms()) {
                    return Err(DbError::State {
                        field: "code",
                        detail: "this invitation has expired; ask an owner for a new one".into(),
                    });
                }
                let taken = sqlx::query(
                    "UPDATE hq_users SET password_hash = $2, password_set_at_ms = $3, invitation_hash = NULL, \
                     invitation_expires_at_ms = NULL WHERE id = $1 AND invitation_hash = $4",
                )
                .bind(id)
                .bind(password_hash)
                .bind(now_ms())
                .bind(code_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if taken == 0 {
                    return Err(DbError::NotFound("invitation"));
                }
                Self::end_sessions(&mut tx, id, None).await?;
                Self::insert_session(&mut tx, tenant, id, session).await?;
                let user = Self::user_in(&mut tx, tenant, id).await?;
                Self::announce_user(&mut tx, tenant, "access.user.password_set", &user).await?;
                Self::commit(tx).await?;
                Ok(user)
            }

            /// Sets a new password and ends every other session of the user.
            async fn change_password(&self, tenant: TenantId, id: Uuid, password_hash: &str, keep_session: &str) -> DbResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let changed = sqlx::query(
                    "UPDATE hq_users SET password_hash = $3, password_set_at_ms = $4 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .bind(password_hash)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err(DbError::NotFound("user"));
                }
                Self::end_sessions(&mut tx, id, Some(keep_session)).await?;
                let user = Self::user_in(&mut tx, tenant, id).await?;
                Self::announce_user(&mut tx, tenant, "access.user.password_set", &user).await?;
                Self::commit(tx).await?;
                Ok(())
            }

            /// What a session token grants, and until when. An unknown token
            /// is `NotFound`; an ended or expired one, or a disabled user's,
            /// is `State` with the reason.
            async fn session_grant(&self, token_hash: &str) -> DbResult<(Grant, Timestamp)> {
                let row: Option<(Uuid, Uuid, i64, Option<i64>, String, Option<String>, Option<i64>)> = sqlx::query_as(
                    "SELECT s.user_id, s.tenant_id, s.expires_at_ms, s.ended_at_ms, u.role, u.store_ids, u.disabled_at_ms \
                     FROM hq_sessions s JOIN hq_users u ON u.id = s.user_id WHERE s.token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                let (user, tenant, expires, ended, role, stores, disabled) = row.ok_or(DbError::NotFound("session"))?;
                let refuse = |detail: &str| Err(DbError::State { field: "session", detail: detail.into() });
                if disabled.is_some() {
                    return refuse("this user has been disabled");
                }
                if ended.is_some() {
                    return refuse("this session has ended (signed out, or the password changed); sign in again");
                }
                if expires <= now_ms() {
                    return refuse("this session has expired; sign in again");
                }
                let grant = Grant {
                    actor: Actor::User { user_id: user, session: token_hash.to_owned() },
                    tenant: TenantId::from_uuid(tenant),
                    role: KeyRole::parse(&role).ok_or_else(|| DbError::Corrupt(format!("user {user}: role {role:?}")))?,
                    stores: $crate::storage::sql::store_ids_from_json(&format!("user {user}"), stores)?,
                };
                Ok((grant, Timestamp::from_unix_millis(expires)))
            }

            async fn end_session(&self, token_hash: &str) -> DbResult<()> {
                sqlx::query("UPDATE hq_sessions SET ended_at_ms = $2 WHERE token_hash = $1 AND ended_at_ms IS NULL")
                    .bind(token_hash)
                    .bind(now_ms())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }

    };
}

pub(crate) use sql_user_paths;
