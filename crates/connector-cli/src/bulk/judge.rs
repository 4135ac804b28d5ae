//! What a bulk input line asks for: a check to run, with its connector and variant resolved and
//! its credentials read, or an `invalid_input` result saying what is wrong, never quoting what the
//! line contains. The line's JSON is read by `line.rs`; the lines come from `input.rs`.

use connector_core::check::resolve_variant;
use connector_core::secret::{json_kind, CredentialsParseError};
use connector_core::text::describe_value;
use connector_core::{CheckReport, Connector, CredentialVariant, RawCredentials, Status};
use serde_json::Value;

use super::line;

/// One input line, numbered from 1, with what to do about it.
#[derive(Debug)]
pub struct Entry {
    pub line: u64,
    /// The input's `id`, or the line number when absent or null.
    pub id: Value,
    pub work: Work,
}

/// What an input line asks for.
#[derive(Debug)]
pub enum Work {
    /// A credential to verify.
    Check(Job),
    /// The line cannot be checked; its result is already known.
    Invalid(Box<CheckReport>),
}

/// A credential to verify, with the connector and variant already resolved.
pub struct Job {
    pub connector: &'static dyn Connector,
    pub variant: &'static CredentialVariant<'static>,
    pub credentials: RawCredentials,
    /// Identifies the credential values for deduplication.
    pub fingerprint: u64,
    /// Notes about the line itself (e.g. an unknown top-level field), added to the result.
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("connector", &self.connector.spec().id)
            .field("variant", &self.variant.name)
            .field("credentials", &self.credentials)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// Turns one line into a job or an `invalid_input` result. Messages name the line, the field
/// and the kind of value, never a value.
pub fn parse_line(line: u64, text: &[u8]) -> Entry {
    let number = Value::from(line);
    let text = if line == 1 {
        text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)
    } else {
        text
    };
    if text.iter().all(u8::is_ascii_whitespace) {
        return invalid(
            line,
            number,
            None,
            "the line is empty; expected a JSON object such as {\"connector\": \"…\", \"credentials\": {…}}".to_owned(),
        );
    }
    let read = match line::read(text) {
        Ok(read) => read,
        Err(e) => {
            let what = match e.classify() {
                serde_json::error::Category::Eof => "it ends too early",
                serde_json::error::Category::Syntax => "syntax error",
                _ => "unreadable",
            };
            return invalid(
                line,
                number,
                None,
                format!("not valid JSON ({what} at column {})", e.column()),
            );
        }
    };
    let fields = match read {
        line::Read::Object(fields) => fields,
        line::Read::Other(kind) => {
            return invalid(
                line,
                number,
                None,
                format!(
                    "expected a JSON object such as {{\"connector\": \"…\", \"credentials\": {{…}}}}, not {kind}"
                ),
            );
        }
    };
    let id = match fields.id {
        None | Some(Value::Null) => number,
        Some(id) => id,
    };
    let connector = match fields.connector {
        Some(Value::String(name)) => name,
        Some(other) => {
            let message = format!("`connector` must be a string, not {}", json_kind(&other));
            return invalid(line, id, None, message);
        }
        None => {
            let message = "`connector` is missing; see `connector list` for the ids".to_owned();
            return invalid(line, id, None, message);
        }
    };
    let found = match connector_registry::lookup(&connector) {
        Ok(found) => found,
        Err(unknown) => {
            let message = format!(
                "unknown connector {}; {}run `connector list` to see them all",
                describe_name(&connector),
                unknown.hint()
            );
            return invalid(line, id, None, message);
        }
    };
    let spec = found.spec();
    let variant = match fields.variant {
        None | Some(Value::Null) => spec.default_variant(),
        Some(Value::String(name)) => match resolve_variant(spec, Some(&name)) {
            Ok(variant) => variant,
            Err(unknown) => return invalid(line, id, Some(spec.id), unknown.to_string()),
        },
        Some(other) => {
            let message = format!("`variant` must be a string, not {}", json_kind(&other));
            return invalid(line, id, Some(spec.id), message);
        }
    };
    let credentials = match fields.credentials {
        Some(line::Credentials::Pairs(pairs)) => RawCredentials::from_pairs(pairs),
        Some(line::Credentials::Other(kind)) => {
            let e = CredentialsParseError::NotAnObject(kind);
            let report = invalid_report(line, spec.id, variant.name, format!("`credentials`: {e}"));
            return Entry {
                line,
                id,
                work: Work::Invalid(Box::new(report)),
            };
        }
        None => {
            let message =
                "`credentials` is missing; expected an object such as {\"api_key\": \"…\"}";
            let report = invalid_report(line, spec.id, variant.name, message.to_owned());
            return Entry {
                line,
                id,
                work: Work::Invalid(Box::new(report)),
            };
        }
    };
    let warnings = unknown_fields(&fields.unknown);
    Entry {
        line,
        id,
        work: Work::Check(Job {
            connector: found,
            variant,
            fingerprint: credentials.fingerprint(),
            credentials,
            warnings,
        }),
    }
}

/// A warning per top-level field the input format does not have (a typo such as `varient`
/// would otherwise go unnoticed).
fn unknown_fields(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|key| {
            format!(
                "ignored unknown field {}; a line has id, connector, variant and credentials",
                describe_name(key)
            )
        })
        .collect()
}

/// A name from the input, described by length and never quoted: a value in the wrong place may
/// be a key.
fn describe_name(name: &str) -> String {
    format!("({})", describe_value(name))
}

