//! `connector list` and `connector describe`: what is registered, and how each key is made and
//! checked.

use std::process::ExitCode;

use serde_json::json;

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
                    "base_url": spec.base_url,
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

pub fn describe(id: &str, as_json: bool) -> Result<ExitCode, UsageError> {
    let connector = find_connector(id)?;
    if as_json {
        print_out(&format!("{:#}\n", connector_docs::catalog_entry(connector)));
    } else {
        print_out(&connector_docs::guide_terminal(connector));
    }
    Ok(ExitCode::SUCCESS)
}
