//! Ashby's declaration: the key as HTTP Basic username, verified by asking Ashby about the key
//! itself (`POST /apiKey.info`), with the answer rules for Ashby's 403s and `"success": false`.

use connector_core::{
    Answer, Auth, BaseUrl, Body, ConnectorSpec, CredentialVariant, DocLink, Field, Literal, Match,
    Proof, RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

/// Ashby answers every RPC-style call with `success`; only `true` is a success.
const SUCCESS: Match = Match::Equals {
    pointer: "/success",
    value: Literal::Bool(true),
};

const ANSWERS: &[Answer] = &[
    Answer {
        status: 401,
        when: None,
        outcome: Status::Rejected,
        message: "no key reached Ashby: the key is empty, or something on the way (a proxy) removed the Authorization header",
    },
    Answer {
        status: 403,
        when: Some(Match::Contains("missing_endpoint_permission")),
        outcome: Status::Forbidden,
        message: "the key is valid but lacks the API Keys read permission this check needs; new Ashby keys start with no permissions at all",
    },
    Answer {
        status: 403,
        when: None,
        outcome: Status::Rejected,
        message: "the key is wrong or was deactivated (Ashby answers 403 for both); a deactivated key cannot be turned back on, so create a new one",
    },
    Answer {
        status: 200,
        when: Some(Match::Equals {
            pointer: "/success",
            value: Literal::Bool(false),
        }),
        outcome: Status::Unexpected,
        message: "the call failed although the status says otherwise (`\"success\": false`). Ashby's own message says why; if it names a permission, grant it to the key under Admin → Integrations → API Keys and check again",
    },
];

/// `apiKey.info` answers `{"success": true, "results": {"title", "createdAt", …}}` (the success
/// rule has checked `success`); Ashby names no organization there, so the key's own title and
/// creation date are the account.
const PROOF: Proof = Proof {
    one_of: &["/title", "/createdAt"],
    account: &[
        ("key_title", Source::Member("/title")),
        ("key_created_at", Source::Member("/createdAt")),
    ],
    ..Proof::new(
        Shape::Object,
        &["/results"],
        "expected {\"success\": true, \"results\": {\"title\", \"createdAt\"}}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "ashby",
    name: "Ashby",
    category: "ATS (hiring)",
    summary: "Ashby is an applicant tracking and recruiting platform; its API keys are created by admins, carry per-module permissions and are sent as the HTTP Basic user name.",
    base_url: BaseUrl::Template("https://api.ashbyhq.com"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Ashby developer documentation",
            url: "https://developers.ashbyhq.com/",
        },
        DocLink {
            title: "Authentication",
            url: "https://developers.ashbyhq.com/reference/authentication",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "An Ashby API key with the API Keys read permission.",
        fields: &[Field {
            help: "Created by an Ashby admin under Admin → Integrations → API Keys. Shown once; it needs the API Keys read permission to be verified.",
            example: Some("EXAMPLE0000ashby0000api0000key0000"),
            ..Field::api_key("ASHBY_API_KEY")
        }],
        auth: Auth::basic_key("api_key"),
        extra_headers: &[],
        verify: RequestSpec {
            headers: &[("Accept", "application/json; version=1")],
            answers: ANSWERS,
            success: Some(SUCCESS),
            ..RequestSpec::post(
                "/apiKey.info",
                Body::Json("{}"),
                "the key is active and may read its own details, and names the key's title and creation date.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // Ashby allows 1000 requests a minute per key (about 16.7 a second); stay under it.
    bulk_rate: Some(15.0),
    undocumented: &[],
    identifying: &["id", "name", "email", "title"],
    assumptions: &[
        "A 401 means no key reached Ashby (Ashby's own reading); it is reported as rejected.",
        "Ashby answers 403 both for a wrong or deactivated key and for a valid key missing a permission; only a body mentioning `missing_endpoint_permission` is read as a missing permission, any other 403 as a refused key.",
        "A 200 answer with `\"success\": false` is a failure; its message is read from `errorInfo` (newer answers) or `errors` (older ones).",
        "`apiKey.info` names the key, not the organization: the account reported is the key's title and creation date.",
    ],
};

const _: () = SPEC.assert_valid();
