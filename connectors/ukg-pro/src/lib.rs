//! The UKG Pro connector (scaffolded by `cargo xtask new-connector`; see the TODOs in spec.rs).

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The UKG Pro connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct UKGPro;

impl Connector for UKGPro {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}
