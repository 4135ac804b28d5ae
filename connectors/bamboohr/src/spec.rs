//! BambooHR's declaration: the company's subdomain in the base URL, the key as HTTP Basic user
//! name with the password `x`, verified by reading the key owner's own employee record.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Part, Proof,
    RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

const COMPANY_DOMAIN: Field = Field {
    key: "company_domain",
    label: "Company domain",
    help: "The first part of your BambooHR address: `acme` for acme.bamboohr.com.",
    required: true,
    secret: false,
    format: Format::Text,
    example: Some("acme"),
    env: Some("BAMBOOHR_COMPANY_DOMAIN"),
    default: None,
};

const ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "the key was accepted, but its user lacks the privileges to read their own employee record, or the user has been disabled",
}];

/// `/employees/0?fields=firstName,lastName` answers a flat object with the requested fields and
/// the employee's `id`: the user the key belongs to.
const PROOF: Proof = Proof {
    required: &["/id"],
    account: &[
        ("employee_id", Source::Member("/id")),
        ("employee_first_name", Source::Member("/firstName")),
        ("employee_last_name", Source::Member("/lastName")),
    ],
    ..Proof::new(
        Shape::Object,
        &[""],
        "expected an employee object {\"id\", \"firstName\", \"lastName\"}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "bamboohr",
    name: "BambooHR",
    category: "HRIS",
    summary: "BambooHR is an HR information system for small and medium businesses; its API keys belong to a user and act with that user's permissions.",
    base_url: BaseUrl::Template("https://api.bamboohr.com/api/gateway.php/{company_domain}/v1"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Getting started with the BambooHR API",
            url: "https://documentation.bamboohr.com/docs/getting-started",
        },
        DocLink {
            title: "Get employee",
            url: "https://documentation.bamboohr.com/reference/get-employee",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "A BambooHR user's API key, with the company's subdomain.",
        fields: &[
            COMPANY_DOMAIN,
            Field {
                help: "Created by clicking your name in BambooHR, then API Keys → Add New Key. Shown once; it acts with your own permissions.",
                format: Format::Pattern {
                    regex: "^[0-9a-f]{40}$",
                    description: "40 lowercase hexadecimal characters",
                },
                example: Some("0000e1a2b3c4d5e6f70000000000000000000000"),
                ..Field::api_key("BAMBOOHR_API_KEY")
            },
        ],
        auth: Auth::Basic {
            username: Part::Field("api_key"),
            password: Part::Fixed("x"),
        },
        extra_headers: &[],
        verify: RequestSpec {
            query: &[("fields", "firstName,lastName")],
            // Without it BambooHR answers XML.
            headers: &[("Accept", "application/json")],
            answers: ANSWERS,
            ..RequestSpec::get(
                "/employees/0",
                "the key is active, its user is enabled, and names the employee the key belongs to.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // BambooHR publishes no figure; a modest pace keeps bulk checks clear of its throttling.
    bulk_rate: Some(5.0),
    undocumented: &[],
    identifying: &["id", "firstName", "lastName", "email", "workEmail", "displayName"],
    assumptions: &[
        "Keys are taken to be 40 lowercase hexadecimal characters (from an integration platform, not BambooHR's own docs); another shape gets a warning and is checked anyway.",
        "Employee id 0 stands for the key's own user, so `/employees/0` reads the key owner's record.",
        "Throttling is a 429 with `Retry-After` (BambooHR's behaviour since 2026-09-16); a 503 is read as BambooHR being unavailable, not as a rate limit.",
        "The bodies of 401 and 403 answers are not documented; the status alone decides the outcome.",
    ],
};

const _: () = SPEC.assert_valid();
