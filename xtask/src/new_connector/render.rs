//! The connector crate's files, rendered from the templates in `xtask/templates/connector/`.
//! The templates hold the code; this module only works out the values they fill in.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Context as _;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use super::request::{AuthChoice, FieldPlan, Request};

/// Each template with the file it renders, relative to the crate directory.
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "Cargo.toml.j2",
        "Cargo.toml",
        include_str!("../../templates/connector/Cargo.toml.j2"),
    ),
    (
        "lib.rs.j2",
        "src/lib.rs",
        include_str!("../../templates/connector/lib.rs.j2"),
    ),
    (
        "spec.rs.j2",
        "src/spec.rs",
        include_str!("../../templates/connector/spec.rs.j2"),
    ),
    (
        "guide.rs.j2",
        "src/guide.rs",
        include_str!("../../templates/connector/guide.rs.j2"),
    ),
];

/// rustfmt's default line width, which the `use` list is wrapped to.
const MAX_WIDTH: usize = 100;

/// What the templates are filled with.
#[derive(Debug, Serialize)]
struct Context<'a> {
    id: &'a str,
    name: &'a str,
    type_name: String,
    /// What the user holds: `key`, or `client credentials` for an exchange.
    credential: &'static str,
    /// The `connector_core` names `spec.rs` uses, sorted as rustfmt sorts them.
    imports: Vec<&'static str>,
    /// Whether `use connector_core::{…};` fits on one line; else `import_lines` wraps it.
    imports_inline: bool,
    import_lines: Vec<String>,
    base_url: &'a str,
    auth: AuthView,
    variant: VariantView,
    fields: Vec<FieldPlan>,
    token: Option<TokenView>,
}

/// The `--auth` choice flattened for the templates.
#[derive(Debug, Default, Serialize)]
struct AuthView {
    kind: &'static str,
    header: Option<String>,
    template: Option<String>,
    param: Option<String>,
    password: Option<String>,
}

#[derive(Debug, Serialize)]
struct VariantView {
    name: &'static str,
    label: &'static str,
    description: String,
}

#[derive(Debug, Serialize)]
struct TokenView {
    origin: String,
    path: String,
    own_origin: bool,
}

/// The crate's files (relative path, contents). With `rustfmt`, each `.rs` file goes through
/// it, which only matters for inputs long enough to wrap (the templates are formatted already).
pub fn crate_files(
    request: &Request,
    rustfmt: Option<&Path>,
) -> anyhow::Result<Vec<(String, String)>> {
    let env = environment()?;
    let context = context(request);
    let mut files = Vec::new();
    for (template, path, _) in TEMPLATES {
        let text = env
            .get_template(template)
            .and_then(|t| t.render(minijinja::value::Serde(&context)))
            .with_context(|| format!("rendering xtask/templates/connector/{template}"))?;
        let text = match rustfmt {
            Some(dir) if path.ends_with(".rs") => formatted(&text, dir).unwrap_or(text),
            _ => text,
        };
        files.push(((*path).to_owned(), text));
    }
    Ok(files)
}

fn environment() -> anyhow::Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .context("the template syntax")?,
    );
    // A Rust string literal, quotes and escapes included.
    env.add_filter("rust_str", |text: String| format!("{text:?}"));
    for (name, _, source) in TEMPLATES {
        env.add_template(name, source)
            .with_context(|| format!("parsing xtask/templates/connector/{name}"))?;
    }
    Ok(env)
}

