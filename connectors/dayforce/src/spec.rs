//! Dayforce's declaration: a web services user's company id, username and password sent in the
//! form body of an OAuth password grant at `dfid.dayforcehcm.com` (never in a URL), then the
//! REST API with the bearer token, verified by listing employee reference codes.

use connector_core::{
    Answer, Auth, BaseUrl, Body, ClientAuth, ConnectorSpec, CredentialVariant, DocLink, Field,
    Format, Literal, Origin, Proof, RequestSpec, Shape, Source, Status, TokenExchange,
};

use crate::guide::GUIDE;

/// The identity server refuses a wrong company, user or password as an OAuth error
/// (`invalid_grant`), with 400 or 401.
const EXCHANGE_ANSWERS: &[Answer] = &[
    Answer {
        status: 400,
        when: None,
        outcome: Status::Rejected,
        message: "Dayforce's identity server refused the sign-in: the company id {company_id}, the username or the password is wrong, or the user is locked or its password expired",
    },
    Answer {
        status: 401,
        when: None,
        outcome: Status::Rejected,
        message: "Dayforce's identity server did not accept the username and password",
    },
];

const EXCHANGE: TokenExchange = TokenExchange {
    origin: Some("auth"),
    request: RequestSpec {
        answers: EXCHANGE_ANSWERS,
        ..RequestSpec::post(
            "/connect/token",
            Body::Form(&[
                ("grant_type", "password"),
                ("companyId", "{company_id}"),
                ("username", "{username}"),
                ("password", "{password}"),
                ("client_id", "Dayforce.HCMAnywhere.Client"),
            ]),
            "the web services user may sign in to the company and get an access token.",
        )
    },
    client: ClientAuth::Body,
    token: "/access_token",
};

const ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "the user signed in but its role may not read employees through web services: enable HCM Anywhere → Web Services → Read Data and the employee authorizations",
}];

/// `Employees` answers `{"Data": [{"XRefCode"}…]}`; an empty list still proves the read.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_employees", Source::Fixed(Literal::Bool(true))),
        ("employees_listed", Source::Count),
    ],
    ..Proof::new(
        Shape::List,
        &["/Data"],
        "expected {\"Data\": [{\"XRefCode\"}…]}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "dayforce",
    name: "Dayforce",
    category: "HCM and payroll",
    summary: "Dayforce (formerly Ceridian) is an HR, payroll and workforce suite; a web services user's company id, username and password are exchanged through an OAuth password grant for a bearer token.",
    base_url: BaseUrl::Template("https://www.dayforcehcm.com/api"),
    origins: &[Origin {
        name: "auth",
        url: BaseUrl::Template("https://dfid.dayforcehcm.com"),
        description: "Dayforce's identity server: the company id, username and password are posted there (form body) for an access token.",
    }],
    docs: &[DocLink {
        title: "Dayforce developer network",
        url: "https://developers.dayforce.com/",
    }],
    variants: &[CredentialVariant {
        name: "password",
        aliases: &["api_key"],
        label: "Web services user",
        description: "The company id, username and password of a Dayforce web services user.",
        fields: &[
            Field {
                key: "company_id",
                label: "Company ID",
                help: "The company id (client namespace) typed on Dayforce's sign-in page, e.g. the acme of www.dayforcehcm.com/acme; also under Company → Settings → General.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("EXAMPLEco"),
                env: Some("DAYFORCE_COMPANY_ID"),
                default: None,
            },
            Field {
                key: "username",
                label: "Username",
                help: "The username of the dedicated web services user created for the integration.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("EXAMPLE-ws-user"),
                env: Some("DAYFORCE_USERNAME"),
                default: None,
            },
            Field {
                key: "password",
                label: "Password",
                help: "The web services user's password; it follows the password policy attached to the user's role.",
                example: Some("fake0000dayforce0000EXAMPLE0000pw"),
                ..Field::api_key("DAYFORCE_PASSWORD")
            },
        ],
        auth: Auth::Exchange(&EXCHANGE),
        extra_headers: &[],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/{company_id}/V1/Employees",
                "the web services user signs in and may read employees through the REST API.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["XRefCode", "id", "name", "email"],
    assumptions: &[
        "The password grant (its form fields, the public client_id Dayforce.HCMAnywhere.Client, and the dfid.dayforcehcm.com host) comes from an integration platform (Nango), not from Dayforce's own reference.",
        "The API host is www.dayforcehcm.com; a tenant served from another client host (which www may redirect to) must be given with --base-url, and the identity host with --base-url auth=URL. A redirect is not followed and ends unexpected.",
        "`GET /api/{company_id}/V1/Employees` is taken to list only employee reference codes under `Data`, making it a light read.",
        "Dayforce documents no status codes here: any 400 or 401 from the identity server is read as a refused sign-in, and 403 from the API as a role without web services read access.",
    ],
};

const _: () = SPEC.assert_valid();
