//! Loading Strongroom: orgs with a password user and an API key, resources and accounts
//! through the REST API, and waiting for the loading's events to settle.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use strongroom_e2e::stack::{ADMIN_PASSWORD, Stack};

use crate::load::{Target, concurrently};

const USER_PASSWORD: &str = "bench-user-password-1";
const ACCOUNTS_PER_RESOURCE: usize = 100;

#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
}

impl Api {
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("user-agent", "strongroom-bench")
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.with_context(|| format!("POST {path}"))?;
        let status = resp.status();
        let text = resp.text().await.with_context(|| format!("POST {path}"))?;
        if !status.is_success() {
            bail!("POST {path} answered {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("POST {path} answered {text:?}"))
    }

    pub async fn put(&self, path: &str, token: &str) -> anyhow::Result<()> {
        let resp = self
            .http
            .put(format!("{}{path}", self.base))
            .header("user-agent", "strongroom-bench")
            .bearer_auth(token)
            .json(&json!({}))
            .send()
            .await
            .with_context(|| format!("PUT {path}"))?;
        let status = resp.status();
        if !status.is_success() {
            bail!("PUT {path} answered {status}: {}", resp.text().await?);
        }
        Ok(())
    }

    pub async fn post_field(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
        field: &str,
    ) -> anyhow::Result<String> {
        let v = self.post(path, token, body).await?;
        v[field]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("POST {path}: no {field:?} in {v}"))
    }

    pub async fn login(
        &self,
        prefix: &str,
        username: &str,
        password: &str,
    ) -> anyhow::Result<String> {
        self.post_field(
            &format!("{prefix}/api/v1/auth/login"),
            None,
            json!({ "username": username, "password": password }),
            "token",
        )
        .await
    }
}

pub struct Org {
    pub id: String,
    pub slug: String,
    pub key: String,
    pub accounts: Vec<String>,
    pub resources: Vec<String>,
}

impl Org {
    /// Every account's reveal with the owner's API key.
    pub fn targets(&self, base: &str) -> anyhow::Result<Vec<Target>> {
        self.targets_with(base, &self.key)
    }

    /// Every account's reveal with `key`.
    pub fn targets_with(&self, base: &str, key: &str) -> anyhow::Result<Vec<Target>> {
        self.accounts
            .iter()
            .map(|id| {
                Target::new(
                    format!("{base}/{}/api/v1/accounts/{id}/password", self.slug),
                    "authorization",
                    &format!("Bearer {key}"),
                )
            })
            .collect()
    }
}

/// A password user of `username` in the org, with an API key; their id, token and key.
async fn user_with_key(
    api: &Api,
    admin: &str,
    slug: &str,
    username: &str,
) -> anyhow::Result<(String, String, String)> {
    let one_time = format!("one-time-{USER_PASSWORD}");
    let id = api
        .post_field(
            &format!("/{slug}/api/v1/users"),
            Some(admin),
            json!({"username": username, "email": format!("{username}@example.test"),
                   "role": "password_user", "password": one_time}),
            "id",
        )
        .await?;
    strongroom_e2e::stack::choose_password(
        &api.http,
        &api.base,
        &format!("/{slug}"),
        username,
        &one_time,
        USER_PASSWORD,
    )
    .await?;
    let user = api
        .login(&format!("/{slug}"), username, USER_PASSWORD)
        .await?;
    let key = api
        .post_field(
            &format!("/{slug}/api/v1/api-keys"),
            Some(&user),
            json!({"name": "bench"}),
            "key",
        )
        .await?;
    Ok((id, user, key))
}

/// A second password user, in a user group every resource of the org is shared with at
/// View access by its owner (`owner`, a token); the user's API key.
pub async fn shared_reader(
    api: &Api,
    admin: &str,
    org: &Org,
    owner: &str,
) -> anyhow::Result<String> {
    let slug = &org.slug;
    let (reader, _, key) = user_with_key(api, admin, slug, "reader").await?;
    let group = api
        .post_field(
            &format!("/{slug}/api/v1/groups"),
            Some(admin),
            json!({"name": "readers"}),
            "id",
        )
        .await?;
    api.put(
        &format!("/{slug}/api/v1/groups/{group}/members/{reader}"),
        admin,
    )
    .await?;
    for resource in &org.resources {
        api.post(
            &format!("/{slug}/api/v1/resources/{resource}/shares"),
            Some(owner),
            json!({"grantee_kind": "user_group", "grantee_id": group, "level": "view"}),
        )
        .await?;
    }
    Ok(key)
}

/// An org with one password user holding an API key; returns the org and the user's token.
pub async fn org_with_key(api: &Api, admin: &str, slug: &str) -> anyhow::Result<(Org, String)> {
    let id = api
        .post_field(
            "/api/v1/orgs",
            Some(admin),
            json!({"slug": slug, "name": format!("Bench {slug}")}),
            "id",
        )
        .await?;
    let (_, user, key) = user_with_key(api, admin, slug, "bench").await?;
    let org = Org {
        id,
        slug: slug.to_owned(),
        key,
        accounts: Vec::new(),
        resources: Vec::new(),
    };
    Ok((org, user))
}

pub async fn create_resource(
    api: &Api,
    slug: &str,
    user: &str,
    r: usize,
) -> anyhow::Result<String> {
    api.post_field(
        &format!("/{slug}/api/v1/resources"),
        Some(user),
        json!({"name": format!("db{r}"), "type": "PostgreSQL", "host": format!("db{r}.bench.test")}),
        "id",
    )
    .await
}

