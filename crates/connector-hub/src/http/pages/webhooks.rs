//! The Webhooks page (keys:admin): endpoints with the event types each receives (editable) and
//! their recent deliveries, a new endpoint's signing secret shown once, and deleting an endpoint.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};

use super::form::{form_value, human_time, Fields};
use super::render::{context, page_error, redirect, render};
use crate::http::extract::{Admin, CsrfForm, Operator};
use crate::service::{EventType, Hub, HubError, Webhook};

/// What each event type is, on the page.
fn describe(kind: EventType) -> &'static str {
    match kind {
        EventType::StatusChanged => "an account's status changed",
        EventType::Linked => "an account was linked (or imported)",
        EventType::Updated => "an account's label or credentials were edited",
        EventType::Unlinked => "an account was unlinked",
    }
}

/// The event types as checkboxes, ticked when `chosen` has them.
fn event_choices(chosen: &[EventType]) -> serde_json::Value {
    EventType::ALL
        .iter()
        .map(|t| {
            serde_json::json!({
                "name": t.as_str(), "describe": describe(*t), "checked": chosen.contains(t),
            })
        })
        .collect()
}

/// Every `events` value of a posted form.
fn posted_events(form: &Fields) -> Vec<String> {
    form.iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.clone())
        .collect()
}

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
                let kind = serde_json::from_str::<serde_json::Value>(&d.body)
                    .ok()
                    .and_then(|b| b["type"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                serde_json::json!({
                    "event_id": d.event_id, "type": kind, "state": d.state, "attempts": d.attempts, "last": last,
                    "created": human_time(Some(d.created_at)),
                    "next": if d.state == "pending" { human_time(Some(d.next_attempt_at)) } else { "—".to_owned() },
                })
            })
            .collect();
        webhooks.push(serde_json::json!({
            "id": w.id, "url": w.url, "description": w.description, "masked_secret": w.masked_secret,
            "created": human_time(Some(w.created_at)), "deliveries": deliveries,
            "every_event": EventType::ALL.iter().all(|t| w.events.contains(t)),
            "events": w.events.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "choices": event_choices(&w.events),
        }));
    }
    let created = created
        .map(|(w, secret)| serde_json::json!({"id": w.id, "secret": secret.expose_secret()}));
    render(
        status,
        "webhooks.html",
        context! { title => "Webhooks", section => "webhooks", operator => op.view(), webhooks, created, error, csrf => op.csrf.clone(), choices => event_choices(&EventType::ALL) },
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
            &posted_events(&form),
            &op.actor(),
        )
        .await
    {
        Ok((webhook, secret)) => {
            webhooks_page(&hub, &op, StatusCode::OK, Some((&webhook, &secret)), None).await
        }
        Err(e) => refused(&hub, &op, e).await,
    }
}

/// The page again with what was refused, or the error page.
async fn refused(hub: &Hub, op: &Operator, e: HubError) -> Response {
    match e {
        HubError::Invalid { message, .. } => {
            webhooks_page(
                hub,
                op,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(&message),
            )
            .await
        }
        HubError::Refused {
            status, message, ..
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            webhooks_page(hub, op, status, None, Some(&message)).await
        }
        e => page_error(e, Some(op)),
    }
}

/// Saves the event types an endpoint receives (none ticked: every type).
pub async fn webhook_events(
    State(hub): State<Arc<Hub>>,
    Admin(op): Admin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Fields>,
) -> Response {
    match hub
        .set_webhook_events(&id, &posted_events(&form), &op.actor())
        .await
    {
        Ok(_) => redirect("/webhooks"),
        Err(e) => refused(&hub, &op, e).await,
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
