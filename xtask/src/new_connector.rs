//! `cargo xtask new-connector ID --name NAME --auth bearer|basic|header:NAME --base-url URL`:
//! scaffolds `connectors/<id>/`, registers it, writes starter fixtures and regenerates the docs.
//!
//! Every input is checked and every edit computed before anything is written, so a refused
//! request changes nothing; a failed write rolls back what was already written.
//! The scaffold compiles as is, and its placeholders (empty summary, guide and docs links, an
//! unwritten `account()`, `/TODO` verification path) are what the conformance suite reports.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context as _};
use base64::Engine as _;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Kebab-case connector id, e.g. `acme-hire`.
    id: String,
    /// Display name, e.g. "Acme Hire".
    #[arg(long)]
    name: String,
    /// How the key is sent: `bearer`, `basic` (key as username) or `header:<Header-Name>`.
    #[arg(long)]
    auth: String,
    /// The provider's API base URL, path prefix included, e.g. https://api.acme.com/v1.
    #[arg(long)]
    base_url: String,
    /// Skip regenerating docs/ (the scaffold test uses this; run `cargo xtask docs` later).
    #[arg(long)]
    no_docs: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = crate::workspace_root();
    let request = Request::parse(&args.id, &args.name, &args.auth, &args.base_url)?;
    let plan = plan(&root, &request)?;
    apply(&root, &plan)?;
    for path in plan.created() {
        println!("created  {}", path.display());
    }
    for path in plan.edited() {
        println!("edited   {}", path.display());
    }
    if !args.no_docs {
        regenerate_docs(&root)?;
    }
    println!(
        "\nNext: fill in connectors/{id}/src/spec.rs and guide.rs, write account() in lib.rs, \
         record real responses in fixtures/{id}/, then run \
         `cargo xtask conformance --connector {id}` until it passes.",
        id = request.id
    );
    Ok(ExitCode::SUCCESS)
}

/// How the key is sent, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthChoice {
    Bearer,
    Basic,
    Header(String),
}

/// A validated scaffolding request.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub name: String,
    pub auth: AuthChoice,
    /// Without a trailing slash.
    pub base_url: String,
    /// The base URL's path prefix, without a trailing slash (empty for none).
    pub base_path: String,
}

impl Request {
    /// Checks every argument; the error says which one is wrong and how to fix it.
    pub fn parse(id: &str, name: &str, auth: &str, base_url: &str) -> anyhow::Result<Request> {
        check_id(id)?;
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            bail!("--name must be a non-empty display name on one line, e.g. --name \"Acme Hire\"");
        }
        let auth = match auth.trim() {
            "bearer" => AuthChoice::Bearer,
            "basic" => AuthChoice::Basic,
            other => match other.strip_prefix("header:") {
                Some(header) if is_header_name(header) => AuthChoice::Header(header.to_owned()),
                Some(header) => bail!(
                    "--auth header:{header}: `{header}` is not a valid HTTP header name (letters, \
                     digits and - only, e.g. header:X-Api-Key)"
                ),
                None => bail!(
                    "--auth `{other}` is not supported: use `bearer`, `basic` (the key as HTTP \
                     Basic username) or `header:<Header-Name>`"
                ),
            },
        };
        let parsed = url::Url::parse(base_url.trim())
            .with_context(|| format!("--base-url `{base_url}` is not a URL"))?;
        if parsed.scheme() != "https" || parsed.host_str().is_none_or(str::is_empty) {
            bail!(
                "--base-url `{base_url}` must be an https URL with a host, e.g. \
                 https://api.example.com/v1: keys must travel encrypted"
            );
        }
        if parsed.query().is_some() || parsed.fragment().is_some() || !parsed.username().is_empty()
        {
            bail!("--base-url `{base_url}` must not carry a query, fragment or user name");
        }
        let base_path = parsed.path().trim_end_matches('/').to_owned();
        let base_url = parsed.as_str().trim_end_matches('/').to_owned();
        Ok(Request {
            id: id.to_owned(),
            name: name.to_owned(),
            auth,
            base_url,
            base_path,
        })
    }

    fn crate_ident(&self) -> String {
        self.id.replace('-', "_")
    }

    /// The connector's type name: the display name in UpperCamelCase when that makes an
    /// identifier, else the id's.
    fn type_name(&self) -> String {
        let camel = |text: &str| -> String {
            text.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let mut chars = w.chars();
                    chars
                        .next()
                        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                        .unwrap_or_default()
                })
                .collect()
        };
        let from_name = camel(&self.name);
        if from_name.starts_with(|c: char| c.is_ascii_alphabetic()) && !is_reserved(&from_name) {
            from_name
        } else {
            camel(&self.id)
        }
    }

    fn env_prefix(&self) -> String {
        self.id.to_ascii_uppercase().replace('-', "_")
    }
}

