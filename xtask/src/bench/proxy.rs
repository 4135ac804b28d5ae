//! `cargo xtask bench proxy`: the hub's proxy (issue 25). A loopback fake provider answers a
//! small JSON body after a delay, at once, or as a stream of many bytes, to a request carrying
//! the expected credential; the release-built hub serves one imported account whose API base is
//! the fake. Measures requests per second with many in flight through the proxy against a bare
//! reqwest loop straight to the fake, the latency the proxy adds (one request at a time, no
//! delay), and the hub's peak memory while it streams a large answer that the client reads and
//! discards. Fails only when an answer is wrong, never because a goal is missed.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use bytes::Bytes;
use futures::stream;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};

use super::hub::Latency;
use super::hub_process::{Served, Setup};
use super::process::{cpu_time, machine_cpu};
use super::workload;

/// Requests per second through the proxy as a share of the bare loop's: at least this.
const TARGET_RATIO: f64 = 0.8;
/// Latency the proxy adds at the median: under this.
const TARGET_ADDED_P50_MS: f64 = 1.0;
/// The hub's peak memory while streaming the large answer: under this.
const TARGET_PEAK_MIB: f64 = 64.0;

/// The fake's paths: the small answer after the delay, the same at once, and N bytes.
const DELAYED: &str = "/v1/answer";
const AT_ONCE: &str = "/v1/now";
const BYTES: &str = "/v1/bytes/";
/// The small answer.
const ANSWER: &str = r#"{"data":{"id":"u1","email":"ops@example.com","organization_name":"Acme Data","role":"admin"}}"#;
/// The large answer is sent in chunks of this many bytes, all the same static zeros, so the
/// fake holds none of it.
const CHUNK: usize = 64 * 1024;
static ZEROS: [u8; CHUNK] = [0; CHUNK];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A fast smoke run: 3 s of load per contender, 1,000 latency samples, 256 MiB streamed.
    #[arg(long)]
    quick: bool,
    /// Requests in flight during the load, for both contenders.
    #[arg(long, value_name = "N", default_value_t = 64)]
    concurrency: usize,
    /// How long the fake provider takes to answer a loaded request, in milliseconds (a
    /// provider's answer is never instant).
    #[arg(long, value_name = "MS", default_value_t = 20)]
    delay_ms: u64,
    /// Seconds of load per contender [default: 15; with --quick: 3].
    #[arg(long, value_name = "S")]
    seconds: Option<f64>,
    /// Latency samples, one request at a time, per contender [default: 5000; with --quick:
    /// 1000].
    #[arg(long, value_name = "N")]
    samples: Option<usize>,
    /// Size of the streamed answer, in MiB [default: 1024; with --quick: 256].
    #[arg(long, value_name = "MIB")]
    stream_mib: Option<u64>,
    /// Also print the figures as one JSON object.
    #[arg(long)]
    json: bool,
    /// Use this `connector-hub` binary instead of building it with `cargo build --release`.
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
}

/// What to run.
struct Plan {
    concurrency: usize,
    delay: Duration,
    load: Duration,
    samples: usize,
    stream_bytes: u64,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let plan = Plan {
        concurrency: args.concurrency,
        delay: Duration::from_millis(args.delay_ms),
        load: Duration::from_secs_f64(
            args.seconds
                .unwrap_or(if args.quick { 3.0 } else { 15.0 })
                .max(0.1),
        ),
        samples: args
            .samples
            .unwrap_or(if args.quick { 1_000 } else { 5_000 }),
        stream_bytes: args
            .stream_mib
            .unwrap_or(if args.quick { 256 } else { 1024 })
            << 20,
    };
    if plan.concurrency == 0 || plan.samples == 0 || plan.stream_bytes == 0 {
        bail!("--concurrency, --samples and --stream-mib must be at least 1");
    }
    let hub = match args.binary {
        Some(path) => path,
        None => super::build_release(&[("connector-hub", "connector-hub")])?.remove(0),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let fake = runtime.block_on(start_fake(plan.delay))?;
    let dir = tempfile::tempdir()?;
    let (_, key) = workload::credential(0);
    let import = dir.path().join("import.jsonl");
    std::fs::write(
        &import,
        format!(
            r#"{{"connector":"{}","credentials":{{"api_key":"{key}"}},"owner":"bench","label":"proxy bench"}}"#,
            workload::POLYTOMIC
        ) + "\n",
    )?;
    let setup = Setup::new(
        &hub,
        dir.path(),
        &format!(
            "database = {db:?}\nmaster_key_file = {master:?}\nreverify_every_hours = 0\n\
             [base_urls]\n{p} = \"http://{fake}\"\n",
            db = format!("sqlite://{}", dir.path().join("hub.db").display()),
            master = dir.path().join("hub.key").display().to_string(),
            p = workload::POLYTOMIC,
        ),
    )?;
    let admin = setup.init()?;
    setup.import(&import)?;
    let (served, address) = setup.serve()?;
    println!(
        "bench proxy: {} cores, fake provider http://{fake} answering after {} ms, {} in flight \
         for {:.0} s per contender, {} latency samples, {} MiB streamed; hub {address}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.delay_ms,
        plan.concurrency,
        plan.load.as_secs_f64(),
        plan.samples,
        plan.stream_bytes >> 20,
    );
    let figures = runtime.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(600))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let account = first_account(&http, &address, &admin).await?;
        let contenders = Contenders {
            direct: Route {
                base: format!("http://{fake}"),
                auth: format!("Bearer {key}"),
            },
            proxied: Route {
                base: format!("{address}/api/v1/proxy/{account}"),
                auth: format!("Bearer {admin}"),
            },
        };
        measure(&http, &contenders, &plan, &served).await
    })?;
    drop(served);
    print_table(&figures, &plan);
    if args.json {
        println!("{}", figures.to_json(&plan));
    }
    Ok(ExitCode::SUCCESS)
}

