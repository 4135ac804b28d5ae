//! How names become addresses: wildcard pins (`--resolve '*.example.com:443:ADDR'`), then the
//! configured DNS servers (hickory, which keeps each answer for its TTL) or the system's
//! resolver, whose answers are kept for [`SYSTEM_ANSWER_KEPT`] since it gives no TTL, with one
//! lookup at a time per name. A bulk run opening dozens of connections to one host, or reopening
//! them, then does not ask the resolver each time.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt, Shared as SharedFuture};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::time::Instant;

/// A pinned address, `HOST:PORT:ADDR` as curl's `--resolve` takes it: connect to `host` (or,
/// for `*.domain`, any name under it; `*`, any name) at `addr`. The CLI's `--resolve` and the
/// hub's `resolve` setting both read it with [`Pin::parse`], and give it to
/// [`HttpClientBuilder::pin`](super::HttpClientBuilder::pin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// Lower-cased, without a trailing dot; `*.domain` or `*` for a wildcard.
    pub host: String,
    pub port: u16,
    pub addr: IpAddr,
}

/// Why a text is not a [`Pin`]; the caller says where the text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinError(&'static str);

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for PinError {}

impl Pin {
    /// Parses `HOST:PORT:ADDR`; an IPv6 ADDR may be bracketed.
    pub fn parse(text: &str) -> Result<Self, PinError> {
        let mut parts = text.trim().splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(PinError("three parts separated by `:` are needed"));
        };
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        let name = match host.as_str() {
            "*" => "x",
            wildcard => wildcard.strip_prefix("*.").unwrap_or(wildcard),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(PinError(
                "HOST must be a host name, `*.` and a domain, or `*`",
            ));
        }
        let port = port
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or(PinError("PORT must be a number from 1 to 65535"))?;
        let addr = addr
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| PinError("ADDRESS must be an IPv4 or IPv6 address"))?;
        Ok(Self { host, port, addr })
    }

    /// Where connections to the pinned names go.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.addr, self.port)
    }
}

/// How long the system resolver's answers are kept: it says nothing of their TTL, and this is
/// the usual default of resolvers that cache (Java's among them).
pub(super) const SYSTEM_ANSWER_KEPT: Duration = Duration::from_secs(30);

/// Names remembered before the expired ones are swept (the threshold grows with the names in
/// use).
const SWEEP_AT_LEAST: usize = 4096;

type Lookup = SharedFuture<BoxFuture<'static, Result<Arc<[SocketAddr]>, Arc<std::io::Error>>>>;

/// Looks a name up, as the system does (`getaddrinfo` in a blocking thread) or as a test
/// pretends to.
pub(super) type LookupFn =
    Arc<dyn Fn(String) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> + Send + Sync>;

/// The system resolver, its answers kept for [`SYSTEM_ANSWER_KEPT`] and one lookup at a time
/// per name. A failed lookup is not kept: the next connection asks again.
pub(super) struct System {
    lookup: LookupFn,
    keep: Duration,
    table: Mutex<Table>,
}

struct Table {
    names: HashMap<Box<str>, (Instant, Lookup)>,
    sweep_at: usize,
}

impl System {
    pub(super) fn new() -> Self {
        Self::with_lookup(
            Arc::new(|host: String| {
                async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.collect()) }
                    .boxed()
            }),
            SYSTEM_ANSWER_KEPT,
        )
    }

    pub(super) fn with_lookup(lookup: LookupFn, keep: Duration) -> Self {
        Self {
            lookup,
            keep,
            table: Mutex::new(Table {
                names: HashMap::new(),
                sweep_at: SWEEP_AT_LEAST,
            }),
        }
    }

    fn lookup(&self, host: &str) -> Lookup {
        let now = Instant::now();
        // A poisoned lock means a panic elsewhere mid-insert; the table is still usable.
        let mut table = self
            .table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((asked, lookup)) = table.names.get(host) {
            let fresh = now.saturating_duration_since(*asked) < self.keep;
            let usable = !matches!(lookup.peek(), Some(Err(_)));
            if fresh && usable {
                return lookup.clone();
            }
        }
        if table.names.len() >= table.sweep_at {
            let keep = self.keep;
            table
                .names
                .retain(|_, (asked, _)| now.saturating_duration_since(*asked) < keep);
            table.sweep_at = SWEEP_AT_LEAST.max(table.names.len() * 2);
        }
        let ask = Arc::clone(&self.lookup);
        let name = host.to_owned();
        let lookup = async move {
            match ask(name).await {
                Ok(addrs) => Ok(Arc::from(addrs)),
                Err(error) => Err(Arc::new(error)),
            }
        }
        .boxed()
        .shared();
        table.names.insert(host.into(), (now, lookup.clone()));
        lookup
    }
}

