//! The declarative part of a connector: identity, credential fields, how the key is sent, how it is
//! verified and the setup guide. Everything here is `const`-constructible so a connector's
//! definition is checked by the compiler and costs nothing at run time.

use crate::action::ActionSpec;
use crate::guide::SetupGuide;
use crate::outcome::Status;
use crate::request::{Body, RequestSpec};
use crate::template::{base_placement, next_placeholder, placeholders, Placement};

/// Everything a connector declares about its provider.
#[derive(Debug)]
pub struct ConnectorSpec {
    /// Stable kebab-case identifier, e.g. `polymer-hire`.
    pub id: &'static str,
    /// Display name, e.g. `Polymer Hire`.
    pub name: &'static str,
    /// What kind of product the provider is, e.g. `ATS (hiring)`.
    pub category: &'static str,
    /// One sentence on what the provider is, for the docs.
    pub summary: &'static str,
    /// The provider's API base URL, path prefix included; requests append their path to it.
    pub base_url: BaseUrl,
    /// Other origins the connector sends to (a token endpoint), each overridable by its name.
    pub origins: &'static [Origin],
    /// Links to the provider's own documentation.
    pub docs: &'static [DocLink],
    /// The credential variants; the first is the default.
    pub variants: &'static [CredentialVariant],
    /// How a person creates the key.
    pub guide: SetupGuide,
    /// Facts taken on trust because they could not be confirmed; the docs list them.
    pub assumptions: &'static [&'static str],
    /// Requests the connector can make beyond verification, e.g. minting a key.
    pub actions: &'static [ActionSpec],
    /// Requests per second `check --bulk` sends to this provider unless `--rate` says otherwise;
    /// `None` for no limit of its own.
    pub bulk_rate: Option<f64>,
    /// Outcomes the provider never documents an answer for (e.g. no documented 403): the suite
    /// does not require a fixture for them and the guide says so.
    pub undocumented: &'static [Status],
    /// Names of JSON members whose values identify a customer or a person (ids, emails, names):
    /// `cargo xtask record` replaces their values with stable placeholders wherever they appear
    /// before it writes a fixture.
    pub identifying: &'static [&'static str],
}

impl ConnectorSpec {
    /// The default credential variant (the first one declared).
    pub fn default_variant(&self) -> &'static CredentialVariant {
        &self.variants[0]
    }

    /// Finds an action by id.
    pub fn action(&self, id: &str) -> Option<&'static ActionSpec> {
        self.actions.iter().find(|a| a.id == id)
    }

    /// A named origin (e.g. `auth`).
    pub fn origin(&self, name: &str) -> Option<&'static Origin> {
        self.origins.iter().find(|o| o.name == name)
    }

    /// Finds a variant by name or alias.
    pub fn variant(&self, name: &str) -> Option<&'static CredentialVariant> {
        self.variants
            .iter()
            .find(|v| v.name == name || v.aliases.contains(&name))
    }
}

/// A link to the provider's documentation.
#[derive(Debug)]
pub struct DocLink {
    pub title: &'static str,
    pub url: &'static str,
}

/// One way of authenticating with the provider, with its own fields, auth and verification.
#[derive(Debug)]
pub struct CredentialVariant {
    /// Machine name, e.g. `api_key` or `partner`.
    pub name: &'static str,
    /// Other names accepted by `--variant`.
    pub aliases: &'static [&'static str],
    /// Human label, e.g. `Organization API key`.
    pub label: &'static str,
    /// When to use this variant.
    pub description: &'static str,
    /// The form a person fills in, in display order.
    pub fields: &'static [Field],
    /// How the key travels to the provider.
    pub auth: Auth,
    /// Headers sent on every request besides the credential.
    pub extra_headers: &'static [ExtraHeader],
    /// The request that proves the key works.
    pub verify: RequestSpec,
}