fn context(request: &Request) -> Context<'_> {
    let fields = request.fields();
    let own_origin = request.token.as_ref().is_some_and(|t| t.own_origin);
    let imports = imports(&request.auth, &fields, own_origin);
    let inline = format!("use connector_core::{{{}}};", imports.join(", "));
    let imports_inline = inline.len() <= MAX_WIDTH;
    let (variant, credential) = match request.auth {
        AuthChoice::Exchange => (
            VariantView {
                name: "client_credentials",
                label: "Client credentials",
                description: format!(
                    "The client ID and secret of a {} API credential, exchanged for an access token.",
                    request.name
                ),
            },
            "client credentials",
        ),
        _ => (
            VariantView {
                name: "api_key",
                label: "API key",
                description: format!("An API key for {}.", request.name),
            },
            "key",
        ),
    };
    Context {
        id: &request.id,
        name: &request.name,
        type_name: request.type_name(),
        credential,
        // rustfmt keeps a wrapped line of a `use` list under 100 columns: 4 of indent, 95 of names.
        import_lines: wrapped(&imports, MAX_WIDTH - 5),
        imports,
        imports_inline,
        base_url: &request.base_url.template,
        auth: auth_view(&request.auth),
        variant,
        fields,
        token: request.token.as_ref().map(|t| TokenView {
            origin: t.origin.template.clone(),
            path: t.path.clone(),
            own_origin: t.own_origin,
        }),
    }
}

fn auth_view(auth: &AuthChoice) -> AuthView {
    match auth {
        AuthChoice::Bearer => AuthView {
            kind: "bearer",
            ..AuthView::default()
        },
        AuthChoice::Basic => AuthView {
            kind: "basic",
            ..AuthView::default()
        },
        AuthChoice::BasicPassword(password) => AuthView {
            kind: "basic-password",
            password: Some(password.clone()),
            ..AuthView::default()
        },
        AuthChoice::BasicPair => AuthView {
            kind: "basic-pair",
            ..AuthView::default()
        },
        AuthChoice::Header(header) => AuthView {
            kind: "header",
            header: Some(header.clone()),
            ..AuthView::default()
        },
        AuthChoice::HeaderTemplate { header, template } => AuthView {
            kind: "header-template",
            header: Some(header.clone()),
            template: Some(template.clone()),
            ..AuthView::default()
        },
        AuthChoice::Query(param) => AuthView {
            kind: "query",
            param: Some(param.clone()),
            ..AuthView::default()
        },
        AuthChoice::Exchange => AuthView {
            kind: "exchange",
            ..AuthView::default()
        },
    }
}

/// The `connector_core` items `spec.rs` names for this shape, sorted.
fn imports(auth: &AuthChoice, fields: &[FieldPlan], own_origin: bool) -> Vec<&'static str> {
    let mut names = vec![
        "Auth",
        "BaseUrl",
        "Body",
        "ConnectorSpec",
        "CredentialVariant",
        "Field",
        "Method",
        "Proof",
        "RequestSpec",
        "Shape",
        "Source",
    ];
    // Only non-secret fields spell out their format; secret ones take `Field::api_key`'s.
    if fields.iter().any(|f| !f.secret) {
        names.push("Format");
    }
    names.extend(match auth {
        AuthChoice::BasicPassword(_) | AuthChoice::BasicPair => &["Part"][..],
        AuthChoice::HeaderTemplate { .. } => &["SecretHeader"][..],
        AuthChoice::Exchange => &[
            "Answer",
            "ClientAuth",
            "Literal",
            "Match",
            "Status",
            "TokenExchange",
        ][..],
        _ => &[][..],
    });
    if own_origin {
        names.push("Origin");
    }
    names.sort_unstable();
    names
}

/// `names` as comma-separated lines of at most `width` characters, each ending in a comma.
fn wrapped(names: &[&str], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for name in names {
        let item = format!("{name},");
        if !line.is_empty() && line.len() + 1 + item.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&item);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` through rustfmt (run in `dir` so the workspace's settings apply); `None` when rustfmt
/// is missing or refuses, and the text is then kept as rendered.
pub(super) fn formatted(text: &str, dir: &Path) -> Option<String> {
    use std::io::Write as _;
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(text.as_bytes()).ok()?;
    let output = child.wait_with_output().ok()?;
    let out = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !out.trim().is_empty()).then_some(out)
}
