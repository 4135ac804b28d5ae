//! Personio's declaration: a client ID and secret exchanged in a form body for an access token on
//! the API's own origin (`POST /v2/auth/token`), then `GET /v2/persons?limit=1` with the token.

use connector_core::{
    Answer, Auth, BaseUrl, Body, ClientAuth, ConnectorSpec, CredentialVariant, DocLink, Field,
    Format, Literal, Match, Proof, RequestSpec, Shape, Source, Status, TokenExchange,
};

use crate::guide::GUIDE;

const EXCHANGE: TokenExchange = TokenExchange {
    origin: None,
    request: RequestSpec {
        answers: &[
            Answer {
                status: 400,
                when: None,
                outcome: Status::Rejected,
                message: "the token endpoint refused the client ID and secret (wrong, deleted, or not from the same credential)",
            },
            Answer {
                status: 401,
                when: None,
                outcome: Status::Rejected,
                message: "the token endpoint refused the client ID and secret (wrong, deleted, or not from the same credential)",
            },
            Answer {
                status: 403,
                when: None,
                outcome: Status::Forbidden,
                message: "the token endpoint recognised the credential but would not issue it a token",
            },
        ],
        ..RequestSpec::post(
            "/v2/auth/token",
            Body::Form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "{client_id}"),
                ("client_secret", "{client_secret}"),
            ]),
            "the client ID and secret may get an access token.",
        )
    },
    client: ClientAuth::Body,
    token: "/access_token",
};

const ANSWERS: &[Answer] = &[
    Answer {
        status: 403,
        when: Some(Match::Contains("Insufficient access scope")),
        outcome: Status::Forbidden,
        message: "the credential works but its scopes do not include reading persons; add the persons read scope to the custom integration",
    },
    Answer {
        status: 403,
        when: None,
        outcome: Status::Forbidden,
        message: "the credential works but may not read persons",
    },
];

/// `/v2/persons?limit=1` answers `{"_data": [person], "_meta": {…}}`; an empty list is still proof
/// that persons are readable.
const PROOF: Proof = Proof {
    account: &[
        ("can_read_persons", Source::Fixed(Literal::Bool(true))),
        ("first_person_id", Source::Member("/id")),
    ],
    ..Proof::new(
        Shape::List,
        &["/_data"],
        "expected {\"_data\": [persons…], \"_meta\": …}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "personio",
    name: "Personio",
    category: "HRIS",
    summary: "Personio is an HR platform for small and mid-sized companies; its API v2 uses custom integrations whose client ID and secret are exchanged for a short-lived access token.",
    base_url: BaseUrl::Template("https://api.personio.de"),
    origins: &[],
    docs: &[DocLink {
        title: "Personio developer hub",
        url: "https://developer.personio.de/",
    }],
    variants: &[CredentialVariant {
        name: "client_credentials",
        aliases: &["api_v2"],
        label: "API credentials (client ID and secret)",
        description: "The client ID and secret of a Personio custom integration (API v2).",
        fields: &[
            Field {
                key: "client_id",
                label: "Client ID",
                help: "Shown for the custom integration under Settings → Integrations → API credentials.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("papi-00000000-example"),
                env: Some("PERSONIO_CLIENT_ID"),
                default: None,
            },
            Field {
                key: "client_secret",
                label: "Client secret",
                help: "Shown once, when the custom integration is created under Settings → Integrations → API credentials.",
                example: Some("EXAMPLE0000personio0000secret0000"),
                ..Field::api_key("PERSONIO_CLIENT_SECRET")
            },
        ],
        auth: Auth::Exchange(&EXCHANGE),
        extra_headers: &[],
        verify: RequestSpec {
            query: &[("limit", "1")],
            answers: ANSWERS,
            ..RequestSpec::get(
                "/v2/persons",
                "the client ID and secret belong to a live custom integration whose scopes let it read persons.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // The token endpoint allows 150 requests a minute (then one a second for a minute), and a
    // check makes two requests.
    bulk_rate: Some(1.0),
    undocumented: &[],
    identifying: &["id", "first_name", "last_name", "email", "href"],
    assumptions: &[
        "The exact v2 statuses for bad client credentials could not be confirmed: any 400 or 401 from the token endpoint is read as refused credentials.",
        "`GET /v2/persons?limit=1` is taken to be the cheapest read that needs only the persons read scope.",
        "Credentials go in the form body only; the v1 flow that put them in the query string stops working on 2026-12-04 and is not used.",
    ],
};

const _: () = SPEC.assert_valid();
