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
pub use crate::store::LoginSettings;
use crate::store::{self, load_login_settings as load};

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
        let new = LoginSettings {
            default_role,
            ..new
        };
        let saved = store::save_login_settings(&mut tx, &new).await?;
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
            let previous =
                store::recent_password_hashes(tx, user, i64::from(settings.history)).await?;
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
