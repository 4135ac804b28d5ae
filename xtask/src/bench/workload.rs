//! The benchmark's workload: which connector, key and expected answer each line has. The input
//! file, the loopback server and the bare reference loop all derive from these functions, so they
//! agree without sharing state.

use std::io::{BufWriter, Write};
use std::path::Path;

/// The two connectors the workload alternates between: a Bearer key and a custom-header key.
pub const POLYTOMIC: &str = "polytomic";
pub const SMARTRECRUITERS: &str = "smartrecruiters";

/// Paths the server answers, one per connector.
pub const POLYTOMIC_PATH: &str = "/api/me";
pub const SMARTRECRUITERS_PATH: &str = "/configuration/company";

/// How the server answers a key. The class is written into the key itself (8th character), so
/// the server needs no table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Valid,
    Revoked,
    Forbidden,
}

impl Class {
    /// 60% valid, 20% revoked, 20% forbidden.
    pub fn of_line(index: u64) -> Self {
        match index % 10 {
            0..=5 => Class::Valid,
            6 | 7 => Class::Revoked,
            _ => Class::Forbidden,
        }
    }

    fn digit(self) -> u8 {
        match self {
            Class::Valid => 0,
            Class::Revoked => 1,
            Class::Forbidden => 2,
        }
    }

    /// Reads the class back from a key.
    pub fn of_key(key: &[u8]) -> Option<Self> {
        match key.get(7)? {
            b'0' => Some(Class::Valid),
            b'1' => Some(Class::Revoked),
            b'2' => Some(Class::Forbidden),
            _ => None,
        }
    }
}

/// Line `index`'s connector and key; every key is unique, so deduplication does not help.
pub fn credential(index: u64) -> (&'static str, String) {
    let class = Class::of_line(index).digit();
    if index % 2 == 0 {
        // A UUID, as Polytomic documents.
        (
            POLYTOMIC,
            format!("0000000{class}-0000-4000-8000-{index:012x}"),
        )
    } else {
        // 32 characters, as SmartRecruiters documents.
        (SMARTRECRUITERS, format!("0000000{class}{index:024x}"))
    }
}

/// Expected `(verified, rejected, forbidden)` counts for `lines` lines.
pub fn expected_counts(lines: u64) -> [u64; 3] {
    let mut counts = [0; 3];
    for index in 0..lines {
        counts[Class::of_line(index).digit() as usize] += 1;
    }
    counts
}

/// Writes `lines` JSON lines of bulk input to `path`.
pub fn write_input(path: &Path, lines: u64) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    for index in 0..lines {
        let (connector, key) = credential(index);
        writeln!(
            out,
            r#"{{"id":{index},"connector":"{connector}","credentials":{{"api_key":"{key}"}}}}"#
        )?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_survives_the_round_trip_through_the_key() {
        for index in 0..20 {
            let (_, key) = credential(index);
            assert_eq!(Class::of_key(key.as_bytes()), Some(Class::of_line(index)));
        }
        assert_eq!(credential(4).1.len(), 36);
        assert_eq!(credential(5).1.len(), 32);
        assert_eq!(expected_counts(20), [12, 4, 4]);
    }
}
