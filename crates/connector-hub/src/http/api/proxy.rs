//! `/api/v1/proxy/{account_id}/{*path}`, any method (scope `proxy`): the request goes on to the
//! account's API with its credential, and the provider's answer comes back as it is, streamed.
//! The path is taken from the request as sent (still percent-encoded), so what is checked is
//! what is forwarded.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;

use crate::http::error::HttpError;
use crate::http::extract::Caller;
use crate::hubkey::Scope;
use crate::service::proxy::ProxyRequest;
use crate::service::Hub;

/// Where proxied routes start.
pub const PROXY_PREFIX: &str = "/api/v1/proxy/";

/// Forwards one call. Errors of the hub itself are JSON `{"error": …}`; anything else is the
/// provider's answer.
pub async fn proxy(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    request: Request,
) -> Result<Response, HttpError> {
    caller.require(Scope::Proxy)?;
    let (parts, body) = request.into_parts();
    let rest = parts
        .uri
        .path()
        .strip_prefix(PROXY_PREFIX)
        .unwrap_or_default();
    let (account_id, path) = rest.split_once('/').unwrap_or((rest, ""));
    let proxied = hub
        .proxy(
            account_id,
            ProxyRequest {
                method: parts.method,
                path: path.to_owned(),
                query: parts.uri.query().map(str::to_owned),
                headers: parts.headers,
                body: reqwest::Body::wrap_stream(body.into_data_stream()),
            },
        )
        .await?;
    let mut response = Response::new(Body::from_stream(proxied.body.bytes_stream()));
    *response.status_mut() = proxied.status;
    *response.headers_mut() = proxied.headers;
    Ok(response)
}

/// One path segment the proxy always accepts, as the document describes `path`: it cannot
/// express several segments, since a client encodes `/` in a path parameter.
const SEGMENT: &str = "^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,200}$";

/// The OpenAPI operations of the proxy (one handler, every method): documented by hand, since
/// the path after the account id is free.
#[derive(Debug)]
pub struct ProxyDoc;

impl utoipa::Modify for ProxyDoc {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
        use utoipa::openapi::{
            ContentBuilder, PathItem, Ref, Required, ResponseBuilder, ResponsesBuilder,
        };
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        let string_param = |name: &str, description: &str, pattern: Option<&str>| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::String)
                        .pattern(pattern),
                ))
                .build()
        };
        let operation = |method: &str| {
            OperationBuilder::new()
                .operation_id(Some(format!("proxy_{method}")))
                .tag("proxy")
                .summary(Some(format!("{} through the proxy", method.to_uppercase())))
                .description(Some(
                    "Sends the request to the account's API base URL joined with `path` and the \
                     query, with the account's credential applied as its check applies it. The \
                     caller's Authorization, Cookie, Host, Proxy-* and hop-by-hop headers stay \
                     behind; redirects come back as they are; the provider's Set-Cookie and any \
                     header carrying part of the account's secrets are dropped. A path that \
                     would leave the base (`..`, encoded slashes, a backslash, `@`, a scheme) \
                     is refused with 400 before anything is sent. Needs the `proxy` scope.",
                ))
                .parameter(string_param("account_id", "The linked account's id.", None))
                .parameter(string_param(
                    "path",
                    "The provider path after the account's API base URL, e.g. `v1/candidates` \
                     (segments split by plain `/`; the pattern describes one segment).",
                    Some(SEGMENT),
                ))
                .responses(
                    ResponsesBuilder::new()
                        .response(
                            "default",
                            ResponseBuilder::new()
                                .description("The provider's answer, passed through.")
                                .build(),
                        )
                        .response("400", error("The path would leave the account's API base."))
                        .response("401", error("No valid hub key."))
                        .response("403", error("The hub key lacks the `proxy` scope."))
                        .response("404", error("No account has this id."))
                        .response(
                            "409",
                            error("The account's stored credentials cannot make a request, or its connector takes the key inside each request's body (`body_credential`), which the proxy cannot add."),
                        )
                        .response(
                            "502",
                            error(
                                "The provider could not be reached, or its token exchange failed.",
                            ),
                        )
                        .response(
                            "504",
                            error("The provider did not start answering in time."),
                        )
                        .build(),
                )
                .security(utoipa::openapi::security::SecurityRequirement::new(
                    "hub_key",
                    Vec::<String>::new(),
                ))
                .build()
        };
        let mut item = PathItem::new(HttpMethod::Get, operation("get"));
        for (method, name) in [
            (HttpMethod::Post, "post"),
            (HttpMethod::Put, "put"),
            (HttpMethod::Patch, "patch"),
            (HttpMethod::Delete, "delete"),
        ] {
            item.merge_operations(PathItem::new(method, operation(name)));
        }
        openapi
            .paths
            .paths
            .insert("/api/v1/proxy/{account_id}/{path}".to_owned(), item);
    }
}
