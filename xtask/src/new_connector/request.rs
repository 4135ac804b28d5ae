//! What `new-connector` was asked for, checked: the id and name, the way the credential is sent
//! (`--auth`), the base URL with its placeholders and, for an exchange, the token endpoint. From
//! these follow the fields the scaffold declares.

use anyhow::{bail, Context as _};
use connector_core::template::{base_placement, fill, placeholders, UrlTemplateError};
use connector_core::{Placement, UrlTemplate};

/// How the credential is sent, as given with `--auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthChoice {
    /// `Authorization: Bearer <api_key>`.
    Bearer,
    /// HTTP Basic with the key as username and an empty password.
    Basic,
    /// HTTP Basic with the key as username and this fixed password (BambooHR's `x`).
    BasicPassword(String),
    /// HTTP Basic from two fields: `username` and the secret `api_key`.
    BasicPair,
    /// `<header>: <api_key>`.
    Header(String),
    /// One header whose value is a template over `{api_key}`, e.g. `Token token={api_key}`.
    HeaderTemplate { header: String, template: String },
    /// `?<param>=<api_key>` on every request.
    Query(String),
    /// `client_id` and `client_secret` exchanged for a token, then `Authorization: Bearer`.
    Exchange,
}

/// The `--auth` forms, for messages and `--help`.
pub const AUTH_FORMS: &str = "bearer, basic, basic-password:<PASSWORD>, basic-pair, \
     header:<Header-Name>, header-template:'<Header-Name>: <value with {api_key}>', \
     query:<param> or exchange";

impl AuthChoice {
    pub fn parse(text: &str) -> anyhow::Result<AuthChoice> {
        let text = text.trim();
        let (kind, rest) = match text.split_once(':') {
            Some((kind, rest)) => (kind, Some(rest)),
            None => (text, None),
        };
        Ok(match (kind, rest) {
            ("bearer", None) => AuthChoice::Bearer,
            ("basic", None) => AuthChoice::Basic,
            ("basic-pair", None) => AuthChoice::BasicPair,
            ("exchange", None) => AuthChoice::Exchange,
            ("basic-password", Some(password)) => {
                if password.is_empty() || password.chars().any(char::is_control) {
                    bail!(
                        "--auth basic-password:<PASSWORD> needs the fixed password the provider \
                         expects, e.g. basic-password:x (for an empty one use `basic`)"
                    );
                }
                AuthChoice::BasicPassword(password.to_owned())
            }
            ("header", Some(header)) => AuthChoice::Header(header_name(text, header)?),
            ("header-template", Some(rest)) => {
                let Some((header, template)) = rest.split_once(':') else {
                    bail!(
                        "--auth {text}: write the header and its value as \
                         header-template:'Authorization: Token token={{api_key}}'"
                    );
                };
                let header = header_name(text, header.trim())?;
                let template = template.trim();
                header_template(text, template)?;
                AuthChoice::HeaderTemplate {
                    header,
                    template: template.to_owned(),
                }
            }
            ("query", Some(param)) => {
                let valid = !param.is_empty()
                    && param
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
                if !valid {
                    bail!(
                        "--auth {text}: `{param}` is not a query parameter name (letters, digits, \
                         `_`, `-` and `.`, e.g. query:apikey)"
                    );
                }
                AuthChoice::Query(param.to_owned())
            }
            _ => bail!("--auth `{text}` is not supported: use one of {AUTH_FORMS}"),
        })
    }

    /// The name `Auth::kind()` gives this shape, e.g. `header-template:Authorization`.
    pub fn kind(&self) -> String {
        match self {
            AuthChoice::Bearer => "bearer".to_owned(),
            AuthChoice::Basic => "basic".to_owned(),
            AuthChoice::BasicPassword(password) => format!("basic-password:{password}"),
            AuthChoice::BasicPair => "basic-pair".to_owned(),
            AuthChoice::Header(header) => format!("header:{header}"),
            AuthChoice::HeaderTemplate { header, .. } => format!("header-template:{header}"),
            AuthChoice::Query(param) => format!("query:{param}"),
            AuthChoice::Exchange => "exchange".to_owned(),
        }
    }
}

fn header_name(given: &str, header: &str) -> anyhow::Result<String> {
    if header.is_empty()
        || !header
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        bail!(
            "--auth {given}: `{header}` is not a valid HTTP header name (letters, digits and - \
             only, e.g. X-Api-Key)"
        );
    }
    Ok(header.to_owned())
}

