//! The console's session: the API's access and refresh tokens kept in cookies the page's
//! scripts cannot read (`HttpOnly`), sent only by the console's own pages
//! (`SameSite=Strict`, path of the org) and only over HTTPS (`Secure`; plain HTTP only
//! from loopback, for development). Forms carry a CSRF token that must match a cookie of
//! the same visitor, and a cross-site form post is refused before it is read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use strongroom_auth::{RequestContext, constant_time_eq};
use strongroom_core::ErrorCode;

use super::client::OnBehalf;
use super::{Console, PageError};
use crate::caller::OrgSlug;
use crate::client_ip::ClientIp;
use crate::dto::auth::Token;

/// MSPOrg's session cookies, for every path: MSP staff reach client orgs with them.
const MSP_ACCESS: &str = "sr_msp";
const MSP_REFRESH: &str = "sr_msp_r";
/// A client org's session cookies, for `/<org>/` only.
const ORG_ACCESS: &str = "sr_org";
const ORG_REFRESH: &str = "sr_org_r";
/// The visitor's CSRF token, which every form repeats: 256 random bits, base64url.
const CSRF: &str = "sr_csrf";
const CSRF_BYTES: usize = 32;
const CSRF_LEN: usize = 43;
/// The token that opens the visitor's personal passwords, for `<base>/personal` only.
const PERSONAL: &str = "sr_personal";

/// How old an access token may be before a page renews it (seconds).
const RENEW_AFTER_SECS: i64 = 60;

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `Set-Cookie` values a page adds to its response; the console's middleware puts them on.
#[derive(Clone, Default)]
pub struct CookieJar(Arc<Mutex<Vec<HeaderValue>>>);

impl CookieJar {
    fn push(&self, cookie: String) {
        if let (Ok(value), Ok(mut cookies)) = (HeaderValue::try_from(cookie), self.0.lock()) {
            cookies.push(value);
        }
    }

    pub fn take(&self) -> Vec<HeaderValue> {
        self.0
            .lock()
            .map(|mut cookies| std::mem::take(&mut *cookies))
            .unwrap_or_default()
    }
}

/// One request of a visitor: the org in the URL, their cookies, and how to reach the API
/// on their behalf.
pub struct Visit {
    /// What links start with: `""` for MSPOrg, `/<org>` for a client org.
    pub base: String,
    pub org: Option<String>,
    pub csrf: String,
    pub who: OnBehalf,
    cookies: HashMap<String, String>,
    secure: bool,
    jar: CookieJar,
    /// The cookies (access, refresh, path) of the session this page runs under.
    session_cookies: Option<(&'static str, &'static str, String)>,
}

impl Visit {
    fn of(parts: &Parts) -> Self {
        let org = parts.extensions.get::<OrgSlug>().map(|s| s.0.clone());
        let ip = parts.extensions.get::<ClientIp>().map(|c| c.0);
        let cookies = cookies(&parts.headers);
        // Plain HTTP only for a browser on this machine; behind a proxy the client's
        // address is the one the proxy names, so a deployment always marks them Secure.
        let forwarded_https = parts
            .headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
        let secure = forwarded_https || !ip.is_some_and(|ip| ip.is_loopback());
        let jar = parts
            .extensions
            .get::<CookieJar>()
            .cloned()
            .unwrap_or_default();
        let mut visit = Self {
            base: org.as_ref().map(|o| format!("/{o}")).unwrap_or_default(),
            who: OnBehalf {
                org: org.clone(),
                ip,
                user_agent: parts.headers.get(header::USER_AGENT).cloned(),
                token: None,
                personal_unlock: None,
            },
            org,
            csrf: String::new(),
            cookies,
            secure,
            jar,
            session_cookies: None,
        };
        visit.csrf = match visit.cookies.get(CSRF) {
            Some(token) if token.len() == CSRF_LEN => token.clone(),
            _ => {
                let token = strongroom_auth::random_token(CSRF_BYTES);
                visit.set_cookie(CSRF, &token, "/");
                token
            }
        };
        visit
    }

