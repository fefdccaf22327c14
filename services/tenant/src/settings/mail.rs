//! The org's mail server: where and as whom the org's mail is sent, and how the server is
//! signed in to.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use strongroom_auth::RequestContext;
use strongroom_core::OrgId;
use strongroom_proto::vault::{OpenServiceCredentialRequest, ServiceCredentialChoice};
use uuid::Uuid;

use super::{Kind, OrgSettings, PasswordChange, Saved, SealedChange, SettingsError, check};

const PASSWORD: &str = "mail.password";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    None,
    Starttls,
    Tls,
}

impl TlsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::Starttls => "starttls",
            TlsMode::Tls => "tls",
        }
    }

    fn parse(value: &str) -> Result<Self, SettingsError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(TlsMode::None),
            "starttls" => Ok(TlsMode::Starttls),
            "tls" => Ok(TlsMode::Tls),
            _ => Err(SettingsError::Invalid(format!(
                "tls_mode must be none, starttls or tls, not {value:?}"
            ))),
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct Mail {
    pub host: String,
    pub port: u16,
    pub sender: String,
    pub access_url: String,
    pub tls_mode: TlsMode,
    pub credentials: Option<Credentials>,
    /// Loopback, link-local and metadata hosts allowed (by an MSPOrg administrator).
    #[serde(default)]
    pub allow_internal_hosts: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credentials {
    /// A username, and a password sealed with the tenant's settings key (base64).
    Password {
        username: String,
        password_sealed: Option<String>,
    },
    /// An account stored in the vault. Only the reference is kept here: whatever sends the
    /// org's mail resolves it through the vault service at send time, so the password is
    /// never copied out of the vault.
    VaultAccount { account_id: Uuid },
}

impl Kind for Mail {
    const KIND: &'static str = "mail";
    const TITLE: &'static str = "mail server";
}

/// The mail settings as an administrator gives them.
pub struct MailInput {
    pub host: String,
    pub port: u32,
    pub sender: String,
    pub access_url: String,
    pub tls_mode: String,
    /// `None`: the server takes mail without signing in.
    pub credentials: Option<CredentialsInput>,
    pub allow_internal_hosts: bool,
}

/// A username with a password, or the id of a vault account.
pub struct CredentialsInput {
    pub username: String,
    pub password: PasswordChange,
    pub account_id: String,
}

impl CredentialsInput {
    /// The vault account named, if any (then with neither a username nor a password).
    fn account(&self) -> Result<Option<Uuid>, SettingsError> {
        let id = self.account_id.trim();
        if id.is_empty() {
            return Ok(None);
        }
        let account = Uuid::parse_str(id).map_err(|_| {
            SettingsError::Invalid(format!(
                "credentials.account_id must be a vault account id (a UUID), not {id:?}"
            ))
        })?;
        if !self.username.trim().is_empty() || self.password.is_given() {
            return Err(SettingsError::Invalid(
                "credentials: give a username and password or an account_id, not both".into(),
            ));
        }
        Ok(Some(account))
    }
}

impl OrgSettings {
    /// Tells the vault which account the org's mail signs in with (`None`: none), as the
    /// caller. Mail sent with a vault account's password must not become a way to use a
    /// password one may not see: the caller must be allowed to reveal it, as the vault
    /// decides, and only the account chosen can be opened for mail later.
    async fn choose_mail_account(
        &self,
        ctx: &RequestContext,
        account: Option<Uuid>,
    ) -> Result<(), SettingsError> {
        let allowed = self
            .vault
            .clone()
            .choose_service_credential(strongroom_auth::outgoing(
                ctx,
                ServiceCredentialChoice {
                    purpose: "mail".into(),
                    account_id: account.map(|a| a.to_string()).unwrap_or_default(),
                },
            ))
            .await
            .map_err(SettingsError::Vault)?
            .into_inner()
            .allowed;
        match account {
            Some(account) if !allowed => Err(SettingsError::Invalid(format!(
                "credentials.account_id: {account} is no vault account you may reveal (or it \
                 is under access control, which a mail server cannot ask for)"
            ))),
            _ => Ok(()),
        }
    }

    pub async fn mail(&self, ctx: &RequestContext) -> Result<Saved<Mail>, SettingsError> {
        self.get(ctx).await
    }

    /// Whether the caller's org has a mail server (anyone of the org may know).
    pub async fn has_mail_server(&self, ctx: &RequestContext) -> Result<bool, SettingsError> {
        Ok(self.read::<Mail>(ctx.org()).await?.is_some())
    }

    pub async fn save_mail(
        &self,
        ctx: &RequestContext,
        mut input: MailInput,
    ) -> Result<Saved<Mail>, SettingsError> {
        // Without the permission (or with an API key), 403 whatever was sent.
        Self::authorize_change(ctx)?;
        let host = check::host("host", &input.host)?;
        let port = check::port("port", input.port)?;
        let sender = check::email("sender", &input.sender)?;
        let access_url = check::url("access_url", &input.access_url, false)?;
        let tls_mode = TlsMode::parse(&input.tls_mode)?;
        let account = match input.credentials.as_ref() {
            Some(c) => c.account()?,
            None => None,
        };
        // Whether `allow_internal_hosts` may be on is decided against the stored value below.
        self.check_host("host", &host, input.allow_internal_hosts)
            .await?;
        self.choose_mail_account(ctx, account).await?;
        let org = ctx.org();
        let password = match input.credentials.as_mut() {
            Some(c) if account.is_none() => {
                let change = std::mem::replace(&mut c.password, PasswordChange::Keep);
                self.seal_change(org, PASSWORD, "credentials.password", change)
                    .await?
            }
            _ => SealedChange::Keep,
        };
        self.save(ctx, |old: Option<Mail>| {
            let allowed = old.as_ref().is_some_and(|m| m.allow_internal_hosts);
            let allow_internal_hosts =
                self.internal_hosts(ctx, input.allow_internal_hosts, allowed)?;
            let moved = old
                .as_ref()
                .is_some_and(|m| m.host != host || m.port != port || m.tls_mode != tls_mode);
            let stored = match old.and_then(|m| m.credentials) {
                Some(Credentials::Password {
                    password_sealed, ..
                }) => password_sealed,
                _ => None,
            };
            password.require_given_if_moved(stored.is_some(), moved, "credentials.password")?;
            let credentials = match input.credentials {
                None => None,
                Some(c) => Some(Self::credentials(c, password, stored)?),
            };
            Ok(Mail {
                host,
                port,
                sender,
                access_url,
                tls_mode,
                credentials,
                allow_internal_hosts,
            })
        })
        .await
    }

    fn credentials(
        c: CredentialsInput,
        password: SealedChange,
        stored: Option<String>,
    ) -> Result<Credentials, SettingsError> {
        if let Some(account_id) = c.account()? {
            return Ok(Credentials::VaultAccount { account_id });
        }
        let username = check::required_text(
            "credentials.username",
            &c.username,
            256,
            true,
            "(or give credentials.account_id, or send null credentials)",
        )?;
        let password_sealed = password.apply(stored);
        Ok(Credentials::Password {
            username,
            password_sealed,
        })
    }
}

impl OrgSettings {
    /// The username and password of the vault account chosen for the org's mail.
    async fn open_mail_account(
        &self,
        org: OrgId,
        account: Uuid,
    ) -> Result<strongroom_proto::vault::ServiceCredential, SettingsError> {
        self.vault
            .clone()
            .open_service_credential(OpenServiceCredentialRequest {
                org_id: org.to_string(),
                purpose: "mail".into(),
                account_id: account.to_string(),
            })
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| match status.code() {
                // The vault's reason is for the mail log: the account is no longer the one
                // chosen, is gone, or is under access control.
                tonic::Code::FailedPrecondition | tonic::Code::NotFound => {
                    SettingsError::Invalid(format!(
                        "the mail server's vault account cannot be used: {}",
                        status.message()
                    ))
                }
                _ => SettingsError::Vault(status),
            })
    }
}

