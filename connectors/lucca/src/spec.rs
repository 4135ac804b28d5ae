//! Lucca's declaration (legacy API): the account's subdomain in the host, the API key in Lucca's
//! own `Authorization: lucca application=<key>` scheme, verified by reading one user.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Literal,
    Proof, RequestSpec, SecretHeader, Shape, Source, Status,
};

use crate::guide::GUIDE;

const ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "the key is live but its role may not read users; widen the key's role in Lucca's administration",
}];

/// `/api/v3/users?limit=1` answers `{"header": {…}, "data": {"items": [{"id", "name", "url"}]}}`;
/// the proof is that the list was readable, so an empty list is a success too.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_users", Source::Fixed(Literal::Bool(true))),
        ("first_user_id", Source::Member("/id")),
        ("first_user_name", Source::Member("/name")),
    ],
    ..Proof::new(
        Shape::List,
        &["/data/items", "/items", "/data"],
        "expected {\"data\": {\"items\": [users…]}}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "lucca",
    name: "Lucca",
    category: "HRIS",
    summary: "Lucca is a French HR suite (time off, expenses, payroll and more); its legacy API keys are created by an administrator, each with a dedicated role that decides what it may read.",
    base_url: BaseUrl::Template("https://{subdomain}.ilucca.net"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Lucca legacy API: authentication",
            url: "https://developers.lucca.fr/api-reference/legacy/authentication",
        },
        DocLink {
            title: "Lucca API: authentication (the newer client-credentials API)",
            url: "https://developers.lucca.fr/documentation/using-api/authentication",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &["application_key"],
        label: "API key",
        description: "A Lucca legacy API key, with the account's subdomain.",
        fields: &[
            Field {
                key: "subdomain",
                label: "Subdomain",
                help: "The `acme` of `acme.ilucca.net`: your account's own part of the Lucca address.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("acme"),
                env: Some("LUCCA_SUBDOMAIN"),
                default: None,
            },
            Field {
                key: "api_key",
                label: "API Key",
                help: "Created by an administrator in Lucca's API key settings, with a role that may read users; give it a technical contact.",
                example: Some("EXAMPLE0000lucca0000key0000"),
                ..Field::api_key("LUCCA_API_KEY")
            },
        ],
        auth: Auth::Headers(&[SecretHeader {
            name: "Authorization",
            template: "lucca application={api_key}",
        }]),
        extra_headers: &[],
        verify: RequestSpec {
            query: &[("limit", "1")],
            answers: ANSWERS,
            ..RequestSpec::get(
                "/api/v3/users",
                "the key is live for this Lucca account and its role may read the user directory.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "name", "url", "firstName", "lastName", "mail", "email"],
    assumptions: &[
        "A key whose role may not read users is taken to be answered 403; Lucca documents 401 for an invalid key, and 403 only for the newer API's missing scopes.",
        "`limit=1` is taken to keep the users read to one item, and the answer to hold its list under `data.items`.",
        "Accounts on Lucca's test domain (ilucca-test.net) are not reached by this connector's default host; point it there with `--base-url`.",
        "Lucca publishes no rate limit for the legacy API that was found, so bulk checks use the default rate.",
    ],
};

const _: () = SPEC.assert_valid();
