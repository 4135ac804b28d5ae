//! Breathe HR's declaration: an API key in `X-API-KEY`, production or sandbox (the key's prefix
//! says which), verified by reading one employee.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Literal,
    Match, Proof, RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "breathe-hr",
    name: "Breathe HR",
    category: "HRIS",
    summary: "Breathe HR is an HR system for small businesses; an account admin enables API access and gets one key per environment, production or sandbox, told apart by its prefix.",
    base_url: BaseUrl::Choice {
        field: "environment",
        urls: &[
            ("production", "https://api.breathehr.com/v1"),
            ("sandbox", "https://api.sandbox.breathehr.info/v1"),
        ],
    },
    origins: &[],
    docs: &[
        DocLink {
            title: "Breathe API requests and responses",
            url: "https://developer.breathehr.com/documentation/request_and_response",
        },
        DocLink {
            title: "Breathe API FAQs",
            url: "https://developer.breathehr.com/community/faqs",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "A Breathe HR API key from the account's API settings.",
        fields: &[
            Field {
                key: "api_key",
                label: "API key",
                help: "Shown under Settings → API setup once API access is enabled. Production keys start with prod-, sandbox keys with sandbox-.",
                format: Format::Pattern {
                    regex: "^(prod|sandbox)-[A-Za-z0-9_-]+$",
                    description: "prod- or sandbox- followed by the key",
                },
                example: Some("prod-EXAMPLE0000breathe0000key0000"),
                ..Field::api_key("BREATHE_HR_API_KEY")
            },
            Field {
                key: "environment",
                label: "Environment",
                help: "production or sandbox. Leave it empty: the key's prefix (prod- or sandbox-) decides.",
                required: false,
                secret: false,
                format: Format::KeyPrefix {
                    key: "api_key",
                    values: &[("production", "prod-"), ("sandbox", "sandbox-")],
                },
                example: Some("production"),
                env: Some("BREATHE_HR_ENVIRONMENT"),
                default: None,
            },
        ],
        auth: Auth::Header {
            header: "X-API-KEY",
            field: "api_key",
        },
        extra_headers: &[],
        verify: RequestSpec {
            query: &[("per_page", "1")],
            answers: &[Answer {
                status: 429,
                when: Some(Match::Contains("Rate Limit Reached")),
                outcome: Status::RateLimited,
                message: "the account's limit of 60 requests a minute is used up; wait a minute",
            }],
            ..RequestSpec::get(
                "/employees",
                "the key is live in this environment and may read the account's employees.",
            )
        },
        proof: Some(Proof {
            account: &[
                ("can_list_employees", Source::Fixed(Literal::Bool(true))),
                ("has_employees", Source::NonEmpty),
            ],
            ..Proof::new(
                Shape::List,
                &["/employees", ""],
                "expected {\"employees\": [...]}",
            )
        }),
    }],
    guide: GUIDE,
    actions: &[],
    // 60 requests per 60 seconds per account.
    bulk_rate: Some(1.0),
    // Breathe documents no answer for a key without access.
    undocumented: &[Status::Forbidden],
    identifying: &["id", "first_name", "last_name", "email", "company"],
    assumptions: &[
        "A refused key is taken to be answered 401 and a key without access 403; Breathe does not document these statuses.",
        "No endpoint naming the account is confirmed (`/v1/account` is not), so a verified key proves only that it may list employees.",
        "The employee list is read from `employees` or the body itself.",
    ],
};

const _: () = SPEC.assert_valid();
