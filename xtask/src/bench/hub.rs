//! `cargo xtask bench hub`: the hub at scale. Seeds accounts (imported, so sealed as in
//! production) whose keys the loopback provider answers 60% verified, 20% rejected, 20%
//! forbidden; starts the release-built hub; makes every account due and times the full
//! re-verification pass until the queue is empty, reading the CPU time the hub spent per
//! account; then a second pass while the accounts list API and page are read without pause,
//! for their latency under load; reads the hub's peak memory. `connector check --bulk` runs on
//! the same keys with the same concurrency for the ratio of rates and of CPU per check. On
//! SQLite, and on PostgreSQL when given one, where the database server's CPU per account is
//! reported apart.
//!
//! `--latency` measures the pass at internet latency instead ([`super::hub_latency`]).

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::Value;

use super::hub_process::{
    fresh_postgres, queue_all, queue_empty, sign_in, wait_for_empty_queue, wait_for_pass, Setup,
};
use super::process::{cpu_between, cpu_by_name, measure};
use super::workload;

/// The pass's rate as a share of `connector check --bulk` on the same keys: at least this.
const TARGET_RATIO: f64 = 0.8;
/// The hub's peak memory during the pass: under this.
const TARGET_PEAK_MIB: f64 = 128.0;
/// p99 latency of the accounts list (API and page) under load: under this.
const TARGET_P99_MS: f64 = 50.0;
/// The hub's CPU per account as a multiple of `connector check --bulk`'s per check: at most
/// this on SQLite, and [`TARGET_CPU_PG`] on PostgreSQL (the hub process only).
pub(super) const TARGET_CPU_SQLITE: f64 = 2.0;
pub(super) const TARGET_CPU_PG: f64 = 2.5;
/// Latency samples taken at least (the pass may end before).
const MIN_SAMPLES: usize = 500;
const POLL: Duration = Duration::from_millis(100);
/// How often the queue is asked at the end of the quiet pass.
const QUIET_POLL: Duration = Duration::from_millis(10);
/// Where processes' CPU time is read.
pub(super) const PROC: &str = "/proc";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Accounts to seed [default: 100000; with --quick: 2000; with --latency: 20000, with
    /// --latency --quick: 2000].
    #[arg(long, value_name = "N")]
    pub(super) accounts: Option<u64>,
    /// A fast smoke run (2,000 accounts; with --latency 2,000 accounts over 200 hosts).
    #[arg(long)]
    pub(super) quick: bool,
    /// Checks in flight, for the hub (`reverify_concurrency`) and for `connector check --bulk`
    /// [default: 64; with --latency: 256].
    #[arg(long, value_name = "N")]
    pub(super) concurrency: Option<usize>,
    /// Also measure on PostgreSQL: an admin URL (`postgres://user:pw@127.0.0.1/db`) whose user
    /// may create databases; the bench creates a fresh one there (needs `psql`).
    #[arg(long, value_name = "URL", env = "CONNECTOR_HUB_BENCH_POSTGRES")]
    pub(super) postgres: Option<String>,
    /// The pass at internet latency instead: Workable accounts spread over --hosts customer
    /// hosts under `*.bench.test`, a loopback HTTPS server answering after --delay-ms, the hub
    /// set up with `ca_cert` and `resolve`; the pass's rate against the limit (concurrency ÷
    /// delay) and `connector check --bulk`, peak memory, CPU per account, and that no account
    /// was checked twice.
    #[arg(long)]
    pub(super) latency: bool,
    /// With --latency: how long the server takes to answer, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 50)]
    pub(super) delay_ms: u64,
    /// With --latency: distinct customer hosts [default: 2000; with --quick: 200].
    #[arg(long, value_name = "N")]
    pub(super) hosts: Option<u64>,
    /// With --latency and --postgres: hub processes sharing the database (distinct ports), one
    /// of them queuing the pass; above 1, a one-process pass runs first for the speed-up.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(super) processes: usize,
}

