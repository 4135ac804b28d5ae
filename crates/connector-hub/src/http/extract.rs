//! Who may call what, as axum extractors, so a handler's signature says what it needs: the API's
//! [`Caller`] (a hub key, with failures counted toward the limiter) and its JSON [`Body`] and
//! [`Params`]; the pages' [`Operator`] (signed in), [`Admin`] (keys:admin), [`Writer`]
//! (accounts:write) and [`CsrfForm`] (a form carrying the operator's CSRF token).

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::cookies::{cookie, equal, SESSION_COOKIE};
use super::error::HttpError;
use super::peer::client_addr;
use crate::hubkey::Scope;
use crate::limiter::FailureLimiter;
use crate::service::{AuthFailure, Hub, KeyRow};

/// Authenticates `presented` from `addr`. A valid key is accepted whoever else failed from the
/// same address; a failure is counted in `limiter`, and an address over its limit gets 429.
pub async fn authenticate(
    hub: &Hub,
    limiter: &FailureLimiter,
    addr: IpAddr,
    presented: &str,
) -> Result<KeyRow, HttpError> {
    let failure = match hub.authenticate(presented).await? {
        Ok(key) => return Ok(key),
        Err(failure) => failure,
    };
    if let Some(wait) = limiter.blocked(addr) {
        let mut e = HttpError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_failures",
            "too many failed authentications from this address; wait a minute, then retry with a \
             valid hub key",
        );
        e.retry_after = Some(wait.as_secs());
        return Err(e);
    }
    limiter.failed(addr);
    Err(HttpError::new(
        StatusCode::UNAUTHORIZED,
        failure.code(),
        failure.message(),
    ))
}

/// The hub key that made an API request.
#[derive(Debug, Clone)]
pub struct Caller(pub KeyRow);

impl Caller {
    /// Refuses the request unless the key has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), HttpError> {
        if self.0.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(HttpError::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!(
                    "this hub key lacks the `{}` scope; create a key that has it on the Keys page",
                    scope.as_str()
                ),
            ))
        }
    }

    pub fn actor(&self) -> String {
        format!("hub key {} ({})", self.0.name, self.0.id)
    }
}

impl FromRequestParts<Arc<Hub>> for Caller {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, HttpError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let presented = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .unwrap_or(if header.is_empty() { "" } else { "\u{0}" });
        if presented.is_empty() {
            return Err(HttpError::new(
                StatusCode::UNAUTHORIZED,
                AuthFailure::Missing.code(),
                AuthFailure::Missing.message(),
            ));
        }
        let addr = client_addr(&parts.headers, &parts.extensions, &hub.trusted_proxies);
        authenticate(hub, &hub.limiter, addr, presented)
            .await
            .map(Caller)
    }
}

/// A JSON body whose rejection is a JSON error naming what is wrong, with axum's status: 400 when
/// the body is not JSON, 413 when it is over the limit, 415 without `application/json`, 422 when
/// it does not fit `T` (`api/responses.rs` documents the same).
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(HttpError::new(
                rejection.status(),
                "invalid_body",
                format!("the request body was refused: {}", rejection.body_text()),
            )),
        }
    }
}

/// Query parameters whose rejection is a JSON error with 422: a parameter of the wrong type, out
/// of what `T` takes, or unknown when `T` denies unknown fields.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, HttpError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(HttpError::invalid(format!(
                "the query string was refused: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// A signed-in operator: the hub key they signed in with and their session's CSRF token. The
/// key must still be enabled.
#[derive(Debug, Clone)]
pub struct Operator {
    pub key: KeyRow,
    pub csrf: String,
}

impl Operator {
    /// What the page templates show of the operator.
    pub fn view(&self) -> Value {
        serde_json::json!({
            "name": self.key.name,
            "masked": format!("••••{}", self.key.tail),
            "csrf": self.csrf,
            "admin": self.admin(),
        })
    }

    pub fn admin(&self) -> bool {
        self.key.scopes.contains(&Scope::KeysAdmin)
    }