/// An `invalid_input` entry for `line`, with the message saying what is wrong.
pub fn invalid(line: u64, id: Value, connector: Option<&str>, message: String) -> Entry {
    let report = invalid_report(line, connector.unwrap_or_default(), "", message);
    Entry {
        line,
        id,
        work: Work::Invalid(Box::new(report)),
    }
}

fn invalid_report(line: u64, connector: &str, variant: &str, message: String) -> CheckReport {
    CheckReport {
        connector: connector.to_owned(),
        variant: variant.to_owned(),
        status: Status::InvalidInput,
        key: None,
        http_status: None,
        message: format!("line {line}: {message}"),
        warnings: Vec::new(),
        account: None,
        elapsed_ms: 0,
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "8e5dcfdd-d23d-4e6f-a136-119e1254847b";

    fn report(entry: &Entry) -> &CheckReport {
        match &entry.work {
            Work::Invalid(report) => report,
            Work::Check(_) => panic!("line {} was accepted", entry.line),
        }
    }

    #[test]
    fn a_good_line_becomes_a_job_with_its_id() {
        let text = format!(
            r#"{{"id": "acct-1", "connector": "polytomic", "credentials": {{"api_key": "{KEY}"}}}}"#
        );
        let entry = parse_line(3, text.as_bytes());
        assert_eq!(entry.id, Value::from("acct-1"));
        let Work::Check(job) = entry.work else {
            panic!("not accepted")
        };
        assert_eq!(job.connector.spec().id, "polytomic");
        assert_eq!(job.variant.name, "api_key");
        assert!(job.warnings.is_empty());
    }

    #[test]
    fn the_id_defaults_to_the_line_number_and_keeps_its_type() {
        let text =
            format!(r#"{{"connector": "polytomic", "credentials": {{"api_key": "{KEY}"}}}}"#);
        assert_eq!(parse_line(7, text.as_bytes()).id, Value::from(7));
        let text = format!(
            r#"{{"id": 42, "connector": "polytomic", "credentials": {{"api_key": "{KEY}"}}}}"#
        );
        assert_eq!(parse_line(7, text.as_bytes()).id, Value::from(42));
    }

    #[test]
    fn the_same_credentials_have_the_same_fingerprint() {
        let one = format!(
            r#"{{"id": 1, "connector": "polytomic", "credentials": {{"api_key": "{KEY}"}}}}"#
        );
        let two = format!(
            r#"{{"connector": "polytomic", "credentials": {{"api_key": "{KEY}"}}, "id": 2}}"#
        );
        let fingerprint = |text: &str| match parse_line(1, text.as_bytes()).work {
            Work::Check(job) => job.fingerprint,
            Work::Invalid(report) => panic!("{}", report.message),
        };
        assert_eq!(fingerprint(&one), fingerprint(&two));
        assert_ne!(fingerprint(&one), fingerprint(&one.replace("847b", "847c")));
    }

    #[test]
    fn bad_lines_say_what_is_wrong_without_quoting_values() {
        let cases = [
            (
                format!(r#"{{"connector": "polytomic", "credentials": {{"api_key": {KEY}}}}}"#),
                "not valid JSON",
            ),
            (
                format!(r#"{{"connector": "polytomic", "credentials": "{KEY}"}}"#),
                "not a string",
            ),
            (
                format!(r#"{{"connector": "{KEY}", "credentials": {{}}}}"#),
                "unknown connector (a 36-character value)",
            ),
            (
                format!(r#"{{"connector": "polytomik", "credentials": {{"api_key": "{KEY}"}}}}"#),
                "did you mean `polytomic`",
            ),
            (
                format!(
                    r#"{{"connector": "polytomic", "variant": "nope", "credentials": {{"api_key": "{KEY}"}}}}"#
                ),
                "no credential variant by that name (a 4-character value)",
            ),
            (
                format!(
                    r#"{{"connector": "polytomic", "variant": 1, "credentials": {{"api_key": "{KEY}"}}}}"#
                ),
                "`variant` must be a string, not a number",
            ),
            (
                format!(r#"{{"connector": "polytomic", "api_key": "{KEY}"}}"#),
                "`credentials` is missing",
            ),
            (format!(r#"["{KEY}"]"#), "not an array"),
            (
                format!(r#"{{"connector": ["{KEY}"]}}"#),
                "`connector` must be a string, not an array",
            ),
            ("   ".to_owned(), "the line is empty"),
            (
                format!(r#"{{"connector": "polytomic", "credentials": {{"api_key": "{KEY}"}}"#),
                "it ends too early",
            ),
        ];
        for (text, expected) in cases {
            let entry = parse_line(5, text.as_bytes());
            let report = report(&entry);
            assert_eq!(report.status, Status::InvalidInput);
            assert!(report.message.starts_with("line 5: "), "{}", report.message);
            assert!(
                report.message.contains(expected),
                "{expected}: {}",
                report.message
            );
            assert!(!report.message.contains(&KEY[..8]), "{}", report.message);
        }
    }

    #[test]
    fn unknown_fields_are_warned_about() {
        let text = format!(
            r#"{{"connector": "polytomic", "varient": "partner", "credentials": {{"api_key": "{KEY}"}}}}"#
        );
        let Work::Check(job) = parse_line(1, text.as_bytes()).work else {
            panic!("not accepted")
        };
        assert_eq!(job.warnings.len(), 1);
        assert!(
            job.warnings[0].contains("(a 7-character value)"),
            "{}",
            job.warnings[0]
        );
    }
}
