//! Recorded provider interactions as data: the scenario format of `fixtures/<connector-id>/*.json`
//! (verification scenarios, and action scenarios naming an `action`) and its loader.
//! `fixtures/README.md` documents the format for fixture authors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use connector_core::Status;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One recorded interaction: what the connector is given, what it must send, what the provider
/// answered and how the check (or, with `action`, the action) must end.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Kebab-case name; equal to the file name without `.json`.
    pub name: String,
    pub description: String,
    /// The id of a declared action to run instead of the verification check.
    #[serde(default)]
    pub action: Option<String>,
    /// The credential variant to use; the connector's default (or the action's) when absent.
    #[serde(default)]
    pub variant: Option<String>,
    /// Field values given to the check. Always fake.
    pub credentials: BTreeMap<String, String>,
    /// The action's inputs (strings, booleans or numbers), only with `action`.
    #[serde(default)]
    pub inputs: Map<String, Value>,
    /// The request the connector must send (every attempt, retries included). Absent only when
    /// `expect.requests` is 0.
    #[serde(default)]
    pub request: Option<RecordedRequest>,
    /// Served in order, one per request; the last one answers every further request. May be
    /// empty only when `expect.requests` is 0.
    #[serde(default)]
    pub responses: Vec<RecordedResponse>,
    /// For a connector that exchanges credentials for a token first: the token request and
    /// its answers. `request` and `responses` are then the API's, after the exchange.
    #[serde(default)]
    pub exchange: Option<RecordedExchange>,
    pub expect: Expectation,
    /// Where the file still holds a `TODO` placeholder, as dotted paths (`request.path`); filled
    /// by the loader.
    #[serde(skip)]
    pub placeholders: Vec<String>,
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
    /// The JSON body the provider must receive, compared as JSON; not compared when absent.
    #[serde(default)]
    pub body: Option<Value>,
    /// The form body (`application/x-www-form-urlencoded`) the provider must receive, exactly:
    /// no pair may be missing or added. Not compared when absent.
    #[serde(default)]
    pub form: Option<BTreeMap<String, String>>,
}

/// The token request of a credential exchange and the token endpoint's answers, served on the
/// exchange's own origin.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedExchange {
    pub request: RecordedRequest,
    /// Served in order, one per token request; the last one answers every further request.
    pub responses: Vec<RecordedResponse>,
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
    /// How long the provider takes to answer, in milliseconds; longer than the suite's deadline
    /// (2 s) stands for a provider that never answers.
    #[serde(default)]
    pub delay_ms: Option<u64>,
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
    /// The exact output a `done` action reports, secret outputs masked (`"••••7c1e"`); required
    /// when `status` is `done`.
    #[serde(default)]
    pub output: Option<Map<String, Value>>,
    /// The outputs that must be handed over apart from the report, as secrets.
    #[serde(default)]
    pub secret_outputs: Option<Vec<String>>,
}

impl Expectation {
    /// The expected status, if its name is known.
    pub fn status(&self) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == self.status)
    }
}

impl Scenario {
    /// Whether the provider answered `status` at any point, token endpoint included.
    pub fn answers_with(&self, status: u16) -> bool {
        self.responses
            .iter()
            .chain(self.exchange.iter().flat_map(|e| &e.responses))
            .any(|r| r.status == status)
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
        let sends_nothing = self.expect.requests == Some(0);
        if self.responses.is_empty() && !sends_nothing {
            problems.push("`responses` is empty; record at least one response".to_owned());
        }
        if self
            .responses
            .iter()
            .any(|r| r.body.is_some() && r.body_text.is_some())
        {
            problems.push("a response has both `body` and `body_text`; keep one".to_owned());
        }
        let expected = self.expect.status();
        match expected {
            None => problems.push(format!(
                "unknown expected status `{}`; use one of: {}",
                self.expect.status,
                Status::ALL.map(Status::as_str).join(", ")
            )),
            Some(Status::Verified) if !self.is_action() && self.expect.account.is_none() => {
                problems.push("a `verified` scenario must state the expected `account`".to_owned())
            }
            Some(Status::Done) if self.is_action() && self.expect.output.is_none() => problems
                .push(
                    "a `done` scenario must state the expected `output` (secret outputs masked)"
                        .to_owned(),
                ),
            Some(_) => {}
        }
        problems.extend(self.kind_problems(expected));
        match &self.request {
            None if !sends_nothing => problems.push(
                "`request` is missing; record the request the provider must receive (it may be left out only when `expect.requests` is 0)".to_owned(),
            ),
            Some(request) if !request.path.starts_with('/') => problems.push(format!(
                "request path `{}` must start with `/`",
                request.path
            )),
            _ => {}
        }
        problems
    }

    /// What a verification scenario may not say and an action scenario must not, and back.
    fn kind_problems(&self, expected: Option<Status>) -> Vec<String> {
        let mut problems = Vec::new();
        let status = &self.expect.status;
        if self.action.is_some() {
            if expected == Some(Status::Verified) {
                problems.push(format!(
                    "an action scenario cannot end `{status}`; a carried-out action ends `done`"
                ));
            }
            if self.expect.account.is_some() {
                problems.push(
                    "`expect.account` belongs to verification scenarios; an action states `expect.output`"
                        .to_owned(),
                );
            }
        } else {
            if matches!(expected, Some(Status::Done | Status::NotFound)) {
                problems.push(format!(
                    "a verification check cannot end `{status}`; name the `action` this scenario runs"
                ));
            }
            for (field, present) in [
                ("inputs", !self.inputs.is_empty()),
                ("expect.output", self.expect.output.is_some()),
                (
                    "expect.secret_outputs",
                    self.expect.secret_outputs.is_some(),
                ),
            ] {
                if present {
                    problems.push(format!(
                        "`{field}` needs `action`: name the action this scenario runs"
                    ));
                }
            }
        }
        problems
    }

