//! What the pages' forms share: posted fields, a credential variant's form built from its spec
//! (secrets never filled in), and a check's outcome and proof as the pages show them.

use std::collections::BTreeMap;

use connector_core::{CredentialVariant, Field, Format, Status};
use serde::Serialize;
use serde_json::Value;

use super::render::View;
use crate::service::checks::advice;
use crate::service::{AccountRow, Hub};

/// A posted form, as `(name, value)` pairs in order.
pub type Fields = Vec<(String, String)>;

/// The value of a posted field, empty when absent.
pub fn form_value(form: &Fields, key: &str) -> String {
    form.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// One input of a credential form.
#[derive(Debug, Serialize)]
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub help: String,
    pub required: bool,
    pub kind: &'static str,
    pub choices: Vec<String>,
    pub example: Option<String>,
    pub value: String,
}

/// The input kind a field gets on a form.
fn input_kind(field: &Field) -> &'static str {
    match field.format {
        _ if field.secret => "password",
        Format::Choice(_) | Format::KeyPrefix { .. } | Format::Boolean => "select",
        _ => "text",
    }
}

/// The choices of a select field.
fn choices(field: &Field) -> Vec<String> {
    match field.format {
        Format::Choice(values) => values.iter().map(|v| (*v).to_owned()).collect(),
        // Left empty, the key's prefix decides: the empty choice comes first.
        Format::KeyPrefix { values, .. } => std::iter::once("")
            .chain(values.iter().map(|(v, _)| *v))
            .map(str::to_owned)
            .collect(),
        Format::Boolean => vec!["true".to_owned(), "false".to_owned()],
        _ => Vec::new(),
    }
}

/// The form of a variant: non-secret values kept from `values` (or defaults), secrets empty.
pub fn field_views(
    variant: &CredentialVariant,
    values: &BTreeMap<String, String>,
) -> Vec<FieldView> {
    variant
        .fields
        .iter()
        .map(|f| FieldView {
            key: f.key.to_owned(),
            label: f.label.to_owned(),
            help: f.help.to_owned(),
            required: f.required && f.default.is_none(),
            kind: input_kind(f),
            choices: choices(f),
            example: f.example.filter(|_| !f.secret).map(str::to_owned),
            value: if f.secret {
                String::new()
            } else {
                values
                    .get(f.key)
                    .cloned()
                    .or_else(|| f.default.map(str::to_owned))
                    .unwrap_or_default()
            },
        })
        .collect()
}

/// An account's non-secret field values, as its forms fill them in.
pub fn public_values(account: &AccountRow) -> BTreeMap<String, String> {
    account
        .public_fields
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// A check's outcome as a page shows it: a title, the message and what to do next.
pub fn outcome(hub: &Hub, connector_id: &str, status: Status, message: &str) -> View {
    let title = match status {
        Status::Verified => "Verified: the key works".to_owned(),
        other => {
            let title = other.title();
            let mut chars = title.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        }
    };
    serde_json::json!({
        "status": status.as_str(),
        "title": title,
        "message": message,
        "advice": advice(hub, connector_id, status, message),
    })
}

/// The proof of an account as `(name, value)` pairs for display.
pub fn proof_items(proves: &Value) -> Vec<(String, String)> {
    proves
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.replace('_', " "), text.chars().take(200).collect())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A short human form of a Unix time, for pages.
pub fn human_time(seconds: Option<i64>) -> String {
    match seconds.and_then(|s| chrono::DateTime::from_timestamp(s, 0)) {
        Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => "never".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_render_in_utc() {
        assert_eq!(human_time(Some(0)), "1970-01-01 00:00 UTC");
        assert_eq!(human_time(None), "never");
    }
}
