//! The console as a browser uses it: cookies, the CSRF field, redirects not followed.

use std::collections::HashMap;

use anyhow::Context;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// The console as a browser uses it: cookies kept by name, redirects not followed.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

impl Browser {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: base.to_owned(),
            cookies: HashMap::new(),
        })
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let r = req.header(COOKIE, cookie).send().await?;
        for set in r.headers().get_all(SET_COOKIE) {
            let pair = set.to_str()?.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        Ok(r)
    }

    /// A page's HTML, which must answer 200.
    pub async fn page(&mut self, path: &str) -> anyhow::Result<String> {
        let req = self.http.get(format!("{}{path}", self.base));
        let r = self.send(req).await?;
        let status = r.status();
        let body = r.text().await?;
        anyhow::ensure!(status == StatusCode::OK, "{path}: {status}");
        // A refusal shown in a page that still answers 200 is no page either.
        anyhow::ensure!(!body.contains("role=\"alert\""), "{path} shows an error");
        Ok(body)
    }

    /// Where a redirecting page sends the browser.
    pub async fn redirect(&mut self, path: &str) -> anyhow::Result<String> {
        let req = self.http.get(format!("{}{path}", self.base));
        let r = self.send(req).await?;
        anyhow::ensure!(r.status().is_redirection(), "{path}: {}", r.status());
        Ok(r.headers()
            .get(LOCATION)
            .context("a redirect's location")?
            .to_str()?
            .to_owned())
    }

    /// Signs in through the org's login form.
    pub async fn sign_in(
        &mut self,
        prefix: &str,
        username: &str,
        password: &str,
    ) -> anyhow::Result<()> {
        self.page(&format!("{prefix}/login")).await?;
        let csrf = self
            .cookies
            .get("sr_csrf")
            .context("the CSRF cookie")?
            .clone();
        let form = [
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ];
        let req = self
            .http
            .post(format!("{}{prefix}/login", self.base))
            .header("origin", &self.base)
            .form(&form);
        let r = self.send(req).await?;
        anyhow::ensure!(
            r.status().is_redirection(),
            "signing in as {username}: {}",
            r.status()
        );
        Ok(())
    }
}