impl CredentialVariant {
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The field that holds the key itself: the first secret field the auth sends (the client
    /// secret of an exchange), else the first field it sends.
    pub fn key_field(&self) -> Option<&'static Field> {
        let sent = self.auth.fields();
        sent.iter()
            .filter_map(|k| self.field(k))
            .find(|f| f.secret)
            .or_else(|| sent.first().and_then(|k| self.field(k)))
    }

    /// What `field` is for beyond being typed in: secret, URL placeholder, base URL choice.
    pub fn roles(&self, spec: &ConnectorSpec, field: &Field) -> Vec<FieldRole> {
        let mut roles = Vec::new();
        if field.secret || self.key_field().is_some_and(|k| k.key == field.key) {
            roles.push(FieldRole::Secret);
        }
        if let Some(placement) = self.placement(spec, field.key) {
            roles.push(FieldRole::UrlPlaceholder(placement));
        }
        if spec.base_url.choice_field() == Some(field.key)
            || spec
                .origins
                .iter()
                .any(|o| o.url.choice_field() == Some(field.key))
        {
            roles.push(FieldRole::BaseUrlChoice);
        }
        if self.auth.fields().contains(&field.key) {
            roles.push(FieldRole::Credential);
        }
        roles
    }

    /// Where a field's value lands in a URL, if anywhere: the strictest placement over every
    /// default base URL and request path of this variant. Checked whatever the overrides say,
    /// so an override without the placeholder cannot let an escaping value through elsewhere.
    pub fn placement(&self, spec: &ConnectorSpec, key: &str) -> Option<Placement> {
        let mut found: Option<Placement> = None;
        let mut note = |p: Placement| found = Some(found.map_or(p, |f| f.max(p)));
        // No allocation: this runs for every field of every check, bulk included.
        let bases = std::iter::once(&spec.base_url).chain(spec.origins.iter().map(|o| &o.url));
        for base in bases {
            let single;
            let templates: &[(&str, &str)] = match base {
                BaseUrl::Template(t) => {
                    single = [("", *t)];
                    &single
                }
                BaseUrl::Choice { urls, .. } => urls,
            };
            for (_, template) in templates {
                if !template.contains('{') {
                    continue;
                }
                for (name, range) in placeholders(template) {
                    if name == key {
                        note(base_placement(template, range.start));
                    }
                }
            }
        }
        let exchange_path = match self.auth {
            Auth::Exchange(exchange) => Some(exchange.request.path),
            _ => None,
        };
        for path in std::iter::once(self.verify.path).chain(exchange_path) {
            if path.contains('{') && placeholders(path).any(|(name, _)| name == key) {
                note(Placement::PathSegment);
            }
        }
        found
    }
}

/// A field's part in a check, for forms and `describe --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRole {
    /// Masked everywhere, write-only in forms.
    Secret,
    /// Sent to the provider by the auth scheme.
    Credential,
    /// Filled into the URL; the value must fit the placement.
    UrlPlaceholder(Placement),
    /// Picks one of several base URLs (a region or environment).
    BaseUrlChoice,
}

impl FieldRole {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldRole::Secret => "secret",
            FieldRole::Credential => "credential",
            FieldRole::UrlPlaceholder(Placement::HostLabel) => "url_host_placeholder",
            FieldRole::UrlPlaceholder(Placement::PathSegment) => "url_path_placeholder",
            FieldRole::BaseUrlChoice => "base_url_choice",
        }
    }
}

/// A credential form field.
#[derive(Debug)]
pub struct Field {
    /// JSON key in a credentials object, e.g. `api_key`.
    pub key: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub required: bool,
    /// Secret fields are masked everywhere and marked write-only in the catalog.
    pub secret: bool,
    pub format: Format,
    /// An illustrative value; never a real key.
    pub example: Option<&'static str>,
    /// Environment variable `connector check` reads when no credentials file is given.
    pub env: Option<&'static str>,
    /// Value used when the field is left empty.
    pub default: Option<&'static str>,
}

impl Field {
    /// The usual secret API-key field; override what differs with struct update syntax.
    pub const fn api_key(env: &'static str) -> Field {
        Field {
            key: "api_key",
            label: "API Key",
            help: "The API key created in the provider's settings.",
            required: true,
            secret: true,
            format: Format::Text,
            example: None,
            env: Some(env),
            default: None,
        }
    }
}

