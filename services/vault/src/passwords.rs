//! Passwords: reveal the current one (through the batched path in `reveal`), and the
//! history: every version of an account's password stays sealed with who set it, when and
//! why. Set a new one, make an earlier one current again (as a new version), or reveal an
//! earlier one; each is audited, and only those who may reveal the account read any version.

use secrecy::{ExposeSecret, SecretString};
use strongroom_auth::RequestContext;
use strongroom_core::AccountId;
use strongroom_crypto::{SecretAad, open, seal};
use strongroom_proto::access::Operation;
use zeroize::Zeroizing;

use crate::accounts::{check_password, live};
use crate::app::{Row, Vault, account_target, event, owner, required};
use crate::error::VaultError;
use crate::password_policy::PasswordPolicy;
use crate::reveal::{Reply, Reveal, Showing, no_result};
use crate::store::{self, AccountRow, NewSecret, VersionKind, VersionRow};

/// A version made current, as the history lists it.
pub struct Versioned {
    pub account: AccountRow,
    pub version: VersionRow,
}

impl Vault {
    /// Returns the account's password to a caller the access service allows. The audit
    /// record commits before the password leaves; a refused caller gets "not found".
    pub async fn reveal_password(
        &self,
        ctx: &RequestContext,
        account: AccountId,
        showing: Showing,
    ) -> Result<Zeroizing<String>, VaultError> {
        let reveal = Reveal {
            ctx: ctx.clone(),
            account,
            showing,
        };
        self.reveal_passwords(vec![reveal])
            .await
            .pop()
            .unwrap_or_else(no_result)
    }

    /// Several reveals together, as [`Vault::reveal_password`]; one result each, in order.
    pub async fn reveal_passwords(&self, reveals: Vec<Reveal>) -> Vec<Reply> {
        self.reveals.reveal(reveals).await
    }

