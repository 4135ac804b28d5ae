//! The HTML pages: the connect flow a customer follows from a connect session's link, and the
//! operator's Accounts and Keys pages behind a sign-in with a hub key. Every form carries a CSRF
//! token; secret values are never written into a page (a new hub key, once, excepted).

// Page helpers return the page to answer with as their `Err`; it is returned at once, not kept.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use connector_core::{Connector, CredentialVariant, Status};
use minijinja::Environment;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;

/// What a template receives: plain JSON.
type View = Value;

/// Builds a template context from `key => value` pairs (a bare `key` takes the variable of that
/// name), each value serialized to JSON.
macro_rules! context {
    (@pair $map:ident, $key:ident) => { context!(@pair $map, $key => $key) };
    (@pair $map:ident, $key:ident => $value:expr) => {
        $map.insert(
            stringify!($key).to_owned(),
            serde_json::to_value(&$value).unwrap_or(Value::Null),
        );
    };
    ($($key:ident $(=> $value:expr)?),* $(,)?) => {{
        let mut map = serde_json::Map::new();
        $( context!(@pair map, $key $(=> $value)?); )*
        Value::Object(map)
    }};
}

use crate::api::{
    account_page, authenticate, change_key_state, filter, issue_key, regenerate, revoke,
};
use crate::crypto::{random_hex, sha256_hex};
use crate::hubkey::{KeyState, Scope};
use crate::service::{
    choices, connector, input_kind, masked, variant, Hub, HubError, LinkResult, SessionProblem,
};
use crate::store::{now, AccountRow, KeyRow, SessionRow};
use crate::web::{client_ip, cookie, csrf_valid, equal, human_time, set_cookie, ApiError};

const SESSION_COOKIE: &str = "hub_session";
const SIGNIN_COOKIE: &str = "hub_signin";
const PAGE_SIZE: i64 = 50;

type Fields = Vec<(String, String)>;

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("../templates/base.html")),
            ("message.html", include_str!("../templates/message.html")),
            ("signin.html", include_str!("../templates/signin.html")),
            (
                "connect_pick.html",
                include_str!("../templates/connect_pick.html"),
            ),
            (
                "connect_form.html",
                include_str!("../templates/connect_form.html"),
            ),
            (
                "connect_done.html",
                include_str!("../templates/connect_done.html"),
            ),
            ("accounts.html", include_str!("../templates/accounts.html")),
            ("account.html", include_str!("../templates/account.html")),
            ("keys.html", include_str!("../templates/keys.html")),
            (
                "key_shown.html",
                include_str!("../templates/key_shown.html"),
            ),
            ("guide.html", include_str!("../templates/guide.html")),
            ("webhooks.html", include_str!("../templates/webhooks.html")),
        ] {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} is invalid: {e}"));
        }
        env
    })
}

/// Renders a page; a template error is logged and answered with a plain 500.
fn render(status: StatusCode, name: &str, ctx: View) -> Response {
    match templates()
        .get_template(name)
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(ctx))))
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("rendering {name}: {e:#}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

fn message(
    status: StatusCode,
    kind: &str,
    title: &str,
    text: &str,
    operator: Option<&Operator>,
) -> Response {
    render(
        status,
        "message.html",
        context! { title, text, kind, operator => operator.map(Operator::view) },
    )
}

fn page_error(e: HubError, operator: Option<&Operator>) -> Response {
    let api = ApiError::from(e);
    message(
        api.status,
        "error",
        "Something went wrong",
        &api.message,
        operator,
    )
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// Provider-specific advice for a failed outcome, then the generic advice; a tip the check's
/// message already carries is not repeated.
pub fn advice(connector_id: &str, status: Status, message: &str) -> Option<String> {
    if matches!(status, Status::Verified | Status::Done) {
        return None;
    }
    let specific = connector_registry::find(connector_id)
        .and_then(|c| c.spec().guide.troubleshooting.for_status(status))
        .filter(|tip| !message.contains(tip));
    Some(match specific {
        Some(tip) => format!("{tip} {}", status.advice()),
        None => status.advice().to_owned(),
    })
}

fn status_title(status: &str) -> &'static str {
    Status::ALL
        .into_iter()
        .find(|s| s.as_str() == status)
        .map(|s| s.title())
        .unwrap_or("unknown status")
}

fn outcome(connector_id: &str, status: Status, message: &str) -> View {
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
        "advice": advice(connector_id, status, message),
    })
}

