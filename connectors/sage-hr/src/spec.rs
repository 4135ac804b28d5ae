//! Sage HR's declaration: the account's subdomain in the host, the user's API key in the
//! `X-Auth-Token` header, verified by reading the first page of employees.

use connector_core::{
    Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Literal, Proof,
    RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

/// `/employees` answers `{"data": [employee…], "meta": {"total_entries", …}}`; the proof is that
/// the list was readable, so an empty list is a success too.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_employees", Source::Fixed(Literal::Bool(true))),
        ("employees_total", Source::BodyMember("/meta/total_entries")),
        ("first_employee_id", Source::Member("/id")),
    ],
    ..Proof::new(
        Shape::List,
        &["/data"],
        "expected {\"data\": [employees…], \"meta\": {…}}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "sage-hr",
    name: "Sage HR",
    category: "HRIS",
    summary: "Sage HR (formerly CakeHR) is an HR and leave management system; each admin who enables API access gets one personal API key, which reaches all the data the API exposes.",
    base_url: BaseUrl::Template("https://{subdomain}.sage.hr/api"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Sage HR API: get started",
            url: "https://developer.sage.com/hr/get-started/",
        },
        DocLink {
            title: "Sage HR help: how does the Sage HR API work?",
            url: "https://support.sage.hr/en/articles/3246469-how-does-sage-hr-api-work",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &["api_token"],
        label: "API key",
        description: "A Sage HR user's API key, with the account's subdomain.",
        fields: &[
            Field {
                key: "subdomain",
                label: "Subdomain",
                help: "The `acme` of `acme.sage.hr`: your account's own part of the Sage HR address.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("acme"),
                env: Some("SAGE_HR_SUBDOMAIN"),
                default: None,
            },
            Field {
                key: "api_key",
                label: "API Key",
                help: "Shown to an admin under their name → Settings → Integrations → API once API access is enabled there; unique to that user.",
                example: Some("EXAMPLE0000sagehr0000key0000"),
                ..Field::api_key("SAGE_HR_API_KEY")
            },
        ],
        auth: Auth::Header {
            header: "X-Auth-Token",
            field: "api_key",
        },
        extra_headers: &[],
        verify: RequestSpec::get(
            "/employees",
            "the key is live for this Sage HR account and may read its employees.",
        ),
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    // A key cannot be limited by feature: it reaches everything its admin user may reach, and
    // an admin who loses the role loses the key; Sage HR documents no 403 for it.
    undocumented: &[Status::Forbidden],
    identifying: &["id", "email", "first_name", "last_name", "personal_email", "name"],
    assumptions: &[
        "A refused or invalidated key is taken to be answered 401; Sage HR does not document the status.",
        "`GET /employees` is taken to answer `{\"data\": […], \"meta\": {…}}` with the first page of employees; that listing it is cheap is assumed.",
        "Sage HR publishes no rate limit that was found, so bulk checks use the default rate.",
    ],
};

const _: () = SPEC.assert_valid();
