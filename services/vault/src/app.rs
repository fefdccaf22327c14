//! Vault use cases.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::{AccountId, OrgId, Permission, ResourceId, UserId};
use strongroom_crypto::{
    ORG_SEALED_SETTING, SecretAad, SettingAad, open_setting, seal, seal_setting,
};
use strongroom_events::{Event, Outbox, Target};
use strongroom_proto::access::access_client::AccessClient;
use strongroom_proto::access::{CheckRequest, Operation};
use strongroom_proto::identity::UserRef;
use strongroom_proto::identity::identity_client::IdentityClient;
use strongroom_tenancy::TenantDb;
use strongroom_trust::Service;
use tonic::transport::Channel;
use zeroize::Zeroizing;

use crate::error::{VaultError, unique_or};
use crate::keys::OrgKeys;
use crate::reveal::{Reply, Reveal, RevealQueue, no_result};
use crate::store::{self, ResourceRow};

const SERVICE: &str = "vault";
const MAX_PASSWORD_BYTES: usize = 4096;

pub struct Vault {
    pub db: TenantDb,
    pub outbox: Outbox,
    pub keys: Arc<OrgKeys>,
    pub access: AccessClient<Channel>,
    pub identity: IdentityClient<Channel>,
    pub reveals: RevealQueue,
}

