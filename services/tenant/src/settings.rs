//! Each org's mail server, proxy, ticketing system and login-page branding: one JSON row
//! per kind in the org's `org_settings` table. Passwords given directly are sealed by the
//! vault with the org's data key (AES-256-GCM, bound to this service, the org and the
//! setting's name), so deleting the org makes them unreadable in any copy; they never leave
//! the service (it makes the ticketing system's calls itself). Every save records
//! `settings.<kind>_updated` in the org's own outbox, in the same transaction, naming the
//! fields that changed and never a value.

mod branding;
mod check;
mod error;
pub mod grpc;
mod mail;
mod msp_staff;
mod proxy;
mod ticket_check;
mod ticketing;

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use strongroom_auth::RequestContext;
use strongroom_core::{OrgId, Permission};
use strongroom_egress::Egress;
use strongroom_events::{Event, Outbox, Target};
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_runtime::SettingsSealer;
use strongroom_tenancy::{TenantDb, TenantTx};
use tonic::transport::Channel;

pub use error::SettingsError;
pub use msp_staff::MspStaff;
pub use ticketing::{Stage, Ticketing, TicketingInput};

use crate::app::SERVICE;
use crate::store;

const MAX_PASSWORD_CHARS: usize = 1024;

pub struct OrgSettings {
    pub db: TenantDb,
    pub outbox: Outbox,
    /// Seals the mail and proxy passwords with the org's data key (through the vault).
    pub sealer: SettingsSealer,
    pub msp_org: OrgId,
    /// Decides whether a caller may reveal a vault account named in the settings.
    pub vault: VaultClient<Channel>,
    /// Resolves and checks the mail and proxy hosts an org names.
    pub egress: Egress,
}

/// One kind of setting, stored as one JSON row of `org_settings`.
trait Kind: Serialize + DeserializeOwned {
    /// The row's key: `mail`, `proxy` or `branding`.
    const KIND: &'static str;
    /// The audit trail's name for it.
    const TITLE: &'static str;
}

/// A stored value and when it was last saved.
pub struct Saved<T> {
    pub value: T,
    pub updated_at: DateTime<Utc>,
}

/// What a save says about a stored password.
pub enum PasswordChange {
    /// Keep the stored one (the password was left out).
    Keep,
    Set(SecretString),
    /// Remove the stored one.
    Clear,
}

impl PasswordChange {
    /// From a message's optional password and its clear flag.
    pub fn from_parts(password: Option<String>, clear: bool) -> Result<Self, SettingsError> {
        match (password, clear) {
            (Some(_), true) => Err(SettingsError::Invalid(
                "give a new password or clear the stored one, not both".into(),
            )),
            (Some(p), false) => Ok(Self::Set(SecretString::from(p))),
            (None, true) => Ok(Self::Clear),
            (None, false) => Ok(Self::Keep),
        }
    }

    fn is_given(&self) -> bool {
        !matches!(self, Self::Keep)
    }
}

async fn load<T: Kind>(
    tx: &mut TenantTx,
    for_update: bool,
) -> Result<Option<Saved<T>>, SettingsError> {
    let row = store::find_setting(tx, T::KIND, for_update).await?;
    row.map(|(value, updated_at)| {
        Ok(Saved {
            value: serde_json::from_value(value).map_err(|e| SettingsError::Stored(T::KIND, e))?,
            updated_at,
        })
    })
    .transpose()
}

impl OrgSettings {
    /// MSPOrg's administrators and each client org's own (and its account managers).
    fn authorize(ctx: &RequestContext) -> Result<(), SettingsError> {
        ctx.require(Permission::OrgsManage)?;
        Ok(())
    }

