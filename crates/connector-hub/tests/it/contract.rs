//! The OpenAPI document as the API's contract: what it forbids the API refuses with the status it
//! documents, and it lists each status a route can answer, with its required members and bounds.

use crate::support::{send, TestHub};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;

async fn call(
    hub: &TestHub,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {}", hub.admin_key));
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let request = request.body(Body::from(body.to_owned())).expect("request");
    let (response, text) = send(hub, request).await;
    (
        response.status(),
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn get(hub: &TestHub, path: &str) -> (StatusCode, Value) {
    call(hub, Method::GET, path, None, "").await
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("(none)")
}

#[tokio::test]
async fn a_fractional_or_out_of_range_limit_is_refused_with_422() {
    let hub = TestHub::start(&[]).await;
    for path in [
        "/api/v1/accounts?limit=1.5",
        "/api/v1/accounts?limit=0",
        "/api/v1/accounts?limit=501",
        "/api/v1/accounts/acc_0/history?limit=2.5",
    ] {
        let (status, body) = get(&hub, path).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
            "{path}"
        );
    }
    let (status, _) = get(&hub, "/api/v1/accounts?limit=500").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn by_status_takes_only_a_boolean() {
    let hub = TestHub::start(&[]).await;
    for path in [
        "/api/v1/reverify?by_status=yes",
        "/api/v1/reverify?by_status=",
    ] {
        let (status, body) = get(&hub, path).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
            "{path}"
        );
    }
    let (status, queue) = get(&hub, "/api/v1/reverify?by_status=true").await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue["by_status"].is_object(), "{queue}");
    let (status, queue) = get(&hub, "/api/v1/reverify?by_status=false").await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue.get("by_status").is_none(), "{queue}");
}

#[tokio::test]
async fn unknown_query_parameters_are_refused_with_422() {
    let hub = TestHub::start(&[]).await;
    for path in [
        "/api/v1/accounts?limt=5",
        "/api/v1/audit?account=acc_0",
        "/api/v1/reverify?by=true",
    ] {
        let (status, body) = get(&hub, path).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
            "{path}"
        );
    }
    let (status, _) = get(&hub, "/api/v1/audit?account_id=acc_0").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_json_route_answers_415_and_400_as_json() {
    let hub = TestHub::start(&[]).await;
    let (status, body) = call(
        &hub,
        Method::POST,
        "/api/v1/keys",
        Some("text/plain"),
        r#"{"name": "n", "scopes": ["accounts:read"]}"#,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_body")
    );
    let (status, body) = call(
        &hub,
        Method::POST,
        "/api/v1/keys",
        Some("application/json"),
        r#"{"name": "#,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_body")
    );
}

