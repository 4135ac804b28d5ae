//! Jobvite's declaration: an API key and a secret key, both secret, each in its own header,
//! verified by reading one job.

use connector_core::{
    Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Literal, Proof, RequestSpec,
    SecretHeader, Shape, Source,
};

use crate::guide::GUIDE;

/// `/job?start=1&count=1` answers `{"requisitions": [...], "total": n, …}`.
const PROOF: Proof = Proof {
    account: &[
        ("can_read_jobs", Source::Fixed(Literal::Bool(true))),
        ("jobs_total", Source::Member("/total")),
    ],
    ..Proof::new(
        Shape::Object,
        &[""],
        "expected an object {\"requisitions\": […], \"total\": n}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "jobvite",
    name: "Jobvite",
    category: "ATS (hiring)",
    summary: "Jobvite is an enterprise applicant tracking system; its API credentials are a key and a secret key issued by Jobvite support, not created in the product.",
    base_url: BaseUrl::Template("https://api.jobvite.com/api/v2"),
    origins: &[],
    docs: &[DocLink {
        title: "Jobvite API documentation",
        url: "https://developer.jobvite.com/",
    }],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key and secret",
        description: "The API key and secret key Jobvite support issues for an integration.",
        fields: &[
            Field {
                help: "Issued by Jobvite support on request, together with the secret key.",
                example: Some("EXAMPLE0000jobvite0000key0000"),
                ..Field::api_key("JOBVITE_API_KEY")
            },
            Field {
                key: "secret_key",
                label: "Secret Key",
                help: "The secret key issued with the API key; both are needed and both are kept secret.",
                example: Some("EXAMPLE0000jobvite0000secret0000"),
                ..Field::api_key("JOBVITE_SECRET_KEY")
            },
        ],
        auth: Auth::Headers(&[
            SecretHeader {
                name: "x-jvi-api",
                template: "{api_key}",
            },
            SecretHeader {
                name: "x-jvi-sc",
                template: "{secret_key}",
            },
        ]),
        extra_headers: &[],
        verify: RequestSpec {
            query: &[("start", "1"), ("count", "1")],
            ..RequestSpec::get(
                "/job",
                "the key pair is live and may read the company's jobs.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // Jobvite allows 15 requests a minute and 850 an hour per key pair: 12 a minute stays under both over an hour's run.
    bulk_rate: Some(0.2),
    undocumented: &[],
    identifying: &["eId", "requisitionId", "title", "email", "companyName"],
    assumptions: &[
        "A refused key pair is taken to be answered 401 and a pair without access 403; Jobvite's error statuses could not be confirmed.",
        "The job list is read as `{\"requisitions\": [...], \"total\": n}`; any JSON object is accepted and `total` reported when present.",
    ],
};

const _: () = SPEC.assert_valid();