/// The one imported account's id.
async fn first_account(http: &reqwest::Client, hub: &str, admin: &str) -> anyhow::Result<String> {
    let page: Value = http
        .get(format!("{hub}/api/v1/accounts"))
        .bearer_auth(admin)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(page["accounts"][0]["id"]
        .as_str()
        .context("the hub lists no account after the import")?
        .to_owned())
}

/// Where a contender sends its requests, and the Authorization header it sends.
#[derive(Debug, Clone)]
struct Route {
    base: String,
    auth: String,
}

impl Route {
    /// GETs `path`; fails unless the answer is 200 with the small answer.
    async fn small(&self, http: &reqwest::Client, path: &str) -> anyhow::Result<()> {
        let answer = http
            .get(format!("{}{path}", self.base))
            .header(AUTHORIZATION, &self.auth)
            .send()
            .await?;
        let status = answer.status();
        let body = answer.bytes().await?;
        if status != StatusCode::OK || body != ANSWER.as_bytes() {
            bail!(
                "{}{path} answered {status}: {}",
                self.base,
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
        }
        Ok(())
    }

    /// GETs `bytes` bytes and discards them as they come; fails unless the answer is 200 with
    /// exactly that many. Returns the time taken.
    async fn stream(&self, http: &reqwest::Client, bytes: u64) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let mut answer = http
            .get(format!("{}{BYTES}{bytes}", self.base))
            .header(AUTHORIZATION, &self.auth)
            .send()
            .await?;
        if answer.status() != StatusCode::OK {
            bail!("{} answered {} to the stream", self.base, answer.status());
        }
        let mut received = 0u64;
        while let Some(chunk) = answer.chunk().await? {
            received += chunk.len() as u64;
        }
        if received != bytes {
            bail!("{} streamed {received} bytes, expected {bytes}", self.base);
        }
        Ok(started.elapsed())
    }
}

struct Contenders {
    direct: Route,
    proxied: Route,
}

/// Everything measured.
#[derive(Debug)]
struct Figures {
    bare_rate: f64,
    proxied_rate: f64,
    /// The hub's CPU time per proxied request during the load, and the machine's busy share.
    hub_cpu_per_request: Duration,
    machine_busy: f64,
    direct: Latency,
    proxied: Latency,
    baseline_mib: f64,
    stream_peak_mib: f64,
    direct_stream: Duration,
    proxied_stream: Duration,
    load_peak_mib: f64,
}

impl Figures {
    fn ratio(&self) -> f64 {
        self.proxied_rate / self.bare_rate
    }

    fn added_ms(&self, p: f64) -> f64 {
        self.proxied.percentile_ms(p) - self.direct.percentile_ms(p)
    }

