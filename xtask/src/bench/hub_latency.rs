//! `cargo xtask bench hub --latency`: the hub's re-verification pass at internet latency. The
//! latency bench's loopback HTTPS server ([`super::latency`]) answers every host under
//! `*.bench.test` after `--delay-ms`; Workable accounts (a placeholder host,
//! `https://{subdomain}.…`) spread over `--hosts` customer hosts are imported into the hub, which
//! reaches them through its `resolve` and `ca_cert` settings. Every account is made due and the
//! pass is timed until the queue is empty; `connector check --bulk` runs on the same keys at the
//! same concurrency. Reports the pass's rate against the limit (concurrency ÷ delay) and bulk,
//! the hub's peak memory and CPU per account (and the database server's on PostgreSQL), and fails
//! if the server saw any key other than exactly once. With `--processes N` (PostgreSQL), N hub
//! processes share the database after a one-process pass, for the speed-up.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::Value;

use super::hub::{cpu_goal, cpu_ratio, micros, Args, Bulk, PROC};
use super::hub_process::{fresh_postgres, queue_all, wait_for_empty_queue, wait_for_pass, Setup};
use super::latency::{self, Server, CONNECTOR, DOMAIN};
use super::process::{cpu_between, cpu_by_name};

/// The pass's rate as a share of `connector check --bulk` on the same keys: at least this.
const TARGET_OF_BULK: f64 = 0.8;
/// The pass's rate as a share of the limit (concurrency ÷ delay): at least this.
const TARGET_OF_LIMIT: f64 = 0.75;
/// The hub's peak memory: under this.
const TARGET_PEAK_MIB: f64 = 128.0;
/// N processes' rate over one process's, for N = 2: at least this.
const TARGET_SPEEDUP_2: f64 = 1.8;
/// How often the queue is asked whether the pass is over.
const POLL: Duration = Duration::from_millis(25);

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Plan {
    accounts: u64,
    hosts: u64,
    delay: Duration,
    concurrency: usize,
    processes: usize,
    postgres: Option<String>,
}

impl Plan {
    /// The plan `bench hub --latency`'s arguments give, or why they do not make one.
    pub(super) fn from_args(args: &Args) -> anyhow::Result<Self> {
        let plan = Self {
            accounts: args
                .accounts
                .unwrap_or(if args.quick { 2_000 } else { 20_000 }),
            hosts: args.hosts.unwrap_or(if args.quick { 200 } else { 2_000 }),
            delay: Duration::from_millis(args.delay_ms),
            concurrency: args.concurrency.unwrap_or(256),
            processes: args.processes,
            postgres: args.postgres.clone(),
        };
        if plan.accounts == 0 || plan.hosts == 0 || plan.concurrency == 0 || plan.processes == 0 {
            bail!("--accounts, --hosts, --concurrency and --processes must be at least 1");
        }
        if plan.processes > 1 && plan.postgres.is_none() {
            bail!(
                "--processes {} needs --postgres URL: hub processes share a database on \
                 PostgreSQL only",
                plan.processes
            );
        }
        Ok(plan)
    }

    /// Checks per second the concurrency allows at this delay.
    fn limit(&self) -> f64 {
        self.concurrency as f64 / self.delay.as_secs_f64().max(1e-6)
    }
}

/// One pass's figures.
#[derive(Debug)]
struct Pass {
    database: &'static str,
    processes: usize,
    elapsed: Duration,
    /// The highest peak of the hub processes.
    peak_mib: f64,
    /// All hub processes' CPU per account.
    hub_cpu: Duration,
    /// The PostgreSQL server's CPU per account.
    db_cpu: Option<Duration>,
}

