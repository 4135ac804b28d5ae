//! A compiled spec as a definition: `Definition::from(&ConnectorSpec)`, field for field.

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

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn pairs(values: &[(&str, &str)]) -> Vec<def::Pair> {
    values
        .iter()
        .map(|(name, value)| def::Pair {
            name: (*name).to_owned(),
            value: (*value).to_owned(),
        })
        .collect()
}

fn owned(value: Option<&str>) -> Option<String> {
    value.map(str::to_owned)
}

impl From<&ConnectorSpec<'_>> for def::Definition {
    fn from(spec: &ConnectorSpec) -> Self {
        def::Definition {
            id: spec.id.to_owned(),
            name: spec.name.to_owned(),
            category: spec.category.to_owned(),
            summary: spec.summary.to_owned(),
            bulk_rate: spec.bulk_rate,
            assumptions: strings(spec.assumptions),
            undocumented: spec.undocumented.to_vec(),
            identifying: strings(spec.identifying),
            base_url: (&spec.base_url).into(),
            origins: spec.origins.iter().map(Into::into).collect(),
            docs: spec.docs.iter().map(Into::into).collect(),
            variants: spec.variants.iter().map(Into::into).collect(),
            actions: spec.actions.iter().map(Into::into).collect(),
            guide: (&spec.guide).into(),
        }
    }
}

impl From<&BaseUrl<'_>> for def::BaseUrl {
    fn from(url: &BaseUrl) -> Self {
        match url {
            BaseUrl::Template(url) => def::BaseUrl::Url {
                url: (*url).to_owned(),
            },
            BaseUrl::Choice { field, urls } => def::BaseUrl::Choice {
                field: (*field).to_owned(),
                urls: urls
                    .iter()
                    .map(|(value, url)| def::ChoiceUrl {
                        value: (*value).to_owned(),
                        url: (*url).to_owned(),
                    })
                    .collect(),
            },
        }
    }
}

impl From<&Origin<'_>> for def::Origin {
    fn from(origin: &Origin) -> Self {
        def::Origin {
            name: origin.name.to_owned(),
            description: origin.description.to_owned(),
            url: (&origin.url).into(),
        }
    }
}

impl From<&DocLink<'_>> for def::DocLink {
    fn from(link: &DocLink) -> Self {
        def::DocLink {
            title: link.title.to_owned(),
            url: link.url.to_owned(),
        }
    }
}

impl From<&CredentialVariant<'_>> for def::Variant {
    fn from(variant: &CredentialVariant) -> Self {
        def::Variant {
            name: variant.name.to_owned(),
            aliases: strings(variant.aliases),
            label: variant.label.to_owned(),
            description: variant.description.to_owned(),
            fields: variant.fields.iter().map(Into::into).collect(),
            auth: (&variant.auth).into(),
            extra_headers: variant.extra_headers.iter().map(Into::into).collect(),
            verify: (&variant.verify).into(),
            proof: variant.proof.as_ref().map(Into::into),
        }
    }
}

impl From<&Field<'_>> for def::Field {
    fn from(field: &Field) -> Self {
        def::Field {
            key: field.key.to_owned(),
            label: field.label.to_owned(),
            help: field.help.to_owned(),
            required: field.required,
            secret: field.secret,
            format: (&field.format).into(),
            example: owned(field.example),
            env: owned(field.env),
            default: owned(field.default),
        }
    }
}

impl From<&Format<'_>> for def::Format {
    fn from(format: &Format) -> Self {
        match format {
            Format::Text => def::Format::Text,
            Format::Uuid => def::Format::Uuid,
            Format::Pattern { regex, description } => def::Format::Pattern {
                regex: (*regex).to_owned(),
                description: (*description).to_owned(),
            },
            Format::Choice(values) => def::Format::Choice {
                values: strings(values),
            },
            Format::Boolean => def::Format::Boolean,
            Format::KeyPrefix { key, values } => def::Format::KeyPrefix {
                key: (*key).to_owned(),
                values: values
                    .iter()
                    .map(|(value, prefix)| def::PrefixedValue {
                        value: (*value).to_owned(),
                        prefix: (*prefix).to_owned(),
                    })
                    .collect(),
            },
        }
    }
}

