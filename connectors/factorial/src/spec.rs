//! Factorial's declaration: a company API key in the `x-api-key` header, verified by reading the
//! company's API credentials on a version-dated path (`/2026-07-01/resources/...`).

use connector_core::{
    Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Literal, Proof,
    RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

/// `credentials` answers the company's API credentials, as `{"data": [...], "meta": {...}}` in
/// the dated API versions (or bare); an empty list still proves the key was accepted.
const PROOF: Proof = Proof {
    account: &[
        ("can_read_credentials", Source::Fixed(Literal::Bool(true))),
        ("company_id", Source::Member("/company_id")),
        ("credential_name", Source::Member("/name")),
    ],
    ..Proof::new(
        Shape::ListOrObject,
        &["/data", ""],
        "expected {\"data\": [{\"id\", \"name\", \"company_id\"}…], \"meta\": …} or a bare list",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "factorial",
    name: "Factorial",
    category: "HRIS",
    summary: "Factorial is an HR platform for small and mid-sized companies; a company administrator creates API keys that act for the whole company with full admin access and never expire.",
    base_url: BaseUrl::Template("https://api.factorialhr.com/api"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Factorial API documentation",
            url: "https://apidoc.factorialhr.com/docs",
        },
        DocLink {
            title: "Factorial API FAQ",
            url: "https://apidoc.factorialhr.com/v1.0/docs/faqs",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "A company API key, sent raw in the x-api-key header.",
        fields: &[
            Field {
                key: "api_key",
                label: "API Key",
                help: "Created by a company administrator under Settings → API keys (in the advanced section) → New API key. Shown once.",
                format: Format::Pattern {
                    regex: "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$",
                    description: "three dot-separated base64url parts (a JWT-like token)",
                },
                example: Some("eyEXAMPLE0000.fac0000torial.EXAMPLE0000sig"),
                ..Field::api_key("FACTORIAL_API_KEY")
            },
        ],
        auth: Auth::Header {
            header: "x-api-key",
            field: "api_key",
        },
        extra_headers: &[],
        verify: RequestSpec::get(
            "/2026-07-01/resources/api_public/credentials",
            "the key is a live Factorial company API key: the company's API credentials could be read.",
        ),
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    // A company key has full admin access, so Factorial documents no refusal for a missing
    // permission.
    undocumented: &[Status::Forbidden],
    identifying: &["id", "name", "email", "company_id"],
    assumptions: &[
        "The verification path `GET /2026-07-01/resources/api_public/credentials` comes from an integration platform's definition (Nango), not from Factorial's own reference; the path pins API version 2026-07-01 (Factorial releases one each quarter); a newer version needs a new connector release.",
        "Factorial does not document the status for a wrong or revoked key: the usual 401 is taken to mean the key is refused.",
        "The answer is taken to list the company's API credentials under `data` (or bare), each with `id`, `name` and `company_id`.",
        "The key format (three dot-separated parts) comes from Nango's validation pattern; a key that does not match only triggers a warning.",
    ],
};

const _: () = SPEC.assert_valid();
