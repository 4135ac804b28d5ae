//! Planday's declaration: an app's client id and a portal's long-lived refresh token exchanged at
//! `id.planday.com` for a one-hour access token, then the HR API with the token and the
//! `X-ClientId` header, verified by listing departments.

use connector_core::{
    Answer, Auth, BaseUrl, Body, ClientAuth, ConnectorSpec, CredentialVariant, DocLink,
    ExtraHeader, Field, Format, HeaderValueSource, Literal, Origin, Proof, RequestSpec, Shape,
    Source, Status, TokenExchange,
};

use crate::guide::GUIDE;

/// OAuth's refusals of a refresh-token grant (`invalid_grant` for a revoked or unknown token,
/// `invalid_client` for a wrong app id) come as 400 or 401.
const EXCHANGE_ANSWERS: &[Answer] = &[
    Answer {
        status: 400,
        when: None,
        outcome: Status::Rejected,
        message: "the token endpoint refused the refresh token or client id: the token was revoked (the app was disconnected from the portal) or does not belong to this app",
    },
    Answer {
        status: 401,
        when: None,
        outcome: Status::Rejected,
        message: "the token endpoint did not accept the client id and refresh token",
    },
];

const EXCHANGE: TokenExchange = TokenExchange {
    origin: Some("auth"),
    request: RequestSpec {
        answers: EXCHANGE_ANSWERS,
        ..RequestSpec::post(
            "/connect/token",
            Body::Form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "{refresh_token}"),
                ("client_id", "{client_id}"),
            ]),
            "the refresh token is live for this app and gets an access token.",
        )
    },
    client: ClientAuth::Body,
    token: "/access_token",
};

const ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "the app is connected to the portal but may not read departments: add the department read scope to the app and reconnect it",
}];

/// `/hr/v1.0/departments` answers `{"paging": {"offset", "limit", "total"}, "data": [{"id", "name"}…]}`.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_departments", Source::Fixed(Literal::Bool(true))),
        ("department_count", Source::BodyMember("/paging/total")),
        ("department_count", Source::Count),
    ],
    ..Proof::new(
        Shape::List,
        &["/data"],
        "expected {\"paging\": {\"total\"…}, \"data\": [{\"id\", \"name\"}…]}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "planday",
    name: "Planday",
    category: "Workforce management (scheduling)",
    summary: "Planday is a staff scheduling and workforce platform; an API app connected to a portal gets a refresh token that never expires unless revoked, exchanged for one-hour access tokens.",
    base_url: BaseUrl::Template("https://openapi.planday.com"),
    origins: &[Origin {
        name: "auth",
        url: BaseUrl::Template("https://id.planday.com"),
        description: "Planday's identity server: the refresh token and app id are exchanged there for an access token.",
    }],
    docs: &[
        DocLink {
            title: "Planday Open API: authorization",
            url: "https://openapi.planday.com/gettingstarted/authorization",
        },
        DocLink {
            title: "Planday Open API: authorization flow",
            url: "https://openapi.planday.com/gettingstarted/authorization-flow",
        },
    ],
    variants: &[CredentialVariant {
        name: "refresh_token",
        aliases: &["api_key"],
        label: "App id and refresh token",
        description: "A Planday API app's client id (App ID) and the refresh token issued when the app was connected to a portal.",
        fields: &[
            Field {
                key: "client_id",
                label: "Client ID (App ID)",
                help: "The App ID shown for the API app in Planday under Settings → API access (or in the developer portal for the app).",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("EXAMPLE0000-planday-app-id"),
                env: Some("PLANDAY_CLIENT_ID"),
                default: None,
            },
            Field {
                key: "refresh_token",
                label: "Refresh token",
                help: "Shown as the token of the app once an administrator has connected it to the portal under Settings → API access.",
                example: Some("fake0000planday0000EXAMPLE0000refresh"),
                ..Field::api_key("PLANDAY_REFRESH_TOKEN")
            },
        ],
        auth: Auth::Exchange(&EXCHANGE),
        extra_headers: &[ExtraHeader {
            name: "X-ClientId",
            value: HeaderValueSource::Field("client_id"),
        }],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/hr/v1.0/departments",
                "the refresh token is live for this app and portal, and the app may read departments.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "name", "number", "email"],
    assumptions: &[
        "The `X-ClientId` header carrying the App ID on API requests comes from an integration platform's description, not confirmed in Planday's reference.",
        "`GET /hr/v1.0/departments` is taken to be a cheap read needing only the department read scope, answering `{\"paging\": …, \"data\": [...]}`.",
        "Planday does not document its error statuses here: a 400 or 401 from the token endpoint is read as a revoked or foreign refresh token, and a 403 from the API as a missing scope.",
    ],
};

const _: () = SPEC.assert_valid();
