//! On-demand benchmark of the web console, as a browser uses it (cookies, the CSRF field),
//! in two scenarios:
//!
//! - **A big org.** A client user of an org of 10,000 resources and 50,000 accounts opens
//!   each console page; the goal is p99 < 100 ms for every page.
//! - **An MSP technician with 500 orgs.** An MSPOrg administrator who is the account
//!   manager of 500 client orgs switches to one of them with the org selector and opens
//!   its resource list; the goal is p99 < 300 ms for the switch and the list together.
//!
//! Times are measured at the client over loopback, so they bound the server's time from
//! above. Starts a whole Strongroom stack in this process; rows are loaded straight into
//! the orgs' schemas (`strongroom_e2e::big_org`). Run it with `.ci/bench-console`.

mod api;
mod browser;

use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use serde_json::json;
use strongroom_e2e::big_org::{load, percentile_ms};
use strongroom_e2e::stack::{ADMIN_PASSWORD, Stack};

use crate::api::{Api, USER_PASSWORD};
use crate::browser::Browser;

#[derive(Parser, Debug)]
#[command(name = "strongroom-console-bench", about = "The web console's pages")]
struct Args {
    /// Resources in the big org (each with `--accounts` accounts).
    #[arg(long, default_value_t = 10_000)]
    resources: usize,
    #[arg(long, default_value_t = 5)]
    accounts: usize,
    /// Client orgs the MSP technician manages.
    #[arg(long, default_value_t = 500)]
    orgs: usize,
    /// Resources in each of those orgs.
    #[arg(long, default_value_t = 20)]
    org_resources: usize,
    /// Times each page is opened, and org switches made.
    #[arg(long, default_value_t = 100)]
    requests: usize,
}

const PAGE_GOAL_MS: f64 = 100.0;
const SWITCH_GOAL_MS: f64 = 300.0;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let stack = Stack::start_as_deployed(None).await?;
    let result = run(&stack, &args).await;
    stack.stop().await?;
    result
}

async fn run(stack: &Stack, args: &Args) -> anyhow::Result<()> {
    let api = Api {
        http: reqwest::Client::new(),
        base: stack.base_url.clone(),
    };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await?;
    let pages = big_org(stack, &api, &admin, args).await?;
    let switches = many_orgs(stack, &api, &admin, args).await?;
    println!(
        "\nworst page p99 {pages:.1} ms against the goal of {PAGE_GOAL_MS:.0} ms: {}",
        verdict(pages < PAGE_GOAL_MS)
    );
    println!(
        "switch and list p99 {switches:.1} ms against the goal of {SWITCH_GOAL_MS:.0} ms: {}",
        verdict(switches < SWITCH_GOAL_MS)
    );
    Ok(())
}

fn verdict(held: bool) -> &'static str {
    if held { "held" } else { "missed" }
}

