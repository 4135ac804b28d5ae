//! The error answers every API operation shares, added to the OpenAPI document from what each
//! operation takes (a hub key, a scope, a JSON body, a query, an id in its path), so the document
//! lists each status the extractors and `HttpError` can answer without repeating them by hand.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Type};

/// Adds the shared error answers to every operation; an answer an operation documents itself
/// keeps its own description when it has one.
#[derive(Debug)]
pub struct SharedResponses;

impl utoipa::Modify for SharedResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_id = path.contains("{id}");
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                add_shared(operation, has_id);
            }
        }
    }
}

fn add_shared(operation: &mut Operation, has_id: bool) {
    let security = operation
        .security
        .as_ref()
        .map(|s| serde_json::to_value(s).unwrap_or_default())
        .unwrap_or_default();
    let secured = security.as_array().is_some_and(|s| !s.is_empty());
    let scoped = security
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|requirement| requirement.as_object())
        .flat_map(|requirement| requirement.values())
        .any(|scopes| scopes.as_array().is_some_and(|s| !s.is_empty()));
    let has_body = operation.request_body.is_some();
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));

    let mut shared: Vec<(&str, Response)> = Vec::new();
    if has_body {
        shared.push((
            "400",
            error("The body is not well-formed JSON (`invalid_body`)."),
        ));
        shared.push((
            "413",
            error("The body is larger than 64 KiB (`invalid_body`)."),
        ));
        shared.push((
            "415",
            error("The body is not sent as `Content-Type: application/json` (`invalid_body`)."),
        ));
    }
    if secured {
        shared.push((
            "401",
            with_header(
                error(
                    "No hub key, or one that is unknown, disabled, revoked or regenerated \
                     (`missing_key`, `invalid_key`, `key_disabled`, `key_revoked`, \
                     `key_regenerated`).",
                ),
                "WWW-Authenticate",
                "`Bearer realm=\"connector-hub\"`.",
                Type::String,
            ),
        ));
        shared.push((
            "429",
            with_header(
                error("Too many failed authentications from this address (`too_many_failures`)."),
                "Retry-After",
                "Seconds to wait before retrying.",
                Type::Integer,
            ),
        ));
        shared.push((
            "500",
            error("The hub's database or master keys failed; its log says why (`internal`)."),
        ));
        shared.push((
            "503",
            with_header(
                error(
                    "The hub did not finish the request in time (`request_timeout`), or runs as \
                     many provider checks as it allows (`busy`); retry after the wait given.",
                ),
                "Retry-After",
                "Seconds to wait before retrying.",
                Type::Integer,
            ),
        ));
    }
    if scoped {
        shared.push((
            "403",
            error("The hub key lacks the scope this operation needs (`insufficient_scope`)."),
        ));
    }
    if has_id {
        shared.push(("404", error("Nothing has this id (`not_found`).")));
    }
    if has_body || has_query {
        shared.push((
            "422",
            error(
                "The body or query is well-formed but refused: a member or parameter is missing, \
                 unknown, of the wrong type or out of range (`invalid_body`, `invalid_request`).",
            ),
        ));
    }
    for (status, response) in shared {
        match operation.responses.responses.get_mut(status) {
            Some(RefOr::T(own)) if own.description.is_empty() => {
                own.description = response.description
            }
            Some(_) => {}
            None => {
                operation
                    .responses
                    .responses
                    .insert(status.to_owned(), RefOr::T(response));
            }
        }
    }
}

/// An error answer with an `ErrorBody`.
fn error(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn with_header(mut response: Response, name: &str, description: &str, kind: Type) -> Response {
    response.headers.insert(
        name.to_owned(),
        HeaderBuilder::new()
            .schema(utoipa::openapi::ObjectBuilder::new().schema_type(kind))
            .description(Some(description))
            .build(),
    );
    response
}
