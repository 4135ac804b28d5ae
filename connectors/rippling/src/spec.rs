//! Rippling's declaration: an API token as a Bearer token on the REST API, verified by listing
//! the companies the token may read.

use connector_core::{
    Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Proof, RequestSpec, Shape,
    Source,
};

use crate::guide::GUIDE;

/// `/companies` answers `{"results": [{"id", "name", …}], "next_link": …}`.
const PROOF: Proof = Proof {
    one_of: &["/id"],
    account: &[
        ("company_id", Source::Member("/id")),
        ("company_name", Source::Text(&["/name"])),
        ("company_name", Source::Text(&["/legal_name"])),
    ],
    ..Proof::new(
        Shape::List,
        &["/results", "/data", ""],
        "expected {\"results\": [{\"id\", \"name\"}…], \"next_link\": …}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "rippling",
    name: "Rippling",
    category: "HRIS",
    summary: "Rippling is an HR, IT and payroll platform; users create API tokens in its API Tokens app, whose permissions come from the creating user, and send them as Bearer tokens.",
    base_url: BaseUrl::Template("https://rest.ripplingapis.com"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Rippling REST API: API tokens",
            url: "https://developer.rippling.com/documentation/rest-api/guides/api-tokens",
        },
        DocLink {
            title: "Rippling REST API documentation",
            url: "https://developer.rippling.com/documentation/rest-api",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_token",
        aliases: &["api_key"],
        label: "API token",
        description: "A Rippling API token, sent as a Bearer token.",
        fields: &[Field {
            key: "api_token",
            label: "API Token",
            help: "Created in Rippling's API Tokens app (search for it, or Settings): name it, pick the API version and its permissions. Shown once.",
            example: Some("fake0000rippling0000EXAMPLE0000token"),
            ..Field::api_key("RIPPLING_API_TOKEN")
        }],
        auth: Auth::Bearer { field: "api_token" },
        extra_headers: &[],
        verify: RequestSpec::get(
            "/companies",
            "the token is a live Rippling API token that may read its company.",
        ),
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "name", "legal_name", "email"],
    assumptions: &[
        "Rippling names no identity endpoint for tokens; `GET /companies` on rest.ripplingapis.com (from integration platforms' descriptions of the REST API) is taken to be a cheap read any token with company access may make.",
        "The answer is taken to list companies under `results`, each with `id` and `name` (or `legal_name`).",
        "Rippling's error statuses were not confirmed: 401 is taken to mean a wrong or deleted token and 403 a token whose permissions do not cover companies.",
    ],
};

const _: () = SPEC.assert_valid();
