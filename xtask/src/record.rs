//! `cargo xtask record`: writes a fixture from what the real provider answers to the connector's
//! verification request (and its token exchange), redacted. The logic lives in
//! `connector_testkit::record`. With `--definitions DIR`, the connector is one defined in DIR
//! and the fixture goes beside its definition, to `DIR/<id>/`.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use connector_core::check::resolve_variant;
use connector_core::{Connector, Limits};
use connector_testkit::record::{record, RecordOptions};
use serde_json::Value;

/// Record a fixture from the real provider with your own key, redacted before it is written.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Sends the connector's real verification request (after its token exchange, if it has one) with \
the credentials given, then writes fixtures/<ID>/<SCENARIO>.json in the suite's format. Before \
writing, every secret (and an exchanged token) is replaced by a fake value of the field's format \
(the spec's example), identifying credential values (a subdomain, a company id) likewise, every \
value under a member the spec lists as `identifying` (ids, emails, names) by a stable \
placeholder, and response headers are cut to content type, Retry-After and rate-limit headers. \
The redacted answers are replayed on 127.0.0.1 with the fake credentials: the fixture's request \
and expected outcome come from that replay. A file that still holds a run of 12 characters of a \
secret in any encoding is refused. What was redacted is printed; no value is.

Credentials: --credentials FILE (a JSON object of field values; - reads stdin), else each field's \
environment variable (see `connector describe ID`).

Examples:
  POLYTOMIC_API_KEY=… cargo xtask record polytomic --scenario valid-key
  cargo xtask record greenhouse --credentials creds.json --scenario revoked-key --force
  cargo xtask record workable --credentials - --scenario valid-key < creds.json

For a connector defined in a file: --definitions DIR loads DIR's *.toml files, ID names one of \
them, and the fixture is written to DIR/<ID>/<SCENARIO>.json, e.g.
  ACME_HIRE_API_KEY=… cargo xtask record acme-hire --definitions definitions --scenario valid-key

Then: cargo xtask conformance --connector ID (with the same --definitions DIR for a defined \
connector), and cargo xtask docs.")]
pub struct Args {
    /// The connector's id, e.g. `polytomic`.
    id: String,
    /// The scenario's name (kebab-case), also its file name: e.g. `valid-key`, `revoked-key`.
    #[arg(long, value_name = "NAME")]
    scenario: String,
    /// A credential variant other than the connector's default.
    #[arg(long, value_name = "V")]
    variant: Option<String>,
    /// A JSON object of field values; `-` reads it from stdin.
    #[arg(long, value_name = "FILE|-")]
    credentials: Option<PathBuf>,
    /// Send to URL instead of the spec's API base URL; NAME=URL for a named origin (e.g.
    /// `auth=https://…`). Repeatable.
    #[arg(long = "base-url", value_name = "[NAME=]URL")]
    base_urls: Vec<String>,
    /// The scenario's description (default: what the provider answered).
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// Replace an existing fixture of that name.
    #[arg(long)]
    force: bool,
    /// The fixtures directory; defaults to the workspace's `fixtures/`, or with --definitions
    /// to the definitions directory (the file goes to DIR/<ID>/).
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
    /// Record for a connector defined in DIR instead of a compiled one: DIR's *.toml files are
    /// loaded (a broken one stops the command, each problem named by file and line), ID names
    /// one of them, and the fixture is written to DIR/<ID>/<SCENARIO>.json.
    #[arg(long, value_name = "DIR")]
    definitions: Option<PathBuf>,
    /// Seconds the whole check may take, retries included.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let connector: &'static dyn Connector = match &args.definitions {
        // One command, one connector: it lives as long as the process, as a compiled one does.
        Some(dir) => Box::leak(Box::new(crate::definitions::take(
            crate::definitions::load(dir)?,
            &args.id,
            dir,
        )?)),
        None => match connector_registry::lookup(&args.id) {
            Ok(connector) => connector,
            Err(unknown) => bail!(
                "{unknown}; registered: {}",
                connector_registry::UnknownConnector::known().join(", ")
            ),
        },
    };
    let spec = connector.spec();
    let variant = resolve_variant(spec, args.variant.as_deref())
        .map_err(|message| anyhow::anyhow!("--variant: {message}"))?;
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 300.0) {
        bail!("--timeout must be a number of seconds between 0 and 300");
    }
    let credentials = match &args.credentials {
        Some(path) => read_credentials(path)?,
        None => {
            let from_env: BTreeMap<String, String> = variant
                .fields
                .iter()
                .filter_map(|f| {
                    let value = std::env::var(f.env?).ok().filter(|v| !v.is_empty())?;
                    Some((f.key.to_owned(), value))
                })
                .collect();
            let missing: Vec<&str> = variant
                .fields
                .iter()
                .filter(|f| f.required && f.default.is_none() && !from_env.contains_key(f.key))
                .map(|f| f.env.unwrap_or(f.key))
                .collect();
            if !missing.is_empty() {
                bail!(
                    "no credentials for {} {}: set {} or pass --credentials FILE",
                    spec.id,
                    variant.name,
                    missing.join(", ")
                );
            }
            from_env
        }
    };
    let base_urls = args
        .base_urls
        .iter()
        .map(|flag| match flag.split_once('=') {
            Some((name, url)) if !name.contains(':') && !name.contains('/') => {
                (Some(name.trim().to_owned()), url.trim().to_owned())
            }
            _ => (None, flag.trim().to_owned()),
        })
        .collect();
    let options = RecordOptions {
        connector,
        variant: args.variant.clone(),
        credentials,
        base_urls,
        scenario: args.scenario.clone(),
        description: args.description.clone(),
        fixtures: args
            .fixtures
            .clone()
            .or_else(|| args.definitions.clone())
            .unwrap_or_else(|| crate::workspace_root().join("fixtures")),
        force: args.force,
        limits: Limits {
            timeout: Duration::from_secs_f64(args.timeout),
            ..Limits::default()
        },
    };
    eprintln!(
        "record: sending {}'s verification request ({} {}) to the provider…",
        spec.name,
        variant.name,
        variant.verify.describe()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let recorded = runtime.block_on(record(options))?;
    for line in &recorded.redactions {
        eprintln!("  redacted: {line}");
    }
    if recorded.redactions.is_empty() {
        eprintln!("  redacted: nothing needed replacing");
    }
    let definitions = args
        .definitions
        .as_ref()
        .map(|dir| format!(" --definitions {}", dir.display()))
        .unwrap_or_default();
    println!(
        "wrote {} ({}{}, {} request(s)); next: cargo xtask conformance{definitions} --connector {}",
        recorded.path.display(),
        recorded.status,
        recorded
            .http_status
            .map_or_else(String::new, |s| format!(", HTTP {s}")),
        recorded.requests,
        spec.id
    );
    Ok(ExitCode::SUCCESS)
}

