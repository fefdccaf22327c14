//! Password policies: the built-in low, medium and strong (in the code) and the org's
//! custom ones (stored by name). A resource names the policy its passwords must satisfy;
//! the generator makes passwords that always do.

use strongroom_auth::RequestContext;
use strongroom_core::Permission;
use strongroom_events::Target;
use strongroom_tenancy::TenantTx;
use zeroize::Zeroizing;

use crate::app::{Vault, event};
use crate::error::VaultError;
use crate::password_policy::{BUILT_IN, PasswordPolicy};
use crate::store;

/// A policy as listed: its rules, and whether it is built in (and so cannot change).
pub struct NamedPolicy {
    pub policy: PasswordPolicy,
    pub built_in: bool,
}

/// The policy named so (a built-in or one of the org's, ignoring case); `None` for an
/// empty name.
pub async fn resolve(tx: &mut TenantTx, name: &str) -> Result<Option<PasswordPolicy>, VaultError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    if let Some(policy) = built_in(name) {
        return Ok(Some(policy));
    }
    match store::find_policy(tx, name).await? {
        Some(row) => Ok(Some(from_row(row)?)),
        None => Err(VaultError::InvalidInput(format!(
            "there is no password policy named {name}"
        ))),
    }
}

fn built_in(name: &str) -> Option<PasswordPolicy> {
    BUILT_IN
        .iter()
        .find(|b| b.eq_ignore_ascii_case(name))
        .and_then(|b| PasswordPolicy::built_in(b))
}

fn from_row(row: store::PolicyRow) -> Result<PasswordPolicy, VaultError> {
    let mut policy: PasswordPolicy = serde_json::from_value(row.rules).map_err(|e| {
        tracing::error!(policy = %row.name, error = %e, "a stored password policy does not read");
        VaultError::Conflict(format!("the password policy {} cannot be read", row.name))
    })?;
    policy.name = row.name;
    Ok(policy)
}

impl Vault {
    /// The built-in policies, then the org's own by name.
    pub async fn list_password_policies(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<NamedPolicy>, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let rows = store::list_policies(&mut tx).await?;
        tx.commit().await?;
        let mut policies: Vec<NamedPolicy> = BUILT_IN
            .iter()
            .filter_map(|name| PasswordPolicy::built_in(name))
            .map(|policy| NamedPolicy {
                policy,
                built_in: true,
            })
            .collect();
        for row in rows {
            policies.push(NamedPolicy {
                policy: from_row(row)?,
                built_in: false,
            });
        }
        Ok(policies)
    }

    /// Adds a custom policy or replaces one's rules. A policy no password could satisfy is
    /// refused, naming why; the built-in ones cannot change.
    pub async fn save_password_policy(
        &self,
        ctx: &RequestContext,
        mut policy: PasswordPolicy,
    ) -> Result<PasswordPolicy, VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        policy.name = policy.name.trim().to_owned();
        if built_in(&policy.name).is_some() {
            return Err(VaultError::Conflict(format!(
                "{} is a built-in policy and cannot change: save a custom one",
                policy.name
            )));
        }
        policy.validate()?;
        let rules = serde_json::to_value(&policy)
            .map_err(|e| VaultError::InvalidInput(format!("the policy does not encode: {e}")))?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let row = store::save_policy(&mut tx, &policy.name, &rules, store::Source::Local).await?;
        let saved = from_row(row)?;
        let event = event(
            ctx,
            "password_policy.saved",
            Target::new("password_policy", &saved.name, &saved.name),
        )
        .with_details(rules);
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(saved)
    }

    /// Deletes a custom policy no resource names.
    pub async fn delete_password_policy(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> Result<(), VaultError> {
        ctx.require(Permission::VaultSettingsManage)?;
        if built_in(name).is_some() {
            return Err(VaultError::Conflict(format!(
                "{name} is a built-in policy and cannot be deleted"
            )));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let using = store::count_resources_with_policy(&mut tx, name).await?;
        if using > 0 {
            return Err(VaultError::Conflict(format!(
                "{using} resource(s) use the policy {name}: give them another first"
            )));
        }
        if !store::delete_policy(&mut tx, name).await? {
            return Err(VaultError::NotFound("password policy"));
        }
        let event = event(
            ctx,
            "password_policy.deleted",
            Target::new("password_policy", name, name),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(())
    }

    /// A password the named policy accepts (nothing is stored).
    pub async fn generate_password(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> Result<Zeroizing<String>, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let policy = resolve(&mut tx, name)
            .await?
            .ok_or_else(|| VaultError::InvalidInput("name a password policy".into()))?;
        tx.commit().await?;
        Ok(policy.generate(&mut rand::rng())?)
    }
}
