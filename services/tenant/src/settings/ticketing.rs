//! The org's ticketing system: where a ticket id is checked, and before what (a request, a
//! checkout, a reveal of a password under access control). The call itself is in
//! `ticket_check`.

use serde::{Deserialize, Serialize};
use strongroom_auth::RequestContext;
use strongroom_egress::Egress;

use super::{Kind, OrgSettings, PasswordChange, Saved, SettingsError, check};

pub(super) const PASSWORD: &str = "ticketing.password";
/// What `{ticket_id}` stands for in the URL, the body and the expected answer.
pub const PLACEHOLDER: &str = "{ticket_id}";
const DEFAULT_TIMEOUT_SECONDS: u32 = 10;
const MAX_TIMEOUT_SECONDS: u32 = 60;
const MAX_BODY_CHARS: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }

    fn parse(value: &str) -> Result<Self, SettingsError> {
        match value.trim().to_ascii_uppercase().as_str() {
            "GET" | "" => Ok(Method::Get),
            "POST" => Ok(Method::Post),
            _ => Err(SettingsError::Invalid(format!(
                "method must be GET or POST, not {value:?}"
            ))),
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct Ticketing {
    pub enabled: bool,
    pub url: String,
    pub method: Method,
    pub body_template: String,
    pub content_type: String,
    pub expected: String,
    pub username: String,
    /// Sealed with the org's data key (base64).
    pub password_sealed: Option<String>,
    pub check_on_request: bool,
    pub check_on_checkout: bool,
    pub check_on_reveal: bool,
    pub timeout_seconds: u32,
    /// Loopback, link-local and metadata hosts allowed (by an MSPOrg administrator).
    #[serde(default)]
    pub allow_internal_hosts: bool,
}

impl Kind for Ticketing {
    const KIND: &'static str = "ticketing";
    const TITLE: &'static str = "ticketing system";
}

/// The stages a ticket is checked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Request,
    Checkout,
    Reveal,
    /// An administrator trying the settings.
    Test,
}

impl Stage {
    pub fn parse(value: &str) -> Result<Self, SettingsError> {
        match value {
            "request" => Ok(Stage::Request),
            "checkout" => Ok(Stage::Checkout),
            "reveal" => Ok(Stage::Reveal),
            "test" => Ok(Stage::Test),
            _ => Err(SettingsError::Invalid(format!(
                "stage must be request, checkout, reveal or test, not {value:?}"
            ))),
        }
    }
}

impl Ticketing {
    /// Whether a ticket is checked at `stage`.
    pub fn applies(&self, stage: Stage) -> bool {
        match stage {
            Stage::Request => self.enabled && self.check_on_request,
            Stage::Checkout => self.enabled && self.check_on_checkout,
            Stage::Reveal => self.enabled && self.check_on_reveal,
            Stage::Test => true,
        }
    }
}

pub struct TicketingInput {
    pub enabled: bool,
    pub url: String,
    pub method: String,
    pub body_template: String,
    pub content_type: String,
    pub expected: String,
    pub username: String,
    pub password: PasswordChange,
    pub check_on_request: bool,
    pub check_on_checkout: bool,
    pub check_on_reveal: bool,
    pub timeout_seconds: u32,
    pub allow_internal_hosts: bool,
}

/// The host of an `http(s)://` URL already checked by `check::url`.
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => authority.split(':').next().unwrap_or(authority),
    }
}

impl OrgSettings {
    pub async fn ticketing(&self, ctx: &RequestContext) -> Result<Saved<Ticketing>, SettingsError> {
        self.get(ctx).await
    }

