//! connector-testkit's integration tests, one binary (linked once): one module per area.

mod broken_connectors;
mod defined_connectors;
mod live;
mod record;
mod registered_connectors;
