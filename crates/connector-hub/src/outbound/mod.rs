//! Requests to addresses someone else chose (webhook endpoints, the coming proxy) go to public
//! addresses only. A [`Guard`] checks a URL when it is registered: its scheme (`https://`) and
//! every address its host has. Its [`Client`] checks again at every connection: a literal address
//! before the request is built, a name through a resolver that answers only its public addresses,
//! so the address connected to is the address checked and a name re-pointed inside after
//! registration is refused, never followed. Refused addresses are never connected to, so nothing
//! about their ports can be learnt. `allow_private` (the hub's `webhooks_allow_private_addresses`)
//! lifts the address rule and the `https://` requirement, for tests and on-premises endpoints.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

mod address;

use address::is_local_name;
pub use address::is_public;

/// How long a name may take to resolve.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a URL may not be sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    #[error("not an absolute http:// or https:// URL with a host")]
    Unsupported,
    #[error("not an https:// URL")]
    NotHttps,
    #[error("the host is not a public address")]
    Inside,
    #[error("the host does not resolve")]
    Unresolved,
}

/// Looks a name up: the system's resolver ([`system_lookup`]) or a test's table.
pub type Lookup =
    Arc<dyn Fn(String) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> + Send + Sync>;

/// The system's resolver (`getaddrinfo` in a blocking thread).
pub fn system_lookup() -> Lookup {
    Arc::new(|name: String| {
        async move {
            let addrs = tokio::net::lookup_host((name.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        }
        .boxed()
    })
}

/// Every address `name` has; a local name is refused without asking.
async fn addresses(
    lookup: &Lookup,
    name: &str,
    allow_private: bool,
) -> Result<Vec<IpAddr>, Refusal> {
    if !allow_private && is_local_name(name) {
        return Err(Refusal::Inside);
    }
    let addrs = tokio::time::timeout(LOOKUP_TIMEOUT, lookup(name.to_owned()))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    if addrs.is_empty() {
        return Err(Refusal::Unresolved);
    }
    Ok(addrs)
}

/// Which destinations are allowed, and how names are looked up.
#[derive(Clone)]
pub struct Guard {
    allow_private: bool,
    lookup: Lookup,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("allow_private", &self.allow_private)
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// A guard resolving through `lookup`; `allow_private` admits every address and `http://`.
    pub fn new(allow_private: bool, lookup: Lookup) -> Self {
        Self {
            allow_private,
            lookup,
        }
    }

    /// Whether every address and `http://` are admitted.
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Checks a URL before it is kept: its scheme, and every address its host has now (a name
    /// with any address inside is refused). With `allow_private`, names are not looked up.
    pub async fn check(&self, url: &Url) -> Result<(), Refusal> {
        let Some(name) = self.check_before_resolving(url)? else {
            return Ok(());
        };
        if self.allow_private {
            return Ok(());
        }
        let addrs = addresses(&self.lookup, name, false).await?;
        if addrs.iter().all(|ip| is_public(*ip)) {
            Ok(())
        } else {
            Err(Refusal::Inside)
        }
    }

    /// Checks the scheme and a literal address; returns the name left to resolve, if any.
    fn check_before_resolving<'u>(&self, url: &'u Url) -> Result<Option<&'u str>, Refusal> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            "http" => return Err(Refusal::NotHttps),
            _ => return Err(Refusal::Unsupported),
        }
        let ip = match url.host() {
            None => return Err(Refusal::Unsupported),
            Some(Host::Domain(name)) => return Ok(Some(name)),
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        };
        if self.allow_private || is_public(ip) {
            Ok(None)
        } else {
            Err(Refusal::Inside)
        }
    }

    /// A client built from `builder` (its timeouts and agent) that connects only where this guard
    /// allows: names through a resolver answering only their public addresses, no redirects (a
    /// redirect to a literal address would pass the resolver by) and no proxy (which would
    /// resolve names itself).
    pub fn client(&self, builder: reqwest::ClientBuilder) -> reqwest::Result<Client> {
        let inner = builder
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver(self.clone())))
            .build()?;
        Ok(Client {
            inner,
            guard: self.clone(),
        })
    }
}

