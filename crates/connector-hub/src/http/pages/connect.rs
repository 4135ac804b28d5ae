//! The connect flow a customer follows from a connect session's link: pick a service, fill in
//! the form built from its spec, and see the account linked once its key is verified; or press
//! Cancel. A re-link session opens its account's form (connector and variant fixed, public
//! values filled in) and replaces that account's credentials. The form's CSRF token is bound to
//! the connect session.
//!
//! Each page tells the page that embeds or opened it what happened (`connector-hub:ready`,
//! `:linked`, `:closed`, `:error`): `base.html` renders the event, the exact origin to post it to
//! and the URL to go back to into `data-` attributes, and `/static/connect-page.js` posts it with
//! `postMessage(event, origin)` and then follows the return URL. No origin, no message.

// Helpers return the page to answer with as their `Err`; it is returned at once, not kept.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use connector_core::{Connector, CredentialVariant};

use crate::service::ConnectorRef;
use secrecy::{ExposeSecret, SecretString};

use super::form::{
    field_views, form_value, human_time, outcome, proof_items, public_values, Fields,
};
use super::render::{context, csrf_failed, message, page_error, redirect, render, View};
use crate::http::cookies::{csrf_token, csrf_valid};
use crate::service::{
    clean_name, variant, AccountRow, ConnectEvent, Gone, Hub, LinkResult, SessionProblem,
    SessionRow,
};

/// What a page posts and where it sends the browser next, for `base.html`: `None` when there is
/// neither an origin to post to nor a URL to return to.
fn hub_event(
    hub: &Hub,
    session: &SessionRow,
    event: ConnectEvent<'_>,
    return_to: Option<String>,
) -> Option<View> {
    let target = hub.event_origin(session);
    if target.is_none() && return_to.is_none() {
        return None;
    }
    Some(serde_json::json!({
        "event": event.to_json().to_string(),
        "target": target.unwrap_or_default(),
        "return_to": return_to,
    }))
}

async fn open(hub: &Hub, token: &str) -> Result<SessionRow, Response> {
    match hub.open_session(token).await {
        Ok(Ok(session)) => Ok(session),
        Ok(Err(gone)) => Err(gone_page(hub, gone)),
        Err(e) => Err(page_error(e, None)),
    }
}

/// The page of a link that cannot be used, posting `connector-hub:error` when the link named a
/// session.
fn gone_page(hub: &Hub, gone: Gone) -> Response {
    let problem = gone.problem;
    let status = match problem {
        SessionProblem::Unknown => StatusCode::NOT_FOUND,
        SessionProblem::Expired | SessionProblem::Used | SessionProblem::Cancelled => {
            StatusCode::GONE
        }
        SessionProblem::TooManyChecks => StatusCode::TOO_MANY_REQUESTS,
    };
    let event = gone.session.as_ref().and_then(|session| {
        hub_event(hub, session, ConnectEvent::Error { session, problem }, None)
    });
    render(
        status,
        "message.html",
        context! {
            title => problem.title(), text => problem.advice(), kind => "gone",
            hub_event => event,
        },
    )
}

fn allowed(hub: &Hub, session: &SessionRow) -> Vec<ConnectorRef> {
    hub.all_connectors()
        .into_iter()
        .filter(|c| {
            session.connectors.is_empty() || session.connectors.iter().any(|id| id == c.spec().id)
        })
        .collect()
}

fn connect_csrf(hub: &Hub, session: &SessionRow) -> String {
    csrf_token(hub, &format!("connect:{}", session.id))
}

pub async fn connect_pick(State(hub): State<Arc<Hub>>, Path(token): Path<String>) -> Response {
    let session = match open(&hub, &token).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let connectors = allowed(&hub, &session);
    if let [only] = connectors.as_slice() {
        return redirect(&format!("/connect/{token}/{}", only.spec().id));
    }
    let list: Vec<_> = connectors
        .iter()
        .map(|c| {
            let spec = c.spec();
            serde_json::json!({"id": spec.id, "name": spec.name, "summary": spec.summary,
                "custom": hub.is_custom_connector(spec.id)})
        })
        .collect();
    render(
        StatusCode::OK,
        "connect_pick.html",
        context! {
            title => "Connect an account", token, connectors => list,
            expires => human_time(Some(session.expires_at)),
            csrf => connect_csrf(&hub, &session),
            hub_event => hub_event(&hub, &session, ConnectEvent::Ready, None),
        },
    )
}

/// The connect form being shown: which session, connector and variant, and the account a
/// re-link replaces.
struct Connecting<'a> {
    token: &'a str,
    session: &'a SessionRow,
    connector: &'a dyn Connector,
    variant: &'a CredentialVariant<'a>,
    relink: Option<&'a AccountRow>,
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
        relink,
    } = *at;
    let spec = connector.spec();
    // A re-link keeps the account's variant: no other is offered.
    let variants: Vec<_> = spec
        .variants
        .iter()
        .filter(|_| relink.is_none())
        .map(|v| serde_json::json!({"name": v.name, "label": v.label}))
        .collect();
    let relink = relink.map(|a| serde_json::json!({"label": a.label, "key": a.masked_key}));
    render(
        StatusCode::OK,
        "connect_form.html",
        context! {
            title => format!("Connect {}", spec.name),
            token, id => spec.id, name => spec.name,
            several => allowed(hub, session).len() > 1,
            custom => hub.is_custom_connector(spec.id),
            variants, relink,
            variant => serde_json::json!({"name": variant.name, "label": variant.label, "description": variant.description}),
            fields => field_views(variant, values),
            csrf => connect_csrf(hub, session),
            label, outcome,
            hub_event => hub_event(hub, session, ConnectEvent::Ready, None),
        },
    )
}

