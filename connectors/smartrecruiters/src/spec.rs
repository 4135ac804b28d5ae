//! SmartRecruiters' declaration: the key in `X-SmartToken`, verified by reading the company.

use connector_core::{
    Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Proof, RequestSpec,
    Shape, Source,
};

use crate::guide::GUIDE;

/// `/configuration/company` answers the company object (`identifier`, `name`, …), bare or in a
/// `data` wrapper.
const PROOF: Proof = Proof {
    account: &[
        ("company_identifier", Source::Member("/identifier")),
        ("company_name", Source::Member("/name")),
    ],
    ..Proof::new(Shape::Object, &["/data", ""], "expected a company object")
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "smartrecruiters",
    name: "SmartRecruiters",
    category: "ATS (hiring)",
    summary: "SmartRecruiters is an applicant tracking system; its API keys are created by administrators and act with the system role and access group chosen for them.",
    base_url: BaseUrl::Template("https://api.smartrecruiters.com"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Authentication",
            url: "https://developers.smartrecruiters.com/docs/authentication",
        },
        DocLink {
            title: "Rate limits",
            url: "https://developers.smartrecruiters.com/docs/rate-limits",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "An API key from the Credential Manager.",
        fields: &[Field {
            help: "Created by an administrator in Settings → Apps & Integrations → Credentials.",
            format: Format::Pattern {
                regex: r"^\S{32}$",
                description: "a 32-character key",
            },
            example: Some("EXAMPLEexampleEXAMPLEexample0000"),
            ..Field::api_key("SMARTRECRUITERS_API_KEY")
        }],
        auth: Auth::Header {
            header: "X-SmartToken",
            field: "api_key",
        },
        extra_headers: &[],
        verify: RequestSpec::get("/configuration/company", "the key is active and its role can read the company's configuration."),
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "identifier", "name", "firstName", "lastName", "email"],
    assumptions: &[
        "Keys are documented as 32 characters, but the provider's own example differs: other lengths get a warning and are checked anyway.",
        "The 401 body is not documented; a `message` field is shown when present.",
        "A sandbox host is not documented; use --base-url to point at one.",
    ],
};

const _: () = SPEC.assert_valid();