impl Pass {
    fn rate(&self, accounts: u64) -> f64 {
        accounts as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

pub(super) fn run(plan: Plan) -> anyhow::Result<ExitCode> {
    let built = super::build_release(&[
        ("connector-cli", "connector"),
        ("connector-hub", "connector-hub"),
    ])?;
    let (connector, hub) = (&built[0], &built[1]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dir = tempfile::tempdir()?;
    let server = runtime.block_on(latency::start(plan.delay, dir.path(), plan.accounts))?;
    let bulk_input = dir.path().join("bulk.jsonl");
    latency::write_input(&bulk_input, plan.accounts, plan.hosts)?;
    let import = dir.path().join("import.jsonl");
    write_import(&import, plan.accounts, plan.hosts)?;
    println!(
        "bench hub --latency: {} accounts over {} hosts, delay {} ms, concurrency {} (limit {:.0} checks/s), {} cores",
        plan.accounts,
        plan.hosts,
        plan.delay.as_millis(),
        plan.concurrency,
        plan.limit(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );

    let measured = latency::bulk_run(
        &server,
        connector,
        &bulk_input,
        plan.accounts,
        plan.concurrency,
        dir.path(),
    )?
    .measured;
    once_each(&server, plan.accounts, "connector check --bulk")?;
    let bulk = Bulk {
        rate: plan.accounts as f64 / measured.elapsed.as_secs_f64().max(1e-9),
        cpu_per_check: measured.cpu.div_f64(plan.accounts as f64),
    };
    println!(
        "connector check --bulk: {:.0} checks/s ({:.2} s), {:.2} of the limit, peak {:.1} MiB, CPU {:.1} µs per check",
        bulk.rate,
        measured.elapsed.as_secs_f64(),
        bulk.rate / plan.limit(),
        measured.peak_rss_kib as f64 / 1024.0,
        micros(bulk.cpu_per_check),
    );

    let mut runs: Vec<(&'static str, String, usize)> = vec![(
        "sqlite",
        format!("sqlite://{}", dir.path().join("hub.db").display()),
        1,
    )];
    // Dropped (their databases with them) when the runs are over.
    let mut fresh = Vec::new();
    if let Some(admin) = &plan.postgres {
        fresh.push(fresh_postgres(admin)?);
        runs.push(("postgres", fresh[0].url.clone(), 1));
        if plan.processes > 1 {
            fresh.push(fresh_postgres(admin)?);
            runs.push(("postgres", fresh[1].url.clone(), plan.processes));
        }
    }
    let mut passes = Vec::new();
    for (index, (database, url, processes)) in runs.into_iter().enumerate() {
        let run_dir = dir.path().join(format!("{database}-{index}"));
        std::fs::create_dir_all(&run_dir)?;
        let context = Context {
            plan: &plan,
            server: &server,
            hub,
            import: &import,
            dir: &run_dir,
        };
        let pass = runtime.block_on(context.pass(database, &url, processes))?;
        print_pass(&pass, &plan, &bulk);
        passes.push(pass);
    }
    print_targets(&passes, &plan, &bulk);
    drop(runtime);
    Ok(ExitCode::SUCCESS)
}

/// The import file: line `index`'s Workable account (subdomain and key as the bulk input has
/// them), with an owner (1,000 owners) and a label.
fn write_import(path: &Path, accounts: u64, hosts: u64) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    for index in 0..accounts {
        let (subdomain, key) = latency::line(index, hosts);
        writeln!(
            out,
            r#"{{"connector":"{CONNECTOR}","credentials":{{"subdomain":"{subdomain}","api_key":"{key}"}},"owner":"customer-{}","label":"Account {index}"}}"#,
            index % 1000
        )?;
    }
    out.flush()
}

/// Fails unless the server saw each of the first `keys` keys exactly once since its last reset.
fn once_each(server: &Server, keys: u64, who: &str) -> anyhow::Result<()> {
    let tally = server.tally(keys);
    if tally.once != keys || tally.unknown > 0 {
        bail!(
            "{who}: of {keys} keys the provider saw {} once, {} never and {} more than once \
             (first: {:?} as (key index, requests)), and {} requests with no known key",
            tally.once,
            tally.never,
            tally.more,
            tally.repeated,
            tally.unknown
        );
    }
    Ok(())
}

/// What each pass shares.
struct Context<'a> {
    plan: &'a Plan,
    server: &'a Server,
    hub: &'a Path,
    import: &'a Path,
    dir: &'a Path,
}

impl Context<'_> {
    /// Imports the accounts into a hub on `url`, starts `processes` hub processes, makes every
    /// account due through the first and times the pass until the queue is empty.
    async fn pass(
        &self,
        database: &'static str,
        url: &str,
        processes: usize,
    ) -> anyhow::Result<Pass> {
        let plan = self.plan;
        let port = self.server.port;
        let settings = format!(
            "database = {url:?}\nmaster_key_file = {key:?}\nreverify_every_hours = 24\n\
             reverify_concurrency = {concurrency}\nscheduler_tick_seconds = 0.05\n\
             check_timeout = 30\nca_cert = {ca:?}\nresolve = [\"*.{DOMAIN}:{port}:127.0.0.1\"]\n\
             [base_urls]\n{CONNECTOR} = \"https://{{subdomain}}.{DOMAIN}:{port}/spi/v3\"\n\
             [rates]\n{CONNECTOR} = 1000000\n",
            key = self.dir.join("hub.key").display().to_string(),
            concurrency = plan.concurrency,
            ca = self.server.ca_file.display().to_string(),
        );
        let setup = Setup::new(self.hub, self.dir, &settings)?;
        let admin = setup.init()?;
        setup.import(self.import)?;
        let mut served = Vec::new();
        for _ in 0..processes {
            served.push(setup.serve()?);
        }
        let address = served[0].1.clone();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        // The import makes its first accounts due at once: let the hub check them first, so
        // the pass starts from a quiet queue.
        wait_for_empty_queue(&http, &address, &admin, POLL, Duration::from_secs(60)).await?;

        self.server.reset();
        let db_before = (database == "postgres").then(|| cpu_by_name(Path::new(PROC), "postgres"));
        let cpu_before: Vec<Duration> = served.iter().map(|(s, _)| s.cpu()).collect();
        queue_all(&http, &address, &admin, plan.accounts).await?;
        let started = Instant::now();
        wait_for_pass(
            &http,
            (&address, &admin),
            || self.server.requests(),
            plan.accounts,
            (POLL, POLL),
            Duration::from_secs(3600),
        )
        .await?;
        let elapsed = started.elapsed();
        let hub_cpu: Duration = served
            .iter()
            .zip(&cpu_before)
            .map(|((s, _), before)| s.cpu().saturating_sub(*before))
            .sum();
        let db_cpu =
            db_before.map(|before| cpu_between(&before, &cpu_by_name(Path::new(PROC), "postgres")));
        let peak_mib = served.iter().map(|(s, _)| s.peak_mib()).fold(0.0, f64::max);
        once_each(
            self.server,
            plan.accounts,
            &format!("the hub's pass ({database}, {processes} process(es))"),
        )?;
        let counts: Value = http
            .get(format!("{address}/api/v1/reverify?by_status=true"))
            .bearer_auth(&admin)
            .send()
            .await?
            .json()
            .await?;
        if counts["by_status"]["verified"] != plan.accounts {
            bail!(
                "after the pass the hub counts {}, expected {} verified",
                counts["by_status"],
                plan.accounts
            );
        }
        drop(served);
        let per_account = |d: Duration| d.div_f64(plan.accounts as f64);
        Ok(Pass {
            database,
            processes,
            elapsed,
            peak_mib,
            hub_cpu: per_account(hub_cpu),
            db_cpu: db_cpu.map(per_account),
        })
    }
}