    fn to_json(&self, plan: &Plan) -> Value {
        let mib_per_s = |d: Duration| (plan.stream_bytes >> 20) as f64 / d.as_secs_f64();
        json!({
            "delay_ms": plan.delay.as_secs_f64() * 1000.0,
            "concurrency": plan.concurrency,
            "load_seconds": plan.load.as_secs_f64(),
            "bare_requests_per_second": self.bare_rate,
            "proxied_requests_per_second": self.proxied_rate,
            "ratio": self.ratio(),
            "hub_cpu_us_per_request": self.hub_cpu_per_request.as_secs_f64() * 1e6,
            "machine_busy": self.machine_busy,
            "latency_ms": {
                "direct": {"p50": self.direct.percentile_ms(0.5), "p99": self.direct.percentile_ms(0.99)},
                "proxied": {"p50": self.proxied.percentile_ms(0.5), "p99": self.proxied.percentile_ms(0.99)},
                "added": {"p50": self.added_ms(0.5), "p99": self.added_ms(0.99)},
                "samples": self.direct.samples.len(),
            },
            "stream": {
                "mib": plan.stream_bytes >> 20,
                "direct_mib_per_second": mib_per_s(self.direct_stream),
                "proxied_mib_per_second": mib_per_s(self.proxied_stream),
                "hub_baseline_mib": self.baseline_mib,
                "hub_peak_mib": self.stream_peak_mib,
            },
            "hub_peak_after_load_mib": self.load_peak_mib,
            "goals": {
                "ratio": TARGET_RATIO,
                "added_p50_ms": TARGET_ADDED_P50_MS,
                "stream_peak_mib": TARGET_PEAK_MIB,
            },
        })
    }
}

/// Memory first (the high-water mark only rises, and the load would raise it), then latency one
/// request at a time, then the load: the bare loop, then the proxy.
async fn measure(
    http: &reqwest::Client,
    contenders: &Contenders,
    plan: &Plan,
    served: &Served,
) -> anyhow::Result<Figures> {
    let Contenders { direct, proxied } = contenders;
    for _ in 0..50 {
        direct.small(http, AT_ONCE).await?;
        proxied.small(http, AT_ONCE).await?;
    }
    let baseline_mib = served.peak_mib();
    let direct_stream = direct.stream(http, plan.stream_bytes).await?;
    let proxied_stream = proxied.stream(http, plan.stream_bytes).await?;
    let stream_peak_mib = served.peak_mib();

    let mut direct_latency = Latency::default();
    let mut proxied_latency = Latency::default();
    for _ in 0..plan.samples {
        for (route, latency) in [
            (direct, &mut direct_latency),
            (proxied, &mut proxied_latency),
        ] {
            let started = Instant::now();
            route.small(http, AT_ONCE).await?;
            latency.samples.push(started.elapsed());
        }
    }

    let warm_up = (plan.load / 5).min(Duration::from_secs(1));
    load(http, direct, plan.concurrency, warm_up).await?;
    let bare_rate = load(http, direct, plan.concurrency, plan.load)
        .await?
        .rate();
    load(http, proxied, plan.concurrency, warm_up).await?;
    let hub_cpu = cpu_time(served.pid());
    let machine = machine_cpu();
    let proxied_load = load(http, proxied, plan.concurrency, plan.load).await?;
    let hub_cpu_per_request = match (hub_cpu, cpu_time(served.pid())) {
        (Some(before), Some(after)) => {
            (after.saturating_sub(before)).div_f64(proxied_load.requests.max(1) as f64)
        }
        _ => Duration::ZERO,
    };
    let machine_busy = match (machine, machine_cpu()) {
        (Some((busy0, total0)), Some((busy1, total1))) => {
            (busy1 - busy0).as_secs_f64() / (total1 - total0).as_secs_f64().max(1e-9)
        }
        _ => f64::NAN,
    };
    Ok(Figures {
        bare_rate,
        proxied_rate: proxied_load.rate(),
        hub_cpu_per_request,
        machine_busy,
        direct: direct_latency,
        proxied: proxied_latency,
        baseline_mib,
        stream_peak_mib,
        direct_stream,
        proxied_stream,
        load_peak_mib: served.peak_mib(),
    })
}

/// Requests done under load, and the time they took.
struct Load {
    requests: u64,
    elapsed: Duration,
}

impl Load {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// `concurrency` requests in flight to `route`'s delayed path for `duration`, the last ones
/// finishing after it. Every answer must be right.
async fn load(
    http: &reqwest::Client,
    route: &Route,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Load> {
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, route) = (http.clone(), route.clone());
            tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    route.small(&http, DELAYED).await?;
                    done += 1;
                }
                anyhow::Ok(done)
            })
        })
        .collect();
    let mut requests = 0;
    for worker in workers {
        requests += worker.await??;
    }
    Ok(Load {
        requests,
        elapsed: started.elapsed(),
    })
}

/// Starts the fake provider on 127.0.0.1 (any free port) on the current runtime.
async fn start_fake(delay: Duration) -> anyhow::Result<SocketAddr> {
    let expected = HeaderValue::from_str(&format!("Bearer {}", workload::credential(0).1))?;
    super::server::serve(move |request| answer(request, expected.clone(), delay)).await
}

