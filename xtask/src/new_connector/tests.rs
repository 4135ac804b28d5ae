//! The scaffold, shape by shape, in temporary copies of the files it reads and writes.

use std::collections::BTreeMap;

use connector_testkit::fixture::Fixtures;

use super::*;

/// The files a scaffold reads or writes, copied from the real workspace.
fn minimal_workspace() -> tempfile::TempDir {
    let root = crate::workspace_root();
    let dir = tempfile::tempdir().expect("a temporary directory");
    for path in [ROOT_MANIFEST, REGISTRY_MANIFEST, REGISTRY_LIB] {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("dirs");
        std::fs::copy(root.join(path), target).expect("copied");
    }
    std::fs::create_dir_all(dir.path().join("connectors/polytomic")).expect("dirs");
    dir
}

fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.push((path.clone(), Vec::new()));
                stack.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).expect("readable")));
            }
        }
    }
    files.sort();
    files
}

fn scaffold(root: &Path, id: &str, auth: &str, base_url: &str) -> anyhow::Result<Plan> {
    let request = Request::parse(id, "Acme Test", auth, base_url)?;
    let plan = plan(root, &request)?;
    apply(root, &plan)?;
    Ok(plan)
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).expect("readable")
}

/// One credential shape: the command line, and what the scaffold must declare and record.
struct Shape {
    auth: &'static str,
    base_url: &'static str,
    /// Lines the rendered spec.rs must contain.
    spec: &'static [&'static str],
    /// The fields, in form order, and whether each is secret.
    fields: &'static [(&'static str, bool)],
    /// The path the fixtures record for the verification request.
    path: &'static str,
    /// How the fixtures send the credential: header or query parameter, and the value.
    sent: Sent,
}

enum Sent {
    Header(&'static str, &'static str),
    Query(&'static str, &'static str),
}

const KEY: &str = "fake0000acmetest0000EXAMPLE";

const SHAPES: &[Shape] = &[
    Shape {
        auth: "bearer",
        base_url: "https://api.acme.test/v1",
        spec: &["auth: Auth::Bearer { field: \"api_key\" },"],
        fields: &[("api_key", true)],
        path: "/v1/TODO",
        sent: Sent::Header("Authorization", "Bearer fake0000acmetest0000EXAMPLE"),
    },
    Shape {
        auth: "basic",
        base_url: "https://api.acme.test",
        spec: &["auth: Auth::basic_key(\"api_key\"),"],
        fields: &[("api_key", true)],
        path: "/TODO",
        // base64("fake0000acmetest0000EXAMPLE:")
        sent: Sent::Header(
            "Authorization",
            "Basic ZmFrZTAwMDBhY21ldGVzdDAwMDBFWEFNUExFOg==",
        ),
    },
    Shape {
        auth: "basic-password:x",
        base_url: "https://api.acme.test/api/gateway.php/{company_domain}/v1",
        spec: &[
            "username: Part::Field(\"api_key\"),",
            "password: Part::Fixed(\"x\"),",
            "key: \"company_domain\",",
        ],
        fields: &[("company_domain", false), ("api_key", true)],
        path: "/api/gateway.php/acme/v1/TODO",
        // base64("fake0000acmetest0000EXAMPLE:x")
        sent: Sent::Header(
            "Authorization",
            "Basic ZmFrZTAwMDBhY21ldGVzdDAwMDBFWEFNUExFOng=",
        ),
    },
    Shape {
        auth: "basic-pair",
        base_url: "https://api.acme.test/v1",
        spec: &[
            "username: Part::Field(\"username\"),",
            "password: Part::Field(\"api_key\"),",
        ],
        fields: &[("username", false), ("api_key", true)],
        path: "/v1/TODO",
        // base64("EXAMPLE-user-0000:fake0000acmetest0000EXAMPLE")
        sent: Sent::Header(
            "Authorization",
            "Basic RVhBTVBMRS11c2VyLTAwMDA6ZmFrZTAwMDBhY21ldGVzdDAwMDBFWEFNUExF",
        ),
    },
    Shape {
        auth: "header:X-Acme-Key",
        base_url: "https://{subdomain}.acme.test/api/v1",
        spec: &[
            "header: \"X-Acme-Key\",",
            "base_url: BaseUrl::Template(\"https://{subdomain}.acme.test/api/v1\"),",
            "help: \"The `acme` of `acme.acme.test`: your account's own part of the Acme Test address.\",",
        ],
        fields: &[("subdomain", false), ("api_key", true)],
        path: "/api/v1/TODO",
        sent: Sent::Header("X-Acme-Key", KEY),
    },
    Shape {
        auth: "header-template:Authorization: Token token={api_key}",
        base_url: "https://api.acme.test",
        spec: &[
            "auth: Auth::Headers(&[SecretHeader {",
            "template: \"Token token={api_key}\",",
        ],
        fields: &[("api_key", true)],
        path: "/TODO",
        sent: Sent::Header("Authorization", "Token token=fake0000acmetest0000EXAMPLE"),
    },
    Shape {
        auth: "query:apikey",
        base_url: "https://api.acme.test/v1",
        spec: &["param: \"apikey\","],
        fields: &[("api_key", true)],
        path: "/v1/TODO",
        sent: Sent::Query("apikey", KEY),
    },
    Shape {
        auth: "exchange",
        base_url: "https://api.acme.test/{company_id}/v3",
        spec: &[
            "auth: Auth::Exchange(&EXCHANGE),",
            "origin: None,",
            "origins: &[],",
            "Body::Form(&[(\"grant_type\", \"client_credentials\")]),",
            "id: \"client_id\",",
            "secret: \"client_secret\",",
        ],
        fields: &[
            ("company_id", false),
            ("client_id", false),
            ("client_secret", true),
        ],
        path: "/acme/v3/TODO",
        sent: Sent::Header("Authorization", "Bearer fake0000token0000EXAMPLE"),
    },
];

