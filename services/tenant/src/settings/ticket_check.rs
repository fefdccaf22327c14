//! Checking one ticket id against the org's ticketing system: the URL and body filled in,
//! the call made through the org's proxy (when it is on) under the host rule, and the answer
//! judged. A failed check never shows the ticketing system's body, only why it failed.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::{ExposeSecret, SecretString};
use strongroom_auth::RequestContext;
use strongroom_core::OrgId;
use strongroom_egress::HttpProxy;

use super::proxy::Proxy;
use super::ticketing::{self, Method, PLACEHOLDER, Stage, Ticketing};
use super::{OrgSettings, SettingsError};

const MAX_TICKET_ID_CHARS: usize = 64;
/// Enough of an answer to find the expected text in; the rest is not read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What a check found.
pub struct TicketVerdict {
    /// Ticketing is on for the stage asked.
    pub required: bool,
    pub valid: bool,
    pub reason: String,
    /// The ticketing system's HTTP status (0: it was not asked).
    pub status: u16,
}

impl TicketVerdict {
    fn not_required() -> Self {
        Self {
            required: false,
            valid: true,
            reason: String::new(),
            status: 0,
        }
    }

    fn invalid(reason: String, status: u16) -> Self {
        Self {
            required: true,
            valid: false,
            reason,
            status,
        }
    }
}

/// Letters, digits, `.`, `_` and `-` (what ticketing systems number their tickets with),
/// so a ticket id stays one path segment, query value or JSON string wherever it goes.
fn ticket_id_problem(ticket_id: &str) -> Option<String> {
    if ticket_id.is_empty() {
        return Some("a ticket id is needed: this org checks tickets before this".into());
    }
    let fits = ticket_id.chars().count() <= MAX_TICKET_ID_CHARS
        && ticket_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    (!fits).then(|| {
        format!(
            "ticket id {ticket_id:?} must be at most {MAX_TICKET_ID_CHARS} letters, digits, '.', \
             '_' or '-'"
        )
    })
}

impl OrgSettings {
    /// Checks `ticket_id` for the caller's org at `stage`. At `test` the caller must be one
    /// who changes the settings (the call uses the org's stored credentials), and the check
    /// runs while ticketing is off too.
    /// Where the caller's org checks tickets: (request, checkout, reveal). Anyone of the
    /// org may know (an application's API key too: its reveals are checked alike).
    pub async fn ticketing_stages(
        &self,
        ctx: &RequestContext,
    ) -> Result<(bool, bool, bool), SettingsError> {
        Ok(match self.read::<Ticketing>(ctx.org()).await? {
            Some(saved) => (
                saved.value.applies(Stage::Request),
                saved.value.applies(Stage::Checkout),
                saved.value.applies(Stage::Reveal),
            ),
            None => (false, false, false),
        })
    }