    fn set_cookie(&self, name: &str, value: &str, path: &str) {
        let secure = if self.secure { "; Secure" } else { "" };
        self.jar.push(format!(
            "{name}={value}; Path={path}; HttpOnly; SameSite=Strict{secure}"
        ));
    }

    fn clear_cookie(&self, name: &str, path: &str) {
        let secure = if self.secure { "; Secure" } else { "" };
        self.jar.push(format!(
            "{name}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
        ));
    }

    /// The path of this org's session cookies.
    fn cookie_path(&self) -> String {
        format!("{}/", self.base)
    }

    fn names(&self) -> (&'static str, &'static str) {
        if self.org.is_some() {
            (ORG_ACCESS, ORG_REFRESH)
        } else {
            (MSP_ACCESS, MSP_REFRESH)
        }
    }

    /// Keeps a new login's (or refresh's) tokens as this org's session.
    pub fn sign_in(&self, token: &Token) {
        let (access, refresh) = self.names();
        let path = self.cookie_path();
        self.set_cookie(access, &token.token, &path);
        self.set_cookie(refresh, &token.refresh_token, &path);
    }

    /// The personal passwords' unlock token this visitor holds, if any.
    pub fn personal_unlock(&self) -> Option<String> {
        self.cookies
            .get(PERSONAL)
            .filter(|t| !t.is_empty())
            .cloned()
    }

    /// Keeps (or, with `None`, forgets) the personal passwords' unlock token, sent back
    /// only to the personal passwords' pages and gone with the browser.
    pub fn keep_personal_unlock(&self, token: Option<&str>) {
        let path = format!("{}/personal", self.base);
        match token {
            Some(token) => self.set_cookie(PERSONAL, token, &path),
            None => self.clear_cookie(PERSONAL, &path),
        }
    }

    /// Forgets the session this page ran under: the org's own, or MSPOrg's for MSP staff
    /// in a client org (whose session the API has just ended).
    pub fn sign_out(&self) {
        let (access, refresh) = self.names();
        let own = (access, refresh, self.cookie_path());
        let (access, refresh, path) = self.session_cookies.clone().unwrap_or(own);
        self.clear_cookie(access, &path);
        self.clear_cookie(refresh, &path);
    }

    /// The session this page runs under: the org's own, or else MSPOrg's (MSP staff in a
    /// client org, whose token the API exchanges). An access token older than a minute is
    /// renewed with its refresh token, so identity sees the session in use (the org's idle
    /// timeout counts from the last renewal); a session identity no longer renews is over.
    async fn session(&mut self, console: &Console) -> Option<RequestContext> {
        let candidates = if self.org.is_some() {
            [
                (ORG_ACCESS, ORG_REFRESH, true),
                (MSP_ACCESS, MSP_REFRESH, false),
            ]
        } else {
            [(MSP_ACCESS, MSP_REFRESH, true), ("", "", false)]
        };
        for (access, refresh, own) in candidates {
            if access.is_empty() {
                continue;
            }
            let path = if own {
                self.cookie_path()
            } else {
                "/".to_owned()
            };
            let current = self
                .cookies
                .get(access)
                .cloned()
                .and_then(|token| self.verify(console, &token).map(|ctx| (token, ctx)));
            let fresh = current
                .as_ref()
                .is_some_and(|(_, ctx)| chrono_now() - ctx.claims.iat < RENEW_AFTER_SECS);
            let refresh_token = self.cookies.get(refresh).cloned();
            let renewed = match (&refresh_token, fresh) {
                (Some(refresh_token), false) => {
                    let org = if own { self.org.clone() } else { None };
                    Some(
                        console
                            .refresher
                            .refresh(&console.api, &self.who, org, refresh_token)
                            .await,
                    )
                }
                _ => None,
            };
            let chosen = match (renewed, current) {
                (Some(Ok(token)), _) => self.verify(console, &token.token).map(|ctx| {
                    self.set_cookie(access, &token.token, &path);
                    self.set_cookie(refresh, &token.refresh_token, &path);
                    (token.token.clone(), ctx)
                }),
                // Identity refused to renew: the session ended (idle, expired, revoked).
                (Some(Err(refusal)), _) if refusal.is(ErrorCode::Unauthenticated) => None,
                // Identity could not be asked: the token in hand still holds.
                (_, current) => current,
            };
            if let Some((token, ctx)) = chosen {
                self.who.token = Some(token);
                self.session_cookies = Some((access, refresh, path));
                return Some(ctx);
            }
        }
        None
    }

