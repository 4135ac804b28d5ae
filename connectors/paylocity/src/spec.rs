//! Paylocity's declaration: Weblink API client credentials exchanged in a form body at the
//! environment's IdentityServer for a bearer token, then one employee of the company.

use connector_core::{
    Answer, Auth, BaseUrl, Body, ClientAuth, ConnectorSpec, CredentialVariant, DocLink, Field,
    Format, Literal, Proof, RequestSpec, Shape, Source, Status, TokenExchange,
};

use crate::guide::GUIDE;

/// IdentityServer refuses unknown or wrong client credentials as OAuth errors
/// (`invalid_client`), with 400 or 401.
const EXCHANGE_ANSWERS: &[Answer] = &[
    Answer {
        status: 400,
        when: None,
        outcome: Status::Rejected,
        message: "Paylocity's token endpoint refused the client id and secret (wrong, expired after the yearly rotation, or from the other environment than {environment})",
    },
    Answer {
        status: 401,
        when: None,
        outcome: Status::Rejected,
        message: "Paylocity's token endpoint did not accept the client id and secret",
    },
];

const EXCHANGE: TokenExchange = TokenExchange {
    origin: None,
    request: RequestSpec {
        answers: EXCHANGE_ANSWERS,
        ..RequestSpec::post(
            "/IdentityServer/connect/token",
            Body::Form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "{client_id}"),
                ("client_secret", "{client_secret}"),
            ]),
            "the client id and secret may get a Weblink access token.",
        )
    },
    client: ClientAuth::Body,
    token: "/access_token",
};

const ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "the credentials work but may not read employees of company {company_id}: the company is not granted to this client, or the employee endpoint was not requested",
}];

/// `employees?pagesize=1` answers a JSON array of `{"employeeId", "statusCode", …}`; an empty
/// list still proves the company is readable.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_employees", Source::Fixed(Literal::Bool(true))),
        ("first_employee_id", Source::Member("/employeeId")),
    ],
    ..Proof::new(
        Shape::List,
        &["", "/data"],
        "expected a JSON array of employees: [{\"employeeId\", \"statusCode\"}…]",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "paylocity",
    name: "Paylocity",
    category: "Payroll",
    summary: "Paylocity is a US payroll and HR platform; its Weblink API issues a client id and secret per integration (the secret rotates yearly), exchanged for short-lived bearer tokens scoped to granted companies.",
    base_url: BaseUrl::Choice {
        field: "environment",
        urls: &[
            ("api", "https://api.paylocity.com"),
            ("dc1demogw", "https://dc1demogw.paylocity.com"),
        ],
    },
    origins: &[],
    docs: &[
        DocLink {
            title: "Paylocity: Weblink API authentication",
            url: "https://developer.paylocity.com/integrations/reference/authentication-weblink",
        },
        DocLink {
            title: "Paylocity developer portal",
            url: "https://developer.paylocity.com/",
        },
    ],
    variants: &[CredentialVariant {
        name: "client_credentials",
        aliases: &["api_key"],
        label: "Weblink client id and secret",
        description: "The client id and secret Paylocity issued for a Weblink integration, with the company id they may read.",
        fields: &[
            Field {
                key: "environment",
                label: "Environment",
                help: "api for production, dc1demogw for Paylocity's testing environment.",
                required: false,
                secret: false,
                format: Format::Choice(&["api", "dc1demogw"]),
                example: Some("api"),
                env: Some("PAYLOCITY_ENVIRONMENT"),
                default: Some("api"),
            },
            Field {
                key: "company_id",
                label: "Company ID",
                help: "The Paylocity company id the credentials were granted for.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("EXAMPLE0"),
                env: Some("PAYLOCITY_COMPANY_ID"),
                default: None,
            },
            Field {
                key: "client_id",
                label: "Client ID",
                help: "Sent by Paylocity when the integration's API access was approved.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("EXAMPLE-client-7c3d"),
                env: Some("PAYLOCITY_CLIENT_ID"),
                default: None,
            },
            Field {
                key: "client_secret",
                label: "Client secret",
                help: "Sent with the client id; it must be rotated every 365 days.",
                example: Some("fake0000paylocity0000EXAMPLE0000secret"),
                ..Field::api_key("PAYLOCITY_CLIENT_SECRET")
            },
        ],
        auth: Auth::Exchange(&EXCHANGE),
        extra_headers: &[],
        verify: RequestSpec {
            query: &[("pagesize", "1")],
            answers: ANSWERS,
            ..RequestSpec::get(
                "/api/v2/companies/{company_id}/employees",
                "the client id and secret get a token, and the token may read employees of the company.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // Weblink allows 720 calls a minute; a check costs two (token, then employees).
    bulk_rate: Some(6.0),
    undocumented: &[],
    identifying: &["employeeId", "id", "name", "email"],
    assumptions: &[
        "The token endpoint is taken to accept the client id and secret in the form body with grant_type=client_credentials only; some Paylocity samples also send scope=WebLinkAPI, which is not sent.",
        "`GET /api/v2/companies/{company_id}/employees?pagesize=1` is taken to be the cheapest company-scoped read, answering a JSON array of employees with `employeeId`.",
        "Paylocity documents no status codes here: any 400 or 401 from the token endpoint is read as refused credentials, and 403 from the API as a company or endpoint not granted.",
        "The rate (720 calls a minute) is from an earlier version of Paylocity's Weblink documentation.",
    ],
};

const _: () = SPEC.assert_valid();
