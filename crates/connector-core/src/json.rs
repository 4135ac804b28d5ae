//! Helpers for reading account fields out of provider JSON.

use serde_json::{Map, Value};

/// Copies the named fields of `from` that are present and not null into `into`.
pub fn copy_fields(into: &mut Map<String, Value>, from: &Value, fields: &[&str]) {
    for field in fields {
        if let Some(v) = from.get(*field).filter(|v| !v.is_null()) {
            into.insert((*field).to_owned(), v.clone());
        }
    }
}

/// Copies the named fields of `from` into `into` as `<prefix>_<field>`.
pub fn copy_prefixed(into: &mut Map<String, Value>, from: &Value, prefix: &str, fields: &[&str]) {
    for field in fields {
        if let Some(v) = from.get(*field).filter(|v| !v.is_null()) {
            into.insert(format!("{prefix}_{field}"), v.clone());
        }
    }
}

/// Copies the named fields of `from` that are present and not null into `into`, each under
/// its new name: `(from, to)` pairs such as `("createdAt", "key_created_at")`.
pub fn copy_renamed(into: &mut Map<String, Value>, from: &Value, fields: &[(&str, &str)]) {
    for (name, renamed) in fields {
        if let Some(v) = from.get(*name).filter(|v| !v.is_null()) {
            into.insert((*renamed).to_owned(), v.clone());
        }
    }
}

/// `body["data"]` when the body wraps its payload in `data`, else the body itself.
pub fn unwrap_data(body: &Value) -> &Value {
    match body.get("data") {
        Some(inner) if !inner.is_null() => inner,
        _ => body,
    }
}
