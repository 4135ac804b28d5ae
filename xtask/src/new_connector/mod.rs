//! `cargo xtask new-connector ID --name NAME --auth SHAPE --base-url URL`: scaffolds
//! `connectors/<id>/` from the templates in `xtask/templates/connector/`, registers it, writes
//! starter fixtures and regenerates the docs. `--help` lists every credential shape.
//!
//! Every input is checked and every edit computed before anything is written, so a refused
//! request changes nothing; a failed write rolls back what was already written.
//! The scaffold compiles as is, and its placeholders (empty summary, guide and docs links, a
//! `TODO` proof, `/TODO` paths, `TODO` help texts and fixture bodies) are what the conformance
//! suite reports.
//!
//! With `--definition`, the scaffold is a definition file and its fixtures instead
//! (`definitions/<id>.toml` and `definitions/<id>/`, or under `--definitions DIR`), from the same
//! flags; see [`definition`].

mod definition;
mod fixtures;
mod manifest;
mod render;
mod request;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context as _};

use manifest::{
    add_registry_dependency, add_registry_entry, add_workspace_dependency, REGISTRY_LIB,
    REGISTRY_MANIFEST, ROOT_MANIFEST,
};
pub use request::Request;

const SHAPES_HELP: &str = "\
Credential shapes (--auth) and the fields each declares:
  bearer               Authorization: Bearer <api_key>
  basic                HTTP Basic: api_key as username, empty password
  basic-password:<P>   HTTP Basic: api_key as username, the fixed password P (e.g. basic-password:x)
  basic-pair           HTTP Basic username:api_key from two fields, `username` (not secret) and
                       `api_key` (secret); rename them in spec.rs if the provider calls them otherwise
  header:<NAME>        <NAME>: <api_key> (e.g. header:X-Api-Key)
  header-template:'<NAME>: <VALUE>'
                       one header whose value fills in {api_key}
                       (e.g. header-template:'Authorization: Token token={api_key}')
  query:<PARAM>        ?<PARAM>=<api_key> on every request (e.g. query:apikey); URLs are then masked
  exchange             `client_id` (not secret) and `client_secret` (secret), sent with HTTP Basic
                       in a POST with the form body grant_type=client_credentials to the `auth`
                       origin (--token-url); the answer's access_token is then sent as
                       Authorization: Bearer <token>
The single-secret shapes call their field `api_key`.

URL placeholders: each {name} in --base-url (or --token-url) becomes a required, non-secret field
of that name (lowercase letters, digits and `_`):
  https://{subdomain}.acme.com/v1        `subdomain`, one host label: the `acme` of acme.acme.com
  https://api.acme.com/{company_id}/v1   `company_id`, one path segment
A placeholder may not name a secret field.

Example:
  cargo xtask new-connector acme-hire --name \"Acme Hire\" --auth header:X-Api-Key \\
      --base-url 'https://{subdomain}.acme.com/v1'";

#[derive(Debug, clap::Args)]
#[command(after_long_help = SHAPES_HELP)]
pub struct Args {
    /// Kebab-case connector id, e.g. `acme-hire`.
    id: String,
    /// Display name, e.g. "Acme Hire".
    #[arg(long)]
    name: String,
    /// How the credential is sent: bearer, basic, basic-password:<P>, basic-pair, header:<NAME>,
    /// header-template:'<NAME>: <VALUE with {api_key}>', query:<PARAM> or exchange (see --help).
    #[arg(long, value_name = "SHAPE")]
    auth: String,
    /// The provider's API base URL, path prefix included, e.g. https://api.acme.com/v1; each
    /// `{name}` placeholder becomes a field (https://{subdomain}.acme.com/v1).
    #[arg(long, value_name = "URL")]
    base_url: String,
    /// With --auth exchange: the token endpoint, e.g. https://auth.acme.com/oauth/token; its
    /// origin becomes the `auth` origin. Without it: `/TODO` on the API's own origin.
    #[arg(long, value_name = "URL")]
    token_url: Option<String>,
    /// Skip regenerating docs/ (run `cargo xtask docs` later).
    #[arg(long)]
    no_docs: bool,
    /// Scaffold a definition file instead of a crate: DIR/<id>.toml (DIR is definitions/ in the
    /// workspace unless --definitions says otherwise) and starter fixtures in DIR/<id>/, from
    /// the same flags. No manifest, registry or docs/ is touched and nothing is compiled; run it
    /// with `--definitions DIR` (connector, cargo xtask conformance, record and docs).
    #[arg(long)]
    definition: bool,
    /// With --definition: the directory to write the definition and its fixtures into instead
    /// of the workspace's definitions/ (implies --definition).
    #[arg(long, value_name = "DIR")]
    definitions: Option<PathBuf>,
    /// The workspace to scaffold into instead of this one (tests use a copy).
    #[arg(long, value_name = "DIR", hide = true)]
    workspace: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = args.workspace.unwrap_or_else(crate::workspace_root);
    let mut request = Request::parse(&args.id, &args.name, &args.auth, &args.base_url)?;
    if let Some(token_url) = &args.token_url {
        request = request.with_token_url(token_url)?;
    }
    println!(
        "scaffolding `{}` ({}, base URL {})",
        request.id,
        request.auth.kind(),
        request.base_url.template
    );
    if args.definition || args.definitions.is_some() {
        let dir = match &args.definitions {
            Some(dir) => std::env::current_dir()
                .context("cannot read the current directory")?
                .join(dir),
            None => root.join(definition::DEFAULT_DIR),
        };
        return scaffold_definition(&root, &dir, &request);
    }
    let plan = plan(&root, &request)?;
    apply(&root, &plan)?;
    for path in plan.created() {
        println!("created  {}", path.display());
    }
    for path in plan.edited() {
        println!("edited   {}", path.display());
    }
    if !args.no_docs {
        println!("regenerating docs (builds the workspace; first time ~2 min)…");
        regenerate_docs(&root)?;
    }
    println!(
        "\nNext: fill in every TODO in connectors/{id}/src/spec.rs (what the key proves included) \
         and guide.rs, record real answers in fixtures/{id}/ (see fixtures/README.md), then run \
         `cargo xtask conformance --connector {id}` until it passes: it names what is left.",
        id = request.id
    );
    Ok(ExitCode::SUCCESS)
}

