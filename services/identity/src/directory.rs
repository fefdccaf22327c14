//! The org's LDAP / Active Directory: its saved configuration (bind password sealed), test,
//! import by OU or group (each becomes a user group of the same name), scheduled sync, and
//! the directory handle logins use.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, OrgId, Permission, Role};
use strongroom_directory::{
    AttributeMap, DEFAULT_TIMEOUT, Directory, DirectoryConfig, ImportScope,
};
use strongroom_events::{Event, Target};
use strongroom_runtime::SettingsSealer;
use strongroom_tenancy::TenantTx;
use tokio_util::sync::CancellationToken;

use crate::app::{Identity, event, system_event};
use crate::error::IdentityError;
use crate::import::{ImportReport, ImportRow, Outcome, existing_usernames};
use crate::users::UserFields;

const BIND_PASSWORD: &str = "directory.bind_password";

/// The configuration as an administrator sees and edits it (no password).
#[derive(Debug, Clone, Default)]
pub struct DirectorySettings {
    pub kind: String,
    pub url: String,
    pub starttls: bool,
    pub bind_dn: String,
    pub base_dn: String,
    pub user_filter: String,
    pub attributes: HashMap<String, String>,
    pub group_filter: String,
    pub group_name_attribute: String,
    pub group_member_attribute: String,
    pub ca_certificate_pem: String,
    pub authentication_enabled: bool,
    pub sync_interval_minutes: u32,
    pub sync_scopes: Vec<String>,
    pub has_bind_password: bool,
    /// A plain ldap:// URL without StartTLS is accepted (saved explicitly).
    pub allow_insecure: bool,
    /// The URL's host may be internal to the deployment: only an MSPOrg administrator
    /// turns this on.
    pub allow_internal_hosts: bool,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_sync_result: String,
}

/// Refuses a plain `ldap://` URL without StartTLS unless `allow_insecure` was saved: the
/// service account's and users' passwords would cross the network in clear text.
fn refuse_insecure(url: &str, starttls: bool, allow_insecure: bool) -> Result<(), IdentityError> {
    let plain = url.trim().to_ascii_lowercase().starts_with("ldap://") && !starttls;
    if plain && !allow_insecure {
        return Err(IdentityError::InvalidInput(
            "allow_insecure: a plain ldap:// URL without StartTLS sends the service account's \
             and users' passwords in clear text; use ldaps:// or StartTLS, or save \
             allow_insecure: true to accept that"
                .into(),
        ));
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DirectoryRow {
    kind: String,
    url: String,
    starttls: bool,
    bind_dn: String,
    bind_password_sealed: Option<Vec<u8>>,
    base_dn: String,
    user_filter: String,
    attributes: sqlx::types::Json<AttributeMap>,
    group_filter: String,
    group_name_attribute: String,
    group_member_attribute: String,
    ca_certificate_pem: Option<String>,
    authentication_enabled: bool,
    sync_interval_minutes: i32,
    sync_scopes: Vec<String>,
    last_sync_at: Option<DateTime<Utc>>,
    last_sync_result: String,
    allow_insecure: bool,
    allow_internal_hosts: bool,
}

const DIRECTORY_COLUMNS: &str = "kind, url, starttls, bind_dn, bind_password_sealed, base_dn, \
     user_filter, attributes, group_filter, group_name_attribute, group_member_attribute, \
     ca_certificate_pem, authentication_enabled, sync_interval_minutes, sync_scopes, \
     last_sync_at, last_sync_result, allow_insecure, allow_internal_hosts";

async fn load_row(tx: &mut TenantTx) -> Result<Option<DirectoryRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DIRECTORY_COLUMNS} FROM directory"
    )))
    .fetch_optional(&mut **tx)
    .await
}

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

pub fn parse_scope(text: &str) -> Result<ImportScope, IdentityError> {
    let text = text.trim();
    if let Some(ou) = text.strip_prefix("ou:").filter(|s| !s.trim().is_empty()) {
        Ok(ImportScope::OrganizationalUnit(ou.trim().to_owned()))
    } else if let Some(group) = text.strip_prefix("group:").filter(|s| !s.trim().is_empty()) {
        Ok(ImportScope::Group(group.trim().to_owned()))
    } else {
        Err(IdentityError::InvalidInput(format!(
            "import scope {text:?} must be \"ou:<DN or name>\" or \"group:<name>\""
        )))
    }
}

