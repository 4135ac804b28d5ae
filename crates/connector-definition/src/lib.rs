//! A connector as a definition file: one TOML file holding everything a compiled
//! `ConnectorSpec` declares (issue 28).
//!
//! - [`model`]: the file as owned data (`String`, `Vec`, `Option`), one type per spec type, read
//!   and written by serde and described by a JSON Schema (`docs/definition.schema.json`);
//! - [`convert`](crate::model::Definition#impl-From<%26ConnectorSpec>-for-Definition): any
//!   compiled spec as a definition;
//! - [`print`] and [`parse`]: canonical TOML text and back.
//!
//! Printing is canonical: the same definition always prints the same text, and parsing that
//! text and printing it again gives it back.
//!
//! [`DefinedConnector`] runs a loaded definition as a connector: its spec is built in an arena
//! the connector owns and freed with it.
//!
//! [`load`] reads a file as untrusted input: its size is bounded ([`MAX_BYTES`]), then TOML
//! syntax, shape and every semantic check a compiled spec gets at build time (and more: https
//! origins, placeholders that cannot change a host's domain, sizes) are made, each problem
//! reported as `file:line: key.path message`.

mod arena;
mod connector;
mod convert;
mod dir;
mod load;
pub mod model;
mod print;
mod rules;

pub use connector::DefinedConnector;
pub use dir::{definition_files, load_dir, DirError, MAX_FILES};
pub use load::{load, LoadError, MAX_BYTES};
pub use model::Definition;

/// Where `cargo xtask docs` writes the schema, relative to the workspace root.
pub const SCHEMA_PATH: &str = "docs/definition.schema.json";

/// A definition file that could not be read.
#[derive(Debug)]
pub struct ParseError(toml::de::Error);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a valid connector definition: {}", self.0)
    }
}

impl std::error::Error for ParseError {}

/// A definition as canonical TOML: `id = "ID"` first, then the other top-level values, then the
/// tables in the model's field order (`base_url`, `origins`, `docs`, `variants`, `actions`,
/// `guide`); small tables inline, every string a one-line basic string (see `print.rs`).
pub fn print(definition: &Definition) -> String {
    // Every type of the model is a table of strings, numbers, booleans and arrays of them, so
    // serializing cannot fail, and what the serializer writes is TOML.
    match toml::to_string(definition).map(|text| print::layout(&text)) {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => unreachable!("the TOML serializer wrote TOML: {e}"),
        Err(e) => unreachable!("a definition always serializes to TOML: {e}"),
    }
}

/// A definition file's text as a definition; unknown keys are refused.
pub fn parse(text: &str) -> Result<Definition, ParseError> {
    toml::from_str(text).map_err(ParseError)
}

/// The JSON Schema of a definition file, from the model's types and doc comments.
pub fn schema() -> serde_json::Value {
    schemars::schema_for!(Definition).to_value()
}