    /// Whether this scenario runs an action rather than the verification check.
    pub fn is_action(&self) -> bool {
        self.action.is_some()
    }

    /// Whether this scenario is a rate limit answered by a later success.
    pub fn is_rate_limit_then_success(&self) -> bool {
        !self.is_action()
            && self.responses.first().is_some_and(|r| r.status == 429)
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
            Ok(mut scenario) => {
                scenario.placeholders = serde_json::from_str::<Value>(&text)
                    .map(|raw| placeholders_in(&raw))
                    .unwrap_or_default();
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

/// The marker the scaffold (`cargo xtask new-connector`) leaves wherever a value is still to fill.
pub const PLACEHOLDER: &str = "TODO";

/// The dotted paths (`responses[0].body.TODO`) of every key or string holding [`PLACEHOLDER`].
pub fn placeholders_in(value: &Value) -> Vec<String> {
    fn walk(value: &Value, path: &str, found: &mut Vec<String>) {
        match value {
            Value::String(s) if s.contains(PLACEHOLDER) => found.push(path.to_owned()),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), found);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let inner = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    if key.contains(PLACEHOLDER) {
                        found.push(inner);
                    } else {
                        walk(item, &inner, found);
                    }
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(value, "", &mut found);
    found
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

    /// Writes `scenarios` (name, JSON) into a fresh `acme/` and loads them.
    fn load(scenarios: &[(&str, String)]) -> Fixtures {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("acme");
        std::fs::create_dir(&dir).unwrap();
        for (name, text) in scenarios {
            std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
        }
        Fixtures::load(root.path())
    }

    const ACTION: &str = r#"{
        "name": "mint", "description": "d", "action": "mint-key",
        "credentials": {"api_key": "fake"}, "inputs": {"id": "x", "force": true},
        "request": {"method": "POST", "path": "/keys", "body": {}},
        "responses": [{"status": 200, "delay_ms": 5, "body": {"data": {"value": "k"}}}],
        "expect": {"status": "done", "output": {"key": "••••"}, "secret_outputs": ["key"]}
    }"#;

    #[test]
    fn action_scenarios_load_and_their_rules_are_enforced() {
        let fixtures = load(&[
            ("mint", ACTION.to_owned()),
            (
                "refused-locally",
                ACTION
                    .replace("\"mint\"", "\"refused-locally\"")
                    .replace(
                        r#""request": {"method": "POST", "path": "/keys", "body": {}},"#,
                        "",
                    )
                    .replace(
                        r#""status": "done""#,
                        r#""status": "invalid_input", "requests": 0"#,
                    ),
            ),
            (
                "no-output",
                ACTION
                    .replace("\"mint\"", "\"no-output\"")
                    .replace(r#""output": {"key": "••••"}, "#, ""),
            ),
            (
                "verified-action",
                ACTION
                    .replace("\"mint\"", "\"verified-action\"")
                    .replace(r#""status": "done""#, r#""status": "verified""#),
            ),
            (
                "done-check",
                SCENARIO
                    .replace("revoked-key", "done-check")
                    .replace("\"rejected\"", "\"done\""),
            ),
            (
                "no-request",
                SCENARIO
                    .replace("revoked-key", "no-request")
                    .replace(r#""request": {"method": "GET", "path": "/me"},"#, ""),
            ),
        ]);
        let names: Vec<&str> = fixtures
            .for_connector("acme")
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["mint", "refused-locally"]);
        let mint = &fixtures.for_connector("acme")[0];
        assert!(mint.is_action());
        assert_eq!(mint.responses[0].delay_ms, Some(5));
        assert_eq!(
            mint.request.as_ref().unwrap().body,
            Some(serde_json::json!({}))
        );
        let errors = fixtures.errors["acme"].join("\n");
        for expected in [
            "no-output.json: a `done` scenario must state the expected `output`",
            "verified-action.json: an action scenario cannot end `verified`",
            "done-check.json: a verification check cannot end `done`",
            "no-request.json: `request` is missing",
        ] {
            assert!(errors.contains(expected), "{expected}\n{errors}");
        }
    }

    #[test]
    fn placeholders_are_found_in_keys_and_strings_with_their_path() {
        let value = serde_json::json!({
            "description": "TODO: say it",
            "request": {"path": "/v1/TODO", "method": "GET"},
            "responses": [{"status": 200, "body": {"TODO": "x", "ok": ["fine", "TODO"]}}]
        });
        assert_eq!(
            placeholders_in(&value),
            [
                "description",
                "request.path",
                "responses[0].body.TODO",
                "responses[0].body.ok[1]"
            ]
        );
        assert!(placeholders_in(&serde_json::json!({"todo": "lowercase is prose"})).is_empty());
    }

    #[test]
    fn a_missing_root_is_an_error_not_a_panic() {
        let fixtures = Fixtures::load(Path::new("/nonexistent/fixtures"));
        assert!(fixtures.scenarios.is_empty());
        assert!(fixtures.errors[""][0].contains("cannot read"));
    }
}