/// The `Field` literals of a rendered spec.rs, as (key, secret), in order.
fn declared_fields(spec: &str) -> Vec<(String, bool)> {
    let mut fields = Vec::new();
    for block in spec.split("Field {").skip(1) {
        let body = block.split("\n            }").next().unwrap_or(block);
        let key = body
            .split("key: \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a field key");
        let secret = body.contains("..Field::api_key(");
        fields.push((key.to_owned(), secret));
    }
    fields
}

#[test]
fn every_shape_declares_its_auth_fields_and_recorded_request() {
    for shape in SHAPES {
        let dir = minimal_workspace();
        scaffold(dir.path(), "acme-test", shape.auth, shape.base_url)
            .unwrap_or_else(|e| panic!("{}: {e:#}", shape.auth));
        let spec = read(dir.path(), "connectors/acme-test/src/spec.rs");
        for line in shape.spec {
            assert!(
                spec.contains(line),
                "{}: no `{line}` in\n{spec}",
                shape.auth
            );
        }
        assert!(spec.contains("            path: \"/TODO\",\n"), "{spec}");
        // What the key proves is declared, and read by `account()`'s default.
        assert!(spec.contains("        proof: Some(Proof {\n"), "{spec}");
        let lib = read(dir.path(), "connectors/acme-test/src/lib.rs");
        assert!(!lib.contains("fn account("), "{lib}");
        assert!(spec.ends_with("const _: () = SPEC.assert_valid();\n"));
        let wanted: Vec<(String, bool)> = shape
            .fields
            .iter()
            .map(|(k, s)| ((*k).to_owned(), *s))
            .collect();
        assert_eq!(declared_fields(&spec), wanted, "{}", shape.auth);

        let fixtures = Fixtures::load(&dir.path().join("fixtures"));
        assert!(
            !fixtures.errors.contains_key("acme-test"),
            "{}: {:?}",
            shape.auth,
            fixtures.errors
        );
        let scenarios = fixtures.for_connector("acme-test");
        let exchange = shape.auth == "exchange";
        assert_eq!(scenarios.len(), if exchange { 6 } else { 5 });
        for scenario in scenarios {
            let keys: Vec<&str> = scenario.credentials.keys().map(String::as_str).collect();
            let mut fields: Vec<&str> = shape.fields.iter().map(|(k, _)| *k).collect();
            fields.sort_unstable();
            assert_eq!(keys, fields, "{} {}", shape.auth, scenario.name);
            // The suite's spec.no-placeholders names every starter scenario but the outage.
            if scenario.name != "provider-outage" {
                assert!(!scenario.placeholders.is_empty(), "{}", scenario.name);
            }
            assert_eq!(scenario.exchange.is_some(), exchange, "{}", scenario.name);
            let Some(request) = &scenario.request else {
                assert_eq!(scenario.name, "refused-client-credentials");
                assert_eq!(scenario.expect.requests, Some(0));
                continue;
            };
            assert_eq!(request.path, shape.path, "{}", shape.auth);
            match shape.sent {
                Sent::Header(name, value) => {
                    assert_eq!(request.headers.get(name).map(String::as_str), Some(value));
                    assert!(request.query.is_empty());
                }
                Sent::Query(param, value) => {
                    assert_eq!(
                        request.query,
                        BTreeMap::from([(param.to_owned(), value.to_owned())])
                    );
                    assert!(request.headers.is_empty());
                }
            }
        }
        if exchange {
            let valid = scenarios
                .iter()
                .find(|s| s.name == "valid-key")
                .expect("valid-key");
            let token = valid.exchange.as_ref().expect("an exchange");
            assert_eq!(token.request.method, "POST");
            // Under the API base URL: its path prefix, then the token path.
            assert_eq!(token.request.path, "/acme/v3/TODO");
            assert_eq!(
                token.request.form,
                Some(BTreeMap::from([(
                    "grant_type".to_owned(),
                    "client_credentials".to_owned()
                )]))
            );
            // base64("EXAMPLE-client-0000:fake0000acmetest0000EXAMPLE")
            assert_eq!(
                token.request.headers["Authorization"],
                "Basic RVhBTVBMRS1jbGllbnQtMDAwMDpmYWtlMDAwMGFjbWV0ZXN0MDAwMEVYQU1QTEU="
            );
            assert!(valid
                .placeholders
                .iter()
                .any(|p| p == "exchange.request.path"));
        }
    }
}