/// One database's figures.
#[derive(Debug)]
struct Figures {
    database: &'static str,
    import: Duration,
    /// The first pass, alone.
    pass: Duration,
    /// The second pass, while the accounts list is read without pause.
    loaded: Duration,
    peak_mib: f64,
    /// The hub process's CPU time during the first pass, per account.
    hub_cpu: Duration,
    /// The PostgreSQL server's (every `postgres` process), per account; on SQLite none.
    db_cpu: Option<Duration>,
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
    if args.latency {
        return super::hub_latency::run(super::hub_latency::Plan::from_args(&args)?);
    }
    if args.processes != 1 || args.hosts.is_some() {
        bail!("--processes and --hosts apply with --latency only");
    }
    let accounts = args
        .accounts
        .unwrap_or(if args.quick { 2_000 } else { 100_000 });
    let concurrency = args.concurrency.unwrap_or(64);
    if accounts == 0 || concurrency == 0 {
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
        concurrency,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    let bulk = bulk_run(
        connector,
        &bulk_input,
        accounts,
        concurrency,
        &base,
        dir.path(),
    )?;
    println!(
        "connector check --bulk: {:.0} checks/s, CPU {:.1} µs per check",
        bulk.rate,
        micros(bulk.cpu_per_check)
    );

    let mut databases: Vec<(&'static str, String)> = vec![(
        "sqlite",
        format!("sqlite://{}", dir.path().join("hub.db").display()),
    )];
    // Dropped (the database with it) when the runs are over.
    let postgres = args.postgres.as_deref().map(fresh_postgres).transpose()?;
    if let Some(fresh) = &postgres {
        databases.push(("postgres", fresh.url.clone()));
    }
    let run = HubRun {
        hub,
        import: &import_input,
        accounts,
        concurrency,
        base: &base,
    };
    let mut rows = Vec::new();
    for (name, url) in databases {
        let run_dir = dir.path().join(name);
        std::fs::create_dir_all(&run_dir)?;
        let figures = runtime.block_on(measure_hub(&run, name, &url, &run_dir))?;
        print_row(&figures, accounts, &bulk);
        rows.push(figures);
    }
    print_targets(&rows, accounts, &bulk);
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

/// `connector check --bulk`'s figures on the same keys.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bulk {
    /// Checks per second.
    pub(super) rate: f64,
    /// CPU time (user and system) per check.
    pub(super) cpu_per_check: Duration,
}

/// Microseconds, for printing.
pub(super) fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// `connector check --bulk` on the same keys.
fn bulk_run(
    connector: &Path,
    input: &Path,
    accounts: u64,
    concurrency: usize,
    base: &str,
    dir: &Path,
) -> anyhow::Result<Bulk> {
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
    Ok(Bulk {
        rate: accounts as f64 / measured.elapsed.as_secs_f64().max(1e-9),
        cpu_per_check: measured.cpu.div_f64(accounts.max(1) as f64),
    })
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
    // Imported accounts are due at once: the hub checks them as it starts. That pass ends
    // before the measured ones begin.
    wait_for_empty_queue(&http, &address, &admin, POLL, Duration::from_secs(3600)).await?;

    // The first pass alone, for its rate and CPU: the list requests of the second would
    // otherwise count as the pass's work.
    let postgres_before =
        (database == "postgres").then(|| cpu_by_name(Path::new(PROC), "postgres"));
    let hub_before = served.cpu();
    let answered = super::server::answered();
    queue_all(&http, &address, &admin, accounts).await?;
    let pass_started = Instant::now();
    wait_for_pass(
        &http,
        (&address, &admin),
        || super::server::answered() - answered,
        accounts,
        (POLL, QUIET_POLL),
        Duration::from_secs(3600),
    )
    .await?;
    let pass = pass_started.elapsed();
    let hub_cpu = served.cpu().saturating_sub(hub_before);
    let db_cpu = postgres_before
        .as_ref()
        .map(|before| cpu_between(before, &cpu_by_name(Path::new(PROC), "postgres")));

    // The second pass under a steady load of list requests, for their latency.
    queue_all(&http, &address, &admin, accounts).await?;
    let loaded_started = Instant::now();
    let mut api = Latency::default();
    let mut page = Latency::default();
    let mut loaded = None;
    let mut round = 0u64;
    let mut polled = Instant::now();
    while loaded.is_none() || api.samples.len() < MIN_SAMPLES {
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
        if loaded.is_none() && polled.elapsed() >= POLL {
            polled = Instant::now();
            if queue_empty(&http, &address, &admin).await? {
                loaded = Some(loaded_started.elapsed());
            }
        }
        if loaded_started.elapsed() > Duration::from_secs(3600) {
            bail!("the pass did not end within an hour");
        }
    }
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
        loaded: loaded.unwrap_or_default(),
        peak_mib,
        hub_cpu: hub_cpu.div_f64(accounts.max(1) as f64),
        db_cpu: db_cpu.map(|d: Duration| d.div_f64(accounts.max(1) as f64)),
        api,
        page,
    })
}