/// What a field's value looks like. Checked locally; a mismatch is a warning, never a rejection,
/// because providers do not guarantee their formats.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    /// Any text without whitespace or control characters.
    Text,
    /// A UUID such as `8e5dcfdd-d23d-4e6f-a136-119e1254847b`.
    Uuid,
    /// A regular expression the whole value should match, with a human description.
    Pattern {
        regex: &'static str,
        description: &'static str,
    },
    /// One of a fixed list of values; the list is the only accepted input.
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Boolean,
}

impl Format {
    /// A short human description, for docs and warnings.
    pub fn describe(&self) -> String {
        match self {
            Format::Text => "text".to_owned(),
            Format::Uuid => "UUID (8-4-4-4-12 hexadecimal digits)".to_owned(),
            Format::Pattern { description, .. } => (*description).to_owned(),
            Format::Choice(values) => format!("one of {}", values.join(", ")),
            Format::Boolean => "true or false".to_owned(),
        }
    }

    /// The regular expression a value should match, if the format has one.
    pub fn regex(&self) -> Option<&'static str> {
        match self {
            Format::Uuid => Some(UUID_REGEX),
            Format::Pattern { regex, .. } => Some(regex),
            _ => None,
        }
    }
}

pub(crate) const UUID_REGEX: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// Where a connector's requests go.
#[derive(Debug, Clone, Copy)]
pub enum BaseUrl {
    /// One URL; `{field}` placeholders in the host fill one DNS label, in the path one segment.
    Template(&'static str),
    /// One URL per value of a choice field (a region or an environment), each a template.
    Choice {
        field: &'static str,
        urls: &'static [(&'static str, &'static str)],
    },
}

impl BaseUrl {
    /// Every URL template it may use.
    pub fn templates(&self) -> Vec<&'static str> {
        match self {
            BaseUrl::Template(t) => vec![*t],
            BaseUrl::Choice { urls, .. } => urls.iter().map(|(_, u)| *u).collect(),
        }
    }

    /// The template for a choice value (the template itself when there is no choice).
    pub fn template_for(&self, choice: Option<&str>) -> Option<&'static str> {
        match self {
            BaseUrl::Template(t) => Some(t),
            BaseUrl::Choice { urls, .. } => {
                let choice = choice?;
                urls.iter().find(|(v, _)| *v == choice).map(|(_, u)| *u)
            }
        }
    }

    /// The field choosing the URL, if any.
    pub fn choice_field(&self) -> Option<&'static str> {
        match self {
            BaseUrl::Template(_) => None,
            BaseUrl::Choice { field, .. } => Some(field),
        }
    }

    /// The default URL (the first choice), for docs and listings.
    pub fn primary(&self) -> &'static str {
        match self {
            BaseUrl::Template(t) => t,
            BaseUrl::Choice { urls, .. } => urls.first().map_or("", |(_, u)| u),
        }
    }

    /// `https://api.x.com` or `eu: https://…, na: https://…`, for docs.
    pub fn describe(&self) -> String {
        match self {
            BaseUrl::Template(t) => (*t).to_owned(),
            BaseUrl::Choice { field, urls } => {
                let each: Vec<String> = urls
                    .iter()
                    .map(|(v, u)| format!("{u} ({field} `{v}`)"))
                    .collect();
                each.join(", ")
            }
        }
    }
}

/// A second origin a connector sends to, e.g. a token endpoint, overridable as `NAME=URL`.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// The override name, e.g. `auth`.
    pub name: &'static str,
    pub url: BaseUrl,
    /// What is sent there, for docs.
    pub description: &'static str,
}