type FakeBody = BoxBody<Bytes, Infallible>;

/// The fake's answer: 401 without the expected credential, 404 for an unknown path.
async fn answer(
    request: Request<Incoming>,
    expected: HeaderValue,
    delay: Duration,
) -> Result<Response<FakeBody>, Infallible> {
    if request.headers().get(AUTHORIZATION) != Some(&expected) {
        return Ok(small(StatusCode::UNAUTHORIZED, r#"{"message":"bad key"}"#));
    }
    let path = request.uri().path();
    if path == DELAYED {
        tokio::time::sleep(delay).await;
        return Ok(small(StatusCode::OK, ANSWER));
    }
    if path == AT_ONCE {
        return Ok(small(StatusCode::OK, ANSWER));
    }
    let Some(size) = path.strip_prefix(BYTES).and_then(|n| n.parse::<u64>().ok()) else {
        return Ok(small(StatusCode::NOT_FOUND, "{}"));
    };
    let chunks = stream::unfold(size, |left| async move {
        (left > 0).then(|| {
            let len = left.min(CHUNK as u64);
            let chunk = Bytes::from_static(&ZEROS[..len as usize]);
            (Ok::<_, Infallible>(Frame::data(chunk)), left - len)
        })
    });
    let mut response = Response::new(StreamBody::new(chunks).boxed());
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(response)
}

fn small(status: StatusCode, body: &'static str) -> Response<FakeBody> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())).boxed());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn print_table(f: &Figures, plan: &Plan) {
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    let mib = plan.stream_bytes >> 20;
    let rate = |d: Duration| mib as f64 / d.as_secs_f64();
    let ms = |l: &Latency| {
        format!(
            "{:.3} / {:.3} ms",
            l.percentile_ms(0.5),
            l.percentile_ms(0.99)
        )
    };
    let rows: Vec<(String, String, String, &str)> = vec![
        (
            "requests/s, bare reqwest to the fake".into(),
            format!("{:.0}", f.bare_rate),
            String::new(),
            "",
        ),
        (
            "requests/s, through the hub's proxy".into(),
            format!("{:.0}", f.proxied_rate),
            String::new(),
            "",
        ),
        (
            "ratio".into(),
            format!("{:.2}", f.ratio()),
            format!(">= {TARGET_RATIO}"),
            verdict(f.ratio() >= TARGET_RATIO),
        ),
        (
            "hub CPU per proxied request".into(),
            format!("{:.0} µs", f.hub_cpu_per_request.as_secs_f64() * 1e6),
            String::new(),
            "",
        ),
        (
            "machine busy during the proxied load".into(),
            format!("{:.0}%", f.machine_busy * 100.0),
            String::new(),
            "",
        ),
        (
            "latency p50 / p99, direct".into(),
            ms(&f.direct),
            String::new(),
            "",
        ),
        (
            "latency p50 / p99, through the hub".into(),
            ms(&f.proxied),
            String::new(),
            "",
        ),
        (
            "added latency p50".into(),
            format!("{:.3} ms", f.added_ms(0.5)),
            format!("< {TARGET_ADDED_P50_MS} ms"),
            verdict(f.added_ms(0.5) < TARGET_ADDED_P50_MS),
        ),
        (
            "added latency p99".into(),
            format!("{:.3} ms", f.added_ms(0.99)),
            String::new(),
            "",
        ),
        (
            format!("streaming {mib} MiB, direct / through the hub"),
            format!(
                "{:.0} / {:.0} MiB/s",
                rate(f.direct_stream),
                rate(f.proxied_stream)
            ),
            String::new(),
            "",
        ),
        (
            "hub memory before streaming (VmHWM)".into(),
            format!("{:.1} MiB", f.baseline_mib),
            String::new(),
            "",
        ),
        (
            format!("hub peak memory streaming {mib} MiB"),
            format!("{:.1} MiB", f.stream_peak_mib),
            format!("< {TARGET_PEAK_MIB} MiB"),
            verdict(f.stream_peak_mib < TARGET_PEAK_MIB),
        ),
        (
            format!(
                "hub peak memory after the load ({} in flight)",
                plan.concurrency
            ),
            format!("{:.1} MiB", f.load_peak_mib),
            String::new(),
            "",
        ),
    ];
    println!(
        "{:<46} {:>22} {:>10}  verdict",
        "figure", "measured", "goal"
    );
    for (figure, measured, goal, verdict) in rows {
        println!("{figure:<46} {measured:>22} {goal:>10}  {verdict}");
    }
}
