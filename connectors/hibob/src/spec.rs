//! HiBob's declaration: a service user's id and token as HTTP Basic, production or sandbox, verified
//! by reading the company's named lists.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Part, Proof,
    RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

const ANSWERS: &[Answer] = &[
    Answer {
        status: 401,
        when: None,
        outcome: Status::Rejected,
        message: "the service user ID or token is wrong, or the token was refreshed; a personal API token gets this answer too, as only service users are accepted",
    },
    Answer {
        status: 403,
        when: None,
        outcome: Status::Forbidden,
        message: "the service user is valid but no permission group lets it read the company's named lists (a new service user has no permissions at all); fix that before checking again, as HiBob blocks addresses after repeated refusals",
    },
    Answer {
        status: 404,
        when: None,
        outcome: Status::Forbidden,
        message: "the endpoint is not available to this company: HiBob answers 404 when the module it belongs to was not purchased",
    },
];

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "hibob",
    name: "HiBob",
    category: "HRIS",
    summary: "HiBob (Bob) is an HR platform for mid-sized companies; its public API is reached with service users, each with its own ID and token and the permission groups it belongs to.",
    base_url: BaseUrl::Choice {
        field: "environment",
        urls: &[
            ("production", "https://api.hibob.com/v1"),
            ("sandbox", "https://api.sandbox.hibob.com/v1"),
        ],
    },
    origins: &[],
    docs: &[
        DocLink {
            title: "HiBob API documentation",
            url: "https://apidocs.hibob.com/",
        },
        DocLink {
            title: "API service users",
            url: "https://apidocs.hibob.com/docs/api-service-users",
        },
    ],
    variants: &[CredentialVariant {
        name: "service_user",
        aliases: &["api_key"],
        label: "Service user",
        description: "A HiBob API service user's ID and token, in a permission group that can read company lists.",
        fields: &[
            Field {
                key: "service_user_id",
                label: "Service user ID",
                help: "Shown next to the service user in Bob under Settings → Integrations → Service Users.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("SERVICE-0000"),
                env: Some("HIBOB_SERVICE_USER_ID"),
                default: None,
            },
            Field {
                key: "service_user_token",
                label: "Service user token",
                help: "Shown once, when the service user is created or its token refreshed.",
                required: true,
                secret: true,
                format: Format::Text,
                example: Some("EXAMPLE0000hibob0000token0000"),
                env: Some("HIBOB_SERVICE_USER_TOKEN"),
                default: None,
            },
            Field {
                key: "environment",
                label: "Environment",
                help: "production for your live Bob account, sandbox for a HiBob sandbox account.",
                required: false,
                secret: false,
                format: Format::Choice(&["production", "sandbox"]),
                example: Some("production"),
                env: Some("HIBOB_ENVIRONMENT"),
                default: Some("production"),
            },
        ],
        auth: Auth::Basic {
            username: Part::Field("service_user_id"),
            password: Part::Field("service_user_token"),
        },
        extra_headers: &[],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/company/named-lists",
                "the service user's ID and token are valid and a permission group lets it read the company's named lists.",
            )
        },
        // `/company/named-lists` answers an object keyed by list name (`{"department": {"name",
        // "items"}, …}`). Any object proves the credentials; the account counts the lists and
        // names the first ten.
        proof: Some(Proof {
            account: &[
                ("named_lists", Source::KeyCount),
                ("named_list_names", Source::Keys { most: 10 }),
            ],
            ..Proof::new(
                Shape::Object,
                &[""],
                "expected a JSON object of named lists, keyed by list name",
            )
        }),
    }],
    guide: GUIDE,
    actions: &[],
    // HiBob's firewall blocks addresses after repeated 401/403 answers: bulk checks go slowly.
    bulk_rate: Some(1.0),
    undocumented: &[],
    identifying: &["id", "name", "email", "displayName", "firstName", "surname"],
    assumptions: &[
        "The formats of service user IDs and tokens are not published; any text is accepted.",
        "Which permission reading `/company/named-lists` needs is not confirmed; a 403 is read as the service user lacking it.",
        "A 404 is read as the module not being purchased for the company, as HiBob describes it, not as a wrong URL.",
        "The named-lists answer is read as a JSON object keyed by list name; any object (even an empty one) proves the credentials.",
    ],
};

const _: () = SPEC.assert_valid();