impl Resolve for System {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = self.lookup(name.as_str());
        Box::pin(async move {
            match lookup.await {
                Ok(addrs) => {
                    let addrs: Addrs = Box::new((0..addrs.len()).map(move |i| addrs[i]));
                    Ok(addrs)
                }
                Err(error) => Err(std::io::Error::new(error.kind(), error.to_string()).into()),
            }
        })
    }
}

/// Shares a resolver given as a trait object with reqwest, which wants a sized type.
pub(super) struct Shared(pub(super) Arc<dyn Resolve>);

impl Resolve for Shared {
    fn resolve(&self, name: Name) -> Resolving {
        self.0.resolve(name)
    }
}

/// The part a wildcard pin matches after: `example.com` for `*.example.com`, empty for `*`.
pub(super) fn wildcard_suffix(host: &str) -> Option<&str> {
    if host == "*" {
        Some("")
    } else {
        host.strip_prefix("*.")
    }
}

/// Whether `host` is a name under `suffix` (`a.example.com` under `example.com`, not
/// `badexample.com`); everything is under the empty suffix of `*`.
fn under_wildcard(host: &str, suffix: &str) -> bool {
    suffix.is_empty()
        || host
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1)
}

/// Answers names under a wildcard pin with its address (the first matching pin wins); any
/// other name goes to the next resolver.
pub(super) struct Wildcards {
    pub(super) wildcards: Vec<(String, std::net::IpAddr)>,
    pub(super) inner: Arc<dyn Resolve>,
}

impl Resolve for Wildcards {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let pinned = self
            .wildcards
            .iter()
            .find(|(suffix, _)| under_wildcard(&host, suffix));
        if let Some((_, ip)) = pinned {
            let addrs: Addrs = Box::new(std::iter::once(SocketAddr::new(*ip, 0)));
            return Box::pin(std::future::ready(Ok(addrs)));
        }
        self.inner.resolve(name)
    }
}

/// Resolves names through the configured DNS servers only (hickory, UDP and TCP, no system
/// configuration), with a query timeout bounded by the check's deadline.
pub(super) struct ServersResolver {
    resolver: hickory_resolver::TokioResolver,
}

impl ServersResolver {
    pub(super) fn new(servers: &[SocketAddr], query_timeout: Duration) -> Self {
        use hickory_resolver::config::{
            LookupIpStrategy, NameServerConfig, ResolverConfig, ResolverOpts,
        };
        use hickory_resolver::proto::xfer::Protocol;
        let mut config = ResolverConfig::new();
        for server in servers {
            config.add_name_server(NameServerConfig::new(*server, Protocol::Udp));
            config.add_name_server(NameServerConfig::new(*server, Protocol::Tcp));
        }
        let mut options = ResolverOpts::default();
        options.timeout = query_timeout
            .min(options.timeout)
            .max(Duration::from_millis(1));
        options.attempts = 1;
        // Room for the hosts of a bulk run, each answer kept for its TTL.
        options.cache_size = SWEEP_AT_LEAST;
        options.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        let resolver = hickory_resolver::Resolver::builder_with_config(
            config,
            hickory_resolver::name_server::TokioConnectionProvider::default(),
        )
        .with_options(options)
        .build();
        Self { resolver }
    }
}

