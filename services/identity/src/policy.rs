//! The org's login settings: local password policy (length, character classes, history,
//! expiry), the lockout rule and the role imported users get.

use secrecy::{ExposeSecret, SecretString};
use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, Permission};
use strongroom_events::Target;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::app::{Identity, event};
use crate::error::IdentityError;
use crate::guard::LockoutRule;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct LoginSettings {
    pub min_length: i32,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_digit: bool,
    pub require_special: bool,
    pub history: i32,
    pub max_age_days: i32,
    pub lockout_threshold: i32,
    pub lockout_minutes: i32,
    pub default_role: String,
    /// A session ends after this many minutes without its token being renewed.
    pub session_idle_minutes: i32,
    /// A session ends this many hours after it began.
    pub session_max_hours: i32,
}

impl LoginSettings {
    /// How long a session opened now may last, in seconds: the org's limit, within the
    /// deployment's (`ceiling_secs`).
    pub fn session_secs(&self, ceiling_secs: i64) -> i64 {
        (i64::from(self.session_max_hours.max(1)) * 3600).min(ceiling_secs)
    }

    pub fn lockout(&self) -> LockoutRule {
        LockoutRule {
            threshold: self.lockout_threshold.max(0).unsigned_abs(),
            minutes: self.lockout_minutes.max(1).unsigned_abs(),
        }
    }

    /// Every rule the password breaks, in one message.
    pub fn check(&self, password: &SecretString) -> Result<(), IdentityError> {
        let p = password.expose_secret();
        let mut broken = Vec::new();
        if p.chars().count() < self.min_length.max(1).unsigned_abs() as usize {
            broken.push(format!("at least {} characters", self.min_length));
        }
        if p.chars().count() > 256 {
            broken.push("at most 256 characters".into());
        }
        let rules = [
            (
                self.require_lowercase,
                "a lowercase letter",
                char::is_lowercase as fn(char) -> bool,
            ),
            (
                self.require_uppercase,
                "an uppercase letter",
                char::is_uppercase,
            ),
            (self.require_digit, "a digit", |c: char| c.is_ascii_digit()),
            (self.require_special, "a special character", |c: char| {
                !c.is_alphanumeric() && !c.is_whitespace()
            }),
        ];
        for (required, what, test) in rules {
            if required && !p.chars().any(test) {
                broken.push(what.into());
            }
        }
        if broken.is_empty() {
            Ok(())
        } else {
            Err(IdentityError::InvalidInput(format!(
                "the password must have {}",
                broken.join(", ")
            )))
        }
    }
}

pub async fn load(tx: &mut TenantTx) -> Result<LoginSettings, sqlx::Error> {
    sqlx::query_as(
        "SELECT min_length, require_lowercase, require_uppercase, require_digit, require_special,
                history, max_age_days, lockout_threshold, lockout_minutes, default_role,
                session_idle_minutes, session_max_hours
         FROM login_settings",
    )
    .fetch_one(&mut **tx)
    .await
}

impl Identity {
    pub async fn login_settings(
        &self,
        ctx: &RequestContext,
    ) -> Result<LoginSettings, IdentityError> {
        ctx.require(Permission::UsersView)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let settings = load(&mut tx).await?;
        tx.commit().await?;
        Ok(settings)
    }

    pub async fn update_login_settings(
        &self,
        ctx: &RequestContext,
        new: LoginSettings,
    ) -> Result<LoginSettings, IdentityError> {
        ctx.require(Permission::LoginSettingsManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageDirectoryAndLogin)?;
        ctx.require_signed_in()?;
        let bounds = [
            ("min_length", new.min_length, 1, 256),
            ("history", new.history, 0, 24),
            ("max_age_days", new.max_age_days, 0, 3650),
            ("lockout_threshold", new.lockout_threshold, 0, 100),
            ("lockout_minutes", new.lockout_minutes, 1, 10_080),
            ("session_idle_minutes", new.session_idle_minutes, 5, 1_440),
            ("session_max_hours", new.session_max_hours, 1, 720),
        ];
        for (name, value, min, max) in bounds {
            if !(min..=max).contains(&value) {
                return Err(IdentityError::InvalidInput(format!(
                    "{name} must be between {min} and {max}"
                )));
            }
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let default_role = crate::roles::canonical(&mut tx, &new.default_role).await?;
        // Imported users get the default role: naming one is giving it.
        if default_role != load(&mut tx).await?.default_role {
            crate::roles::require_grantable(ctx, &mut tx, &default_role).await?;
        }
        let saved: LoginSettings = sqlx::query_as(
            "UPDATE login_settings SET min_length = $1, require_lowercase = $2,
                 require_uppercase = $3, require_digit = $4, require_special = $5, history = $6,
                 max_age_days = $7, lockout_threshold = $8, lockout_minutes = $9,
                 default_role = $10, session_idle_minutes = $11, session_max_hours = $12,
                 updated_at = now()
             RETURNING min_length, require_lowercase, require_uppercase, require_digit,
                 require_special, history, max_age_days, lockout_threshold, lockout_minutes,
                 default_role, session_idle_minutes, session_max_hours",
        )
        .bind(new.min_length)
        .bind(new.require_lowercase)
        .bind(new.require_uppercase)
        .bind(new.require_digit)
        .bind(new.require_special)
        .bind(new.history)
        .bind(new.max_age_days)
        .bind(new.lockout_threshold)
        .bind(new.lockout_minutes)
        .bind(&default_role)
        .bind(new.session_idle_minutes)
        .bind(new.session_max_hours)
        .fetch_one(&mut *tx)
        .await?;
        let changed = event(
            ctx,
            "login_settings.updated",
            Target::new("org", ctx.org(), "login settings"),
        )
        .with_details(serde_json::to_value(&saved).unwrap_or_default());
        self.commit(tx, &[changed]).await?;
        Ok(saved)
    }

    /// Checks `password` against the policy and the user's history, then hashes it.
    pub async fn acceptable_hash(
        &self,
        tx: &mut TenantTx,
        user: Option<Uuid>,
        password: SecretString,
    ) -> Result<String, IdentityError> {
        let settings = load(tx).await?;
        settings.check(&password)?;
        if let (Some(user), true) = (user, settings.history > 0) {
            let previous: Vec<String> = sqlx::query_scalar(
                "SELECT password_hash FROM (
                     SELECT password_hash, now() AS at FROM users
                      WHERE id = $1 AND password_hash IS NOT NULL
                     UNION ALL
                     SELECT password_hash, created_at FROM password_history WHERE user_id = $1
                 ) p ORDER BY at DESC LIMIT $2",
            )
            .bind(user)
            .bind(i64::from(settings.history))
            .fetch_all(&mut **tx)
            .await?;
            for hash in previous {
                if self.hasher.verify(password.clone(), Some(hash)).await? {
                    return Err(IdentityError::InvalidInput(format!(
                        "the password must differ from your last {} passwords",
                        settings.history
                    )));
                }
            }
        }
        Ok(self.hasher.hash(password).await?)
    }
}

/// Stores the user's new password, keeping the old one in the history. `one_time`: an
/// administrator chose it, so the user must replace it at their next login.
pub async fn set_password(
    tx: &mut TenantTx,
    user: Uuid,
    hash: &str,
    one_time: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH old AS (
             INSERT INTO password_history (user_id, password_hash)
             SELECT id, password_hash FROM users WHERE id = $1 AND password_hash IS NOT NULL
         )
         UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now(),
             must_change_password = $3
         WHERE id = $1",
    )
    .bind(user)
    .bind(hash)
    .bind(one_time)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
