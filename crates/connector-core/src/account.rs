//! The account a report may show: provider data, so flattened and bounded like any input, with
//! every field that holds a run of a secret left out. Checks and actions finish with it.

use serde_json::Value;

use crate::outcome::Account;
use crate::redact::Redactor;
use crate::text::printable;

/// Limits on the account a report carries: provider data, so bounded like any input.
const MAX_ACCOUNT_FIELDS: usize = 32;
const MAX_ACCOUNT_DEPTH: usize = 4;
const MAX_ACCOUNT_KEY_CHARS: usize = 64;
const MAX_ACCOUNT_TEXT_CHARS: usize = 256;

/// The account as a report may show it: nested objects and arrays flattened into dotted names
/// (`owner.name`, `teams.0`), at most [`MAX_ACCOUNT_FIELDS`] fields, long texts cut, and any field
/// whose name or value holds a run of a secret left out, with a warning naming the field.
pub fn bounded_account(account: Account, redactor: &Redactor) -> (Account, Vec<String>) {
    let mut flat = Vec::new();
    for (key, value) in account {
        flatten(key, value, 0, &mut flat);
    }
    let mut out = Account::new();
    let mut warnings = Vec::new();
    let mut left_out = 0usize;
    for (key, value) in flat {
        let leaks = redactor.holds_secret(&key)
            || match &value {
                Value::String(text) => redactor.holds_secret(text),
                _ => redactor.holds_secret(&value.to_string()),
            };
        if leaks {
            warnings.push(if redactor.holds_secret(&key) {
                "an account field was left out: its name repeats the key".to_owned()
            } else {
                format!(
                    "account field `{}` was left out: the provider put the key in it",
                    printable(&key)
                )
            });
            continue;
        }
        if out.len() == MAX_ACCOUNT_FIELDS {
            left_out += 1;
            continue;
        }
        let value = match value {
            Value::String(text) if text.chars().count() > MAX_ACCOUNT_TEXT_CHARS => {
                let cut: String = text.chars().take(MAX_ACCOUNT_TEXT_CHARS).collect();
                Value::String(format!("{cut}…"))
            }
            other => other,
        };
        out.insert(key, value);
    }
    if left_out > 0 {
        warnings.push(format!(
            "{left_out} more account field(s) left out: a report shows at most {MAX_ACCOUNT_FIELDS}"
        ));
    }
    (out, warnings)
}

/// Appends `value` under `key` as scalar fields, objects and arrays spelled out with dots.
fn flatten(key: String, value: Value, depth: usize, into: &mut Vec<(String, Value)>) {
    let key = if key.chars().count() > MAX_ACCOUNT_KEY_CHARS {
        key.chars().take(MAX_ACCOUNT_KEY_CHARS).collect()
    } else {
        key
    };
    // Enough to fill a report; a provider answering a million-element array is not walked.
    if into.len() > MAX_ACCOUNT_FIELDS * 4 {
        return;
    }
    let children: Vec<(String, Value)> = match value {
        Value::Object(map) if depth < MAX_ACCOUNT_DEPTH => map.into_iter().collect(),
        Value::Array(items) if depth < MAX_ACCOUNT_DEPTH => items
            .into_iter()
            .take(MAX_ACCOUNT_FIELDS)
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        Value::Null => return,
        Value::Object(_) | Value::Array(_) => {
            into.push((key, Value::String("(nested too deep)".to_owned())));
            return;
        }
        scalar => {
            into.push((key, scalar));
            return;
        }
    };
    for (child, value) in children {
        flatten(format!("{key}.{child}"), value, depth + 1, into);
    }
}
