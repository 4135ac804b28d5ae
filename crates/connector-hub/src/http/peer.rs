//! The client's address. Directly connected, it is the TCP peer. Behind proxies named in
//! `trusted_proxies`, it is the right-most address in `X-Forwarded-For` (or, without it, in
//! `Forwarded: for=`) that is not itself a trusted proxy: entries to its left were written by
//! whoever sent the request and prove nothing. A peer that is not a trusted proxy is never
//! believed about anyone else's address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use ipnet::IpNet;

/// The client address of a request, given its headers, its connection and the trusted proxies.
pub fn client_addr(headers: &HeaderMap, extensions: &Extensions, trusted: &[IpNet]) -> IpAddr {
    // Loopback when the server was not given connection info (tests driving the router).
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    behind_proxies(peer, headers, trusted)
}

fn is_trusted(addr: IpAddr, trusted: &[IpNet]) -> bool {
    let addr = match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(addr),
        v4 => v4,
    };
    trusted.iter().any(|net| net.contains(&addr))
}

/// The right-most untrusted hop of the chain the trusted `peer` reports; the peer itself when it
/// is not trusted or reports nothing usable.
fn behind_proxies(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let chain = forwarded_for(headers);
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            // An entry that is no address (`unknown`, an obfuscated name): nothing left of it
            // can be placed, so the last trusted hop answers for the client.
            None => return client,
            Some(addr) => {
                client = *addr;
                if !is_trusted(*addr, trusted) {
                    return client;
                }
            }
        }
    }
    client
}

/// The hops a request went through, oldest first: `X-Forwarded-For` when present, else the
/// `for=` parameters of `Forwarded`. `None` for an entry that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let xff = values("x-forwarded-for");
    if !xff.is_empty() {
        return xff.iter().map(|hop| parse_hop(hop)).collect();
    }
    values("forwarded")
        .iter()
        .filter_map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                .map(|(_, value)| parse_hop(value.trim()))
        })
        .collect()
}

/// An address as proxies write it: bare, quoted, bracketed IPv6, or with a port.
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let inner = text.strip_prefix('[')?;
    inner.split(']').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().expect("header value"));
        }
        map
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("cidr")).collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            behind_proxies(ip("198.51.100.7"), &h, &[]),
            ip("198.51.100.7")
        );
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            behind_proxies(ip("198.51.100.7"), &h, &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "192.0.2.1/32"]);
        // The client forged a first entry; the proxies appended what they saw.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 192.0.2.1")]);
        assert_eq!(
            behind_proxies(ip("10.1.2.3"), &h, &trusted),
            ip("203.0.113.9")
        );
        // Several headers are one list, in order.
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            behind_proxies(ip("10.1.2.3"), &h, &trusted),
            ip("203.0.113.9")
        );
        // Nothing forwarded: the proxy itself.
        assert_eq!(
            behind_proxies(ip("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
        // Every hop trusted: the left-most one.
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 192.0.2.1")]);
        assert_eq!(behind_proxies(ip("10.1.2.3"), &h, &trusted), ip("10.9.9.9"));
        // An entry that is no address stops the walk at the last trusted hop.
        let h = headers(&[("x-forwarded-for", "203.0.113.9, unknown, 192.0.2.1")]);
        assert_eq!(
            behind_proxies(ip("10.1.2.3"), &h, &trusted),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn the_forwarded_header_is_read_when_x_forwarded_for_is_absent() {
        let trusted = nets(&["10.0.0.0/8"]);
        let h = headers(&[(
            "forwarded",
            "for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.2",
        )]);
        assert_eq!(
            behind_proxies(ip("10.1.2.3"), &h, &trusted),
            ip("2001:db8::7")
        );
        let h = headers(&[("forwarded", "for=203.0.113.9:8443")]);
        assert_eq!(
            behind_proxies(ip("10.1.2.3"), &h, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn an_ipv4_mapped_peer_matches_an_ipv4_range() {
        let trusted = nets(&["127.0.0.1/32"]);
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            behind_proxies(ip("::ffff:127.0.0.1"), &h, &trusted),
            ip("203.0.113.9")
        );
    }
}
