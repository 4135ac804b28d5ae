//! The operator's Accounts pages: the list with filters and pages, one account with its masked
//! credentials, history and audit, and its re-verify, edit and unlink forms; **Link account**
//! (a connect session the operator opens for a customer, straight to its form) and **Send
//! re-link** (a link replacing a refused account's key, shown to copy).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use connector_core::{CheckReport, Status};
use secrecy::ExposeSecret;

use super::form::{
    field_views, form_value, human_time, outcome, proof_items, public_values, Fields,
};
use super::render::{context, message, page_error, redirect, render, View};
use crate::http::error::HttpError;
use crate::http::extract::{CsrfForm, Operator, Writer};
use crate::service::accounts::filter;
use crate::service::checks::SEALED;
use crate::service::import::UNCHECKED;
use crate::service::{masked, variant, AccountRow, Hub, HubError, SessionRequest};

const PAGE_SIZE: i64 = 50;

fn account_view(hub: &Hub, a: &AccountRow) -> View {
    let proves_short: String = proof_items(&a.proves)
        .iter()
        .take(2)
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let connector = hub.find_connector(&a.connector);
    let spec = connector.as_ref().map(|c| c.spec());
    let connector_name = spec.map_or("(unknown connector)", |s| s.name);
    let variant_label = spec
        .and_then(|s| s.variants.iter().find(|v| v.name == a.variant))
        .map_or("", |v| v.label);
    serde_json::json!({
        "id": a.id, "connector": a.connector, "connector_name": connector_name,
        "custom": hub.is_custom_connector(&a.connector),
        "variant_label": variant_label, "owner": a.owner, "label": a.label, "key": a.masked_key,
        "status": a.status, "message": a.message, "last_verified": human_time(a.last_verified_at),
        "created": human_time(Some(a.created_at)), "proves_short": proves_short,
        "version": a.version, "relinkable": relinkable(a),
    })
}

/// Whether an account's page offers **Send re-link**: its key was refused.
fn relinkable(account: &AccountRow) -> bool {
    account.status == Status::Rejected.as_str() || account.status == Status::Forbidden.as_str()
}

fn forbidden_page(op: &Operator, what: &str) -> Response {
    message(
        StatusCode::FORBIDDEN,
        "error",
        "Not allowed",
        what,
        Some(op),
    )
}

pub async fn accounts(
    State(hub): State<Arc<Hub>>,
    op: Operator,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if !op.can_read_accounts() {
        return forbidden_page(
            &op,
            "This key cannot list accounts: it needs the accounts:read scope.",
        );
    }
    let get = |k: &str| query.get(k).cloned().filter(|v| !v.is_empty());
    let filter = filter(&get("connector"), &get("status"), &get("owner"));
    let cursor = get("cursor");
    let (rows, next) = match hub
        .list_accounts(&filter, cursor.as_deref(), PAGE_SIZE)
        .await
    {
        Ok(page) => page,
        Err(e) => {
            let e = HttpError::from(e);
            return message(
                e.status,
                "error",
                "Cannot list accounts",
                &e.message,
                Some(&op),
            );
        }
    };
    let base: Vec<(String, String)> = [
        ("connector", &filter.connector),
        ("status", &filter.status),
        ("owner", &filter.owner),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
    .collect();
    let link = |cursor: Option<&str>| {
        let mut pairs = base.clone();
        if let Some(c) = cursor {
            pairs.push(("cursor".to_owned(), c.to_owned()));
        }
        let query = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        if query.is_empty() {
            "/accounts".to_owned()
        } else {
            format!("/accounts?{query}")
        }
    };
    let connectors: Vec<_> = hub
        .all_connectors()
        .iter()
        .map(|c| serde_json::json!({"id": c.spec().id, "name": c.spec().name, "custom": hub.is_custom_connector(c.spec().id)}))
        .collect();
    let statuses: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| !matches!(s, Status::Done | Status::NotFound | Status::InvalidInput))
        .map(|s| s.as_str())
        .chain([UNCHECKED, SEALED])
        .collect();
    render(
        StatusCode::OK,
        "accounts.html",
        context! {
            title => "Accounts", section => "accounts", operator => op.view(),
            accounts => rows.iter().map(|a| account_view(&hub, a)).collect::<Vec<_>>(),
            filter => serde_json::json!({
                "connector": filter.connector.clone().unwrap_or_default(),
                "status": filter.status.clone().unwrap_or_default(),
                "owner": filter.owner.clone().unwrap_or_default(),
            }),
            filtered => !base.is_empty(),
            connectors, statuses,
            next => next.as_deref().map(|n| link(Some(n))),
            first => cursor.as_ref().map(|_| link(None)),
            notice => query.get("notice").and_then(|n| notice_text(n)),
            csrf => op.csrf.clone(),
            relinks => op.can_write_accounts() && rows.iter().any(relinkable),
            can_write => op.can_write_accounts(),
        },
    )
}

