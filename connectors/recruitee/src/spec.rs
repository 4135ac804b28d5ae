//! Recruitee's declaration: a personal API token as a Bearer token, the company id in the path,
//! verified by listing the company's departments.

use connector_core::{
    Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Proof, RequestSpec,
    Shape, Source,
};

use crate::guide::GUIDE;

/// `/departments` answers `{"departments": [{"id", "name", …}]}`; the account counts them and names
/// the first ten.
const PROOF: Proof = Proof {
    account: &[
        ("departments", Source::Count),
        (
            "department_names",
            Source::Each {
                member: "/name",
                most: 10,
            },
        ),
    ],
    ..Proof::new(
        Shape::List,
        &["/departments"],
        "expected {\"departments\": […]}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "recruitee",
    name: "Recruitee",
    category: "ATS (hiring)",
    summary: "Recruitee (part of Tellent) is an applicant tracking system; its personal API tokens belong to one user in one company and last until they are revoked.",
    base_url: BaseUrl::Template("https://api.recruitee.com/c/{company_id}"),
    origins: &[],
    docs: &[DocLink {
        title: "Recruitee API documentation",
        url: "https://docs.recruitee.com/reference",
    }],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &["personal_token"],
        label: "Personal API token",
        description: "A Recruitee personal API token with the id of the company it was created in.",
        fields: &[
            Field {
                key: "company_id",
                label: "Company ID",
                help: "The company's id, shown in the Recruitee app's address after `company=`; it goes into the URL path.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("123456"),
                env: Some("RECRUITEE_COMPANY_ID"),
                default: None,
            },
            Field {
                label: "Personal API token",
                help: "Created under Settings → Apps and plugins → Personal API tokens → New token (your password is asked for). Only you can see it afterwards.",
                example: Some("EXAMPLE0000recruitee0000token0000"),
                ..Field::api_key("RECRUITEE_API_KEY")
            },
        ],
        auth: Auth::Bearer { field: "api_key" },
        extra_headers: &[],
        verify: RequestSpec::get(
            "/departments",
            "the token is live, belongs to a user of this company and may read its departments.",
        ),
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "name", "email", "company_id"],
    assumptions: &[
        "A refused token is taken to be answered 401 and a token without access to the company 403; Recruitee does not document its error statuses.",
        "Rate limits are not published; 429 answers are retried, honouring `Retry-After`.",
    ],
};

const _: () = SPEC.assert_valid();
