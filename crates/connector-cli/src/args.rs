//! The arguments of `connector check` and `connector run`, read by clap.

use clap::Args;

use crate::settings;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Connector id, e.g. `polytomic` (see `connector list`); not used with --bulk.
    #[arg(required_unless_present = "bulk")]
    pub id: Option<String>,
    /// JSON object of field values (`{"api_key": "…"}`) from FILE, or `-` for stdin. Without it,
    /// each field is read from its environment variable (see `connector describe ID`).
    #[arg(long, value_name = "FILE|-")]
    pub credentials: Option<String>,
    /// Credential variant, e.g. `partner` for Polytomic; defaults to the connector's first.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Replace the provider's API base URL, path prefix included (proxies, tests): `URL`; or a
    /// named origin of the connector: `NAME=URL`, e.g. `auth=http://127.0.0.1:8081` for
    /// Greenhouse's token endpoint. With --bulk, per connector: `ID=URL` or `ID.NAME=URL`, e.g.
    /// `greenhouse.auth=http://127.0.0.1:8081`. May hold `{field}` placeholders; repeatable.
    #[arg(long, value_name = "[NAME=]URL")]
    pub base_url: Vec<String>,
    /// Build the request(s) the check would send and print them, every secret masked, without
    /// sending anything; exit 0 when the input is valid, 2 when not. With --json, one object:
    /// {"connector", "variant", "requests": [{"method", "url", "headers", "body"}]}.
    #[arg(long, conflicts_with = "bulk")]
    pub dry_run: bool,
    /// Check many credentials: JSON lines from FILE, or `-` for stdin, each
    /// `{"id": …, "connector": …, "variant": … (optional), "credentials": {…}}`.
    /// Prints one JSON line per input line, in input order. Ctrl-C stops it keeping the
    /// finished lines (exit 130).
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["credentials", "variant", "id"])]
    pub bulk: Option<String>,
    /// With --bulk: the most requests in flight at once.
    #[arg(long, value_name = "N", requires = "bulk")]
    pub concurrency: Option<usize>,
    /// With --bulk: the most requests in flight to one host, e.g. to spare a provider's API or
    /// a customer's own server [default: --concurrency]. Whatever the cap, a host is sent one
    /// request until it has answered once, then at most its share of --concurrency over the
    /// hosts in progress, so that checks reuse its connections instead of opening more.
    #[arg(long, value_name = "N", requires = "bulk")]
    pub host_concurrency: Option<usize>,
    /// With --bulk: cap requests per second to one connector's host, as ID=N; repeatable. A
    /// connector that declares a bulk rate of its own (see `connector describe ID`) keeps it
    /// unless this overrides it.
    #[arg(long, value_name = "ID=N", requires = "bulk")]
    pub rate: Vec<String>,
    /// Deadline for the whole check, retries included, in seconds [default: 10]. With --bulk,
    /// bounds each check.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Retries for 429 and 5xx answers within the deadline [default: 2].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Print one JSON object instead of a report (--bulk always prints JSON lines).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub network: settings::NetworkArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Connector id, e.g. `polytomic`.
    pub id: String,
    /// Action id, e.g. `create-api-key` (see `connector describe ID`).
    pub action: String,
    /// Credential variant; defaults to the one the action needs.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// JSON object of credential field values from FILE, or `-` for stdin; otherwise read from
    /// the variant's environment variables.
    #[arg(long, value_name = "FILE|-")]
    pub credentials: Option<String>,
    /// JSON object of input values from FILE, or `-` for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub input: Option<String>,
    /// Set a non-secret input, e.g. `--set org_id=…`; repeatable, overrides --input.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Replace the provider's API base URL, path prefix included: `URL`; or a named origin of
    /// the connector: `NAME=URL`. May hold `{field}` placeholders; repeatable.
    #[arg(long, value_name = "[NAME=]URL")]
    pub base_url: Vec<String>,
    /// Deadline for the whole action, in seconds [default: 10].
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Retries for 429 (and 5xx when the request is safe to repeat) [default: 2].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Write secret outputs to FILE instead of stdout: a new file (created owner-only) or an
    /// empty regular file you own (made owner-only); links and other files are refused.
    #[arg(long, value_name = "FILE")]
    pub output: Option<String>,
    /// Print one JSON object instead of a report.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub network: settings::NetworkArgs,
}
