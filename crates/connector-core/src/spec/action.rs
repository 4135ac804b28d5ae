//! Actions as declared: typed requests a connector can make beyond verification (minting a key
//! for a customer organization), their inputs, query parameters, outputs and cautions.

use secrecy::ExposeSecret;

use super::field::Field;
use super::request::{Repeat, RequestSpec};
use crate::secret::{RawCredentials, RawValue};

/// An action a connector can run.
#[derive(Debug)]
pub struct ActionSpec<'a> {
    /// Kebab-case id, e.g. `create-api-key`.
    pub id: &'a str,
    /// Display name, e.g. `Create an API key`.
    pub name: &'a str,
    pub description: &'a str,
    /// The credential variant the action needs, e.g. `partner`.
    pub variant: &'a str,
    /// Typed inputs, described like credential fields.
    pub inputs: &'a [Field<'a>],
    /// The request; `{input}` placeholders in its path are filled with percent-encoded inputs.
    pub request: RequestSpec<'a>,
    /// Query parameters filled from inputs.
    pub query: &'a [QueryParam<'a>],
    /// Whether the request may be repeated after a failure whose effect is unknown.
    pub repeat: Repeat,
    pub outputs: &'a [Output<'a>],
    /// Warnings shown before running with certain input values.
    pub cautions: &'a [Caution<'a>],
}

impl<'a> ActionSpec<'a> {
    pub fn input(&self, key: &str) -> Option<&'a Field<'a>> {
        self.inputs.iter().find(|f| f.key == key)
    }

    /// The cautions that apply to these inputs, so they can be shown before the request.
    pub fn cautions_for(&self, inputs: &RawCredentials) -> Vec<&'a str> {
        self.cautions
            .iter()
            .filter(|c| match inputs.get(c.input) {
                Some(RawValue::Text(v)) => v.expose_secret().trim() == c.when,
                _ => false,
            })
            .map(|c| c.message)
            .collect()
    }
}

/// A query parameter filled from an input.
#[derive(Debug)]
pub struct QueryParam<'a> {
    pub name: &'a str,
    pub input: &'a str,
    /// Leave the parameter out when the input has this value (e.g. `force=false`).
    pub omit_when: Option<&'a str>,
}

/// A value the action returns, read from the response body.
#[derive(Debug)]
pub struct Output<'a> {
    pub key: &'a str,
    pub label: &'a str,
    pub description: &'a str,
    /// Secret outputs (a minted key) are shown once and never logged.
    pub secret: bool,
    /// JSON pointer into the response body, e.g. `/data/value`.
    pub pointer: &'a str,
}

/// A warning shown when an input has a given value.
#[derive(Debug)]
pub struct Caution<'a> {
    pub input: &'a str,
    pub when: &'a str,
    pub message: &'a str,
}
