//! The meaning of a parsed definition: every rule `ConnectorSpec::assert_valid` applies at
//! compile time, and the ones a file from outside needs besides (bounded counts, `https://`
//! origins, placeholders that cannot move a request to another host, secrets kept out of URLs).
//! Each problem is a key path and a message; `load.rs` adds the file and the line.

use std::collections::BTreeSet;

use connector_core::template::{next_placeholder, UrlTemplate};

use crate::load::{MAX_ACTIONS, MAX_ANSWERS, MAX_FIELDS, MAX_ID, MAX_VARIANTS};
use crate::model::{
    Auth, BaseUrl, Body, ClientAuth, Definition, Field, Format, HeaderValue, Match, Part, Proof,
    Request, Source,
};

/// The semantic checks, collecting `(path, message)` for every problem.
#[derive(Default)]
pub(crate) struct Checker {
    pub(crate) errors: Vec<(String, String)>,
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether `pointer` is a JSON pointer, or with `root` also `""`.
fn is_pointer(pointer: &str, root: bool) -> bool {
    if pointer.is_empty() {
        return root;
    }
    if !pointer.starts_with('/') {
        return false;
    }
    let bytes = pointer.as_bytes();
    bytes
        .iter()
        .enumerate()
        .all(|(i, b)| *b != b'~' || matches!(bytes.get(i + 1), Some(b'0' | b'1')))
}

/// The names of a template's `{placeholders}`.
fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some((start, end)) = next_placeholder(template.as_bytes(), from) {
        out.push(&template[start + 1..end - 1]);
        from = end;
    }
    out
}

fn field_list(fields: &[Field]) -> String {
    if fields.is_empty() {
        "there are none".to_owned()
    } else {
        let keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
        format!("fields are {}", keys.join(", "))
    }
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts[0] == "127"
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Why a URL template could send a request somewhere other than its declared host, if it could.
/// Headers a definition may not set: they say where a request goes or how it is framed, and
/// the client sets them itself.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
];

/// Why a header name cannot be declared, if it cannot.
fn header_problem(name: &str) -> Option<String> {
    // RFC 9110 `token` characters.
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Some(format!(
            "\"{name}\" is not an HTTP header name (letters, digits and `-`)"
        ));
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_HEADERS.contains(&lower.as_str()) || lower.starts_with("proxy-") {
        return Some(format!(
            "`{name}` is set by the client itself (it says where a request goes or how it is framed); leave it out"
        ));
    }
    None
}

fn url_problem(template: &str) -> Option<String> {
    if let Err(e) = UrlTemplate::parse(template) {
        return Some(format!("{e}"));
    }
    let (scheme, rest) = template.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains(['@', '\\', '%']) {
        return Some("must not hold `@`, `\\` or `%` in its host".to_owned());
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && !port.contains(']') => {
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                return Some(format!("has a port `{port}` that is not a number"));
            }
            host
        }
        _ => authority,
    };
    match scheme {
        "https" => {}
        "http" if is_loopback(host) => return None,
        "http" => {
            return Some(
                "is http:// on a host that is not loopback; keys must travel encrypted (https://)"
                    .to_owned(),
            )
        }
        _ => return Some("must start with https://".to_owned()),
    }
    let labels: Vec<&str> = host.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if label.contains(['{', '}']) {
            let whole =
                label.starts_with('{') && label.ends_with('}') && placeholders(label).len() == 1;
            if !whole {
                return Some(format!(
                    "has a placeholder in host label `{label}` that is not the whole label"
                ));
            }
            let fixed_after = labels[i + 1..].iter().filter(|l| is_label(l)).count();
            if fixed_after < 2 || labels[i + 1..].iter().any(|l| !is_label(l)) {
                return Some(format!(
                    "has the placeholder `{label}` where it could change the host's domain; a host placeholder must be followed by at least two fixed labels"
                ));
            }
        } else if !is_label(label) {
            return Some(format!("has host label `{label}` that is not a DNS label"));
        }
    }
    None
}

