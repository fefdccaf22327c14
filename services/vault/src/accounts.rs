//! Accounts: add one to a resource (its first password sealed), read, edit, move to
//! another resource, move to the trash and back, purge, and mark as a favourite.

use secrecy::{ExposeSecret, SecretString};
use strongroom_auth::RequestContext;
use strongroom_core::{AccountId, ResourceId};
use strongroom_crypto::{SecretAad, seal};
use strongroom_proto::access::Operation;

use crate::app::{Row, Vault, account_target, event, optional, owner, required};
use crate::error::{VaultError, unique_or};
use crate::fields::{FieldWrite, GivenFields, attach_account_fields, specs_for};
use crate::store::FieldOwner;
use crate::store::{self, AccountRow, NewSecret, VersionKind};

pub const MAX_PASSWORD_BYTES: usize = 4096;

/// A password as stored: 1 to [`MAX_PASSWORD_BYTES`] bytes.
pub fn check_password(password: &SecretString) -> Result<(), VaultError> {
    let length = password.expose_secret().len();
    if length == 0 || length > MAX_PASSWORD_BYTES {
        return Err(VaultError::InvalidInput(format!(
            "password must have 1 to {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    Ok(())
}

/// A new account's fields.
pub struct NewAccount {
    pub username: String,
    pub password: SecretString,
    pub notes: String,
    pub fields: GivenFields,
}

/// Changes to an account: fields left out stay as they are.
#[derive(Debug, Default)]
pub struct AccountChanges {
    pub username: Option<String>,
    pub notes: Option<String>,
    pub fields: GivenFields,
}

/// The account with its field values, as the caller sees it.
async fn account_with_fields(
    tx: &mut strongroom_tenancy::TenantTx,
    ctx: &RequestContext,
    id: uuid::Uuid,
) -> Result<AccountRow, VaultError> {
    let mut account = store::find_account(tx, id, owner(ctx))
        .await?
        .ok_or(VaultError::NotFound("account"))?;
    attach_account_fields(tx, std::slice::from_mut(&mut account)).await?;
    Ok(account)
}

fn username_taken(resource: &str, username: &str) -> VaultError {
    VaultError::AlreadyExists(format!(
        "resource {resource} already has an account {username}"
    ))
}

impl Vault {
    /// Adds an account to a resource the caller may manage; its password is sealed with the
    /// org's data key as version 1.
    pub async fn create_account(
        &self,
        ctx: &RequestContext,
        resource: ResourceId,
        new: NewAccount,
    ) -> Result<AccountRow, VaultError> {
        let username = required("username", &new.username, 200)?;
        let notes = optional("notes", &new.notes, 10_000)?;
        check_password(&new.password)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = store::find_resource(&mut tx, resource.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("resource"))?;
        self.require(ctx, Row::of_resource(&found), Operation::Manage, "resource")
            .await?;
        if found.deleted_at.is_some() {
            return Err(VaultError::InvalidInput(
                "the resource is in the trash: restore it first".into(),
            ));
        }
        if let Some(policy) = crate::policies::resolve(&mut tx, &found.password_policy).await? {
            policy.check(new.password.expose_secret(), &[])?;
        }
        let account = AccountId::new();
        store::create_account(&mut tx, account.0, found.id, &username, &notes)
            .await
            .map_err(|e| unique_or(e, || username_taken(&found.name, &username)))?;
        let (key_version, key) = self.keys.in_tx(&mut tx).await?.current();
        let aad = SecretAad {
            org: ctx.org(),
            account,
            version: 1,
        };
        let sealed = seal(&key, &aad, new.password.expose_secret().as_bytes())?;
        store::create_secret(
            &mut tx,
            &NewSecret {
                account: account.0,
                version: 1,
                key_version,
                ciphertext: &sealed,
                created_by: owner(ctx),
                kind: VersionKind::Created,
                reason: "",
            },
        )
        .await?;
        let specs = specs_for(&mut tx, FieldOwner::Account, None).await?;
        let written = self
            .write_fields(
                &mut tx,
                ctx,
                FieldOwner::Account,
                account.0,
                &specs,
                &new.fields,
                FieldWrite::Create,
            )
            .await?;
        let event = event(
            ctx,
            "account.created",
            account_target(account.0, &found.name, &username),
        )
        .with_details(serde_json::json!({ "fields": written }));
        self.outbox.record(&mut tx, &event).await?;
        let created = account_with_fields(&mut tx, ctx, account.0).await?;
        self.outbox.commit(tx).await?;
        Ok(created)
    }

    /// The account, if the caller may see it (in the trash too).
    pub async fn find_visible_account(
        &self,
        ctx: &RequestContext,
        tx: &mut strongroom_tenancy::TenantTx,
        id: AccountId,
        operation: Operation,
    ) -> Result<AccountRow, VaultError> {
        let found = store::find_account(tx, id.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("account"))?;
        self.require(ctx, Row::of_account(&found), operation, "account")
            .await?;
        Ok(found)
    }

    pub async fn get_account(
        &self,
        ctx: &RequestContext,
        id: AccountId,
    ) -> Result<AccountRow, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let mut found = self
            .find_visible_account(ctx, &mut tx, id, Operation::View)
            .await?;
        attach_account_fields(&mut tx, std::slice::from_mut(&mut found)).await?;
        tx.commit().await?;
        Ok(found)
    }

    pub async fn update_account(
        &self,
        ctx: &RequestContext,
        id: AccountId,
        changes: AccountChanges,
    ) -> Result<AccountRow, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let old = self
            .find_visible_account(ctx, &mut tx, id, Operation::Modify)
            .await?;
        live(&old)?;
        let username = match changes.username {
            Some(u) => required("username", &u, 200)?,
            None => old.username.clone(),
        };
        let notes = match changes.notes {
            Some(n) => optional("notes", &n, 10_000)?,
            None => old.notes.clone(),
        };
        let mut changed = Vec::new();
        if username != old.username {
            changed.push("username");
        }
        if notes != old.notes {
            changed.push("notes");
        }
        if changed.is_empty() && changes.fields.is_empty() {
            return account_with_fields(&mut tx, ctx, id.0).await;
        }
        store::update_account(&mut tx, id.0, &username, &notes)
            .await
            .map_err(|e| unique_or(e, || username_taken(&old.resource_name, &username)))?;
        let specs = specs_for(&mut tx, FieldOwner::Account, None).await?;
        let written = self
            .write_fields(
                &mut tx,
                ctx,
                FieldOwner::Account,
                id.0,
                &specs,
                &changes.fields,
                FieldWrite::Update,
            )
            .await?;
        let event = event(
            ctx,
            "account.updated",
            account_target(id.0, &old.resource_name, &username),
        )
        .with_details(serde_json::json!({
            "changed": changed,
            "fields": written,
            "previous_username": old.username,
        }));
        self.outbox.record(&mut tx, &event).await?;
        let updated = account_with_fields(&mut tx, ctx, id.0).await?;
        self.outbox.commit(tx).await?;
        Ok(updated)
    }

    /// Moves an account to the trash (its password versions stay sealed, unrevealable, until
    /// it is restored or purged), or with `purge` deletes one in the trash for good.
    /// `confirm` must repeat its username.
    pub async fn delete_account(
        &self,
        ctx: &RequestContext,
        id: AccountId,
        confirm: &str,
        purge: bool,
    ) -> Result<(), VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = self
            .find_visible_account(ctx, &mut tx, id, Operation::Manage)
            .await?;
        if confirm.trim() != found.username {
            return Err(VaultError::InvalidInput(
                "confirm must repeat the account's username".into(),
            ));
        }
        let operation = if purge {
            if !store::purge_account(&mut tx, id.0).await? {
                return Err(VaultError::InvalidInput(
                    "only an account in the trash can be purged".into(),
                ));
            }
            "account.purged"
        } else {
            if !store::set_account_trashed(&mut tx, id.0, Some(owner(ctx))).await? {
                return Err(VaultError::InvalidInput(
                    "the account is in the trash already".into(),
                ));
            }
            "account.deleted"
        };
        let event = event(
            ctx,
            operation,
            account_target(id.0, &found.resource_name, &found.username),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(())
    }

    pub async fn restore_account(
        &self,
        ctx: &RequestContext,
        id: AccountId,
    ) -> Result<AccountRow, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = self
            .find_visible_account(ctx, &mut tx, id, Operation::Manage)
            .await?;
        if found.resource_deleted_at.is_some() {
            return Err(VaultError::InvalidInput(
                "the account's resource is in the trash: restore the resource".into(),
            ));
        }
        let restored = store::set_account_trashed(&mut tx, id.0, None)
            .await
            .map_err(|e| unique_or(e, || username_taken(&found.resource_name, &found.username)))?;
        if !restored {
            return Err(VaultError::InvalidInput(
                "the account is not in the trash".into(),
            ));
        }
        let event = event(
            ctx,
            "account.restored",
            account_target(id.0, &found.resource_name, &found.username),
        );
        self.outbox.record(&mut tx, &event).await?;
        let account = account_with_fields(&mut tx, ctx, id.0).await?;
        self.outbox.commit(tx).await?;
        Ok(account)
    }

    /// Moves an account, with its password history, to another resource; the caller must
    /// be allowed to manage both.
    pub async fn move_account(
        &self,
        ctx: &RequestContext,
        id: AccountId,
        to: ResourceId,
    ) -> Result<AccountRow, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = self
            .find_visible_account(ctx, &mut tx, id, Operation::Manage)
            .await?;
        live(&found)?;
        let target = store::find_resource(&mut tx, to.0, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("resource"))?;
        self.require(
            ctx,
            Row::of_resource(&target),
            Operation::Manage,
            "resource",
        )
        .await?;
        if target.deleted_at.is_some() {
            return Err(VaultError::InvalidInput(
                "the resource is in the trash: restore it first".into(),
            ));
        }
        if target.id == found.resource_id {
            return Ok(found);
        }
        store::move_account(&mut tx, id.0, target.id)
            .await
            .map_err(|e| unique_or(e, || username_taken(&target.name, &found.username)))?;
        let event = event(
            ctx,
            "account.moved",
            account_target(id.0, &target.name, &found.username),
        )
        .with_details(serde_json::json!({
            "from_resource": { "id": found.resource_id, "name": found.resource_name },
            "to_resource": { "id": target.id, "name": target.name },
        }));
        self.outbox.record(&mut tx, &event).await?;
        let moved = account_with_fields(&mut tx, ctx, id.0).await?;
        self.outbox.commit(tx).await?;
        Ok(moved)
    }

    pub async fn set_favourite_account(
        &self,
        ctx: &RequestContext,
        id: AccountId,
        favourite: bool,
    ) -> Result<(), VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        self.find_visible_account(ctx, &mut tx, id, Operation::View)
            .await?;
        store::set_favourite(
            &mut tx,
            store::Favourite::Account,
            owner(ctx),
            id.0,
            favourite,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Refuses an account in the trash.
pub fn live(account: &AccountRow) -> Result<(), VaultError> {
    if account.is_trashed() {
        return Err(VaultError::InvalidInput(
            "the account is in the trash: restore it first".into(),
        ));
    }
    Ok(())
}