    /// The account's versions, newest first; the caller must be allowed to reveal it.
    pub async fn list_password_history(
        &self,
        ctx: &RequestContext,
        id: AccountId,
    ) -> Result<(AccountRow, Vec<VersionRow>), VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let account = self
            .find_visible_account(ctx, &mut tx, id, Operation::Reveal)
            .await?;
        let versions = store::list_versions(&mut tx, id.0).await?;
        tx.commit().await?;
        Ok((account, versions))
    }

    /// Seals a new password as the account's next version: `password`, or with `None` one
    /// generated from the resource's policy (the built-in strong one when it names none).
    /// A password breaking the resource's policy is refused naming the rule; `reason` says
    /// why (required).
    pub async fn set_password(
        &self,
        ctx: &RequestContext,
        id: AccountId,
        password: Option<SecretString>,
        reason: &str,
    ) -> Result<Versioned, VaultError> {
        if let Some(password) = &password {
            check_password(password)?;
        }
        let reason = required("reason", reason, 500)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let account = self
            .find_visible_account(ctx, &mut tx, id, Operation::Modify)
            .await?;
        live(&account)?;
        let resource = store::find_resource(&mut tx, account.resource_id, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("account"))?;
        let policy = crate::policies::resolve(&mut tx, &resource.password_policy).await?;
        let generated = password.is_none();
        let password = match (password, policy) {
            (Some(password), None) => Zeroizing::new(password.expose_secret().to_owned()),
            (Some(password), Some(policy)) => {
                let previous = self
                    .previous_passwords(&mut tx, ctx, id, policy.reuse_forbidden)
                    .await?;
                let previous: Vec<&str> = previous.iter().map(|p| p.as_str()).collect();
                policy.check(password.expose_secret(), &previous)?;
                Zeroizing::new(password.expose_secret().to_owned())
            }
            (None, policy) => policy
                .unwrap_or_else(PasswordPolicy::strong)
                .generate(&mut rand::rng())?,
        };
        let version = self
            .seal_next(
                &mut tx,
                ctx,
                id,
                password.as_bytes(),
                VersionKind::Changed,
                &reason,
            )
            .await?;
        let event = event(
            ctx,
            "password.changed",
            account_target(id.0, &account.resource_name, &account.username),
        )
        .with_details(serde_json::json!({
            "version": version,
            "reason": reason,
            "generated": generated,
        }));
        self.outbox.record(&mut tx, &event).await?;
        self.finish_version(ctx, tx, id, version).await
    }

    /// The account's last `count` passwords, newest first.
    async fn previous_passwords(
        &self,
        tx: &mut strongroom_tenancy::TenantTx,
        ctx: &RequestContext,
        id: AccountId,
        count: u32,
    ) -> Result<Vec<Zeroizing<String>>, VaultError> {
        let mut previous = Vec::new();
        for (version, sealed) in store::list_sealed_versions(tx, id.0, i64::from(count)).await? {
            let plain = self
                .open_sealed(tx, ctx.org(), id, version, &sealed)
                .await?;
            previous.push(Zeroizing::new(String::from_utf8_lossy(&plain).into_owned()));
        }
        Ok(previous)
    }

    /// Makes an earlier version's password current again, as a new version.
    pub async fn revert_password(
        &self,
        ctx: &RequestContext,
        id: AccountId,
        from: i32,
        reason: &str,
    ) -> Result<Versioned, VaultError> {
        let reason = required("reason", reason, 500)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let account = self
            .find_visible_account(ctx, &mut tx, id, Operation::Modify)
            .await?;
        live(&account)?;
        if !self
            .allowed(ctx, Row::of_account(&account), Operation::Reveal)
            .await?
        {
            return Err(VaultError::NotFound("account"));
        }
        if from == account.password_version {
            return Err(VaultError::InvalidInput(format!(
                "version {from} is the current password already"
            )));
        }
        let password = self.open_version(&mut tx, ctx, id, from).await?;
        let version = self
            .seal_next(&mut tx, ctx, id, &password, VersionKind::Reverted, &reason)
            .await?;
        let event = event(
            ctx,
            "password.reverted",
            account_target(id.0, &account.resource_name, &account.username),
        )
        .with_details(
            serde_json::json!({ "version": version, "from_version": from, "reason": reason }),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.finish_version(ctx, tx, id, version).await
    }

    /// An earlier (or the current) version's password. Its audit event commits before the
    /// password leaves.
    pub async fn reveal_password_version(
        &self,
        ctx: &RequestContext,
        id: AccountId,
        version: i32,
        showing: &Showing,
    ) -> Result<Zeroizing<String>, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let account = store::find_account(&mut tx, id.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("account"))?;
        self.require_showing(
            ctx,
            Row::of_account(&account),
            "account",
            &showing.ticket_id,
        )
        .await?;
        live(&account)?;
        let password = self.open_version(&mut tx, ctx, id, version).await?;
        let password = String::from_utf8(password.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| VaultError::InvalidInput("the stored password is not text".into()))?;
        let event = event(
            ctx,
            "password.version_revealed",
            account_target(id.0, &account.resource_name, &account.username),
        )
        .with_details(serde_json::json!({
            "version": version,
            "reason": showing.reason,
            "ticket_id": showing.ticket_id,
        }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(password)
    }

    async fn open_version(
        &self,
        tx: &mut strongroom_tenancy::TenantTx,
        ctx: &RequestContext,
        id: AccountId,
        version: i32,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let sealed = store::find_version(tx, id.0, version)
            .await?
            .ok_or(VaultError::NotFound("password version"))?;
        self.open_sealed(tx, ctx.org(), id, version, &sealed).await
    }

    /// A sealed version of the account's password in `org`, opened.
    pub(crate) async fn open_sealed(
        &self,
        tx: &mut strongroom_tenancy::TenantTx,
        org: strongroom_core::OrgId,
        id: AccountId,
        version: i32,
        sealed: &store::SealedVersion,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let key = self.keys.version_in_tx(tx, sealed.key_version).await?;
        let aad = SecretAad {
            org,
            account: id,
            version,
        };
        Ok(open(&key, &aad, &sealed.ciphertext)?)
    }

    async fn seal_next(
        &self,
        tx: &mut strongroom_tenancy::TenantTx,
        ctx: &RequestContext,
        id: AccountId,
        password: &[u8],
        kind: VersionKind,
        reason: &str,
    ) -> Result<i32, VaultError> {
        let version = store::next_version(tx, id.0)
            .await?
            .ok_or(VaultError::NotFound("account"))?;
        let (key_version, key) = self.keys.in_tx(tx).await?.current();
        let aad = SecretAad {
            org: ctx.org(),
            account: id,
            version,
        };
        let sealed = seal(&key, &aad, password)?;
        store::create_secret(
            tx,
            &NewSecret {
                account: id.0,
                version,
                key_version,
                ciphertext: &sealed,
                created_by: owner(ctx),
                kind,
                reason,
            },
        )
        .await?;
        Ok(version)
    }

    async fn finish_version(
        &self,
        ctx: &RequestContext,
        mut tx: strongroom_tenancy::TenantTx,
        id: AccountId,
        version: i32,
    ) -> Result<Versioned, VaultError> {
        let account = store::find_account(&mut tx, id.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("account"))?;
        let row = store::list_versions(&mut tx, id.0)
            .await?
            .into_iter()
            .find(|v| v.version == version)
            .ok_or(VaultError::NotFound("password version"))?;
        self.outbox.commit(tx).await?;
        Ok(Versioned {
            account,
            version: row,
        })
    }
}