impl Resolve for ServersResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = self.resolver.clone();
        Box::pin(async move {
            let lookup = resolver.lookup_ip(name.as_str()).await?;
            let addrs: Vec<SocketAddr> = lookup.iter().map(|ip| SocketAddr::new(ip, 0)).collect();
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_read_as_curl_writes_them_and_say_which_part_is_wrong() {
        let pin = Pin::parse(" *.Example.com.:8443:[::1] ").expect("a wildcard IPv6 pin");
        assert_eq!(pin.host, "*.example.com");
        assert_eq!(pin.socket_addr(), "[::1]:8443".parse().expect("an address"));
        for (bad, part) in [
            ("h.test:443", "three parts"),
            (":443:127.0.0.1", "HOST"),
            ("h_x:443:127.0.0.1", "HOST"),
            ("h.test:0:127.0.0.1", "PORT"),
            ("h.test:443:localhost", "ADDRESS"),
        ] {
            let why = Pin::parse(bad).expect_err(bad).to_string();
            assert!(why.contains(part), "{bad}: {why}");
        }
    }

    #[test]
    fn a_wildcard_pins_names_under_its_domain_only() {
        assert_eq!(wildcard_suffix("*.bench.test"), Some("bench.test"));
        assert_eq!(wildcard_suffix("*"), Some(""));
        assert_eq!(wildcard_suffix("api.bench.test"), None);
        assert!(under_wildcard("acme.bench.test", "bench.test"));
        assert!(under_wildcard("a.b.bench.test", "bench.test"));
        assert!(!under_wildcard("bench.test", "bench.test"));
        assert!(!under_wildcard("badbench.test", "bench.test"));
        assert!(under_wildcard("anything.example", ""));
    }

    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A system resolver whose lookups are counted, answering 127.0.0.1 after a moment (or
    /// failing while `fail` is set).
    fn counted(fail: Arc<std::sync::atomic::AtomicBool>) -> (System, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let lookup: LookupFn = Arc::new(move |_host| {
            counter.fetch_add(1, Ordering::SeqCst);
            let fail = fail.load(Ordering::SeqCst);
            async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                if fail {
                    Err(std::io::Error::other("no such host"))
                } else {
                    Ok(vec![SocketAddr::from(([127, 0, 0, 1], 0))])
                }
            }
            .boxed()
        });
        (System::with_lookup(lookup, Duration::from_secs(30)), calls)
    }

    async fn resolve(system: &System, host: &str) -> Result<Vec<SocketAddr>, String> {
        let name: Name = host.parse().expect("a name");
        system
            .resolve(name)
            .await
            .map(Iterator::collect)
            .map_err(|e| e.to_string())
    }

    #[tokio::test(start_paused = true)]
    async fn a_name_asked_by_many_connections_at_once_is_looked_up_once_and_kept() {
        let (system, calls) = counted(Arc::default());
        let answers =
            futures::future::join_all((0..50).map(|_| resolve(&system, "api.test"))).await;
        assert!(answers
            .iter()
            .all(|a| a.as_deref() == Ok(&[SocketAddr::from(([127, 0, 0, 1], 0))][..])));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        tokio::time::advance(Duration::from_secs(29)).await;
        resolve(&system, "api.test").await.expect("kept");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "asked again within 30 s");
        resolve(&system, "other.test").await.expect("another name");
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        tokio::time::advance(Duration::from_secs(2)).await;
        resolve(&system, "api.test").await.expect("asked again");
        assert_eq!(calls.load(Ordering::SeqCst), 3, "kept past 30 s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_lookup_is_not_kept() {
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (system, calls) = counted(Arc::clone(&fail));
        let error = resolve(&system, "api.test").await.expect_err("fails");
        assert!(error.contains("no such host"), "{error}");
        fail.store(false, Ordering::SeqCst);
        resolve(&system, "api.test")
            .await
            .expect("asked again and answered");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn expired_names_are_swept_as_the_table_grows() {
        let (system, _) = counted(Arc::default());
        for n in 0..SWEEP_AT_LEAST {
            resolve(&system, &format!("h{n}.test"))
                .await
                .expect("answered");
        }
        tokio::time::advance(Duration::from_secs(31)).await;
        resolve(&system, "last.test").await.expect("answered");
        let kept = system.table.lock().expect("not poisoned").names.len();
        assert_eq!(kept, 1, "expired names were kept");
    }
}
