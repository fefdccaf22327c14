//! The org's mail server, proxy, MSP staff rights and login-page branding.

use serde::{Deserialize, Deserializer, Serialize};
use strongroom_proto::tenant_settings::{self as pb, mail_credentials};
use utoipa::ToSchema;

use super::or_null;

/// Tells a field left out (`None`) from one sent as `null` (`Some(None)`).
pub(super) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// A password as a body gives it: left out keeps the stored one, `null` removes it.
pub(super) fn password_parts(password: Option<Option<String>>) -> (Option<String>, bool) {
    match password {
        None => (None, false),
        Some(None) => (None, true),
        Some(Some(p)) => (Some(p), false),
    }
}

/// The org's mail server. Passwords are stored sealed and never returned.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Mail {
    pub host: String,
    pub port: u32,
    pub sender: String,
    /// The URL mails link to.
    pub access_url: String,
    /// `none`, `starttls` or `tls`.
    pub tls_mode: String,
    #[schema(required = true)]
    pub credentials: Option<MailCredentials>,
    pub updated_at: String,
    pub allow_internal_hosts: bool,
}

/// How the gateway signs in to the mail server: a username and stored password, or a
/// vault account.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum MailCredentials {
    Password {
        username: String,
        /// A password is stored (it is never returned).
        password_set: bool,
    },
    VaultAccount {
        account_id: String,
    },
}

impl From<pb::MailSettings> for Mail {
    fn from(m: pb::MailSettings) -> Self {
        let credentials = m.credentials.and_then(|c| c.kind).map(|kind| match kind {
            mail_credentials::Kind::Password(p) => MailCredentials::Password {
                username: p.username,
                password_set: p.password_set,
            },
            mail_credentials::Kind::VaultAccount(v) => MailCredentials::VaultAccount {
                account_id: v.account_id,
            },
        });
        Self {
            host: m.host,
            port: m.port,
            sender: m.sender,
            access_url: m.access_url,
            tls_mode: m.tls_mode,
            credentials,
            updated_at: m.updated_at,
            allow_internal_hosts: m.allow_internal_hosts,
        }
    }
}

/// The whole mail settings; `credentials` left out or `null` means none.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailBody {
    pub host: String,
    pub port: u32,
    pub sender: String,
    pub access_url: String,
    /// `none`, `starttls` or `tls`.
    pub tls_mode: String,
    #[serde(default)]
    pub credentials: Option<CredentialsBody>,
    /// Allow a loopback, link-local or cloud-metadata host (MSPOrg administrators only).
    #[serde(default)]
    pub allow_internal_hosts: bool,
}

/// `{username, password}` or `{account_id}` (a vault account the caller may reveal).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsBody {
    #[serde(default)]
    pub username: String,
    /// Left out keeps the stored password, `null` removes it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<Option<String>>,
    #[serde(default)]
    pub account_id: String,
}

impl From<MailBody> for pb::SaveMailRequest {
    fn from(b: MailBody) -> Self {
        let credentials = b.credentials.map(|c| {
            let (password, clear_password) = password_parts(c.password);
            pb::CredentialsInput {
                username: c.username,
                password,
                clear_password,
                account_id: c.account_id,
            }
        });
        Self {
            host: b.host,
            port: b.port,
            sender: b.sender,
            access_url: b.access_url,
            tls_mode: b.tls_mode,
            credentials,
            allow_internal_hosts: b.allow_internal_hosts,
        }
    }
}

/// The org's outgoing proxy. The password is stored sealed and never returned.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Proxy {
    pub enabled: bool,
    pub host: String,
    pub port: u32,
    pub username: String,
    pub password_set: bool,
    /// Hosts, `.domain`/`*.domain` and networks reached directly.
    pub no_proxy: Vec<String>,
    pub updated_at: String,
    pub allow_internal_hosts: bool,
}

