//! Humaans's declaration: an API access token sent as a Bearer token, verified by reading the
//! token owner's own person profile (`GET /api/me`).

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Proof,
    RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

const ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "the token is live but its scopes do not let it read the owner's profile; it needs public:read or private:read",
}];

/// `/api/me` answers the token owner's person object (`id`, `companyId`, `firstName`, …).
const PROOF: Proof = Proof {
    required: &["/id"],
    account: &[
        ("person_id", Source::Member("/id")),
        ("person_name", Source::Text(&["/firstName", "/lastName"])),
        ("person_email", Source::Member("/email")),
        ("company_id", Source::Member("/companyId")),
    ],
    ..Proof::new(
        Shape::Object,
        &[""],
        "expected the token owner's person object {\"id\", \"companyId\", \"firstName\", \"lastName\", \"email\"}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "humaans",
    name: "Humaans",
    category: "HRIS",
    summary: "Humaans is an HR information system; its API access tokens are created by a user, limited by the scopes chosen at creation and by that user's own permissions.",
    base_url: BaseUrl::Template("https://app.humaans.io/api"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Humaans API reference: authentication and scopes",
            url: "https://docs.humaans.io/api/",
        },
        DocLink {
            title: "Humaans help: API scopes",
            url: "https://intercom.help/humaans/en/articles/11124919-api-scopes",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_token",
        aliases: &["api_key", "access_token"],
        label: "API access token",
        description: "A Humaans API access token with at least the public:read scope.",
        fields: &[Field {
            key: "api_token",
            label: "API access token",
            help: "Created by an owner or admin from the workspace menu → API access tokens → Generate new token, with at least public:read. Shown once.",
            format: Format::Pattern {
                regex: "^[A-Za-z0-9]{32}$",
                description: "32 letters and digits",
            },
            example: Some("EXAMPLE0000humaans0000token00000"),
            ..Field::api_key("HUMAANS_API_TOKEN")
        }],
        auth: Auth::Bearer { field: "api_token" },
        extra_headers: &[],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/me",
                "the token is live and names the person who created it, and that person's company.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "companyId", "firstName", "lastName", "email", "name"],
    assumptions: &[
        "A refused token is taken to be answered 401 and a token whose scopes do not cover the profile 403; Humaans documents only that unauthenticated requests fail.",
        "The token format (32 letters and digits) comes from an integration platform's definition, not from Humaans; a token of another shape is only warned about.",
        "`/api/me` is taken to answer the person object bare, with `id`, `companyId`, `firstName`, `lastName` and `email` members.",
        "Humaans publishes no rate limit for its API, so bulk checks use the default rate.",
    ],
};

const _: () = SPEC.assert_valid();