    pub async fn check_ticket(
        &self,
        ctx: &RequestContext,
        ticket_id: &str,
        stage: Stage,
    ) -> Result<TicketVerdict, SettingsError> {
        if stage == Stage::Test {
            Self::authorize_change(ctx)?;
        }
        let org = ctx.org();
        let Some(saved) = self.read::<Ticketing>(org).await? else {
            return match stage {
                Stage::Test => Err(SettingsError::NotSaved("ticketing")),
                _ => Ok(TicketVerdict::not_required()),
            };
        };
        let settings = saved.value;
        if !settings.applies(stage) {
            return Ok(TicketVerdict::not_required());
        }
        let ticket_id = ticket_id.trim();
        if let Some(problem) = ticket_id_problem(ticket_id) {
            return Ok(TicketVerdict::invalid(problem, 0));
        }
        let host = ticketing::url_host(&settings.url);
        let proxy = match self.proxy_for(org, host).await? {
            Some((mut route, Some(sealed))) => {
                route.password = Some(self.open(org, super::proxy::PASSWORD, &sealed).await?);
                Some(route)
            }
            Some((route, None)) => Some(route),
            None => None,
        };
        let client = self
            .egress
            .http_client(
                host,
                settings.allow_internal_hosts,
                proxy.as_ref(),
                Duration::from_secs(settings.timeout_seconds.into()),
            )
            .map_err(|source| SettingsError::Host {
                field: "url",
                source,
            })?;
        let url = settings.url.replace(PLACEHOLDER, ticket_id);
        let mut request = match settings.method {
            Method::Get => client.get(&url),
            Method::Post => client
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, &settings.content_type)
                .body(settings.body_template.replace(PLACEHOLDER, ticket_id)),
        };
        if !settings.username.is_empty() {
            let password = match &settings.password_sealed {
                Some(sealed) => Some(self.open(org, ticketing::PASSWORD, sealed).await?),
                None => None,
            };
            request = request.basic_auth(
                &settings.username,
                password.as_ref().map(|p| p.expose_secret().to_owned()),
            );
        }
        let unreachable = |e: reqwest::Error| {
            // The error names the URL, which holds no secret; never the body or credentials.
            SettingsError::Unreachable(format!(
                "the ticketing system could not be asked about ticket {ticket_id}: {}",
                describe(&e)
            ))
        };
        let mut response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        if !status.is_success() {
            let why = if status.is_redirection() {
                " (a redirect, which is not followed: give the final URL)"
            } else {
                ""
            };
            return Ok(TicketVerdict::invalid(
                format!("the ticketing system answered {status} for ticket {ticket_id}{why}"),
                status.as_u16(),
            ));
        }
        let mut body = Vec::new();
        while body.len() < MAX_ANSWER_BYTES
            && let Some(chunk) = response.chunk().await.map_err(unreachable)?
        {
            body.extend_from_slice(&chunk);
        }
        let expected = settings.expected.replace(PLACEHOLDER, ticket_id);
        if !expected.is_empty() && !String::from_utf8_lossy(&body).contains(&expected) {
            return Ok(TicketVerdict::invalid(
                format!(
                    "ticket {ticket_id} is not valid: the ticketing system's answer does not \
                     contain {expected:?}"
                ),
                status.as_u16(),
            ));
        }
        Ok(TicketVerdict {
            required: true,
            valid: true,
            reason: String::new(),
            status: status.as_u16(),
        })
    }

    /// The org's proxy when it is on and `host` is not reached directly, with its password
    /// still sealed (a caller that only needs to know whether `host` goes through it opens
    /// nothing).
    pub(super) async fn proxy_for(
        &self,
        org: OrgId,
        host: &str,
    ) -> Result<Option<(HttpProxy, Option<String>)>, SettingsError> {
        let Some(proxy) = self.read::<Proxy>(org).await?.map(|s| s.value) else {
            return Ok(None);
        };
        let route = HttpProxy {
            host: proxy.host,
            port: proxy.port,
            username: proxy.username,
            password: None,
            no_proxy: proxy.no_proxy,
            allow_internal_hosts: proxy.allow_internal_hosts,
        };
        if !proxy.enabled || route.bypasses(host) {
            return Ok(None);
        }
        Ok(Some((route, proxy.password_sealed)))
    }

    /// A password stored sealed (base64), opened by the vault.
    pub(super) async fn open(
        &self,
        org: OrgId,
        name: &str,
        sealed: &str,
    ) -> Result<SecretString, SettingsError> {
        let sealed = BASE64
            .decode(sealed.as_bytes())
            .map_err(|_| SettingsError::Sealed(strongroom_runtime::SealError::Unreadable))?;
        let plain = self.sealer.open(org, name, &sealed).await?;
        Ok(SecretString::from(
            String::from_utf8_lossy(&plain).into_owned(),
        ))
    }
}

/// A transport error in words, with its causes (reqwest's own text is only the outermost).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer in time".to_owned();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_ids_stay_one_segment_wherever_they_go() {
        for ok in ["INC0010023", "OPS-123", "42", "sr_7.1"] {
            assert!(ticket_id_problem(ok).is_none(), "{ok}");
        }
        for bad in ["", "a/b", "1?x=2", "\"}", "a b", "x#1", &"9".repeat(65)] {
            assert!(ticket_id_problem(bad).is_some(), "{bad}");
        }
    }
}