    fn verify(&self, console: &Console, token: &str) -> Option<RequestContext> {
        let ip = self.who.ip.map(|ip| ip.to_string());
        let agent = self
            .who
            .user_agent
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        RequestContext::verify(&console.gateway.verifier, token, ip, agent).ok()
    }

    /// Where a visitor who is not signed in goes.
    pub fn login_page(&self) -> Response {
        Redirect::to(&format!("{}/login", self.base)).into_response()
    }
}

impl FromRequestParts<Console> for Visit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &Console) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

/// A page for signed-in visitors only; anyone else is sent to the org's login page.
pub struct Signed {
    pub visit: Visit,
    pub ctx: RequestContext,
}

impl FromRequestParts<Console> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, console: &Console) -> Result<Self, Response> {
        let mut visit = Visit::of(parts);
        match visit.session(console).await {
            Some(ctx) => Ok(Self { visit, ctx }),
            None => Err(visit.login_page()),
        }
    }
}

/// A form posted by one of the console's own pages: same-site, with the visitor's CSRF
/// token. Anything else is refused (403) before the form is read.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Console> for Form<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, _: &Console) -> Result<Self, PageError> {
        let headers = request.headers().clone();
        let method = request.method().clone();
        if !same_site(&method, &headers) {
            return Err(PageError::CrossSite);
        }
        let bytes = axum::body::to_bytes(request.into_body(), super::state::MAX_FORM_BYTES)
            .await
            .map_err(|_| PageError::bad_input("the form is too large"))?;
        #[derive(serde::Deserialize)]
        struct Csrf {
            #[serde(default)]
            csrf: String,
        }
        let sent = serde_urlencoded::from_bytes::<Csrf>(&bytes)
            .map(|c| c.csrf)
            .unwrap_or_default();
        check_form(&method, &headers, &sent)?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| PageError::bad_input(format!("the form does not fit: {e}")))
    }
}

/// Whether a form came from the console's own page: sent from this site, carrying the
/// visitor's CSRF token (`sent`).
pub fn check_form(method: &Method, headers: &HeaderMap, sent: &str) -> Result<(), PageError> {
    let expected = cookies(headers).remove(CSRF).unwrap_or_default();
    if !same_site(method, headers)
        || expected.len() != CSRF_LEN
        || !constant_time_eq(sent.as_bytes(), expected.as_bytes())
    {
        return Err(PageError::CrossSite);
    }
    Ok(())
}

/// A form that carries nothing but its CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// Whether a state-changing request comes from a page of this site: browsers name the
/// site that sent it (`Sec-Fetch-Site`) and its origin (`Origin`); either naming another
/// site refuses it.
fn same_site(method: &Method, headers: &HeaderMap) -> bool {
    if method == Method::GET || method == Method::HEAD {
        return true;
    }
    let fetch_site_ok = headers
        .get("sec-fetch-site")
        .is_none_or(|v| v == "same-origin" || v == "none");
    let origin_ok = match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .is_some_and(|(_, rest)| rest.as_bytes() == host.as_bytes()),
        (Some(_), None) => false,
    };
    fetch_site_ok && origin_ok
}

fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some((name.to_owned(), value.to_owned()))
        })
        .fold(HashMap::new(), |mut all, (name, value)| {
            // The most specific path comes first: keep it.
            all.entry(name).or_insert(value);
            all
        })
}

#[cfg(test)]
mod tests;
