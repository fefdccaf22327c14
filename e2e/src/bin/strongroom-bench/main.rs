//! On-demand benchmark: password retrieval through Strongroom (by the owner, and by a
//! colleague through a user group's share) vs a plain OpenBao KV v2 read vs the gateway's
//! cheapest endpoint, each at 1, 16 and 64 keep-alive connections.
//!
//! Starts its own OpenBao dev server (with a file audit device, so both sides audit every
//! read) and a whole Strongroom stack in this process, on a runtime of its own (local KMS);
//! loads data, measures, prints a table and cleans up. Run it with `.ci/bench`.

mod audit;
mod data;
mod load;
mod openbao;
mod report;
mod wrk;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use strongroom_e2e::stack::{ADMIN_PASSWORD, Stack};

use crate::audit::AuditTrail;
use crate::data::{Api, settle, setup_many_orgs, setup_org, shared_reader, use_each_key};
use crate::load::{Target, measure};
use crate::openbao::{OpenBao, load_openbao};
use crate::report::{print_criteria, print_spread, print_table};

#[derive(Parser, Debug)]
#[command(
    name = "strongroom-bench",
    about = "Password retrieval throughput and latency: Strongroom vs OpenBao KV v2 vs /healthz"
)]
struct Args {
    /// Accounts in Strongroom and secrets in OpenBao.
    #[arg(long, default_value_t = 10_000)]
    accounts: usize,
    /// Measured seconds per scenario and connection count.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Unmeasured warm-up seconds before each measurement.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Requests in flight while loading data.
    #[arg(long, default_value_t = 16)]
    load_concurrency: usize,
    /// Also compare 1 org holding all accounts with many orgs sharing them.
    #[arg(long)]
    orgs_spread: bool,
    /// Run only these scenarios (strongroom, strongroom-shared, strongroom-hot, openbao,
    /// openbao-hot, ceiling), e.g. while profiling.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Also measure each Strongroom and OpenBao scenario at 16 and 64 connections with
    /// `wrk` (Debian's), in the same run, and compare its figures with the built-in ones.
    #[arg(long)]
    wrk: bool,
    /// Connection counts to measure each scenario at (the goals need 1, 16 and 64), e.g.
    /// `--connections 1` while working on a lone reveal's latency.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 16, 64])]
    connections: Vec<usize>,
    /// Orgs for --orgs-spread.
    #[arg(long, default_value_t = 1_000)]
    spread_orgs: usize,
    /// Accounts in each of those orgs.
    #[arg(long, default_value_t = 100)]
    spread_accounts: usize,
}

// One thread drives every connection: the load generator takes as little of the machine from
// the servers as it can, and the same for each of them.
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // The stack's warnings and errors go to stderr; RUST_LOG overrides.
    strongroom_telemetry::init_with_default("warn");
    if args.accounts == 0 || args.duration <= 0.0 || args.load_concurrency == 0 {
        bail!("--accounts, --duration and --load-concurrency must be positive");
    }
    // reqwest is built without a default TLS provider (one provider, ring, in the graph).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let work = tempfile::tempdir().context("temporary directory")?;

    let bao = OpenBao::start(work.path()).await?;
    let stack = Stack::start_as_deployed(None).await?;
    eprintln!("[bench] Strongroom at {}", stack.base_url);
    let result = run(&args, &stack, &bao, work.path()).await;
    let stopped = stack.stop().await;
    bao.stop().await;
    result.and(stopped)
}

