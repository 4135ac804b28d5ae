//! Polytomic's declaration: organization and partner keys, Bearer auth with the API version header,
//! and the identity endpoint as verification.

use connector_core::action::{Caution, Output, QueryParam};
use connector_core::http::Repeat;
use connector_core::{
    ActionSpec, Auth, BaseUrl, Body, ConnectorSpec, CredentialVariant, DocLink, ExtraHeader, Field,
    Format, HeaderValueSource, Literal, Match, Proof, RequestSpec, Shape, Source, Warning,
};

use crate::guide::GUIDE;

/// API versions Polytomic documents, newest first; the newest is the default.
pub const API_VERSIONS: &[&str] = &[
    "2025-09-18",
    "2024-02-08",
    "2023-04-25",
    "2022-12-12",
    "2021-05-23",
];

const API_VERSION: Field = Field {
    key: "api_version",
    label: "API version",
    help: "The Polytomic API version sent in the X-Polytomic-Version header. Leave empty for the newest.",
    required: false,
    secret: false,
    format: Format::Choice(API_VERSIONS),
    example: Some("2025-09-18"),
    env: Some("POLYTOMIC_API_VERSION"),
    default: Some("2025-09-18"),
};

const VERSION_HEADER: &[ExtraHeader] = &[ExtraHeader {
    name: "X-Polytomic-Version",
    value: HeaderValueSource::Field("api_version"),
}];

const VERIFY: RequestSpec = RequestSpec::get(
    "/api/me",
    "the key is live, and names the organization, user and role it acts as.",
);

/// `/api/me` answers `{"data": {organization_name, organization_id, email, role, is_partner, …}}`.
/// Both variants read it alike; each warns when the key is of the other kind.
const PROOF: Proof = Proof {
    one_of: &["/organization_id", "/is_partner"],
    account: &[
        ("organization_name", Source::Member("/organization_name")),
        ("organization_id", Source::Member("/organization_id")),
        ("id", Source::Member("/id")),
        ("email", Source::Member("/email")),
        ("role", Source::Member("/role")),
        ("is_partner", Source::Member("/is_partner")),
        ("is_organization", Source::Member("/is_organization")),
        ("is_user", Source::Member("/is_user")),
        ("is_system", Source::Member("/is_system")),
    ],
    ..Proof::new(
        Shape::Object,
        &["/data", ""],
        "expected {\"data\": {\"organization_id\", \"is_partner\", …}}",
    )
};

/// Whether the key is a partner key, as `/api/me` says.
const fn is_partner(partner: bool) -> Match<'static> {
    Match::Equals {
        pointer: "/is_partner",
        value: Literal::Bool(partner),
    }
}

const ORGANIZATION_PROOF: Proof = Proof {
    warnings: &[Warning {
        when: is_partner(true),
        message: "this is a partner key: it reaches only the Organization and User endpoints; check it with --variant partner",
    }],
    ..PROOF
};

const PARTNER_PROOF: Proof = Proof {
    warnings: &[Warning {
        when: is_partner(false),
        message: "this is an organization key, not a partner key: it cannot manage other organizations; check it without --variant partner",
    }],
    ..PROOF
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "polytomic",
    name: "Polytomic",
    category: "ELT / reverse ETL",
    summary: "Polytomic syncs data between warehouses, databases and business apps; its API keys are specific to one organization, and partner keys manage customer organizations.",
    base_url: BaseUrl::Template("https://app.polytomic.com"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Obtaining API keys",
            url: "https://apidocs.polytomic.com/getting-started/obtaining-api-keys",
        },
        DocLink {
            title: "API versioning",
            url: "https://apidocs.polytomic.com/getting-started/versioning",
        },
    ],
    variants: &[
        CredentialVariant {
            name: "api_key",
            aliases: &["organization"],
            label: "Organization API key",
            description: "A key for one organization, created in the Polytomic settings.",
            fields: &[
                Field {
                    help: "Created in Polytomic under Settings → API keys; it acts on one organization.",
                    format: Format::Uuid,
                    example: Some("00000000-0000-4000-8000-000000000000"),
                    ..Field::api_key("POLYTOMIC_API_KEY")
                },
                API_VERSION,
            ],
            auth: Auth::Bearer { field: "api_key" },
            extra_headers: VERSION_HEADER,
            verify: VERIFY,
            proof: Some(ORGANIZATION_PROOF),
        },
        CredentialVariant {
            name: "partner",
            aliases: &[],
            label: "Partner key",
            description: "A partner key manages customer organizations and their users; it reaches only the Organization and User endpoints. Polytomic support issues it.",
            fields: &[
                Field {
                    label: "Partner Key",
                    help: "Issued by Polytomic support to partners that embed Polytomic.",
                    format: Format::Uuid,
                    example: Some("00000000-0000-4000-8000-000000000000"),
                    ..Field::api_key("POLYTOMIC_PARTNER_KEY")
                },
                API_VERSION,
            ],
            auth: Auth::Bearer { field: "api_key" },
            extra_headers: VERSION_HEADER,
            verify: VERIFY,
            proof: Some(PARTNER_PROOF),
        },
    ],
    guide: GUIDE,
    actions: &[CREATE_API_KEY],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "email", "organization_id", "organization_name", "request_id"],
    assumptions: &[
        "Keys are documented as UUIDs; a key in another format gets a warning and is checked anyway.",
        "The two official SDKs disagree on the 401 body (`{code, error, status, context}` or `{status, message, key, metadata}`); both are read.",
        "Rate limits are not published; `Retry-After` is honoured when present.",
    ],
};

/// A UUID input; not secret.
const fn uuid_input(key: &'static str, label: &'static str, help: &'static str) -> Field<'static> {
    Field {
        key,
        label,
        help,
        required: true,
        secret: false,
        format: Format::Uuid,
        example: Some("00000000-0000-4000-8000-000000000000"),
        env: None,
        default: None,
    }
}

/// Mints an API key for a user of a customer organization, with a partner key.
const CREATE_API_KEY: ActionSpec = ActionSpec {
    id: "create-api-key",
    name: "Create an API key",
    description: "Mints an API key for a user of a customer organization. Needs a partner key. The new key is returned once.",
    variant: "partner",
    inputs: &[
        uuid_input("org_id", "Organization ID", "The customer organization the user belongs to."),
        uuid_input("user_id", "User ID", "The user the key is issued for."),
        Field {
            key: "force",
            label: "Replace existing key",
            help: "true revokes the user's current API key before minting the new one.",
            required: false,
            secret: false,
            format: Format::Boolean,
            example: Some("false"),
            env: None,
            default: Some("false"),
        },
    ],
    request: RequestSpec::post(
        "/api/organizations/{org_id}/users/{user_id}/keys",
        Body::Json("{}"),
        "",
    ),
    query: &[QueryParam {
        name: "force",
        input: "force",
        omit_when: Some("false"),
    }],
    repeat: Repeat::OnlyIfRefused,
    outputs: &[Output {
        key: "api_key",
        label: "API key",
        description: "The new organization API key for the user. Shown once.",
        secret: true,
        pointer: "/data/value",
    }],
    cautions: &[Caution {
        input: "force",
        when: "true",
        message: "force revokes the user's current API key before minting the new one: anything still using the old key stops working.",
    }],
};

const _: () = SPEC.assert_valid();
