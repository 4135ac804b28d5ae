//! Homerun's declaration: a Bearer key verified by `GET /ping`, which counts as a success only
//! when the answer says `"pong": true`; a 402 means the plan has no API access.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Literal, Match, Proof,
    RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

const ANSWERS: &[Answer] = &[
    Answer {
        status: 402,
        when: None,
        outcome: Status::Forbidden,
        message: "the key is known, but the company's Homerun plan does not include public API access",
    },
    Answer {
        status: 403,
        when: None,
        outcome: Status::Forbidden,
        message: "the key is valid but lacks a scope this request needs; scopes are fixed when a key is created, so create a key with the scopes you need",
    },
];

/// `/ping` answers `{"pong": true}` (the success rule has checked it); it names no account, so the
/// proof is that the API answered this key.
const PROOF: Proof = Proof {
    account: &[("api_access", Source::Fixed(Literal::Bool(true)))],
    ..Proof::new(Shape::Object, &[""], "expected {\"pong\": true}")
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "homerun",
    name: "Homerun",
    category: "ATS (hiring)",
    summary: "Homerun is an applicant tracking system for small and medium teams; its API keys are created in the settings, carry scopes fixed at creation and may expire.",
    base_url: BaseUrl::Template("https://api.homerun.co/v2"),
    origins: &[],
    docs: &[DocLink {
        title: "Homerun API documentation",
        url: "https://developers.homerun.co/",
    }],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "A Homerun API key, created under Settings → Integrations.",
        fields: &[Field {
            help: "Created in Homerun under Settings → Integrations; up to ten keys can be active, each with scopes chosen when it is created.",
            example: Some("EXAMPLE0000homerun0000key0000"),
            ..Field::api_key("HOMERUN_API_KEY")
        }],
        auth: Auth::Bearer { field: "api_key" },
        extra_headers: &[],
        verify: RequestSpec {
            answers: ANSWERS,
            success: Some(Match::Equals {
                pointer: "/pong",
                value: Literal::Bool(true),
            }),
            ..RequestSpec::get(
                "/ping",
                "the key is live and the company's plan includes API access.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // Homerun allows 60 requests a minute.
    bulk_rate: Some(0.9),
    undocumented: &[],
    identifying: &["id", "name", "email"],
    assumptions: &[
        "`/ping` names no company or user: a verified key proves only that it is live and allowed to call the API.",
        "Rate limit answers are taken to be 429 with `Retry-After`; without it retries use the default backoff.",
    ],
};

const _: () = SPEC.assert_valid();
