//! A Greenhouse-like connector for tests: an API base, a token endpoint on a named origin
//! (`auth`), client credentials exchanged for a token; and a Workable-like one with a host
//! placeholder.

use connector_core::{
    Auth, BaseUrl, Body, ClientAuth, ConnectorSpec, CredentialVariant, Field, Format, Origin,
    RequestSpec, SetupGuide, TokenExchange,
};

const fn field(key: &'static str, secret: bool) -> Field<'static> {
    Field {
        key,
        label: key,
        help: "",
        required: true,
        secret,
        format: Format::Text,
        example: None,
        env: None,
        default: None,
    }
}

static EXCHANGE: TokenExchange = TokenExchange {
    origin: Some("auth"),
    request: RequestSpec::post(
        "/token",
        Body::Form(&[("grant_type", "client_credentials")]),
        "",
    ),
    client: ClientAuth::Basic {
        id: "client_id",
        secret: "client_secret",
    },
    token: "/access_token",
};

static VARIANT: CredentialVariant = CredentialVariant {
    name: "oauth",
    aliases: &[],
    label: "OAuth client",
    description: "",
    fields: &[field("client_id", false), field("client_secret", true)],
    auth: Auth::Exchange(&EXCHANGE),
    extra_headers: &[],
    verify: RequestSpec::get("/users", ""),
    proof: None,
};

pub static EXCHANGING: ConnectorSpec = ConnectorSpec {
    id: "fakehouse",
    name: "Fakehouse",
    category: "ATS",
    summary: "",
    base_url: BaseUrl::Template("https://harvest.fakehouse.example/v3"),
    origins: &[Origin {
        name: "auth",
        url: BaseUrl::Template("https://auth.fakehouse.example"),
        description: "the token endpoint",
    }],
    docs: &[],
    variants: std::slice::from_ref(&VARIANT),
    guide: SetupGuide::EMPTY,
    assumptions: &[],
    actions: &[],
    bulk_rate: Some(2.0),
    undocumented: &[],
    identifying: &[],
};

static SUBDOMAIN_VARIANT: CredentialVariant = CredentialVariant {
    name: "api_key",
    aliases: &[],
    label: "API key",
    description: "",
    fields: &[field("subdomain", false), field("api_key", true)],
    auth: Auth::Bearer { field: "api_key" },
    extra_headers: &[],
    verify: RequestSpec::get("/accounts/{subdomain}", ""),
    proof: None,
};

pub static SUBDOMAIN: ConnectorSpec = ConnectorSpec {
    id: "fakeable",
    name: "Fakeable",
    category: "ATS",
    summary: "",
    base_url: BaseUrl::Template("https://{subdomain}.fakeable.example/spi/v3"),
    origins: &[],
    docs: &[],
    variants: std::slice::from_ref(&SUBDOMAIN_VARIANT),
    guide: SetupGuide::EMPTY,
    assumptions: &[],
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &[],
};

const _: () = EXCHANGING.assert_valid();
const _: () = SUBDOMAIN.assert_valid();
