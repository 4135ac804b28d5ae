//! Fountain's declaration: a legacy Hire API token in the `X-ACCESS-TOKEN` header, on the main
//! tenant (`api.fountain.com/v2`) or a regional one (`{region}.fountain.com/api/v2`), verified by
//! listing funnels (openings).

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Literal,
    Proof, RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

/// A read refused with 403: Fountain's Trusted Party (public) key may only create applicants.
const ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "this key may only create applicants (a Trusted Party key); a read cannot verify it",
}];

/// `/funnels` answers `{"funnels": [{"id", "title", …}], "pagination": {…}}`; an empty list still
/// proves the token may read.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_funnels", Source::Fixed(Literal::Bool(true))),
        ("first_funnel_id", Source::Member("/id")),
        ("first_funnel_title", Source::Text(&["/title"])),
    ],
    ..Proof::new(
        Shape::List,
        &["/funnels", ""],
        "expected {\"funnels\": [{\"id\", \"title\"}…], \"pagination\": …}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "fountain",
    name: "Fountain",
    category: "ATS (hiring)",
    summary: "Fountain is a hiring platform for hourly and frontline workers; its legacy Hire API takes the company's private API token in the X-ACCESS-TOKEN header, on the main tenant or a regional one.",
    base_url: BaseUrl::Choice {
        field: "region",
        urls: &[
            ("main", "https://api.fountain.com/v2"),
            ("us-2", "https://us-2.fountain.com/api/v2"),
        ],
    },
    origins: &[],
    docs: &[
        DocLink {
            title: "Fountain API overview (tokens and authentication)",
            url: "https://developer.fountain.com/docs/overview",
        },
        DocLink {
            title: "Fountain tenant API URLs",
            url: "https://developer.fountain.com/reference/tenant-api-urls",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_token",
        aliases: &["api_key"],
        label: "Hire API token",
        description: "The company's private Hire API token (legacy authentication).",
        fields: &[
            Field {
                key: "api_token",
                label: "API Token",
                help: "In Fountain: Company Settings → API → Show API Keys. Use the private (primary or secondary) token; the public Trusted Party key can only create applicants.",
                example: Some("fake0000fountain0000EXAMPLE0000token"),
                ..Field::api_key("FOUNTAIN_API_TOKEN")
            },
            Field {
                key: "region",
                label: "Region",
                help: "main when you sign in at app.fountain.com or web.fountain.com; us-2 when the sign-in address names us-2 (us-2.fountain.com or app.us-2.fountain.com).",
                required: false,
                secret: false,
                format: Format::Choice(&["main", "us-2"]),
                example: Some("main"),
                env: Some("FOUNTAIN_REGION"),
                default: Some("main"),
            },
        ],
        auth: Auth::Header {
            header: "X-ACCESS-TOKEN",
            field: "api_token",
        },
        extra_headers: &[],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/funnels",
                "the token is the company's live private Hire API token: it may read funnels.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "title", "name", "email"],
    assumptions: &[
        "`GET /v2/funnels` is taken to be a cheap read any private token may make, answering `{\"funnels\": [...], \"pagination\": ...}`.",
        "Fountain does not document which status a Trusted Party (public) key gets on a read: it is taken to be 403, reported as forbidden; a wrong or deleted token is taken to get 401.",
        "Only the regions main and us-2 are listed; a tenant in another region (https://<region>.fountain.com/api/v2) is reached with --base-url.",
        "The newer OAuth flow (key and secret exchanged at services.fountain.com) is not covered; this connector checks the legacy Hire token.",
        "The API needs Fountain's API package on the account; an account without it is taken to be refused like a wrong token.",
    ],
};

const _: () = SPEC.assert_valid();