fn notice_text(code: &str) -> Option<&'static str> {
    match code {
        "unlinked" => {
            Some("The account was unlinked and its credentials deleted. An audit record was kept.")
        }
        _ => None,
    }
}

fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn account_detail(
    hub: &Hub,
    op: &Operator,
    account: &AccountRow,
    shown: Option<View>,
) -> Response {
    let Some(connector) = hub.find_connector(&account.connector) else {
        return message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "error",
            "Unknown connector",
            "This account's connector is no longer registered.",
            Some(op),
        );
    };
    let connector = connector.as_ref();
    let variant =
        variant(connector, Some(&account.variant)).unwrap_or(connector.spec().default_variant());
    let stored = hub.credentials(account).await.unwrap_or_default();
    let mut fields = field_views(variant, &public_values(account));
    for field in &mut fields {
        if field.kind == "password" {
            field.value = stored
                .get(&field.key)
                .map(|v| masked(v.expose_secret()))
                .unwrap_or_default();
        }
    }
    let audit: Vec<_> = hub
        .audit(Some(&account.id), 50)
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::json!({"at": human_time(Some(r.at)), "action": r.action, "detail": r.detail, "actor": r.actor}))
        .collect();
    let changes: Vec<_> = hub
        .history(&account.id, None, 50)
        .await
        .map(|(changes, _)| changes)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            serde_json::json!({
                "at": human_time(Some(c.at)), "old_status": c.old_status,
                "new_status": c.new_status, "message": c.message,
            })
        })
        .collect();
    let hours = hub.settings.reverify_every_hours;
    let every = if hours <= 0.0 {
        "never (the schedule is off)".to_owned()
    } else if hours % 24.0 == 0.0 {
        format!("{} day(s)", hours / 24.0)
    } else {
        format!("{hours} hour(s)")
    };
    let proxy_example = proxy_example(hub, account, variant);
    render(
        StatusCode::OK,
        "account.html",
        context! {
            proxy_example, changes, every, next_check => human_time(account.next_check_at),
            title => account.label.clone(), section => "accounts", operator => op.view(),
            a => account_view(hub, account), proves => proof_items(&account.proves),
            proves_text => variant.verify.proves, fields, audit, csrf => op.csrf.clone(),
            can_write => op.can_write_accounts(), outcome => shown,
        },
    )
}

/// A `curl` call of the account's verification endpoint through the proxy, the hub key left as
/// a placeholder and only non-secret values filled in.
fn proxy_example(
    hub: &Hub,
    account: &AccountRow,
    variant: &connector_core::CredentialVariant,
) -> String {
    let public = public_values(account);
    let path = connector_core::template::fill(variant.verify.path, |name, _| {
        Some(
            public
                .get(name)
                .map_or_else(|| format!("{{{name}}}"), |v| percent_encode(v)),
        )
    })
    .unwrap_or_else(|_| variant.verify.path.to_owned());
    let hub_url = hub
        .settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", hub.settings.listen));
    format!(
        "curl -H \"Authorization: Bearer $HUB_KEY\" \\\n  \"{}/api/v1/proxy/{}/{}\"",
        hub_url.trim_end_matches('/'),
        account.id,
        path.trim_start_matches('/')
    )
}

pub async fn account_page(
    State(hub): State<Arc<Hub>>,
    op: Operator,
    Path(id): Path<String>,
) -> Response {
    if !op.can_read_accounts() {
        return forbidden_page(
            &op,
            "This key cannot read accounts: it needs the accounts:read scope.",
        );
    }
    match hub.account(&id).await {
        Ok(account) => account_detail(&hub, &op, &account, None).await,
        Err(e) => page_error(e, Some(&op)),
    }
}

/// The account's page after a check, its outcome on top.
async fn checked_account(
    hub: &Hub,
    op: &Operator,
    result: Result<(AccountRow, CheckReport), HubError>,
) -> Response {
    match result {
        Ok((account, report)) => {
            let shown = outcome(hub, &account.connector, report.status, &report.message);
            account_detail(hub, op, &account, Some(shown)).await
        }
        Err(e) => page_error(e, Some(op)),
    }
}

