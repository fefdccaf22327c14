//! The org's LDAP / Active Directory: its saved configuration (bind password sealed), test,
//! import by OU or group (each becomes a user group of the same name), scheduled sync, and
//! the directory handle logins use.

mod import;
mod settings;

use secrecy::SecretString;
use strongroom_core::OrgId;
use strongroom_directory::{DEFAULT_TIMEOUT, Directory, DirectoryConfig, ImportScope};
use strongroom_tenancy::TenantTx;

use crate::app::Identity;
use crate::error::IdentityError;
use crate::store::{self, DirectoryRow};

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
    pub attributes: std::collections::HashMap<String, String>,
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
    pub last_sync_at: Option<chrono::DateTime<chrono::Utc>>,
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

/// An import scope as saved or asked for: `ou:<DN or name>` or `group:<name>`.
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
        let sealed = store::lock_bind_password(&mut tx).await?;
        let Some(sealed) = sealed.flatten() else {
            return Ok(false);
        };
        let Some(resealed) = self.sealer.resealed(org, BIND_PASSWORD, &sealed).await? else {
            return Ok(false);
        };
        store::set_bind_password(&mut tx, &resealed).await?;
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
        match store::load_directory(tx).await? {
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

    async fn saved_directory(&self, org: OrgId) -> Result<Directory, IdentityError> {
        let mut tx = self.db.begin(org).await?;
        let row = store::load_directory(&mut tx)
            .await?
            .ok_or(IdentityError::NotFound("directory configuration"))?;
        tx.commit().await?;
        self.directory_from_row(org, row).await
    }
}
