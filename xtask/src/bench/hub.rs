//! `cargo xtask bench hub`: the hub at scale. Seeds accounts (imported, so sealed as in
//! production) whose keys the loopback provider answers 60% verified, 20% rejected, 20%
//! forbidden; starts the release-built hub; makes every account due and times the full
//! re-verification pass until the queue is empty, sampling the accounts list API and page
//! meanwhile; reads the hub's peak memory; then runs `connector check --bulk` on the same keys
//! with the same concurrency for the ratio. On SQLite, and on PostgreSQL when given one.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use serde_json::Value;

use super::process::{measure, peak_rss_kib};
use super::workload;

/// The pass's rate as a share of `connector check --bulk` on the same keys: at least this.
const TARGET_RATIO: f64 = 0.8;
/// The hub's peak memory during the pass: under this.
const TARGET_PEAK_MIB: f64 = 128.0;
/// p99 latency of the accounts list (API and page) under load: under this.
const TARGET_P99_MS: f64 = 50.0;
/// Latency samples taken at least (the pass may end before).
const MIN_SAMPLES: usize = 500;
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Accounts to seed [default: 100000; with --quick: 2000].
    #[arg(long, value_name = "N")]
    accounts: Option<u64>,
    /// A fast smoke run (2,000 accounts).
    #[arg(long)]
    quick: bool,
    /// Checks in flight, for the hub and for `connector check --bulk`.
    #[arg(long, value_name = "N", default_value_t = 64)]
    concurrency: usize,
    /// Also measure on PostgreSQL: an admin URL (`postgres://user:pw@127.0.0.1/db`) whose user
    /// may create databases; the bench creates a fresh one there (needs `psql`).
    #[arg(long, value_name = "URL", env = "CONNECTOR_HUB_BENCH_POSTGRES")]
    postgres: Option<String>,
}

/// One database's figures.
#[derive(Debug)]
struct Figures {
    database: &'static str,
    import: Duration,
    pass: Duration,
    peak_mib: f64,
    api: Latency,
    page: Latency,
}

#[derive(Debug, Default)]
pub(super) struct Latency {
    pub(super) samples: Vec<Duration>,
}

impl Latency {
    pub(super) fn percentile_ms(&self, p: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort();
        if sorted.is_empty() {
            return f64::NAN;
        }
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index].as_secs_f64() * 1000.0
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let accounts = args
        .accounts
        .unwrap_or(if args.quick { 2_000 } else { 100_000 });
    if accounts == 0 || args.concurrency == 0 {
        bail!("--accounts and --concurrency must be at least 1");
    }
    let built = super::build_release(&[
        ("connector-cli", "connector"),
        ("connector-hub", "connector-hub"),
    ])?;
    let (connector, hub) = (&built[0], &built[1]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let address = runtime.block_on(super::server::start())?;
    let base = format!("http://{address}");
    let dir = tempfile::tempdir()?;
    let bulk_input = dir.path().join("bulk.jsonl");
    workload::write_input(&bulk_input, accounts)?;
    let import_input = dir.path().join("import.jsonl");
    write_import(&import_input, accounts)?;

    println!(
        "bench hub: {accounts} accounts, concurrency {}, {} cores, provider {base}",
        args.concurrency,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    let bulk = bulk_rate(
        connector,
        &bulk_input,
        accounts,
        args.concurrency,
        &base,
        dir.path(),
    )?;
    println!("connector check --bulk: {bulk:.0} checks/s");

    let mut databases: Vec<(&'static str, String)> = vec![(
        "sqlite",
        format!("sqlite://{}", dir.path().join("hub.db").display()),
    )];
    if let Some(admin) = &args.postgres {
        databases.push(("postgres", fresh_postgres(admin)?));
    }
    let run = HubRun {
        hub,
        import: &import_input,
        accounts,
        concurrency: args.concurrency,
        base: &base,
    };
    let mut rows = Vec::new();
    for (name, url) in databases {
        let run_dir = dir.path().join(name);
        std::fs::create_dir_all(&run_dir)?;
        let figures = runtime.block_on(measure_hub(&run, name, &url, &run_dir))?;
        print_row(&figures, accounts, bulk);
        rows.push(figures);
    }
    print_targets(&rows, accounts, bulk);
    Ok(ExitCode::SUCCESS)
}

/// The import file: the bulk input's keys, each with an owner (1,000 owners) and a label.
fn write_import(path: &Path, accounts: u64) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    for index in 0..accounts {
        let (connector, key) = workload::credential(index);
        writeln!(
            out,
            r#"{{"connector":"{connector}","credentials":{{"api_key":"{key}"}},"owner":"customer-{}","label":"Account {index}"}}"#,
            index % 1000
        )?;
    }
    out.flush()
}

