//! Compile-time checks on a spec: `const _: () = SPEC.assert_valid();` in each connector turns a
//! dangling reference (a field, origin or variant that does not exist) into a build error.

use super::auth::{Auth, ClientAuth, HeaderValueSource, Part};
use super::connector::ConnectorSpec;
use super::field::{Field, Format};
use super::origin::BaseUrl;
use super::proof::{Proof, Source};
use super::request::{Body, Match, RequestSpec};
use crate::template::next_placeholder;

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
            let count = match fields[i].format {
                Format::Choice(values) => values.len(),
                Format::KeyPrefix { values, .. } => values.len(),
                _ => {
                    panic!("a base URL choice field must have Format::Choice or Format::KeyPrefix")
                }
            };
            if count != urls.len() {
                panic!("a base URL choice must give one URL per choice value")
            }
            let mut j = 0;
            while j < urls.len() {
                let value = match fields[i].format {
                    Format::Choice(values) => values[j],
                    Format::KeyPrefix { values, .. } => values[j].0,
                    _ => panic!("unreachable"),
                };
                if !eq(value, urls[j].0) {
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

/// Whether `pointer` is a JSON pointer (`/data/0/name`, `~0` and `~1` escaping `~` and `/`), or,
/// with `root`, also `""` for the whole value.
const fn is_pointer(pointer: &str, root: bool) -> bool {
    let bytes = pointer.as_bytes();
    if bytes.is_empty() {
        return root;
    }
    if bytes[0] != b'/' {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'~'
            && !(i + 1 < bytes.len() && (bytes[i + 1] == b'0' || bytes[i + 1] == b'1'))
        {
            return false;
        }
        i += 1;
    }
    true
}

const fn assert_pointers(pointers: &[&str], root: bool, what: &str) {
    let mut i = 0;
    while i < pointers.len() {
        if !is_pointer(pointers[i], root) {
            panic!("{}", what)
        }
        i += 1;
    }
}

const fn is_blank(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_whitespace() {
            return false;
        }
        i += 1;
    }
    true
}

/// A declared proof reads from well-formed places, names each account field once (alternatives
/// in a row), and counts only what may be a list.
const fn assert_proof(proof: &Proof) {
    if proof.at.is_empty() {
        panic!("a proof reads from at least one place (`at`)")
    }
    assert_pointers(
        proof.at,
        true,
        "a proof's `at` holds something that is neither \"\" nor a JSON pointer",
    );
    assert_pointers(
        proof.required,
        false,
        "a proof's `required` holds something that is not a JSON pointer (`/id`)",
    );
    assert_pointers(
        proof.one_of,
        false,
        "a proof's `one_of` holds something that is not a JSON pointer (`/id`)",
    );
    if is_blank(proof.expected) {
        panic!("a proof says what a success looks like (`expected`)")
    }
    if proof.account.is_empty() {
        panic!("a proof names at least one account field")
    }
    let mut i = 0;
    while i < proof.account.len() {
        let (name, source) = &proof.account[i];
        if is_blank(name) {
            panic!("a proof's account field has an empty name")
        }
        let mut c = 0;
        while c < name.len() {
            if name.as_bytes()[c] == b'.' || name.as_bytes()[c].is_ascii_whitespace() {
                panic!("a proof's account field name holds a `.` or a space; a report joins nested names with `.`")
            }
            c += 1;
        }
        if i > 0 && !eq(proof.account[i - 1].0, name) {
            let mut j = 0;
            while j < i {
                if eq(proof.account[j].0, name) {
                    panic!("a proof names an account field twice; alternatives for one name follow each other")
                }
                j += 1;
            }
        }
        if i + 1 < proof.account.len() && eq(proof.account[i + 1].0, name) && source.always_found()
        {
            panic!("a proof's alternative after a count or a fixed value is never read")
        }
        if source.reads_list() && !proof.shape.may_be_list() {
            panic!("a proof counts or lists the elements of what it reads as an object; use Shape::List or Shape::ListOrObject")
        }
        let what = "a proof's account source holds something that is not a JSON pointer (`/id`)";
        match source {
            Source::Member(pointer) | Source::BodyMember(pointer) => {
                assert_pointers(&[*pointer], false, what)
            }
            Source::Each { member, most } => {
                assert_pointers(&[*member], false, what);
                if *most == 0 {
                    panic!("a proof's Source::Each keeps at least one value (`most`)")
                }
            }
            Source::Text(pointers) => {
                if pointers.is_empty() {
                    panic!("a proof's Source::Text names at least one member")
                }
                assert_pointers(pointers, false, what)
            }
            Source::Keys { most } => {
                if *most == 0 {
                    panic!("a proof's Source::Keys shows at least one name (`most`)")
                }
            }
            Source::Count | Source::NonEmpty | Source::KeyCount | Source::Fixed(_) => {}
        }
        i += 1;
    }
    let mut w = 0;
    while w < proof.warnings.len() {
        let warning = &proof.warnings[w];
        if is_blank(warning.message) {
            panic!("a proof's warning has an empty message")
        }
        match warning.when {
            Match::Equals { pointer, .. } => assert_pointers(
                &[pointer],
                false,
                "a proof's warning tests something that is not a JSON pointer (`/is_partner`)",
            ),
            Match::Contains(text) => {
                if text.is_empty() {
                    panic!("a proof's warning looks for an empty text")
                }
            }
        }
        w += 1;
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

impl ConnectorSpec<'_> {
    /// Fails the build (when evaluated in a `const`) if a variant, base URL, request, header,
    /// answer or action names a field, origin or variant that does not exist, or a declared proof
    /// is not coherent.
    pub const fn assert_valid(&self) {
        if self.variants.is_empty() {
            panic!("a connector declares at least one credential variant")
        }
        let mut v = 0;
        while v < self.variants.len() {
            let variant = &self.variants[v];
            let fields = variant.fields;
            let mut f = 0;
            while f < fields.len() {
                if let Format::KeyPrefix { key, values } = fields[f].format {
                    assert_field(fields, key, "a KeyPrefix format names no key field");
                    if values.is_empty() {
                        panic!("a KeyPrefix format lists at least one value and its prefix")
                    }
                    let mut p = 0;
                    while p < values.len() {
                        if is_blank(values[p].0) || is_blank(values[p].1) {
                            panic!("a KeyPrefix value and its prefix are not empty")
                        }
                        p += 1;
                    }
                }
                f += 1;
            }
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
                Auth::JsonBody { member, field } => {
                    assert_field(fields, field, "the auth names no field of its variant");
                    if is_blank(member) {
                        panic!("Auth::JsonBody names the body member the key goes in")
                    }
                    if let Body::Form(_) = variant.verify.body {
                        panic!("Auth::JsonBody sends the key in a JSON body; the verification request declares a form body")
                    }
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
            if let Some(proof) = &variant.proof {
                assert_proof(proof);
            }
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