impl From<&Part<'_>> for def::Part {
    fn from(part: &Part) -> Self {
        match part {
            Part::Field(field) => def::Part::Field {
                field: (*field).to_owned(),
            },
            Part::Fixed(text) => def::Part::Fixed {
                text: (*text).to_owned(),
            },
        }
    }
}

impl From<&SecretHeader<'_>> for def::SecretHeader {
    fn from(header: &SecretHeader) -> Self {
        def::SecretHeader {
            name: header.name.to_owned(),
            template: header.template.to_owned(),
        }
    }
}

impl From<&Auth<'_>> for def::Auth {
    fn from(auth: &Auth) -> Self {
        match auth {
            Auth::Bearer { field } => def::Auth::Bearer {
                field: (*field).to_owned(),
            },
            Auth::Basic { username, password } => def::Auth::Basic {
                username: username.into(),
                password: password.into(),
            },
            Auth::Header { header, field } => def::Auth::Header {
                header: (*header).to_owned(),
                field: (*field).to_owned(),
            },
            Auth::JsonBody { member, field } => def::Auth::JsonBody {
                member: (*member).to_owned(),
                field: (*field).to_owned(),
            },
            Auth::Headers(headers) => def::Auth::Headers {
                headers: headers.iter().map(Into::into).collect(),
            },
            Auth::Query { param, field } => def::Auth::Query {
                param: (*param).to_owned(),
                field: (*field).to_owned(),
            },
            Auth::Exchange(exchange) => def::Auth::Exchange(Box::new((*exchange).into())),
        }
    }
}

impl From<&TokenExchange<'_>> for def::TokenExchange {
    fn from(exchange: &TokenExchange) -> Self {
        def::TokenExchange {
            origin: owned(exchange.origin),
            token: exchange.token.to_owned(),
            client: match exchange.client {
                ClientAuth::Basic { id, secret } => def::ClientAuth::Basic {
                    id: id.to_owned(),
                    secret: secret.to_owned(),
                },
                ClientAuth::Body => def::ClientAuth::Body,
            },
            request: (&exchange.request).into(),
        }
    }
}

impl From<&ExtraHeader<'_>> for def::ExtraHeader {
    fn from(header: &ExtraHeader) -> Self {
        def::ExtraHeader {
            name: header.name.to_owned(),
            value: match header.value {
                HeaderValueSource::Fixed(text) => def::HeaderValue::Fixed {
                    text: text.to_owned(),
                },
                HeaderValueSource::Field(field) => def::HeaderValue::Field {
                    field: field.to_owned(),
                },
            },
        }
    }
}

impl From<&RequestSpec<'_>> for def::Request {
    fn from(request: &RequestSpec) -> Self {
        def::Request {
            method: request.method,
            path: request.path.to_owned(),
            proves: request.proves.to_owned(),
            query: pairs(request.query),
            headers: pairs(request.headers),
            body: match request.body {
                Body::None => def::Body::None,
                Body::Json(text) => def::Body::Json {
                    text: text.to_owned(),
                },
                Body::Form(fields) => def::Body::Form {
                    fields: pairs(fields),
                },
            },
            success: request.success.as_ref().map(Into::into),
            answers: request.answers.iter().map(Into::into).collect(),
        }
    }
}

impl From<&Answer<'_>> for def::Answer {
    fn from(answer: &Answer) -> Self {
        def::Answer {
            status: answer.status,
            outcome: answer.outcome,
            message: answer.message.to_owned(),
            when: answer.when.as_ref().map(Into::into),
        }
    }
}

impl From<&Match<'_>> for def::Match {
    fn from(test: &Match) -> Self {
        match test {
            Match::Equals { pointer, value } => def::Match::Equals {
                pointer: (*pointer).to_owned(),
                value: value.into(),
            },
            Match::Contains(text) => def::Match::Contains {
                text: (*text).to_owned(),
            },
        }
    }
}

impl From<&Literal<'_>> for def::Literal {
    fn from(literal: &Literal) -> Self {
        match literal {
            Literal::Bool(b) => def::Literal::Bool(*b),
            Literal::Int(i) => def::Literal::Int(*i),
            Literal::Str(s) => def::Literal::Str((*s).to_owned()),
        }
    }
}

