//! The web console in a real browser: headless Chromium, driven through chromedriver. An
//! MSP administrator signs in, adds a client org and its first user; that user signs in at
//! the org's own URL (accepting its legal notice), chooses their own password, adds a
//! resource and an account, imports a CSV file watching its progress, reveals a password
//! (which the trail then shows) and exports. A user of another org gets the same 404 as
//! for an org that does not exist, and forms from anywhere but the console's own pages are
//! refused. axe-core checks every page shown; screenshots of the main pages are saved.
//!
//! Needs Debian's `chromium` and `chromium-driver` and axe-core (`.ci/services` installs
//! them all).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, COOKIE, HeaderMap, SET_COOKIE};
use serde_json::json;
use strongroom_testkit::{CHROMIUM, CHROMIUM_ARGS, Chromedriver};
use thirtyfour::prelude::*;

use crate::api::{Api, Org};
use crate::stack::{ADMIN_PASSWORD, Stack};

/// How long a page may take to show what the test waits for: generous, since this
/// machine may be slow and busy.
const DEADLINE: Duration = Duration::from_secs(120);

/// The axe-core build `.ci/services` fetches.
fn axe_script() -> String {
    let path = std::env::var("STRONGROOM_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/strongroom/axe-core-4.14.1/axe.min.js")
        });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run .ci/services)", path.display()))
}

/// Where the run keeps its screenshots: `$CARGO_TARGET_DIR/console-screenshots`.
fn screenshot_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Browser {
    driver: Arc<WebDriver>,
    /// Where the browser saves downloads.
    downloads: tempfile::TempDir,
    base: String,
    axe: String,
    shots: PathBuf,
    /// Pages axe checked, for the report at the end.
    checked: std::sync::Mutex<Vec<String>>,
    _profile: tempfile::TempDir,
    _chromedriver: Chromedriver,
}

