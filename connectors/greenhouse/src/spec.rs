//! Greenhouse's declaration: Harvest v3 OAuth client credentials exchanged for a token at
//! `auth.greenhouse.io`, then the token verified by listing one user.

use connector_core::{
    Answer, Auth, BaseUrl, Body, ClientAuth, ConnectorSpec, CredentialVariant, DocLink, Field,
    Format, Literal, Origin, Proof, RequestSpec, Shape, Source, Status, TokenExchange,
};

use crate::guide::GUIDE;

/// How the token endpoint's refusals read: OAuth's `invalid_client`, `invalid_grant` and
/// `unauthorized_client` come as 400 or 401.
const EXCHANGE_ANSWERS: &[Answer] = &[
    Answer {
        status: 400,
        when: None,
        outcome: Status::Rejected,
        message: "the token endpoint refused the client credentials (an OAuth error such as invalid_client, invalid_grant or unauthorized_client)",
    },
    Answer {
        status: 401,
        when: None,
        outcome: Status::Rejected,
        message: "the token endpoint did not accept the client ID and secret: they are wrong, or the credential was deleted",
    },
    Answer {
        status: 403,
        when: None,
        outcome: Status::Forbidden,
        message: "the token endpoint recognised the client but refused to issue it a token",
    },
];

const EXCHANGE: TokenExchange = TokenExchange {
    origin: Some("auth"),
    request: RequestSpec {
        answers: EXCHANGE_ANSWERS,
        ..RequestSpec::post(
            "/token",
            Body::Form(&[("grant_type", "client_credentials")]),
            "the client ID and secret are valid and may get a Harvest access token.",
        )
    },
    client: ClientAuth::Basic {
        id: "client_id",
        secret: "client_secret",
    },
    token: "/access_token",
};

const VERIFY_ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "the token is valid but may not list users: the credential lacks the harvest:users:list scope",
}];

/// `/users` answers a list of users (bare, or under `data` or `users`). The list proves the token
/// may read users; the first user, when there is one, is named to show whose organization it is
/// (`name`, else `first_name last_name`). An empty list is still a success.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_users", Source::Fixed(Literal::Bool(true))),
        ("first_user_id", Source::Member("/id")),
        ("first_user_name", Source::Text(&["/name"])),
        (
            "first_user_name",
            Source::Text(&["/first_name", "/last_name"]),
        ),
    ],
    ..Proof::new(
        Shape::List,
        &["", "/data", "/users"],
        "expected a JSON array of users, or {\"data\": [...]}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "greenhouse",
    name: "Greenhouse",
    category: "ATS (hiring)",
    summary: "Greenhouse is an applicant tracking system; its Harvest API v3 takes OAuth client credentials, each limited to the endpoints (scopes) chosen when it is created.",
    base_url: BaseUrl::Template("https://harvest.greenhouse.io/v3"),
    origins: &[Origin {
        name: "auth",
        url: BaseUrl::Template("https://auth.greenhouse.io"),
        description: "Greenhouse's OAuth token endpoint: the client ID and secret are exchanged there for an access token.",
    }],
    docs: &[
        DocLink {
            title: "Greenhouse developer documentation",
            url: "https://developers.greenhouse.io/",
        },
        DocLink {
            title: "Harvest API",
            url: "https://developers.greenhouse.io/harvest.html",
        },
    ],
    variants: &[CredentialVariant {
        name: "oauth",
        aliases: &["harvest_v3", "client_credentials"],
        label: "Harvest V3 client credentials",
        description: "A Harvest V3 (OAuth) client ID and secret with at least the harvest:users:list scope.",
        fields: &[
            Field {
                key: "client_id",
                label: "Client ID",
                help: "Shown with the credential in Greenhouse under Configure → Dev Center → API Credentials.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("EXAMPLE-client-0000"),
                env: Some("GREENHOUSE_CLIENT_ID"),
                default: None,
            },
            Field {
                key: "client_secret",
                label: "Client secret",
                help: "Shown once, when the Harvest V3 (OAuth) credential is created.",
                required: true,
                secret: true,
                format: Format::Text,
                example: Some("EXAMPLE0000greenhouse0000secret"),
                env: Some("GREENHOUSE_CLIENT_SECRET"),
                default: None,
            },
        ],
        auth: Auth::Exchange(&EXCHANGE),
        extra_headers: &[],
        verify: RequestSpec {
            query: &[("per_page", "1")],
            answers: VERIFY_ANSWERS,
            ..RequestSpec::get(
                "/users",
                "the client credentials yield a Harvest v3 token that may list the organization's users.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // Harvest v1/v2 allowed 50 requests per 10 seconds (v3's figure is unconfirmed); a check is
    // two requests, the token and the users.
    bulk_rate: Some(2.0),
    undocumented: &[],
    identifying: &["id", "name", "first_name", "last_name", "primary_email_address", "emails"],
    assumptions: &[
        "Harvest v1 and v2 (Basic API keys) were retired on 2026-08-31; only v3 OAuth client credentials are verified.",
        "The exact error bodies of Harvest v3 and of its token endpoint are not confirmed: any 400 or 401 from the token endpoint is a refused credential, a 403 a credential that may not get a token.",
        "Whether `/users` takes `per_page` is not confirmed (cursor pagination is documented); the parameter only keeps the answer small.",
        "The `/users` answer is read as a JSON array of users, or an object holding it under `data` or `users`; an empty list still proves the credential.",
    ],
};

const _: () = SPEC.assert_valid();