fn form_value(form: &Fields, key: &str) -> String {
    form.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The proof of an account as `(name, value)` pairs for display.
fn proof_items(proves: &Value) -> Vec<(String, String)> {
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

#[derive(Debug, Serialize)]
struct FieldView {
    key: &'static str,
    label: &'static str,
    help: &'static str,
    required: bool,
    kind: &'static str,
    choices: Vec<&'static str>,
    example: Option<&'static str>,
    value: String,
}

/// The form of a variant: non-secret values kept from `values` (or defaults), secrets empty.
fn field_views(variant: &CredentialVariant, values: &BTreeMap<String, String>) -> Vec<FieldView> {
    variant
        .fields
        .iter()
        .map(|f| FieldView {
            key: f.key,
            label: f.label,
            help: f.help,
            required: f.required && f.default.is_none(),
            kind: input_kind(f),
            choices: choices(f),
            example: f.example.filter(|_| !f.secret),
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

// --- the connect flow -----------------------------------------------------------------------

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

async fn connect_pick(State(hub): State<Arc<Hub>>, Path(token): Path<String>) -> Response {
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
            csrf => crate::web::csrf_token(hub, &format!("connect:{}", session.id)),
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

async fn connect_form(
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

async fn connect_submit(
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
            let label = crate::service::clean_name("label", &label, false).unwrap_or_default();
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

async fn guide(Path(id): Path<String>) -> Response {
    let Ok(connector) = connector(&id) else {
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
            .map(|t| (status_title(s.as_str()).to_owned(), t))
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

// --- operator sign-in -----------------------------------------------------------------------

/// A signed-in operator: the hub key they signed in with and their session's CSRF token.
#[derive(Debug)]
struct Operator {
    key: KeyRow,
    csrf: String,
}

impl Operator {
    fn view(&self) -> View {
        serde_json::json!({
            "name": self.key.name,
            "masked": format!("••••{}", self.key.tail),
            "csrf": self.csrf,
            "admin": self.admin(),
        })
    }

    fn admin(&self) -> bool {
        self.key.scopes.contains(&Scope::KeysAdmin)
    }

    fn can_read_accounts(&self) -> bool {
        self.admin() || self.key.scopes.contains(&Scope::AccountsRead)
    }

    fn can_write_accounts(&self) -> bool {
        self.key.scopes.contains(&Scope::AccountsWrite)
    }

    fn actor(&self) -> String {
        format!("hub key {} ({}) in the browser", self.key.name, self.key.id)
    }
}

/// The signed-in operator, or a redirect to the sign-in page. The key must still be enabled.
async fn operator(hub: &Hub, headers: &HeaderMap) -> Result<Operator, Response> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Err(redirect("/signin"));
    };
    let found = hub.store.web_session(&sha256_hex(&token)).await;
    let Ok(Some(session)) = found else {
        return Err(redirect("/signin"));
    };
    match hub.store.key(&session.key_id).await {
        // A regenerated key ends the sessions opened with its old value.
        Ok(Some(key))
            if key.state == KeyState::Enabled
                && key.regenerated_at.is_none_or(|at| at <= session.created_at) =>
        {
            Ok(Operator {
                key,
                csrf: session.csrf,
            })
        }
        _ => Err(redirect("/signin")),
    }
}

fn csrf_failed(operator: Option<&Operator>) -> Response {
    message(
        StatusCode::FORBIDDEN,
        "error",
        "This form has expired",
        "The form's security token is missing or no longer valid. Go back, reload the page and try again.",
        operator,
    )
}

/// Checks the operator's CSRF token on a form.
fn checked(operator: &Operator, form: &Fields) -> Result<(), Response> {
    if equal(&operator.csrf, &form_value(form, "_csrf")) {
        Ok(())
    } else {
        Err(csrf_failed(Some(operator)))
    }
}

fn signin_page(hub: &Hub, status: StatusCode, error: Option<&str>) -> Response {
    let nonce = random_hex(16);
    let csrf = crate::web::csrf_token(hub, &format!("signin:{nonce}"));
    let mut response = render(
        status,
        "signin.html",
        context! { title => "Sign in", csrf, error },
    );
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SIGNIN_COOKIE, &nonce, 1800, hub.settings.secure_cookies()),
    );
    response
}

async fn signin_form(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Response {
    if operator(&hub, &headers).await.is_ok() {
        return redirect("/accounts");
    }
    signin_page(&hub, StatusCode::OK, None)
}

async fn signin(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    request_parts: axum::http::Extensions,
    Form(form): Form<Fields>,
) -> Response {
    let nonce = cookie(&headers, SIGNIN_COOKIE).unwrap_or_default();
    if nonce.is_empty()
        || !csrf_valid(
            &hub,
            &format!("signin:{nonce}"),
            &form_value(&form, "_csrf"),
        )
    {
        return signin_page(
            &hub,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired. Paste your key again and sign in."),
        );
    }
    let key = match authenticate(&hub, client_ip(&request_parts), &form_value(&form, "key")).await {
        Ok(key) => key,
        Err(e) => return signin_page(&hub, e.status, Some(&e.message)),
    };
    if !(key.scopes.contains(&Scope::KeysAdmin) || key.scopes.contains(&Scope::AccountsRead)) {
        return signin_page(
            &hub,
            StatusCode::FORBIDDEN,
            Some("This key cannot sign in: it needs the accounts:read or keys:admin scope."),
        );
    }
    let token = random_hex(32);
    let hours = hub.settings.session_hours as i64;
    if let Err(e) = hub
        .store
        .insert_web_session(
            &sha256_hex(&token),
            &key.id,
            &random_hex(32),
            now() + hours * 3600,
        )
        .await
    {
        return page_error(e.into(), None);
    }
    let secure = hub.settings.secure_cookies();
    let mut response = redirect("/accounts");
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, hours * 3600, secure),
    );
    headers.append(SET_COOKIE, set_cookie(SIGNIN_COOKIE, "", 0, secure));
    response
}

async fn signout(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let op = match operator(&hub, &headers).await {
        Ok(op) => op,
        Err(page) => return page,
    };
    if let Err(page) = checked(&op, &form) {
        return page;
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let _ = hub.store.delete_web_session(&sha256_hex(&token)).await;
    }
    let mut response = redirect("/signin");
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, hub.settings.secure_cookies()),
    );
    response
}

// --- accounts -------------------------------------------------------------------------------

fn connector_name(id: &str) -> &'static str {
    connector_registry::find(id)
        .map(|c| c.spec().name)
        .unwrap_or("(unknown connector)")
}

fn account_view(a: &AccountRow) -> View {
    let proves_short: String = proof_items(&a.proves)
        .iter()
        .take(2)
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let variant_label = connector_registry::find(&a.connector)
        .and_then(|c| c.spec().variants.iter().find(|v| v.name == a.variant))
        .map(|v| v.label)
        .unwrap_or("");
    serde_json::json!({
        "id": a.id, "connector": a.connector, "connector_name": connector_name(&a.connector),
        "variant_label": variant_label, "owner": a.owner, "label": a.label, "key": a.masked_key,
        "status": a.status, "message": a.message, "last_verified": human_time(a.last_verified_at),
        "created": human_time(Some(a.created_at)), "proves_short": proves_short,
    })
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

async fn accounts(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let op = match operator(&hub, &headers).await {
        Ok(op) => op,
        Err(page) => return page,
    };
    if !op.can_read_accounts() {
        return forbidden_page(
            &op,
            "This key cannot list accounts: it needs the accounts:read scope.",
        );
    }
    let get = |k: &str| query.get(k).cloned().filter(|v| !v.is_empty());
    let filter = filter(&get("connector"), &get("status"), &get("owner"));
    let cursor = get("cursor");
    let (rows, next) = match account_page(&hub, &filter, cursor.as_deref(), PAGE_SIZE).await {
        Ok(page) => page,
        Err(e) => {
            return message(
                e.status,
                "error",
                "Cannot list accounts",
                &e.message,
                Some(&op),
            )
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
    let connectors: Vec<_> = connector_registry::all()
        .iter()
        .map(|c| serde_json::json!({"id": c.spec().id, "name": c.spec().name}))
        .collect();
    let statuses: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| !matches!(s, Status::Done | Status::NotFound | Status::InvalidInput))
        .map(|s| s.as_str())
        .chain([crate::import::UNCHECKED])
        .collect();
    render(
        StatusCode::OK,
        "accounts.html",
        context! {
            title => "Accounts", section => "accounts", operator => op.view(),
            accounts => rows.iter().map(account_view).collect::<Vec<_>>(),
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
    let Ok(connector) = connector(&account.connector) else {
        return message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "error",
            "Unknown connector",
            "This account's connector is no longer registered.",
            Some(op),
        );
    };
    let variant =
        variant(connector, Some(&account.variant)).unwrap_or(connector.spec().default_variant());
    let stored = hub.credentials(account).unwrap_or_default();
    let mut fields = field_views(variant, &account_public(account));
    for field in &mut fields {
        if field.kind == "password" {
            field.value = stored
                .get(field.key)
                .map(|v| masked(v.expose_secret()))
                .unwrap_or_default();
        }
    }
    let audit: Vec<_> = hub
        .store
        .audit(Some(&account.id), 50)
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::json!({"at": human_time(Some(r.at)), "action": r.action, "detail": r.detail, "actor": r.actor}))
        .collect();
    let changes: Vec<_> = hub
        .store
        .history(&account.id, None, 50)
        .await
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
    render(
        StatusCode::OK,
        "account.html",
        context! {
            changes, every, next_check => human_time(account.next_check_at),
            title => account.label.clone(), section => "accounts", operator => op.view(),
            a => account_view(account), proves => proof_items(&account.proves),
            proves_text => variant.verify.proves, fields, audit, csrf => op.csrf.clone(),
            can_write => op.can_write_accounts(), outcome => shown,
        },
    )
}

fn account_public(account: &AccountRow) -> BTreeMap<String, String> {
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

async fn account_page_handler(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let op = match operator(&hub, &headers).await {
        Ok(op) => op,
        Err(page) => return page,
    };
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

async fn writer(hub: &Hub, headers: &HeaderMap, form: &Fields) -> Result<Operator, Response> {
    let op = operator(hub, headers).await?;
    checked(&op, form)?;
    if !op.can_write_accounts() {
        return Err(forbidden_page(
            &op,
            "This key cannot change accounts: it needs the accounts:write scope.",
        ));
    }
    Ok(op)
}

async fn account_verify(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let op = match writer(&hub, &headers, &form).await {
        Ok(op) => op,
        Err(page) => return page,
    };
    let result = hub
        .reverify(&id)
        .await
        .map(|(account, report, _)| (account, report));
    checked_account(&hub, &op, result).await
}

/// The account's page after a check, its outcome on top.
async fn checked_account(
    hub: &Hub,
    op: &Operator,
    result: Result<(AccountRow, connector_core::CheckReport), HubError>,
) -> Response {
    match result {
        Ok((account, report)) => {
            let shown = outcome(&account.connector, report.status, &report.message);
            account_detail(hub, op, &account, Some(shown)).await
        }
        Err(e) => page_error(e, Some(op)),
    }
}

async fn account_edit(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let op = match writer(&hub, &headers, &form).await {
        Ok(op) => op,
        Err(page) => return page,
    };
    let inputs: BTreeMap<String, String> = form
        .iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .cloned()
        .collect();
    let label = form_value(&form, "_label");
    let result = hub.edit(&id, Some(&label), inputs, &op.actor()).await;
    checked_account(&hub, &op, result).await
}

async fn account_unlink(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let op = match writer(&hub, &headers, &form).await {
        Ok(op) => op,
        Err(page) => return page,
    };
    match hub.unlink(&id, &op.actor()).await {
        Ok(()) => redirect("/accounts?notice=unlinked"),
        Err(e) => page_error(e, Some(&op)),
    }
}

// --- hub keys -------------------------------------------------------------------------------

async fn admin(hub: &Hub, headers: &HeaderMap) -> Result<Operator, Response> {
    let op = operator(hub, headers).await?;
    if !op.admin() {
        return Err(forbidden_page(
            &op,
            "Only a key with the keys:admin scope can manage hub keys.",
        ));
    }
    Ok(op)
}

async fn keys_page(
    hub: &Hub,
    op: &Operator,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
) -> Response {
    let keys = match hub.store.list_keys().await {
        Ok(keys) => keys,
        Err(e) => return page_error(e.into(), Some(op)),
    };
    let keys: Vec<_> = keys
        .iter()
        .map(|k| serde_json::json!({
            "id": k.id, "name": k.name, "scopes": k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "masked": format!("••••{}", k.tail), "state": k.state.as_str(),
            "created": human_time(Some(k.created_at)), "last_used": human_time(k.last_used_at),
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

async fn keys(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let op = match admin(&hub, &headers).await {
        Ok(op) => op,
        Err(page) => return page,
    };
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

async fn key_create(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let op = match admin(&hub, &headers).await {
        Ok(op) => op,
        Err(page) => return page,
    };
    if let Err(page) = checked(&op, &form) {
        return page;
    }
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
    match issue_key(&hub, &form_value(&form, "name"), &scopes, &op.actor()).await {
        Ok((row, new)) => key_shown(&op, "Your new hub key", &row, &new.text),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            keys_page(&hub, &op, e.status, None, Some(&e.message)).await
        }
        Err(e) => message(
            e.status,
            "error",
            "Something went wrong",
            &e.message,
            Some(&op),
        ),
    }
}

async fn key_action(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<Fields>,
) -> Response {
    let op = match admin(&hub, &headers).await {
        Ok(op) => op,
        Err(page) => return page,
    };
    if let Err(page) = checked(&op, &form) {
        return page;
    }
    let done = match action.as_str() {
        "disable" => change_key_state(&hub, &id, KeyState::Disabled, &op.actor())
            .await
            .map(|_| "disabled"),
        "enable" => change_key_state(&hub, &id, KeyState::Enabled, &op.actor())
            .await
            .map(|_| "enabled"),
        "revoke" => revoke(&hub, &id, &op.actor()).await.map(|_| "revoked"),
        "regenerate" => {
            return match regenerate(&hub, &id, &op.actor()).await {
                Ok((row, new)) => key_shown(&op, "Your regenerated hub key", &row, &new.text),
                Err(e) => keys_page(&hub, &op, e.status, None, Some(&e.message)).await,
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
        Err(e) => keys_page(&hub, &op, e.status, None, Some(&e.message)).await,
    }
}

async fn webhooks_page(
    hub: &Hub,
    op: &Operator,
    status: StatusCode,
    created: Option<(&crate::webhooks::Webhook, &SecretString)>,
    error: Option<&str>,
) -> Response {
    let endpoints = match hub.store.webhooks().await {
        Ok(w) => w,
        Err(e) => return page_error(e.into(), Some(op)),
    };
    let mut webhooks = Vec::new();
    for w in &endpoints {
        let deliveries: Vec<_> = hub
            .store
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

async fn webhooks(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Response {
    let op = match admin(&hub, &headers).await {
        Ok(op) => op,
        Err(page) => return page,
    };
    webhooks_page(&hub, &op, StatusCode::OK, None, None).await
}

async fn webhook_create(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let op = match admin(&hub, &headers).await {
        Ok(op) => op,
        Err(page) => return page,
    };
    if let Err(page) = checked(&op, &form) {
        return page;
    }
    match hub
        .create_webhook(&form_value(&form, "url"), &form_value(&form, "description"))
        .await
    {
        Ok((webhook, secret)) => {
            let _ = hub
                .store
                .audit_event(
                    &op.actor(),
                    "webhook.created",
                    &format!("endpoint {}", webhook.id),
                )
                .await;
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

async fn webhook_delete(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let op = match admin(&hub, &headers).await {
        Ok(op) => op,
        Err(page) => return page,
    };
    if let Err(page) = checked(&op, &form) {
        return page;
    }
    match hub.store.delete_webhook(&id).await {
        Ok(_) => {
            let _ = hub
                .store
                .audit_event(&op.actor(), "webhook.deleted", &format!("endpoint {id}"))
                .await;
            redirect("/webhooks")
        }
        Err(e) => page_error(e.into(), Some(&op)),
    }
}

async fn stylesheet() -> Response {
    static_file("text/css; charset=utf-8", include_str!("../static/hub.css"))
}

async fn script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../static/hub.js"),
    )
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                axum::http::header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "error",
        "Page not found",
        "There is no page at this address.",
        None,
    )
}

/// The HTML routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/", get(|| async { redirect("/accounts") }))
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", post(signout))
        .route("/accounts", get(accounts))
        .route(
            "/accounts/{id}",
            get(account_page_handler).post(account_edit),
        )
        .route("/accounts/{id}/verify", post(account_verify))
        .route("/accounts/{id}/unlink", post(account_unlink))
        .route("/keys", get(keys).post(key_create))
        .route("/keys/{id}/{action}", post(key_action))
        .route("/webhooks", get(webhooks).post(webhook_create))
        .route("/webhooks/{id}/delete", post(webhook_delete))
        .route("/connect/{token}", get(connect_pick))
        .route(
            "/connect/{token}/{connector}",
            get(connect_form).post(connect_submit),
        )
        .route("/guides/{connector}", get(guide))
        .route("/static/hub.css", get(stylesheet))
        .route("/static/hub.js", get(script))
        .fallback(not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for name in [
            "base.html",
            "message.html",
            "signin.html",
            "connect_pick.html",
            "connect_form.html",
            "connect_done.html",
            "accounts.html",
            "account.html",
            "keys.html",
            "key_shown.html",
            "guide.html",
            "webhooks.html",
        ] {
            assert!(templates().get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn values_in_pages_are_html_escaped() {
        let page = render(
            StatusCode::OK,
            "message.html",
            context! { title => "<script>x</script>", text => "\"quoted\" & <b>", kind => "error" },
        );
        let (_, body) = page.into_parts();
        let bytes = futures_body(body);
        assert!(!bytes.contains("<script>x"), "{bytes}");
        assert!(bytes.contains("&lt;script&gt;"), "{bytes}");
    }

    fn futures_body(body: axum::body::Body) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let bytes = runtime
            .block_on(axum::body::to_bytes(body, 1 << 20))
            .expect("body");
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
