//! connector-docs' integration tests, one binary (linked once): one module per area, and the
//! made-up connector they render in `support`.

mod committed_docs;
mod render;
mod support;