fn read_credentials(path: &std::path::Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the credentials from stdin")?;
        text
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --credentials {}", path.display()))?
    };
    // The parse error is not shown: it may quote part of a key.
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&text) else {
        bail!(
            "--credentials must hold one JSON object of field values, e.g. {{\"api_key\": \"…\"}}"
        );
    };
    map.into_iter()
        .map(|(key, value)| match value {
            Value::String(s) => Ok((key, s)),
            Value::Bool(_) | Value::Number(_) => Ok((key, value.to_string())),
            _ => bail!("--credentials: field `{key}` must be a string"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn args(list: &[&str]) -> Args {
        Cli::try_parse_from(std::iter::once("record").chain(list.iter().copied()))
            .expect("valid arguments")
            .args
    }

    #[test]
    fn credentials_that_are_not_an_object_are_refused_without_quoting_them() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("creds.json");
        std::fs::write(&file, "\"sk_live_quoted_0123456789abcdef\"").expect("written");
        let error = run(args(&[
            "polytomic",
            "--scenario",
            "valid-key",
            "--credentials",
            file.to_str().expect("a UTF-8 path"),
            "--fixtures",
            dir.path().to_str().expect("a UTF-8 path"),
        ]))
        .expect_err("refused");
        let message = format!("{error:#}");
        assert!(message.contains("one JSON object"), "{message}");
        assert!(!message.contains("sk_live_quoted"), "{message}");
    }

    /// A provider on 127.0.0.1 answering every request with Polymer Hire's organization.
    fn organization_server() -> std::net::SocketAddr {
        use std::io::{BufRead as _, BufReader, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let address = listener.local_addr().expect("an address");
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                // The request's head; a GET has no body.
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let body = r#"{"id": 4211, "name": "Example Robotics Ltd"}"#;
                let _ = write!(
                    &stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        address
    }

    /// `--definitions DIR`: the connector is one of DIR's and the fixture lands in DIR/<id>/,
    /// where `conformance --definitions DIR` reads it.
    #[test]
    fn a_defined_connector_records_into_its_definitions_directory() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let id = crate::conformance::tests::defined_copy(dir.path(), "polymer-hire");
        std::fs::remove_file(dir.path().join(&id).join("valid-key.json")).expect("removed");
        let creds = tempfile::NamedTempFile::new().expect("a credentials file");
        std::fs::write(
            creds.path(),
            r#"{"api_key": "live0polymer0key0f00dcafe1234"}"#,
        )
        .expect("written");
        let base = format!("http://{}/v1/hire", organization_server());
        let path = dir.path().to_str().expect("a UTF-8 path");
        let code = run(args(&[
            &id,
            "--definitions",
            path,
            "--scenario",
            "valid-key",
            "--credentials",
            creds.path().to_str().expect("a UTF-8 path"),
            "--base-url",
            &base,
        ]))
        .expect("recorded");
        assert_eq!(code, ExitCode::SUCCESS);
        let written = std::fs::read_to_string(dir.path().join(&id).join("valid-key.json"))
            .expect("the fixture is in DIR/<id>/");
        assert!(written.contains("\"verified\""), "{written}");
        assert!(!written.contains("f00dcafe"), "{written}");

        let error = run(args(&[
            "polymer-hire",
            "--definitions",
            path,
            "--scenario",
            "x",
        ]))
        .expect_err("a compiled id is not defined in DIR");
        assert!(format!("{error:#}").contains(&id), "{error:#}");
    }

    #[test]
    fn an_unknown_connector_or_variant_is_named_with_what_exists() {
        let error = run(args(&["polytomik", "--scenario", "valid-key"])).expect_err("unknown");
        assert!(format!("{error:#}").contains("polytomic"), "{error:#}");
        let error = run(args(&["polytomic", "--scenario", "x", "--variant", "nope"]))
            .expect_err("unknown variant");
        assert!(format!("{error:#}").starts_with("--variant"), "{error:#}");
    }
}
