//! The service floor: what the hub does, whichever door asks (the API, the pages, the command
//! line, the MCP server). `Hub` holds the database, keys, settings and HTTP client; every rule and every audit
//! record is here, one file per resource, and every failure is a [`HubError`]. Only this floor
//! uses the store.

pub mod accounts;
pub mod actions;
pub mod checks;
pub mod connectors;
pub mod credentials;
pub mod doctor;
pub mod envelope;
mod hub;
pub mod import;
pub mod keys;
pub mod mcp;
pub mod proxy;
pub mod retention;
pub mod rotate;
pub mod rotate_data_key;
pub mod schedule;
pub mod sessions;
pub mod signin;
pub mod webhooks;

pub use crate::store::{
    AccountFilter, AccountRow, AuditRow, Delivery, EventType, KeyRow, SessionRow, StatusChange,
    Webhook,
};
pub use accounts::LinkResult;
pub use connectors::{ConnectorRef, DefinitionFormat};
pub use hub::{clean_name, masked, variant, Hub, HubError, StartError, MAX_NAME};
pub use keys::AuthFailure;
pub use sessions::{ConnectEvent, Gone, NewSession, SessionProblem, SessionRequest, SessionStatus};
