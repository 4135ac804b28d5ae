//! Deel's declaration: an organization or personal API token sent as a Bearer token to production
//! or the sandbox, verified by reading one contract.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Literal,
    Proof, RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

const ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "the token is live but was not given the scope to read contracts (contracts:read)",
}];

/// `/contracts?limit=1` answers `{"data": [contract…], "page": {"cursor", "total_rows"}}`; the
/// proof is that the list was readable, so an empty list is a success too.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_contracts", Source::Fixed(Literal::Bool(true))),
        ("contracts_total", Source::BodyMember("/page/total_rows")),
        ("first_contract_id", Source::Member("/id")),
    ],
    ..Proof::new(
        Shape::List,
        &["/data"],
        "expected {\"data\": [contracts…], \"page\": {…}}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "deel",
    name: "Deel",
    category: "EOR and payroll",
    summary: "Deel runs global payroll, contractors and employer-of-record hiring; its API tokens are made in the Developer Center, either for the whole organization or for one user, with scopes chosen at creation.",
    base_url: BaseUrl::Choice {
        field: "environment",
        urls: &[
            ("production", "https://api.letsdeel.com/rest/v2"),
            ("sandbox", "https://api-sandbox.demo.deel.com/rest/v2"),
        ],
    },
    origins: &[],
    docs: &[
        DocLink {
            title: "Deel API: authentication and API tokens",
            url: "https://developer.deel.com/docs/api-tokens-1",
        },
        DocLink {
            title: "Deel API: rate limits",
            url: "https://developer.deel.com/api/rate-limits",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_token",
        aliases: &["api_key", "access_token"],
        label: "API token",
        description: "A Deel organization or personal API token with the contracts:read scope.",
        fields: &[
            Field {
                key: "api_token",
                label: "API token",
                help: "Generated in Deel under More → Developer → Access Tokens → Generate new token (organization or personal), with at least contracts:read. Shown once.",
                example: Some("EXAMPLE0000deel0000token0000"),
                ..Field::api_key("DEEL_API_TOKEN")
            },
            Field {
                key: "environment",
                label: "Environment",
                help: "production for your live Deel organization, sandbox for a Deel sandbox (demo) account.",
                required: false,
                secret: false,
                format: Format::Choice(&["production", "sandbox"]),
                example: Some("production"),
                env: Some("DEEL_ENVIRONMENT"),
                default: Some("production"),
            },
        ],
        auth: Auth::Bearer { field: "api_token" },
        extra_headers: &[],
        verify: RequestSpec {
            query: &[("limit", "1")],
            answers: ANSWERS,
            ..RequestSpec::get(
                "/contracts",
                "the token is live in this environment and may read the organization's contracts (Deel has no endpoint naming a token's owner that every token may call).",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // 5 requests a second per organization, shared by all its tokens.
    bulk_rate: Some(4.0),
    undocumented: &[],
    identifying: &["id", "title", "name", "email", "worker_name", "client"],
    assumptions: &[
        "A refused token is taken to be answered 401 and a token without contracts:read 403; Deel documents only that unauthenticated requests fail.",
        "A sandbox token works only against the sandbox host and a production token only against production.",
        "Deel's 429 carries no Retry-After or rate-limit headers; retries then use the default backoff.",
    ],
};

const _: () = SPEC.assert_valid();
