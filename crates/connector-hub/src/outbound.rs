//! Requests to addresses someone else chose (webhook endpoints, the coming proxy) go to public
//! addresses only. A [`Guard`] checks a URL when it is registered: its scheme (`https://`) and
//! every address its host has. Its [`Client`] checks again at every connection: a literal address
//! before the request is built, a name through a resolver that answers only its public addresses,
//! so the address connected to is the address checked and a name re-pointed inside after
//! registration is refused, never followed. Refused addresses are never connected to, so nothing
//! about their ports can be learnt. `allow_private` (the hub's `webhooks_allow_private_addresses`)
//! lifts the address rule and the `https://` requirement, for tests and on-premises endpoints.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// How long a name may take to resolve.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// IPv4 ranges std does not name that are no public endpoint: (first address, prefix length).
const NOT_PUBLIC_V4: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),      // "this network"
    ([100, 64, 0, 0], 10),  // shared address space (carrier-grade NAT)
    ([192, 0, 0, 0], 24),   // IETF protocol assignments
    ([192, 88, 99, 0], 24), // 6to4 relay anycast, deprecated
    ([198, 18, 0, 0], 15),  // benchmarking
    ([240, 0, 0, 0], 4),    // reserved
];

/// Parts of global unicast (2000::/3) that are no public endpoint.
const NOT_PUBLIC_V6: &[(Ipv6Addr, u8)] = &[
    // IETF protocol assignments: Teredo, benchmarking, ORCHID…
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),     // documentation (RFC 9637)
];

const GLOBAL_UNICAST: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);
const NAT64: (Ipv6Addr, u8) = (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);
const SIX_TO_FOUR: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16);

/// Whether `ip` is a public unicast address: not loopback, link-local, private, carrier-grade
/// NAT, unspecified, multicast, broadcast, documentation, benchmarking or reserved, and no
/// IPv4-mapped or -compatible IPv6 form. An IPv4 address carried in NAT64 (64:ff9b::/96) or
/// 6to4 (2002::/16) is judged as that IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let named = ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation();
    let bits = u32::from(ip);
    !named
        && !NOT_PUBLIC_V4
            .iter()
            .any(|&(first, len)| bits >> (32 - len) == u32::from_be_bytes(first) >> (32 - len))
}

fn in_v6(ip: Ipv6Addr, (first, len): (Ipv6Addr, u8)) -> bool {
    u128::from(ip) >> (128 - len) == u128::from(first) >> (128 - len)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    if in_v6(ip, NAT64) {
        // The last 32 bits.
        return is_public_v4(Ipv4Addr::from(bits as u32));
    }
    if in_v6(ip, SIX_TO_FOUR) {
        // The 32 bits after the prefix.
        return is_public_v4(Ipv4Addr::from((bits >> 80) as u32));
    }
    // Only global unicast is public, which leaves out ::, ::1, the IPv4-mapped (::ffff:0:0/96)
    // and -compatible (::/96) forms, unique local fc00::/7, link-local fe80::/10 and multicast
    // ff00::/8.
    in_v6(ip, GLOBAL_UNICAST) && !NOT_PUBLIC_V6.iter().any(|&range| in_v6(ip, range))
}

/// Names that mean this machine whatever DNS says (RFC 6761).
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

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

    /// Every range that is no public endpoint, by its first, a middle and its last address.
    #[rustfmt::skip]
    const INSIDE: &[&str] = &[
        "169.254.169.254", "169.254.0.0", "169.254.255.255", // link-local, cloud metadata
        "10.0.0.0", "10.1.2.3", "10.255.255.255",            // private
        "172.16.0.0", "172.20.1.1", "172.31.255.255",        // private
        "192.168.0.0", "192.168.1.1", "192.168.255.255",     // private
        "100.64.0.0", "100.100.100.100", "100.127.255.255",  // carrier-grade NAT
        "127.0.0.1", "127.1.2.3", "127.255.255.255",         // loopback
        "0.0.0.0", "0.1.2.3", "0.255.255.255",               // unspecified, "this network"
        "224.0.0.1", "239.255.255.250", "233.252.0.1",       // multicast
        "240.0.0.1", "250.1.2.3", "255.255.255.255",         // reserved, broadcast
        "198.18.0.0", "198.19.255.255",                      // benchmarking
        "192.0.2.1", "198.51.100.1", "203.0.113.1",          // documentation
        "192.0.0.1", "192.88.99.1",                          // IETF, 6to4 relay
        "::1", "::",                                         // loopback, unspecified
        "ff02::1", "ff0e::1", "ff00::",                      // multicast
        "fc00::1", "fd12:3456::1", "fdff:ffff::1",           // unique local
        "fe80::1", "febf::1",                                // link-local
        "fec0::1",                                           // site-local, deprecated
        "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:93.184.216.34", // IPv4-mapped
        "::10.0.0.1", "::127.0.0.1", "::93.184.216.34",      // IPv4-compatible
        "64:ff9b::10.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b::169.254.169.254", // NAT64 inside
        "64:ff9b:1::1",                                      // local-use NAT64
        "2002:0a00:0001::1", "2002:7f00:0001::1", "2002:a9fe:a9fe::1", // 6to4 inside
        "2001::1", "2001:2::1", "2001:10::1",                // Teredo, benchmarking, ORCHID
        "2001:db8::1", "3fff::1",                            // documentation
        "100::1", "5f00::1", "4000::1", "e000::1",           // discard-only, outside 2000::/3
    ];

    #[rustfmt::skip]
    const PUBLIC: &[&str] = &[
        "93.184.216.34", "8.8.8.8", "1.1.1.1",
        "100.63.255.255", "100.128.0.0",        // either side of carrier-grade NAT
        "172.15.255.255", "172.32.0.0",         // either side of 172.16/12
        "198.17.255.255", "198.20.0.0",         // either side of benchmarking
        "169.253.255.255", "223.255.255.255", "11.0.0.0", "126.255.255.255",
        "2606:4700:4700::1111", "2a00:1450:4001::1", "2001:200::1", "2a01:4f8::1",
        "64:ff9b::93.184.216.34",               // NAT64 of a public address
        "2002:5db8:d822::1",                    // 6to4 of 93.184.216.34
    ];

    #[test]
    fn every_inside_range_is_refused_and_public_addresses_are_not() {
        for text in INSIDE {
            assert!(!is_public(ip(text)), "{text} was taken for public");
        }
        for text in PUBLIC {
            assert!(is_public(ip(text)), "{text} was refused");
        }
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
