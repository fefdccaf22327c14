//! Accounts the org's own services sign in with. An administrator who may reveal an account
//! chooses it for a purpose (`mail`: the org's mail server) as they save the settings that
//! name it; the tenant service can then open that account, and only that one, for the
//! service that signs in (the audit service's mail sender), each opening audited. Nothing
//! else may open a password without a user's token behind it.

use strongroom_auth::RequestContext;
use strongroom_core::{AccountId, OrgId};
use strongroom_events::{Actor, Event};
use strongroom_proto::access::Operation;
use zeroize::Zeroizing;

use crate::app::{Row, SERVICE, Vault, account_target, event, owner};
use crate::error::VaultError;
use crate::store;

/// What a service signs in with: a username and its password now.
pub struct ServiceLogin {
    pub username: String,
    pub password: Zeroizing<String>,
}

/// The purposes an account may be chosen for.
fn purpose(name: &str) -> Result<&'static str, VaultError> {
    match name {
        "mail" => Ok("mail"),
        other => Err(VaultError::InvalidInput(format!(
            "purpose {other:?} is not one of: mail"
        ))),
    }
}

impl Vault {
    /// Makes `account` the one the org's `purpose` service signs in with (`None`: no
    /// account any more). Only an account the caller may reveal now, not under access
    /// control (a service cannot ask for approval); `false` when it is not one.
    pub async fn choose_service_credential(
        &self,
        ctx: &RequestContext,
        purpose_name: &str,
        account: Option<AccountId>,
    ) -> Result<bool, VaultError> {
        ctx.require_signed_in()?;
        let purpose = purpose(purpose_name)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let Some(account) = account else {
            if store::clear_service_credential(&mut tx, purpose).await? {
                let cleared = event(
                    ctx,
                    "account.service_credential_cleared",
                    strongroom_events::Target::new("org", ctx.org().0, purpose),
                );
                self.outbox.record(&mut tx, &cleared).await?;
            }
            self.outbox.commit(tx).await?;
            return Ok(true);
        };
        let found = store::find_account(&mut tx, account.0, owner(ctx)).await?;
        let Some(found) = found.filter(|a| !a.is_trashed() && !a.access_controlled) else {
            return Ok(false);
        };
        if !self
            .allowed(ctx, Row::of_account(&found), Operation::Reveal)
            .await?
        {
            return Ok(false);
        }
        store::choose_service_credential(&mut tx, purpose, found.id, ctx.user().0).await?;
        let chosen = event(
            ctx,
            "account.service_credential_chosen",
            account_target(found.id, &found.resource_name, &found.username),
        )
        .with_details(serde_json::json!({ "purpose": purpose }));
        self.outbox.record(&mut tx, &chosen).await?;
        self.outbox.commit(tx).await?;
        Ok(true)
    }

    /// The username and current password of the account chosen for `purpose` in `org`,
    /// which must be `account` (the one the settings name). Audited before it leaves.
    pub async fn open_service_credential(
        &self,
        org: OrgId,
        purpose_name: &str,
        account: AccountId,
    ) -> Result<ServiceLogin, VaultError> {
        let purpose = purpose(purpose_name)?;
        let mut tx = self.db.begin(org).await?;
        if store::service_credential(&mut tx, purpose).await? != Some(account.0) {
            return Err(VaultError::Conflict(format!(
                "account {account} is not the one chosen for {purpose}: save the {purpose} \
                 settings again"
            )));
        }
        let found = store::find_account(&mut tx, account.0, uuid::Uuid::nil())
            .await?
            .filter(|a| !a.is_trashed())
            .ok_or(VaultError::NotFound("account"))?;
        if found.access_controlled {
            return Err(VaultError::Conflict(format!(
                "account {account} is under access control now: a service cannot ask for it"
            )));
        }
        let version = found.password_version;
        let sealed = store::find_version(&mut tx, account.0, version)
            .await?
            .ok_or(VaultError::NotFound("password version"))?;
        let password = self
            .open_sealed(&mut tx, org, account, version, &sealed)
            .await?;
        let password = String::from_utf8(password.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| VaultError::InvalidInput("the stored password is not text".into()))?;
        let used = Event::new(
            org,
            SERVICE,
            "password.used_by_service",
            Actor {
                username: format!("service:{purpose}"),
                ..Actor::default()
            },
            account_target(found.id, &found.resource_name, &found.username),
        )
        .with_details(serde_json::json!({ "purpose": purpose, "version": version }));
        self.outbox.record(&mut tx, &used).await?;
        self.outbox.commit(tx).await?;
        Ok(ServiceLogin {
            username: found.username,
            password,
        })
    }
}
