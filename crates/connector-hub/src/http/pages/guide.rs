//! `/guides/{connector}`: how a person creates the key a connector needs, from its spec's guide.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use connector_core::Status;

use super::render::{context, message, render};
use crate::service::Hub;

pub async fn guide(State(hub): State<Arc<Hub>>, Path(id): Path<String>) -> Response {
    let Some(connector) = hub.find_connector(&id) else {
        return message(
            StatusCode::NOT_FOUND,
            "error",
            "No such guide",
            "There is no connector with this id.",
            None,
        );
    };
    let spec = connector.spec();
    let guide = &spec.guide;
    let steps: Vec<_> = guide
        .steps
        .iter()
        .map(|s| serde_json::json!({"title": s.title, "body": s.body, "points": s.points, "warnings": s.warnings}))
        .collect();
    let variants: Vec<_> = spec
        .variants
        .iter()
        .map(|v| serde_json::json!({
            "label": v.label, "description": v.description,
            "fields": v.fields.iter().map(|f| serde_json::json!({"label": f.label, "help": f.help, "secret": f.secret})).collect::<Vec<_>>(),
        }))
        .collect();
    let troubleshooting: Vec<(String, &str)> = [
        Status::Rejected,
        Status::Forbidden,
        Status::RateLimited,
        Status::Unavailable,
    ]
    .into_iter()
    .filter_map(|s| {
        guide
            .troubleshooting
            .for_status(s)
            .map(|t| (s.title().to_owned(), t))
    })
    .collect();
    render(
        StatusCode::OK,
        "guide.html",
        context! {
            title => format!("{} guide", spec.name), name => spec.name, summary => spec.summary,
            prerequisites => guide.prerequisites, steps, variants, lifecycle => guide.lifecycle,
            troubleshooting,
        },
    )
}
