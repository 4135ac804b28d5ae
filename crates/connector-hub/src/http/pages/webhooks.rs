//! The Webhooks page (keys:admin): endpoints with their recent deliveries, a new endpoint's
//! signing secret shown once, and deleting an endpoint.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};

use super::form::{form_value, human_time, Fields};
use super::render::{context, page_error, redirect, render};
use crate::http::extract::{Admin, CsrfForm, Operator};
use crate::service::{Hub, HubError, Webhook};

async fn webhooks_page(
    hub: &Hub,
    op: &Operator,
    status: StatusCode,
    created: Option<(&Webhook, &SecretString)>,
    error: Option<&str>,
) -> Response {
    let endpoints = match hub.webhooks().await {
        Ok(w) => w,
        Err(e) => return page_error(e, Some(op)),
    };
    let mut webhooks = Vec::new();
    for w in &endpoints {
        let deliveries: Vec<_> = hub
            .deliveries(&w.id, 20)
            .await
            .unwrap_or_default()
            .iter()
            .map(|d| {
                let last = match (d.last_status, &d.last_error) {
                    (_, Some(error)) => error.clone(),
                    (Some(status), None) => format!("HTTP {status}"),
                    (None, None) => "—".to_owned(),
                };
                serde_json::json!({
                    "event_id": d.event_id, "state": d.state, "attempts": d.attempts, "last": last,
                    "created": human_time(Some(d.created_at)),
                    "next": if d.state == "pending" { human_time(Some(d.next_attempt_at)) } else { "—".to_owned() },
                })
            })
            .collect();
        webhooks.push(serde_json::json!({
            "id": w.id, "url": w.url, "description": w.description, "masked_secret": w.masked_secret,
            "created": human_time(Some(w.created_at)), "deliveries": deliveries,
        }));
    }
    let created = created
        .map(|(w, secret)| serde_json::json!({"id": w.id, "secret": secret.expose_secret()}));
    render(
        status,
        "webhooks.html",
        context! { title => "Webhooks", section => "webhooks", operator => op.view(), webhooks, created, error, csrf => op.csrf.clone() },
    )
}

pub async fn webhooks(State(hub): State<Arc<Hub>>, Admin(op): Admin) -> Response {
    webhooks_page(&hub, &op, StatusCode::OK, None, None).await
}

pub async fn webhook_create(
    State(hub): State<Arc<Hub>>,
    Admin(op): Admin,
    CsrfForm(form): CsrfForm<Fields>,
) -> Response {
    match hub
        .add_webhook(
            &form_value(&form, "url"),
            &form_value(&form, "description"),
            &op.actor(),
        )
        .await
    {
        Ok((webhook, secret)) => {
            webhooks_page(&hub, &op, StatusCode::OK, Some((&webhook, &secret)), None).await
        }
        Err(HubError::Invalid { message, .. }) => {
            webhooks_page(
                &hub,
                &op,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(&message),
            )
            .await
        }
        Err(e) => page_error(e, Some(&op)),
    }
}

pub async fn webhook_delete(
    State(hub): State<Arc<Hub>>,
    Admin(op): Admin,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<Fields>,
) -> Response {
    match hub.delete_webhook(&id, &op.actor()).await {
        // Deleting an endpoint that is already gone leaves the list as asked.
        Ok(()) | Err(HubError::NotFound(_)) => redirect("/webhooks"),
        Err(e) => page_error(e, Some(&op)),
    }
}
