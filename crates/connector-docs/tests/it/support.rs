//! A made-up connector that exercises every part of a spec the renderers read: two variants,
//! each field format, fixed and field-backed extra headers, a query string, steps with points and
//! warnings, partial troubleshooting hints, assumptions and links.

use connector_core::action::{ActionSpec, Caution, Output, QueryParam};
use connector_core::http::Repeat;
use connector_core::{
    Account, AccountProof, Auth, Connector, ConnectorSpec, CredentialVariant, DocLink, ExtraHeader,
    Field, Format, HeaderValueSource, RequestSpec, SetupGuide, Step, Troubleshooting,
};
use serde_json::Value;

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "acme-jobs",
    name: "Acme Jobs",
    category: "ATS (hiring)",
    summary: "Acme Jobs is a made-up job board used to test the renderers.",
    base_url: connector_core::BaseUrl::Template("https://api.acme.test/v2/"),
    origins: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &[],
    docs: &[DocLink {
        title: "Acme keys",
        url: "https://docs.acme.test/keys",
    }],
    variants: &[
        CredentialVariant {
            name: "api_key",
            aliases: &["org"],
            label: "Organization key",
            description: "A key for one organization.",
            fields: &[
                Field {
                    help: "From Settings → Keys; a | pipe must survive tables.",
                    format: Format::Pattern {
                        regex: r"^ak_(live|test)_\w+$",
                        description: "ak_<mode>_<random>",
                    },
                    example: Some("ak_test_EXAMPLE"),
                    ..Field::api_key("ACME_API_KEY")
                },
                Field {
                    key: "region",
                    label: "Region",
                    help: "Where the organization lives.",
                    required: false,
                    secret: false,
                    format: Format::Choice(&["eu", "us"]),
                    example: None,
                    env: Some("ACME_REGION"),
                    default: Some("eu"),
                },
                Field {
                    key: "sandbox",
                    label: "Sandbox",
                    help: "Use the sandbox.",
                    required: false,
                    secret: false,
                    format: Format::Boolean,
                    example: Some("true"),
                    env: None,
                    default: Some("false"),
                },
            ],
            auth: Auth::Header {
                header: "X-Acme-Key",
                field: "api_key",
            },
            extra_headers: &[
                ExtraHeader {
                    name: "X-Acme-Region",
                    value: HeaderValueSource::Field("region"),
                },
                ExtraHeader {
                    name: "X-Acme-Client",
                    value: HeaderValueSource::Fixed("connector"),
                },
            ],
            verify: RequestSpec {
                query: &[("fields", "id"), ("limit", "1")],
                ..RequestSpec::get("/me", "the key is live and names its organization.")
            },
            proof: None,
        },
        CredentialVariant {
            name: "partner",
            aliases: &[],
            label: "Partner key",
            description: "A key that manages other organizations.",
            fields: &[Field {
                format: Format::Uuid,
                ..Field::api_key("ACME_PARTNER_KEY")
            }],
            auth: Auth::basic_key("api_key"),
            extra_headers: &[],
            verify: RequestSpec::get("/partners/me", "the key is a live partner key."),
            proof: None,
        },
    ],
    guide: SetupGuide {
        prerequisites: &["An Acme admin."],
        steps: &[
            Step {
                title: "Open the keys page",
                body: "Open Settings, then Keys.",
                points: &["Only admins see this page."],
                warnings: &[],
            },
            Step {
                title: "Create the key.",
                body: "Press New key and copy it.",
                points: &[],
                warnings: &["It is shown once."],
            },
        ],
        lifecycle: &["Rotating the key invalidates the old one."],
        troubleshooting: Troubleshooting {
            forbidden: Some("Give the key the read:org scope."),
            ..Troubleshooting::NONE
        },
    },
    actions: &[ActionSpec {
        id: "mint-key",
        name: "Mint a key",
        description: "Creates a key for a member organization.",
        variant: "partner",
        inputs: &[
            Field {
                key: "org_id",
                label: "Organization ID",
                help: "The member organization.",
                required: true,
                secret: false,
                format: Format::Uuid,
                example: None,
                env: None,
                default: None,
            },
            Field {
                key: "replace",
                label: "Replace",
                help: "Revoke the current key first.",
                required: false,
                secret: false,
                format: Format::Boolean,
                example: None,
                env: None,
                default: Some("false"),
            },
        ],
        request: RequestSpec::post("/orgs/{org_id}/keys", connector_core::Body::Json("{}"), ""),
        query: &[QueryParam {
            name: "replace",
            input: "replace",
            omit_when: Some("false"),
        }],
        repeat: Repeat::OnlyIfRefused,
        outputs: &[Output {
            key: "api_key",
            label: "API key",
            description: "The new key.",
            secret: true,
            pointer: "/data/key",
        }],
        cautions: &[Caution {
            input: "replace",
            when: "true",
            message: "the current key stops working.",
        }],
    }],
    assumptions: &["The 401 body is `{\"error\": <text>}`."],
};

/// The made-up connector.
#[derive(Debug)]
pub struct AcmeJobs;

impl Connector for AcmeJobs {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }

    fn account(&self, _variant: &CredentialVariant, _body: &Value) -> Result<AccountProof, String> {
        Ok(AccountProof::new(Account::new()))
    }
}
