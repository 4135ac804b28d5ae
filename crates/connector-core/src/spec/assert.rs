//! Compile-time checks on a spec: `const _: () = SPEC.assert_valid();` in each connector turns a
//! dangling reference (a field, origin or variant that does not exist) into a build error.

use super::auth::{Auth, ClientAuth, HeaderValueSource, Part};
use super::connector::ConnectorSpec;
use super::field::{Field, Format};
use super::origin::BaseUrl;
use super::request::{Body, RequestSpec};
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