fn check_id(id: &str) -> anyhow::Result<()> {
    let kebab = id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !kebab {
        bail!(
            "`{id}` is not a kebab-case id: use lowercase letters and digits joined by single \
             hyphens, starting with a letter, e.g. `acme-hire`"
        );
    }
    if is_reserved(&id.replace('-', "_")) {
        bail!("`{id}` cannot be a crate name (it is a Rust keyword or a built-in crate); pick another id");
    }
    Ok(())
}

fn is_reserved(ident: &str) -> bool {
    const RESERVED: &[&str] = &[
        "as",
        "async",
        "await",
        "box",
        "break",
        "const",
        "continue",
        "crate",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "gen",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "Self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "try",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
        "yield",
        "std",
        "core",
        "alloc",
        "proc_macro",
        "test",
    ];
    RESERVED.contains(&ident)
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Every file to create and every file to rewrite, computed before anything is written.
#[derive(Debug)]
pub struct Plan {
    /// New files (relative path, contents).
    pub create: Vec<(PathBuf, String)>,
    /// Existing files (relative path, new contents, old contents).
    pub edit: Vec<(PathBuf, String, String)>,
}

impl Plan {
    fn created(&self) -> impl Iterator<Item = &Path> {
        self.create.iter().map(|(p, _)| p.as_path())
    }

    fn edited(&self) -> impl Iterator<Item = &Path> {
        self.edit.iter().map(|(p, _, _)| p.as_path())
    }
}

const ROOT_MANIFEST: &str = "Cargo.toml";
const REGISTRY_MANIFEST: &str = "crates/connector-registry/Cargo.toml";
const REGISTRY_LIB: &str = "crates/connector-registry/src/lib.rs";

/// Works out the scaffold for `request` in the workspace at `root`, refusing an id that exists.
pub fn plan(root: &Path, request: &Request) -> anyhow::Result<Plan> {
    let id = &request.id;
    let crate_dir = Path::new("connectors").join(id);
    if root.join(&crate_dir).exists() {
        bail!("connectors/{id} already exists; pick another id or edit that connector");
    }
    let fixture_dir = Path::new("fixtures").join(id);
    if root.join(&fixture_dir).exists() {
        bail!("fixtures/{id} already exists; remove it or pick another id");
    }
    let read = |path: &str| {
        std::fs::read_to_string(root.join(path)).with_context(|| format!("reading {path}"))
    };
    let root_manifest = read(ROOT_MANIFEST)?;
    let registry_manifest = read(REGISTRY_MANIFEST)?;
    let registry_lib = read(REGISTRY_LIB)?;

    let new_root = add_workspace_dependency(&root_manifest, id)?;
    let new_registry_manifest = add_registry_dependency(&registry_manifest, id)?;
    let entry = format!("&{}::{}", request.crate_ident(), request.type_name());
    let new_registry_lib = add_registry_entry(&registry_lib, &entry)?;

    let mut create = vec![
        (crate_dir.join("Cargo.toml"), cargo_toml(request)),
        (crate_dir.join("src/lib.rs"), lib_rs(request)),
        (crate_dir.join("src/spec.rs"), spec_rs(request)),
        (crate_dir.join("src/guide.rs"), guide_rs(request)),
    ];
    create.extend(
        fixtures(request)
            .into_iter()
            .map(|(name, text)| (fixture_dir.join(format!("{name}.json")), text)),
    );
    Ok(Plan {
        create,
        edit: vec![
            (PathBuf::from(ROOT_MANIFEST), new_root, root_manifest),
            (
                PathBuf::from(REGISTRY_MANIFEST),
                new_registry_manifest,
                registry_manifest,
            ),
            (PathBuf::from(REGISTRY_LIB), new_registry_lib, registry_lib),
        ],
    })
}

/// Writes the plan; on any failure, removes what it created and restores what it edited.
pub fn apply(root: &Path, plan: &Plan) -> anyhow::Result<()> {
    let mut created: Vec<PathBuf> = Vec::new();
    let mut edited: Vec<(PathBuf, &str)> = Vec::new();
    let result = (|| -> anyhow::Result<()> {
        for (path, text) in &plan.create {
            let full = root.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&full, text).with_context(|| format!("writing {}", path.display()))?;
            created.push(full);
        }
        for (path, text, old) in &plan.edit {
            let full = root.join(path);
            std::fs::write(&full, text).with_context(|| format!("writing {}", path.display()))?;
            edited.push((full, old));
        }
        Ok(())
    })();
    if result.is_err() {
        for path in &created {
            let _ = std::fs::remove_file(path);
        }
        for (path, old) in &edited {
            let _ = std::fs::write(path, old);
        }
        for dir in plan
            .create
            .iter()
            .filter_map(|(p, _)| p.components().next().zip(p.components().nth(1)))
            .map(|(a, b)| root.join(a).join(b))
        {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    result
}

/// Runs `cargo xtask docs` in a fresh process: this process's registry predates the new crate.
fn regenerate_docs(root: &Path) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["run", "--quiet", "--package", "xtask", "--", "docs"])
        .current_dir(root)
        .status()
        .context("running `cargo xtask docs`")?;
    if !status.success() {
        bail!("the connector was scaffolded, but `cargo xtask docs` failed; fix the build and run it again");
    }
    Ok(())
}

