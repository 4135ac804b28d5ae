//! UKG Pro's declaration: a service account as HTTP Basic plus the customer API key in its own
//! header, on the customer's UKG Pro service host, verified by reading the company's details.

use connector_core::{
    Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, ExtraHeader, Field, Format,
    HeaderValueSource, Literal, Part, Proof, RequestSpec, Shape, Source,
};

use crate::guide::GUIDE;

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "ukg-pro",
    name: "UKG Pro",
    category: "HCM and payroll",
    summary: "UKG Pro is a human capital management and payroll suite; its web services take a service account's username and password as HTTP Basic together with the company's customer API key in a header of its own.",
    base_url: BaseUrl::Template("https://{hostname}.ultipro.com"),
    origins: &[],
    docs: &[DocLink {
        title: "UKG Pro developer portal",
        url: "https://developer.ukg.com/hcm/docs",
    }],
    variants: &[CredentialVariant {
        name: "service_account",
        aliases: &["api_key"],
        label: "Service account and customer API key",
        description: "A UKG Pro web service account (username and password) and the company's customer API key.",
        fields: &[
            Field {
                key: "hostname",
                label: "Service host",
                help: "The first part of your company's UKG Pro service host, e.g. service5 for service5.ultipro.com (shown with the web services in UKG Pro).",
                required: true,
                secret: false,
                format: Format::Pattern {
                    regex: "^[a-z0-9][a-z0-9-]*$",
                    description: "one host label such as service5",
                },
                example: Some("service5"),
                env: Some("UKG_PRO_HOSTNAME"),
                default: None,
            },
            Field {
                key: "username",
                label: "Service account username",
                help: "The username of a web service account created for this integration.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("api-service-user"),
                env: Some("UKG_PRO_USERNAME"),
                default: None,
            },
            Field {
                key: "password",
                label: "Service account password",
                help: "The web service account's password.",
                example: Some("EXAMPLE0000ukg0000password"),
                ..Field::api_key("UKG_PRO_PASSWORD")
            },
            Field {
                key: "customer_api_key",
                label: "Customer API key",
                help: "The company's customer API key, listed with the web services in UKG Pro.",
                example: Some("EXAMPLE0"),
                ..Field::api_key("UKG_PRO_CUSTOMER_API_KEY")
            },
        ],
        auth: Auth::Basic {
            username: Part::Field("username"),
            password: Part::Field("password"),
        },
        extra_headers: &[ExtraHeader {
            name: "US-Customer-Api-Key",
            value: HeaderValueSource::Field("customer_api_key"),
        }],
        verify: RequestSpec {
            query: &[("per_Page", "1")],
            ..RequestSpec::get(
                "/personnel/v1/companies",
                "the service account and the customer API key are valid together and may read the company.",
            )
        },
        proof: Some(Proof {
            account: &[
                ("company_id", Source::Member("/companyId")),
                ("company_name", Source::Member("/companyName")),
                ("can_read_companies", Source::Fixed(Literal::Bool(true))),
            ],
            ..Proof::new(
                Shape::ListOrObject,
                &[""],
                "expected a company or a list of companies",
            )
        }),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["companyId", "companyName", "companyCode"],
    assumptions: &[
        "The service host is taken to be `<label>.ultipro.com` (e.g. service5); hosts on other domains are not supported.",
        "`GET /personnel/v1/companies` is taken as a cheap read every service account may make; the endpoint a service account is allowed depends on its web service permissions.",
        "A wrong username, password or customer API key is taken to be answered 401, and a service account without the web service 403; UKG does not document these statuses for this endpoint.",
    ],
};

const _: () = SPEC.assert_valid();
