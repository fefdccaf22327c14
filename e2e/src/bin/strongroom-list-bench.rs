//! On-demand benchmark: listing and searching an org of 10,000 resources and 50,000
//! accounts through the REST API, the goal being p99 < 200 ms for each request kind.
//!
//! Starts a whole Strongroom stack in this process, adds an org and its user through the
//! API, loads the resources and accounts straight into the org's schema
//! (`strongroom_e2e::big_org`), then times each request kind on one connection and on
//! eight. Run it with `.ci/bench-list`.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use serde_json::{Value, json};
use strongroom_e2e::stack::{ADMIN_PASSWORD, Stack};

#[derive(Parser, Debug)]
#[command(
    name = "strongroom-list-bench",
    about = "Listing and searching a large org"
)]
struct Args {
    /// Resources in the org (each with `--accounts` accounts).
    #[arg(long, default_value_t = 10_000)]
    resources: usize,
    #[arg(long, default_value_t = 5)]
    accounts: usize,
    /// Requests timed per kind and concurrency.
    #[arg(long, default_value_t = 200)]
    requests: usize,
}

const GOAL_MS: f64 = 200.0;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let stack = Stack::start_as_deployed(None).await?;
    let result = run(&stack, &args).await;
    stack.stop().await?;
    result
}

async fn run(stack: &Stack, args: &Args) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let base = stack.base_url.clone();
    let post = |path: String, token: Option<String>, body: Value| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let mut req = http.post(format!("{base}{path}")).json(&body);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await?;
            let status = r.status();
            let body: Value = r.json().await?;
            anyhow::ensure!(status.is_success(), "{path}: {status} {body}");
            Ok::<Value, anyhow::Error>(body)
        }
    };
    let admin = post(
        "/api/v1/auth/login".into(),
        None,
        json!({"username": "admin", "password": ADMIN_PASSWORD}),
    )
    .await?["token"]
        .as_str()
        .context("admin token")?
        .to_owned();
    let org = post(
        "/api/v1/orgs".into(),
        Some(admin.clone()),
        json!({"slug": "big", "name": "Big"}),
    )
    .await?;
    let org_id = org["id"].as_str().context("org id")?.to_owned();
    let user = post(
        "/big/api/v1/users".into(),
        Some(admin),
        json!({"username": "lister", "email": "lister@big.test", "role": "password_user",
               "password": "One-time-list-pass-1!"}),
    )
    .await?;
    strongroom_e2e::stack::choose_password(
        &http,
        &base,
        "/big",
        "lister",
        "One-time-list-pass-1!",
        "Bench-list-pass-1!",
    )
    .await?;
    let user_id = user["id"].as_str().context("user id")?.to_owned();
    let token = post(
        "/big/api/v1/auth/login".into(),
        None,
        json!({"username": "lister", "password": "Bench-list-pass-1!"}),
    )
    .await?["token"]
        .as_str()
        .context("token")?
        .to_owned();

    let started = Instant::now();
    strongroom_e2e::big_org::load(stack, &org_id, &user_id, args.resources, args.accounts).await?;
    eprintln!(
        "[list-bench] loaded {} resources and {} accounts in {:.1} s",
        args.resources,
        args.resources * args.accounts,
        started.elapsed().as_secs_f64()
    );

    let kinds: [(&str, String); 8] = [
        ("first page by name", "/resources?limit=50".into()),
        (
            "a deep page",
            format!("/resources?limit=50&offset={}", args.resources / 2),
        ),
        (
            "by department, type",
            "/resources?department=finance&type=linux&limit=50".into(),
        ),
        (
            "sorted by host desc",
            "/resources?sort=host&order=desc&limit=50".into(),
        ),
        ("search one word", "/resources?q=host-4242&limit=50".into()),
        (
            "search two words",
            "/resources?q=finance%20paris&limit=50".into(),
        ),
        ("search a username", "/resources?q=svc-777&limit=50".into()),
        (
            "search with no match",
            "/resources?q=nothing-like-this&limit=50".into(),
        ),
    ];
    println!(
        "\n| request ({} resources, {} accounts) | connections | p50 ms | p99 ms | total |",
        args.resources,
        args.resources * args.accounts
    );
    println!("|---|---|---|---|---|");
    let mut worst: f64 = 0.0;
    for (name, path) in &kinds {
        for connections in [1usize, 8] {
            let url = format!("{base}/big/api/v1{path}");
            let (p50, p99, total) = time(&http, &url, &token, args.requests, connections).await?;
            worst = worst.max(p99);
            println!("| {name} | {connections} | {p50:.1} | {p99:.1} | {total} |");
        }
    }
    println!(
        "\nworst p99 {worst:.1} ms against the goal of {GOAL_MS:.0} ms: {}",
        if worst < GOAL_MS { "held" } else { "missed" }
    );
    Ok(())
}

/// p50 and p99 (ms) of `requests` GETs over `connections` concurrent clients, and the total
/// the last reply reported.
async fn time(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    requests: usize,
    connections: usize,
) -> anyhow::Result<(f64, f64, u64)> {
    let per = requests.div_ceil(connections);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (http, url, token) = (http.clone(), url.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per);
            let mut total = 0;
            for _ in 0..per {
                let start = Instant::now();
                let r = http.get(&url).bearer_auth(&token).send().await?;
                anyhow::ensure!(r.status().is_success(), "{url}: {}", r.status());
                let body: Value = r.json().await?;
                times.push(start.elapsed());
                total = body["total"].as_u64().unwrap_or_default();
            }
            Ok::<_, anyhow::Error>((times, total))
        }));
    }
    let mut all: Vec<Duration> = Vec::with_capacity(requests);
    let mut total = 0;
    for task in tasks {
        let (times, t) = task.await??;
        all.extend(times);
        total = t;
    }
    let pct = strongroom_e2e::big_org::percentile_ms;
    Ok((pct(&mut all, 50), pct(&mut all, 99), total))
}
