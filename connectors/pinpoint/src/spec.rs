//! Pinpoint's declaration: the account's subdomain in the host, the key in `X-API-KEY`, verified
//! by listing jobs; a 403 saying the integration is not enabled means the API toggle is off.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Match, Proof,
    RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

const ANSWERS: &[Answer] = &[
    Answer {
        status: 403,
        when: Some(Match::Contains("Integration not enabled")),
        outcome: Status::Forbidden,
        message: "the key is known, but the API is switched off for this Pinpoint account; an admin turns it on under Settings → API & Webhooks",
    },
    Answer {
        status: 403,
        when: None,
        outcome: Status::Forbidden,
        message: "the key is known but may not list jobs",
    },
];

/// `/jobs` answers JSON:API, `{"data": [{"id", "type": "jobs", "attributes": {…}}], …}`; the
/// account counts the jobs.
const PROOF: Proof = Proof {
    account: &[("jobs_listed", Source::Count)],
    ..Proof::new(Shape::List, &["/data"], "expected {\"data\": [jobs…]}")
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "pinpoint",
    name: "Pinpoint",
    category: "ATS (hiring)",
    summary: "Pinpoint is an applicant tracking system; its API keys are created once the API is switched on for the account, and can be revealed again later.",
    base_url: BaseUrl::Template("https://{subdomain}.pinpointhq.com/api/v1"),
    origins: &[],
    docs: &[DocLink {
        title: "Pinpoint API documentation",
        url: "https://developers.pinpointhq.com/",
    }],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "A Pinpoint API key, with the account's subdomain.",
        fields: &[
            Field {
                key: "subdomain",
                label: "Subdomain",
                help: "The first part of your Pinpoint address: `acme` for acme.pinpointhq.com.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("acme"),
                env: Some("PINPOINT_SUBDOMAIN"),
                default: None,
            },
            Field {
                help: "Created under Settings → API & Webhooks → API Keys once the API is switched on; it can be revealed again there later.",
                example: Some("EXAMPLE0000pinpoint0000key0000"),
                ..Field::api_key("PINPOINT_API_KEY")
            },
        ],
        auth: Auth::Header {
            header: "X-API-KEY",
            field: "api_key",
        },
        extra_headers: &[],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/jobs",
                "the key is live, belongs to this Pinpoint account with the API switched on, and may list its jobs.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "title", "name", "email"],
    assumptions: &[
        "Rate limits are not published; 429 answers are retried, honouring `Retry-After`.",
        "The job list is read as JSON:API (`{\"data\": [...]}`); its length is reported, not its contents.",
    ],
};

const _: () = SPEC.assert_valid();