/// The user group an imported OU or group becomes: the OU's or group's own name.
fn group_name(scope: &ImportScope) -> Option<String> {
    match scope {
        ImportScope::Everything => None,
        ImportScope::Group(name) => Some(name.clone()),
        ImportScope::OrganizationalUnit(ou) => {
            let first = ou.split(',').next().unwrap_or(ou);
            Some(
                first
                    .split_once('=')
                    .map_or(first, |(_, v)| v)
                    .trim()
                    .to_owned(),
            )
        }
    }
}

impl Identity {
    async fn bind_password(
        &self,
        org: OrgId,
        sealed: Option<&[u8]>,
    ) -> Result<Option<SecretString>, IdentityError> {
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let plain = self.sealer.open(org, BIND_PASSWORD, sealed).await?;
        Ok(Some(SecretString::from(
            String::from_utf8_lossy(&plain).into_owned(),
        )))
    }

    /// Seals the org's bind password again with the org's data key if it was sealed before
    /// with the service's key file; whether it was.
    pub async fn reseal_bind_password(&self, org: OrgId) -> Result<bool, IdentityError> {
        let mut tx = self.db.begin(org).await?;
        let sealed: Option<Option<Vec<u8>>> =
            sqlx::query_scalar("SELECT bind_password_sealed FROM directory FOR UPDATE")
                .fetch_optional(&mut *tx)
                .await?;
        let Some(sealed) = sealed.flatten() else {
            return Ok(false);
        };
        let Some(resealed) = self.sealer.resealed(org, BIND_PASSWORD, &sealed).await? else {
            return Ok(false);
        };
        sqlx::query("UPDATE directory SET bind_password_sealed = $1")
            .bind(resealed)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn directory_from_row(
        &self,
        org: OrgId,
        row: DirectoryRow,
    ) -> Result<Directory, IdentityError> {
        refuse_insecure(&row.url, row.starttls, row.allow_insecure)?;
        let password = self
            .bind_password(org, row.bind_password_sealed.as_deref())
            .await?
            .unwrap_or_else(|| SecretString::from(String::new()));
        Ok(Directory::new(
            DirectoryConfig {
                url: row.url,
                starttls: row.starttls,
                bind_dn: row.bind_dn,
                bind_password: password,
                base_dn: row.base_dn,
                user_filter: row.user_filter,
                attributes: row.attributes.0,
                group_filter: row.group_filter,
                group_name_attribute: row.group_name_attribute,
                group_member_attribute: row.group_member_attribute,
                timeout: DEFAULT_TIMEOUT,
                ca_certificate_pem: row.ca_certificate_pem,
                allow_internal_hosts: row.allow_internal_hosts,
            },
            self.egress.clone(),
        )?)
    }

    /// The org's directory when directory logins are on.
    pub async fn directory_for_login(
        &self,
        tx: &mut TenantTx,
        org: OrgId,
    ) -> Result<Option<Directory>, IdentityError> {
        match load_row(tx).await? {
            Some(row) if row.authentication_enabled => {
                // Someone signing in is told the directory cannot be used; the log says why.
                if let Err(e) = refuse_insecure(&row.url, row.starttls, row.allow_insecure) {
                    tracing::warn!(%org, error = %e, "refused a directory login");
                    return Err(strongroom_directory::DirectoryError::Unreachable(
                        "plain ldap:// without StartTLS is not allowed".into(),
                    )
                    .into());
                }
                Ok(Some(self.directory_from_row(org, row).await?))
            }
            _ => Ok(None),
        }
    }

    pub async fn get_directory(
        &self,
        ctx: &RequestContext,
    ) -> Result<DirectorySettings, IdentityError> {
        ctx.require(Permission::DirectoryManage)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let row = load_row(&mut tx)
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
        let stored = load_row(&mut tx).await?;
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
        let allowed_now: Option<bool> =
            sqlx::query_scalar("SELECT allow_internal_hosts FROM directory FOR UPDATE")
                .fetch_optional(&mut *tx)
                .await?;
        self.may_allow_internal_hosts(ctx, s.allow_internal_hosts, allowed_now == Some(true))?;
        sqlx::query(
            "INSERT INTO directory (id, kind, url, starttls, bind_dn, bind_password_sealed, base_dn,
                 user_filter, attributes, group_filter, group_name_attribute,
                 group_member_attribute, ca_certificate_pem, authentication_enabled,
                 sync_interval_minutes, sync_scopes, next_sync_at, allow_insecure,
                 allow_internal_hosts)
             VALUES (true, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                 CASE WHEN $14 > 0 THEN now() END, $16, $17)
             ON CONFLICT (id) DO UPDATE SET kind = $1, url = $2, starttls = $3, bind_dn = $4,
                 bind_password_sealed = coalesce($5, directory.bind_password_sealed),
                 base_dn = $6, user_filter = $7, attributes = $8, group_filter = $9,
                 group_name_attribute = $10, group_member_attribute = $11,
                 ca_certificate_pem = $12, authentication_enabled = $13,
                 sync_interval_minutes = $14, sync_scopes = $15,
                 next_sync_at = CASE WHEN $14 > 0 THEN now() END, allow_insecure = $16,
                 allow_internal_hosts = $17, updated_at = now()",
        )
        .bind(kind)
        .bind(config.url.trim())
        .bind(config.starttls)
        .bind(config.bind_dn.trim())
        .bind(sealed)
        .bind(config.base_dn.trim())
        .bind(&config.user_filter)
        .bind(sqlx::types::Json(&config.attributes))
        .bind(&config.group_filter)
        .bind(&config.group_name_attribute)
        .bind(&config.group_member_attribute)
        .bind(&config.ca_certificate_pem)
        .bind(s.authentication_enabled)
        .bind(interval)
        .bind(&s.sync_scopes)
        .bind(s.allow_insecure)
        .bind(s.allow_internal_hosts)
        .execute(&mut *tx)
        .await?;
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

    async fn saved_directory(&self, org: OrgId) -> Result<Directory, IdentityError> {
        let mut tx = self.db.begin(org).await?;
        let row = load_row(&mut tx)
            .await?
            .ok_or(IdentityError::NotFound("directory configuration"))?;
        tx.commit().await?;
        self.directory_from_row(org, row).await
    }

    pub async fn import_directory(
        &self,
        ctx: &RequestContext,
        scopes: &[String],
    ) -> Result<ImportReport, IdentityError> {
        ctx.require(Permission::DirectoryManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageDirectoryAndLogin)?;
        ctx.require_signed_in()?;
        let scopes = scopes
            .iter()
            .map(|s| parse_scope(s))
            .collect::<Result<Vec<_>, _>>()?;
        self.run_directory_import(ctx.org(), Some(ctx), scopes)
            .await
    }

    /// Imports users of `scopes` (everything when empty). Users already in the org are
    /// skipped (later imports add only new ones) but still join their scope's group.
    async fn run_directory_import(
        &self,
        org: OrgId,
        ctx: Option<&RequestContext>,
        mut scopes: Vec<ImportScope>,
    ) -> Result<ImportReport, IdentityError> {
        let directory = self.saved_directory(org).await?;
        if scopes.is_empty() {
            scopes.push(ImportScope::Everything);
        }
        let mut found = Vec::new();
        for scope in &scopes {
            found.push((group_name(scope), directory.users(scope).await?));
        }
        let mut tx = self.db.begin(org).await?;
        let kind: String = sqlx::query_scalar("SELECT kind FROM directory")
            .fetch_one(&mut *tx)
            .await?;
        let default_role = crate::policy::load(&mut tx).await?.default_role;
        // Whoever imports gives the default role to everyone imported.
        if let Some(ctx) = ctx {
            crate::roles::require_grantable(ctx, &mut tx, &default_role).await?;
        }
        let names: Vec<String> = found
            .iter()
            .flat_map(|(_, users)| users.iter().map(|u| u.username.clone()))
            .collect();
        let existing = existing_usernames(&mut tx, &names).await?;
        let mut report = ImportReport::default();
        let mut events: Vec<Event> = Vec::new();
        let mut done: HashMap<String, uuid::Uuid> = HashMap::new();
        let mut admin_imported = false;
        let record = |ctx: Option<&RequestContext>, op: &str, target: Target| match ctx {
            Some(ctx) => event(ctx, op, target),
            None => system_event(org, op, target),
        };
        for (group, users) in found {
            let group_id = match &group {
                Some(name) => {
                    let (id, created) = crate::groups::ensure_group(&mut tx, name, &kind).await?;
                    if created {
                        report.groups_created.push(name.clone());
                        events.push(record(ctx, "group.created", Target::new("group", id, name)));
                    }
                    Some(id)
                }
                None => None,
            };
            for u in users {
                let key = u.username.to_lowercase();
                let user_id = if let Some(id) = done.get(&key) {
                    Some(*id)
                } else if existing.contains(&key) {
                    report.rows.push(ImportRow {
                        line: 0,
                        username: u.username.clone(),
                        outcome: Outcome::Skipped("already in the org".into()),
                    });
                    sqlx::query_scalar("SELECT id FROM users WHERE lower(username) = $1")
                        .bind(&key)
                        .fetch_optional(&mut *tx)
                        .await?
                } else {
                    let fields = UserFields {
                        username: u.username.clone(),
                        full_name: u.full_name.clone().unwrap_or_default(),
                        email: u.email.clone().unwrap_or_default(),
                        department: u.department.clone().unwrap_or_default(),
                        location: u.location.clone().unwrap_or_default(),
                        role: default_role.clone(),
                    };
                    match self
                        .create_imported(&mut tx, &fields, &kind, Some(&u.dn))
                        .await
                    {
                        Ok(user) => {
                            admin_imported |= user.role == Role::Administrator.as_str();
                            events.push(record(ctx, "user.imported", Target::new("user", user.id, &user.username))
                                .with_details(serde_json::json!({ "source": kind, "dn": u.dn, "role": user.role })));
                            report.rows.push(ImportRow {
                                line: 0,
                                username: user.username.clone(),
                                outcome: Outcome::Created,
                            });
                            Some(user.id)
                        }
                        Err(IdentityError::InvalidInput(reason)) => {
                            report.rows.push(ImportRow {
                                line: 0,
                                username: u.username.clone(),
                                outcome: Outcome::Rejected(reason),
                            });
                            None
                        }
                        Err(e) => return Err(e),
                    }
                };
                if let Some(id) = user_id {
                    done.insert(key, id);
                    if let Some(g) = group_id {
                        crate::groups::add_member(&mut tx, g, id, None).await?;
                    }
                }
            }
        }
        if report.created() > 0 && !admin_imported {
            report.warnings.push(
                "none of the imported users is an Administrator: make sure the org keeps at \
                 least one (change roles with PATCH /users/{id})"
                    .into(),
            );
        }
        let summary = format!(
            "{} created, {} skipped, {} rejected",
            report.created(),
            report.count(|o| matches!(o, Outcome::Skipped(_))),
            report.count(|o| matches!(o, Outcome::Rejected(_)))
        );
        sqlx::query("UPDATE directory SET last_sync_at = now(), last_sync_result = $1")
            .bind(&summary)
            .execute(&mut *tx)
            .await?;
        events.push(record(
            ctx,
            "directory.imported",
            Target::new("directory", &kind, &summary),
        ));
        self.commit(tx, &events).await?;
        Ok(report)
    }

    /// Runs due scheduled imports of every org until `shutdown`. Replicas claim each due
    /// org by moving its next run forward in the same statement, so only one runs it.
    pub async fn run_directory_sync(
        self: std::sync::Arc<Self>,
        every: Duration,
        shutdown: CancellationToken,
    ) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            let orgs = match self.db.provisioned_orgs().await {
                Ok(orgs) => orgs,
                Err(e) => {
                    tracing::warn!(error = %e, "directory sync: cannot list orgs");
                    continue;
                }
            };
            for org in orgs {
                if let Err(e) = self.sync_if_due(org).await {
                    tracing::warn!(%org, error = %e, "scheduled directory import failed");
                }
            }
        }
    }

    async fn sync_if_due(&self, org: OrgId) -> Result<(), IdentityError> {
        let mut tx = self.db.begin(org).await?;
        let scopes: Option<Vec<String>> = sqlx::query_scalar(
            "UPDATE directory SET next_sync_at = now() + make_interval(mins => sync_interval_minutes)
             WHERE sync_interval_minutes > 0 AND next_sync_at <= now() RETURNING sync_scopes",
        )
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(scopes) = scopes else { return Ok(()) };
        let scopes = scopes
            .iter()
            .map(|s| parse_scope(s))
            .collect::<Result<Vec<_>, _>>()?;
        let result = self.run_directory_import(org, None, scopes).await;
        if let Err(e) = &result {
            let mut tx = self.db.begin(org).await?;
            sqlx::query("UPDATE directory SET last_sync_at = now(), last_sync_result = $1")
                .bind(format!("failed: {e}"))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        result.map(|_| ())
    }
}