    /// Whether the org's mail and proxy may reach hosts internal to the deployment, after a
    /// save asking `wanted` over `stored`: only an MSPOrg administrator turns it on.
    fn internal_hosts(
        &self,
        ctx: &RequestContext,
        wanted: bool,
        stored: bool,
    ) -> Result<bool, SettingsError> {
        if wanted && !stored && !ctx.is_home_administrator_of(self.msp_org) {
            return Err(SettingsError::MspAdministratorsOnly(
                "allow_internal_hosts: only an MSPOrg administrator may allow internal hosts",
            ));
        }
        Ok(wanted)
    }

    /// Refuses a host internal to the deployment, by its name or by any address it resolves
    /// to now, unless `allow_internal` (which `internal_hosts` lets only MSPOrg
    /// administrators turn on).
    async fn check_host(
        &self,
        field: &'static str,
        host: &str,
        allow_internal: bool,
    ) -> Result<(), SettingsError> {
        self.egress
            .check(host, allow_internal)
            .await
            .map(|_| ())
            .map_err(|source| SettingsError::Host { field, source })
    }

    /// Who may change settings: as `authorize`, signed in (not with an API key).
    fn authorize_change(ctx: &RequestContext) -> Result<(), SettingsError> {
        Self::authorize(ctx)?;
        ctx.require_signed_in()?;
        // MSP staff change a client org's settings only while the org lets them.
        ctx.require_msp_allowed(strongroom_core::MspStaffRight::ManageDirectoryAndLogin)?;
        Ok(())
    }

    /// The org's saved value, with no caller (public branding).
    async fn read<T: Kind>(&self, org: OrgId) -> Result<Option<Saved<T>>, SettingsError> {
        let mut tx = self.db.begin(org).await?;
        let found = load(&mut tx, false).await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn get<T: Kind>(&self, ctx: &RequestContext) -> Result<Saved<T>, SettingsError> {
        Self::authorize(ctx)?;
        self.read(ctx.org())
            .await?
            .ok_or(SettingsError::NotSaved(T::KIND))
    }

    /// Stores what `build` makes of the stored value (`None` before the first save) and
    /// records the event, in one transaction.
    async fn save<T: Kind>(
        &self,
        ctx: &RequestContext,
        build: impl FnOnce(Option<T>) -> Result<T, SettingsError>,
    ) -> Result<Saved<T>, SettingsError> {
        Self::authorize_change(ctx)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let old = load::<T>(&mut tx, true).await?.map(|s| s.value);
        let old_json = old.as_ref().map(serde_json::to_value).transpose()?;
        let new = build(old)?;
        let new_json = serde_json::to_value(&new)?;
        let updated_at = store::save_setting(&mut tx, T::KIND, &new_json).await?;
        let event = Event::new(
            ctx.org(),
            SERVICE,
            &format!("settings.{}_updated", T::KIND),
            strongroom_runtime::actor(ctx),
            Target::new("settings", T::KIND, T::TITLE),
        )
        .with_details(json!({ "changed": changed_fields(old_json.as_ref(), &new_json) }));
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        Ok(Saved {
            value: new,
            updated_at,
        })
    }

    /// Seals the org's mail and proxy passwords again with the org's data key where they were
    /// sealed before with the service's key file; whether any was.
    pub async fn reseal_passwords(&self, org: OrgId) -> Result<bool, SettingsError> {
        let mut tx = self.db.begin(org).await?;
        let rows = store::lock_password_settings(&mut tx).await?;
        let mut any = false;
        for (kind, mut value) in rows {
            let field = match kind.as_str() {
                "mail" => value.pointer_mut("/credentials/password_sealed"),
                _ => value.pointer_mut("/password_sealed"),
            };
            let Some(Value::String(stored)) = field else {
                continue;
            };
            let Ok(sealed) = BASE64.decode(stored.as_bytes()) else {
                continue;
            };
            let name = format!("{kind}.password");
            if let Some(resealed) = self.sealer.resealed(org, &name, &sealed).await? {
                *stored = BASE64.encode(resealed);
                store::replace_setting(&mut tx, &kind, &value).await?;
                any = true;
            }
        }
        tx.commit().await?;
        Ok(any)
    }

    /// The change, with a new password checked and sealed by the vault with the org's data
    /// key (stored as base64).
    async fn seal_change(
        &self,
        org: OrgId,
        setting: &str,
        field: &str,
        change: PasswordChange,
    ) -> Result<SealedChange, SettingsError> {
        match change {
            PasswordChange::Keep => Ok(SealedChange::Keep),
            PasswordChange::Clear => Ok(SealedChange::Clear),
            PasswordChange::Set(password) => {
                let chars = password.expose_secret().chars().count();
                if chars == 0 {
                    return Err(SettingsError::Invalid(format!(
                        "{field} must not be empty; send null to remove the stored one"
                    )));
                }
                if chars > MAX_PASSWORD_CHARS {
                    return Err(SettingsError::Invalid(format!(
                        "{field} must be at most {MAX_PASSWORD_CHARS} characters"
                    )));
                }
                let sealed = self.sealer.seal(org, setting, &password).await?;
                Ok(SealedChange::Set(BASE64.encode(sealed)))
            }
        }
    }
}

/// A [`PasswordChange`] whose new password is already sealed.
pub enum SealedChange {
    Keep,
    Set(String),
    Clear,
}

impl SealedChange {
    /// Refuses to keep a stored password (`stored`) for a server whose address `moved`: a
    /// password never follows its server to a new host, port or TLS mode unless given
    /// again (whoever may edit the settings could otherwise send it to a server of theirs).
    fn require_given_if_moved(
        &self,
        stored: bool,
        moved: bool,
        field: &str,
    ) -> Result<(), SettingsError> {
        if stored && moved && matches!(self, SealedChange::Keep) {
            return Err(SettingsError::Invalid(format!(
                "the server's address changed: give {field} again, or clear it (a stored \
                 password never follows its server to a new address)"
            )));
        }
        Ok(())
    }