/// A header value template may fill in the key and nothing else: other fields are added by hand.
fn header_template(given: &str, template: &str) -> anyhow::Result<()> {
    if template.chars().any(|c| c.is_control() || !c.is_ascii()) {
        bail!("--auth {given}: the header value must be printable ASCII on one line");
    }
    let names: Vec<&str> = placeholders(template).map(|(name, _)| name).collect();
    let balanced =
        fill(template, |_, _| Some(String::new())).is_ok_and(|rest| !rest.contains(['{', '}']));
    if !balanced || !names.contains(&KEY) || names.iter().any(|n| *n != KEY) {
        bail!(
            "--auth {given}: the header value must contain `{{api_key}}` and no other \
             placeholder, e.g. header-template:'Authorization: Token token={{api_key}}'"
        );
    }
    Ok(())
}

/// The key field every single-secret shape declares.
pub const KEY: &str = "api_key";

/// A credential field the scaffold declares.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldPlan {
    pub key: String,
    pub label: String,
    pub help: String,
    pub secret: bool,
    /// An illustrative value for a non-secret field (placeholders); secrets get none.
    pub example: Option<String>,
    pub env: String,
    /// What the starter fixtures fill in: obviously fake for secrets.
    #[serde(skip)]
    pub fixture_value: String,
}

/// A `{name}` of a base or token URL, and where its value lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPlaceholder {
    pub key: String,
    pub placement: Placement,
}

/// The value the starter fixtures give every URL placeholder.
pub const PLACEHOLDER_VALUE: &str = "acme";

/// A checked URL template: `https://{subdomain}.acme.com/v1`, without a trailing slash.
#[derive(Debug, Clone)]
pub struct UrlPlan {
    pub template: String,
    pub placeholders: Vec<UrlPlaceholder>,
}

impl UrlPlan {
    fn parse(flag: &str, text: &str) -> anyhow::Result<UrlPlan> {
        let text = text.trim().trim_end_matches('/');
        let example = "e.g. https://api.example.com/v1 or https://{subdomain}.example.com/v1";
        match UrlTemplate::parse(text) {
            Ok(_) => {}
            Err(UrlTemplateError::Invalid(why)) => {
                bail!("{flag} `{text}` is not a URL ({why}); {example}")
            }
            Err(e) => bail!("{flag} `{text}` {e}; {example}"),
        }
        let sample = fill(text, |_, _| Some(PLACEHOLDER_VALUE.to_owned()))
            .map_err(|name| anyhow::anyhow!("{flag} `{text}`: cannot fill `{{{name}}}`"))?;
        let parsed =
            url::Url::parse(&sample).with_context(|| format!("{flag} `{text}` is not a URL"))?;
        if parsed.scheme() != "https" || parsed.host_str().is_none_or(str::is_empty) {
            bail!("{flag} `{text}` must be an https URL with a host, {example}: keys must travel encrypted");
        }
        if parsed.query().is_some() || parsed.fragment().is_some() || text.contains(['?', '#']) {
            bail!("{flag} `{text}` must not carry a query or fragment");
        }
        let mut found: Vec<UrlPlaceholder> = Vec::new();
        for (name, range) in placeholders(text) {
            let placement = base_placement(text, range.start);
            match found.iter_mut().find(|p| p.key == name) {
                Some(known) => known.placement = known.placement.max(placement),
                None => found.push(UrlPlaceholder {
                    key: name.to_owned(),
                    placement,
                }),
            }
        }
        Ok(UrlPlan {
            template: text.to_owned(),
            placeholders: found,
        })
    }

    /// `https://{subdomain}.acme.com` of `https://{subdomain}.acme.com/v1`.
    pub fn origin(&self) -> &str {
        let after_scheme = self.template.find("://").map_or(0, |i| i + 3);
        match self.template[after_scheme..].find('/') {
            Some(i) => &self.template[..after_scheme + i],
            None => &self.template,
        }
    }

    /// `/v1` of `https://{subdomain}.acme.com/v1`, placeholders kept; empty for none.
    pub fn path(&self) -> &str {
        &self.template[self.origin().len()..]
    }
}

/// Where an exchange's token request goes: a named origin and a path on it.
#[derive(Debug, Clone)]
pub struct TokenEndpoint {
    /// The origin's base URL, e.g. `https://auth.acme.com`.
    pub origin: UrlPlan,
    /// The token request's path, e.g. `/oauth/token`; `/TODO` when `--token-url` was not given.
    /// On the API's own origin it is relative to the base URL, as the core appends it there.
    pub path: String,
    /// Whether the endpoint has an origin of its own (the `auth` origin); otherwise it lives
    /// under the API's base URL (`origin: None`), as Personio's does.
    pub own_origin: bool,
}

/// A validated scaffolding request.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub name: String,
    pub auth: AuthChoice,
    pub base_url: UrlPlan,
    /// Only for `--auth exchange`.
    pub token: Option<TokenEndpoint>,
}

