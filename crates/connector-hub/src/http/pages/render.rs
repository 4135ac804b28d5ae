//! Rendering pages: the templates (compiled in), a `context!` of JSON values for them, the
//! message page that every refusal and error uses, and redirects.

use std::sync::OnceLock;

use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;
use serde_json::Value;

use crate::http::error::HttpError;
use crate::http::extract::{Operator, PageRejection};
use crate::service::HubError;

/// What a template receives: plain JSON.
pub type View = Value;

/// Builds a template context from `key => value` pairs (a bare `key` takes the variable of that
/// name), each value serialized to JSON.
macro_rules! context {
    (@pair $map:ident, $key:ident) => { context!(@pair $map, $key => $key) };
    (@pair $map:ident, $key:ident => $value:expr) => {
        $map.insert(
            stringify!($key).to_owned(),
            serde_json::to_value(&$value).unwrap_or(serde_json::Value::Null),
        );
    };
    ($($key:ident $(=> $value:expr)?),* $(,)?) => {{
        let mut map = serde_json::Map::new();
        $( context!(@pair map, $key $(=> $value)?); )*
        serde_json::Value::Object(map)
    }};
}
pub(crate) use context;

/// Every template, by name.
const TEMPLATES: [(&str, &str); 15] = [
    ("base.html", include_str!("../../../templates/base.html")),
    (
        "message.html",
        include_str!("../../../templates/message.html"),
    ),
    (
        "signin.html",
        include_str!("../../../templates/signin.html"),
    ),
    (
        "connect_pick.html",
        include_str!("../../../templates/connect_pick.html"),
    ),
    (
        "connect_form.html",
        include_str!("../../../templates/connect_form.html"),
    ),
    (
        "connect_done.html",
        include_str!("../../../templates/connect_done.html"),
    ),
    (
        "connect_cancel.html",
        include_str!("../../../templates/connect_cancel.html"),
    ),
    (
        "account_link.html",
        include_str!("../../../templates/account_link.html"),
    ),
    (
        "relink_shown.html",
        include_str!("../../../templates/relink_shown.html"),
    ),
    (
        "accounts.html",
        include_str!("../../../templates/accounts.html"),
    ),
    (
        "account.html",
        include_str!("../../../templates/account.html"),
    ),
    ("keys.html", include_str!("../../../templates/keys.html")),
    (
        "key_shown.html",
        include_str!("../../../templates/key_shown.html"),
    ),
    ("guide.html", include_str!("../../../templates/guide.html")),
    (
        "webhooks.html",
        include_str!("../../../templates/webhooks.html"),
    ),
];

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} is invalid: {e}"));
        }
        env
    })
}

/// Renders a page; a template error is logged and answered with a plain 500.
pub fn render(status: StatusCode, name: &str, ctx: View) -> Response {
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

/// The message page: a title and a text, of a `kind` (`error`, `gone`).
pub fn message(
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

/// An error page for a failed operation, with the status the API would answer.
pub fn page_error(e: HubError, operator: Option<&Operator>) -> Response {
    let e = HttpError::from(e);
    message(
        e.status,
        "error",
        "Something went wrong",
        &e.message,
        operator,
    )
}

pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// The page for a form whose CSRF token is missing or stale.
pub fn csrf_failed(operator: Option<&Operator>) -> Response {
    message(
        StatusCode::FORBIDDEN,
        "error",
        "This form has expired",
        "The form's security token is missing or no longer valid. Go back, reload the page and try again.",
        operator,
    )
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::SignIn => redirect("/signin"),
            PageRejection::Forbidden { operator, text } => message(
                StatusCode::FORBIDDEN,
                "error",
                "Not allowed",
                text,
                Some(&operator),
            ),
            PageRejection::CsrfExpired { operator } => csrf_failed(Some(&operator)),
            PageRejection::Form(rejection) => rejection.into_response(),
        }
    }
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
            "connect_cancel.html",
            "account_link.html",
            "relink_shown.html",
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
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let bytes = runtime
            .block_on(axum::body::to_bytes(body, 1 << 20))
            .expect("body");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("<script>x"), "{text}");
        assert!(text.contains("&lt;script&gt;"), "{text}");
    }
}