fn print_pass(pass: &Pass, plan: &Plan, bulk: &Bulk) {
    let rate = pass.rate(plan.accounts);
    let db = pass.db_cpu.map_or(String::new(), |d| {
        format!(", database CPU {:.1} µs/account", micros(d))
    });
    println!(
        "{:<8} {} process(es): pass {:.2} s, {:.0} checks/s, {:.2} of the limit, {:.2} of bulk | peak {:.1} MiB | hub CPU {:.1} µs/account ({:.2}x bulk's){db}",
        pass.database,
        pass.processes,
        pass.elapsed.as_secs_f64(),
        rate,
        rate / plan.limit(),
        rate / bulk.rate,
        pass.peak_mib,
        micros(pass.hub_cpu),
        cpu_ratio(pass.hub_cpu, bulk),
    );
}

fn print_targets(passes: &[Pass], plan: &Plan, bulk: &Bulk) {
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    println!("targets:");
    for pass in passes {
        let rate = pass.rate(plan.accounts);
        let (of_bulk, of_limit) = (rate / bulk.rate, rate / plan.limit());
        let cpu = cpu_ratio(pass.hub_cpu, bulk);
        let goal = cpu_goal(pass.database);
        println!(
            "  {} x{}: >= {TARGET_OF_BULK} of bulk: {} ({of_bulk:.2}); >= {TARGET_OF_LIMIT} of the limit: {} ({of_limit:.2}); peak < {TARGET_PEAK_MIB} MiB: {} ({:.1}); hub CPU/account <= {goal}x bulk's CPU/check: {} ({cpu:.2}x)",
            pass.database,
            pass.processes,
            verdict(of_bulk >= TARGET_OF_BULK),
            verdict(of_limit >= TARGET_OF_LIMIT),
            verdict(pass.peak_mib < TARGET_PEAK_MIB),
            pass.peak_mib,
            verdict(cpu <= goal),
        );
    }
    let one = passes
        .iter()
        .find(|p| p.database == "postgres" && p.processes == 1);
    let many = passes
        .iter()
        .find(|p| p.database == "postgres" && p.processes > 1);
    if let (Some(one), Some(many)) = (one, many) {
        let speedup = many.rate(plan.accounts) / one.rate(plan.accounts);
        let goal = if many.processes == 2 {
            format!(
                ">= {TARGET_SPEEDUP_2}: {}",
                verdict(speedup >= TARGET_SPEEDUP_2)
            )
        } else {
            "no goal".to_owned()
        };
        println!(
            "  postgres: {} processes over 1, {goal} ({speedup:.2}x)",
            many.processes
        );
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn plan(argv: &[&str]) -> anyhow::Result<Plan> {
        let cli = Cli::try_parse_from(["hub"].iter().chain(argv)).expect("parses");
        Plan::from_args(&cli.args)
    }

    #[test]
    fn defaults_follow_quick_and_the_flags_win() {
        let full = plan(&["--latency"]).expect("a plan");
        assert_eq!(
            (full.accounts, full.hosts, full.concurrency, full.processes),
            (20_000, 2_000, 256, 1)
        );
        assert_eq!(full.delay, Duration::from_millis(50));
        assert_eq!(full.limit(), 5_120.0);
        let quick = plan(&["--latency", "--quick"]).expect("a plan");
        assert_eq!((quick.accounts, quick.hosts), (2_000, 200));
        let given = plan(&[
            "--latency",
            "--accounts",
            "10",
            "--hosts",
            "3",
            "--concurrency",
            "4",
            "--delay-ms",
            "5",
            "--postgres",
            "postgres://u:p@127.0.0.1/db",
            "--processes",
            "2",
        ])
        .expect("a plan");
        assert_eq!(
            (
                given.accounts,
                given.hosts,
                given.concurrency,
                given.processes
            ),
            (10, 3, 4, 2)
        );
    }

    #[test]
    fn more_processes_need_postgres_and_nothing_may_be_zero() {
        let err = plan(&["--latency", "--processes", "2"]).expect_err("no database to share");
        assert!(err.to_string().contains("needs --postgres"), "{err}");
        for zero in ["--accounts", "--hosts", "--concurrency", "--processes"] {
            let err = plan(&["--latency", zero, "0"]).expect_err(zero);
            assert!(err.to_string().contains("at least 1"), "{zero}: {err}");
        }
    }
}
