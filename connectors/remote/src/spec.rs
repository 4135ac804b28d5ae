//! Remote's declaration: a company API token as Bearer, production or sandbox (the token's
//! prefix says which), verified by listing the companies the token may read.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Literal,
    Proof, RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "remote",
    name: "Remote",
    category: "EOR and payroll",
    summary: "Remote is an employer of record and global payroll platform; company admins create API tokens, and a token works only in the environment (production or sandbox) its prefix names.",
    base_url: BaseUrl::Choice {
        field: "environment",
        urls: &[
            ("production", "https://gateway.remote.com"),
            ("sandbox", "https://gateway.remote-sandbox.com"),
        ],
    },
    origins: &[],
    docs: &[
        DocLink {
            title: "Remote API quick start",
            url: "https://developer.remote.com/docs/quick-start-guide",
        },
        DocLink {
            title: "Remote API reference",
            url: "https://developer.remote.com/reference",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_token",
        aliases: &["api_key"],
        label: "API token",
        description: "A Remote company API token, created by a company admin or owner.",
        fields: &[
            Field {
                key: "api_token",
                label: "API token",
                help: "Created by a company admin or owner under Company Settings → Integrations & APIs → Remote API. Production tokens start with ra_live_, sandbox tokens with ra_test_.",
                format: Format::Pattern {
                    regex: "^ra_(live|test)_[A-Za-z0-9_-]+$",
                    description: "ra_live_ or ra_test_ followed by the token",
                },
                example: Some("ra_live_EXAMPLE0000remote0000token"),
                ..Field::api_key("REMOTE_API_TOKEN")
            },
            Field {
                key: "environment",
                label: "Environment",
                help: "production or sandbox. Leave it empty: the token's prefix (ra_live_ or ra_test_) decides.",
                required: false,
                secret: false,
                format: Format::KeyPrefix {
                    key: "api_token",
                    values: &[("production", "ra_live_"), ("sandbox", "ra_test_")],
                },
                example: Some("production"),
                env: Some("REMOTE_ENVIRONMENT"),
                default: None,
            },
        ],
        auth: Auth::Bearer { field: "api_token" },
        extra_headers: &[],
        verify: RequestSpec {
            answers: &[Answer {
                status: 403,
                when: None,
                outcome: Status::Forbidden,
                message: "the token is valid but may not read the company; create a token with the company read scope",
            }],
            ..RequestSpec::get(
                "/v1/companies",
                "the token is live in this environment and may read the company it belongs to.",
            )
        },
        proof: Some(Proof {
            account: &[
                ("company_id", Source::Member("/id")),
                ("company_name", Source::Member("/name")),
                ("can_read_companies", Source::Fixed(Literal::Bool(true))),
            ],
            ..Proof::new(
                Shape::ListOrObject,
                &["/data/companies", "/companies", "/data", ""],
                "expected {\"data\": {\"companies\": [...]}} or a list of companies",
            )
        }),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "name", "email", "company_id"],
    assumptions: &[
        "`GET /v1/companies` is taken as the cheapest read a token may make; Remote's reference lists it, but which scope it needs is not confirmed.",
        "A refused token is taken to be answered 401 and a token without the needed scope 403; Remote does not document these statuses for this endpoint.",
        "The list of companies is read from `data.companies`, `companies` or `data`; the exact envelope is not confirmed.",
        "Rate limit answers are taken to be 429 with `Retry-After`.",
    ],
};

const _: () = SPEC.assert_valid();