impl Checker {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push((path.into(), message.into()));
    }

    fn text(&mut self, path: &str, value: &str, what: &str) {
        if value.trim().is_empty() {
            self.push(path, format!("is empty; say {what}"));
        }
    }

    fn count(&mut self, path: &str, len: usize, most: usize, what: &str) {
        if len > most {
            self.push(
                path,
                format!("holds {len} {what}; at most {most} are allowed"),
            );
        }
    }

    /// Every `{name}` of `template` names a field; with `public`, a non-secret one.
    fn template(&mut self, path: &str, template: &str, fields: &[Field], public: bool) {
        for name in placeholders(template) {
            match fields.iter().find(|f| f.key == name) {
                None => self.push(
                    path,
                    format!(
                        "placeholder {{{name}}} is not a field; {}",
                        field_list(fields)
                    ),
                ),
                Some(f) if public && f.secret => self.push(
                    path,
                    format!(
                        "placeholder {{{name}}} names a secret field; secrets never go in URLs, paths, headers or messages"
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    fn header(&mut self, path: &str, name: &str) {
        if let Some(problem) = header_problem(name) {
            self.push(path, problem);
        }
    }

    fn field<'a>(&mut self, path: &str, key: &str, fields: &'a [Field]) -> Option<&'a Field> {
        let found = fields.iter().find(|f| f.key == key);
        if found.is_none() {
            self.push(
                path,
                format!("\"{key}\" is not a field; {}", field_list(fields)),
            );
        }
        found
    }

    /// A field that carries the credential: declared, secret and required.
    fn secret_field(&mut self, path: &str, key: &str, fields: &[Field]) {
        if let Some(f) = self.field(path, key, fields) {
            if !f.secret {
                self.push(
                    path,
                    format!("\"{key}\" carries the credential but is not `secret = true`"),
                );
            }
            if !f.required {
                self.push(
                    path,
                    format!("\"{key}\" carries the credential but is not `required = true`"),
                );
            }
        }
    }

    fn url(&mut self, path: &str, template: &str, fields: &[Field]) {
        if let Some(problem) = url_problem(template) {
            self.push(path, format!("`{template}` {problem}"));
        }
        self.template(path, template, fields, true);
    }

    fn base(&mut self, path: &str, url: &BaseUrl, fields: &[Field]) {
        match url {
            BaseUrl::Url { url } => self.url(&format!("{path}.url"), url, fields),
            BaseUrl::Choice { field, urls } => {
                let Some(f) = self.field(&format!("{path}.field"), field, fields) else {
                    return;
                };
                let values: Vec<String> = match &f.format {
                    Format::Choice { values } => values.clone(),
                    Format::KeyPrefix { values, .. } => {
                        values.iter().map(|v| v.value.clone()).collect()
                    }
                    _ => {
                        self.push(
                            format!("{path}.field"),
                            format!(
                                "\"{field}\" must have `format = {{ kind = \"choice\" }}` or `{{ kind = \"key_prefix\" }}`"
                            ),
                        );
                        return;
                    }
                };
                let given: Vec<&str> = urls.iter().map(|u| u.value.as_str()).collect();
                if given != values.iter().map(String::as_str).collect::<Vec<_>>() {
                    self.push(
                        format!("{path}.urls"),
                        format!(
                            "must give one URL per value of \"{field}\", in its order ({})",
                            values.join(", ")
                        ),
                    );
                }
                for (i, u) in urls.iter().enumerate() {
                    self.url(&format!("{path}.urls[{i}].url"), &u.url, fields);
                }
            }
        }
    }

    fn match_(&mut self, path: &str, when: &Match) {
        match when {
            Match::Equals { pointer, .. } => {
                if !is_pointer(pointer, false) {
                    self.push(
                        format!("{path}.pointer"),
                        format!("\"{pointer}\" is not a JSON pointer (`/id`)"),
                    );
                }
            }
            Match::Contains { text } => {
                if text.is_empty() {
                    self.push(format!("{path}.text"), "looks for an empty text");
                }
            }
        }
    }

    fn request(&mut self, path: &str, request: &Request, fields: &[Field]) {
        self.request_at(path, request, fields, false);
    }

    /// As `request`; `alone` allows an empty path: a verification that is its token exchange.
    fn request_at(&mut self, path: &str, request: &Request, fields: &[Field], alone: bool) {
        if alone && request.path.is_empty() {
            // Nothing is sent to the API: the token exchange is the proof.
        } else if !request.path.starts_with('/') {
            self.push(format!("{path}.path"), "must start with `/`");
        }
        if request.path.contains("://") || request.path.starts_with("//") {
            self.push(format!("{path}.path"), "must be a path, not a URL");
        }
        // Secret fields never go in a path: it is logged and shown.
        self.template(&format!("{path}.path"), &request.path, fields, true);
        for (i, q) in request.query.iter().enumerate() {
            self.template(&format!("{path}.query[{i}].value"), &q.value, fields, false);
        }
        for (i, h) in request.headers.iter().enumerate() {
            self.header(&format!("{path}.headers[{i}].name"), &h.name);
            self.template(
                &format!("{path}.headers[{i}].value"),
                &h.value,
                fields,
                true,
            );
        }
        if let Body::Form { fields: pairs } = &request.body {
            for (i, p) in pairs.iter().enumerate() {
                self.template(
                    &format!("{path}.body.fields[{i}].value"),
                    &p.value,
                    fields,
                    false,
                );
            }
        }
        if let Some(success) = &request.success {
            self.match_(&format!("{path}.success"), success);
        }
        self.count(
            &format!("{path}.answers"),
            request.answers.len(),
            MAX_ANSWERS,
            "answers",
        );
        for (i, a) in request.answers.iter().enumerate() {
            let p = format!("{path}.answers[{i}]");
            if !(100..=599).contains(&a.status) {
                self.push(
                    format!("{p}.status"),
                    format!("{} is not an HTTP status", a.status),
                );
            }
            self.template(&format!("{p}.message"), &a.message, fields, true);
            if let Some(when) = &a.when {
                self.match_(&format!("{p}.when"), when);
            }
        }
    }

    fn pointers(&mut self, path: &str, pointers: &[String], root: bool) {
        for (i, p) in pointers.iter().enumerate() {
            if !is_pointer(p, root) {
                self.push(
                    format!("{path}[{i}]"),
                    format!(
                        "\"{p}\" is not {}a JSON pointer (`/id`)",
                        if root { "\"\" nor " } else { "" }
                    ),
                );
            }
        }
    }

    fn pointer(&mut self, path: &str, pointer: &str) {
        if !is_pointer(pointer, false) {
            self.push(path, format!("\"{pointer}\" is not a JSON pointer (`/id`)"));
        }
    }

    fn proof(&mut self, path: &str, proof: &Proof) {
        if proof.at.is_empty() {
            self.push(format!("{path}.at"), "names no place to read from");
        }
        self.pointers(&format!("{path}.at"), &proof.at, true);
        self.pointers(&format!("{path}.required"), &proof.required, false);
        self.pointers(&format!("{path}.one_of"), &proof.one_of, false);
        self.text(
            &format!("{path}.expected"),
            &proof.expected,
            "what a success looks like",
        );
        if proof.account.is_empty() {
            self.push(format!("{path}.account"), "names no account field");
        }
        let may_be_list = !matches!(proof.shape, crate::model::Shape::Object);
        for (i, field) in proof.account.iter().enumerate() {
            let p = format!("{path}.account[{i}]");
            let name = &field.name;
            if name.trim().is_empty() {
                self.push(format!("{p}.name"), "is empty");
            }
            if name.contains('.') || name.contains(char::is_whitespace) {
                self.push(
                    format!("{p}.name"),
                    "holds a `.` or a space; a report joins nested names with `.`",
                );
            }
            if i > 0
                && proof.account[i - 1].name != *name
                && proof.account[..i].iter().any(|a| a.name == *name)
            {
                self.push(
                    format!("{p}.name"),
                    format!(
                        "\"{name}\" is named twice; alternatives for one name follow each other"
                    ),
                );
            }
            let always_found = matches!(
                field.source,
                Source::Count | Source::NonEmpty | Source::KeyCount | Source::Fixed { .. }
            );
            if proof.account.get(i + 1).is_some_and(|n| n.name == *name) && always_found {
                self.push(
                    format!("{p}.source"),
                    "is always found, so the alternative after it is never read",
                );
            }
            let reads_list = matches!(
                field.source,
                Source::Count | Source::NonEmpty | Source::Each { .. }
            );
            if reads_list && !may_be_list {
                self.push(
                    format!("{p}.source"),
                    "counts or lists the elements of what the proof reads as an object; use shape = \"list\" or \"list_or_object\"",
                );
            }
            let s = format!("{p}.source");
            match &field.source {
                Source::Member { pointer } | Source::BodyMember { pointer } => {
                    self.pointer(&format!("{s}.pointer"), pointer)
                }
                Source::Each { member, most } => {
                    self.pointer(&format!("{s}.member"), member);
                    if *most == 0 {
                        self.push(format!("{s}.most"), "must keep at least one value");
                    }
                }
                Source::Text { pointers } => {
                    if pointers.is_empty() {
                        self.push(format!("{s}.pointers"), "names no member");
                    }
                    self.pointers(&format!("{s}.pointers"), pointers, false);
                }
                Source::Keys { most } => {
                    if *most == 0 {
                        self.push(format!("{s}.most"), "must show at least one name");
                    }
                }
                Source::Count | Source::NonEmpty | Source::KeyCount | Source::Fixed { .. } => {}
            }
        }
        for (i, w) in proof.warnings.iter().enumerate() {
            let p = format!("{path}.warnings[{i}]");
            self.text(
                &format!("{p}.message"),
                &w.message,
                "what the warning means",
            );
            self.match_(&format!("{p}.when"), &w.when);
        }
    }

    fn fields(&mut self, path: &str, fields: &[Field]) {
        self.count(path, fields.len(), MAX_FIELDS, "fields");
        let mut keys = BTreeSet::new();
        for (i, f) in fields.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if !keys.insert(f.key.as_str()) {
                self.push(
                    format!("{p}.key"),
                    format!("\"{}\" is declared twice", f.key),
                );
            }
            if f.key.is_empty()
                || !f
                    .key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                self.push(
                    format!("{p}.key"),
                    format!("\"{}\" is not a key of a-z, 0-9 and `_`", f.key),
                );
            }
            if let Format::Choice { values } = &f.format {
                if values.is_empty() {
                    self.push(format!("{p}.format.values"), "lists no value");
                }
            }
            if let Format::KeyPrefix { key, values } = &f.format {
                if values.is_empty() {
                    self.push(format!("{p}.format.values"), "lists no value");
                }
                for (v, pv) in values.iter().enumerate() {
                    if pv.value.is_empty() || pv.prefix.is_empty() {
                        self.push(
                            format!("{p}.format.values[{v}]"),
                            "needs both a value and the prefix of its keys",
                        );
                    }
                }
                match fields.iter().find(|k| k.key == *key) {
                    None => self.push(
                        format!("{p}.format.key"),
                        format!(
                            "\"{key}\" is not a field; fields are {}",
                            field_list(fields)
                        ),
                    ),
                    Some(k) if !k.secret => self.push(
                        format!("{p}.format.key"),
                        format!(
                            "\"{key}\" is not `secret = true`; the prefix is read from the key"
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    pub(crate) fn definition(&mut self, d: &Definition) {
        if !is_kebab(&d.id) || d.id.len() > MAX_ID {
            self.push(
                "id",
                format!(
                    "\"{}\" is not a kebab-case id of at most {MAX_ID} characters: lowercase letters and digits joined by single hyphens, e.g. `polymer-hire`",
                    d.id
                ),
            );
        }
        self.text("name", &d.name, "the display name");
        self.text("category", &d.category, "what kind of product it is");
        self.text("summary", &d.summary, "what the provider is");
        if let Some(rate) = d.bulk_rate {
            if !(rate.is_finite() && rate > 0.0) {
                self.push("bulk_rate", format!("{rate} is not a positive number"));
            }
        }
        for (i, link) in d.docs.iter().enumerate() {
            if !link.url.starts_with("https://") || url_problem(&link.url).is_some() {
                self.push(
                    format!("docs[{i}].url"),
                    format!("`{}` is not an https URL", link.url),
                );
            }
        }
        let mut origins = BTreeSet::new();
        for (i, o) in d.origins.iter().enumerate() {
            if !origins.insert(o.name.as_str()) {
                self.push(
                    format!("origins[{i}].name"),
                    format!("\"{}\" is declared twice", o.name),
                );
            }
        }
        if d.variants.is_empty() {
            self.push(
                "variants",
                "declares no credential variant; declare at least one",
            );
        }
        self.count("variants", d.variants.len(), MAX_VARIANTS, "variants");
        self.count("actions", d.actions.len(), MAX_ACTIONS, "actions");
        let mut names = BTreeSet::new();
        for (v, variant) in d.variants.iter().enumerate() {
            let vp = format!("variants[{v}]");
            for name in std::iter::once(&variant.name).chain(&variant.aliases) {
                if !names.insert(name.as_str()) {
                    self.push(
                        format!("{vp}.name"),
                        format!("variant name or alias \"{name}\" is used twice"),
                    );
                }
            }
            let fields = &variant.fields;
            self.fields(&format!("{vp}.fields"), fields);
            // A URL is checked once (it is the same for every variant); its placeholders per
            // variant.
            self.base("base_url", &d.base_url, fields);
            for (o, origin) in d.origins.iter().enumerate() {
                self.base(&format!("origins[{o}].url"), &origin.url, fields);
            }
            let ap = format!("{vp}.auth");
            match &variant.auth {
                Auth::Bearer { field } | Auth::Query { field, .. } => {
                    self.secret_field(&format!("{ap}.field"), field, fields)
                }
                Auth::JsonBody { member, field } => {
                    self.text(
                        &format!("{ap}.member"),
                        member,
                        "the body member the key goes in",
                    );
                    self.secret_field(&format!("{ap}.field"), field, fields);
                    let json_object = match &variant.verify.body {
                        Body::None => true,
                        Body::Json { text } => {
                            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
                                .is_ok()
                        }
                        Body::Form { .. } => false,
                    };
                    if !json_object {
                        self.push(
                            format!("{vp}.verify.body"),
                            "must be a JSON object (or none): the key is added to it as a member",
                        );
                    }
                }
                Auth::Header { header, field } => {
                    self.header(&format!("{ap}.header"), header);
                    self.secret_field(&format!("{ap}.field"), field, fields)
                }
                Auth::Basic { username, password } => {
                    if let Part::Field { field } = username {
                        self.field(&format!("{ap}.username.field"), field, fields);
                    }
                    if let Part::Field { field } = password {
                        self.secret_field(&format!("{ap}.password.field"), field, fields);
                    }
                }
                Auth::Headers { headers } => {
                    if headers.is_empty() {
                        self.push(format!("{ap}.headers"), "declares no header");
                    }
                    for (h, header) in headers.iter().enumerate() {
                        self.header(&format!("{ap}.headers[{h}].name"), &header.name);
                        self.template(
                            &format!("{ap}.headers[{h}].template"),
                            &header.template,
                            fields,
                            false,
                        );
                    }
                }
                Auth::Exchange(exchange) => {
                    if let Some(name) = &exchange.origin {
                        if !origins.contains(name.as_str()) {
                            self.push(
                                format!("{ap}.origin"),
                                format!("\"{name}\" is not a declared origin"),
                            );
                        }
                    }
                    // `""`: the whole answer is the token (JSON string or bare text).
                    if !is_pointer(&exchange.token, true) {
                        self.push(
                            format!("{ap}.token"),
                            format!(
                                "\"{}\" is neither \"\" (the whole answer) nor a JSON pointer (`/access_token`)",
                                exchange.token
                            ),
                        );
                    }
                    if let ClientAuth::Basic { id, secret } = &exchange.client {
                        self.field(&format!("{ap}.client.id"), id, fields);
                        self.secret_field(&format!("{ap}.client.secret"), secret, fields);
                    }
                    self.request(&format!("{ap}.request"), &exchange.request, fields);
                }
            }
            for (h, extra) in variant.extra_headers.iter().enumerate() {
                self.header(&format!("{vp}.extra_headers[{h}].name"), &extra.name);
                if let HeaderValue::Field { field } = &extra.value {
                    // A secret field may go in a header of its own (a second key beside HTTP
                    // Basic); it is sent marked sensitive and shown masked.
                    self.field(
                        &format!("{vp}.extra_headers[{h}].value.field"),
                        field,
                        fields,
                    );
                }
            }
            // An exchange may be verified by the token alone (`path = ""`).
            let alone = matches!(variant.auth, Auth::Exchange(_));
            self.request_at(&format!("{vp}.verify"), &variant.verify, fields, alone);
            self.text(
                &format!("{vp}.verify.proves"),
                &variant.verify.proves,
                "what a successful verification proves",
            );
            if let Some(proof) = &variant.proof {
                self.proof(&format!("{vp}.proof"), proof);
            }
        }
        let mut ids = BTreeSet::new();
        for (a, action) in d.actions.iter().enumerate() {
            let p = format!("actions[{a}]");
            if !is_kebab(&action.id) || action.id.len() > MAX_ID {
                self.push(
                    format!("{p}.id"),
                    format!("\"{}\" is not a kebab-case id", action.id),
                );
            }
            if !ids.insert(action.id.as_str()) {
                self.push(
                    format!("{p}.id"),
                    format!("\"{}\" is declared twice", action.id),
                );
            }
            if !d.variants.iter().any(|v| v.name == action.variant) {
                self.push(
                    format!("{p}.variant"),
                    format!("\"{}\" is not a declared variant", action.variant),
                );
            }
            let inputs = &action.inputs;
            self.fields(&format!("{p}.inputs"), inputs);
            self.request(&format!("{p}.request"), &action.request, inputs);
            for (q, query) in action.query.iter().enumerate() {
                self.field(&format!("{p}.query[{q}].input"), &query.input, inputs);
            }
            for (c, caution) in action.cautions.iter().enumerate() {
                self.field(&format!("{p}.cautions[{c}].input"), &caution.input, inputs);
            }
            for (o, output) in action.outputs.iter().enumerate() {
                self.pointer(&format!("{p}.outputs[{o}].pointer"), &output.pointer);
            }
        }
    }
}
