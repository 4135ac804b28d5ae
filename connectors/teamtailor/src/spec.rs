//! Teamtailor's declaration: `Authorization: Token token=<key>` with the `X-Api-Version` header,
//! the EU or North American host, verified by reading the company.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, ExtraHeader, Field, Format,
    HeaderValueSource, Proof, RequestSpec, SecretHeader, Shape, Source, Status,
};

use crate::guide::GUIDE;

const ANSWERS: &[Answer] = &[
    Answer {
        status: 403,
        when: None,
        outcome: Status::Forbidden,
        message: "the key is valid but its scope may not read the company: `/v1/company` needs a key with the Admin scope",
    },
    Answer {
        status: 406,
        when: None,
        outcome: Status::Unexpected,
        message: "Teamtailor refused the API version {api_version}. Set api_version to a version Teamtailor supports (20240404 is the newest known) and check again",
    },
];

/// `/v1/company` answers JSON:API: `{"data": {"id", "type": "companies", "attributes": {"name",
/// …}}}`.
const PROOF: Proof = Proof {
    required: &["/id"],
    account: &[
        ("company_id", Source::Member("/id")),
        ("company_name", Source::Member("/attributes/name")),
    ],
    ..Proof::new(
        Shape::Object,
        &["/data"],
        "expected {\"data\": {\"id\", \"type\": \"companies\", \"attributes\": {\"name\"}}}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "teamtailor",
    name: "Teamtailor",
    category: "ATS (hiring)",
    summary: "Teamtailor is an applicant tracking and employer branding platform; its API keys are created by company admins with a fixed scope (Public, Internal or Admin) and read or write access.",
    base_url: BaseUrl::Choice {
        field: "region",
        urls: &[
            ("eu", "https://api.teamtailor.com"),
            ("na", "https://api.na.teamtailor.com"),
        ],
    },
    origins: &[],
    docs: &[
        DocLink {
            title: "Teamtailor API documentation",
            url: "https://docs.teamtailor.com/",
        },
        DocLink {
            title: "Company endpoint",
            url: "https://docs.teamtailor.com/#company",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "A Teamtailor API key with the Admin scope, for the region the company is hosted in.",
        fields: &[
            Field {
                help: "Created by a company admin under Settings → Integrations → API keys, with the Admin scope.",
                example: Some("EXAMPLE0000teamtailor0000key0000"),
                ..Field::api_key("TEAMTAILOR_API_KEY")
            },
            Field {
                key: "region",
                label: "Region",
                help: "Where the Teamtailor company is hosted: eu (api.teamtailor.com) or na (api.na.teamtailor.com).",
                required: false,
                secret: false,
                format: Format::Choice(&["eu", "na"]),
                example: Some("eu"),
                env: Some("TEAMTAILOR_REGION"),
                default: Some("eu"),
            },
            Field {
                key: "api_version",
                label: "API version",
                help: "The Teamtailor API version sent in the X-Api-Version header, a date written as eight digits.",
                required: false,
                secret: false,
                format: Format::Pattern {
                    regex: "^[0-9]{8}$",
                    description: "eight digits, a date such as 20240404",
                },
                example: Some("20240404"),
                env: Some("TEAMTAILOR_API_VERSION"),
                default: Some("20240404"),
            },
        ],
        auth: Auth::Headers(&[SecretHeader {
            name: "Authorization",
            template: "Token token={api_key}",
        }]),
        extra_headers: &[ExtraHeader {
            name: "X-Api-Version",
            value: HeaderValueSource::Field("api_version"),
        }],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/v1/company",
                "the key is live in the chosen region, has the Admin scope, and names the company it belongs to.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // Teamtailor publishes no figure here; a modest pace keeps bulk checks clear of its throttling.
    bulk_rate: Some(2.0),
    undocumented: &[],
    identifying: &["id", "name", "subdomain", "website", "self", "email"],
    assumptions: &[
        "A key from one region is presumed not to work on the other region's host; a 401 may mean the region is wrong.",
        "20240404 is the newest `X-Api-Version` seen in use; a newer one may exist and can be set in api_version.",
    ],
};

const _: () = SPEC.assert_valid();
