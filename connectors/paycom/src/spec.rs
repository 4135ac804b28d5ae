//! Paycom's declaration: an API user's SID and token as HTTP Basic, verified by listing the
//! employee codes the API user may read.

use connector_core::{
    Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Literal, Part, Proof,
    RequestSpec, Shape, Source,
};

use crate::guide::GUIDE;

/// `employeeid` answers `{"result": true, "data": [{"eecode": …}…], "errors": []}`; an empty list
/// still proves the SID and token were accepted.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_employees", Source::Fixed(Literal::Bool(true))),
        ("employees_listed", Source::Count),
    ],
    ..Proof::new(
        Shape::List,
        &["/data", ""],
        "expected {\"result\": true, \"data\": [{\"eecode\"}…], \"errors\": []}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "paycom",
    name: "Paycom",
    category: "Payroll",
    summary: "Paycom is a US payroll and HR suite; its API is enabled per client by Paycom, and an API user's SID and token are sent as HTTP Basic credentials.",
    base_url: BaseUrl::Template("https://api.paycomonline.net"),
    origins: &[],
    docs: &[DocLink {
        title: "Paycom (contact automation@paycomonline.com for API documentation)",
        url: "https://www.paycom.com/",
    }],
    variants: &[CredentialVariant {
        name: "api_token",
        aliases: &["api_key"],
        label: "API SID and token",
        description: "The SID (Basic username) and token (Basic password) of a Paycom API user.",
        fields: &[
            Field {
                key: "sid",
                label: "SID",
                help: "The API user's SID (client identifier), shown on the API setup page in Paycom.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("EXAMPLE0000sid"),
                env: Some("PAYCOM_SID"),
                default: None,
            },
            Field {
                key: "api_token",
                label: "API Token",
                help: "The token generated for the same API user on the API setup page; it is the Basic password.",
                example: Some("fake0000paycom0000token0000EXAMPLE"),
                ..Field::api_key("PAYCOM_API_TOKEN")
            },
        ],
        auth: Auth::Basic {
            username: Part::Field("sid"),
            password: Part::Field("api_token"),
        },
        extra_headers: &[],
        verify: RequestSpec::get(
            "/v4/rest/index.php/api/v1/employeeid",
            "the SID and token belong to a live Paycom API user that may list employee codes.",
        ),
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &["eecode", "id", "name", "email"],
    assumptions: &[
        "Paycom's API reference is not public: the base URL and the Basic SID:token scheme come from integration platforms (Nango and others), not from Paycom.",
        "`GET /v4/rest/index.php/api/v1/employeeid` is taken to be a cheap authenticated read that lists employee codes under `data`.",
        "A wrong or revoked token, or a request from an address Paycom has not allow-listed, is taken to get 401; an API user without the endpoint enabled is taken to get 403.",
    ],
};

const _: () = SPEC.assert_valid();
