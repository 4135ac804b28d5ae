//! PayFit's declaration: a customer API key as a Bearer token, verified by reading the company it
//! belongs to (`GET /companies/{company_id}`).

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Proof,
    RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

/// `/companies/{id}` answers the company as an object (`id`, `name`, …).
const PROOF: Proof = Proof {
    required: &["/id"],
    account: &[
        ("company_id", Source::Member("/id")),
        ("company_name", Source::Text(&["/name"])),
    ],
    ..Proof::new(
        Shape::Object,
        &["", "/data"],
        "expected {\"id\", \"name\", …}",
    )
};

const ANSWERS: &[Answer] = &[Answer {
    status: 403,
    when: None,
    outcome: Status::Forbidden,
    message: "the key is valid but may not read company {company_id}: it lacks the company:read scope, or the company is not the one the key was created in",
}];

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "payfit",
    name: "PayFit",
    category: "Payroll",
    summary: "PayFit is a payroll and HR platform for European companies; a company admin creates scoped API keys that read only their own company, sent as Bearer tokens to the Partner API.",
    base_url: BaseUrl::Template("https://partner-api.payfit.com"),
    origins: &[],
    docs: &[
        DocLink {
            title: "PayFit API: authentication via API key",
            url: "https://developers.payfit.io/docs/authentication-via-api-key",
        },
        DocLink {
            title: "PayFit API reference",
            url: "https://developers.payfit.io/reference",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "Customer API key",
        description: "A PayFit customer API key with its company id.",
        fields: &[
            Field {
                help: "Created by a company admin in PayFit under Integrations → API (app.payfit.com/integrations/hub/api) → Create a key, with the company:read scope at least. Shown once.",
                example: Some("fake0000payfit0000EXAMPLE0000key"),
                ..Field::api_key("PAYFIT_API_KEY")
            },
            Field {
                key: "company_id",
                label: "Company ID",
                help: "The PayFit company id the key belongs to; PayFit's token introspection (POST https://oauth.payfit.com/introspect) returns it as company_id.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("EXAMPLE0000company"),
                env: Some("PAYFIT_COMPANY_ID"),
                default: None,
            },
        ],
        auth: Auth::Bearer { field: "api_key" },
        extra_headers: &[],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/companies/{company_id}",
                "the key is a live PayFit API key that may read its company.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["id", "name", "email", "company_id"],
    assumptions: &[
        "Every Partner API read is company-scoped, so the check needs the company id as well as the key; PayFit's introspection endpoint, which returns it, lives on another host and takes the key in a JSON body, so it is not used.",
        "`GET /companies/{company_id}` is taken to need the company:read scope and to answer the company as an object with `id` and `name`.",
        "PayFit does not document its error statuses here: 401 is taken to mean a wrong or deleted key and 403 a missing scope or another company's id.",
    ],
};

const _: () = SPEC.assert_valid();
