//! What the connector-core integration tests share: a minimal spec for a loopback provider.

use connector_core::{
    Auth, ConnectorSpec, CredentialVariant, Field, RequestSpec, SetupGuide, Troubleshooting,
};

/// A Bearer-key provider on loopback, verified by `GET /me`.
pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "loopback",
    name: "Loopback",
    category: "test",
    summary: "A provider played by the test itself.",
    base_url: connector_core::BaseUrl::Template("http://127.0.0.1:9"),
    origins: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &[],
    docs: &[],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "",
        fields: &[Field::api_key("LOOPBACK_API_KEY")],
        auth: Auth::Bearer { field: "api_key" },
        extra_headers: &[],
        verify: RequestSpec::get("/me", "the key works."),
        proof: None,
    }],
    guide: SetupGuide {
        prerequisites: &[],
        steps: &[],
        lifecycle: &[],
        troubleshooting: Troubleshooting::NONE,
    },
    assumptions: &[],
    actions: &[],
};