    /// The sealed password to store: the new one, the stored one kept, or none.
    fn apply(self, stored: Option<String>) -> Option<String> {
        match self {
            SealedChange::Keep => stored,
            SealedChange::Set(sealed) => Some(sealed),
            SealedChange::Clear => None,
        }
    }
}

/// The dotted names of the fields that differ, a sealed password named as `password`.
fn changed_fields(old: Option<&Value>, new: &Value) -> Vec<String> {
    fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
        match value {
            Value::Object(fields) if !fields.is_empty() => {
                for (name, v) in fields {
                    let path = if prefix.is_empty() {
                        name.clone()
                    } else {
                        format!("{prefix}.{name}")
                    };
                    flatten(&path, v, out);
                }
            }
            other => {
                out.insert(prefix.to_owned(), other.clone());
            }
        }
    }
    let (mut before, mut after) = (BTreeMap::new(), BTreeMap::new());
    if let Some(old) = old {
        flatten("", old, &mut before);
    }
    flatten("", new, &mut after);
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let changed: BTreeSet<String> = names
        .into_iter()
        .filter(|name| before.get(*name) != after.get(*name))
        .map(|name| name.strip_suffix("_sealed").unwrap_or(name).to_owned())
        .collect();
    changed.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_name_what_differs_and_never_a_value() {
        let old = json!({"host": "a", "port": 25, "credentials": {"kind": "password",
            "username": "u", "password_sealed": "AAAA"}});
        let new = json!({"host": "b", "port": 25, "credentials": {"kind": "password",
            "username": "u", "password_sealed": "BBBB"}});
        assert_eq!(
            changed_fields(Some(&old), &new),
            ["credentials.password", "host"]
        );
        assert_eq!(changed_fields(Some(&new), &new), Vec::<String>::new());
        let first = changed_fields(
            None,
            &json!({"logo": "", "legal_banner": {"enabled": true}}),
        );
        assert_eq!(first, ["legal_banner.enabled", "logo"]);
    }
}