fn print_row(f: &Figures, accounts: u64, bulk: &Bulk) {
    let rate = accounts as f64 / f.pass.as_secs_f64().max(1e-9);
    let db = f.db_cpu.map_or(String::new(), |d| {
        format!(" | database CPU {:.1} µs/account", micros(d))
    });
    println!(
        "{:<8} import {:>6.1} s | pass {:>6.1} s, {:>6.0} checks/s, {:.2} of bulk (under list load {:.1} s) | peak {:>5.1} MiB | hub CPU {:.1} µs/account, {:.2}x bulk's {:.1} µs/check{db} | API p50 {:>5.1} ms p99 {:>5.1} ms | page p50 {:>5.1} ms p99 {:>5.1} ms ({} samples)",
        f.database,
        f.import.as_secs_f64(),
        f.pass.as_secs_f64(),
        rate,
        rate / bulk.rate,
        f.loaded.as_secs_f64(),
        f.peak_mib,
        micros(f.hub_cpu),
        cpu_ratio(f.hub_cpu, bulk),
        micros(bulk.cpu_per_check),
        f.api.percentile_ms(0.5),
        f.api.percentile_ms(0.99),
        f.page.percentile_ms(0.5),
        f.page.percentile_ms(0.99),
        f.api.samples.len(),
    );
}

/// The hub's CPU per account as a multiple of bulk's per check.
pub(super) fn cpu_ratio(hub: Duration, bulk: &Bulk) -> f64 {
    hub.as_secs_f64() / bulk.cpu_per_check.as_secs_f64().max(1e-12)
}

/// The goal for [`cpu_ratio`] on this database.
pub(super) fn cpu_goal(database: &str) -> f64 {
    if database == "postgres" {
        TARGET_CPU_PG
    } else {
        TARGET_CPU_SQLITE
    }
}

fn print_targets(rows: &[Figures], accounts: u64, bulk: &Bulk) {
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    println!("targets:");
    for f in rows {
        let ratio = accounts as f64 / f.pass.as_secs_f64().max(1e-9) / bulk.rate;
        let p99 = f.api.percentile_ms(0.99).max(f.page.percentile_ms(0.99));
        let cpu = cpu_ratio(f.hub_cpu, bulk);
        let goal = cpu_goal(f.database);
        println!(
            "  {}: pass >= {TARGET_RATIO} of bulk: {} ({ratio:.2}); peak < {TARGET_PEAK_MIB} MiB: {} ({:.1}); list p99 < {TARGET_P99_MS} ms: {} ({p99:.1}); hub CPU/account <= {goal}x bulk's CPU/check: {} ({cpu:.2}x)",
            f.database,
            verdict(ratio >= TARGET_RATIO),
            verdict(f.peak_mib < TARGET_PEAK_MIB),
            f.peak_mib,
            verdict(p99 < TARGET_P99_MS),
            verdict(cpu <= goal),
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