fn allowed_connector(hub: &Hub, session: &SessionRow, id: &str) -> Result<ConnectorRef, Response> {
    let found = hub.find_connector(id).filter(|c| {
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

/// The account a re-link session replaces, if it is one.
async fn relink_target(hub: &Hub, session: &SessionRow) -> Result<Option<AccountRow>, Response> {
    hub.relink_target(session).await.map_err(|e| {
        message(
            StatusCode::NOT_FOUND,
            "gone",
            "This account is no longer linked",
            &format!(
                "The account this link would update was unlinked. Go back to the application \
                 that sent you here to connect a new one. ({})",
                crate::http::error::HttpError::from(e).message
            ),
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
    let connector = match allowed_connector(&hub, &session, &id) {
        Ok(c) => c,
        Err(page) => return page,
    };
    let connector = connector.as_ref();
    let target = match relink_target(&hub, &session).await {
        Ok(target) => target,
        Err(page) => return page,
    };
    let asked = match &target {
        Some(account) => Some(account.variant.as_str()),
        None => query.get("variant").map(String::as_str),
    };
    let variant = variant(connector, asked).unwrap_or(connector.spec().default_variant());
    let (values, label) = match &target {
        Some(account) => (public_values(account), account.label.clone()),
        None => (BTreeMap::new(), String::new()),
    };
    let at = Connecting {
        token: &token,
        session: &session,
        connector,
        variant,
        relink: target.as_ref(),
    };
    connect_form_page(&hub, &at, &values, &label, None)
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
    let connector = match allowed_connector(&hub, &session, &id) {
        Ok(c) => c,
        Err(page) => return page,
    };
    let connector = connector.as_ref();
    let target = match relink_target(&hub, &session).await {
        Ok(target) => target,
        Err(page) => return page,
    };
    let asked = match &target {
        Some(account) => account.variant.clone(),
        None => form_value(&form, "_variant"),
    };
    let variant = match variant(connector, Some(&asked)) {
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
        Ok(LinkResult::Linked(account, _)) => {
            let return_to = hub.return_to(
                &session,
                &[
                    ("session_id", &session.id),
                    ("account_id", &account.id),
                    ("connector", &account.connector),
                    ("status", "linked"),
                ],
            );
            let event = hub_event(
                &hub,
                &session,
                ConnectEvent::Linked {
                    session: &session,
                    account: &account,
                },
                return_to.clone(),
            );
            render(
                StatusCode::OK,
                "connect_done.html",
                context! {
                    title => "Connected",
                    name => connector.spec().name,
                    relinked => target.is_some(),
                    proves_text => variant.verify.proves,
                    proves => proof_items(&account.proves),
                    masked_key => account.masked_key,
                    return_to, hub_event => event,
                },
            )
        }
        Ok(LinkResult::Refused(report)) => {
            let shown = outcome(&hub, connector.spec().id, report.status, &report.message);
            let label = clean_name("label", &label, false).unwrap_or_default();
            let at = Connecting {
                token: &token,
                session: &session,
                connector,
                variant,
                relink: target.as_ref(),
            };
            connect_form_page(&hub, &at, &kept, &label, Some(shown))
        }
        Ok(LinkResult::SessionGone(problem)) => gone_page(
            &hub,
            Gone {
                problem,
                session: Some(session),
            },
        ),
        Err(e) => page_error(e, None),
    }
}

/// **Cancel**: the link can no longer be used; the page posts `connector-hub:closed` and goes
/// back to the `return_url` with `status=cancelled`.
pub async fn connect_cancel(
    State(hub): State<Arc<Hub>>,
    Path(token): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    // A cancelled link may be cancelled again (a form sent twice), so it is not refused here.
    let session = match hub.open_session(&token).await {
        Ok(Ok(session)) => session,
        Ok(Err(Gone {
            problem: SessionProblem::Cancelled | SessionProblem::TooManyChecks,
            session: Some(session),
        })) => session,
        Ok(Err(gone)) => return gone_page(&hub, gone),
        Err(e) => return page_error(e, None),
    };
    if !csrf_valid(
        &hub,
        &format!("connect:{}", session.id),
        &form_value(&form, "_csrf"),
    ) {
        return csrf_failed(None);
    }
    let session = match hub.cancel_session(&token).await {
        Ok(Ok(session)) => session,
        Ok(Err(gone)) => return gone_page(&hub, gone),
        Err(e) => return page_error(e, None),
    };
    let return_to = hub.return_to(
        &session,
        &[("session_id", &session.id), ("status", "cancelled")],
    );
    let event = hub_event(
        &hub,
        &session,
        ConnectEvent::Closed { session: &session },
        return_to.clone(),
    );
    let link = return_to
        .as_ref()
        .map(|href| serde_json::json!({"href": href, "text": "Return to the application"}));
    render(
        StatusCode::OK,
        "message.html",
        context! {
            title => "Connecting was cancelled",
            text => "Nothing was stored, and this link can no longer be used. You can close this \
                     page and return to the application.",
            kind => "gone", link, hub_event => event,
        },
    )
}