impl From<pb::ProxySettings> for Proxy {
    fn from(p: pb::ProxySettings) -> Self {
        Self {
            enabled: p.enabled,
            host: p.host,
            port: p.port,
            username: p.username,
            password_set: p.password_set,
            no_proxy: p.no_proxy,
            updated_at: p.updated_at,
            allow_internal_hosts: p.allow_internal_hosts,
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyBody {
    pub enabled: bool,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: u32,
    #[serde(default)]
    pub username: String,
    /// Left out keeps the stored password, `null` removes it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<Option<String>>,
    /// Hosts, `.domain`/`*.domain` and networks reached directly.
    #[serde(default)]
    pub no_proxy: Vec<String>,
    /// Allow a loopback, link-local or cloud-metadata host (MSPOrg administrators only).
    #[serde(default)]
    pub allow_internal_hosts: bool,
}

impl From<ProxyBody> for pb::SaveProxyRequest {
    fn from(b: ProxyBody) -> Self {
        let (password, clear_password) = password_parts(b.password);
        Self {
            enabled: b.enabled,
            host: b.host,
            port: b.port,
            username: b.username,
            password,
            clear_password,
            no_proxy: b.no_proxy,
            allow_internal_hosts: b.allow_internal_hosts,
        }
    }
}

/// What MSP staff (the account manager, MSPOrg users with a grant) may do in this org.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct MspStaffRights {
    pub reset_passwords: bool,
    pub take_ownership: bool,
    pub view_audit: bool,
    pub manage_users: bool,
    pub manage_directory_and_login: bool,
    /// `null` while the defaults apply.
    #[schema(required = true)]
    pub updated_at: Option<String>,
}

impl From<pb::MspStaffRights> for MspStaffRights {
    fn from(r: pb::MspStaffRights) -> Self {
        Self {
            reset_passwords: r.reset_passwords,
            take_ownership: r.take_ownership,
            view_audit: r.view_audit,
            manage_users: r.manage_users,
            manage_directory_and_login: r.manage_directory_and_login,
            updated_at: or_null(r.updated_at),
        }
    }
}

/// Every right is given: leaving one out would flip it silently.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MspStaffRightsBody {
    pub reset_passwords: bool,
    pub take_ownership: bool,
    pub view_audit: bool,
    pub manage_users: bool,
    /// The directory, login, mail, proxy and branding settings.
    pub manage_directory_and_login: bool,
}

impl From<MspStaffRightsBody> for pb::MspStaffRights {
    fn from(b: MspStaffRightsBody) -> Self {
        Self {
            reset_passwords: b.reset_passwords,
            take_ownership: b.take_ownership,
            view_audit: b.view_audit,
            manage_users: b.manage_users,
            manage_directory_and_login: b.manage_directory_and_login,
            updated_at: String::new(),
        }
    }
}

/// What the org's login page shows.
#[derive(Deserialize, Debug, Serialize, ToSchema, Default)]
pub struct Branding {
    /// A `data:image/...;base64,` URL or an https URL.
    #[schema(required = true)]
    pub logo: Option<String>,
    pub login_text: String,
    pub legal_banner: LegalBanner,
    pub privacy_banner: PrivacyBanner,
    #[schema(required = true)]
    pub updated_at: Option<String>,
}

#[derive(Deserialize, Debug, Serialize, ToSchema, Default)]
pub struct LegalBanner {
    pub enabled: bool,
    pub text: String,
    /// Users accept it before signing in.
    pub requires_acceptance: bool,
}

#[derive(Deserialize, Debug, Serialize, ToSchema, Default)]
pub struct PrivacyBanner {
    pub enabled: bool,
    pub text: String,
    pub button_label: String,
}

impl From<pb::Branding> for Branding {
    fn from(b: pb::Branding) -> Self {
        let legal = b.legal_banner.unwrap_or_default();
        let privacy = b.privacy_banner.unwrap_or_default();
        Self {
            logo: or_null(b.logo),
            login_text: b.login_text,
            legal_banner: LegalBanner {
                enabled: legal.enabled,
                text: legal.text,
                requires_acceptance: legal.requires_acceptance,
            },
            privacy_banner: PrivacyBanner {
                enabled: privacy.enabled,
                text: privacy.text,
                button_label: privacy.button_label,
            },
            updated_at: or_null(b.updated_at),
        }
    }
}

/// The login page of the org in the URL, for anyone.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PublicBranding {
    #[serde(flatten)]
    pub branding: Branding,
    /// `org` (its own), `msp` (MSPOrg's, the org saved none) or `default`.
    pub source: String,
}

impl From<pb::PublicBranding> for PublicBranding {
    fn from(p: pb::PublicBranding) -> Self {
        Self {
            branding: p.branding.unwrap_or_default().into(),
            source: p.source,
        }
    }
}

#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrandingBody {
    /// A `data:image/{png,jpeg,gif,webp};base64,...` URL of at most 256 KiB or an https
    /// URL; `null` or left out for none.
    #[serde(default)]
    pub logo: Option<String>,
    #[serde(default)]
    pub login_text: String,
    #[serde(default)]
    pub legal_banner: LegalBannerBody,
    #[serde(default)]
    pub privacy_banner: PrivacyBannerBody,
}

#[derive(Serialize, Debug, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalBannerBody {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub requires_acceptance: bool,
}

#[derive(Serialize, Debug, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacyBannerBody {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub button_label: String,
}

impl From<BrandingBody> for pb::SaveBrandingRequest {
    fn from(b: BrandingBody) -> Self {
        Self {
            logo: b.logo.unwrap_or_default(),
            login_text: b.login_text,
            legal_banner: Some(pb::LegalBanner {
                enabled: b.legal_banner.enabled,
                text: b.legal_banner.text,
                requires_acceptance: b.legal_banner.requires_acceptance,
            }),
            privacy_banner: Some(pb::PrivacyBanner {
                enabled: b.privacy_banner.enabled,
                text: b.privacy_banner.text,
                button_label: b.privacy_banner.button_label,
            }),
        }
    }
}
