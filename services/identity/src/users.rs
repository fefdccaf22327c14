//! Users of an org: add, list, edit, disable, delete, reset a password, unlock.

use secrecy::SecretString;
use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, OrgId, Permission, Role, UserId};
use strongroom_events::Target;
use strongroom_tenancy::TenantTx;

use crate::app::{Identity, event, random_token, system_event, text};
use crate::error::{IdentityError, exists_or};
use crate::mailed_passwords::{MailedReason, NewPassword, new_password};
use crate::people::{deleted_event, existing_user, remove_user, require_outranks};
pub use crate::store::UserFields;
use crate::store::{self, TransferRow, UserRow, UserUpdate};

#[derive(Debug, Default)]
pub struct UserChanges {
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
}

pub struct UserView {
    pub user: UserRow,
    pub locked_until: Option<i64>,
}

pub fn validate_username(username: &str) -> Result<String, IdentityError> {
    let username = username.trim();
    let ok = (1..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(username.to_owned())
    } else {
        Err(IdentityError::InvalidInput(
            "username must have 1 to 64 letters, digits, '.', '_', '-' or '@'".into(),
        ))
    }
}

pub fn validate_email(email: &str) -> Result<String, IdentityError> {
    let email = email.trim();
    let ok = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.contains(char::is_whitespace);
    if ok {
        Ok(email.to_owned())
    } else {
        Err(IdentityError::InvalidInput(format!(
            "email {email:?} is not an email address"
        )))
    }
}

/// Checks and normalises the fields; the role must exist in the org.
pub async fn checked_fields(
    tx: &mut TenantTx,
    fields: &UserFields,
) -> Result<UserFields, IdentityError> {
    Ok(UserFields {
        username: validate_username(&fields.username)?,
        full_name: text("full_name", &fields.full_name, 200)?,
        email: validate_email(&fields.email)?,
        department: text("department", &fields.department, 200)?,
        location: text("location", &fields.location, 200)?,
        role: crate::roles::canonical(tx, &fields.role).await?,
    })
}

impl Identity {
    /// Creates MSPOrg's first administrator, `admin`, on the first start only (MSPOrg has
    /// no user yet): an `admin` deleted later is not made again. Without a given password
    /// one is generated and written once to `password_file` (0600), whose path is logged;
    /// the password itself is never logged. Either way it is a one-time password: `admin`
    /// chooses their own at the first login.
    pub async fn bootstrap_admin(
        &self,
        org: OrgId,
        password: Option<SecretString>,
        password_file: &std::path::Path,
    ) -> Result<(), IdentityError> {
        let mut tx = self.db.begin(org).await?;
        if store::has_users(&mut tx).await? {
            return Ok(());
        }
        let password = match password {
            Some(password) => password,
            None => {
                let generated = SecretString::from(random_token(18));
                write_initial_password(password_file, &generated)?;
                tracing::warn!(
                    path = %password_file.display(),
                    "generated the password of MSPOrg user admin; read it from this file, then delete the file"
                );
                generated
            }
        };
        let hash = self.hasher.hash(password).await?;
        let admin = UserFields {
            username: "admin".into(),
            full_name: "Administrator".into(),
            email: "admin@localhost".into(),
            role: Role::Administrator.as_str().into(),
            ..UserFields::default()
        };
        let user = store::create_user(&mut tx, &admin, "local", Some(&hash), None).await?;
        store::record_creation(&mut tx, user.id, None).await?;
        store::require_password_change(&mut tx, user.id, None).await?;
        let created = system_event(
            org,
            "user.created",
            Target::new("user", user.id, &user.username),
        );
        self.commit(tx, &[created]).await
    }