async fn run(args: &Args, stack: &Stack, bao: &OpenBao, work: &Path) -> anyhow::Result<()> {
    let api = Api {
        http: reqwest::Client::new(),
        base: stack.base_url.clone(),
    };
    let admin = api.login("", "admin", ADMIN_PASSWORD).await?;

    eprintln!("[bench] loading {} Strongroom accounts", args.accounts);
    let started = Instant::now();
    let (org, owner) =
        setup_org(&api, &admin, "bench", args.accounts, args.load_concurrency).await?;
    // A colleague reveals the same accounts through a user group's share.
    let reader_key = shared_reader(&api, &admin, &org, &owner).await?;
    eprintln!(
        "[bench] loaded Strongroom in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    eprintln!("[bench] loading {} OpenBao secrets", args.accounts);
    let started = Instant::now();
    load_openbao(bao, args.accounts, args.load_concurrency).await?;
    eprintln!(
        "[bench] loaded OpenBao in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let strongroom_targets = Arc::new(org.targets(&stack.base_url)?);
    let shared_targets = Arc::new(org.targets_with(&stack.base_url, &reader_key)?);
    let openbao_targets = Arc::new(
        (0..args.accounts)
            .map(|i| {
                Target::new(
                    format!("{}/v1/secret/data/bench-{i}", bao.addr),
                    "x-vault-token",
                    &bao.token,
                )
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
    );
    let ceiling_targets = Arc::new(vec![Target {
        url: format!("{}/healthz", stack.base_url),
        header: None,
    }]);
    // A hot account: every connection reads the same one with the same key.
    let hot = |targets: &Arc<Vec<Target>>| Arc::new(targets.iter().take(1).cloned().collect());
    let strongroom_hot = hot(&strongroom_targets);
    let openbao_hot = hot(&openbao_targets);

    let warmup = Duration::from_secs_f64(args.warmup.max(0.0));
    let duration = Duration::from_secs_f64(args.duration);
    let trail = AuditTrail::connect(stack, &org.id).await?;
    let mut revealed = trail.revealed().await?;
    let mut rows = Vec::new();
    let mut wrk_rows = Vec::new();
    for (name, targets) in [
        ("strongroom", &strongroom_targets),
        ("strongroom-shared", &shared_targets),
        ("openbao", &openbao_targets),
        ("strongroom-hot", &strongroom_hot),
        ("openbao-hot", &openbao_hot),
        ("ceiling", &ceiling_targets),
    ] {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == name) {
            continue;
        }
        for &conns in &args.connections {
            eprintln!("[bench] {name} at {conns} connections");
            let mut r = measure(targets.clone(), conns, warmup, duration).await?;
            eprintln!(
                "[bench] {name} at {conns}: {:.0} req/s, p50 {:.3} ms, p99 {:.3} ms",
                r.rps, r.p50_ms, r.p99_ms
            );
            if name.starts_with("strongroom") {
                revealed += r.succeeded;
                r.audit_lag = Some(trail.wait_for(revealed).await?);
            }
            if args.wrk && conns > 1 && name != "ceiling" {
                let w = wrk::measure(work, targets, conns, warmup, duration).await?;
                eprintln!(
                    "[bench] wrk {name} at {conns}: {:.0} req/s, p50 {:.3} ms, p99 {:.3} ms",
                    w.rps, w.p50_ms, w.p99_ms
                );
                if name.starts_with("strongroom") {
                    revealed += w.requests;
                    trail.wait_for(revealed).await?;
                }
                wrk_rows.push((name, conns, r.rps, w));
            }
            rows.push((name, conns, r));
        }
    }

    let mut spread = Vec::new();
    if args.orgs_spread {
        let orgs = args.spread_orgs.max(1);
        let per_org = args.spread_accounts.max(1);
        eprintln!("[bench] loading {orgs} orgs × {per_org} accounts for --orgs-spread");
        let started = Instant::now();
        let many = setup_many_orgs(&api, orgs, per_org, args.load_concurrency).await?;
        eprintln!(
            "[bench] loaded the orgs in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        settle(stack).await?;
        let mut many_targets = Vec::new();
        for o in &many {
            many_targets.extend(o.targets(&stack.base_url)?);
        }
        let many_targets = Arc::new(many_targets);
        let many = Arc::new(many);
        for &conns in &args.connections {
            eprintln!("[bench] spread: 1 org at {conns} connections");
            let one = measure(strongroom_targets.clone(), conns, warmup, duration).await?;
            eprintln!("[bench] spread: {orgs} orgs at {conns} connections");
            use_each_key(&api, &many, args.load_concurrency).await?;
            let spread_r = measure(many_targets.clone(), conns, warmup, duration).await?;
            spread.push((conns, one, spread_r));
        }
        print_spread(args.accounts, orgs, per_org, &spread);
    }

    print_table(&rows);
    print_criteria(&rows, &spread);
    if args.wrk {
        wrk::print(&wrk_rows);
    }
    Ok(())
}