#[test]
fn a_token_url_names_the_auth_origin_and_the_token_path() {
    let dir = minimal_workspace();
    let request = Request::parse(
        "acme-test",
        "Acme Test",
        "exchange",
        "https://harvest.acme.test/v3",
    )
    .and_then(|r| r.with_token_url("https://{region}.auth.acme.test/oauth/token"))
    .expect("valid");
    apply(dir.path(), &plan(dir.path(), &request).expect("planned")).expect("applied");
    let spec = read(dir.path(), "connectors/acme-test/src/spec.rs");
    assert!(spec.contains("url: BaseUrl::Template(\"https://{region}.auth.acme.test\"),"));
    assert!(spec.contains("\"/oauth/token\",\n"));
    assert!(spec.contains("key: \"region\","), "{spec}");
    let fixture: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "fixtures/acme-test/valid-key.json")).expect("JSON");
    assert_eq!(fixture["exchange"]["request"]["path"], "/oauth/token");
    assert_eq!(fixture["credentials"]["region"], "acme");

    assert!(spec.contains("origin: Some(\"auth\"),"), "{spec}");

    // A token endpoint under the API's base URL needs no origin of its own.
    let dir = minimal_workspace();
    let request = Request::parse(
        "acme-test",
        "Acme Test",
        "exchange",
        "https://api.acme.test",
    )
    .and_then(|r| r.with_token_url("https://api.acme.test/v2/auth/token"))
    .expect("valid");
    apply(dir.path(), &plan(dir.path(), &request).expect("planned")).expect("applied");
    let spec = read(dir.path(), "connectors/acme-test/src/spec.rs");
    assert!(spec.contains("origin: None,"), "{spec}");
    assert!(spec.contains("origins: &[],"), "{spec}");
    assert!(spec.contains("\"/v2/auth/token\",\n"), "{spec}");
    let fixture: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "fixtures/acme-test/valid-key.json")).expect("JSON");
    assert_eq!(fixture["exchange"]["request"]["path"], "/v2/auth/token");

    let bearer =
        Request::parse("acme-test", "Acme Test", "bearer", "https://api.acme.test").expect("valid");
    let refused = bearer.with_token_url("https://auth.acme.test/token");
    assert!(format!("{:#}", refused.expect_err("refused")).contains("--auth exchange only"));
}

