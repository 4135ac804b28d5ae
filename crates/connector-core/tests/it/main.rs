//! connector-core's integration tests, one binary (linked once): one module per area, and what
//! they share in `support`.

mod body_and_prefix_shapes;
mod echoed_key;
mod hostile_http;
mod observer;
mod response_props;
mod shapes;
mod support;