    /// Makes a local user. Their first password is `password` where the org has no mail
    /// server, and otherwise goes to them by mail (see `mailed_passwords`).
    pub async fn create_user(
        &self,
        ctx: &RequestContext,
        fields: &UserFields,
        password: Option<SecretString>,
    ) -> Result<UserRow, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let password = new_password(password, self.org_has_mail(ctx).await?, &fields.email)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let f = checked_fields(&mut tx, fields).await?;
        crate::roles::require_grantable(ctx, &mut tx, &f.role).await?;
        let hash = match password {
            NewPassword::Chosen(password) => {
                Some(self.acceptable_hash(&mut tx, None, password).await?)
            }
            NewPassword::ByMail => None,
        };
        let user = store::create_user(&mut tx, &f, "local", hash.as_deref(), None)
            .await
            .map_err(|e| exists_or(e, || format!("user {} already exists", f.username)))?;
        store::record_creation(&mut tx, user.id, Some(ctx.user().0)).await?;
        let mut details = serde_json::json!({ "role": user.role, "source": "local" });
        if hash.is_some() {
            // The administrator chose the password: the user replaces it at the first
            // login, so nobody signs in as a user they made with a password they know.
            store::require_password_change(&mut tx, user.id, Some(ctx.user().0)).await?;
        } else {
            let mailed = self
                .open_mailed_password(&mut tx, user.id, MailedReason::Welcome, Some(ctx.user().0))
                .await?;
            details["mailed_password_id"] = mailed.to_string().into();
        }
        let created = event(
            ctx,
            "user.created",
            Target::new("user", user.id, &user.username),
        )
        .with_details(details);
        self.commit(tx, &[created]).await?;
        Ok(user)
    }

    pub async fn list_users(
        &self,
        ctx: &RequestContext,
        query: &str,
    ) -> Result<Vec<UserView>, IdentityError> {
        ctx.require(Permission::UsersView)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let users = store::search_users(&mut tx, query).await?;
        tx.commit().await?;
        let names: Vec<&str> = users.iter().map(|u| u.username.as_str()).collect();
        let locks = self.guard.locked_until_each(ctx.org(), &names).await?;
        Ok(users
            .into_iter()
            .zip(locks)
            .map(|(user, locked_until)| UserView { user, locked_until })
            .collect())
    }

    pub async fn get_user(
        &self,
        ctx: &RequestContext,
        id: UserId,
    ) -> Result<UserView, IdentityError> {
        ctx.require(Permission::UsersView)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let user = existing_user(&mut tx, id).await?;
        tx.commit().await?;
        let locked_until = self.guard.locked_until(ctx.org(), &user.username).await?;
        Ok(UserView { user, locked_until })
    }

    pub async fn update_user(
        &self,
        ctx: &RequestContext,
        id: UserId,
        changes: UserChanges,
    ) -> Result<UserView, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let before = existing_user(&mut tx, id).await?;
        require_outranks(ctx, &mut tx, &before).await?;
        let mut f = UserFields {
            username: before.username.clone(),
            full_name: changes
                .full_name
                .unwrap_or_else(|| before.full_name.clone()),
            email: changes.email.unwrap_or_else(|| before.email.clone()),
            department: changes
                .department
                .unwrap_or_else(|| before.department.clone()),
            location: changes.location.unwrap_or_else(|| before.location.clone()),
            role: changes.role.unwrap_or_else(|| before.role.clone()),
        };
        f = checked_fields(&mut tx, &f).await?;
        if f.role != before.role {
            crate::roles::require_grantable(ctx, &mut tx, &f.role).await?;
        }
        let status = changes.status.unwrap_or_else(|| before.status.clone());
        if !matches!(status.as_str(), "active" | "disabled") {
            return Err(IdentityError::InvalidInput(
                "status must be active or disabled".into(),
            ));
        }
        if before.id == ctx.user().0 && (status == "disabled" || f.role != before.role) {
            return Err(IdentityError::Conflict(
                "you cannot disable yourself or change your own role".into(),
            ));
        }
        if status == "disabled" || f.role != before.role {
            keep_an_administrator(&mut tx, &before).await?;
        }
        // Disabling or a new role voids every token issued so far (sessions and API keys).
        let void_tokens = (status == "disabled" && before.is_active()) || f.role != before.role;
        let update = UserUpdate {
            fields: &f,
            status: &status,
            void_tokens,
        };
        let user = store::update_user(&mut tx, before.id, &update).await?;
        let target = Target::new("user", user.id, &user.username);
        let mut events =
            vec![
                event(ctx, "user.updated", target.clone()).with_details(serde_json::json!({
                    "role": { "from": before.role, "to": user.role },
                    "status": { "from": before.status, "to": user.status },
                })),
            ];
        if before.is_active() && !user.is_active() {
            events.push(event(ctx, "user.disabled", target.clone()));
            store::revoke_user_sessions(&mut tx, user.id).await?;
        } else if before.status == "disabled" && user.status == "active" {
            events.push(event(ctx, "user.enabled", target.clone()));
        }
        if before.role != user.role {
            events.push(
                event(ctx, "user.role_changed", target)
                    .with_details(serde_json::json!({ "from": before.role, "to": user.role })),
            );
        }
        self.commit(tx, &events).await?;
        if void_tokens {
            self.revocations
                .require_version(user.id, user.token_version)
                .await?;
        }
        let locked_until = self.guard.locked_until(ctx.org(), &user.username).await?;
        Ok(UserView { user, locked_until })
    }

    /// Deletes a user. What they own moves to `transfer_to` first; owning something with no
    /// one named to take it over refuses the delete. Naming oneself only asks: the deletion
    /// waits, returned as a pending transfer, for a second administrator of the org.
    pub async fn delete_user(
        &self,
        ctx: &RequestContext,
        id: UserId,
        transfer_to: Option<UserId>,
    ) -> Result<Option<TransferRow>, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        if transfer_to.is_some() {
            ctx.require_msp_allowed(MspStaffRight::TakeOwnership)?;
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let user = existing_user(&mut tx, id).await?;
        if user.id == ctx.user().0 {
            return Err(IdentityError::Conflict("you cannot delete yourself".into()));
        }
        require_outranks(ctx, &mut tx, &user).await?;
        keep_an_administrator(&mut tx, &user).await?;
        let heir = match transfer_to {
            Some(to) => Some(crate::ownership::heir(&mut tx, &user, to).await?),
            None => None,
        };
        if let Some(heir) = heir.as_ref().filter(|h| {
            crate::ownership::needs_approval(h, ctx.user().0, chrono::Utc::now()).is_some()
        }) {
            ctx.require_signed_in()?;
            return Ok(Some(
                self.request_transfer(ctx, tx, &user, heir, true).await?,
            ));
        }
        tx.commit().await?;
        let moved = self.move_resources(ctx, &user, heir.as_ref()).await?;
        if heir.is_none() && moved > 0 {
            return Err(IdentityError::Conflict(format!(
                "{} owns {moved} resource(s); name a user to take them over (transfer_to)",
                user.username
            )));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let sessions = remove_user(&mut tx, &user).await?;
        let gone = deleted_event(ctx, &user, heir.as_ref(), moved);
        self.commit(tx, &[gone]).await?;
        self.after_removal(&user, &sessions).await?;
        Ok(None)
    }

    pub async fn unlock_user(
        &self,
        ctx: &RequestContext,
        id: UserId,
    ) -> Result<UserView, IdentityError> {
        ctx.require(Permission::UsersManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let user = existing_user(&mut tx, id).await?;
        self.guard.unlock(ctx.org(), &user.username).await?;
        let unlocked = event(
            ctx,
            "user.unlocked",
            Target::new("user", user.id, &user.username),
        );
        self.commit(tx, &[unlocked]).await?;
        Ok(UserView {
            user,
            locked_until: None,
        })
    }
}

/// Refuses to remove the org's last active administrator (by disabling, demoting or
/// deleting `user`): nobody could manage the org afterwards.
async fn keep_an_administrator(tx: &mut TenantTx, user: &UserRow) -> Result<(), IdentityError> {
    let admin = Role::Administrator.as_str();
    if user.role != admin || !user.is_active() {
        return Ok(());
    }
    // Every active administrator's row is locked until this change commits: two
    // administrators demoting (or disabling, or deleting) each other at once are taken one
    // after the other, and the second sees the first's change, so one always remains.
    let admins = store::lock_active_holders(tx, admin).await?;
    if admins.iter().all(|id| *id == user.id) {
        return Err(IdentityError::Conflict(format!(
            "{} is the org's last active administrator; make someone else an administrator first",
            user.username
        )));
    }
    Ok(())
}

/// Writes the generated first password to a new file only its owner may read.
fn write_initial_password(
    path: &std::path::Path,
    password: &SecretString,
) -> Result<(), IdentityError> {
    use secrecy::ExposeSecret;
    let written = (|| {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // A file left from an earlier first start that never completed is replaced.
        let _ = std::fs::remove_file(path);
        strongroom_runtime::write_private_file(path, password.expose_secret().as_bytes())
    })();
    written
        .map_err(|e| IdentityError::Config(format!("cannot write the first admin password: {e:#}")))
}