/// Answers a name with its public addresses only (every address with `allow_private`).
struct GuardedResolver(Guard);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.0.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let allow = guard.allow_private;
            let addrs: Vec<SocketAddr> = addresses(&guard.lookup, &name, allow)
                .await?
                .into_iter()
                .filter(|ip| allow || is_public(*ip))
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if addrs.is_empty() {
                return Err(Refusal::Inside.into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// A client whose connections go only to addresses its [`Guard`] allows.
#[derive(Debug, Clone)]
pub struct Client {
    inner: reqwest::Client,
    guard: Guard,
}

impl Client {
    /// A request to `url`, refused before anything is sent when its scheme or literal address is
    /// not allowed; a name's addresses are checked as the connection is made.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> Result<reqwest::RequestBuilder, Refusal> {
        let url = Url::parse(url).map_err(|_| Refusal::Unsupported)?;
        self.guard.check_before_resolving(&url)?;
        Ok(self.inner.request(method, url))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse()
            .unwrap_or_else(|_| panic!("{text} is an address"))
    }

    fn table(entries: &[(&str, &[&str])]) -> (Lookup, Arc<std::sync::atomic::AtomicUsize>) {
        let entries: HashMap<String, Vec<IpAddr>> = entries
            .iter()
            .map(|(name, addrs)| ((*name).to_owned(), addrs.iter().map(|a| ip(a)).collect()))
            .collect();
        let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&asked);
        let lookup: Lookup = Arc::new(move |name: String| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let found = entries.get(&name).cloned();
            async move { found.ok_or_else(|| std::io::Error::other("no such name")) }.boxed()
        });
        (lookup, asked)
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[tokio::test]
    async fn literal_addresses_in_any_spelling_are_refused() {
        let (lookup, asked) = table(&[]);
        let guard = Guard::new(false, lookup);
        for text in [
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.1/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://100.64.0.1/",
            "https://127.0.0.1:8600/",
            "https://0.0.0.0/",
            "https://224.0.0.1/",
            "https://198.18.0.1/",
            "https://240.0.0.1/",
            "https://255.255.255.255/",
            "https://0x7f.1/",
            "https://2130706433/",
            "https://0177.0.0.1/",
            "https://127.1/",
            "https://0/",
            "https://0xa9fea9fe/",
            "https://%31%32%37.0.0.1/",
            "https://[::1]/",
            "https://[::]/",
            "https://[ff02::1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://[0:0:0:0:0:ffff:a9fe:a9fe]/",
            "https://[::10.0.0.1]/",
            "https://[64:ff9b::7f00:1]/",
        ] {
            assert_eq!(
                guard.check(&url(text)).await,
                Err(Refusal::Inside),
                "{text}"
            );
        }
        assert_eq!(
            asked.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "literals are not looked up"
        );
        assert_eq!(
            guard.check(&url("https://93.184.216.34/hook")).await,
            Ok(())
        );
        assert_eq!(guard.check(&url("https://[2606:4700::1]/")).await, Ok(()));
    }

    #[tokio::test]
    async fn https_is_required_unless_private_addresses_are_allowed() {
        let (lookup, _) = table(&[("hooks.example.com", &["93.184.216.34"])]);
        let strict = Guard::new(false, lookup.clone());
        let open = Guard::new(true, lookup);
        for text in [
            "http://hooks.example.com/",
            "http://93.184.216.34/",
            "http://10.0.0.1/",
        ] {
            assert_eq!(
                strict.check(&url(text)).await,
                Err(Refusal::NotHttps),
                "{text}"
            );
            assert_eq!(open.check(&url(text)).await, Ok(()), "{text}");
        }
        for text in [
            "ftp://hooks.example.com/",
            "file:///etc/passwd",
            "data:text/plain,x",
        ] {
            assert_eq!(
                strict.check(&url(text)).await,
                Err(Refusal::Unsupported),
                "{text}"
            );
            assert_eq!(
                open.check(&url(text)).await,
                Err(Refusal::Unsupported),
                "{text}"
            );
        }
    }

    #[tokio::test]
    async fn names_resolving_inside_or_nowhere_are_refused() {
        let (lookup, _) = table(&[
            ("public.test", &["93.184.216.34", "2606:4700::1"]),
            ("internal.test", &["10.0.0.5"]),
            ("metadata.test", &["169.254.169.254"]),
            ("mixed.test", &["93.184.216.34", "127.0.0.1"]),
            ("mapped.test", &["::ffff:127.0.0.1"]),
            ("localhost", &["93.184.216.34"]),
            ("foo.localhost", &["93.184.216.34"]),
        ]);
        let guard = Guard::new(false, lookup.clone());
        assert_eq!(guard.check(&url("https://public.test/hook")).await, Ok(()));
        for name in [
            "internal.test",
            "metadata.test",
            "mixed.test",
            "mapped.test",
            // Local whatever a resolver says.
            "localhost",
            "foo.localhost",
            "LOCALHOST.",
            "a.b.localhost",
        ] {
            let text = format!("https://{name}:8443/hook");
            assert_eq!(
                guard.check(&url(&text)).await,
                Err(Refusal::Inside),
                "{name}"
            );
        }
        assert_eq!(
            guard.check(&url("https://nowhere.test/")).await,
            Err(Refusal::Unresolved)
        );
        let open = Guard::new(true, lookup);
        for name in ["internal.test", "localhost", "nowhere.test"] {
            let text = format!("http://{name}/hook");
            assert_eq!(open.check(&url(&text)).await, Ok(()), "{name}");
        }
    }

    async fn resolved(guard: &Guard, name: &str) -> Result<Vec<IpAddr>, String> {
        GuardedResolver(guard.clone())
            .resolve(name.parse().expect("a name"))
            .await
            .map(|addrs| addrs.map(|a| a.ip()).collect())
            .map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn the_resolver_answers_public_addresses_only() {
        let (lookup, _) = table(&[
            ("mixed.test", &["127.0.0.1", "93.184.216.34", "fd00::1"]),
            ("internal.test", &["10.0.0.5", "::1"]),
        ]);
        let strict = Guard::new(false, lookup.clone());
        assert_eq!(
            resolved(&strict, "mixed.test").await,
            Ok(vec![ip("93.184.216.34")])
        );
        for name in ["internal.test", "localhost", "nowhere.test"] {
            let error = resolved(&strict, name).await.expect_err(name);
            assert!(
                !error.contains("10.0.0.5") && !error.contains("127"),
                "{error}"
            );
        }
        let open = Guard::new(true, lookup);
        assert_eq!(
            resolved(&open, "internal.test").await,
            Ok(vec![ip("10.0.0.5"), ip("::1")])
        );
    }

    #[tokio::test]
    async fn the_client_refuses_literal_addresses_and_http_before_sending() {
        let (lookup, _) = table(&[]);
        let strict = Guard::new(false, lookup.clone())
            .client(reqwest::Client::builder())
            .expect("client");
        let post =
            |client: &Client, text: &str| client.request(reqwest::Method::POST, text).map(|_| ());
        assert_eq!(post(&strict, "https://0x7f.1/"), Err(Refusal::Inside));
        assert_eq!(
            post(&strict, "https://[::ffff:a9fe:a9fe]/"),
            Err(Refusal::Inside)
        );
        assert_eq!(
            post(&strict, "http://93.184.216.34/"),
            Err(Refusal::NotHttps)
        );
        assert_eq!(post(&strict, "not a url"), Err(Refusal::Unsupported));
        // Names are checked when the connection is made, by the resolver.
        assert_eq!(post(&strict, "https://hooks.example.com/"), Ok(()));
        assert_eq!(post(&strict, "https://93.184.216.34/"), Ok(()));
        let open = Guard::new(true, lookup)
            .client(reqwest::Client::builder())
            .expect("client");
        assert_eq!(post(&open, "http://127.0.0.1:9/"), Ok(()));
    }
}
