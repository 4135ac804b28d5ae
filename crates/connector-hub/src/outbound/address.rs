//! Which addresses are public: for IPv4, every address outside the special ranges (those std
//! knows and the ones listed here); for IPv6, global unicast only, an IPv4 address embedded by
//! NAT64 or 6to4 judged as IPv4; and the names that mean this machine whatever DNS says.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
pub(super) fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
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
}
