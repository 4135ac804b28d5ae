//! `connector list` and `connector describe`: what is registered, and how each key is made and
//! checked.

use std::process::ExitCode;

use connector_core::template::Placement;
use connector_core::{BaseUrl, ConnectorSpec, FieldRole};
use connector_definition::model::Definition;
use serde_json::json;

use crate::settings::env_name;
use crate::usage::{find_connector, print_out, UsageError};

pub fn list(as_json: bool) -> Result<ExitCode, UsageError> {
    let connectors = connector_registry::all();
    if as_json {
        let rows: Vec<_> = connectors
            .iter()
            .map(|c| {
                let spec = c.spec();
                json!({
                    "id": spec.id,
                    "name": spec.name,
                    "category": spec.category,
                    "auth": spec.default_variant().auth.kind(),
                    "base_url": spec.base_url.primary(),
                    "variants": spec.variants.iter().map(|v| v.name).collect::<Vec<_>>(),
                })
            })
            .collect();
        print_out(&format!("{}\n", serde_json::Value::Array(rows)));
        return Ok(ExitCode::SUCCESS);
    }
    let width = connectors
        .iter()
        .map(|c| c.spec().id.len())
        .max()
        .unwrap_or(2);
    let name_width = connectors
        .iter()
        .map(|c| c.spec().name.len())
        .max()
        .unwrap_or(4);
    let category_width = connectors
        .iter()
        .map(|c| c.spec().category.len())
        .max()
        .unwrap_or(8);
    let mut table = format!(
        "{:width$}  {:name_width$}  {:category_width$}  AUTH\n",
        "ID", "NAME", "CATEGORY"
    );
    for connector in connectors {
        let spec = connector.spec();
        let mut auth: Vec<String> = spec.variants.iter().map(|v| v.auth.kind()).collect();
        auth.dedup();
        table.push_str(&format!(
            "{:width$}  {:name_width$}  {:category_width$}  {}\n",
            spec.id,
            spec.name,
            spec.category,
            auth.join(", ")
        ));
    }
    print_out(&table);
    Ok(ExitCode::SUCCESS)
}

pub fn describe(id: &str, as_json: bool, definition: bool) -> Result<ExitCode, UsageError> {
    let connector = find_connector(id)?;
    if definition {
        print_out(&connector_definition::print(&Definition::from(
            connector.spec(),
        )));
    } else if as_json {
        print_out(&format!("{:#}\n", connector_docs::catalog_entry(connector)));
    } else {
        let mut text = connector_docs::guide_terminal(connector);
        text.push('\n');
        text.push_str(&command_line(connector.spec()));
        print_out(&text);
    }
    Ok(ExitCode::SUCCESS)
}

/// The part of `describe` about the command line: each field's roles, how the key is sent,
/// the base URLs and named origins with how to override each, the bulk rate, the dry run.
fn command_line(spec: &ConnectorSpec) -> String {
    let mut out = String::from("Command line\n------------\n\n");
    for variant in spec.variants {
        out.push_str(&format!(
            "Fields of {} (`--variant {}`), with their roles:\n",
            variant.label, variant.name
        ));
        for field in variant.fields {
            let roles: Vec<String> = variant
                .roles(spec, field)
                .into_iter()
                .map(|role| role_text(role, spec, field.key))
                .collect();
            let roles = if roles.is_empty() {
                "a plain value".to_owned()
            } else {
                roles.join(", ")
            };
            let env = field
                .env
                .map(|e| format!("; environment variable {e}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "- `{}` ({}): {roles}{env}\n",
                field.key, field.label
            ));
        }
        out.push_str(&format!(
            "- How the key is sent: {}\n\n",
            variant.auth.describe()
        ));
    }

    out.push_str("Where requests go, and how to send them elsewhere:\n");
    out.push_str(&format!(
        "- API base URL: {}\n  override: --base-url URL, [base_urls] {} = \"…\", {}\n",
        spec.base_url.describe(),
        spec.id,
        env_name(spec.id, None)
    ));
    for origin in spec.origins {
        out.push_str(&format!(
            "- origin `{}` ({}): {}\n  override: --base-url {}=URL, [base_urls] \"{}.{}\" = \"…\", {}\n",
            origin.name,
            origin.description,
            origin.url.describe(),
            origin.name,
            spec.id,
            origin.name,
            env_name(spec.id, Some(origin.name))
        ));
    }
    out.push_str(
        "  An override may use the same {field} placeholders; with --bulk, prefix the id \
         (ID=URL, ID.NAME=URL).\n",
    );
    if let Some(rate) = spec.bulk_rate {
        out.push_str(&format!(
            "- check --bulk sends at most {rate} requests per second to {} unless --rate {}=N says otherwise.\n",
            spec.name, spec.id
        ));
    }
    out.push_str(&format!(
        "\nconnector check {} --dry-run [--json] shows the exact requests, secrets masked, without sending them.\n",
        spec.id
    ));
    out
}

/// A field role in words: `secret`, `URL placeholder in the host`, `base URL choice (eu, na)`.
fn role_text(role: FieldRole, spec: &ConnectorSpec, key: &str) -> String {
    match role {
        FieldRole::Secret => "secret (masked everywhere)".to_owned(),
        FieldRole::Credential => "credential (sent to authenticate)".to_owned(),
        FieldRole::UrlPlaceholder(Placement::HostLabel) => {
            "URL placeholder in the host (one DNS label)".to_owned()
        }
        FieldRole::UrlPlaceholder(Placement::PathSegment) => {
            "URL placeholder in the path (one segment)".to_owned()
        }
        FieldRole::BaseUrlChoice => {
            let choices = std::iter::once(&spec.base_url)
                .chain(spec.origins.iter().map(|o| &o.url))
                .find_map(|url| match url {
                    BaseUrl::Choice { field, urls } if *field == key => {
                        Some(urls.iter().map(|(v, _)| *v).collect::<Vec<_>>())
                    }
                    _ => None,
                })
                .unwrap_or_default();
            format!("base URL choice ({})", choices.join(", "))
        }
    }
}