    pub async fn save_ticketing(
        &self,
        ctx: &RequestContext,
        input: TicketingInput,
    ) -> Result<Saved<Ticketing>, SettingsError> {
        Self::authorize_change(ctx)?;
        // With the placeholder in the host, the host rule could not be checked here.
        let url = check::url("url", &input.url, false)?;
        let host = url_host(&url).to_owned();
        if host.contains('{') {
            return Err(SettingsError::Invalid(format!(
                "url: {PLACEHOLDER} may stand in the path or query, not in the host"
            )));
        }
        let method = Method::parse(&input.method)?;
        let body_template = check::text("body_template", &input.body_template, MAX_BODY_CHARS)?;
        if method == Method::Get && !body_template.is_empty() {
            return Err(SettingsError::Invalid(
                "body_template is sent with POST only: leave it empty for GET".into(),
            ));
        }
        if !url.contains(PLACEHOLDER) && !body_template.contains(PLACEHOLDER) {
            return Err(SettingsError::Invalid(format!(
                "url or body_template must contain {PLACEHOLDER}: otherwise every ticket id \
                 would get the same answer"
            )));
        }
        let content_type = match check::text("content_type", &input.content_type, 128)? {
            t if t.is_empty() => "application/json".to_owned(),
            t if t.chars().all(|c| c.is_ascii_graphic() || c == ' ') => t,
            t => {
                return Err(SettingsError::Invalid(format!(
                    "content_type must be a media type such as application/json, not {t:?}"
                )));
            }
        };
        let expected = check::text("expected", &input.expected, 1024)?;
        let username = check::text("username", &input.username, 256)?;
        if username.contains(':') {
            return Err(SettingsError::Invalid(
                "username must not contain ':' (HTTP basic authentication)".into(),
            ));
        }
        if username.is_empty() && matches!(input.password, PasswordChange::Set(_)) {
            return Err(SettingsError::Invalid(
                "password needs a username: give username too".into(),
            ));
        }
        let timeout_seconds = match input.timeout_seconds {
            0 => DEFAULT_TIMEOUT_SECONDS,
            t if t <= MAX_TIMEOUT_SECONDS => t,
            _ => {
                return Err(SettingsError::Invalid(format!(
                    "timeout_seconds must be between 1 and {MAX_TIMEOUT_SECONDS}"
                )));
            }
        };
        if input.enabled
            && !(input.check_on_request || input.check_on_checkout || input.check_on_reveal)
        {
            return Err(SettingsError::Invalid(
                "check_on_request, check_on_checkout or check_on_reveal: choose when tickets \
                 are checked, or turn ticketing off"
                    .into(),
            ));
        }
        // Through the proxy, the proxy resolves the host: only its name is checked here.
        if self.proxy_for(ctx.org(), &host).await?.is_some() {
            Egress::check_name(&host, input.allow_internal_hosts).map_err(|source| {
                SettingsError::Host {
                    field: "url",
                    source,
                }
            })?;
        } else {
            self.check_host("url", &host, input.allow_internal_hosts)
                .await?;
        }
        let password = self
            .seal_change(ctx.org(), PASSWORD, "password", input.password)
            .await?;
        self.save(ctx, |old: Option<Ticketing>| {
            let allowed = old.as_ref().is_some_and(|t| t.allow_internal_hosts);
            let allow_internal_hosts =
                self.internal_hosts(ctx, input.allow_internal_hosts, allowed)?;
            let moved = old.as_ref().is_some_and(|t| url_host(&t.url) != host);
            let stored = old
                .and_then(|t| t.password_sealed)
                .filter(|_| !username.is_empty());
            password.require_given_if_moved(stored.is_some(), moved, "password")?;
            Ok(Ticketing {
                enabled: input.enabled,
                url,
                method,
                body_template,
                content_type,
                expected,
                username,
                password_sealed: password.apply(stored),
                check_on_request: input.check_on_request,
                check_on_checkout: input.check_on_checkout,
                check_on_reveal: input.check_on_reveal,
                timeout_seconds,
                allow_internal_hosts,
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_of_a_url() {
        for (url, host) in [
            (
                "https://tickets.acme.test/api/{ticket_id}",
                "tickets.acme.test",
            ),
            ("http://127.0.0.1:8080/t?id={ticket_id}", "127.0.0.1"),
            ("https://[::1]:8443/x", "::1"),
            ("https://sd.acme.test", "sd.acme.test"),
        ] {
            assert_eq!(url_host(url), host, "{url}");
        }
    }
}