/// Lines of the TOML section `header`, as (first line index, end line index exclusive).
fn section(lines: &[&str], header: &str) -> Option<(usize, usize)> {
    let start = lines.iter().position(|l| l.trim() == header)?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map_or(lines.len(), |i| start + 1 + i);
    Some((start, end))
}

fn declares(line: &str, key: &str) -> bool {
    let line = line.trim_start();
    line.strip_prefix(key)
        .is_some_and(|rest| rest.trim_start().starts_with('=') || rest.starts_with('.'))
}

fn add_workspace_dependency(manifest: &str, id: &str) -> anyhow::Result<String> {
    let lines: Vec<&str> = manifest.lines().collect();
    let Some((start, end)) = section(&lines, "[workspace.dependencies]") else {
        bail!("Cargo.toml has no [workspace.dependencies] section");
    };
    if lines[start..end].iter().any(|l| declares(l, id)) {
        bail!("`{id}` is already a workspace dependency in Cargo.toml; pick another id");
    }
    let after = lines[start..end]
        .iter()
        .rposition(|l| l.contains("path = \"connectors/"))
        .map_or(start, |i| start + i);
    let line = format!("{id} = {{ path = \"connectors/{id}\" }}");
    Ok(insert_line(&lines, after + 1, &line, manifest))
}

fn add_registry_dependency(manifest: &str, id: &str) -> anyhow::Result<String> {
    let lines: Vec<&str> = manifest.lines().collect();
    let Some((start, end)) = section(&lines, "[dependencies]") else {
        bail!("{REGISTRY_MANIFEST} has no [dependencies] section");
    };
    if lines[start..end].iter().any(|l| declares(l, id)) {
        bail!("{REGISTRY_MANIFEST} already depends on `{id}`");
    }
    let line = format!("{id}.workspace = true");
    // Keep the list sorted, as it is now.
    let at = lines[start + 1..end]
        .iter()
        .position(|l| !l.trim().is_empty() && l.trim() > line.as_str())
        .map_or_else(
            || {
                lines[start + 1..end]
                    .iter()
                    .rposition(|l| !l.trim().is_empty())
                    .map_or(start + 1, |i| start + 2 + i)
            },
            |i| start + 1 + i,
        );
    Ok(insert_line(&lines, at, &line, manifest))
}

