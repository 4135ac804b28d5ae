//! StackOne's declaration: the key as HTTP Basic username, verified by listing one linked account.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Literal,
    Proof, RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

/// `/accounts` answers a JSON array, or `{"data": [...]}` in some docs.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_accounts", Source::Fixed(Literal::Bool(true))),
        ("has_linked_accounts", Source::NonEmpty),
    ],
    ..Proof::new(
        Shape::List,
        &["", "/data"],
        "expected a JSON array of accounts, or {\"data\": [...]}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "stackone",
    name: "StackOne",
    category: "Unified API platform",
    summary: "StackOne is a unified API over many HR, ATS, CRM and LMS providers; its API keys belong to a project and carry scopes.",
    base_url: BaseUrl::Template("https://api.stackone.com"),
    origins: &[],
    docs: &[
        DocLink {
            title: "API keys",
            url: "https://docs.stackone.com/guides/api-keys",
        },
        DocLink {
            title: "List accounts",
            url: "https://docs.stackone.com/platform/api-reference/accounts/list-accounts",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "A project API key with the Platform API read scope.",
        fields: &[Field {
            help: "Created under Project Settings → API Keys. Needs the Platform API read scope (on by default).",
            format: Format::Pattern {
                regex: r"^v1\.[a-z0-9-]+\.\S+$",
                description: "a key of the form v1.<region>.<random> (e.g. v1.eu1.…)",
            },
            example: Some("v1.eu1.EXAMPLEexampleEXAMPLEexample"),
            ..Field::api_key("STACKONE_API_KEY")
        }],
        auth: Auth::basic_key("api_key"),
        extra_headers: &[],
        verify: RequestSpec {
        query: &[("page_size", "1")],
        // 412: the StackOne account itself is suspended; the key may be fine.
        answers: &[Answer {
            status: 412,
            when: None,
            outcome: Status::Forbidden,
            message: "the StackOne account is suspended; contact StackOne support to restore it",
        }],
        ..RequestSpec::get("/accounts", "the key is enabled and holds the Platform API read scope needed to list linked accounts.")
    },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "origin_owner_id", "origin_owner_name", "email"],
    assumptions: &[
        "The accounts list is documented both as a bare JSON array and as `{\"data\": [...]}`; both are accepted.",
        "Whether EU and US projects need regional API hosts is not documented; the global host is the default and --base-url selects another.",
    ],
};

const _: () = SPEC.assert_valid();