pub async fn account_verify(
    State(hub): State<Arc<Hub>>,
    Writer(op): Writer,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<Fields>,
) -> Response {
    let result = hub
        .reverify(&id)
        .await
        .map(|(account, report, _)| (account, report));
    checked_account(&hub, &op, result).await
}

pub async fn account_edit(
    State(hub): State<Arc<Hub>>,
    Writer(op): Writer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Fields>,
) -> Response {
    let inputs: BTreeMap<String, String> = form
        .iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .cloned()
        .collect();
    let label = form_value(&form, "_label");
    let version = form_value(&form, "_version").parse().ok();
    let result = hub
        .edit(&id, version, Some(&label), inputs, &op.actor())
        .await;
    checked_account(&hub, &op, result).await
}

pub async fn account_unlink(
    State(hub): State<Arc<Hub>>,
    Writer(op): Writer,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<Fields>,
) -> Response {
    match hub.unlink(&id, &op.actor()).await {
        Ok(()) => redirect("/accounts?notice=unlinked"),
        Err(e) => page_error(e, Some(&op)),
    }
}

/// The **Link account** form: an owner and, optionally, the providers to offer.
fn link_page(
    hub: &Hub,
    op: &Operator,
    status: StatusCode,
    owner: &str,
    checked: &[String],
    error: Option<&str>,
) -> Response {
    let connectors: Vec<_> = hub
        .all_connectors()
        .iter()
        .map(|c| {
            let id = c.spec().id;
            serde_json::json!({"id": id, "name": c.spec().name, "custom": hub.is_custom_connector(id),
                "checked": checked.iter().any(|k| k == id)})
        })
        .collect();
    render(
        status,
        "account_link.html",
        context! {
            title => "Link an account", section => "accounts", operator => op.view(),
            csrf => op.csrf.clone(), owner, connectors, error,
        },
    )
}

pub async fn link_form(State(hub): State<Arc<Hub>>, Writer(op): Writer) -> Response {
    link_page(&hub, &op, StatusCode::OK, "", &[], None)
}

/// Opens a connect session for the owner typed, made by the operator's hub key, and goes to it.
pub async fn link_create(
    State(hub): State<Arc<Hub>>,
    Writer(op): Writer,
    CsrfForm(form): CsrfForm<Fields>,
) -> Response {
    let request = SessionRequest {
        owner: form_value(&form, "owner"),
        connectors: form
            .iter()
            .filter(|(k, _)| k == "connector")
            .map(|(_, v)| v.clone())
            .collect(),
        ..SessionRequest::default()
    };
    match hub.create_session_with(&request, &op.actor()).await {
        Ok(new) => redirect(&format!("/connect/{}", new.token.expose_secret())),
        Err(e @ HubError::Invalid { .. }) => {
            let e = HttpError::from(e);
            link_page(
                &hub,
                &op,
                e.status,
                &request.owner,
                &request.connectors,
                Some(&e.message),
            )
        }
        Err(e) => page_error(e, Some(&op)),
    }
}

/// How long a re-link made on the pages lives when the form does not say: a day, time for the
/// customer to read the message it is sent in.
const RELINK_SECONDS: i64 = 24 * 3600;

/// **Send re-link**: a connect session replacing this account's credentials, its full URL shown
/// once to copy and send.
pub async fn account_relink(
    State(hub): State<Arc<Hub>>,
    Writer(op): Writer,
    Path(id): Path<String>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<Fields>,
) -> Response {
    let expires_in = form_value(&form, "expires_in")
        .parse()
        .unwrap_or(RELINK_SECONDS);
    let (account, new) = match hub.relink_session(&id, Some(expires_in), &op.actor()).await {
        Ok(made) => made,
        Err(e) => return page_error(e, Some(&op)),
    };
    let url = format!(
        "{}/connect/{}",
        hub_url(&hub, &headers),
        new.token.expose_secret()
    );
    render(
        StatusCode::OK,
        "relink_shown.html",
        context! {
            title => "Re-link", section => "accounts", operator => op.view(),
            a => account_view(&hub, &account), url,
            expires => human_time(Some(new.session.expires_at)),
        },
    )
}

/// The hub's address as people reach it: `public_url`, else the request's `Host` (when it is a
/// plain host and port), else the address it listens on.
fn hub_url(hub: &Hub, headers: &HeaderMap) -> String {
    if let Some(url) = &hub.settings.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .map_or_else(|| hub.settings.listen.to_string(), str::to_owned);
    format!("http://{host}")
}