fn add_registry_entry(lib: &str, entry: &str) -> anyhow::Result<String> {
    let lines: Vec<&str> = lib.lines().collect();
    let Some(start) = lines.iter().position(|l| l.contains("static CONNECTORS")) else {
        bail!("{REGISTRY_LIB} has no `CONNECTORS` list");
    };
    let Some(end) = lines[start..]
        .iter()
        .position(|l| l.trim() == "];")
        .map(|i| start + i)
    else {
        bail!("{REGISTRY_LIB}: cannot find the end (`];`) of the `CONNECTORS` list");
    };
    let line = format!("    {entry},");
    let at = lines[start + 1..end]
        .iter()
        .position(|l| l.trim() > line.trim())
        .map_or(end, |i| start + 1 + i);
    Ok(insert_line(&lines, at, &line, lib))
}

fn insert_line(lines: &[&str], at: usize, line: &str, original: &str) -> String {
    let mut out: Vec<&str> = lines.to_vec();
    out.insert(at.min(out.len()), line);
    let mut text = out.join("\n");
    if original.ends_with('\n') {
        text.push('\n');
    }
    text
}

fn cargo_toml(r: &Request) -> String {
    format!(
        r#"[package]
name = "{id}"
description = "The {id} connector: spec, setup guide and account reading."
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true

[dependencies]
connector-core.workspace = true
serde_json.workspace = true

[lints]
workspace = true
"#,
        id = r.id
    )
}

fn lib_rs(r: &Request) -> String {
    format!(
        r#"//! The {name} connector (scaffolded by `cargo xtask new-connector`; see the TODOs).

mod guide;
mod spec;

use connector_core::{{AccountProof, Connector, ConnectorSpec, CredentialVariant}};
use serde_json::Value;

pub use spec::SPEC;

/// The {name} connector.
#[derive(Debug, Clone, Copy)]
pub struct {ty};

impl Connector for {ty} {{
    fn spec(&self) -> &'static ConnectorSpec {{
        &SPEC
    }}

    /// Reads the account the verification response proves.
    fn account(&self, _variant: &CredentialVariant, _body: &Value) -> Result<AccountProof, String> {{
        // TODO: read the account (ids, names) from the body, as the other connectors do, and
        // record the real response in fixtures/{id}/valid-key.json.
        Err({unwritten:?}.to_owned())
    }}
}}
"#,
        name = r.name,
        ty = r.type_name(),
        id = r.id,
        unwritten = format!(
            "TODO: account() is not written yet in connectors/{}/src/lib.rs",
            r.id
        ),
    )
}

fn spec_rs(r: &Request) -> String {
    let auth = match &r.auth {
        AuthChoice::Bearer => "Auth::Bearer { field: \"api_key\" }".to_owned(),
        AuthChoice::Basic => "Auth::BasicUsername { field: \"api_key\" }".to_owned(),
        AuthChoice::Header(header) => format!(
            "Auth::Header {{\n            header: {header:?},\n            field: \"api_key\",\n        }}"
        ),
    };
    format!(
        r#"//! {name}'s declaration: identity, the API-key field, auth and the verification request.
//! Scaffolded: every empty value and `TODO` below is reported by
//! `cargo xtask conformance --connector {id}` until it is filled in.

use connector_core::{{Auth, ConnectorSpec, CredentialVariant, Field, VerifyRequest}};

use crate::guide::GUIDE;

pub const SPEC: ConnectorSpec = ConnectorSpec {{
    id: {id:?},
    name: {name:?},
    // TODO: what kind of product the provider is, e.g. "ATS (hiring)".
    category: "",
    // TODO: one sentence on what the provider is and how its keys work.
    summary: "",
    base_url: {base_url:?},
    // TODO: links to the provider's API-key documentation.
    docs: &[],
    variants: &[CredentialVariant {{
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "An API key for {name}.",
        fields: &[Field {{
            // TODO: where the key is created, its format (`format`) and a fake `example`.
            ..Field::api_key({env:?})
        }}],
        auth: {auth},
        extra_headers: &[],
        verify: VerifyRequest {{
            method: "GET",
            // TODO: the cheapest request that proves the key works, and what it proves.
            path: "/TODO",
            query: &[],
            proves: "",
        }},
    }}],
    guide: GUIDE,
    actions: &[],
    assumptions: &[],
}};
"#,
        name = r.name,
        id = r.id,
        base_url = r.base_url,
        env = format!("{}_API_KEY", r.env_prefix()),
    )
}