#[test]
fn refuses_bad_input_with_a_clear_message_and_changes_nothing() {
    let dir = minimal_workspace();
    let before = snapshot(dir.path());
    let ok = "https://api.acme.test";
    let cases = [
        ("Acme_Test", "bearer", ok, "not a kebab-case id"),
        ("acme--test", "bearer", ok, "not a kebab-case id"),
        ("9acme", "bearer", ok, "not a kebab-case id"),
        ("type", "bearer", ok, "Rust keyword"),
        ("polytomic", "bearer", ok, "already exists"),
        ("anyhow", "bearer", ok, "already a workspace dependency"),
        ("acme-test", "digest", ok, "is not supported"),
        ("acme-test", "header:X Key", ok, "not a valid HTTP header"),
        (
            "acme-test",
            "basic-password:",
            ok,
            "needs the fixed password",
        ),
        (
            "acme-test",
            "query:api key",
            ok,
            "not a query parameter name",
        ),
        (
            "acme-test",
            "header-template:Authorization: Token",
            ok,
            "must contain `{api_key}`",
        ),
        (
            "acme-test",
            "header-template:Authorization: {user}:{api_key}",
            ok,
            "no other placeholder",
        ),
        (
            "acme-test",
            "header-template:Authorization",
            ok,
            "write the header and its value",
        ),
        ("acme-test", "bearer", "api.acme.test/v1", "is not a URL"),
        (
            "acme-test",
            "bearer",
            "http://api.acme.test",
            "must be an https URL",
        ),
        (
            "acme-test",
            "bearer",
            "https://api.acme.test/v1?x=1",
            "query",
        ),
        (
            "acme-test",
            "bearer",
            "https://{Sub}.acme.test",
            "placeholder that is not a field name",
        ),
        (
            "acme-test",
            "bearer",
            "https://{sub.acme.test",
            "placeholder that is not a field name",
        ),
        (
            "acme-test",
            "bearer",
            "https://api.acme.test/{api_key}",
            "names the secret field `api_key`",
        ),
        (
            "acme-test",
            "exchange",
            "https://{client_secret}.acme.test",
            "names the secret field `client_secret`",
        ),
    ];
    for (id, auth, url, expected) in cases {
        let error = scaffold(dir.path(), id, auth, url)
            .map(|_| ())
            .expect_err("refused");
        let message = format!("{error:#}");
        assert!(message.contains(expected), "{id} {auth} {url}: {message}");
    }
    assert!(
        snapshot(dir.path()) == before,
        "a refused scaffold changed files"
    );
}

#[test]
fn a_url_placeholder_may_name_a_public_credential_field_once() {
    let dir = minimal_workspace();
    scaffold(
        dir.path(),
        "acme-test",
        "basic-pair",
        "https://api.acme.test/users/{username}",
    )
    .expect("scaffolded");
    let spec = read(dir.path(), "connectors/acme-test/src/spec.rs");
    assert_eq!(spec.matches("key: \"username\",").count(), 1, "{spec}");
    let fixture: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "fixtures/acme-test/valid-key.json")).expect("JSON");
    assert_eq!(fixture["request"]["path"], "/users/EXAMPLE-user-0000/TODO");
}

