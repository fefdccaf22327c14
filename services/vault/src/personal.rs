//! Personal passwords: each user's private store of their own entries, locked by a
//! passphrase the server never keeps (only a verifier, from Argon2id). Unlocking answers a
//! token that carries the store's key to the user's next requests for 15 minutes; without
//! the passphrase or that token nobody (administrators, MSP staff, API keys, whoever holds
//! the database and the KMS) reads an entry. A forgotten passphrase cannot be recovered:
//! the store can only be deleted and started again. The login password plays no part, so
//! changing it changes nothing here.

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use strongroom_auth::RequestContext;
use strongroom_crypto::DataKey;
use strongroom_crypto::personal::{
    PERSONAL_KDF, PassphraseKeys, PersonalKdf, open_entry, open_unlock, seal_entry, seal_unlock,
};
use strongroom_events::Target;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::app::{Vault, event, optional, owner, required};
use crate::error::VaultError;
use crate::store::{self, PersonalStoreRow};

pub const MIN_PASSPHRASE_CHARS: usize = 12;
/// How long an unlock token opens the store.
pub const UNLOCK_SECONDS: i64 = 15 * 60;
/// The words that delete a store whose passphrase is lost.
pub const DELETE_CONFIRMATION: &str = "delete my personal passwords";

/// One entry, as its owner reads and writes it. `Debug` shows no password.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct PersonalEntry {
    pub title: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub notes: String,
}

impl std::fmt::Debug for PersonalEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonalEntry")
            .field("title", &self.title)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Drop for PersonalEntry {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.password);
    }
}

/// An entry with its id and times.
pub struct StoredEntry {
    pub id: Uuid,
    pub entry: PersonalEntry,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Whether the caller has a store, and how many entries it holds.
pub struct PersonalStatus {
    pub exists: bool,
    pub entries: i64,
}

fn lost() -> VaultError {
    VaultError::InvalidInput(format!(
        "wrong passphrase: personal passwords cannot be opened or recovered without it; if it \
         is lost, delete the store (confirm \"{DELETE_CONFIRMATION}\") and start again"
    ))
}

fn check_passphrase(passphrase: &str) -> Result<(), VaultError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS || passphrase.len() > 1024 {
        return Err(VaultError::InvalidInput(format!(
            "a passphrase has {MIN_PASSPHRASE_CHARS} to 1024 characters"
        )));
    }
    Ok(())
}

/// Argon2id off the async workers.
async fn derive(
    passphrase: &str,
    salt: Vec<u8>,
    kdf: PersonalKdf,
) -> Result<PassphraseKeys, VaultError> {
    let passphrase = Zeroizing::new(passphrase.to_owned());
    tokio::task::spawn_blocking(move || PassphraseKeys::derive(&passphrase, &salt, kdf))
        .await
        .map_err(|_| VaultError::InvalidInput("the passphrase could not be checked".into()))?
        .map_err(Into::into)
}

fn store_target(ctx: &RequestContext) -> Target {
    Target::new("personal_store", ctx.user(), ctx.username())
}

impl Vault {
    pub async fn personal_status(
        &self,
        ctx: &RequestContext,
    ) -> Result<PersonalStatus, VaultError> {
        ctx.require_signed_in()?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let exists = store::find_personal_store(&mut tx, owner(ctx))
            .await?
            .is_some();
        let entries = store::count_personal_entries(&mut tx, owner(ctx)).await?;
        tx.commit().await?;
        Ok(PersonalStatus { exists, entries })
    }

    /// Creates the caller's store, locked by `passphrase`.
    pub async fn set_up_personal(
        &self,
        ctx: &RequestContext,
        passphrase: SecretString,
    ) -> Result<(), VaultError> {
        ctx.require_signed_in()?;
        check_passphrase(passphrase.expose_secret())?;
        let store_key = DataKey::generate();
        let row = self
            .lock_store(ctx, passphrase.expose_secret(), &store_key)
            .await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        if !store::save_personal_store(&mut tx, owner(ctx), &row, false).await? {
            return Err(VaultError::Conflict(
                "you have a personal store already: unlock it, or delete it to start again".into(),
            ));
        }
        let event = event(ctx, "personal.store_created", store_target(ctx));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await.map_err(Into::into)
    }

