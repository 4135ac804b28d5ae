//! HR Cloud's declaration: a service account's customer key and secret, each in its own header
//! (`Customer_Key`, `Customer_Secret`), verified by reading the employee list.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Literal, Proof,
    RequestSpec, SecretHeader, Shape, Source, Status,
};

use crate::guide::GUIDE;

const ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "the service account is live but may not read employees (xEmployee); HR Cloud grants object access on request",
}];

/// `/xEmployee` answers the employees as a list (bare, or under `data`); the proof is that the
/// list was readable, so an empty list is a success too.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_employees", Source::Fixed(Literal::Bool(true))),
        ("first_employee_id", Source::Member("/Id")),
        ("first_employee_id", Source::Member("/id")),
        ("first_employee_id", Source::Member("/_id")),
    ],
    ..Proof::new(
        Shape::List,
        &["", "/data", "/items"],
        "expected a list of employees [{\"Id\", \"xFirstName\", …}]",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "hr-cloud",
    name: "HR Cloud",
    category: "HRIS",
    summary: "HR Cloud is an HR suite (onboarding, people records, time off); its API accepts a service account's customer key and secret, created by a system or HR admin, with object access granted by HR Cloud.",
    base_url: BaseUrl::Template("https://corehr-api.hrcloud.com/v1/cloud"),
    origins: &[],
    docs: &[
        DocLink {
            title: "HR Cloud API: authentication and authorization",
            url: "https://support.hrcloud.com/en/help-center/authentication",
        },
        DocLink {
            title: "HR Cloud API: request format",
            url: "https://support.hrcloud.com/help-center/request",
        },
    ],
    variants: &[CredentialVariant {
        name: "service_account",
        aliases: &["api_key", "customer_key"],
        label: "Service account key and secret",
        description: "The KEY and SECRET of an active HR Cloud service account; both are secret.",
        fields: &[
            Field {
                key: "customer_key",
                label: "Customer key",
                help: "The KEY column of an active service account under System Settings → General → Service Accounts.",
                example: Some("EXAMPLE0000hrcloud0000key"),
                ..Field::api_key("HR_CLOUD_CUSTOMER_KEY")
            },
            Field {
                key: "customer_secret",
                label: "Customer secret",
                help: "The SECRET column of the same service account.",
                example: Some("EXAMPLE0000hrcloud0000secret"),
                ..Field::api_key("HR_CLOUD_CUSTOMER_SECRET")
            },
        ],
        auth: Auth::Headers(&[
            SecretHeader {
                name: "Customer_Key",
                template: "{customer_key}",
            },
            SecretHeader {
                name: "Customer_Secret",
                template: "{customer_secret}",
            },
        ]),
        extra_headers: &[],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/xEmployee",
                "the key and secret are live and the service account may read employees.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["Id", "id", "_id", "xFirstName", "xLastName", "xEmail", "xFullName", "name", "email"],
    assumptions: &[
        "A refused key or secret is taken to be answered 401; HR Cloud documents only 403, for a resource or method the account may not use.",
        "`GET /xEmployee` is taken to be a cheap read that answers a list of employees (bare, or under `data` or `items`); HR Cloud does not say how large the answer is.",
        "The header names `Customer_Key` and `Customer_Secret` hold underscores; a proxy that drops such headers would make every check fail as refused.",
        "HR Cloud also accepts HTTP Basic with a user's name and password; this connector checks the service account only.",
        "HR Cloud publishes no rate limit that was found, so bulk checks use the default rate.",
    ],
};

const _: () = SPEC.assert_valid();