#[test]
fn registers_the_connector_in_sorted_position_once() {
    let dir = minimal_workspace();
    scaffold(
        dir.path(),
        "quux-hire",
        "header:X-Quux-Key",
        "https://api.quux.test/v1/",
    )
    .expect("scaffolded");
    let lib = read(dir.path(), REGISTRY_LIB);
    assert_eq!(
        lib.matches("&quux_hire::QuuxHire,").count(),
        0,
        "type comes from --name"
    );
    assert_eq!(lib.matches("&quux_hire::AcmeTest,").count(), 1, "{lib}");
    let polytomic = lib.find("&polytomic::").expect("polytomic listed");
    let quux = lib.find("&quux_hire::").expect("quux listed");
    let smart = lib
        .find("&smartrecruiters::")
        .expect("smartrecruiters listed");
    assert!(polytomic < quux && quux < smart, "{lib}");
    assert!(read(dir.path(), REGISTRY_MANIFEST).contains("\nquux-hire.workspace = true\n"));
    assert!(read(dir.path(), ROOT_MANIFEST)
        .contains("\nquux-hire = { path = \"connectors/quux-hire\" }\n"));
    let spec = read(dir.path(), "connectors/quux-hire/src/spec.rs");
    assert!(
        spec.contains("base_url: BaseUrl::Template(\"https://api.quux.test/v1\"),"),
        "{spec}"
    );
    let fixture: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "fixtures/quux-hire/valid-key.json"))
            .expect("valid JSON");
    assert_eq!(fixture["request"]["path"], "/v1/TODO");
    assert_eq!(
        fixture["request"]["headers"]["X-Quux-Key"],
        fixture["credentials"]["api_key"]
    );
    // A second run refuses: the id exists now.
    assert!(scaffold(dir.path(), "quux-hire", "bearer", "https://api.quux.test").is_err());
}

/// The lines of `after` that are not in `before`, and whether every line of `before` is kept.
fn added_lines(before: &str, after: &str) -> (Vec<String>, bool) {
    let added = after
        .lines()
        .filter(|l| !before.lines().any(|b| b == *l))
        .map(str::to_owned)
        .collect();
    let mut rest = after.lines();
    let kept = before.lines().all(|b| rest.any(|a| a == b));
    (added, kept)
}

#[test]
fn manifests_gain_one_line_and_keep_their_comments_and_order() {
    let dir = minimal_workspace();
    let root_before = read(dir.path(), ROOT_MANIFEST);
    let registry_before = read(dir.path(), REGISTRY_MANIFEST);
    scaffold(dir.path(), "zeta-hire", "bearer", "https://api.zeta.test").expect("scaffolded");
    scaffold(dir.path(), "aaa-hire", "bearer", "https://api.aaa.test").expect("scaffolded");

    let root_after = read(dir.path(), ROOT_MANIFEST);
    let (added, kept) = added_lines(&root_before, &root_after);
    assert!(kept, "a line of Cargo.toml moved or changed:\n{root_after}");
    assert_eq!(
        added,
        [
            "aaa-hire = { path = \"connectors/aaa-hire\" }",
            "zeta-hire = { path = \"connectors/zeta-hire\" }",
        ]
    );
    // Among the connectors, never below the next section's comment.
    let zeta = root_after.find("zeta-hire =").expect("zeta listed");
    let third_party = root_after
        .find("# Third-party crates")
        .expect("comment kept");
    let last_connector = root_after
        .rfind("path = \"connectors/")
        .expect("connectors listed");
    assert!(zeta < third_party && last_connector < third_party);
    assert!(
        root_after.contains("\n\n# Third-party crates\n"),
        "{root_after}"
    );

    let registry_after = read(dir.path(), REGISTRY_MANIFEST);
    let (added, kept) = added_lines(&registry_before, &registry_after);
    assert!(kept, "{registry_after}");
    assert_eq!(
        added,
        ["aaa-hire.workspace = true", "zeta-hire.workspace = true"]
    );
    let deps: Vec<&str> = registry_after
        .split("[dependencies]\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a dependency list")
        .lines()
        .collect();
    let mut sorted = deps.clone();
    sorted.sort_unstable();
    assert_eq!(deps, sorted, "the registry's dependencies stay sorted");
    assert_eq!(deps.first(), Some(&"aaa-hire.workspace = true"));
}