/// `--definition`: writes `dir/<id>.toml` and `dir/<id>/*.json`, and says what is next.
fn scaffold_definition(root: &Path, dir: &Path, request: &Request) -> anyhow::Result<ExitCode> {
    let plan = definition::plan(dir, request)?;
    apply(root, &plan)?;
    for path in plan.created() {
        println!("created  {}", path.display());
    }
    let dir = dir.display();
    println!(
        "\nNext: fill in every TODO in {dir}/{id}.toml (what the key proves included; \
         docs/definition.schema.json gives your editor completion), record real answers in \
         {dir}/{id}/ (`cargo xtask record {id} --definitions {dir} --scenario valid-key`, see \
         fixtures/README.md), then run `cargo xtask conformance --definitions {dir} --connector \
         {id}` until it passes: it names what is left. `connector --definitions {dir} check \
         {id}` uses it as it is.",
        id = request.id
    );
    Ok(ExitCode::SUCCESS)
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

    let mut create: Vec<(PathBuf, String)> = render::crate_files(request, Some(root))?
        .into_iter()
        .map(|(path, text)| (crate_dir.join(path), text))
        .collect();
    create.extend(
        fixtures::scenarios(request)?
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

/// Writes the plan; on any failure, removes what it created (files and folders) and restores
/// what it edited.
pub fn apply(root: &Path, plan: &Plan) -> anyhow::Result<()> {
    let mut created: Vec<PathBuf> = Vec::new();
    let mut folders: Vec<PathBuf> = Vec::new();
    let mut edited: Vec<(PathBuf, &str)> = Vec::new();
    let result = (|| -> anyhow::Result<()> {
        for (path, text) in &plan.create {
            let full = root.join(path);
            if let Some(parent) = full.parent() {
                let missing: Vec<PathBuf> = parent
                    .ancestors()
                    .take_while(|dir| !dir.exists())
                    .map(Path::to_path_buf)
                    .collect();
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
                folders.extend(missing.into_iter().rev());
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
        // Deepest first; each is empty once its files are gone.
        for folder in folders.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
    result
}

/// Runs `cargo xtask docs` in a fresh process: this process's registry predates the new crate.
/// What cargo set for this process is left out, or the inner cargo would see another
/// environment and rebuild ring, rustls, reqwest and every connector.
fn regenerate_docs(root: &Path) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .args(["run", "--package", "xtask", "--", "docs"])
        .current_dir(root);
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo) {
            command.env_remove(&name);
        }
    }
    let status = command.status().context("running `cargo xtask docs`")?;
    if !status.success() {
        bail!("the connector was scaffolded, but `cargo xtask docs` failed; fix the build and run it again");
    }
    Ok(())
}

/// Whether cargo sets `name` for the program it runs or the build script it starts (the crate's
/// manifest, package and target facts). What the user set passes through: `CARGO_HOME`,
/// `CARGO_TARGET_DIR`, `CARGO_BUILD_*`, `RUSTUP_*`, `RUSTFLAGS`, `RUSTC_WRAPPER`, `PATH`.
pub(crate) fn set_by_cargo(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "CARGO",
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "CARGO_MAKEFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC",
        "RUSTDOC",
        "RUSTC_LINKER",
    ];
    const PREFIXES: &[&str] = &[
        "CARGO_PKG_",
        "CARGO_CFG_",
        "CARGO_FEATURE_",
        "CARGO_BIN_EXE_",
        "__CARGO_",
    ];
    EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}