impl Vault {
    /// Hands a departing user's resources to `to`; without `to`, counts them.
    pub async fn transfer_ownership(
        &self,
        ctx: &RequestContext,
        from: UserId,
        to: Option<UserId>,
    ) -> Result<u32, VaultError> {
        ctx.require(Permission::UsersManage)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let Some(to) = to else {
            let owned: i64 =
                sqlx::query_scalar("SELECT count(*) FROM resources WHERE owner_id = $1")
                    .bind(from.0)
                    .fetch_one(&mut *tx)
                    .await?;
            tx.commit().await?;
            return Ok(u32::try_from(owned).unwrap_or(u32::MAX));
        };
        tx.commit().await?;
        // Identity names the new owner, but the vault makes nobody an owner on its word
        // alone: they must be an active user of this org, as identity answers for the org
        // of the caller's token.
        let active = self
            .identity
            .clone()
            .check_active_user(outgoing(
                ctx,
                UserRef {
                    user_id: to.to_string(),
                },
            ))
            .await
            .map_err(VaultError::Identity)?
            .into_inner()
            .active;
        if !active || to == from {
            return Err(VaultError::InvalidInput(
                "the new owner must be another, active user of the org".into(),
            ));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let moved: Vec<(uuid::Uuid, String)> = sqlx::query_as(
            "UPDATE resources SET owner_id = $2 WHERE owner_id = $1 RETURNING id, name",
        )
        .bind(from.0)
        .bind(to.0)
        .fetch_all(&mut *tx)
        .await?;
        for (id, name) in &moved {
            let event = Event::new(
                ctx.org(),
                SERVICE,
                "resource.owner_changed",
                strongroom_runtime::actor(ctx),
                Target::new("resource", id, name),
            )
            .with_details(serde_json::json!({ "from": from.0, "to": to.0 }));
            self.outbox.record(&mut tx, &event).await?;
        }
        self.outbox.commit(tx).await?;
        Ok(u32::try_from(moved.len()).unwrap_or(u32::MAX))
    }

    pub async fn create_resource(
        &self,
        ctx: &RequestContext,
        name: &str,
        resource_type: &str,
        host: &str,
    ) -> Result<ResourceRow, VaultError> {
        ctx.require(Permission::ResourcesCreate)?;
        let name = required("name", name, 200)?;
        let resource_type = required("type", resource_type, 100)?;
        let host = host.trim();
        if host.len() > 255 {
            return Err(VaultError::InvalidInput(
                "host must have at most 255 characters".into(),
            ));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let resource = store::create_resource(
            &mut tx,
            ResourceId::new().0,
            name,
            resource_type,
            host,
            ctx.user().0,
        )
        .await
        .map_err(|e| {
            unique_or(e, || {
                VaultError::AlreadyExists(format!("a resource named {name} already exists"))
            })
        })?;
        let event = Event::new(
            ctx.org(),
            SERVICE,
            "resource.created",
            strongroom_runtime::actor(ctx),
            Target::new("resource", resource.id, &resource.name),
        )
        .with_details(serde_json::json!({ "type": resource.resource_type, "host": resource.host }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(resource)
    }

    /// Adds an account to a resource the caller may manage; its password is sealed with the
    /// org's data key. Returns (account id, created at).
    pub async fn create_account(
        &self,
        ctx: &RequestContext,
        resource: ResourceId,
        username: &str,
        password: SecretString,
    ) -> Result<(AccountId, chrono::DateTime<chrono::Utc>), VaultError> {
        let username = required("username", username, 200)?;
        let secret = password.expose_secret();
        if secret.is_empty() || secret.len() > MAX_PASSWORD_BYTES {
            return Err(VaultError::InvalidInput(format!(
                "password must have 1 to {MAX_PASSWORD_BYTES} bytes"
            )));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = store::find_resource(&mut tx, resource.0)
            .await?
            .ok_or(VaultError::NotFound("resource"))?;
        let check = CheckRequest {
            account_id: String::new(),
            resource_id: found.id.to_string(),
            owner_id: found.owner_id.to_string(),
            operation: Operation::Manage as i32,
        };
        if !self.allowed(ctx, check).await? {
            return Err(VaultError::NotFound("resource"));
        }
        let account = AccountId::new();
        let created_at = store::create_account(&mut tx, account.0, found.id, username)
            .await
            .map_err(|e| {
                unique_or(e, || {
                    VaultError::AlreadyExists(format!(
                        "resource {} already has an account {username}",
                        found.name
                    ))
                })
            })?;
        let (key_version, key) = self.keys.in_tx(&mut tx).await?.current();
        let aad = SecretAad {
            org: ctx.org(),
            account,
            version: 1,
        };
        let sealed = seal(&key, &aad, secret.as_bytes())?;
        store::create_secret(&mut tx, account.0, 1, key_version, &sealed, ctx.user().0).await?;
        let event = Event::new(
            ctx.org(),
            SERVICE,
            "account.created",
            strongroom_runtime::actor(ctx),
            Target::new("account", account, format!("{}/{username}", found.name)),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok((account, created_at))
    }

    /// Returns the account's password to a caller the access service allows. The audit
    /// event commits before the password leaves; a refused caller gets "not found".
    pub async fn reveal_password(
        &self,
        ctx: &RequestContext,
        account: AccountId,
    ) -> Result<Zeroizing<String>, VaultError> {
        let reveal = Reveal {
            ctx: ctx.clone(),
            account,
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

    /// Whether the caller may reveal the account, decided as a reveal is; an account that
    /// is not there answers as a refused one.
    pub async fn check_reveal(
        &self,
        ctx: &RequestContext,
        account: AccountId,
    ) -> Result<bool, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = store::find_account_resource(&mut tx, account.0).await?;
        tx.commit().await?;
        let Some(resource) = found else {
            return Ok(false);
        };
        let check = CheckRequest {
            account_id: account.to_string(),
            resource_id: resource.id.to_string(),
            owner_id: resource.owner_id.to_string(),
            operation: Operation::Reveal as i32,
        };
        self.allowed(ctx, check).await
    }

    /// Seals a secret `service` keeps in the org's settings with the org's current data key.
    /// The result begins with [`ORG_SEALED_SETTING`] and the key's version (4 bytes,
    /// big-endian).
    pub async fn seal_setting(
        &self,
        service: Service,
        org: OrgId,
        name: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let (version, key) = self.keys.ring(org).await?.current();
        let aad = SettingAad {
            service: service.as_str(),
            org,
            version,
            name,
        };
        let mut sealed = ORG_SEALED_SETTING.to_vec();
        sealed.extend(version.to_be_bytes());
        sealed.extend(seal_setting(&key, &aad, plaintext)?);
        Ok(sealed)
    }

    /// Opens what [`Vault::seal_setting`] sealed for the same service, org and name.
    pub async fn open_setting(
        &self,
        service: Service,
        org: OrgId,
        name: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let unreadable = || VaultError::InvalidInput("the sealed setting cannot be read".into());
        let sealed = sealed
            .strip_prefix(ORG_SEALED_SETTING.as_slice())
            .ok_or_else(unreadable)?;
        let (version, sealed) = sealed.split_first_chunk::<4>().ok_or_else(unreadable)?;
        let version = i32::from_be_bytes(*version);
        let key = match self.keys.ring(org).await?.version(version) {
            Some(key) => key,
            // Another replica may have added the version since this one read the ring.
            None => self
                .keys
                .reload(org)
                .await?
                .version(version)
                .ok_or_else(unreadable)?,
        };
        let aad = SettingAad {
            service: service.as_str(),
            org,
            version,
            name,
        };
        open_setting(&key, &aad, sealed).map_err(|_| unreadable())
    }

    async fn allowed(&self, ctx: &RequestContext, check: CheckRequest) -> Result<bool, VaultError> {
        Ok(self
            .access
            .clone()
            .check(outgoing(ctx, check))
            .await
            .map_err(VaultError::Access)?
            .into_inner()
            .allowed)
    }
}

fn required<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str, VaultError> {
    let value = value.trim();
    if value.is_empty() || value.len() > max {
        return Err(VaultError::InvalidInput(format!(
            "{field} must have 1 to {max} characters"
        )));
    }
    Ok(value)
}