impl From<&Proof<'_>> for def::Proof {
    fn from(proof: &Proof) -> Self {
        def::Proof {
            at: strings(proof.at),
            shape: match proof.shape {
                Shape::Object => def::Shape::Object,
                Shape::List => def::Shape::List,
                Shape::ListOrObject => def::Shape::ListOrObject,
            },
            expected: proof.expected.to_owned(),
            required: strings(proof.required),
            one_of: strings(proof.one_of),
            account: proof
                .account
                .iter()
                .map(|(name, source)| def::AccountField {
                    name: (*name).to_owned(),
                    source: source.into(),
                })
                .collect(),
            warnings: proof.warnings.iter().map(Into::into).collect(),
        }
    }
}

impl From<&Source<'_>> for def::Source {
    fn from(source: &Source) -> Self {
        match source {
            Source::Member(pointer) => def::Source::Member {
                pointer: (*pointer).to_owned(),
            },
            Source::BodyMember(pointer) => def::Source::BodyMember {
                pointer: (*pointer).to_owned(),
            },
            Source::Text(pointers) => def::Source::Text {
                pointers: strings(pointers),
            },
            Source::Each { member, most } => def::Source::Each {
                member: (*member).to_owned(),
                // A count this large keeps every element; the suite bounds lists far lower.
                most: u32::try_from(*most).unwrap_or(u32::MAX),
            },
            Source::Count => def::Source::Count,
            Source::NonEmpty => def::Source::NonEmpty,
            Source::Keys { most } => def::Source::Keys {
                most: u32::try_from(*most).unwrap_or(u32::MAX),
            },
            Source::KeyCount => def::Source::KeyCount,
            Source::Fixed(value) => def::Source::Fixed {
                value: value.into(),
            },
        }
    }
}

impl From<&Warning<'_>> for def::Warning {
    fn from(warning: &Warning) -> Self {
        def::Warning {
            message: warning.message.to_owned(),
            when: (&warning.when).into(),
        }
    }
}

impl From<&ActionSpec<'_>> for def::Action {
    fn from(action: &ActionSpec) -> Self {
        def::Action {
            id: action.id.to_owned(),
            name: action.name.to_owned(),
            description: action.description.to_owned(),
            variant: action.variant.to_owned(),
            repeat: match action.repeat {
                Repeat::Safe => def::Repeat::Safe,
                Repeat::OnlyIfRefused => def::Repeat::OnlyIfRefused,
            },
            inputs: action.inputs.iter().map(Into::into).collect(),
            request: (&action.request).into(),
            query: action.query.iter().map(Into::into).collect(),
            outputs: action.outputs.iter().map(Into::into).collect(),
            cautions: action.cautions.iter().map(Into::into).collect(),
        }
    }
}

impl From<&QueryParam<'_>> for def::QueryParam {
    fn from(param: &QueryParam) -> Self {
        def::QueryParam {
            name: param.name.to_owned(),
            input: param.input.to_owned(),
            omit_when: owned(param.omit_when),
        }
    }
}

impl From<&Output<'_>> for def::Output {
    fn from(output: &Output) -> Self {
        def::Output {
            key: output.key.to_owned(),
            label: output.label.to_owned(),
            description: output.description.to_owned(),
            secret: output.secret,
            pointer: output.pointer.to_owned(),
        }
    }
}

impl From<&Caution<'_>> for def::Caution {
    fn from(caution: &Caution) -> Self {
        def::Caution {
            input: caution.input.to_owned(),
            when: caution.when.to_owned(),
            message: caution.message.to_owned(),
        }
    }
}

impl From<&SetupGuide<'_>> for def::Guide {
    fn from(guide: &SetupGuide) -> Self {
        def::Guide {
            prerequisites: strings(guide.prerequisites),
            lifecycle: strings(guide.lifecycle),
            troubleshooting: (&guide.troubleshooting).into(),
            steps: guide.steps.iter().map(Into::into).collect(),
        }
    }
}

impl From<&Step<'_>> for def::Step {
    fn from(step: &Step) -> Self {
        def::Step {
            title: step.title.to_owned(),
            body: step.body.to_owned(),
            points: strings(step.points),
            warnings: strings(step.warnings),
        }
    }
}

impl From<&Troubleshooting<'_>> for def::Troubleshooting {
    fn from(advice: &Troubleshooting) -> Self {
        def::Troubleshooting {
            rejected: owned(advice.rejected),
            forbidden: owned(advice.forbidden),
            rate_limited: owned(advice.rate_limited),
            unavailable: owned(advice.unavailable),
        }
    }
}
