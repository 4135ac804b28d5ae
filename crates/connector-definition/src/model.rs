//! The definition file as owned data, one type per spec type of `connector_core::spec`.
//!
//! TOML conventions, the same everywhere:
//! - a choice without data (a method, a status, a proof's shape, whether a request repeats) is a
//!   string: `method = "GET"`, `shape = "list_or_object"`;
//! - a choice with data is a table whose `kind` names it, the data beside it:
//!   `auth = { kind = "bearer", field = "api_key" }`, `body = { kind = "form", fields = [...] }`;
//! - a JSON scalar to compare or report (`Literal`) is written as itself: `value = true`,
//!   `value = 3`, `value = "admin"`;
//! - ordered name/value lists (query parameters, headers, form fields, base URL choices, a
//!   proof's account) are arrays of tables, never TOML tables, whose order TOML does not keep;
//! - an empty list, an absent optional value and a default (`format` text, `body` none) are left
//!   out; booleans that matter for safety (`required`, `secret`) are always written.

use connector_core::outcome::Status;
use connector_core::spec::Method;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A connector definition file: everything a compiled `ConnectorSpec` declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Stable kebab-case identifier, e.g. `polymer-hire`.
    pub id: String,
    /// Display name, e.g. `Polymer Hire`.
    pub name: String,
    /// What kind of product the provider is, e.g. `ATS (hiring)`.
    pub category: String,
    /// One sentence on what the provider is, for the docs.
    pub summary: String,
    /// Requests per second `check --bulk` sends to this provider unless `--rate` says otherwise;
    /// absent for no limit of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_rate: Option<f64>,
    /// Facts taken on trust because they could not be confirmed; the docs list them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// Outcomes the provider never documents an answer for (e.g. no documented 403): the suite
    /// does not require a fixture for them and the guide says so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<StatusName>")]
    pub undocumented: Vec<Status>,
    /// Names of JSON members whose values identify a customer or a person (ids, emails, names),
    /// replaced by stable placeholders when a fixture is recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifying: Vec<String>,
    /// The provider's API base URL, path prefix included; requests append their path to it.
    pub base_url: BaseUrl,
    /// Other origins the connector sends to (a token endpoint), each overridable by its name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<Origin>,
    /// Links to the provider's own documentation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub docs: Vec<DocLink>,
    /// The credential variants; the first is the default.
    pub variants: Vec<Variant>,
    /// Requests the connector can make beyond verification, e.g. minting a key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    /// How a person creates the key.
    pub guide: Guide,
}

/// The outcomes a check or action may end with (the names of `connector_core::outcome::Status`).
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // Only its schema is used; values are read as `Status`.
pub(crate) enum StatusName {
    /// The provider accepted the key.
    Verified,
    /// An action was carried out.
    Done,
    /// Caught locally; no request was sent.
    InvalidInput,
    /// 401: the key is wrong, revoked or was regenerated.
    Rejected,
    /// 403: the key works but lacks a role or scope.
    Forbidden,
    /// 429, still after the retries that fit in the deadline.
    RateLimited,
    /// 5xx, timeout or connection failure.
    Unavailable,
    /// Anything else: malformed or oversized body, redirect, unknown status.
    Unexpected,
    /// 404 for an action's target.
    NotFound,
}

/// An HTTP method (the names of `connector_core::spec::Method`).
#[derive(JsonSchema)]
#[allow(clippy::upper_case_acronyms, dead_code)] // Only its schema is used.
pub(crate) enum MethodName {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
}

/// A name and a value, in a list whose order is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    pub name: String,
    /// A template: `{field}` is replaced by the field's (or the input's) value.
    pub value: String,
}

/// Where a connector's requests go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BaseUrl {
    /// One URL; `{field}` placeholders in the host fill one DNS label, in the path one segment.
    Url { url: String },
    /// One URL per value of a choice field (a region or an environment), each a template, in the
    /// order of the field's values.
    Choice { field: String, urls: Vec<ChoiceUrl> },
}

/// The URL for one value of a choice field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceUrl {
    /// One of the field's values.
    pub value: String,
    /// A URL template.
    pub url: String,
}

/// A second origin a connector sends to, e.g. a token endpoint, overridable as `NAME=URL`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    /// The override name, e.g. `auth`.
    pub name: String,
    /// What is sent there, for docs.
    pub description: String,
    pub url: BaseUrl,
}

/// A link to the provider's documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocLink {
    pub title: String,
    pub url: String,
}

/// One way of authenticating with the provider, with its own fields, auth and verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Machine name, e.g. `api_key` or `partner`.
    pub name: String,
    /// Other names accepted by `--variant`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Human label, e.g. `Organization API key`.
    pub label: String,
    /// When to use this variant.
    pub description: String,
    /// The form a person fills in, in display order.
    pub fields: Vec<Field>,
    /// How the key travels to the provider.
    pub auth: Auth,
    /// Headers sent on every request besides the credential.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_headers: Vec<ExtraHeader>,
    /// The request that proves the key works.
    pub verify: Request,
    /// How its successful answer is read into the account a report shows; absent when the
    /// connector reads it in code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Proof>,
}