fn guide_rs(r: &Request) -> String {
    format!(
        r#"//! How a {name} user creates the API key (scaffolded: fill in every list).

use connector_core::{{SetupGuide, Troubleshooting}};

pub const GUIDE: SetupGuide = SetupGuide {{
    // TODO: who can create the key (which role) and what must exist first.
    prerequisites: &[],
    // TODO: the numbered steps to create the key, with points and warnings (shown once...).
    steps: &[],
    // TODO: how to regenerate, revoke or disable the key, and what that does to the old one.
    lifecycle: &[],
    // TODO: provider-specific advice per failed outcome.
    troubleshooting: Troubleshooting::NONE,
}};
"#,
        name = r.name
    )
}

/// The five scenarios the conformance suite requires, with placeholder response bodies.
fn fixtures(r: &Request) -> Vec<(&'static str, String)> {
    let key = format!("fake0000{}0000EXAMPLE", r.id.replace('-', ""));
    let (header, value) = match &r.auth {
        AuthChoice::Bearer => ("Authorization".to_owned(), format!("Bearer {key}")),
        AuthChoice::Basic => (
            "Authorization".to_owned(),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
            ),
        ),
        AuthChoice::Header(name) => (name.clone(), key.clone()),
    };
    let json = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    let path = format!("{}/TODO", r.base_path);
    let success = r#"{ "TODO": "replace with the body the provider really returns" }"#;
    let account = r#"{ "TODO": "the account fields account() reads from the body" }"#;
    let scenario = |name: &str, description: &str, responses: &str, expect: &str| {
        format!(
            r#"{{
  "name": {name},
  "description": {description},
  "credentials": {{
    "api_key": {key}
  }},
  "request": {{
    "method": "GET",
    "path": {path},
    "headers": {{
      {header}: {value}
    }}
  }},
  "responses": [
{responses}
  ],
  "expect": {expect}
}}
"#,
            name = json(name),
            description = json(description),
            key = json(&key),
            path = json(&path),
            header = json(&header),
            value = json(&value),
        )
    };
    let refusal = |status: u16, message: &str| {
        format!(
            "    {{\n      \"status\": {status},\n      \"body\": {{ \"message\": {} }}\n    }}",
            json(message)
        )
    };
    vec![
        (
            "valid-key",
            scenario(
                "valid-key",
                "TODO: a working key; record the provider's real 200 body.",
                &format!("    {{\n      \"status\": 200,\n      \"body\": {success}\n    }}"),
                &format!("{{\n    \"status\": \"verified\",\n    \"account\": {account},\n    \"requests\": 1\n  }}"),
            ),
        ),
        (
            "revoked-key",
            scenario(
                "revoked-key",
                "TODO: a revoked key; record the provider's real 401 body.",
                &refusal(401, "TODO: the provider's real 401 body"),
                "{\n    \"status\": \"rejected\",\n    \"requests\": 1\n  }",
            ),
        ),
        (
            "key-lacking-permission",
            scenario(
                "key-lacking-permission",
                "TODO: a key without the needed role or scope; record the real 403 body.",
                &refusal(403, "TODO: the provider's real 403 body"),
                "{\n    \"status\": \"forbidden\",\n    \"requests\": 1\n  }",
            ),
        ),
        (
            "rate-limited-then-ok",
            scenario(
                "rate-limited-then-ok",
                "TODO: the first attempt is rate limited, the retry succeeds.",
                &format!(
                    "    {{\n      \"status\": 429,\n      \"headers\": {{ \"Retry-After\": \"1\" }}\n    }},\n    {{\n      \"status\": 200,\n      \"body\": {success}\n    }}"
                ),
                &format!("{{\n    \"status\": \"verified\",\n    \"account\": {account},\n    \"requests\": 2\n  }}"),
            ),
        ),
        (
            "provider-outage",
            scenario(
                "provider-outage",
                "The provider is down: every attempt gets a 503.",
                "    {\n      \"status\": 503,\n      \"body_text\": \"Service Unavailable\"\n    }",
                "{\n    \"status\": \"unavailable\"\n  }",
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn refuses_bad_input_with_a_clear_message_and_changes_nothing() {
        let dir = minimal_workspace();
        let before = snapshot(dir.path());
        let cases = [
            (
                "Acme_Test",
                "bearer",
                "https://api.acme.test",
                "not a kebab-case id",
            ),
            (
                "acme--test",
                "bearer",
                "https://api.acme.test",
                "not a kebab-case id",
            ),
            (
                "9acme",
                "bearer",
                "https://api.acme.test",
                "not a kebab-case id",
            ),
            ("type", "bearer", "https://api.acme.test", "Rust keyword"),
            (
                "polytomic",
                "bearer",
                "https://api.acme.test",
                "already exists",
            ),
            (
                "anyhow",
                "bearer",
                "https://api.acme.test",
                "already a workspace dependency",
            ),
            (
                "acme-test",
                "digest",
                "https://api.acme.test",
                "is not supported",
            ),
            (
                "acme-test",
                "header:X Key",
                "https://api.acme.test",
                "not a valid HTTP header",
            ),
            ("acme-test", "bearer", "api.acme.test/v1", "is not a URL"),
            (
                "acme-test",
                "bearer",
                "http://api.acme.test",
                "must be an https URL",
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
    fn registers_the_connector_in_sorted_position_once() {
        let dir = minimal_workspace();
        scaffold(
            dir.path(),
            "quux-hire",
            "header:X-Quux-Key",
            "https://api.quux.test/v1/",
        )
        .expect("scaffolded");
        let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).expect("readable");
        let lib = read(REGISTRY_LIB);
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
        assert!(read(REGISTRY_MANIFEST).contains("\nquux-hire.workspace = true\n"));
        assert!(read(ROOT_MANIFEST).contains("\nquux-hire = { path = \"connectors/quux-hire\" }\n"));
        let spec = read("connectors/quux-hire/src/spec.rs");
        assert!(
            spec.contains("base_url: \"https://api.quux.test/v1\","),
            "{spec}"
        );
        let fixture = read("fixtures/quux-hire/valid-key.json");
        let fixture: serde_json::Value = serde_json::from_str(&fixture).expect("valid JSON");
        assert_eq!(fixture["request"]["path"], "/v1/TODO");
        assert_eq!(
            fixture["request"]["headers"]["X-Quux-Key"],
            fixture["credentials"]["api_key"]
        );
        // A second run refuses: the id exists now.
        assert!(scaffold(dir.path(), "quux-hire", "bearer", "https://api.quux.test").is_err());
    }

    /// Copies the workspace (without `target/` and `.git/`), scaffolds a connector into the
    /// copy and builds it through the registry, so the scaffold compiles as generated.
    #[test]
    fn a_scaffolded_connector_builds_and_its_fixtures_load() {
        let root = crate::workspace_root();
        let dir = tempfile::tempdir().expect("a temporary directory");
        copy_tree(&root, dir.path());
        scaffold(dir.path(), "acme-test", "basic", "https://api.acme.test/v2").expect("scaffolded");

        let fixtures = connector_testkit::fixture::Fixtures::load(&dir.path().join("fixtures"));
        assert_eq!(fixtures.for_connector("acme-test").len(), 5);
        assert!(
            !fixtures.errors.contains_key("acme-test"),
            "{:?}",
            fixtures.errors
        );

        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let output = Command::new(cargo)
            .args(["check", "--offline", "--quiet", "-p", "connector-registry"])
            .current_dir(dir.path())
            // A target dir of its own: the outer `cargo test` may hold the lock on the shared one.
            .env("CARGO_TARGET_DIR", root.join("target/new-connector-test"))
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "the scaffold does not build:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for file in ["lib.rs", "spec.rs", "guide.rs"] {
            let path = dir.path().join("connectors/acme-test/src").join(file);
            let status = Command::new("rustfmt")
                .args(["--check", "--edition", "2021"])
                .arg(&path)
                .status();
            if let Ok(status) = status {
                assert!(status.success(), "{file} is not rustfmt-clean");
            }
        }
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
}
