//! The built-in load generator: keep-alive HTTP/1.1 connections requesting random targets
//! back to back, and the latency figures they measure.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{StatusCode, Uri};
use hyper_util::rt::TokioIo;

/// One request: a URL and at most one authentication header.
#[derive(Clone)]
pub struct Target {
    pub url: String,
    pub header: Option<(HeaderName, HeaderValue)>,
}

impl Target {
    pub fn new(url: String, name: &'static str, value: &str) -> anyhow::Result<Self> {
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
pub struct Prepared {
    pub path: Uri,
    pub header: Option<(HeaderName, HeaderValue)>,
}

/// The targets' one `host:port` and their prepared requests.
pub fn prepare(targets: &[Target]) -> anyhow::Result<(String, Vec<Prepared>)> {
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

pub type Connection = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

/// A keep-alive HTTP/1.1 connection, with nothing between the loop and the socket.
pub async fn connect(authority: &str) -> Result<Connection, String> {
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
pub async fn request(
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

pub struct Stats {
    /// Successful requests, warm-up included (each one is a reveal the trail must hold).
    pub succeeded: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// Seconds after the load stopped until the audit trail held every reveal.
    pub audit_lag: Option<f64>,
}

#[derive(Default)]
pub struct TaskResult {
    pub succeeded: u64,
    pub latencies_us: Vec<u64>,
    pub errors: u64,
    pub first_error: Option<String>,
}

/// `conns` tasks, each with its own keep-alive HTTP/1.1 connection, request random targets
/// back to back; requests started during the warm-up are not recorded.
pub async fn measure(
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
pub struct XorShift(u64);

impl XorShift {
    pub fn new() -> Self {
        let seed = uuid::Uuid::new_v4().as_u128() as u64;
        Self(seed | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x % n as u64) as usize
    }
}

/// Runs `f(0..n)` with `concurrency` in flight; results in index order.
pub async fn concurrently<T, F, Fut>(n: usize, concurrency: usize, f: F) -> anyhow::Result<Vec<T>>
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