impl Request {
    /// Checks every argument; the error says which one is wrong and how to fix it. An exchange
    /// gets its token endpoint on the API's origin at `/TODO`; see [`Request::with_token_url`].
    pub fn parse(id: &str, name: &str, auth: &str, base_url: &str) -> anyhow::Result<Request> {
        check_id(id)?;
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            bail!("--name must be a non-empty display name on one line, e.g. --name \"Acme Hire\"");
        }
        let auth = AuthChoice::parse(auth)?;
        let base_url = UrlPlan::parse("--base-url", base_url)?;
        let token = (auth == AuthChoice::Exchange).then(|| TokenEndpoint {
            origin: UrlPlan {
                template: base_url.origin().to_owned(),
                placeholders: base_url
                    .placeholders
                    .iter()
                    .filter(|p| p.placement == Placement::HostLabel)
                    .cloned()
                    .collect(),
            },
            path: "/TODO".to_owned(),
            own_origin: false,
        });
        let request = Request {
            id: id.to_owned(),
            name: name.to_owned(),
            auth,
            base_url,
            token,
        };
        request.check_placeholders()?;
        Ok(request)
    }

    /// Sets the token endpoint of an exchange from `--token-url`, e.g.
    /// `https://auth.acme.com/oauth/token`: its origin becomes the `auth` origin.
    pub fn with_token_url(mut self, token_url: &str) -> anyhow::Result<Request> {
        if self.auth != AuthChoice::Exchange {
            bail!("--token-url is for --auth exchange only");
        }
        let url = UrlPlan::parse("--token-url", token_url)?;
        let path = url.path().to_owned();
        if path.is_empty() {
            bail!(
                "--token-url `{token_url}` needs the token endpoint's path, e.g. \
                 https://auth.example.com/oauth/token"
            );
        }
        // Placeholders in the token path are a path segment, as the core reads them.
        let origin = UrlPlan::parse("--token-url", url.origin())?;
        // Under the API's base URL, the endpoint needs no origin of its own.
        let under_base = url
            .template
            .strip_prefix(self.base_url.template.trim_end_matches('/'))
            .filter(|rest| rest.starts_with('/'))
            .map(str::to_owned);
        self.token = Some(match under_base {
            Some(rest) => TokenEndpoint {
                origin,
                path: rest,
                own_origin: false,
            },
            None => TokenEndpoint {
                origin,
                path,
                own_origin: true,
            },
        });
        self.check_placeholders()?;
        Ok(self)
    }

    /// Every URL placeholder, base URL first, each once.
    pub fn url_placeholders(&self) -> Vec<UrlPlaceholder> {
        let mut all: Vec<UrlPlaceholder> = Vec::new();
        let token = self.token.iter().flat_map(|t| {
            let path = placeholders(&t.path).map(|(name, _)| UrlPlaceholder {
                key: name.to_owned(),
                placement: Placement::PathSegment,
            });
            t.origin.placeholders.iter().cloned().chain(path)
        });
        for placeholder in self.base_url.placeholders.iter().cloned().chain(token) {
            match all.iter_mut().find(|p| p.key == placeholder.key) {
                Some(known) => known.placement = known.placement.max(placeholder.placement),
                None => all.push(placeholder),
            }
        }
        all
    }

    /// A URL may name a non-secret field of the shape (`{username}`), never a secret one.
    fn check_placeholders(&self) -> anyhow::Result<()> {
        let credential = self.credential_fields();
        for placeholder in self.url_placeholders() {
            if credential
                .iter()
                .any(|f| f.secret && f.key == placeholder.key)
            {
                bail!(
                    "the URL placeholder `{{{}}}` names the secret field `{}`: secrets never go \
                     into a URL; name the placeholder after what it holds, e.g. {{subdomain}}",
                    placeholder.key,
                    placeholder.key
                );
            }
        }
        Ok(())
    }

    /// The fields the auth scheme sends, in form order.
    fn credential_fields(&self) -> Vec<FieldPlan> {
        let secret = |key: &str, label: &str, help: &str| FieldPlan {
            key: key.to_owned(),
            label: label.to_owned(),
            help: help.to_owned(),
            secret: true,
            example: None,
            env: self.env(key),
            fixture_value: self.fake_secret(),
        };
        let public = |key: &str, label: &str, help: &str, value: &str| FieldPlan {
            key: key.to_owned(),
            label: label.to_owned(),
            help: help.to_owned(),
            secret: false,
            example: Some(value.to_owned()),
            env: self.env(key),
            fixture_value: value.to_owned(),
        };
        match self.auth {
            AuthChoice::BasicPair => vec![
                public(
                    "username",
                    "Username",
                    "TODO: what the provider calls the Basic username (user id, account id…) and where to find it.",
                    "EXAMPLE-user-0000",
                ),
                secret(
                    KEY,
                    "API Key",
                    "TODO: what the provider calls the secret sent as the Basic password, and where it is created.",
                ),
            ],
            AuthChoice::Exchange => vec![
                public(
                    "client_id",
                    "Client ID",
                    "TODO: where the client ID is shown (e.g. with the API credential in the provider's settings).",
                    "EXAMPLE-client-0000",
                ),
                secret(
                    "client_secret",
                    "Client secret",
                    "TODO: where the client secret is created, and whether it is shown once.",
                ),
            ],
            _ => vec![secret(
                KEY,
                "API Key",
                "TODO: where the key is created (menu path, role needed), and whether it is shown once.",
            )],
        }
    }

    /// Every field of the scaffold: URL placeholders first (which account), then what the auth
    /// scheme sends; a placeholder that names a credential field is not declared twice.
    pub fn fields(&self) -> Vec<FieldPlan> {
        let credential = self.credential_fields();
        let mut fields: Vec<FieldPlan> = self
            .url_placeholders()
            .into_iter()
            .filter(|p| !credential.iter().any(|f| f.key == p.key))
            .map(|p| self.placeholder_field(&p))
            .collect();
        fields.extend(credential);
        fields
    }

    fn placeholder_field(&self, placeholder: &UrlPlaceholder) -> FieldPlan {
        let key = &placeholder.key;
        let shown = fill(&self.base_url.template, |name, _| {
            Some(if name == key {
                PLACEHOLDER_VALUE.to_owned()
            } else {
                format!("<{name}>")
            })
        })
        .unwrap_or_else(|_| self.base_url.template.clone());
        let help = match placeholder.placement {
            Placement::HostLabel => {
                let host = shown
                    .trim_start_matches("https://")
                    .split('/')
                    .next()
                    .unwrap_or_default();
                format!(
                    "The `{PLACEHOLDER_VALUE}` of `{host}`: your account's own part of the {} address.",
                    self.name
                )
            }
            Placement::PathSegment => format!(
                "The `{PLACEHOLDER_VALUE}` of `{shown}`. TODO: say where {} users find it.",
                self.name
            ),
        };
        FieldPlan {
            key: key.clone(),
            label: label_of(key),
            help,
            secret: false,
            example: Some(PLACEHOLDER_VALUE.to_owned()),
            env: self.env(key),
            fixture_value: PLACEHOLDER_VALUE.to_owned(),
        }
    }

    /// An obviously fake secret the suite accepts as such (it contains `0000` and `EXAMPLE`).
    pub fn fake_secret(&self) -> String {
        format!("fake0000{}0000EXAMPLE", self.id.replace('-', ""))
    }

    pub fn crate_ident(&self) -> String {
        self.id.replace('-', "_")
    }

    /// The connector's type name: the display name in UpperCamelCase when that makes an
    /// identifier, else the id's.
    pub fn type_name(&self) -> String {
        let camel = |text: &str| -> String {
            text.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let mut chars = w.chars();
                    chars
                        .next()
                        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                        .unwrap_or_default()
                })
                .collect()
        };
        let from_name = camel(&self.name);
        if from_name.starts_with(|c: char| c.is_ascii_alphabetic()) && !is_reserved(&from_name) {
            from_name
        } else {
            camel(&self.id)
        }
    }

    /// `ACME_HIRE_API_KEY` for field `api_key` of `acme-hire`.
    pub fn env(&self, key: &str) -> String {
        format!(
            "{}_{}",
            self.id.to_ascii_uppercase().replace('-', "_"),
            key.to_ascii_uppercase()
        )
    }
}

/// `Company ID` for `company_id`.
fn label_of(key: &str) -> String {
    let words: Vec<String> = key
        .split('_')
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, word)| match word {
            "id" | "url" | "api" => word.to_ascii_uppercase(),
            _ if i == 0 => {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
            _ => word.to_owned(),
        })
        .collect();
    words.join(" ")
}

fn check_id(id: &str) -> anyhow::Result<()> {
    let kebab = id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !kebab {
        bail!(
            "`{id}` is not a kebab-case id: use lowercase letters and digits joined by single \
             hyphens, starting with a letter, e.g. `acme-hire`"
        );
    }
    if is_reserved(&id.replace('-', "_")) {
        bail!("`{id}` cannot be a crate name (it is a Rust keyword or a built-in crate); pick another id");
    }
    Ok(())
}

fn is_reserved(ident: &str) -> bool {
    const RESERVED: &[&str] = &[
        "as",
        "async",
        "await",
        "box",
        "break",
        "const",
        "continue",
        "crate",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "gen",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "Self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "try",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
        "yield",
        "std",
        "core",
        "alloc",
        "proc_macro",
        "test",
    ];
    RESERVED.contains(&ident)
}
