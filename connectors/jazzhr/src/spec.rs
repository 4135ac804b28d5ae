//! JazzHR's declaration: the key as the `apikey` query parameter (so every shown URL masks it),
//! verified by listing the account's users.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Proof, RequestSpec,
    Shape, Source, Status,
};

use crate::guide::GUIDE;

/// JazzHR documents no status for a bad key: 401 and 403 both mean the key was refused.
const ANSWERS: &[Answer] = &[
    Answer {
        status: 401,
        when: None,
        outcome: Status::Rejected,
        message: "the key is wrong or was replaced by a newer one (Generate New Key invalidates the old key at once)",
    },
    Answer {
        status: 403,
        when: None,
        outcome: Status::Rejected,
        message: "the key was refused; JazzHR documents no separate answer for a missing permission, so this is read as a wrong or replaced key",
    },
];

/// `/users` answers a JSON array of users, or one user object when there is a single user. The
/// account counts them and names the first; e-mail addresses are left out.
const PROOF: Proof = Proof {
    required: &["/id"],
    account: &[
        ("users_listed", Source::Count),
        ("first_user_id", Source::Member("/id")),
        (
            "first_user_name",
            Source::Text(&["/first_name", "/last_name"]),
        ),
    ],
    ..Proof::new(
        Shape::ListOrObject,
        &[""],
        "expected a JSON array of users, or one user object with an `id`",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "jazzhr",
    name: "JazzHR",
    category: "ATS (hiring)",
    summary: "JazzHR is an applicant tracking system for small businesses; each account has a single API key, sent in the query string of every request.",
    base_url: BaseUrl::Template("https://api.resumatorapi.com/v1"),
    origins: &[],
    docs: &[DocLink {
        title: "JazzHR API documentation",
        url: "https://www.resumatorapi.com/v1/",
    }],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "The account's JazzHR API key, visible to super admins.",
        fields: &[Field {
            help: "Shown to super admins in JazzHR under Settings → Integrations. It travels in the URL, so this tool masks it wherever a URL is shown.",
            example: Some("EXAMPLE0000jazzhr0000key0000"),
            ..Field::api_key("JAZZHR_API_KEY")
        }],
        auth: Auth::Query {
            param: "apikey",
            field: "api_key",
        },
        extra_headers: &[],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/users",
                "the key is the account's current key and may list its users.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // JazzHR allows 100 requests a minute (about 1.7 a second); stay under it.
    bulk_rate: Some(1.5),
    undocumented: &[Status::Forbidden],
    identifying: &["id", "email", "first_name", "last_name"],
    assumptions: &[
        "JazzHR does not document the status it answers for a bad key: any 401 or 403 is read as a refused key, and no answer is read as a missing permission.",
        "`/users` answers a JSON array of users, or a single object when the account has one user; both are accepted.",
        "The key travels in the query string as JazzHR requires, so it is masked in every URL this tool shows or logs; proxies and the provider's own logs may still record it.",
    ],
};

const _: () = SPEC.assert_valid();
