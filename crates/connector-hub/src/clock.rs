//! Time and ids, at the bottom of the hub: seconds since the epoch, ids that sort by creation,
//! and the RFC 3339 text the API and webhooks show.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::crypto::random_hex;

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A new id: `prefix_` + milliseconds (hex, so ids sort by creation) + 48 random bits.
pub fn new_id(prefix: &str) -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{prefix}_{millis:012x}{}", random_hex(6))
}

/// RFC 3339 text of a Unix time in seconds.
pub fn rfc3339(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_render_in_utc_and_ids_sort_by_creation() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        let first = new_id("acc");
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(first.starts_with("acc_") && new_id("acc") > first);
    }
}
