//! connector-hub: a self-hosted server where people link API-key accounts through connect
//! sessions, and operators see, re-verify and unlink them. Every check goes through
//! connector-core; every form comes from the connector specs; every stored credential is
//! encrypted with AES-256-GCM under a master key the hub never stores beside the data.
//!
//! Three floors, each calling only the one below: `http` (the API, the pages and the MCP
//! server's HTTP mount; `mcp` holds the MCP server itself, a door beside them) →
//! `service` (what the hub does: `Hub`, its rules and audit records) → `store` (the only
//! place with SQL). `settings`, `crypto`, `hubkey`, `limiter`, `origin`, `outbound` and `clock` sit beside
//! them and import none of them but the store's default database name.

pub mod clock;
pub mod crypto;
pub mod http;
pub mod hubkey;
pub mod keyring;
pub mod limiter;
pub mod mcp;
pub mod origin;
pub mod outbound;
pub mod service;
pub mod settings;
mod store;

pub use http::router;
pub use service::{import, rotate, schedule, webhooks, Hub, StartError};

/// What tests may reach below the service floor.
#[cfg(feature = "test-support")]
#[doc(hidden)]
pub mod testing {
    pub use crate::store::Store;
}
