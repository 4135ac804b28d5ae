//! The People HR connector (scaffolded by `cargo xtask new-connector`; see the TODOs in spec.rs).

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The People HR connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct PeopleHR;

impl Connector for PeopleHR {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}
