//! The org's outgoing HTTP proxy, and the hosts reached without it.

use serde::{Deserialize, Serialize};
use strongroom_auth::RequestContext;

use super::{Kind, OrgSettings, PasswordChange, Saved, SettingsError, check};

pub(super) const PASSWORD: &str = "proxy.password";
const MAX_NO_PROXY: usize = 100;

#[derive(Serialize, Deserialize)]
pub struct Proxy {
    pub enabled: bool,
    pub host: String,
    /// 0 while no proxy is set up.
    pub port: u16,
    pub username: String,
    /// Sealed with the tenant's settings key (base64).
    pub password_sealed: Option<String>,
    pub no_proxy: Vec<String>,
    /// Loopback, link-local and metadata hosts allowed (by an MSPOrg administrator).
    #[serde(default)]
    pub allow_internal_hosts: bool,
}

impl Kind for Proxy {
    const KIND: &'static str = "proxy";
    const TITLE: &'static str = "proxy server";
}

pub struct ProxyInput {
    pub enabled: bool,
    pub host: String,
    pub port: u32,
    pub username: String,
    pub password: PasswordChange,
    pub no_proxy: Vec<String>,
    pub allow_internal_hosts: bool,
}

impl OrgSettings {
    pub async fn proxy(&self, ctx: &RequestContext) -> Result<Saved<Proxy>, SettingsError> {
        self.get(ctx).await
    }

    /// A disabled proxy may be left without host and port; whatever is given is checked.
    pub async fn save_proxy(
        &self,
        ctx: &RequestContext,
        input: ProxyInput,
    ) -> Result<Saved<Proxy>, SettingsError> {
        // Without the permission (or with an API key), 403 whatever was sent.
        Self::authorize_change(ctx)?;
        let host = if input.enabled || !input.host.trim().is_empty() {
            check::host("host", &input.host)?
        } else {
            String::new()
        };
        let port = if input.enabled || input.port != 0 {
            check::port("port", input.port)?
        } else {
            0
        };
        let username = check::text("username", &input.username, 256)?;
        if username.is_empty() && matches!(input.password, PasswordChange::Set(_)) {
            return Err(SettingsError::Invalid(
                "password needs a username: give username too".into(),
            ));
        }
        if input.no_proxy.len() > MAX_NO_PROXY {
            return Err(SettingsError::Invalid(format!(
                "no_proxy must have at most {MAX_NO_PROXY} entries"
            )));
        }
        let mut no_proxy = Vec::with_capacity(input.no_proxy.len());
        for entry in &input.no_proxy {
            let entry = check::no_proxy_entry(entry)?;
            if !no_proxy.contains(&entry) {
                no_proxy.push(entry);
            }
        }
        // Whether `allow_internal_hosts` may be on is decided against the stored value below.
        if !host.is_empty() {
            self.check_host("host", &host, input.allow_internal_hosts)
                .await?;
        }
        let password = self
            .seal_change(ctx.org(), PASSWORD, "password", input.password)
            .await?;
        self.save(ctx, |old: Option<Proxy>| {
            let allowed = old.as_ref().is_some_and(|p| p.allow_internal_hosts);
            let allow_internal_hosts =
                self.internal_hosts(ctx, input.allow_internal_hosts, allowed)?;
            let moved = old
                .as_ref()
                .is_some_and(|p| p.host != host || p.port != port);
            // A password belongs to a username: none is kept without one.
            let stored = old
                .and_then(|p| p.password_sealed)
                .filter(|_| !username.is_empty());
            password.require_given_if_moved(stored.is_some(), moved, "password")?;
            let password_sealed = password.apply(stored);
            Ok(Proxy {
                enabled: input.enabled,
                host,
                port,
                username,
                password_sealed,
                no_proxy,
                allow_internal_hosts,
            })
        })
        .await
    }
}