/// Every page of a client org of `args.resources` resources, opened by its administrator:
/// the worst p99 in ms.
async fn big_org(stack: &Stack, api: &Api, admin: &str, args: &Args) -> anyhow::Result<f64> {
    let org = api
        .post("/api/v1/orgs", admin, json!({"slug": "big", "name": "Big"}))
        .await?;
    let org_id = org["id"].as_str().context("org id")?.to_owned();
    let user = api
        .add_user("/big", admin, "lister", "administrator")
        .await?;
    let started = Instant::now();
    load(stack, &org_id, &user, args.resources, args.accounts).await?;
    eprintln!(
        "[console-bench] loaded {} resources and {} accounts in {:.1} s",
        args.resources,
        args.resources * args.accounts,
        started.elapsed().as_secs_f64()
    );
    let token = api.login("/big", "lister", USER_PASSWORD).await?;
    let found = api.get("/big/api/v1/resources?limit=1", &token).await?;
    let resource = found["resources"][0]["id"]
        .as_str()
        .context("a resource")?
        .to_owned();
    let accounts = api
        .get(&format!("/big/api/v1/resources/{resource}"), &token)
        .await?;
    let account = accounts["accounts"][0]["id"]
        .as_str()
        .context("an account")?
        .to_owned();

    let group = api
        .post(
            "/big/api/v1/resource-groups",
            &token,
            json!({"name": "Linux servers", "criteria": {"match": "all", "conditions": [
                {"field": "type", "operator": "equals", "value": "Linux"}]}}),
        )
        .await?;
    let group_page = format!(
        "/big/resources/groups/{}",
        group["id"].as_str().context("group id")?
    );
    let group_report = format!("{group_page}/report");

    let mut browser = Browser::new(&stack.base_url)?;
    browser.sign_in("/big", "lister", USER_PASSWORD).await?;
    let deep = format!("/big/resources?offset={}", args.resources / 2);
    let resource_page = format!("/big/resources/{resource}");
    let account_page = format!("/big/accounts/{account}");
    let pages: Vec<(&str, &str)> = vec![
        ("home", "/big/"),
        ("resources, first page", "/big/resources"),
        ("resources, a deep page", &deep),
        ("resources, searched", "/big/resources?q=host-4242"),
        ("resources, by type", "/big/resources?type=Linux"),
        ("a resource", &resource_page),
        ("an account", &account_page),
        ("new resource", "/big/resources/new"),
        ("resource groups", "/big/resources/groups"),
        ("a dynamic group (a quarter of them)", &group_page),
        ("its report by type", &group_report),
        ("audit trail", "/big/audit"),
        ("users", "/big/users"),
        ("groups", "/big/groups"),
        ("roles", "/big/roles"),
        ("policies", "/big/policies"),
        ("personal passwords", "/big/personal"),
        ("import", "/big/imports"),
        ("export", "/big/export"),
        ("approvals", "/big/approvals"),
        ("API keys", "/big/keys"),
        ("sessions", "/big/sessions"),
        ("directory", "/big/directory"),
        ("settings", "/big/settings"),
        ("resource types and fields", "/big/settings/fields"),
        ("data keys", "/big/settings/data-keys"),
        ("export rules", "/big/export/rules"),
        ("user import", "/big/users/import"),
        ("MSP access", "/big/msp-access"),
    ];
    println!(
        "\n| page ({} resources, {} accounts) | p50 ms | p99 ms | KiB |",
        args.resources,
        args.resources * args.accounts
    );
    println!("|---|---|---|---|");
    let mut worst: f64 = 0.0;
    for (name, path) in pages {
        let mut times = Vec::with_capacity(args.requests);
        let mut size = 0;
        for _ in 0..args.requests {
            let start = Instant::now();
            size = browser.page(path).await?.len();
            times.push(start.elapsed());
        }
        let (p50, p99) = (percentile_ms(&mut times, 50), percentile_ms(&mut times, 99));
        worst = worst.max(p99);
        let kib = size as f64 / 1024.0;
        println!("| {name} | {p50:.1} | {p99:.1} | {kib:.1} |");
    }
    Ok(worst)
}

/// An MSPOrg administrator managing `args.orgs` client orgs switches among them and opens
/// each one's resource list: the p99 of switch and list together, in ms.
async fn many_orgs(stack: &Stack, api: &Api, admin: &str, args: &Args) -> anyhow::Result<f64> {
    let tech = api.add_user("", admin, "tech", "administrator").await?;
    let started = Instant::now();
    let mut slugs = Vec::with_capacity(args.orgs);
    for o in 0..args.orgs {
        let slug = format!("client{o}");
        let org = api
            .post(
                "/api/v1/orgs",
                admin,
                json!({"slug": slug, "name": format!("Client {o}"), "account_manager_id": tech}),
            )
            .await?;
        let org_id = org["id"].as_str().context("org id")?;
        load(stack, org_id, &tech, args.org_resources, 1).await?;
        slugs.push(slug);
    }
    eprintln!(
        "[console-bench] added {} orgs of {} resources in {:.1} s",
        args.orgs,
        args.org_resources,
        started.elapsed().as_secs_f64()
    );
    let mut browser = Browser::new(&stack.base_url)?;
    browser.sign_in("", "tech", USER_PASSWORD).await?;
    // The selector lists every org the technician manages.
    let home = browser.page("/").await?;
    anyhow::ensure!(
        home.contains(&format!("value=\"client{}\"", args.orgs - 1)),
        "the org selector lists every managed org"
    );
    let (mut switch, mut list, mut both) = (Vec::new(), Vec::new(), Vec::new());
    // A different org each time, in an order no cache predicts (a stride coprime to the
    // number of orgs).
    let stride = (1..)
        .map(|k| args.orgs / 2 + k)
        .find(|s| gcd(*s, args.orgs) == 1)
        .unwrap_or(1);
    for i in 0..args.requests {
        let slug = &slugs[(i * stride) % slugs.len()];
        let start = Instant::now();
        let to = browser.redirect(&format!("/switch?org={slug}")).await?;
        browser.page(&to).await?;
        let switched = start.elapsed();
        browser.page(&format!("{to}resources")).await?;
        let total = start.elapsed();
        switch.push(switched);
        list.push(total - switched);
        both.push(total);
    }
    println!("\n| MSP technician, {} orgs | p50 ms | p99 ms |", args.orgs);
    println!("|---|---|---|");
    for (name, times) in [
        ("switch (selector, then the org's home)", &mut switch),
        ("the org's resource list", &mut list),
        ("switch and list", &mut both),
    ] {
        println!(
            "| {name} | {:.1} | {:.1} |",
            percentile_ms(times, 50),
            percentile_ms(times, 99)
        );
    }
    Ok(percentile_ms(&mut both, 99))
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}