#[tokio::test]
async fn a_blank_name_or_owner_is_refused_and_a_long_unicode_one_counts_characters() {
    let hub = TestHub::start(&[]).await;
    let (status, body) = call(
        &hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some("application/json"),
        r#"{"owner": "  "}"#,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
    );
    let owner = "ü".repeat(200);
    let (status, body) = call(
        &hub,
        Method::POST,
        "/api/v1/connect-sessions",
        Some("application/json"),
        &serde_json::json!({ "owner": owner }).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn the_document_lists_every_status_and_marks_required_members() {
    let hub = TestHub::start(&[]).await;
    let (status, doc) = get(&hub, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let create_key = &doc["paths"]["/api/v1/keys"]["post"]["responses"];
    for status in [
        "201", "400", "401", "403", "413", "415", "422", "429", "500",
    ] {
        assert!(
            create_key.get(status).is_some(),
            "POST /keys lacks {status}"
        );
    }
    assert!(create_key["401"]["headers"]
        .get("WWW-Authenticate")
        .is_some());
    assert!(create_key["429"]["headers"].get("Retry-After").is_some());
    assert_eq!(
        create_key["415"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    let revoke = &doc["paths"]["/api/v1/keys/{id}/revoke"]["post"]["responses"];
    assert!(revoke.get("404").is_some() && revoke.get("415").is_none());
    let schemas = &doc["components"]["schemas"];
    for (schema, member) in [
        ("CreateSession", "owner"),
        ("CreateKey", "name"),
        ("CreateKey", "scopes"),
        ("CreateWebhook", "url"),
    ] {
        let required = schemas[schema]["required"].as_array().expect("required");
        assert!(
            required.iter().any(|r| r == member),
            "{schema}.{member} is not required"
        );
        assert_eq!(schemas[schema]["additionalProperties"], false, "{schema}");
    }
    assert_eq!(
        schemas["CreateWebhook"]["properties"]["url"]["format"],
        "uri"
    );
    let parameters = |path: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .clone()
    };
    let limit = parameters("/api/v1/accounts")
        .into_iter()
        .find(|p| p["name"] == "limit")
        .expect("limit");
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 500);
    let by_status = parameters("/api/v1/reverify")
        .into_iter()
        .find(|p| p["name"] == "by_status")
        .expect("by_status");
    let kind = &by_status["schema"]["type"];
    assert!(
        kind == "boolean"
            || kind
                .as_array()
                .is_some_and(|k| k.contains(&"boolean".into())),
        "{by_status}"
    );
}

#[tokio::test]
async fn the_document_lists_the_credentials_and_actions_routes_with_their_scopes_and_statuses() {
    let hub = TestHub::start(&[]).await;
    let (status, doc) = get(&hub, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for (path, method, scope, statuses) in [
        (
            "/api/v1/accounts/{id}/credentials",
            "get",
            Some("credentials:read"),
            &["200", "401", "403", "404", "429", "500", "503"][..],
        ),
        (
            "/api/v1/connectors/{id}/actions",
            "get",
            None,
            &["200", "401", "404", "429", "500"][..],
        ),
        (
            "/api/v1/accounts/{id}/actions/{action}",
            "post",
            Some("actions:execute"),
            &[
                "200", "400", "401", "403", "404", "413", "415", "422", "429", "500", "503",
            ][..],
        ),
    ] {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is missing");
        for status in statuses {
            assert!(
                operation["responses"].get(*status).is_some(),
                "{method} {path} lacks {status}"
            );
        }
        let scopes = &operation["security"][0]["hub_key"];
        match scope {
            Some(scope) => assert_eq!(scopes, &serde_json::json!([scope]), "{path}"),
            None => assert_eq!(scopes, &serde_json::json!([]), "{path}"),
        }
    }
    let credentials = &doc["paths"]["/api/v1/accounts/{id}/credentials"]["get"]["responses"];
    assert!(credentials["200"]["headers"].get("Cache-Control").is_some());
    assert!(credentials.get("422").is_none());
    let run = &doc["paths"]["/api/v1/accounts/{id}/actions/{action}"]["post"]["responses"];
    for status in ["404", "422"] {
        assert_eq!(
            run[status]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ActionRefused",
            "{status}"
        );
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["RunAction"]["additionalProperties"], false);
    let required = |schema: &str| {
        schemas[schema]["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    for member in [
        "account_id",
        "connector",
        "variant",
        "credentials",
        "base_urls",
    ] {
        assert!(
            required("AccountCredentials").iter().any(|r| r == member),
            "{member}"
        );
    }
    for member in ["status", "secret_outputs", "account_id", "warnings"] {
        assert!(
            required("ActionRunView").iter().any(|r| r == member),
            "{member}"
        );
    }
}

#[tokio::test]
async fn the_run_route_answers_a_documented_status_to_any_body_or_id() {
    let hub = TestHub::start(&[]).await;
    // A body that does not fit is refused before the account is looked up; one that fits goes
    // on to the account (unknown here: 404), whose action then judges each input.
    for (body, content_type, status) in [
        (
            r#"{"inputs": []}"#,
            Some("application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"extra": 1}"#,
            Some("application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"inputs": "#,
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        ("{}", Some("text/plain"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("{}", Some("application/json"), StatusCode::NOT_FOUND),
        (
            r#"{"inputs": {"org_id": [1]}}"#,
            Some("application/json"),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (got, answer) = call(
            &hub,
            Method::POST,
            "/api/v1/accounts/acc_0/actions/create-api-key",
            content_type,
            body,
        )
        .await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["error"]["code"].is_string(), "{answer}");
    }
    let (status, body) = get(&hub, "/api/v1/connectors/%00/actions").await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn the_document_describes_connect_sessions_return_urls_origins_relinks_and_status() {
    let hub = TestHub::start(&[]).await;
    let (status, doc) = get(&hub, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let create = &doc["paths"]["/api/v1/connect-sessions"]["post"]["responses"];
    for status in [
        "201", "400", "401", "403", "404", "409", "413", "415", "422", "429", "500", "503",
    ] {
        assert!(
            create.get(status).is_some(),
            "POST /connect-sessions lacks {status}"
        );
    }
    let refused = create["400"]["description"].as_str().expect("400");
    for code in [
        "invalid_body",
        "invalid_return_url",
        "invalid_origin",
        "allowed_return_origins",
        "frame_ancestors",
    ] {
        assert!(
            refused.contains(code),
            "400 does not name {code}: {refused}"
        );
    }
    assert!(create["409"]["description"]
        .as_str()
        .is_some_and(|d| d.contains("owner_mismatch")));
    let read = &doc["paths"]["/api/v1/connect-sessions/{id}"]["get"];
    for status in ["200", "401", "403", "404", "429", "500", "503"] {
        assert!(
            read["responses"].get(status).is_some(),
            "GET /connect-sessions/{{id}} lacks {status}"
        );
    }
    assert_eq!(
        read["security"][0]["hub_key"],
        serde_json::json!(["connect_sessions:write"])
    );
    let schemas = &doc["components"]["schemas"];
    let create_body = &schemas["CreateSession"];
    for member in ["return_url", "origin", "account_id"] {
        let property = &create_body["properties"][member];
        assert!(property["pattern"].is_string(), "{member}: {property}");
        assert!(
            !create_body["required"]
                .as_array()
                .expect("required")
                .iter()
                .any(|r| r == member),
            "{member} is optional"
        );
    }
    assert_eq!(create_body["properties"]["return_url"]["maxLength"], 2000);
    let view = &schemas["SessionView"];
    for member in ["id", "status", "owner", "connectors", "expires_at"] {
        assert!(
            view["required"]
                .as_array()
                .expect("required")
                .iter()
                .any(|r| r == member),
            "SessionView.{member} is not required"
        );
    }
    assert!(view["properties"].get("url").is_none(), "no token");
    assert_eq!(
        schemas["SessionState"]["enum"],
        serde_json::json!(["pending", "linked", "cancelled", "expired"])
    );
    // Bodies the document allows get the statuses it documents.
    for (body, status, code_expected) in [
        (
            r#"{"owner": "o", "return_url": "https://app.example/back"}"#,
            StatusCode::BAD_REQUEST,
            "invalid_return_url",
        ),
        (
            r#"{"owner": "o", "origin": "https://app.example"}"#,
            StatusCode::BAD_REQUEST,
            "invalid_origin",
        ),
        (
            r#"{"owner": "o", "account_id": "acc_0"}"#,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            r#"{"owner": "o", "return_url": 5}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            r#"{"owner": "o", "return_url": null, "origin": null, "account_id": null}"#,
            StatusCode::CREATED,
            "(none)",
        ),
    ] {
        let (got, answer) = call(
            &hub,
            Method::POST,
            "/api/v1/connect-sessions",
            Some("application/json"),
            body,
        )
        .await;
        assert_eq!(
            (got, code(&answer)),
            (status, code_expected),
            "{body}: {answer}"
        );
    }
}
