//! The saved directory configuration as an administrator sees, saves and tests it.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};
use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, Permission};
use strongroom_directory::{AttributeMap, Directory, DirectoryConfig};
use strongroom_events::Target;
use strongroom_runtime::SettingsSealer;

use super::{BIND_PASSWORD, DirectorySettings, parse_scope, refuse_insecure};
use crate::app::{Identity, event};
use crate::error::IdentityError;
use crate::store::{self, DirectoryWrite};

fn attributes_to_map(a: &AttributeMap) -> HashMap<String, String> {
    let mut map = HashMap::from([("username".to_owned(), a.username.clone())]);
    let optional = [
        ("full_name", &a.full_name),
        ("email", &a.email),
        ("department", &a.department),
        ("location", &a.location),
        ("member_of", &a.member_of),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            map.insert(k.to_owned(), v.clone());
        }
    }
    map
}

/// The kind's defaults, overridden by whatever the administrator gave.
fn attributes_from_map(
    kind: &str,
    given: &HashMap<String, String>,
) -> Result<AttributeMap, IdentityError> {
    let mut a = if kind == "active_directory" {
        AttributeMap::active_directory()
    } else {
        AttributeMap::openldap()
    };
    for (key, value) in given {
        let value = value.trim().to_owned();
        let optional = (!value.is_empty()).then(|| value.clone());
        match key.as_str() {
            "username" if !value.is_empty() => a.username = value,
            "full_name" => a.full_name = optional,
            "email" => a.email = optional,
            "department" => a.department = optional,
            "location" => a.location = optional,
            "member_of" => a.member_of = optional,
            other => {
                return Err(IdentityError::InvalidInput(format!(
                    "unknown attribute mapping {other:?}: use username, full_name, email, \
                     department, location or member_of"
                )));
            }
        }
    }
    Ok(a)
}

impl Identity {
    pub async fn get_directory(
        &self,
        ctx: &RequestContext,
    ) -> Result<DirectorySettings, IdentityError> {
        ctx.require(Permission::DirectoryManage)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let row = store::load_directory(&mut tx)
            .await?
            .ok_or(IdentityError::NotFound("directory configuration"))?;
        tx.commit().await?;
        Ok(DirectorySettings {
            attributes: attributes_to_map(&row.attributes.0),
            has_bind_password: row.bind_password_sealed.is_some(),
            kind: row.kind,
            url: row.url,
            starttls: row.starttls,
            bind_dn: row.bind_dn,
            base_dn: row.base_dn,
            user_filter: row.user_filter,
            group_filter: row.group_filter,
            group_name_attribute: row.group_name_attribute,
            group_member_attribute: row.group_member_attribute,
            ca_certificate_pem: row.ca_certificate_pem.unwrap_or_default(),
            authentication_enabled: row.authentication_enabled,
            sync_interval_minutes: row.sync_interval_minutes.max(0).unsigned_abs(),
            sync_scopes: row.sync_scopes,
            last_sync_at: row.last_sync_at,
            last_sync_result: row.last_sync_result,
            allow_insecure: row.allow_insecure,
            allow_internal_hosts: row.allow_internal_hosts,
        })
    }