/// One part of an HTTP Basic credential.
#[derive(Debug, Clone, Copy)]
pub enum Part {
    /// A field's value.
    Field(&'static str),
    /// A fixed text (`x`, or empty).
    Fixed(&'static str),
}

/// A header whose value is a template over fields, e.g. `Authorization: Token token={api_key}`.
#[derive(Debug, Clone, Copy)]
pub struct SecretHeader {
    pub name: &'static str,
    pub template: &'static str,
}

/// How the credential is sent.
#[derive(Debug, Clone, Copy)]
pub enum Auth {
    /// `Authorization: Bearer <field>`.
    Bearer { field: &'static str },
    /// `Authorization: Basic base64(<username>:<password>)`.
    Basic { username: Part, password: Part },
    /// `<header>: <field>`.
    Header {
        header: &'static str,
        field: &'static str,
    },
    /// One or more headers whose values are templates over fields; all treated as secret.
    Headers(&'static [SecretHeader]),
    /// `?<param>=<field>` on every request. The URL is then secret: it is masked wherever shown.
    Query {
        param: &'static str,
        field: &'static str,
    },
    /// A client id and secret exchanged for a token first, then `Authorization: Bearer <token>`.
    Exchange(&'static TokenExchange),
}

/// A token exchange (OAuth client credentials).
#[derive(Debug, Clone, Copy)]
pub struct TokenExchange {
    /// The named origin of the token endpoint; `None` for the API's own base URL.
    pub origin: Option<&'static str>,
    /// The token request (a `POST` with a form body).
    pub request: RequestSpec,
    /// How the client credentials reach the token endpoint.
    pub client: ClientAuth,
    /// JSON pointer to the token in the answer, e.g. `/access_token`.
    pub token: &'static str,
}

/// How a client id and secret reach a token endpoint.
#[derive(Debug, Clone, Copy)]
pub enum ClientAuth {
    /// HTTP Basic `id:secret`.
    Basic {
        id: &'static str,
        secret: &'static str,
    },
    /// In the form body, named there by `{field}` templates.
    Body,
}

impl Auth {
    /// `Authorization: Basic base64(<field>:)`: the key as username, empty password.
    pub const fn basic_key(field: &'static str) -> Auth {
        Auth::Basic {
            username: Part::Field(field),
            password: Part::Fixed(""),
        }
    }

    /// The credential fields the scheme sends, in declaration order.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        match self {
            Auth::Bearer { field } | Auth::Header { field, .. } | Auth::Query { field, .. } => {
                out.push(*field)
            }
            Auth::Basic { username, password } => {
                for part in [username, password] {
                    if let Part::Field(f) = part {
                        out.push(*f);
                    }
                }
            }
            Auth::Headers(headers) => {
                for h in *headers {
                    out.extend(placeholders(h.template).map(|(n, _)| n));
                }
            }
            Auth::Exchange(exchange) => {
                if let ClientAuth::Basic { id, secret } = exchange.client {
                    out.extend([id, secret]);
                }
                if let Body::Form(pairs) = exchange.request.body {
                    for (_, v) in pairs {
                        out.extend(placeholders(v).map(|(n, _)| n));
                    }
                }
            }
        }
        out.dedup();
        out
    }

    /// How the key travels, in one line, e.g. `Authorization: Bearer <api_key>`. The same text
    /// for `describe`, the guides and the catalog.
    pub fn describe(&self) -> String {
        let part = |p: &Part| match p {
            Part::Field(f) => format!("<{f}>"),
            Part::Fixed(t) => (*t).to_owned(),
        };
        match self {
            Auth::Bearer { field } => format!("Authorization: Bearer <{field}>"),
            Auth::Basic {
                username,
                password: Part::Fixed(""),
            } => format!(
                "Authorization: Basic base64({}:) (the key as username, empty password)",
                part(username)
            ),
            Auth::Basic { username, password } => {
                format!(
                    "Authorization: Basic base64({}:{})",
                    part(username),
                    part(password)
                )
            }
            Auth::Header { header, field } => format!("{header}: <{field}>"),
            Auth::Headers(headers) => {
                let each: Vec<String> = headers
                    .iter()
                    .map(|h| format!("{}: {}", h.name, angle(h.template)))
                    .collect();
                each.join(" and ")
            }
            Auth::Query { param, field } => {
                format!("query parameter `{param}=<{field}>` on every request")
            }
            Auth::Exchange(exchange) => {
                let client = match exchange.client {
                    ClientAuth::Basic { id, secret } => {
                        format!("HTTP Basic <{id}>:<{secret}>")
                    }
                    ClientAuth::Body => "the form body".to_owned(),
                };
                format!(
                    "{} with the client credentials in {client}; then Authorization: Bearer <token> (`{}` of the answer)",
                    exchange.request.describe(),
                    exchange.token.trim_start_matches('/')
                )
            }
        }
    }

    /// The short name used in listings: `bearer`, `basic`, `header:<name>`, `query:<name>`…
    pub fn kind(&self) -> String {
        match self {
            Auth::Bearer { .. } => "bearer".to_owned(),
            Auth::Basic {
                password: Part::Fixed(""),
                ..
            } => "basic".to_owned(),
            Auth::Basic {
                password: Part::Fixed(p),
                ..
            } => format!("basic-password:{p}"),
            Auth::Basic { .. } => "basic-pair".to_owned(),
            Auth::Header { header, .. } => format!("header:{header}"),
            Auth::Headers([one]) => format!("header-template:{}", one.name),
            Auth::Headers(headers) => {
                let names: Vec<&str> = headers.iter().map(|h| h.name).collect();
                format!("headers:{}", names.join("+"))
            }
            Auth::Query { param, .. } => format!("query:{param}"),
            Auth::Exchange(_) => "exchange".to_owned(),
        }
    }
}

/// `Token token={api_key}` as `Token token=<api_key>`, for docs.
fn angle(template: &str) -> String {
    template.replace('{', "<").replace('}', ">")
}

/// A header sent on every request besides the credential.
#[derive(Debug, Clone, Copy)]
pub struct ExtraHeader {
    pub name: &'static str,
    pub value: HeaderValueSource,
}

/// Where an extra header's value comes from.
#[derive(Debug, Clone, Copy)]
pub enum HeaderValueSource {
    Fixed(&'static str),
    /// The value of a (non-secret) credential field, e.g. an API version.
    Field(&'static str),
}

// ---------------------------------------------------------------------------------------------
// Compile-time checks: `const _: () = SPEC.assert_valid();` in each connector turns a dangling
// reference into a build error.

const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn find_field(fields: &[Field], key: &str) -> Option<usize> {
    let mut i = 0;
    while i < fields.len() {
        if eq(fields[i].key, key) {
            return Some(i);
        }
        i += 1;
    }
    None
}

const fn sub(s: &str, start: usize, end: usize) -> &str {
    let (_, rest) = s.as_bytes().split_at(start);
    let (inner, _) = rest.split_at(end - start);
    match std::str::from_utf8(inner) {
        Ok(text) => text,
        Err(_) => panic!("a template is not valid UTF-8"),
    }
}

/// Every `{name}` of `template` names a field of `fields`; with `public`, a non-secret one.
const fn assert_template(template: &str, fields: &[Field], public: bool, what: &str) {
    let bytes = template.as_bytes();
    let mut from = 0;
    while let Some((start, end)) = next_placeholder(bytes, from) {
        let name = sub(template, start + 1, end - 1);
        match find_field(fields, name) {
            None => panic!("{}", what),
            Some(i) => {
                if public && fields[i].secret {
                    panic!("a URL or message placeholder names a secret field; only non-secret fields may go there")
                }
            }
        }
        from = end;
    }
}

const fn assert_field(fields: &[Field], key: &str, what: &str) {
    if find_field(fields, key).is_none() {
        panic!("{}", what)
    }
}

const fn assert_base(url: &BaseUrl, fields: &[Field]) {
    match url {
        BaseUrl::Template(t) => assert_template(
            t,
            fields,
            true,
            "a base URL placeholder names no field of a variant",
        ),
        BaseUrl::Choice { field, urls } => {
            assert_field(
                fields,
                field,
                "a base URL choice names no field of a variant",
            );
            let i = match find_field(fields, field) {
                Some(i) => i,
                None => panic!("unreachable"),
            };
            let Format::Choice(values) = fields[i].format else {
                panic!("a base URL choice field must have Format::Choice")
            };
            if values.len() != urls.len() {
                panic!("a base URL choice must give one URL per choice value")
            }
            let mut j = 0;
            while j < urls.len() {
                if !eq(values[j], urls[j].0) {
                    panic!(
                        "a base URL choice must list its URLs in the order of the field's values"
                    )
                }
                assert_template(
                    urls[j].1,
                    fields,
                    true,
                    "a base URL placeholder names no field of a variant",
                );
                j += 1;
            }
        }
    }
}

const fn assert_request(request: &RequestSpec, fields: &[Field]) {
    assert_template(
        request.path,
        fields,
        true,
        "a request path placeholder names no field of its variant",
    );
    let mut i = 0;
    while i < request.query.len() {
        assert_template(
            request.query[i].1,
            fields,
            false,
            "a query placeholder names no field of its variant",
        );
        i += 1;
    }
    let mut i = 0;
    while i < request.headers.len() {
        assert_template(
            request.headers[i].1,
            fields,
            true,
            "a request header placeholder names no non-secret field of its variant",
        );
        i += 1;
    }
    if let Body::Form(pairs) = request.body {
        let mut i = 0;
        while i < pairs.len() {
            assert_template(
                pairs[i].1,
                fields,
                false,
                "a form body placeholder names no field of its variant",
            );
            i += 1;
        }
    }
    let mut i = 0;
    while i < request.answers.len() {
        assert_template(
            request.answers[i].message,
            fields,
            true,
            "an answer message placeholder names no non-secret field of its variant",
        );
        i += 1;
    }
}

const fn assert_origin(spec: &ConnectorSpec, name: &str) {
    let mut i = 0;
    while i < spec.origins.len() {
        if eq(spec.origins[i].name, name) {
            return;
        }
        i += 1;
    }
    panic!("a token exchange names an origin the spec does not declare")
}

impl ConnectorSpec {
    /// Fails the build (when evaluated in a `const`) if a variant, base URL, request, header,
    /// answer or action names a field, origin or variant that does not exist.
    pub const fn assert_valid(&self) {
        if self.variants.is_empty() {
            panic!("a connector declares at least one credential variant")
        }
        let mut v = 0;
        while v < self.variants.len() {
            let variant = &self.variants[v];
            let fields = variant.fields;
            assert_base(&self.base_url, fields);
            let mut o = 0;
            while o < self.origins.len() {
                assert_base(&self.origins[o].url, fields);
                o += 1;
            }
            match variant.auth {
                Auth::Bearer { field } | Auth::Header { field, .. } | Auth::Query { field, .. } => {
                    assert_field(fields, field, "the auth names no field of its variant")
                }
                Auth::Basic { username, password } => {
                    if let Part::Field(f) = username {
                        assert_field(
                            fields,
                            f,
                            "the Basic username names no field of its variant",
                        );
                    }
                    if let Part::Field(f) = password {
                        assert_field(
                            fields,
                            f,
                            "the Basic password names no field of its variant",
                        );
                    }
                }
                Auth::Headers(headers) => {
                    if headers.is_empty() {
                        panic!("Auth::Headers declares at least one header")
                    }
                    let mut h = 0;
                    while h < headers.len() {
                        assert_template(
                            headers[h].template,
                            fields,
                            false,
                            "an auth header template names no field of its variant",
                        );
                        h += 1;
                    }
                }
                Auth::Exchange(exchange) => {
                    if let Some(name) = exchange.origin {
                        assert_origin(self, name);
                    }
                    if let ClientAuth::Basic { id, secret } = exchange.client {
                        assert_field(fields, id, "the exchange's client id names no field");
                        assert_field(
                            fields,
                            secret,
                            "the exchange's client secret names no field",
                        );
                    }
                    assert_request(&exchange.request, fields);
                }
            }
            let mut h = 0;
            while h < variant.extra_headers.len() {
                if let HeaderValueSource::Field(f) = variant.extra_headers[h].value {
                    assert_field(fields, f, "an extra header names no field of its variant");
                }
                h += 1;
            }
            assert_request(&variant.verify, fields);
            v += 1;
        }
        let mut a = 0;
        while a < self.actions.len() {
            let action = &self.actions[a];
            let mut found = false;
            let mut v = 0;
            while v < self.variants.len() {
                if eq(self.variants[v].name, action.variant) {
                    found = true;
                }
                v += 1;
            }
            if !found {
                panic!("an action names a credential variant the spec does not declare")
            }
            assert_template(
                action.request.path,
                action.inputs,
                false,
                "an action's path placeholder names no input of the action",
            );
            let mut q = 0;
            while q < action.query.len() {
                assert_field(
                    action.inputs,
                    action.query[q].input,
                    "an action's query parameter names no input of the action",
                );
                q += 1;
            }
            let mut c = 0;
            while c < action.cautions.len() {
                assert_field(
                    action.inputs,
                    action.cautions[c].input,
                    "an action's caution names no input of the action",
                );
                c += 1;
            }
            a += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: Field = Field::api_key("X_API_KEY");

    fn variant(auth: Auth, verify: RequestSpec) -> CredentialVariant {
        CredentialVariant {
            name: "api_key",
            aliases: &[],
            label: "API key",
            description: "",
            fields: &[KEY],
            auth,
            extra_headers: &[],
            verify,
        }
    }

    fn spec(base_url: BaseUrl, variants: &'static [CredentialVariant]) -> ConnectorSpec {
        ConnectorSpec {
            id: "x",
            name: "X",
            category: "",
            summary: "",
            base_url,
            origins: &[],
            docs: &[],
            variants,
            guide: SetupGuide::EMPTY,
            assumptions: &[],
            actions: &[],
            bulk_rate: None,
            undocumented: &[],
            identifying: &[],
        }
    }

    fn refusal(spec: ConnectorSpec) -> String {
        let caught = std::panic::catch_unwind(|| spec.assert_valid()).expect_err("must refuse");
        caught
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| caught.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    }

    #[test]
    fn dangling_references_are_refused() {
        let ok: &'static [CredentialVariant] = Box::leak(Box::new([variant(
            Auth::Bearer { field: "api_key" },
            RequestSpec::get("/me", ""),
        )]));
        spec(BaseUrl::Template("https://x.example"), ok).assert_valid();

        let bad_auth: &'static [CredentialVariant] = Box::leak(Box::new([variant(
            Auth::Bearer { field: "token" },
            RequestSpec::get("/me", ""),
        )]));
        let message = refusal(spec(BaseUrl::Template("https://x.example"), bad_auth));
        assert!(message.contains("auth names no field"), "{message}");

        let message = refusal(spec(BaseUrl::Template("https://{subdomain}.x.example"), ok));
        assert!(message.contains("base URL placeholder"), "{message}");

        let secret_in_path: &'static [CredentialVariant] = Box::leak(Box::new([variant(
            Auth::Bearer { field: "api_key" },
            RequestSpec::get("/keys/{api_key}", ""),
        )]));
        let message = refusal(spec(BaseUrl::Template("https://x.example"), secret_in_path));
        assert!(message.contains("secret field"), "{message}");
    }

    #[test]
    fn key_field_and_roles_follow_the_auth() {
        let v = variant(Auth::basic_key("api_key"), RequestSpec::get("/me", ""));
        assert_eq!(v.key_field().map(|f| f.key), Some("api_key"));
        let s = spec(BaseUrl::Template("https://x.example"), &[]);
        let roles = v.roles(&s, &KEY);
        assert!(roles.contains(&FieldRole::Secret) && roles.contains(&FieldRole::Credential));
        assert_eq!(Auth::basic_key("k").kind(), "basic");
        assert_eq!(
            Auth::Basic {
                username: Part::Field("k"),
                password: Part::Fixed("x")
            }
            .kind(),
            "basic-password:x"
        );
    }
}
