//! The Keys page (keys:admin): the hub's keys listed masked, a new or regenerated key shown
//! once, and the disable, enable, revoke and regenerate buttons.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};

use super::form::{form_value, human_time, Fields};
use super::render::{context, message, page_error, redirect, render};
use crate::http::error::HttpError;
use crate::http::extract::{Admin, CsrfForm, Operator};
use crate::hubkey::{KeyState, Scope};
use crate::service::{Hub, HubError, KeyRow};

async fn keys_page(
    hub: &Hub,
    op: &Operator,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
) -> Response {
    let keys = match hub.list_keys().await {
        Ok(keys) => keys,
        Err(e) => return page_error(e, Some(op)),
    };
    let keys: Vec<_> = keys
        .iter()
        .map(|k| serde_json::json!({
            "id": k.id, "name": k.name, "scopes": k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "masked": format!("••••{}", k.tail), "state": k.state.as_str(),
            "created": human_time(Some(k.created_at)), "last_used": human_time(k.last_used_at),
            "reads_credentials": k.scopes.contains(&Scope::CredentialsRead),
        }))
        .collect();
    let scopes: Vec<_> = Scope::ALL
        .iter()
        .map(|s| serde_json::json!({"name": s.as_str(), "describe": s.describe(), "default": *s == Scope::AccountsRead}))
        .collect();
    render(
        status,
        "keys.html",
        context! { title => "Hub keys", section => "keys", operator => op.view(), keys, scopes, csrf => op.csrf.clone(), notice, error },
    )
}

/// The Keys page again, with why an action failed.
async fn keys_error(hub: &Hub, op: &Operator, e: HubError) -> Response {
    let e = HttpError::from(e);
    keys_page(hub, op, e.status, None, Some(&e.message)).await
}

pub async fn keys(
    State(hub): State<Arc<Hub>>,
    Admin(op): Admin,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let notice = match query.get("notice").map(String::as_str) {
        Some("disabled") => {
            Some("The key was disabled. Requests with it now get 401 until it is enabled.")
        }
        Some("enabled") => Some("The key was enabled."),
        Some("revoked") => Some("The key was revoked. It can never be used again."),
        _ => None,
    };
    keys_page(&hub, &op, StatusCode::OK, notice, None).await
}

fn key_shown(op: &Operator, heading: &str, row: &KeyRow, key: &SecretString) -> Response {
    let filename = format!(
        "{}.hub-key.txt",
        row.name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            })
            .collect::<String>()
    );
    render(
        StatusCode::OK,
        "key_shown.html",
        context! {
            title => heading, section => "keys", operator => op.view(), heading, name => row.name.clone(),
            scopes => row.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            key => key.expose_secret(), filename,
        },
    )
}

pub async fn key_create(
    State(hub): State<Arc<Hub>>,
    Admin(op): Admin,
    CsrfForm(form): CsrfForm<Fields>,
) -> Response {
    let mut scopes = Vec::new();
    for (k, v) in &form {
        if k == "scope" {
            match Scope::parse(v) {
                Some(s) => scopes.push(s),
                None => {
                    return keys_page(
                        &hub,
                        &op,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        None,
                        Some("Unknown scope: choose among the listed ones."),
                    )
                    .await
                }
            }
        }
    }
    match hub
        .issue_key(&form_value(&form, "name"), &scopes, &op.actor())
        .await
    {
        Ok((row, new)) => key_shown(&op, "Your new hub key", &row, &new.text),
        Err(e @ HubError::Invalid { .. }) => keys_error(&hub, &op, e).await,
        Err(e) => page_error(e, Some(&op)),
    }
}

pub async fn key_action(
    State(hub): State<Arc<Hub>>,
    Admin(op): Admin,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(_form): CsrfForm<Fields>,
) -> Response {
    let done = match action.as_str() {
        "disable" => hub
            .set_key_state(&id, KeyState::Disabled, &op.actor())
            .await
            .map(|_| "disabled"),
        "enable" => hub
            .set_key_state(&id, KeyState::Enabled, &op.actor())
            .await
            .map(|_| "enabled"),
        "revoke" => hub.revoke_key(&id, &op.actor()).await.map(|_| "revoked"),
        "regenerate" => {
            return match hub.regenerate_key(&id, &op.actor()).await {
                Ok((row, new)) => key_shown(&op, "Your regenerated hub key", &row, &new.text),
                Err(e) => keys_error(&hub, &op, e).await,
            }
        }
        _ => {
            return message(
                StatusCode::NOT_FOUND,
                "error",
                "No such action",
                "Use the buttons on the Keys page.",
                Some(&op),
            )
        }
    };
    match done {
        Ok(notice) => redirect(&format!("/keys?notice={notice}")),
        Err(e) => keys_error(&hub, &op, e).await,
    }
}