/// A credential form field, or an action's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// JSON key in a credentials object, e.g. `api_key`.
    pub key: String,
    pub label: String,
    pub help: String,
    pub required: bool,
    /// Secret fields are masked everywhere and marked write-only in the catalog.
    pub secret: bool,
    /// What the value looks like; absent for any text.
    #[serde(default, skip_serializing_if = "Format::is_text")]
    pub format: Format,
    /// An illustrative value; never a real key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// Environment variable `connector check` reads when no credentials file is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// Value used when the field is left empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// What a field's value looks like. Checked locally; a mismatch is a warning, never a rejection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Format {
    /// Any text without whitespace or control characters.
    #[default]
    Text,
    /// A UUID such as `8e5dcfdd-d23d-4e6f-a136-119e1254847b`.
    Uuid,
    /// A regular expression the whole value should match, with a human description.
    Pattern { regex: String, description: String },
    /// One of a fixed list of values; the list is the only accepted input.
    Choice { values: Vec<String> },
    /// `true` or `false`.
    Boolean,
    /// One of `values`, each paired with the prefix its keys start with: left empty, it is the
    /// one the prefix of field `key`'s value names; given, it must agree with that prefix.
    KeyPrefix {
        key: String,
        values: Vec<PrefixedValue>,
    },
}

/// A value of a `key_prefix` field and the prefix of the keys it goes with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefixedValue {
    pub value: String,
    pub prefix: String,
}

impl Format {
    fn is_text(&self) -> bool {
        matches!(self, Format::Text)
    }
}

/// One part of an HTTP Basic credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Part {
    /// A field's value.
    Field { field: String },
    /// A fixed text (`x`, or empty).
    Fixed { text: String },
}

/// A header whose value is a template over fields, e.g. `Authorization: Token token={api_key}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretHeader {
    pub name: String,
    pub template: String,
}

/// How the credential is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    /// `Authorization: Bearer <field>`.
    Bearer { field: String },
    /// `Authorization: Basic base64(<username>:<password>)`.
    Basic { username: Part, password: Part },
    /// `<header>: <field>`.
    Header { header: String, field: String },
    /// One or more headers whose values are templates over fields; all treated as secret.
    Headers { headers: Vec<SecretHeader> },
    /// `?<param>=<field>` on every request. The URL is then secret: it is masked wherever shown.
    Query { param: String, field: String },
    /// A client id and secret exchanged for a token first, then `Authorization: Bearer <token>`.
    Exchange(Box<TokenExchange>),
    /// The key as member `member` of every request's JSON object body (each request a POST of
    /// a JSON object).
    JsonBody { member: String, field: String },
}

/// A token exchange (OAuth client credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenExchange {
    /// The named origin of the token endpoint; absent for the API's own base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// JSON pointer to the token in the answer, e.g. `/access_token`; `""` when the whole
    /// answer is the token (a JSON string, or bare text).
    pub token: String,
    /// How the client credentials reach the token endpoint.
    pub client: ClientAuth,
    /// The token request (a `POST` with a form body).
    pub request: Request,
}

/// How a client id and secret reach a token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientAuth {
    /// HTTP Basic `id:secret`, each a field.
    Basic { id: String, secret: String },
    /// In the form body, named there by `{field}` templates.
    Body,
}

/// A header sent on every request besides the credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraHeader {
    pub name: String,
    pub value: HeaderValue,
}

/// Where an extra header's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum HeaderValue {
    /// A fixed text.
    Fixed { text: String },
    /// The value of a (non-secret) credential field, e.g. an API version.
    Field { field: String },
}

/// A request a connector sends. `path`, query values, header values and form values are
/// templates: `{field}` is replaced by the field's value (a check) or the input's (an action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[schemars(with = "MethodName")]
    pub method: Method,
    /// Appended to the base URL; starts with `/`. Placeholders here fill one path segment.
    pub path: String,
    /// What a success proves, in one sentence, for docs and reports.
    pub proves: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<Pair>,
    /// Headers for this request; they replace the default `Accept: application/json`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Pair>,
    /// The body; absent for none.
    #[serde(default, skip_serializing_if = "Body::is_none")]
    pub body: Body,
    /// A 2xx answer counts as a success only when this holds; otherwise the check ends
    /// `unexpected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<Match>,
    /// How answers map to outcomes beyond the generic HTTP meanings; the first match wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<Answer>,
}

/// A request body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Body {
    #[default]
    None,
    /// JSON text sent as is with `Content-Type: application/json`, e.g. `{}`.
    Json { text: String },
    /// `application/x-www-form-urlencoded` pairs; values are templates.
    Form { fields: Vec<Pair> },
}

impl Body {
    fn is_none(&self) -> bool {
        matches!(self, Body::None)
    }
}

/// One answer rule: a status, optionally a body match, and the outcome with its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    #[schemars(with = "StatusName")]
    pub outcome: Status,
    /// What the outcome means and what to do. `{field}` names a non-secret field's value.
    pub message: String,
    /// The rule applies only when the body matches; absent matches any body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Match>,
}