/// The org's mail server as a sender uses it: the password opened.
pub struct Transport {
    pub mail: Mail,
    pub username: String,
    pub password: Option<SecretString>,
    pub saved_at: chrono::DateTime<chrono::Utc>,
}

impl OrgSettings {
    /// The org's mail server, its password opened, for the service that sends the org's mail
    /// (the caller is that service, proven by its certificate; no user is behind it).
    pub async fn mail_transport(&self, org: OrgId) -> Result<Transport, SettingsError> {
        let saved = self
            .read::<Mail>(org)
            .await?
            .ok_or(SettingsError::NotSaved("mail"))?;
        let (mut mail, saved_at) = (saved.value, saved.updated_at);
        let (username, password) = match mail.credentials.take() {
            None => (String::new(), None),
            Some(Credentials::Password {
                username,
                password_sealed,
            }) => {
                let password = match password_sealed {
                    Some(sealed) => Some(self.open(org, PASSWORD, &sealed).await?),
                    None => None,
                };
                (username, password)
            }
            Some(Credentials::VaultAccount { account_id }) => {
                let login = self.open_mail_account(org, account_id).await?;
                (login.username, Some(SecretString::from(login.password)))
            }
        };
        Ok(Transport {
            mail,
            username,
            password,
            saved_at,
        })
    }
}