/// `connector check --bulk` on the same keys: checks per second.
fn bulk_rate(
    connector: &Path,
    input: &Path,
    accounts: u64,
    concurrency: usize,
    base: &str,
    dir: &Path,
) -> anyhow::Result<f64> {
    let mut command = Command::new(connector);
    command
        .args(["check", "--bulk"])
        .arg(input)
        .args(["--concurrency", &concurrency.to_string()])
        .arg("--base-url")
        .arg(format!("{}={base}", workload::POLYTOMIC))
        .arg("--base-url")
        .arg(format!("{}={base}", workload::SMARTRECRUITERS))
        .env_remove("RUST_LOG")
        .env_remove("CONNECTOR_CONFIG")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("bulk.out"))?)
        .stderr(std::fs::File::create(dir.join("bulk.err"))?);
    let measured = measure(&mut command)?;
    if !measured.status.success() {
        bail!("connector check --bulk failed ({})", measured.status);
    }
    Ok(accounts as f64 / measured.elapsed.as_secs_f64().max(1e-9))
}

/// A new, empty database on the PostgreSQL server `admin` points at; returns its URL.
fn fresh_postgres(admin: &str) -> anyhow::Result<String> {
    let name = format!(
        "hub_bench_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    );
    let status = Command::new("psql")
        .arg(admin)
        .args(["-qc", &format!("CREATE DATABASE {name}")])
        .stdout(Stdio::null())
        .status()
        .context("cannot run psql (install postgresql-client) to create the bench database")?;
    if !status.success() {
        bail!("psql could not create the bench database on the --postgres server");
    }
    let (head, query) = admin.split_once('?').unwrap_or((admin, ""));
    let root = head
        .rfind('/')
        .filter(|&i| i > "postgres://".len())
        .map_or(head, |i| &head[..i]);
    Ok(if query.is_empty() {
        format!("{root}/{name}")
    } else {
        format!("{root}/{name}?{query}")
    })
}

/// The hub as a child process, stopped on drop.
pub(super) struct Served(Child);

impl Served {
    pub(super) fn pid(&self) -> u32 {
        self.0.id()
    }

    /// The hub's peak resident memory so far (`VmHWM`), in MiB; 0 where `/proc` is missing.
    pub(super) fn peak_mib(&self) -> f64 {
        peak_rss_kib(self.0.id()).unwrap_or(0) as f64 / 1024.0
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A hub's directory and settings file, and its commands run as a bench runs them (warnings
/// only in the log, no master key from the environment).
pub(super) struct Setup<'a> {
    binary: &'a Path,
    dir: &'a Path,
    config: PathBuf,
}

impl<'a> Setup<'a> {
    /// Writes `settings` as `connector-hub.toml` in `dir`.
    pub(super) fn new(binary: &'a Path, dir: &'a Path, settings: &str) -> std::io::Result<Self> {
        let config = dir.join("connector-hub.toml");
        std::fs::write(&config, settings)?;
        Ok(Self {
            binary,
            dir,
            config,
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(self.binary);
        command
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(self.dir)
            .env("RUST_LOG", "warn")
            .env_remove("CONNECTOR_HUB_MASTER_KEY");
        command
    }

    /// `connector-hub init`: returns the first admin key.
    pub(super) fn init(&self) -> anyhow::Result<String> {
        let init = self.command(&["init", "--json"]).output()?;
        if !init.status.success() {
            bail!(
                "connector-hub init failed: {}",
                String::from_utf8_lossy(&init.stderr)
            );
        }
        let init: Value = serde_json::from_slice(&init.stdout)?;
        Ok(init["admin_key"]
            .as_str()
            .context("init printed no admin key")?
            .to_owned())
    }

    /// `connector-hub import FILE`.
    pub(super) fn import(&self, file: &Path) -> anyhow::Result<()> {
        let imported = self.command(&["import"]).arg(file).output()?;
        if !imported.status.success() {
            bail!(
                "connector-hub import failed: {}",
                String::from_utf8_lossy(&imported.stderr)
            );
        }
        Ok(())
    }

    /// `connector-hub serve` on a free loopback port; returns the process and its base URL.
    pub(super) fn serve(&self) -> anyhow::Result<(Served, String)> {
        let mut child = self
            .command(&["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start connector-hub serve")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let served = Served(child);
        let mut lines = BufReader::new(stderr).lines();
        let address = loop {
            let line = lines.next().context("the hub exited before listening")??;
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Ok((served, address))
    }
}

/// What every database's run shares.
struct HubRun<'a> {
    hub: &'a Path,
    import: &'a Path,
    accounts: u64,
    concurrency: usize,
    base: &'a str,
}

async fn measure_hub(
    run: &HubRun<'_>,
    database: &'static str,
    url: &str,
    dir: &Path,
) -> anyhow::Result<Figures> {
    let HubRun {
        hub,
        import,
        accounts,
        concurrency,
        base,
    } = *run;
    let setup = Setup::new(
        hub,
        dir,
        &format!(
            "database = {url:?}\nmaster_key_file = {key:?}\nreverify_every_hours = 24\n\
             reverify_concurrency = {concurrency}\nscheduler_tick_seconds = 0.05\n\
             [base_urls]\n{p} = {base:?}\n{s} = {base:?}\n",
            key = dir.join("hub.key").display().to_string(),
            p = workload::POLYTOMIC,
            s = workload::SMARTRECRUITERS,
        ),
    )?;
    let admin = setup.init()?;
    let started = Instant::now();
    setup.import(import)?;
    let import_time = started.elapsed();
    let (served, address) = setup.serve()?;

    // No redirects: signing in answers 303 with the session cookie.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let session = sign_in(&http, &address, &admin).await?;
    let queued: Value = http
        .post(format!("{address}/api/v1/reverify"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({}))
        .send()
        .await?
        .json()
        .await?;
    if queued["queued"].as_u64() != Some(accounts) {
        bail!(
            "the hub queued {} accounts, expected {accounts}",
            queued["queued"]
        );
    }
    let pass_started = Instant::now();
    let mut api = Latency::default();
    let mut page = Latency::default();
    let mut pass = None;
    let mut round = 0u64;
    let mut polled = Instant::now();
    while pass.is_none() || api.samples.len() < MIN_SAMPLES {
        round += 1;
        // The first page, a filtered one, and a deep one by cursor, in turn.
        let query = match round % 3 {
            0 => "limit=50".to_owned(),
            1 => format!("limit=50&owner=customer-{}", round % 1000),
            _ => "limit=50&status=verified".to_owned(),
        };
        let t = Instant::now();
        let answer = http
            .get(format!("{address}/api/v1/accounts?{query}"))
            .bearer_auth(&admin)
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("the accounts API answered {}", answer.status());
        }
        answer.bytes().await?;
        api.samples.push(t.elapsed());
        let t = Instant::now();
        let answer = http
            .get(format!("{address}/accounts?{query}"))
            .header("cookie", &session)
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("the Accounts page answered {}", answer.status());
        }
        answer.bytes().await?;
        page.samples.push(t.elapsed());
        // Whether the pass is over, asked every 100 ms: counting the queue reads every
        // account's index entry, which would otherwise be a load of its own.
        if pass.is_none() && polled.elapsed() >= POLL {
            polled = Instant::now();
            let queue: Value = http
                .get(format!("{address}/api/v1/reverify"))
                .bearer_auth(&admin)
                .send()
                .await?
                .json()
                .await?;
            if queue["due"] == 0 && queue["in_progress"] == 0 {
                pass = Some(pass_started.elapsed());
            }
        }
        if pass_started.elapsed() > Duration::from_secs(3600) {
            bail!("the pass did not end within an hour");
        }
    }
    let pass = pass.unwrap_or_default();
    let peak_mib = served.peak_mib();
    let counts: Value = http
        .get(format!("{address}/api/v1/reverify?by_status=true"))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    let [verified, rejected, forbidden] = workload::expected_counts(accounts);
    let by = &counts["by_status"];
    if by["verified"] != verified || by["rejected"] != rejected || by["forbidden"] != forbidden {
        bail!("after the pass the hub counts {by}, expected {verified} verified, {rejected} rejected, {forbidden} forbidden");
    }
    drop(served);
    Ok(Figures {
        database,
        import: import_time,
        pass,
        peak_mib,
        api,
        page,
    })
}

/// Signs in to the pages with `key`; returns the session cookie.
async fn sign_in(http: &reqwest::Client, address: &str, key: &str) -> anyhow::Result<String> {
    let form = http.get(format!("{address}/signin")).send().await?;
    let nonce = cookie(&form, "hub_signin").context("no sign-in cookie")?;
    let html = form.text().await?;
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).context("no CSRF token")? + marker.len();
    let csrf = &html[start..start + 64];
    let signed = http
        .post(format!("{address}/signin"))
        .header("cookie", &nonce)
        .form(&[("_csrf", csrf), ("key", key)])
        .send()
        .await?;
    let status = signed.status();
    cookie(&signed, "hub_session")
        .with_context(|| format!("signing in answered {status} with no session cookie"))
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn print_row(f: &Figures, accounts: u64, bulk: f64) {
    let rate = accounts as f64 / f.pass.as_secs_f64().max(1e-9);
    println!(
        "{:<8} import {:>6.1} s | pass {:>6.1} s, {:>6.0} checks/s, {:.2} of bulk | peak {:>5.1} MiB | API p50 {:>5.1} ms p99 {:>5.1} ms | page p50 {:>5.1} ms p99 {:>5.1} ms ({} samples)",
        f.database,
        f.import.as_secs_f64(),
        f.pass.as_secs_f64(),
        rate,
        rate / bulk,
        f.peak_mib,
        f.api.percentile_ms(0.5),
        f.api.percentile_ms(0.99),
        f.page.percentile_ms(0.5),
        f.page.percentile_ms(0.99),
        f.api.samples.len(),
    );
}

fn print_targets(rows: &[Figures], accounts: u64, bulk: f64) {
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    println!("targets:");
    for f in rows {
        let ratio = accounts as f64 / f.pass.as_secs_f64().max(1e-9) / bulk;
        let p99 = f.api.percentile_ms(0.99).max(f.page.percentile_ms(0.99));
        println!(
            "  {}: pass >= {TARGET_RATIO} of bulk: {} ({ratio:.2}); peak < {TARGET_PEAK_MIB} MiB: {} ({:.1}); list p99 < {TARGET_P99_MS} ms: {} ({p99:.1})",
            f.database,
            verdict(ratio >= TARGET_RATIO),
            verdict(f.peak_mib < TARGET_PEAK_MIB),
            f.peak_mib,
            verdict(p99 < TARGET_P99_MS),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_from_the_sorted_samples() {
        let latency = Latency {
            samples: (1..=100).rev().map(Duration::from_millis).collect(),
        };
        assert_eq!(latency.percentile_ms(0.5), 51.0);
        assert_eq!(latency.percentile_ms(0.99), 99.0);
        assert!(Latency::default().percentile_ms(0.5).is_nan());
    }
}