#[test]
fn a_failed_write_rolls_back_everything() {
    let dir = minimal_workspace();
    let before = snapshot(dir.path());
    let request =
        Request::parse("acme-test", "Acme Test", "bearer", "https://api.acme.test").expect("ok");
    let plan = plan(dir.path(), &request).expect("planned");
    // The last edit cannot be written: its file has become a directory.
    let lib = dir.path().join(REGISTRY_LIB);
    let original = std::fs::read(&lib).expect("readable");
    std::fs::remove_file(&lib).expect("removed");
    std::fs::create_dir(&lib).expect("a directory in its place");
    assert!(apply(dir.path(), &plan).is_err());
    std::fs::remove_dir(&lib).expect("removed");
    std::fs::write(&lib, original).expect("restored");
    assert!(
        snapshot(dir.path()) == before,
        "the failed scaffold left changes"
    );
}

/// The templates are formatted as rustfmt would format them, for every shape, without the
/// rustfmt pass the scaffold applies when rustfmt is installed.
#[test]
fn the_templates_render_rustfmt_clean_code() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for shape in SHAPES {
        let request =
            Request::parse("acme-test", "Acme Test", shape.auth, shape.base_url).expect("valid");
        for (path, text) in render::crate_files(&request, None).expect("rendered") {
            // `None` when rustfmt is not installed: nothing to compare with.
            if let Some(formatted) = path
                .ends_with(".rs")
                .then(|| render::formatted(&text, dir.path()))
                .flatten()
            {
                assert!(
                    formatted == text,
                    "{} {path} is not rustfmt-clean; rustfmt makes it:\n{formatted}",
                    shape.auth
                );
            }
        }
    }
}

#[test]
fn the_docs_run_leaves_out_what_cargo_set_and_keeps_what_the_user_set() {
    for name in [
        "CARGO",
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_PKG_NAME",
        "CARGO_PKG_VERSION_MAJOR",
        "CARGO_CRATE_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_CFG_TARGET_OS",
        "RUSTC",
        "RUSTDOC",
    ] {
        assert!(set_by_cargo(name), "{name} should be left out");
    }
    for name in [
        "CARGO_HOME",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_JOBS",
        "CARGO_INCREMENTAL",
        "RUSTUP_TOOLCHAIN",
        "RUSTUP_HOME",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "PATH",
        "HOME",
    ] {
        assert!(!set_by_cargo(name), "{name} should pass through");
    }
}

/// Copies the workspace (without `target/` and `.git/`), scaffolds one connector of every shape
/// into the copy and builds them through the registry, so every scaffold compiles as generated.
#[test]
fn every_shape_builds_as_scaffolded() {
    let root = crate::workspace_root();
    let dir = tempfile::tempdir().expect("a temporary directory");
    copy_tree(&root, dir.path());
    for (i, shape) in SHAPES.iter().enumerate() {
        let id = format!("acme-shape{i}");
        let request = Request::parse(&id, &format!("Acme Shape {i}"), shape.auth, shape.base_url)
            .expect("valid");
        apply(dir.path(), &plan(dir.path(), &request).expect("planned")).expect("applied");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["check", "--offline", "--quiet", "-p", "connector-registry"])
        .current_dir(dir.path())
        // A target dir of its own: the outer `cargo test` may hold the lock on the shared one.
        .env("CARGO_TARGET_DIR", root.join("target/new-connector-test"))
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "a scaffold does not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable").flatten() {
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let (source, target) = (entry.path(), to.join(&name));
        if source.is_dir() {
            std::fs::create_dir_all(&target).expect("dirs");
            copy_tree(&source, &target);
        } else {
            std::fs::copy(&source, &target).expect("copied");
        }
    }
}
