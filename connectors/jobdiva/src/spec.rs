//! JobDiva's declaration: a client id, username and password exchanged for a session token by
//! `GET /apiv2/authenticate`, whose answer is the bare token; issuing the token is the proof.

use connector_core::{
    Answer, Auth, BaseUrl, ClientAuth, ConnectorSpec, CredentialVariant, DocLink, Field, Format,
    Literal, Proof, RequestSpec, Shape, Source, Status, TokenExchange,
};

use crate::guide::GUIDE;

/// The sign-in: the credentials in the query of a GET (the password masked wherever the URL is
/// shown, logged or recorded); the answer is the token itself.
const AUTHENTICATE: TokenExchange = TokenExchange {
    origin: None,
    request: RequestSpec {
        query: &[
            ("clientid", "{client_id}"),
            ("username", "{username}"),
            ("password", "{password}"),
        ],
        answers: &[
            Answer {
                status: 401,
                when: None,
                outcome: Status::Rejected,
                message: "the client id, username or password was refused",
            },
            Answer {
                status: 403,
                when: None,
                outcome: Status::Forbidden,
                message: "the user may not use the API; ask your JobDiva administrator to enable API access for it",
            },
        ],
        ..RequestSpec::get(
            "/apiv2/authenticate",
            "the client id, username and password sign in to the API.",
        )
    },
    client: ClientAuth::Body,
    token: "",
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "jobdiva",
    name: "JobDiva",
    category: "ATS (hiring)",
    summary: "JobDiva is an applicant tracking system for staffing agencies; its API signs a user in with the company's client id, a username and a password, and answers a session token.",
    base_url: BaseUrl::Template("https://api.jobdiva.com"),
    origins: &[],
    docs: &[DocLink {
        title: "JobDiva API",
        url: "https://api.jobdiva.com/jobdiva-api.html",
    }],
    variants: &[CredentialVariant {
        name: "password",
        aliases: &["api_key"],
        label: "Client id, username and password",
        description: "The company's JobDiva client id and an API user's username and password.",
        fields: &[
            Field {
                key: "client_id",
                label: "Client ID",
                help: "Your company's JobDiva client id, a number of four digits.",
                required: true,
                secret: false,
                format: Format::Pattern {
                    regex: "^[0-9]{4}$",
                    description: "four digits",
                },
                example: Some("1234"),
                env: Some("JOBDIVA_CLIENT_ID"),
                default: None,
            },
            Field {
                key: "username",
                label: "Username",
                help: "The JobDiva user the integration signs in as.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("api.user@example.com"),
                env: Some("JOBDIVA_USERNAME"),
                default: None,
            },
            Field {
                key: "password",
                label: "Password",
                help: "That user's JobDiva password.",
                example: Some("EXAMPLE0000jobdiva0000password"),
                ..Field::api_key("JOBDIVA_PASSWORD")
            },
        ],
        auth: Auth::Exchange(&AUTHENTICATE),
        extra_headers: &[],
        // No API request: the session token the sign-in issues is the proof.
        verify: RequestSpec::get(
            "",
            "the client id, username and password sign in to the API and receive a session token.",
        ),
        proof: Some(Proof {
            account: &[("can_sign_in", Source::Fixed(Literal::Bool(true)))],
            ..Proof::new(Shape::Object, &[""], "a session token")
        }),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["username", "email"],
    assumptions: &[
        "The sign-in answers the session token as the whole body (bare text or a JSON string); this follows a secondary source, not JobDiva's own reference.",
        "A wrong client id, username or password is taken to be answered 401, and a user without API access 403; JobDiva does not document these statuses.",
        "The password travels in the sign-in's query string, as the API asks; the connector masks it wherever the URL is shown, logged or recorded.",
    ],
};

const _: () = SPEC.assert_valid();
