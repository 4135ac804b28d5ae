//! People HR's declaration: every call a POST of a JSON object carrying the key as `APIKey`;
//! the outcome is in the body of a 200 (`isError`, `Status`, `Message`), verified by listing the
//! employees.

use connector_core::{
    Answer, Auth, BaseUrl, Body, ConnectorSpec, CredentialVariant, DocLink, Field, Literal, Match,
    Method, Proof, RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

/// A 200 that carries a refusal: `isError: true`.
const IS_ERROR: Match = Match::Equals {
    pointer: "/isError",
    value: Literal::Bool(true),
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "peoplehr",
    name: "People HR",
    category: "HRIS",
    summary: "People HR (Access People HR) is an HR system for small and medium businesses; its API takes the key inside the JSON body of every request, and says whether a request failed in the body of a 200.",
    base_url: BaseUrl::Template("https://api.peoplehr.net"),
    origins: &[],
    docs: &[DocLink {
        title: "People HR API help",
        url: "https://help.peoplehr.com/en/articles/api",
    }],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "A People HR API key, created by a system administrator with the actions it may run.",
        fields: &[Field {
            key: "api_key",
            label: "API key",
            help: "Created under Settings → API by a People HR administrator, who also chooses which actions the key may run.",
            example: Some("EXAMPLE0000peoplehr0000key0000"),
            ..Field::api_key("PEOPLEHR_API_KEY")
        }],
        auth: Auth::JsonBody {
            member: "APIKey",
            field: "api_key",
        },
        extra_headers: &[],
        verify: RequestSpec {
            method: Method::Post,
            body: Body::Json(r#"{"Action":"GetAllEmployeeDetail"}"#),
            answers: &[
                Answer {
                    status: 200,
                    when: Some(Match::Contains("permission")),
                    outcome: Status::Forbidden,
                    message: "the key is valid but may not run GetAllEmployeeDetail; allow the employee actions for this key in People HR's API settings",
                },
                Answer {
                    status: 200,
                    when: Some(IS_ERROR),
                    outcome: Status::Rejected,
                    message: "People HR refused the key",
                },
            ],
            success: Some(Match::Equals {
                pointer: "/isError",
                value: Literal::Bool(false),
            }),
            ..RequestSpec::get(
                "/Employee",
                "the key is live and may read the company's employees.",
            )
        },
        proof: Some(Proof {
            account: &[
                ("can_read_employees", Source::Fixed(Literal::Bool(true))),
                ("employees", Source::Count),
            ],
            ..Proof::new(
                Shape::List,
                &["/Result"],
                "expected {\"isError\": false, \"Result\": [...]}",
            )
        }),
    }],
    guide: GUIDE,
    actions: &[],
    bulk_rate: None,
    // People HR answers a refused key, and one without permission, with a 200 (above).
    undocumented: &[Status::Rejected, Status::Forbidden],
    identifying: &[
        "EmployeeId",
        "FirstName",
        "LastName",
        "EmailId",
        "Message",
    ],
    assumptions: &[
        "`GetAllEmployeeDetail` is taken as the verification action; a cheaper action that names the company is not known.",
        "A refused key is taken to be answered 200 with `isError: true` (the API reports failures in the body); a key without the action's permission is taken to say so with the word `permission` in its message.",
        "The employee list is read from `Result`.",
    ],
};

const _: () = SPEC.assert_valid();
