//! The connect flow a customer follows from a connect session's link: pick a service, fill in
//! the form built from its spec, and see the account linked once its key is verified. The
//! form's CSRF token is bound to the connect session.

// Helpers return the page to answer with as their `Err`; it is returned at once, not kept.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use connector_core::{Connector, CredentialVariant};
use secrecy::{ExposeSecret, SecretString};

use super::form::{field_views, form_value, human_time, outcome, proof_items, Fields};
use super::render::{context, csrf_failed, message, page_error, redirect, render, View};
use crate::http::cookies::{csrf_token, csrf_valid};
use crate::service::{clean_name, connector, variant, Hub, LinkResult, SessionProblem, SessionRow};

async fn open(hub: &Hub, token: &str) -> Result<SessionRow, Response> {
    match hub.open_session(token).await {
        Ok(Ok(session)) => Ok(session),
        Ok(Err(problem)) => Err(gone(problem)),
        Err(e) => Err(page_error(e, None)),
    }
}

fn gone(problem: SessionProblem) -> Response {
    let status = match problem {
        SessionProblem::Unknown => StatusCode::NOT_FOUND,
        SessionProblem::Expired | SessionProblem::Used => StatusCode::GONE,
        SessionProblem::TooManyChecks => StatusCode::TOO_MANY_REQUESTS,
    };
    message(status, "gone", problem.title(), problem.advice(), None)
}

fn allowed(session: &SessionRow) -> Vec<&'static dyn Connector> {
    connector_registry::all()
        .iter()
        .copied()
        .filter(|c| {
            session.connectors.is_empty() || session.connectors.iter().any(|id| id == c.spec().id)
        })
        .collect()
}

pub async fn connect_pick(State(hub): State<Arc<Hub>>, Path(token): Path<String>) -> Response {
    let session = match open(&hub, &token).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let connectors = allowed(&session);
    if let [only] = connectors.as_slice() {
        return redirect(&format!("/connect/{token}/{}", only.spec().id));
    }
    let list: Vec<_> = connectors
        .iter()
        .map(|c| serde_json::json!({"id": c.spec().id, "name": c.spec().name, "summary": c.spec().summary}))
        .collect();
    render(
        StatusCode::OK,
        "connect_pick.html",
        context! { title => "Connect an account", token, connectors => list, expires => human_time(Some(session.expires_at)) },
    )
}

/// The connect form being shown: which session, connector and variant.
struct Connecting<'a> {
    token: &'a str,
    session: &'a SessionRow,
    connector: &'static dyn Connector,
    variant: &'static CredentialVariant,
}

fn connect_form_page(
    hub: &Hub,
    at: &Connecting<'_>,
    values: &BTreeMap<String, String>,
    label: &str,
    outcome: Option<View>,
) -> Response {
    let Connecting {
        token,
        session,
        connector,
        variant,
    } = *at;
    let spec = connector.spec();
    let variants: Vec<_> = spec
        .variants
        .iter()
        .map(|v| serde_json::json!({"name": v.name, "label": v.label}))
        .collect();
    render(
        StatusCode::OK,
        "connect_form.html",
        context! {
            title => format!("Connect {}", spec.name),
            token, id => spec.id, name => spec.name,
            several => allowed(session).len() > 1,
            variants,
            variant => serde_json::json!({"name": variant.name, "label": variant.label, "description": variant.description}),
            fields => field_views(variant, values),
            csrf => csrf_token(hub, &format!("connect:{}", session.id)),
            label, outcome,
        },
    )
}

fn allowed_connector(session: &SessionRow, id: &str) -> Result<&'static dyn Connector, Response> {
    let found = connector(id).ok().filter(|c| {
        session.connectors.is_empty() || session.connectors.iter().any(|a| a == c.spec().id)
    });
    found.ok_or_else(|| {
        message(
            StatusCode::NOT_FOUND,
            "error",
            "This service is not offered here",
            "The link you followed does not offer this service. Go back and choose one from the list.",
            None,
        )
    })
}

pub async fn connect_form(
    State(hub): State<Arc<Hub>>,
    Path((token, id)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let session = match open(&hub, &token).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let connector = match allowed_connector(&session, &id) {
        Ok(c) => c,
        Err(page) => return page,
    };
    let variant = match variant(connector, query.get("variant").map(String::as_str)) {
        Ok(v) => v,
        Err(_) => connector.spec().default_variant(),
    };
    let at = Connecting {
        token: &token,
        session: &session,
        connector,
        variant,
    };
    connect_form_page(&hub, &at, &BTreeMap::new(), "", None)
}

pub async fn connect_submit(
    State(hub): State<Arc<Hub>>,
    Path((token, id)): Path<(String, String)>,
    Form(form): Form<Fields>,
) -> Response {
    let session = match open(&hub, &token).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if !csrf_valid(
        &hub,
        &format!("connect:{}", session.id),
        &form_value(&form, "_csrf"),
    ) {
        return csrf_failed(None);
    }
    let connector = match allowed_connector(&session, &id) {
        Ok(c) => c,
        Err(page) => return page,
    };
    let variant = match variant(connector, Some(&form_value(&form, "_variant"))) {
        Ok(v) => v,
        Err(e) => return page_error(e, None),
    };
    let label = form_value(&form, "_label");
    let values: BTreeMap<String, SecretString> = form
        .iter()
        .filter(|(k, _)| variant.field(k).is_some())
        .map(|(k, v)| (k.clone(), SecretString::from(v.clone())))
        .collect();
    let kept: BTreeMap<String, String> = variant
        .fields
        .iter()
        .filter(|f| !f.secret)
        .filter_map(|f| {
            values
                .get(f.key)
                .map(|v| (f.key.to_owned(), v.expose_secret().to_owned()))
        })
        .collect();
    match hub.link(&session, connector, variant, values, &label).await {
        Ok(LinkResult::Linked(account, _)) => render(
            StatusCode::OK,
            "connect_done.html",
            context! {
                title => "Connected",
                name => connector.spec().name,
                proves_text => variant.verify.proves,
                proves => proof_items(&account.proves),
                masked_key => account.masked_key,
            },
        ),
        Ok(LinkResult::Refused(report)) => {
            let shown = outcome(connector.spec().id, report.status, &report.message);
            let label = clean_name("label", &label, false).unwrap_or_default();
            let at = Connecting {
                token: &token,
                session: &session,
                connector,
                variant,
            };
            connect_form_page(&hub, &at, &kept, &label, Some(shown))
        }
        Ok(LinkResult::SessionGone(problem)) => gone(problem),
        Err(e) => page_error(e, None),
    }
}