    pub fn can_read_accounts(&self) -> bool {
        self.admin() || self.key.scopes.contains(&Scope::AccountsRead)
    }

    pub fn can_write_accounts(&self) -> bool {
        self.key.scopes.contains(&Scope::AccountsWrite)
    }

    pub fn actor(&self) -> String {
        format!("hub key {} ({}) in the browser", self.key.name, self.key.id)
    }

    /// A page refusing this operator, saying what they lack.
    pub fn forbidden(&self, text: &'static str) -> PageRejection {
        PageRejection::Forbidden {
            operator: Box::new(self.clone()),
            text,
        }
    }
}

/// Why a page request was refused before its handler ran; the pages render each one.
#[derive(Debug)]
pub enum PageRejection {
    /// Not signed in (or the key no longer may be): off to the sign-in page.
    SignIn,
    /// Signed in without the scope the page needs.
    Forbidden {
        operator: Box<Operator>,
        text: &'static str,
    },
    /// The form's CSRF token is missing or not the session's.
    CsrfExpired { operator: Box<Operator> },
    /// The body is not a form.
    Form(FormRejection),
}

impl FromRequestParts<Arc<Hub>> for Operator {
    type Rejection = PageRejection;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, PageRejection> {
        if let Some(operator) = parts.extensions.get::<Operator>() {
            return Ok(operator.clone());
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(PageRejection::SignIn)?;
        let session = hub.operator(&token).await.ok_or(PageRejection::SignIn)?;
        let operator = Operator {
            key: session.key,
            csrf: session.csrf,
        };
        // A `CsrfForm` later in the same handler checks against this session.
        parts.extensions.insert(operator.clone());
        Ok(operator)
    }
}

/// A signed-in operator whose key has the keys:admin scope.
#[derive(Debug)]
pub struct Admin(pub Operator);

impl FromRequestParts<Arc<Hub>> for Admin {
    type Rejection = PageRejection;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, PageRejection> {
        let operator = Operator::from_request_parts(parts, hub).await?;
        if !operator.admin() {
            return Err(
                operator.forbidden("Only a key with the keys:admin scope can manage hub keys.")
            );
        }
        Ok(Admin(operator))
    }
}

/// A signed-in operator whose key has the accounts:write scope.
#[derive(Debug)]
pub struct Writer(pub Operator);

impl FromRequestParts<Arc<Hub>> for Writer {
    type Rejection = PageRejection;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, PageRejection> {
        let operator = Operator::from_request_parts(parts, hub).await?;
        if !operator.can_write_accounts() {
            return Err(operator
                .forbidden("This key cannot change accounts: it needs the accounts:write scope."));
        }
        Ok(Writer(operator))
    }
}

/// A form posted by a signed-in operator, carrying their session's CSRF token in `_csrf`.
pub struct CsrfForm<T>(pub T);

impl<T> std::fmt::Debug for CsrfForm<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Its fields may hold credentials being typed in.
        f.write_str("CsrfForm(..)")
    }
}

/// What a form's fields are read as: the `_csrf` value, for the check.
pub trait CsrfField {
    fn csrf(&self) -> &str;
}

impl CsrfField for Vec<(String, String)> {
    fn csrf(&self) -> &str {
        self.iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

impl<T: DeserializeOwned + CsrfField> FromRequest<Arc<Hub>> for CsrfForm<T> {
    type Rejection = PageRejection;

    async fn from_request(req: Request, hub: &Arc<Hub>) -> Result<Self, PageRejection> {
        let (mut parts, body) = req.into_parts();
        let operator = Operator::from_request_parts(&mut parts, hub).await?;
        let req = Request::from_parts(parts, body);
        let Form(form) = Form::<T>::from_request(req, hub)
            .await
            .map_err(PageRejection::Form)?;
        if !equal(&operator.csrf, form.csrf()) {
            return Err(PageRejection::CsrfExpired {
                operator: Box::new(operator),
            });
        }
        Ok(CsrfForm(form))
    }
}