pub async fn create_account(
    api: &Api,
    slug: &str,
    user: &str,
    resource: &str,
    i: usize,
) -> anyhow::Result<String> {
    api.post_field(
        &format!("/{slug}/api/v1/resources/{resource}/accounts"),
        Some(user),
        json!({"username": format!("user{i}"), "password": format!("pw-{i}-{}", uuid::Uuid::new_v4().simple())}),
        "id",
    )
    .await
}

/// One org with `accounts` accounts, created `concurrency` at a time; the org and its
/// user's token.
pub async fn setup_org(
    api: &Api,
    admin: &str,
    slug: &str,
    accounts: usize,
    concurrency: usize,
) -> anyhow::Result<(Org, String)> {
    let (mut org, user) = org_with_key(api, admin, slug).await?;
    let user = Arc::new(user);
    let slug = Arc::new(slug.to_owned());
    let resources = accounts.div_ceil(ACCOUNTS_PER_RESOURCE);
    let resources = Arc::new(
        concurrently(resources, concurrency, {
            let (api, slug, user) = (api.clone(), slug.clone(), user.clone());
            move |r| {
                let (api, slug, user) = (api.clone(), slug.clone(), user.clone());
                async move { create_resource(&api, &slug, &user, r).await }
            }
        })
        .await?,
    );
    org.accounts = concurrently(accounts, concurrency, {
        let (api, user, resources) = (api.clone(), user.clone(), resources.clone());
        move |i| {
            let (api, slug, user, resources) =
                (api.clone(), slug.clone(), user.clone(), resources.clone());
            async move {
                let resource = &resources[i / ACCOUNTS_PER_RESOURCE];
                create_account(&api, &slug, &user, resource, i).await
            }
        }
    })
    .await?;
    org.resources = resources.to_vec();
    Ok((org, user.to_string()))
}

/// One reveal with each org's API key, as the applications of a running deployment have
/// already made: the gateway then holds each key's token, as it does for the one-org
/// scenario's single key after its first request.
pub async fn use_each_key(
    api: &Api,
    orgs: &Arc<Vec<Org>>,
    concurrency: usize,
) -> anyhow::Result<()> {
    let (api, orgs) = (api.clone(), orgs.clone());
    concurrently(orgs.len(), concurrency, move |i| {
        let (api, orgs) = (api.clone(), orgs.clone());
        async move {
            let org = &orgs[i];
            let account = org.accounts.first().context("an org without accounts")?;
            let answer = api
                .http
                .get(format!(
                    "{}/{}/api/v1/accounts/{account}/password",
                    api.base, org.slug
                ))
                .bearer_auth(&org.key)
                .send()
                .await?;
            anyhow::ensure!(
                answer.status().is_success(),
                "a reveal in org {} answered {}",
                org.slug,
                answer.status()
            );
            Ok(())
        }
    })
    .await?;
    Ok(())
}

/// Waits until the loading's aftermath (the outbox relays of every creation, the audit
/// service appending them) has passed: the event stream's last sequence unchanged for
/// `SETTLED_FOR`, at most `SETTLE_AT_MOST`. Otherwise the first minutes of a measurement
/// after a large load measure the relays, not the reveals.
pub async fn settle(stack: &Stack) -> anyhow::Result<()> {
    const SETTLED_FOR: Duration = Duration::from_secs(3);
    const SETTLE_AT_MOST: Duration = Duration::from_secs(600);
    let js = strongroom_events::async_nats::jetstream::new(strongroom_testkit::nats_admin().await?);
    let name = stack.leftovers().stream;
    let started = Instant::now();
    let mut last = None;
    let mut since = Instant::now();
    loop {
        let mut stream = js
            .get_stream(&name)
            .await
            .with_context(|| format!("event stream {name}"))?;
        let sequence = stream.info().await?.state.last_sequence;
        if last != Some(sequence) {
            last = Some(sequence);
            since = Instant::now();
        } else if since.elapsed() >= SETTLED_FOR {
            eprintln!(
                "[bench] events settled at sequence {sequence} after {:.1}s",
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        if started.elapsed() >= SETTLE_AT_MOST {
            eprintln!(
                "[bench] events still moving after {SETTLE_AT_MOST:?} (sequence {sequence}); measuring anyway"
            );
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `orgs` orgs with `per_org` accounts each; orgs are set up `concurrency` at a time.
/// Each org is made with a fresh administrator token: loading a thousand orgs can take longer
/// than a token lives.
pub async fn setup_many_orgs(
    api: &Api,
    orgs: usize,
    per_org: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<Org>> {
    let api = api.clone();
    concurrently(orgs, concurrency, move |o| {
        let api = api.clone();
        async move {
            let slug = format!("spread{o}");
            let admin = api.login("", "admin", ADMIN_PASSWORD).await?;
            let (mut org, user) = org_with_key(&api, &admin, &slug).await?;
            let mut resource = String::new();
            for i in 0..per_org {
                if i % ACCOUNTS_PER_RESOURCE == 0 {
                    resource =
                        create_resource(&api, &slug, &user, i / ACCOUNTS_PER_RESOURCE).await?;
                }
                org.accounts
                    .push(create_account(&api, &slug, &user, &resource, i).await?);
            }
            Ok(org)
        }
    })
    .await
}