    /// Saves the configuration; an empty bind password keeps the stored one. A schedule
    /// runs its first import at once, then every `sync_interval_minutes`.
    pub async fn save_directory(
        &self,
        ctx: &RequestContext,
        s: DirectorySettings,
        bind_password: SecretString,
    ) -> Result<DirectorySettings, IdentityError> {
        ctx.require(Permission::DirectoryManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageDirectoryAndLogin)?;
        ctx.require_signed_in()?;
        let kind = match s.kind.as_str() {
            "" | "ldap" => "ldap",
            "active_directory" => "active_directory",
            other => {
                return Err(IdentityError::InvalidInput(format!(
                    "kind {other:?} must be ldap or active_directory"
                )));
            }
        };
        let attributes = attributes_from_map(kind, &s.attributes)?;
        refuse_insecure(&s.url, s.starttls, s.allow_insecure)?;
        // An empty password keeps the stored one, which the checks below must see; but only
        // for the same server, reached the same way: the stored password never goes to a
        // server or account the caller names now.
        // A password kept as sealed before settings were sealed with the org's key is sealed
        // again now.
        let mut reseal = false;
        let mut tx = self.db.begin(ctx.org()).await?;
        let stored = store::load_directory(&mut tx).await?;
        tx.commit().await?;
        let allowed_before = stored.as_ref().is_some_and(|r| r.allow_internal_hosts);
        self.may_allow_internal_hosts(ctx, s.allow_internal_hosts, allowed_before)?;
        let effective = if bind_password.expose_secret().is_empty() {
            if let Some(row) = &stored
                && (row.kind != kind
                    || row.url != s.url.trim()
                    || row.bind_dn != s.bind_dn.trim()
                    || row.starttls != s.starttls
                    || row.allow_insecure != s.allow_insecure
                    || row.ca_certificate_pem.as_deref().unwrap_or_default()
                        != s.ca_certificate_pem.trim())
            {
                return Err(IdentityError::InvalidInput(
                    "bind_password: changing the kind, URL, bind DN or TLS settings needs the \
                     bind password again"
                        .into(),
                ));
            }
            let sealed = stored.and_then(|r| r.bind_password_sealed);
            reseal = sealed.as_deref().is_some_and(SettingsSealer::is_legacy);
            self.bind_password(ctx.org(), sealed.as_deref())
                .await?
                .unwrap_or_else(|| bind_password.clone())
        } else {
            bind_password.clone()
        };
        let defaults = if kind == "active_directory" {
            DirectoryConfig::active_directory(&s.url, &s.bind_dn, effective, &s.base_dn)
        } else {
            DirectoryConfig::openldap(&s.url, &s.bind_dn, effective, &s.base_dn)
        };
        let or_default = |given: &str, default: &str| {
            let given = given.trim();
            if given.is_empty() {
                default.to_owned()
            } else {
                given.to_owned()
            }
        };
        let config = DirectoryConfig {
            starttls: s.starttls,
            user_filter: or_default(&s.user_filter, &defaults.user_filter),
            group_filter: or_default(&s.group_filter, &defaults.group_filter),
            group_name_attribute: or_default(
                &s.group_name_attribute,
                &defaults.group_name_attribute,
            ),
            group_member_attribute: or_default(
                &s.group_member_attribute,
                &defaults.group_member_attribute,
            ),
            ca_certificate_pem: Some(s.ca_certificate_pem.trim().to_owned())
                .filter(|p| !p.is_empty()),
            attributes,
            allow_internal_hosts: s.allow_internal_hosts,
            ..defaults
        };
        let directory = Directory::new(config, self.egress.clone())?;
        // Resolved now to refuse an internal host at once; every connection checks again.
        directory.check_host().await?;
        let config = directory.config();
        for scope in &s.sync_scopes {
            parse_scope(scope)?;
        }
        let sealed = if !bind_password.expose_secret().is_empty() {
            Some(
                self.sealer
                    .seal(ctx.org(), BIND_PASSWORD, &bind_password)
                    .await?,
            )
        } else if reseal {
            Some(
                self.sealer
                    .seal(ctx.org(), BIND_PASSWORD, &config.bind_password)
                    .await?,
            )
        } else {
            None
        };
        let interval = i32::try_from(s.sync_interval_minutes.min(525_600)).unwrap_or(0);
        let mut tx = self.db.begin(ctx.org()).await?;
        // Checked again under the row's lock: an MSPOrg administrator may have turned it off
        // since.
        let allowed_now = store::lock_allow_internal_hosts(&mut tx).await?;
        self.may_allow_internal_hosts(ctx, s.allow_internal_hosts, allowed_now == Some(true))?;
        let write = DirectoryWrite {
            kind,
            url: config.url.trim(),
            starttls: config.starttls,
            bind_dn: config.bind_dn.trim(),
            bind_password_sealed: sealed,
            base_dn: config.base_dn.trim(),
            user_filter: &config.user_filter,
            attributes: &config.attributes,
            group_filter: &config.group_filter,
            group_name_attribute: &config.group_name_attribute,
            group_member_attribute: &config.group_member_attribute,
            ca_certificate_pem: config.ca_certificate_pem.as_deref(),
            authentication_enabled: s.authentication_enabled,
            sync_interval_minutes: interval,
            sync_scopes: &s.sync_scopes,
            allow_insecure: s.allow_insecure,
            allow_internal_hosts: s.allow_internal_hosts,
        };
        store::save_directory(&mut tx, write).await?;
        let saved = event(ctx, "directory.configured", Target::new("directory", kind, config.url.trim()))
            .with_details(serde_json::json!({
                "base_dn": config.base_dn, "authentication_enabled": s.authentication_enabled,
                "sync_interval_minutes": interval, "password_changed": !bind_password.expose_secret().is_empty(),
                "allow_internal_hosts": s.allow_internal_hosts,
            }));
        self.commit(tx, &[saved]).await?;
        self.get_directory(ctx).await
    }

    /// Refuses turning `allow_internal_hosts` on (`wanted` over `stored`) to anyone but an
    /// MSPOrg administrator; keeping it on is the org's own choice.
    fn may_allow_internal_hosts(
        &self,
        ctx: &RequestContext,
        wanted: bool,
        stored: bool,
    ) -> Result<(), IdentityError> {
        if wanted && !stored && !ctx.is_home_administrator_of(self.msp_org) {
            return Err(IdentityError::PermissionDenied(
                "allow_internal_hosts: only an MSPOrg administrator may allow internal hosts",
            ));
        }
        Ok(())
    }

    /// Binds with the saved configuration: a clear error for a wrong password or a server
    /// that does not answer.
    pub async fn test_directory(&self, ctx: &RequestContext) -> Result<(), IdentityError> {
        ctx.require(Permission::DirectoryManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageDirectoryAndLogin)?;
        ctx.require_signed_in()?;
        let directory = self.saved_directory(ctx.org()).await?;
        directory.test_connection().await?;
        Ok(())
    }
}