    /// Checks the passphrase and answers a token that opens the store for
    /// [`UNLOCK_SECONDS`], and when it ends.
    pub async fn unlock_personal(
        &self,
        ctx: &RequestContext,
        passphrase: SecretString,
    ) -> Result<(Zeroizing<String>, i64), VaultError> {
        ctx.require_signed_in()?;
        let store_key = self.open_store(ctx, passphrase.expose_secret()).await?;
        let expires = chrono::Utc::now().timestamp() + UNLOCK_SECONDS;
        let (version, org_key) = self.keys.ring(ctx.org()).await?.current();
        let sealed = seal_unlock(
            &org_key,
            version,
            ctx.org(),
            ctx.user(),
            expires,
            &store_key,
        )?;
        let mut token = Vec::with_capacity(12 + sealed.len());
        token.extend(version.to_be_bytes());
        token.extend(expires.to_be_bytes());
        token.extend(sealed);
        let mut tx = self.db.begin(ctx.org()).await?;
        let event = event(ctx, "personal.unlocked", store_target(ctx));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok((
            Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token)),
            expires,
        ))
    }

    /// Rewraps the store's key under a new passphrase; the entries stay as they are.
    pub async fn change_personal_passphrase(
        &self,
        ctx: &RequestContext,
        current: SecretString,
        new: SecretString,
    ) -> Result<(), VaultError> {
        ctx.require_signed_in()?;
        check_passphrase(new.expose_secret())?;
        let store_key = self.open_store(ctx, current.expose_secret()).await?;
        let row = self
            .lock_store(ctx, new.expose_secret(), &store_key)
            .await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        store::save_personal_store(&mut tx, owner(ctx), &row, true).await?;
        let event = event(ctx, "personal.passphrase_changed", store_target(ctx));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await.map_err(Into::into)
    }

    /// Deletes the caller's store and its entries: the way out of a lost passphrase.
    pub async fn delete_personal(
        &self,
        ctx: &RequestContext,
        confirm: &str,
    ) -> Result<i64, VaultError> {
        ctx.require_signed_in()?;
        if confirm.trim() != DELETE_CONFIRMATION {
            return Err(VaultError::InvalidInput(format!(
                "confirm with \"{DELETE_CONFIRMATION}\": its entries cannot be recovered"
            )));
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let entries = store::delete_personal_store(&mut tx, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("personal store"))?;
        let event = event(ctx, "personal.store_deleted", store_target(ctx))
            .with_details(serde_json::json!({ "entries": entries }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(entries)
    }

    pub async fn list_personal(
        &self,
        ctx: &RequestContext,
        token: &str,
    ) -> Result<Vec<StoredEntry>, VaultError> {
        ctx.require_signed_in()?;
        let store_key = self.unlocked(ctx, token).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let rows = store::list_personal_entries(&mut tx, owner(ctx)).await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|row| {
                let plain = open_entry(&store_key, ctx.org(), ctx.user(), row.id, &row.sealed)?;
                let entry: PersonalEntry = serde_json::from_slice(&plain)
                    .map_err(|_| VaultError::InvalidInput("an entry does not read".into()))?;
                Ok(StoredEntry {
                    id: row.id,
                    entry,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                })
            })
            .collect()
    }

    /// Adds an entry (no `id`) or replaces one.
    pub async fn save_personal(
        &self,
        ctx: &RequestContext,
        token: &str,
        id: Option<Uuid>,
        entry: PersonalEntry,
    ) -> Result<StoredEntry, VaultError> {
        ctx.require_signed_in()?;
        let store_key = self.unlocked(ctx, token).await?;
        let entry = PersonalEntry {
            title: required("title", &entry.title, 200)?,
            username: optional("username", &entry.username, 200)?,
            password: if entry.password.len() > 4096 {
                return Err(VaultError::InvalidInput(
                    "password must have at most 4096 bytes".into(),
                ));
            } else {
                entry.password.clone()
            },
            url: optional("url", &entry.url, 2000)?,
            notes: optional("notes", &entry.notes, 10_000)?,
        };
        let plain = Zeroizing::new(
            serde_json::to_vec(&entry)
                .map_err(|_| VaultError::InvalidInput("the entry does not encode".into()))?,
        );
        let (entry_id, create) = match id {
            Some(id) => (id, false),
            None => (Uuid::now_v7(), true),
        };
        let sealed = seal_entry(&store_key, ctx.org(), ctx.user(), entry_id, &plain)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let row = store::save_personal_entry(&mut tx, owner(ctx), entry_id, &sealed, create)
            .await?
            .ok_or(VaultError::NotFound("personal entry"))?;
        let operation = if create {
            "personal.entry_created"
        } else {
            "personal.entry_updated"
        };
        let event = event(ctx, operation, Target::new("personal_entry", row.id, ""));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(StoredEntry {
            id: row.id,
            entry,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    pub async fn delete_personal_entry(
        &self,
        ctx: &RequestContext,
        token: &str,
        id: Uuid,
    ) -> Result<(), VaultError> {
        ctx.require_signed_in()?;
        self.unlocked(ctx, token).await?;
        let mut tx = self.db.begin(ctx.org()).await?;
        if !store::delete_personal_entry(&mut tx, owner(ctx), id).await? {
            return Err(VaultError::NotFound("personal entry"));
        }
        let event = event(
            ctx,
            "personal.entry_deleted",
            Target::new("personal_entry", id, ""),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await.map_err(Into::into)
    }

    /// A new salt and verifier for `passphrase`, wrapping `store_key`.
    async fn lock_store(
        &self,
        ctx: &RequestContext,
        passphrase: &str,
        store_key: &DataKey,
    ) -> Result<PersonalStoreRow, VaultError> {
        let salt: [u8; 16] = rand::random();
        let keys = derive(passphrase, salt.to_vec(), PERSONAL_KDF).await?;
        Ok(PersonalStoreRow {
            salt: salt.to_vec(),
            kdf: serde_json::to_value(PERSONAL_KDF)
                .map_err(|_| VaultError::InvalidInput("the KDF does not encode".into()))?,
            verifier: keys.verifier().to_vec(),
            wrapped_key: keys.wrap(store_key, ctx.org(), ctx.user())?,
            created_at: chrono::Utc::now(),
        })
    }

    /// The store's key, if `passphrase` opens it.
    async fn open_store(
        &self,
        ctx: &RequestContext,
        passphrase: &str,
    ) -> Result<DataKey, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let row = store::find_personal_store(&mut tx, owner(ctx))
            .await?
            .ok_or(VaultError::NotFound("personal store"))?;
        tx.commit().await?;
        let kdf: PersonalKdf = serde_json::from_value(row.kdf.clone())
            .map_err(|_| VaultError::InvalidInput("the store's parameters do not read".into()))?;
        let keys = derive(passphrase, row.salt.clone(), kdf).await?;
        if !keys.matches(&row.verifier) {
            return Err(lost());
        }
        keys.unwrap(&row.wrapped_key, ctx.org(), ctx.user())
            .map_err(|_| lost())
    }

    /// The store's key from an unlock token of the caller's that has not ended.
    async fn unlocked(&self, ctx: &RequestContext, token: &str) -> Result<DataKey, VaultError> {
        let refused = || {
            VaultError::InvalidInput(
                "unlock your personal passwords first (the unlock token is missing, ended or \
                 not yours)"
                    .into(),
            )
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| refused())?;
        let (version, rest) = bytes.split_first_chunk::<4>().ok_or_else(refused)?;
        let (expires, sealed) = rest.split_first_chunk::<8>().ok_or_else(refused)?;
        let (version, expires) = (i32::from_be_bytes(*version), i64::from_be_bytes(*expires));
        if expires < chrono::Utc::now().timestamp() {
            return Err(refused());
        }
        let org_key = match self.keys.ring(ctx.org()).await?.version(version) {
            Some(key) => key,
            None => self
                .keys
                .reload(ctx.org())
                .await?
                .version(version)
                .ok_or_else(refused)?,
        };
        open_unlock(&org_key, version, ctx.org(), ctx.user(), expires, sealed)
            .map_err(|_| refused())
    }
}
