//! The hub's processes as the hub benches run them: a settings file and directory, `init`,
//! `import`, `serve` on a free loopback port (stopped on drop), a fresh PostgreSQL database, and
//! signing in to the pages.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context as _};
use serde_json::Value;

use super::process::{cpu_time, peak_rss_kib};

/// A new, empty database on a PostgreSQL server, dropped again when this is dropped (after the
/// hub processes using it have stopped), so benches leave nothing behind on the server.
pub(super) struct FreshDatabase {
    admin: String,
    name: String,
    /// Where the hub finds it.
    pub url: String,
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let dropped = Command::new("psql")
            .arg(&self.admin)
            .args([
                "-qc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !dropped.is_ok_and(|status| status.success()) {
            eprintln!(
                "bench: could not drop the bench database {} on the --postgres server; drop it by hand",
                self.name
            );
        }
    }
}

/// A new, empty database on the PostgreSQL server `admin` points at.
pub(super) fn fresh_postgres(admin: &str) -> anyhow::Result<FreshDatabase> {
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
    let url = if query.is_empty() {
        format!("{root}/{name}")
    } else {
        format!("{root}/{name}?{query}")
    };
    Ok(FreshDatabase {
        admin: admin.to_owned(),
        name,
        url,
    })
}

/// The hub as a child process, stopped on drop.
pub(super) struct Served(Child);

impl Served {
    pub(super) fn pid(&self) -> u32 {
        self.0.id()
    }

    /// CPU time (user and system) the hub has used so far; zero where `/proc` is missing.
    pub(super) fn cpu(&self) -> Duration {
        cpu_time(self.0.id()).unwrap_or_default()
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

/// Signs in to the pages with `key`; returns the session cookie.
pub(super) async fn sign_in(
    http: &reqwest::Client,
    address: &str,
    key: &str,
) -> anyhow::Result<String> {
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

/// Makes every account due (`POST /api/v1/reverify`); fails unless all `accounts` are queued.
pub(super) async fn queue_all(
    http: &reqwest::Client,
    address: &str,
    admin: &str,
    accounts: u64,
) -> anyhow::Result<()> {
    let queued: Value = http
        .post(format!("{address}/api/v1/reverify"))
        .bearer_auth(admin)
        .json(&serde_json::json!({}))
        .send()
        .await?
        .json()
        .await
        .context("the answer to queueing every account")?;
    if queued["queued"].as_u64() != Some(accounts) {
        bail!(
            "the hub queued {} accounts, expected {accounts}",
            queued["queued"]
        );
    }
    Ok(())
}

/// Whether no account is due or being checked.
pub(super) async fn queue_empty(
    http: &reqwest::Client,
    address: &str,
    admin: &str,
) -> anyhow::Result<bool> {
    let queue: Value = http
        .get(format!("{address}/api/v1/reverify"))
        .bearer_auth(admin)
        .send()
        .await?
        .json()
        .await
        .context("the queue's answer")?;
    Ok(queue["due"] == 0 && queue["in_progress"] == 0)
}

/// Waits for a pass over `accounts` accounts to end: until the provider has seen `accounts`
/// requests (`requests` counts them in the bench's own process) every `poll`, then asking the
/// hub's queue every `quiet_poll` until nothing is due or being checked; fails after `limit`.
/// The queue is not asked while checks are still being sent: its counts read every account's
/// row, work of the bench's own that would be charged to the pass (on PostgreSQL, polling it
/// every 25 ms took about half the database's CPU during a pass at 20,000 accounts).
pub(super) async fn wait_for_pass(
    http: &reqwest::Client,
    (address, admin): (&str, &str),
    requests: impl Fn() -> u64,
    accounts: u64,
    (poll, quiet_poll): (Duration, Duration),
    limit: Duration,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    loop {
        let sent = requests() >= accounts;
        tokio::time::sleep(if sent { quiet_poll } else { poll }).await;
        if sent && queue_empty(http, address, admin).await? {
            return Ok(());
        }
        if started.elapsed() > limit {
            bail!("the pass did not end within {} s", limit.as_secs());
        }
    }
}

/// Asks every `poll` until no account is due or being checked; fails after `limit`.
pub(super) async fn wait_for_empty_queue(
    http: &reqwest::Client,
    address: &str,
    admin: &str,
    poll: Duration,
    limit: Duration,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    while !queue_empty(http, address, admin).await? {
        if started.elapsed() > limit {
            bail!("the hub's queue did not empty within {} s", limit.as_secs());
        }
        tokio::time::sleep(poll).await;
    }
    Ok(())
}