/// A test on an answer's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Match {
    /// The value at a JSON pointer equals a literal.
    Equals { pointer: String, value: Literal },
    /// The body's text contains this text.
    Contains { text: String },
}

/// A JSON scalar, written as itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Literal {
    Bool(bool),
    Int(i64),
    Str(String),
}

/// How a successful verification answer is read into an account. See
/// `connector_core::spec::Proof`: the value at the first pointer of `at` that has `shape` is
/// read; its item is the value itself (an object) or its first element (a list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// JSON pointers tried in order, `""` for the body itself.
    pub at: Vec<String>,
    /// What the read value must be.
    pub shape: Shape,
    /// The shape a success must have, for the message when an answer does not fit.
    pub expected: String,
    /// Members the item must hold, present and not null, when there is an item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    /// The item must hold at least one of these members; an empty list then fails too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<String>,
    /// The account's fields, in order. A name given several times in a row lists alternatives:
    /// the first source that finds a value sets it.
    pub account: Vec<AccountField>,
    /// Notes added to a verified outcome when the item matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// What the read value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// A JSON object; it is the item.
    Object,
    /// A JSON array; its first element is the item, its length the count.
    List,
    /// A JSON array as for `list`, or a JSON object read as a list of one.
    ListOrObject,
}

/// One account field: its name and where its value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountField {
    pub name: String,
    pub source: Source,
}

/// Where one account field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Source {
    /// The item's member at this pointer, when present and not null.
    Member { pointer: String },
    /// The body's member at this pointer, when present and not null: a total beside the list.
    BodyMember { pointer: String },
    /// The item's text members at these pointers that are present and not empty, joined by a
    /// space.
    Text { pointers: Vec<String> },
    /// The text at `member` of each element of the list, the first `most` found, as a list.
    Each { member: String, most: u32 },
    /// How many elements the list holds.
    Count,
    /// Whether the list holds any element.
    NonEmpty,
    /// The item's member names (an object keyed by name), sorted, the first `most` joined by
    /// `, ` and followed by `, …` when there are more.
    Keys { most: u32 },
    /// How many members the item (an object keyed by name) holds.
    KeyCount,
    /// A fixed value: what the success proves by coming at all.
    Fixed { value: Literal },
}

/// A note a verified outcome carries when the item matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Warning {
    /// What it means and what to do, in one sentence.
    pub message: String,
    pub when: Match,
}

/// An action a connector can run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Kebab-case id, e.g. `create-api-key`.
    pub id: String,
    /// Display name, e.g. `Create an API key`.
    pub name: String,
    pub description: String,
    /// The credential variant the action needs, e.g. `partner`.
    pub variant: String,
    /// Whether the request may be repeated after a failure whose effect is unknown.
    pub repeat: Repeat,
    /// Typed inputs, described like credential fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Field>,
    /// The request; `{input}` placeholders in its path are filled with percent-encoded inputs.
    pub request: Request,
    /// Query parameters filled from inputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<QueryParam>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<Output>,
    /// Warnings shown before running with certain input values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cautions: Vec<Caution>,
}

/// Whether a request may be sent again after a failure whose effect is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// Safe to repeat: retried on 429, 5xx and transport errors.
    Safe,
    /// Retried only on 429, which says the request was not processed.
    OnlyIfRefused,
}

/// A query parameter filled from an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryParam {
    pub name: String,
    pub input: String,
    /// Leave the parameter out when the input has this value (e.g. `force=false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omit_when: Option<String>,
}

/// A value the action returns, read from the response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Output {
    pub key: String,
    pub label: String,
    pub description: String,
    /// Secret outputs (a minted key) are shown once and never logged.
    pub secret: bool,
    /// JSON pointer into the response body, e.g. `/data/value`.
    pub pointer: String,
}

/// A warning shown when an input has a given value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Caution {
    pub input: String,
    pub when: String,
    pub message: String,
}

/// How a person creates and manages the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Guide {
    /// Who can create the key and what must exist first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prerequisites: Vec<String>,
    /// How to manage the key afterwards: regenerate, revoke, disable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lifecycle: Vec<String>,
    /// Provider-specific advice per failed outcome; the generic advice comes from the core.
    #[serde(default, skip_serializing_if = "Troubleshooting::is_empty")]
    pub troubleshooting: Troubleshooting,
    /// Numbered steps to create the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

/// One numbered step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: String,
    pub body: String,
    /// Sub-points, rendered as a bulleted list under the step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<String>,
    /// Warnings, e.g. "the key is shown only once".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// What to tell the user for each failed outcome, on top of the generic advice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Troubleshooting {
    /// 401: why a key is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    /// 403: the role, scope or access group to grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forbidden: Option<String>,
    /// 429: the provider's published limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limited: Option<String>,
    /// 5xx or no answer: where the provider reports outages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl Troubleshooting {
    fn is_empty(&self) -> bool {
        *self == Troubleshooting::default()
    }
}
