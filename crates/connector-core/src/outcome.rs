//! The typed results of a check: one status from a small fixed set, a connector's own reading of
//! a refusal ([`Verdict`]), and the report around them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The account a verified key proves, as JSON fields (e.g. `organization_name`).
pub type Account = Map<String, Value>;

/// How a check or action ended. Every outcome is exactly one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// The provider accepted the key.
    Verified,
    /// An action was carried out.
    Done,
    /// Caught locally; no request was sent.
    InvalidInput,
    /// 401: the key is wrong, revoked or was regenerated.
    Rejected,
    /// 403: the key works but lacks a role or scope.
    Forbidden,
    /// 429, still after the retries that fit in the deadline.
    RateLimited,
    /// 5xx, timeout or connection failure.
    Unavailable,
    /// Anything else: malformed or oversized body, redirect, unknown status.
    Unexpected,
    /// 404 for an action's target (a check reports `unexpected` instead).
    NotFound,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Verified,
        Status::Done,
        Status::InvalidInput,
        Status::Rejected,
        Status::Forbidden,
        Status::RateLimited,
        Status::Unavailable,
        Status::Unexpected,
        Status::NotFound,
    ];

    /// The name used in JSON and reports, e.g. `rate_limited`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Done => "done",
            Status::InvalidInput => "invalid_input",
            Status::Rejected => "rejected",
            Status::Forbidden => "forbidden",
            Status::RateLimited => "rate_limited",
            Status::Unavailable => "unavailable",
            Status::Unexpected => "unexpected",
            Status::NotFound => "not_found",
        }
    }

    /// What a failed outcome is, in a few words, e.g. `the key was refused (HTTP 401)`.
    pub fn title(self) -> &'static str {
        match self {
            Status::Verified => "the key works",
            Status::Done => "the action was carried out",
            Status::InvalidInput => "the input was refused before sending",
            Status::Rejected => "the key was refused (HTTP 401)",
            Status::Forbidden => "the key lacks access (HTTP 403)",
            Status::RateLimited => "too many requests (HTTP 429)",
            Status::Unavailable => {
                "the provider could not answer (HTTP 5xx, timeout or network error)"
            }
            Status::Unexpected => "the answer made no sense",
            Status::NotFound => "the action's target does not exist (HTTP 404)",
        }
    }

    /// The advice for this outcome that holds for every provider; a connector's own hint
    /// (the guide's troubleshooting) follows it. The one place this text lives.
    pub fn advice(self) -> &'static str {
        match self {
            Status::Verified | Status::Done => "Nothing to do.",
            Status::InvalidInput => {
                "The message names the field and what is wrong with it; nothing was sent. Fix the value and retry."
            }
            Status::Rejected => {
                "The provider does not accept the key. It may have been pasted incompletely, or it \
                 was revoked, deleted or regenerated; regenerating a key makes the previous one stop \
                 working immediately. Copy the current key again, or create a new one, and retry."
            }
            Status::Forbidden => {
                "The provider knows the key but will not let it make the verification request: a \
                 role, scope or access group is missing. Grant it on the key, or use a key that has \
                 it, and retry."
            }
            Status::RateLimited => {
                "The provider kept limiting requests through every retry that fit in the deadline; \
                 a `Retry-After` header is honoured when present. Wait, then retry, and spread bulk \
                 checks out over time."
            }
            Status::Unavailable => {
                "This says nothing about the key. Check the network and the base URL (including any \
                 override for an on-premises or proxied deployment), then retry later."
            }
            Status::Unexpected => {
                "The provider answered in a way the connector does not recognise; check the base URL, \
                 then report it if the provider's API changed."
            }
            Status::NotFound => "Check the identifiers given as inputs.",
        }
    }

    /// The `connector` command's exit status for this outcome.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Verified | Status::Done => 0,
            Status::InvalidInput => 2,
            Status::Rejected => 3,
            Status::Forbidden => 4,
            Status::RateLimited => 5,
            Status::Unavailable => 6,
            Status::Unexpected => 7,
            Status::NotFound => 8,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a connector reads from a refused or odd response, overriding the generic mapping.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub status: Status,
    pub message: String,
}

/// The result of checking one credential. Holds only the masked key, so it is safe to print,
/// log or serialize. Field order is the JSON contract of `connector check --json`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub connector: String,
    pub variant: String,
    pub status: Status,
    /// The key masked to its last four characters; null when no key was given.
    pub key: Option<String>,
    pub http_status: Option<u16>,
    pub message: String,
    pub warnings: Vec<String>,
    pub account: Option<Account>,
    pub elapsed_ms: u64,
}

impl std::fmt::Display for CheckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::text::printable;
        let key = self.key.as_deref().unwrap_or("(no key)");
        write!(
            f,
            "{} {} [{}]: {}",
            printable(&self.connector),
            printable(key),
            self.status,
            printable(&self.message)
        )
    }
}