impl Browser {
    async fn open(stack: &Stack) -> Browser {
        let chromedriver = Chromedriver::start().unwrap();
        let profile = tempfile::tempdir().unwrap();
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).unwrap();
        for arg in CHROMIUM_ARGS {
            caps.add_arg(arg).unwrap();
        }
        caps.add_arg("--window-size=1280,900").unwrap();
        let downloads = tempfile::tempdir().unwrap();
        caps.add_experimental_option(
            "prefs",
            json!({"download.default_directory": downloads.path(),
                   "download.prompt_for_download": false}),
        )
        .unwrap();
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
            .unwrap();
        let driver = WebDriver::new(chromedriver.url(), caps).await.unwrap();
        Browser {
            driver: Arc::new(driver),
            downloads,
            base: stack.base_url.clone(),
            axe: axe_script(),
            shots: screenshot_dir(),
            checked: Default::default(),
            _profile: profile,
            _chromedriver: chromedriver,
        }
    }

    async fn go(&self, path: &str) {
        self.driver
            .goto(format!("{}{path}", self.base))
            .await
            .unwrap();
        self.check().await;
    }

    /// The address shown, without scheme and host.
    async fn path(&self) -> String {
        let url = self.driver.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Runs axe-core in the page shown: no serious or critical violation.
    async fn check(&self) {
        let path = self.path().await;
        self.driver.execute(&self.axe, Vec::new()).await.unwrap();
        let found = self
            .driver
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ' (' + v.impact + '): ' +
                          v.nodes.map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                Vec::new(),
            )
            .await
            .unwrap();
        let violations: Vec<String> = found.convert().unwrap();
        assert!(violations.is_empty(), "{path}: {violations:#?}");
        self.checked.lock().unwrap().push(path);
    }

    async fn shot(&self, name: &str) {
        self.driver
            .screenshot(&self.shots.join(format!("{name}.png")))
            .await
            .unwrap();
    }

    async fn fill(&self, id: &str, text: &str) {
        let field = self.driver.find(By::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn choose(&self, id: &str, value: &str) {
        self.driver
            .find(By::Css(format!("#{id} option[value='{value}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Clicks `css` (a submit button) and waits for the next page, which axe checks.
    async fn submit(&self, css: &str) {
        self.click_through(css, false).await;
    }

    /// Clicks `css` (a submit button of a form that asks first), accepts the question, and
    /// waits for the next page, which axe checks.
    async fn submit_confirmed(&self, css: &str) {
        self.click_through(css, true).await;
    }

    async fn click_through(&self, css: &str, confirm: bool) {
        let before = self.driver.find(By::Css("html")).await.unwrap();
        self.driver
            .find(By::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let until = Instant::now() + DEADLINE;
        while confirm && self.driver.accept_alert().await.is_err() {
            assert!(
                Instant::now() < until,
                "no question came after clicking {css}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The old page's element goes stale once the next page has loaded.
        while before.tag_name().await.is_ok() {
            assert!(Instant::now() < until, "no page came after clicking {css}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.check().await;
    }

    /// Follows the link named `text` to a page under `prefix`, which axe checks.
    async fn follow(&self, text: &str, prefix: &str) {
        self.driver
            .find(By::LinkText(text))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_path(self, prefix).await;
        self.check().await;
    }

    /// The value of the field `id`; a page without it fails saying which page it was and
    /// what it said.
    async fn value(&self, id: &str) -> Option<String> {
        let Ok(field) = self.driver.find(By::Id(id)).await else {
            panic!("no #{id} on {}: {}", self.path().await, self.text().await);
        };
        field.prop("value").await.unwrap()
    }

    async fn text(&self) -> String {
        self.driver
            .find(By::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn title(&self) -> String {
        self.driver.title().await.unwrap()
    }

    async fn cookie(&self, name: &str) -> String {
        self.driver.get_named_cookie(name).await.unwrap().value
    }

    async fn sign_in(&self, prefix: &str, username: &str, password: &str, accept: bool) {
        self.go(&format!("{prefix}/login")).await;
        self.fill("username", username).await;
        self.fill("password", password).await;
        if accept {
            self.driver
                .find(By::Name("accept_legal"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
        self.submit("form[action$='/login'] button[type=submit]")
            .await;
    }
}

/// Waits until the address starts with `prefix` (a link was followed).
async fn wait_for_path(browser: &Browser, prefix: &str) {
    let until = Instant::now() + DEADLINE;
    while !browser.path().await.starts_with(prefix) {
        assert!(Instant::now() < until, "never reached {prefix}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A form post from outside the browser, with the visitor's cookies.
async fn post_form(
    stack: &Stack,
    path: &str,
    cookies: &str,
    form: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let mut request = stack
        .http
        .post(format!("{}{path}", stack.base_url))
        .header(COOKIE, cookies)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded_form(form));
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn serde_urlencoded_form(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| {
            let enc = |s: &str| {
                s.bytes()
                    .map(|b| match b {
                        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_msp_and_its_client_work_in_the_browser() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let browser = Browser::open(&stack).await;

    // MSPOrg's administrator signs in at `/`.
    browser.sign_in("", "admin", ADMIN_PASSWORD, false).await;
    assert_eq!(browser.path().await, "/", "{}", browser.text().await);
    browser.shot("dashboard").await;

    // Adds a client org.
    browser.go("/orgs").await;
    browser.fill("org-name", "Console Co").await;
    browser.fill("slug", "consoleco").await;
    browser.fill("org-department", "Retail").await;
    browser.submit("#add-org button[type=submit]").await;
    let text = browser.text().await;
    assert!(text.contains("its console is at /consoleco/"), "{text}");
    assert!(text.contains("Console Co"), "{text}");
    browser.shot("orgs").await;

    // Opens it with the org selector, without signing in again, and adds its first user.
    browser.go("/").await;
    browser.choose("org", "consoleco").await;
    browser.submit("form.switch button[type=submit]").await;
    assert_eq!(browser.path().await, "/consoleco/");
    browser.go("/consoleco/users").await;
    browser.fill("new-username", "carol").await;
    browser.fill("full_name", "Carol Client").await;
    browser.fill("email", "carol@consoleco.test").await;
    browser.choose("role", "administrator").await;
    browser.fill("new-password", "one-time-Carol-1").await;
    browser.submit("#add-user button[type=submit]").await;
    let text = browser.text().await;
    assert!(
        text.contains("carol is added"),
        "{} {text}",
        browser.path().await
    );
    assert!(text.contains("carol@consoleco.test"), "{text}");
    browser.shot("users").await;

    // The org's login page says who it is: its text and a legal notice to accept.
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let (s, b) = api
        .put(
            "/consoleco/api/v1/settings/branding",
            Some(&msp),
            json!({"login_text": "Console Co staff only",
                   "legal_banner": {"enabled": true, "text": "Authorised use only.",
                                    "requires_acceptance": true},
                   "privacy_banner": {"enabled": true, "text": "Every sign-in is recorded.",
                                      "button_label": "OK"}}),
        )
        .await;
    assert!(s.is_success(), "{s} {b}");

    // Signing out of the client org as MSP staff ends MSPOrg's session.
    browser
        .submit("form[action='/consoleco/logout'] button")
        .await;
    browser.go("/").await;
    assert_eq!(browser.path().await, "/login");

    // The client user signs in at the org's URL: the one-time password leads to choosing
    // their own.
    browser
        .sign_in("/consoleco", "carol", "one-time-Carol-1", true)
        .await;
    let text = browser.text().await;
    assert!(text.contains("Choose a new password"), "{text}");
    assert!(
        text.contains("change-password") || text.contains("administrator"),
        "{text}"
    );
    browser.fill("current_password", "one-time-Carol-1").await;
    browser.fill("new_password", "Carol-own-password-9").await;
    browser
        .fill("confirm_password", "Carol-own-password-9")
        .await;
    browser
        .submit("form[action='/consoleco/password'] button[type=submit]")
        .await;
    assert_eq!(browser.path().await, "/consoleco/login?changed=true");
    let text = browser.text().await;
    assert!(text.contains("Console Co staff only"), "{text}");
    assert!(text.contains("Authorised use only."), "{text}");
    assert!(text.contains("Every sign-in is recorded."), "{text}");
    browser.shot("login").await;
    browser
        .sign_in("/consoleco", "carol", "Carol-own-password-9", true)
        .await;
    assert_eq!(browser.path().await, "/consoleco/");

    // Adds a resource and an account.
    browser.go("/consoleco/resources/new").await;
    browser.fill("name", "web01").await;
    browser.fill("type", "Linux").await;
    browser.fill("host", "web01.consoleco.test").await;
    browser
        .submit("form[action='/consoleco/resources/new'] button[type=submit]")
        .await;
    assert!(browser.path().await.starts_with("/consoleco/resources/"));
    browser.fill("username", "root").await;
    browser.fill("password", "Web01-root-secret!").await;
    browser.fill("notes", "break-glass").await;
    browser
        .submit("form[action$='/accounts'] button[type=submit]")
        .await;
    let resource_page = browser.path().await;
    let text = browser.text().await;
    assert!(
        text.contains("root") && text.contains("break-glass"),
        "{text}"
    );
    assert!(!text.contains("Web01-root-secret!"), "{text}");
    browser.shot("resource").await;

    // Imports a CSV file and watches it run to its end.
    let rows = 40;
    let mut csv = String::from("resource_name,type,host,username,password\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "db{i:02},PostgreSQL,db{i:02}.consoleco.test,postgres,Db-{i:02}-pw\n"
        ));
    }
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), &csv).unwrap();
    browser.go("/consoleco/imports").await;
    browser
        .driver
        .find(By::Id("file"))
        .await
        .unwrap()
        .send_keys(file.path().display().to_string())
        .await
        .unwrap();
    browser.choose("format", "csv").await;
    browser
        .submit("form[action='/consoleco/imports'] button[type=submit]")
        .await;
    assert!(browser.path().await.starts_with("/consoleco/imports/"));
    let until = Instant::now() + DEADLINE;
    let status = loop {
        // The page fetches its progress each second while the import runs and shows it in
        // place: a lookup may meet the part being replaced.
        let shown = match browser.driver.find(By::Css(".import-status")).await {
            Ok(status) => status.attr("data-status").await.ok().flatten(),
            Err(_) => None,
        };
        if let Some(s) = shown.filter(|s| s != "running") {
            break s;
        }
        assert!(Instant::now() < until, "the import did not end");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status, "completed");
    browser.check().await;
    let text = browser.text().await;
    assert!(
        text.contains(&format!("{rows} of {rows} rows"))
            && text.contains(&format!("{rows} created")),
        "{text}"
    );
    let progress = browser.driver.find(By::Id("progress")).await.unwrap();
    assert_eq!(progress.attr("value").await.unwrap().as_deref(), Some("40"));
    browser.shot("import").await;

    // The list finds them: 41 resources, paged 50 at a time; a search narrows it.
    browser.go("/consoleco/resources?q=db1").await;
    let text = browser.text().await;
    assert!(text.contains("10 resources"), "{text}");
    browser.go("/consoleco/resources").await;
    assert!(browser.text().await.contains("41 resources"));
    browser.shot("resources").await;

    // Reveals the password with a reason; the trail shows the reveal.
    browser.go(&resource_page).await;
    browser
        .fill(
            &browser
                .driver
                .find(By::Css("form.reveal input[name=reason]"))
                .await
                .unwrap()
                .id()
                .await
                .unwrap()
                .unwrap(),
            "checking the console",
        )
        .await;
    browser.submit("form.reveal button[type=submit]").await;
    let shown = browser.value("revealed").await;
    assert_eq!(shown.as_deref(), Some("Web01-root-secret!"));
    assert!(browser.text().await.contains("checking the console"));
    browser.shot("reveal").await;
    browser
        .go("/consoleco/audit?operation=password.revealed")
        .await;
    let text = browser.text().await;
    assert!(
        text.contains("password.revealed") && text.contains("carol"),
        "{text}"
    );
    assert!(text.contains("checking the console"), "{text}");
    browser.shot("audit").await;
    // A malformed filter is refused with its reason.
    browser.go("/consoleco/audit?since=yesterday").await;
    let text = browser.text().await;
    assert!(text.contains("since must be a time"), "{text}");

    // Exports, with the browser's session and form token.
    let session = format!(
        "sr_org={}; sr_csrf={}",
        browser.cookie("sr_org").await,
        browser.cookie("sr_csrf").await
    );
    let csrf = browser.cookie("sr_csrf").await;
    let (s, headers, body) = post_form(
        &stack,
        "/consoleco/export",
        &session,
        &[("csrf", &csrf), ("format", "csv")],
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert!(body.contains("web01") && body.contains("Web01-root-secret!"));
    assert!(body.contains("db39") && body.contains("Db-39-pw"));

    // The same in the browser: the file is downloaded.
    browser.go("/consoleco/export").await;
    browser.choose("format", "csv").await;
    browser
        .driver
        .find(By::Css(
            "form[action='/consoleco/export'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let until = Instant::now() + DEADLINE;
    let file = loop {
        let done = std::fs::read_dir(browser.downloads.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "csv"));
        if let Some(file) = done {
            break file;
        }
        assert!(Instant::now() < until, "no export was downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let downloaded = std::fs::read_to_string(&file).unwrap();
    assert!(downloaded.contains("Web01-root-secret!") && downloaded.contains("db00"));

    // A password from a policy.
    browser.go("/consoleco/policies").await;
    browser
        .submit("form[action='/consoleco/policies/strong/generate'] button[type=submit]")
        .await;
    let generated = browser.value("generated").await.unwrap_or_default();
    assert!(generated.len() >= 12, "{generated}");
    browser.shot("policies").await;

    // A form without the token, or sent from another site, is refused and does nothing.
    let probe = [("name", "csrf-probe"), ("type", "Linux")];
    let (s, _, _) = post_form(&stack, "/consoleco/resources/new", &session, &probe, &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let with_token = [
        ("csrf", csrf.as_str()),
        ("name", "csrf-probe"),
        ("type", "Linux"),
    ];
    for extra in [
        [("origin", "https://evil.example")],
        [("sec-fetch-site", "cross-site")],
    ] {
        let (s, _, _) = post_form(
            &stack,
            "/consoleco/resources/new",
            &session,
            &with_token,
            &extra,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{extra:?}");
    }
    let wrong = [
        ("csrf", "A".repeat(43)),
        ("name", "csrf-probe".into()),
        ("type", "Linux".into()),
    ];
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, _) = post_form(&stack, "/consoleco/resources/new", &session, &wrong, &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let carol_login = api
        .login_reply("/consoleco", "carol", "Carol-own-password-9")
        .await;
    let carol = carol_login["token"].as_str().unwrap().to_owned();
    let carol_id = carol_login["user_id"].as_str().unwrap().to_owned();
    // The audit page's filters are the API's, over the whole trail.
    // From yesterday, so a run across midnight (UTC) finds them too.
    let yesterday = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let (s, b) = api
        .get(
            &format!(
                "/consoleco/api/v1/audit?operation=REVEALED&user=caro&target=web01&since={yesterday}"
            ),
            Some(&carol),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let events = b["events"].as_array().unwrap();
    assert!(!events.is_empty(), "{b}");
    assert!(
        events.iter().all(|e| e["operation"] == "password.revealed"),
        "{b}"
    );
    let (s, b) = api
        .get("/consoleco/api/v1/audit?until=2026-01-01", Some(&carol))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        b["events"],
        json!([]),
        "nothing happened before the org existed"
    );
    let (_, found) = api
        .get("/consoleco/api/v1/resources?q=csrf-probe", Some(&carol))
        .await;
    assert_eq!(found["total"], 0, "{found}");

    // Every page: a strict policy, never cached, never framed; cookies the page's scripts
    // cannot read, sent by this site only.
    let r = stack
        .http
        .get(format!("{}/consoleco/login", stack.base_url))
        .send()
        .await
        .unwrap();
    let csp = r.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    let set_cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    // Plain HTTP is for loopback only: behind TLS (or from anywhere else) cookies are Secure.
    let r = stack
        .http
        .get(format!("{}/consoleco/login", stack.base_url))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );

    // The account's page: a generated password becomes version 2, with its reason.
    browser.go(&resource_page).await;
    browser.follow("root", "/consoleco/accounts/").await;
    let account_page = browser.path().await;
    browser
        .driver
        .find(By::Name("generate"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .fill("change-reason", "rotated from the console")
        .await;
    browser.submit("#change-password button[type=submit]").await;
    let text = browser.text().await;
    assert!(text.contains("version 2 is current"), "{text}");
    assert!(text.contains("rotated from the console"), "{text}");
    browser.shot("account").await;
    // The first version, revealed with a reason, then made current again.
    browser
        .fill("version-reason-1", "checking the old one")
        .await;
    browser
        .submit("form[action$='/versions/1'] button[value=reveal]")
        .await;
    let old = browser.value("revealed").await;
    assert_eq!(old.as_deref(), Some("Web01-root-secret!"));
    browser.go(&account_page).await;
    browser.fill("version-reason-1", "back to the first").await;
    browser
        .submit("form[action$='/versions/1'] button[value=revert]")
        .await;
    let text = browser.text().await;
    assert!(
        text.contains("Version 1 is current again, as version 3"),
        "{text}"
    );

    // Editing a resource.
    browser.go(&format!("{resource_page}/edit")).await;
    browser.fill("description", "front web server").await;
    browser.submit("#edit-resource button[type=submit]").await;
    assert_eq!(browser.path().await, resource_page);
    assert!(browser.text().await.contains("front web server"));

    // The org's settings, saved part by part.
    browser.go("/consoleco/settings").await;
    browser.fill("min_length", "14").await;
    browser
        .submit("form[action='/consoleco/settings/login'] button[type=submit]")
        .await;
    assert!(
        browser
            .text()
            .await
            .contains("password, lockout and session rules are saved")
    );
    let (_, rules) = api
        .get("/consoleco/api/v1/settings/login", Some(&carol))
        .await;
    assert_eq!(rules["min_length"], 14, "{rules}");
    browser.shot("settings").await;
    // Every share of the org for use without seeing: the box unticked and saved.
    browser
        .driver
        .find(By::Css("input[name=shares_show_plaintext]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .submit("form[action='/consoleco/settings/sharing'] button[type=submit]")
        .await;
    assert!(browser.text().await.contains("sharing settings are saved"));
    let (_, sharing) = api
        .get("/consoleco/api/v1/sharing-settings", Some(&carol))
        .await;
    assert_eq!(sharing["shares_show_plaintext"], false, "{sharing}");
    // The mail log, from the settings: the welcomes of the users made here wait for a mail
    // server.
    browser
        .follow("Mail log", "/consoleco/settings/mail-log")
        .await;
    let log = browser.text().await;
    assert!(log.contains("Your Strongroom account"), "{log}");
    browser.shot("mail-log").await;
    browser.go("/consoleco/settings").await;
    // The ticketing system, from its own page: saved (off for now), and a ticket tried.
    stack
        .dns
        .set("helpdesk.consoleco.test", &["192.0.2.10".parse().unwrap()]);
    browser
        .follow("Ticketing system", "/consoleco/settings/ticketing")
        .await;
    browser
        .fill(
            "ticket-url",
            "https://helpdesk.consoleco.test/api/tickets/{ticket_id}",
        )
        .await;
    browser.fill("ticket-expected", "\"status\":\"open\"").await;
    browser.fill("ticket-username", "pmp").await;
    browser.fill("ticket-password", "helpdesk-secret").await;
    browser.submit("#ticketing button[type=submit]").await;
    assert!(
        browser.text().await.contains("ticketing system is saved"),
        "{}",
        browser.text().await
    );
    let (_, ticketing) = api
        .get("/consoleco/api/v1/settings/ticketing", Some(&carol))
        .await;
    assert_eq!(
        (
            ticketing["password_set"].clone(),
            ticketing["check_on_request"].clone()
        ),
        (json!(true), json!(true)),
        "{ticketing}"
    );
    assert_eq!(
        browser.value("ticket-password").await.unwrap_or_default(),
        "",
        "a stored password is never put back in the page"
    );
    browser.fill("try-ticket", "CHG/1").await;
    browser
        .submit("form[action='/consoleco/settings/ticketing/check'] button[type=submit]")
        .await;
    let tried = browser.text().await;
    assert!(
        tried.contains("CHG/1 is not valid") && tried.contains("letters, digits"),
        "{tried}"
    );
    browser.shot("ticketing").await;

    // An API key is shown once, on the page that made it.
    browser.go("/consoleco/keys").await;
    browser.fill("key-name", "backup job").await;
    browser.submit("#add-key button[type=submit]").await;
    let key = browser.value("new-key").await.unwrap_or_default();
    assert!(key.starts_with("srk_"), "{key}");
    let (s, _) = api
        .get("/consoleco/api/v1/resources?limit=1", Some(&key))
        .await;
    assert_eq!(s, StatusCode::OK);
    browser.go("/consoleco/keys").await;
    assert!(!browser.driver.source().await.unwrap().contains(&key));

    // Groups, roles, users, sessions, approvals and the MSP's access each have a page.
    browser.go("/consoleco/groups").await;
    browser.fill("group-name", "Operations").await;
    browser.submit("#add-group button[type=submit]").await;
    browser.follow("Operations", "/consoleco/groups/").await;
    browser.choose("user_id", &carol_id).await;
    browser.submit("#add-member button[type=submit]").await;
    let text = browser.text().await;
    assert!(
        text.contains("Added.") && text.contains("Carol Client"),
        "{text}"
    );
    browser.go("/consoleco/roles").await;
    browser.go("/consoleco/sessions").await;
    assert!(browser.text().await.contains("(this one)"));
    browser.go("/consoleco/approvals").await;
    browser.go("/consoleco/msp-access").await;
    browser.go("/consoleco/directory").await;
    browser.go("/consoleco/personal").await;
    browser
        .fill("new-passphrase", "carol's own personal passphrase")
        .await;
    browser.submit("#personal-setup button[type=submit]").await;
    browser
        .fill("passphrase", "carol's own personal passphrase")
        .await;
    browser.submit("#personal-unlock button[type=submit]").await;
    browser.fill("title", "home router").await;
    browser.fill("entry-password", "Router-pw-77").await;
    browser.submit("#personal-add button[type=submit]").await;
    assert!(
        browser
            .driver
            .source()
            .await
            .unwrap()
            .contains("Router-pw-77")
    );
    browser
        .submit("form[action='/consoleco/personal/lock'] button")
        .await;
    assert!(
        !browser
            .driver
            .source()
            .await
            .unwrap()
            .contains("Router-pw-77")
    );
    browser.go("/consoleco/policies").await;
    browser.go(&resource_page).await;
    browser.submit("form[action$='/favourite'] button").await;
    browser.go("/consoleco/").await;
    assert!(
        browser.text().await.contains("web01"),
        "the home page's favourites"
    );
    let (s, b) = api
        .post(
            "/consoleco/api/v1/resource-groups",
            Some(&carol),
            json!({"name": "Databases", "criteria": {"conditions": [
                {"field": "type", "operator": "equals", "value": "PostgreSQL"}]}}),
        )
        .await;
    assert!(s.is_success(), "{s} {b}");
    browser.go("/consoleco/resources").await;
    browser
        .follow("Databases", "/consoleco/resources?group_id=")
        .await;
    assert!(browser.text().await.contains("40 resources"));

    // Resource groups have their own pages: a static group gets web01 from its page, a
    // dynamic one is made from the form's conditions.
    browser.go("/consoleco/resources/groups").await;
    browser.fill("group-name", "Web servers").await;
    browser.submit("#group-form button[type=submit]").await;
    assert!(
        browser
            .path()
            .await
            .starts_with("/consoleco/resources/groups/")
    );
    let group_page = browser.path().await;
    browser.go(&resource_page).await;
    browser.submit("#add-to-group button[type=submit]").await;
    assert!(browser.text().await.contains("Added to the group."));
    browser.go(&group_page).await;
    let text = browser.text().await;
    assert!(
        text.contains("1 resource.") && text.contains("web01"),
        "{text}"
    );
    browser.go(&format!("{group_page}/report")).await;
    let text = browser.text().await;
    assert!(text.contains("Linux"), "{text}");
    // Its password-action notifications: reveals mailed to the passwords' owners.
    browser.go(&format!("{group_page}/notifications")).await;
    for choice in [
        "input[name=action][value=access]",
        "input[name=to][value=owners]",
    ] {
        browser
            .driver
            .find(By::Css(choice))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    browser.submit("#notifications button[type=submit]").await;
    let text = browser.text().await;
    assert!(
        text.contains("Saved: the actions chosen are mailed"),
        "{text}"
    );
    let group_id = group_page.rsplit('/').next().unwrap().to_owned();
    let (s, b) = api
        .get(
            &format!("/consoleco/api/v1/resource-groups/{group_id}/notifications"),
            Some(&carol),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        (b["actions"].clone(), b["to_owners"].clone()),
        (json!(["access"]), json!(true)),
        "{b}"
    );
    browser.go("/consoleco/resources/groups").await;
    browser.fill("group-name", "Linux boxes").await;
    browser
        .driver
        .find(By::Css("#group-form input[value=dynamic]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.choose("field-1", "type").await;
    browser.choose("operator-1", "equals").await;
    browser.fill("value-1", "Linux").await;
    browser.submit("#group-form button[type=submit]").await;
    let text = browser.text().await;
    assert!(
        text.contains("Linux boxes (dynamic)") && text.contains("1 resource."),
        "{text}"
    );
    browser.shot("resource-group").await;

    // An account moves to another resource by its name, with its history.
    browser.go(&account_page).await;
    browser.fill("move-to", "db07").await;
    browser.submit("#move-account button[type=submit]").await;
    assert!(browser.text().await.contains("Moved to db07."));
    let (_, moved) = api
        .get(
            &format!(
                "/consoleco/api/v1{}",
                account_page.trim_start_matches("/consoleco")
            ),
            Some(&carol),
        )
        .await;
    assert_eq!(moved["resource_name"], "db07", "{moved}");

    // A custom role is edited on its own page.
    browser.go("/consoleco/roles").await;
    browser.fill("role-name", "Auditors lite").await;
    browser
        .driver
        .find(By::Css("#add-role input[value='audit.view']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.submit("#add-role button[type=submit]").await;
    browser.follow("Auditors lite", "/consoleco/roles/").await;
    browser.fill("role-description", "reads the trail").await;
    browser.submit("#edit-role button[type=submit]").await;
    assert!(browser.text().await.contains("Saved."));

    // Resource types, additional fields, data keys and export rules.
    browser.go("/consoleco/settings/fields").await;
    browser.fill("field-name", "asset_tag").await;
    browser
        .submit("#additional-field button[type=submit]")
        .await;
    assert!(
        browser
            .text()
            .await
            .contains("The field asset_tag is saved.")
    );
    browser.fill("type-name", "Badge reader").await;
    browser.fill("name-1", "zone").await;
    browser.submit("#resource-type button[type=submit]").await;
    assert!(
        browser
            .text()
            .await
            .contains("The type Badge reader is saved.")
    );
    browser.go("/consoleco/settings/data-keys").await;
    browser.fill("every-days", "90").await;
    browser.submit("#key-schedule button[type=submit]").await;
    assert!(browser.text().await.contains("The next rotation is due"));
    browser
        .submit_confirmed("form[action='/consoleco/settings/data-keys/rotate'] button")
        .await;
    assert!(
        browser
            .text()
            .await
            .contains("Rotation to data key version 2 started.")
    );
    browser.go("/consoleco/export/rules").await;
    browser.submit("#export-rule button[type=submit]").await;
    assert!(browser.text().await.contains("The rule is saved."));

    // Users come from a CSV file too, with the outcome row by row.
    let users = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(
        users.path(),
        "username,email\ndave,dave@consoleco.test\nbad name,x\n",
    )
    .unwrap();
    browser.go("/consoleco/users/import").await;
    browser
        .driver
        .find(By::Id("users-file"))
        .await
        .unwrap()
        .send_keys(users.path().to_str().unwrap())
        .await
        .unwrap();
    browser.submit("#import-users button[type=submit]").await;
    let text = browser.text().await;
    assert!(text.contains("1 added, 0 skipped, 1 rejected"), "{text}");

    // The personal passphrase changes, and the store opens with the new one only.
    browser.go("/consoleco/personal").await;
    browser
        .fill("current-passphrase", "carol's own personal passphrase")
        .await;
    browser
        .fill("changed-passphrase", "carol's newer personal passphrase")
        .await;
    browser
        .submit("#personal-passphrase button[type=submit]")
        .await;
    assert!(browser.text().await.contains("Your passphrase is changed"));
    browser
        .fill("passphrase", "carol's newer personal passphrase")
        .await;
    browser.submit("#personal-unlock button[type=submit]").await;
    assert!(browser.text().await.contains("home router"));

    browser.go("/consoleco/users").await;
    browser.follow("carol", "/consoleco/users/").await;

    // A user of another org: the same 404 at this org's pages as at an org that does not
    // exist.
    let other = Org::create(&api, "otherco").await;
    for path in ["/consoleco/resources", "/consoleco/users"] {
        let mut answers = Vec::new();
        for page in [path.to_owned(), path.replace("consoleco", "nosuchorg")] {
            let r = stack
                .http
                .get(format!("{}{page}", stack.base_url))
                .header(COOKIE, format!("sr_org={}", other.admin))
                .send()
                .await
                .unwrap();
            answers.push((r.status(), r.text().await.unwrap()));
        }
        assert_eq!(answers[0].0, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answers[0], answers[1], "{path}");
    }
    let mut cookie = thirtyfour::Cookie::new("sr_org", other.admin.clone());
    cookie.set_path("/consoleco/");
    browser.driver.add_cookie(cookie).await.unwrap();
    browser.go("/consoleco/resources").await;
    assert!(browser.title().await.starts_with("Not found"));

    // At phone width the list still reads and passes the check.
    browser
        .driver
        .set_window_rect(0, 0, 390, 844)
        .await
        .unwrap();
    browser.driver.delete_all_cookies().await.unwrap();
    browser
        .sign_in("/consoleco", "carol", "Carol-own-password-9", true)
        .await;
    browser.go("/consoleco/resources").await;
    browser.shot("resources-phone").await;

    // MSPOrg's pages for an org and for the grants into client orgs.
    browser
        .driver
        .set_window_rect(0, 0, 1280, 900)
        .await
        .unwrap();
    browser.sign_in("", "admin", ADMIN_PASSWORD, false).await;
    browser.go("/orgs").await;
    browser.follow("Console Co", "/orgs/").await;
    assert!(browser.text().await.contains("carol"));
    browser.shot("org").await;
    browser.go("/access").await;
    browser.go("/approvals").await;
    browser.go("/orgs/replication").await;
    browser
        .submit("#save-replication button[type=submit]")
        .await;
    assert!(browser.text().await.contains("Saved"));
    browser.go("/orgs/import").await;
    browser
        .fill("text", "importco,Import Co,,Wholesale\nbad slug,Nope,,\n")
        .await;
    browser.submit("#import-orgs button[type=submit]").await;
    let text = browser.text().await;
    assert!(text.contains("1 created, 1 rejected"), "{text}");

    let checked = browser.checked.lock().unwrap().clone();
    println!(
        "axe found no serious or critical violation on {} pages: {checked:?}; screenshots in {}",
        checked.len(),
        browser.shots.display()
    );
    drop(browser);
    stack.stop().await.unwrap();
}

/// The MSP guide's flow in the browser: MSPOrg's administrator, working in a client org,
/// shares a resource there with a client user, who finds it under "Shared with me" and
/// reveals its password.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_msp_user_shares_a_client_resource_that_the_client_user_reveals() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "shareco").await;
    let (dora_id, dora_pw) = api
        .add_user(&org.prefix, &org.admin, "dora", "password_user")
        .await;
    let msp = api.login("", "admin", ADMIN_PASSWORD).await;
    let account = api
        .store_password(&org.prefix, &msp, "fw9", "admin", "Fw9-shared-secret!")
        .await;
    let (_, found) = api
        .get(&org.url(&format!("/accounts/{account}")), Some(&msp))
        .await;
    let resource = found["resource_id"].as_str().unwrap().to_owned();

    let browser = Browser::open(&stack).await;
    browser.sign_in("", "admin", ADMIN_PASSWORD, false).await;
    browser.go(&format!("/shareco/resources/{resource}")).await;
    browser.follow("Sharing", "/shareco/resources/").await;
    assert!(browser.text().await.contains("Shared with nobody."));
    browser.choose("grantee", &format!("user:{dora_id}")).await;
    browser.choose("level", "view").await;
    browser.submit("#share button[type=submit]").await;
    let text = browser.text().await;
    assert!(text.contains("Shared with dora at View access."), "{text}");
    browser.shot("sharing").await;
    drop(browser);

    let browser = Browser::open(&stack).await;
    browser.sign_in("/shareco", "dora", &dora_pw, false).await;
    browser.go("/shareco/shared-with-me").await;
    assert!(browser.text().await.contains("fw9"));
    browser.shot("shared-with-me").await;
    browser.follow("fw9", "/shareco/resources/").await;
    let reason = browser
        .driver
        .find(By::Css("form.reveal input[name=reason]"))
        .await
        .unwrap()
        .id()
        .await
        .unwrap()
        .unwrap();
    browser.fill(&reason, "shared by the MSP").await;
    browser.submit("form.reveal button[type=submit]").await;
    assert_eq!(
        browser.value("revealed").await.as_deref(),
        Some("Fw9-shared-secret!")
    );
    drop(browser);
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_approved_by_two_approvers_is_checked_out_and_revealed() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "wfco").await;
    let mut users = Vec::new();
    for (name, role) in [
        ("owen", "password_administrator"),
        ("rosa", "password_user"),
        ("lead", "password_user"),
        ("board", "password_user"),
    ] {
        let (uid, pw) = api.add_user(&org.prefix, &org.admin, name, role).await;
        users.push((uid, pw));
    }
    let [
        (_, owen_pw),
        (rosa_id, rosa_pw),
        (lead_id, lead_pw),
        (board_id, board_pw),
    ] = <[_; 4]>::try_from(users).unwrap();
    let mut groups = Vec::new();
    for (name, member) in [("DBA leads", &lead_id), ("Change board", &board_id)] {
        let (s, g) = api
            .post(&org.url("/groups"), Some(&org.admin), json!({"name": name}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{g}");
        let group = g["id"].as_str().unwrap().to_owned();
        let (s, b) = api
            .put(
                &org.url(&format!("/groups/{group}/members/{member}")),
                Some(&org.admin),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        groups.push(group);
    }
    let owen = api.login(&org.prefix, "owen", &owen_pw).await;
    let account = api
        .store_password(&org.prefix, &owen, "db7", "postgres", "Db7-checked-out!")
        .await;
    let (_, found) = api
        .get(&org.url(&format!("/accounts/{account}")), Some(&owen))
        .await;
    let resource = found["resource_id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post(
            &org.url(&format!("/resources/{resource}/shares")),
            Some(&owen),
            json!({"grantee_kind": "user", "grantee_id": rosa_id, "level": "view"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    // The owner turns access control on in the console: both groups must approve.
    let browser = Browser::open(&stack).await;
    browser.sign_in("/wfco", "owen", &owen_pw, false).await;
    browser.go(&format!("/wfco/resources/{resource}")).await;
    browser.follow("Access control", "/wfco/resources/").await;
    for group in &groups {
        browser
            .driver
            .find(By::Css(format!(
                "input[name=approver_group_ids][value='{group}']"
            )))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    browser.fill("max_checkout_minutes", "120").await;
    browser.submit("#access-control button[type=submit]").await;
    let text = browser.text().await;
    assert!(text.contains("Access control is on"), "{text}");
    assert!(
        text.contains("DBA leads") && text.contains("Change board"),
        "{text}"
    );
    browser.shot("access-control").await;
    drop(browser);

    // Rosa asks from the account's page and sees who may approve.
    let rosa = Browser::open(&stack).await;
    rosa.sign_in("/wfco", "rosa", &rosa_pw, false).await;
    rosa.go(&format!("/wfco/accounts/{account}")).await;
    let text = rosa.text().await;
    assert!(text.contains("under access control"), "{text}");
    rosa.fill("request-reason", "quarterly patching").await;
    rosa.fill("request-ticket", "CHG-42").await;
    rosa.fill("request-minutes", "30").await;
    rosa.submit("#request-access button[type=submit]").await;
    let text = rosa.text().await;
    assert!(
        text.contains("it needs one approval from a member of"),
        "{text}"
    );
    assert!(text.contains("waiting for approval"), "{text}");
    // The approvers are named: the members of each group.
    let who = rosa
        .driver
        .find(By::Css("#my-requests td[data-label='Who may approve']"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        who.contains("DBA leads: lead") && who.contains("Change board: board"),
        "{who}"
    );
    rosa.shot("requests-mine").await;

    // Each approver approves from the Requests page.
    for (name, pw) in [("lead", &lead_pw), ("board", &board_pw)] {
        let approver = Browser::open(&stack).await;
        approver.sign_in("/wfco", name, pw, false).await;
        approver.go("/wfco/access-requests").await;
        let text = approver.text().await;
        assert!(text.contains("quarterly patching"), "{name}: {text}");
        approver
            .submit("#to-approve form.decide button[value=approve]")
            .await;
        let text = approver.text().await;
        assert!(
            text.contains("rosa's request for db7/postgres is now"),
            "{name}: {text}"
        );
        if name == "lead" {
            assert!(text.contains("waiting for approval"), "{text}");
            approver.shot("requests-to-approve").await;
        } else {
            assert!(text.contains("is now approved"), "{text}");
        }
    }

    // Rosa checks out and reveals; after check-in her reveal is refused again.
    rosa.go("/wfco/access-requests").await;
    rosa.submit("#my-requests button[type=submit]").await;
    let text = rosa.text().await;
    assert!(text.contains("db7/postgres is yours until"), "{text}");
    rosa.go(&format!("/wfco/accounts/{account}")).await;
    rosa.fill("reveal-reason", "patching").await;
    rosa.submit("form.reveal button[type=submit]").await;
    assert_eq!(
        rosa.value("revealed").await.as_deref(),
        Some("Db7-checked-out!")
    );
    rosa.go("/wfco/access-requests").await;
    rosa.submit("#my-requests button[type=submit]").await;
    let text = rosa.text().await;
    assert!(text.contains("marked for reset"), "{text}");
    rosa.go(&format!("/wfco/accounts/{account}")).await;
    rosa.fill("reveal-reason", "again").await;
    rosa.submit("form.reveal button[type=submit]").await;
    let text = rosa.text().await;
    assert!(
        text.contains("under access control: request access"),
        "{text}"
    );
    drop(rosa);
    stack.stop().await.unwrap();
}
