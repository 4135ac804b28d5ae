//! A definition as a spec the core runs: every string and list copied once into an arena, so
//! the spec borrows from the arena alone and goes away with it (`connector.rs` owns both).
//! The mirror of `convert.rs`, which goes the other way.

use bumpalo_herd::Member;
use connector_core::spec::action::{ActionSpec, Caution, Output, QueryParam};
use connector_core::spec::auth::{
    Auth, ClientAuth, ExtraHeader, HeaderValueSource, Part, SecretHeader, TokenExchange,
};
use connector_core::spec::connector::{ConnectorSpec, CredentialVariant, DocLink};
use connector_core::spec::field::{Field, Format};
use connector_core::spec::guide::{SetupGuide, Step, Troubleshooting};
use connector_core::spec::origin::{BaseUrl, Origin};
use connector_core::spec::proof::{Proof, Shape, Source, Warning};
use connector_core::spec::request::{Answer, Body, Literal, Match, Repeat, RequestSpec};

use crate::model as def;

/// Copies into one arena; everything it hands out lives as long as the arena (`'a`).
pub(crate) struct Arena<'m, 'a> {
    member: &'m Member<'a>,
}

impl<'a> Arena<'_, 'a> {
    pub(crate) fn new<'m>(member: &'m Member<'a>) -> Arena<'m, 'a> {
        Arena { member }
    }

    fn str(&self, text: &str) -> &'a str {
        self.member.alloc_str(text)
    }

    fn opt(&self, text: Option<&String>) -> Option<&'a str> {
        text.map(|t| self.str(t))
    }

    fn list<T, U>(&self, items: &[T], each: impl FnMut(&T) -> U) -> &'a [U] {
        self.member.alloc_slice_fill_iter(items.iter().map(each))
    }

    fn strs(&self, items: &[String]) -> &'a [&'a str] {
        self.list(items, |s| self.str(s))
    }

    fn pairs(&self, items: &[def::Pair]) -> &'a [(&'a str, &'a str)] {
        self.list(items, |p| (self.str(&p.name), self.str(&p.value)))
    }

    pub(crate) fn spec(&self, d: &def::Definition) -> &'a ConnectorSpec<'a> {
        self.member.alloc(ConnectorSpec {
            id: self.str(&d.id),
            name: self.str(&d.name),
            category: self.str(&d.category),
            summary: self.str(&d.summary),
            base_url: self.base_url(&d.base_url),
            origins: self.list(&d.origins, |o| Origin {
                name: self.str(&o.name),
                url: self.base_url(&o.url),
                description: self.str(&o.description),
            }),
            docs: self.list(&d.docs, |l| DocLink {
                title: self.str(&l.title),
                url: self.str(&l.url),
            }),
            variants: self.list(&d.variants, |v| self.variant(v)),
            guide: self.guide(&d.guide),
            assumptions: self.strs(&d.assumptions),
            actions: self.list(&d.actions, |a| self.action(a)),
            bulk_rate: d.bulk_rate,
            undocumented: self.member.alloc_slice_copy(&d.undocumented),
            identifying: self.strs(&d.identifying),
        })
    }

    fn base_url(&self, url: &def::BaseUrl) -> BaseUrl<'a> {
        match url {
            def::BaseUrl::Url { url } => BaseUrl::Template(self.str(url)),
            def::BaseUrl::Choice { field, urls } => BaseUrl::Choice {
                field: self.str(field),
                urls: self.list(urls, |c| (self.str(&c.value), self.str(&c.url))),
            },
        }
    }

    fn variant(&self, v: &def::Variant) -> CredentialVariant<'a> {
        CredentialVariant {
            name: self.str(&v.name),
            aliases: self.strs(&v.aliases),
            label: self.str(&v.label),
            description: self.str(&v.description),
            fields: self.list(&v.fields, |f| self.field(f)),
            auth: self.auth(&v.auth),
            extra_headers: self.list(&v.extra_headers, |h| ExtraHeader {
                name: self.str(&h.name),
                value: match &h.value {
                    def::HeaderValue::Fixed { text } => HeaderValueSource::Fixed(self.str(text)),
                    def::HeaderValue::Field { field } => HeaderValueSource::Field(self.str(field)),
                },
            }),
            verify: self.request(&v.verify),
            proof: v.proof.as_ref().map(|p| self.proof(p)),
        }
    }

    fn field(&self, f: &def::Field) -> Field<'a> {
        Field {
            key: self.str(&f.key),
            label: self.str(&f.label),
            help: self.str(&f.help),
            required: f.required,
            secret: f.secret,
            format: match &f.format {
                def::Format::Text => Format::Text,
                def::Format::Uuid => Format::Uuid,
                def::Format::Pattern { regex, description } => Format::Pattern {
                    regex: self.str(regex),
                    description: self.str(description),
                },
                def::Format::Choice { values } => Format::Choice(self.strs(values)),
                def::Format::Boolean => Format::Boolean,
                def::Format::KeyPrefix { key, values } => Format::KeyPrefix {
                    key: self.str(key),
                    values: self.list(values, |v| (self.str(&v.value), self.str(&v.prefix))),
                },
            },
            example: self.opt(f.example.as_ref()),
            env: self.opt(f.env.as_ref()),
            default: self.opt(f.default.as_ref()),
        }
    }

    fn part(&self, part: &def::Part) -> Part<'a> {
        match part {
            def::Part::Field { field } => Part::Field(self.str(field)),
            def::Part::Fixed { text } => Part::Fixed(self.str(text)),
        }
    }

    fn auth(&self, auth: &def::Auth) -> Auth<'a> {
        match auth {
            def::Auth::Bearer { field } => Auth::Bearer {
                field: self.str(field),
            },
            def::Auth::Basic { username, password } => Auth::Basic {
                username: self.part(username),
                password: self.part(password),
            },
            def::Auth::Header { header, field } => Auth::Header {
                header: self.str(header),
                field: self.str(field),
            },
            def::Auth::Headers { headers } => Auth::Headers(self.list(headers, |h| SecretHeader {
                name: self.str(&h.name),
                template: self.str(&h.template),
            })),
            def::Auth::JsonBody { member, field } => Auth::JsonBody {
                member: self.str(member),
                field: self.str(field),
            },
            def::Auth::Query { param, field } => Auth::Query {
                param: self.str(param),
                field: self.str(field),
            },
            def::Auth::Exchange(exchange) => Auth::Exchange(self.member.alloc(TokenExchange {
                origin: self.opt(exchange.origin.as_ref()),
                request: self.request(&exchange.request),
                client: match &exchange.client {
                    def::ClientAuth::Basic { id, secret } => ClientAuth::Basic {
                        id: self.str(id),
                        secret: self.str(secret),
                    },
                    def::ClientAuth::Body => ClientAuth::Body,
                },
                token: self.str(&exchange.token),
            })),
        }
    }

    fn request(&self, r: &def::Request) -> RequestSpec<'a> {
        RequestSpec {
            method: r.method,
            path: self.str(&r.path),
            query: self.pairs(&r.query),
            headers: self.pairs(&r.headers),
            body: match &r.body {
                def::Body::None => Body::None,
                def::Body::Json { text } => Body::Json(self.str(text)),
                def::Body::Form { fields } => Body::Form(self.pairs(fields)),
            },
            answers: self.list(&r.answers, |a| Answer {
                status: a.status,
                when: a.when.as_ref().map(|m| self.matcher(m)),
                outcome: a.outcome,
                message: self.str(&a.message),
            }),
            success: r.success.as_ref().map(|m| self.matcher(m)),
            proves: self.str(&r.proves),
        }
    }

    fn matcher(&self, m: &def::Match) -> Match<'a> {
        match m {
            def::Match::Equals { pointer, value } => Match::Equals {
                pointer: self.str(pointer),
                value: self.literal(value),
            },
            def::Match::Contains { text } => Match::Contains(self.str(text)),
        }
    }

    fn literal(&self, value: &def::Literal) -> Literal<'a> {
        match value {
            def::Literal::Bool(b) => Literal::Bool(*b),
            def::Literal::Int(i) => Literal::Int(*i),
            def::Literal::Str(s) => Literal::Str(self.str(s)),
        }
    }

    fn proof(&self, p: &def::Proof) -> Proof<'a> {
        Proof {
            at: self.strs(&p.at),
            shape: match p.shape {
                def::Shape::Object => Shape::Object,
                def::Shape::List => Shape::List,
                def::Shape::ListOrObject => Shape::ListOrObject,
            },
            required: self.strs(&p.required),
            one_of: self.strs(&p.one_of),
            account: self.list(&p.account, |a| (self.str(&a.name), self.source(&a.source))),
            warnings: self.list(&p.warnings, |w| Warning {
                when: self.matcher(&w.when),
                message: self.str(&w.message),
            }),
            expected: self.str(&p.expected),
        }
    }

    fn source(&self, source: &def::Source) -> Source<'a> {
        match source {
            def::Source::Member { pointer } => Source::Member(self.str(pointer)),
            def::Source::BodyMember { pointer } => Source::BodyMember(self.str(pointer)),
            def::Source::Text { pointers } => Source::Text(self.strs(pointers)),
            def::Source::Each { member, most } => Source::Each {
                member: self.str(member),
                most: usize::try_from(*most).unwrap_or(usize::MAX),
            },
            def::Source::Count => Source::Count,
            def::Source::NonEmpty => Source::NonEmpty,
            def::Source::Keys { most } => Source::Keys {
                most: usize::try_from(*most).unwrap_or(usize::MAX),
            },
            def::Source::KeyCount => Source::KeyCount,
            def::Source::Fixed { value } => Source::Fixed(self.literal(value)),
        }
    }

    fn action(&self, a: &def::Action) -> ActionSpec<'a> {
        ActionSpec {
            id: self.str(&a.id),
            name: self.str(&a.name),
            description: self.str(&a.description),
            variant: self.str(&a.variant),
            inputs: self.list(&a.inputs, |f| self.field(f)),
            request: self.request(&a.request),
            query: self.list(&a.query, |q| QueryParam {
                name: self.str(&q.name),
                input: self.str(&q.input),
                omit_when: self.opt(q.omit_when.as_ref()),
            }),
            repeat: match a.repeat {
                def::Repeat::Safe => Repeat::Safe,
                def::Repeat::OnlyIfRefused => Repeat::OnlyIfRefused,
            },
            outputs: self.list(&a.outputs, |o| Output {
                key: self.str(&o.key),
                label: self.str(&o.label),
                description: self.str(&o.description),
                secret: o.secret,
                pointer: self.str(&o.pointer),
            }),
            cautions: self.list(&a.cautions, |c| Caution {
                input: self.str(&c.input),
                when: self.str(&c.when),
                message: self.str(&c.message),
            }),
        }
    }

    fn guide(&self, g: &def::Guide) -> SetupGuide<'a> {
        let t = &g.troubleshooting;
        SetupGuide {
            prerequisites: self.strs(&g.prerequisites),
            steps: self.list(&g.steps, |s| Step {
                title: self.str(&s.title),
                body: self.str(&s.body),
                points: self.strs(&s.points),
                warnings: self.strs(&s.warnings),
            }),
            lifecycle: self.strs(&g.lifecycle),
            troubleshooting: Troubleshooting {
                rejected: self.opt(t.rejected.as_ref()),
                forbidden: self.opt(t.forbidden.as_ref()),
                rate_limited: self.opt(t.rate_limited.as_ref()),
                unavailable: self.opt(t.unavailable.as_ref()),
            },
        }
    }
}
