//! Recorded provider interactions as data: the scenario format of `fixtures/<connector-id>/*.json`
//! and its loader. `fixtures/README.md` documents the format for fixture authors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use connector_core::Status;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One recorded interaction: what the connector is given, what it must send, what the provider
/// answered and how the check must end.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Kebab-case name; equal to the file name without `.json`.
    pub name: String,
    pub description: String,
    /// The credential variant to check; the connector's default when absent.
    #[serde(default)]
    pub variant: Option<String>,
    /// Field values given to the check. Always fake.
    pub credentials: BTreeMap<String, String>,
    /// The request the connector must send (every attempt, retries included).
    pub request: RecordedRequest,
    /// Served in order, one per request; the last one answers every further request.
    pub responses: Vec<RecordedResponse>,
    pub expect: Expectation,
}

/// The request as the provider receives it. The path is the full path on the provider's host,
/// base-URL prefix included.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The exact query: no parameter may be missing or added.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Headers that must be present with exactly these values; others are allowed.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// One provider answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    pub status: u16,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body, served as `application/json` unless `headers` says otherwise.
    #[serde(default)]
    pub body: Option<Value>,
    /// A raw body (HTML, truncated JSON), served as given.
    #[serde(default)]
    pub body_text: Option<String>,
}

/// How the check must end.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// A status name such as `verified` or `rate_limited`.
    pub status: String,
    /// The exact account a verified check reports; required when `status` is `verified`.
    #[serde(default)]
    pub account: Option<Map<String, Value>>,
    /// How many requests the provider must receive, when it matters (e.g. 2 for "429 then 200").
    #[serde(default)]
    pub requests: Option<usize>,
}

impl Expectation {
    /// The expected status, if its name is known.
    pub fn status(&self) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == self.status)
    }
}

impl Scenario {
    /// Problems that make the scenario unusable, in words a fixture author can act on.
    fn problems(&self, file_stem: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name != file_stem {
            problems.push(format!(
                "name `{}` differs from the file name `{file_stem}.json`; make them equal",
                self.name
            ));
        }
        if self.responses.is_empty() {
            problems.push("`responses` is empty; record at least one response".to_owned());
        }
        if self
            .responses
            .iter()
            .any(|r| r.body.is_some() && r.body_text.is_some())
        {
            problems.push("a response has both `body` and `body_text`; keep one".to_owned());
        }
        match self.expect.status() {
            None => problems.push(format!(
                "unknown expected status `{}`; use one of: {}",
                self.expect.status,
                Status::ALL.map(Status::as_str).join(", ")
            )),
            Some(Status::Verified) if self.expect.account.is_none() => {
                problems.push("a `verified` scenario must state the expected `account`".to_owned())
            }
            Some(_) => {}
        }
        if !self.request.path.starts_with('/') {
            problems.push(format!(
                "request path `{}` must start with `/`",
                self.request.path
            ));
        }
        problems
    }

    /// Whether this scenario is a rate limit answered by a later success.
    pub fn is_rate_limit_then_success(&self) -> bool {
        self.responses.first().is_some_and(|r| r.status == 429)
            && self.expect.status() == Some(Status::Verified)
    }
}

/// Every connector's scenarios, keyed by connector id, plus what could not be read.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    /// Where the fixtures were read from, for messages.
    pub root: PathBuf,
    pub scenarios: BTreeMap<String, Vec<Scenario>>,
    /// Files or directories that could not be read, keyed by connector id.
    pub errors: BTreeMap<String, Vec<String>>,
}

impl Fixtures {
    /// Reads `root/<connector-id>/*.json`. Never fails: unreadable files are kept as errors and
    /// reported by the `fixtures.load` check of their connector.
    pub fn load(root: &Path) -> Self {
        let mut fixtures = Fixtures {
            root: root.to_path_buf(),
            ..Fixtures::default()
        };
        let entries = match std::fs::read_dir(root) {
            Ok(entries) => entries,
            Err(error) => {
                fixtures
                    .errors
                    .entry(String::new())
                    .or_default()
                    .push(format!("cannot read {}: {error}", root.display()));
                return fixtures;
            }
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let Some(id) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            let (scenarios, errors) = load_connector_dir(&dir);
            fixtures.scenarios.insert(id.clone(), scenarios);
            if !errors.is_empty() {
                fixtures.errors.insert(id, errors);
            }
        }
        fixtures
    }

    /// The scenarios recorded for a connector (empty when none).
    pub fn for_connector(&self, id: &str) -> &[Scenario] {
        self.scenarios.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Lets connector `id` use the scenarios recorded for `from`, e.g. a test double of a real
    /// connector with its own id.
    pub fn share(&mut self, from: &str, id: &str) {
        let scenarios = self.for_connector(from).to_vec();
        self.scenarios.insert(id.to_owned(), scenarios);
    }
}

fn load_connector_dir(dir: &Path) -> (Vec<Scenario>, Vec<String>) {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
        Err(error) => {
            errors.push(format!("cannot read {}: {error}", dir.display()));
            return (scenarios, errors);
        }
    };
    files.sort();
    for file in files {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(error) => {
                errors.push(format!("cannot read {}: {error}", file.display()));
                continue;
            }
        };
        match serde_json::from_str::<Scenario>(&text) {
            Ok(scenario) => {
                let problems = scenario.problems(&stem);
                if problems.is_empty() {
                    scenarios.push(scenario);
                } else {
                    errors.push(format!("{}: {}", file.display(), problems.join("; ")));
                }
            }
            Err(error) => errors.push(format!(
                "{} is not a valid scenario: {error} (see fixtures/README.md)",
                file.display()
            )),
        }
    }
    (scenarios, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"{
        "name": "revoked-key", "description": "d", "credentials": {"api_key": "fake"},
        "request": {"method": "GET", "path": "/me"},
        "responses": [{"status": 401}], "expect": {"status": "rejected"}
    }"#;

    #[test]
    fn loads_good_scenarios_and_names_the_bad_ones() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("acme");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("revoked-key.json"), SCENARIO).unwrap();
        std::fs::write(dir.join("renamed.json"), SCENARIO).unwrap();
        std::fs::write(
            dir.join("odd-status.json"),
            SCENARIO
                .replace("revoked-key", "odd-status")
                .replace("\"rejected\"", "\"refused\""),
        )
        .unwrap();
        std::fs::write(dir.join("broken.json"), "{").unwrap();

        let fixtures = Fixtures::load(root.path());

        let names: Vec<&str> = fixtures
            .for_connector("acme")
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["revoked-key"]);
        let errors = fixtures.errors["acme"].join("\n");
        assert!(
            errors.contains("broken.json is not a valid scenario"),
            "{errors}"
        );
        assert!(
            errors.contains("differs from the file name `renamed.json`"),
            "{errors}"
        );
        assert!(
            errors.contains("unknown expected status `refused`"),
            "{errors}"
        );
    }

    #[test]
    fn a_missing_root_is_an_error_not_a_panic() {
        let fixtures = Fixtures::load(Path::new("/nonexistent/fixtures"));
        assert!(fixtures.scenarios.is_empty());
        assert!(fixtures.errors[""][0].contains("cannot read"));
    }
}
