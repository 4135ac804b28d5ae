//! The storage floor: the only place with SQL. One pool over SQLite or PostgreSQL (sqlx's `Any`
//! driver), the embedded migrations, and one file per table group. Every value travels as a
//! bound parameter; the only SQL built at run time is the choice among fixed clauses.
//! Only the service floor uses it.

mod accounts;
mod audit;
mod connectors;
mod data_keys;
mod db;
mod history;
mod keys;
mod locks;
mod retention;
mod schedule;
mod sealed;
mod sessions;
mod verifications;
mod web_sessions;
mod webhooks;

pub use accounts::{AccountFilter, AccountRow, Lease, Verification};
pub use audit::AuditRow;
pub use connectors::{Removal, Stored};
pub use data_keys::DataKeyRow;
pub use db::{DbKind, Store, StoreError, DEFAULT_DATABASE};
pub use history::StatusChange;
pub use keys::KeyRow;
pub use retention::Retained;
pub use schedule::Claimed;
pub use sealed::SealedTable;
pub use sessions::SessionRow;
pub use webhooks::{Attempt, Delivery, DueDelivery, EventType, Webhook};
