//! The setup guide of one connector, built from its spec alone: what it is, who may create the
//! key, the steps, the key's lifecycle, linking, the field reference, auth, verification,
//! troubleshooting, assumptions and links.

use connector_core::action::ActionSpec;
use connector_core::http::Repeat;
use connector_core::{
    Auth, BaseUrl, Body, Connector, ConnectorSpec, CredentialVariant, Field, Format,
    HeaderValueSource, RequestSpec, Status,
};

use crate::doc::{Block, StepBlock};

/// The guide as document blocks, shared by the Markdown and terminal renderers.
pub(crate) fn guide_blocks(connector: &dyn Connector) -> Vec<Block> {
    let spec = connector.spec();
    let mut blocks = vec![
        Block::Heading(1, spec.name.to_owned()),
        Block::Paragraph(or_missing(spec.summary, "No summary is declared yet.")),
        Block::Bullets(vec![
            format!("Connector id: `{}`", spec.id),
            format!(
                "Category: {}",
                or_missing(spec.category, "not declared yet")
            ),
            format!("API base URL: {}", base_url_text(&spec.base_url)),
            format!("Credential types: {}", variant_list(spec)),
        ]),
    ];

    blocks.push(Block::Heading(2, "Before you start".to_owned()));
    blocks.push(list_or(
        spec.guide.prerequisites,
        "No prerequisites are declared for this connector yet.",
    ));

    blocks.push(Block::Heading(
        2,
        format!("Create the key in {}", spec.name),
    ));
    if spec.guide.steps.is_empty() {
        blocks.push(Block::Paragraph(
            "No setup steps are declared for this connector yet.".to_owned(),
        ));
    } else {
        blocks.push(Block::Steps(
            spec.guide
                .steps
                .iter()
                .map(|step| StepBlock {
                    title: step.title.to_owned(),
                    body: step.body.to_owned(),
                    points: to_strings(step.points),
                    warnings: to_strings(step.warnings),
                })
                .collect(),
        ));
    }

    blocks.push(Block::Heading(2, "Manage the key".to_owned()));
    blocks.push(list_or(
        spec.guide.lifecycle,
        "No key lifecycle notes are declared for this connector yet.",
    ));

    blocks.push(Block::Heading(2, "Link the account".to_owned()));
    blocks.push(Block::Steps(link_steps(spec)));
    blocks.push(Block::Paragraph(format!(
        "The same check runs from a terminal with `connector check {}`; without a credentials \
         file it reads each field from the environment variable listed in the field reference.",
        spec.id
    )));

    for (index, variant) in spec.variants.iter().enumerate() {
        variant_blocks(spec, variant, index == 0, &mut blocks);
    }

    troubleshooting_blocks(spec, &mut blocks);

    if !spec.actions.is_empty() {
        action_blocks(spec, &mut blocks);
    }

    blocks.push(Block::Heading(2, "What is assumed".to_owned()));
    if spec.assumptions.is_empty() {
        blocks.push(Block::Paragraph(
            "No assumptions are declared for this connector.".to_owned(),
        ));
    } else {
        blocks.push(Block::Paragraph(
            "These points could not be confirmed from the provider's own documentation; the \
             connector is written to cope with each of them:"
                .to_owned(),
        ));
        blocks.push(Block::Bullets(to_strings(spec.assumptions)));
    }

    blocks.push(Block::Heading(2, format!("{} documentation", spec.name)));
    if spec.docs.is_empty() {
        blocks.push(Block::Paragraph(
            "No links to the provider's documentation are declared yet.".to_owned(),
        ));
    } else {
        blocks.push(Block::Links(
            spec.docs
                .iter()
                .map(|link| (link.title.to_owned(), link.url.to_owned()))
                .collect(),
        ));
    }
    blocks
}

fn variant_list(spec: &ConnectorSpec) -> String {
    spec.variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let default = if i == 0 { ", the default" } else { "" };
            format!("{} (`{}`{default})", v.label, v.name)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn or_missing(text: &str, missing: &str) -> String {
    if text.trim().is_empty() {
        missing.to_owned()
    } else {
        text.to_owned()
    }
}

fn list_or(items: &[&str], empty: &str) -> Block {
    if items.is_empty() {
        Block::Paragraph(empty.to_owned())
    } else {
        Block::Bullets(to_strings(items))
    }
}

fn to_strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn link_steps(spec: &ConnectorSpec) -> Vec<StepBlock> {
    let open = if spec.variants.len() > 1 {
        format!(
            "In the integration hub, start linking a new account, choose {}, and pick the \
             credential type that matches your key: {}.",
            spec.name,
            spec.variants
                .iter()
                .map(|v| v.label)
                .collect::<Vec<_>>()
                .join(" or ")
        )
    } else {
        format!(
            "In the integration hub, start linking a new account and choose {}.",
            spec.name
        )
    };
    let fill_points = if spec.variants.len() > 1 {
        spec.variants
            .iter()
            .map(|v| format!("{}: {}", v.label, field_summary(v)))
            .collect()
    } else {
        spec.default_variant()
            .fields
            .iter()
            .map(|f| format!("{} ({})", f.label, requirement(f)))
            .collect()
    };
    let verify = spec.default_variant().verified_by().describe();
    vec![
        StepBlock {
            title: "Open the connection form".to_owned(),
            body: open,
            points: Vec::new(),
            warnings: Vec::new(),
        },
        StepBlock {
            title: "Fill in the fields".to_owned(),
            body: format!("Enter the values from {}:", spec.name),
            points: fill_points,
            warnings: Vec::new(),
        },
        StepBlock {
            title: "Connect".to_owned(),
            body: format!(
                "Press Connect. The hub sends `{verify}` to {name} with the key; once {name} \
                 accepts it, the account is listed on the Accounts page. A refusal names one of \
                 the outcomes under Troubleshooting.",
                name = spec.name
            ),
            points: Vec::new(),
            warnings: Vec::new(),
        },
    ]
}

fn field_summary(variant: &CredentialVariant) -> String {
    variant
        .fields
        .iter()
        .map(|f| format!("{} ({})", f.label, requirement(f)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn requirement(field: &Field) -> String {
    match (field.required, field.default) {
        (true, _) => "required".to_owned(),
        (false, Some(default)) => format!("optional, defaults to `{default}`"),
        (false, None) => "optional".to_owned(),
    }
}

fn variant_blocks(
    spec: &ConnectorSpec,
    variant: &CredentialVariant,
    is_default: bool,
    blocks: &mut Vec<Block>,
) {
    blocks.push(Block::Heading(
        2,
        format!("Credential: {} (`{}`)", variant.label, variant.name),
    ));
    let mut intro = variant.description.to_owned();
    if spec.variants.len() > 1 {
        let mut names = vec![format!("`--variant {}`", variant.name)];
        names.extend(variant.aliases.iter().map(|a| format!("`--variant {a}`")));
        intro.push_str(&format!(
            " {} Select it with {}.",
            if is_default {
                "This is the default type."
            } else {
                "This is not the default type."
            },
            names.join(" or ")
        ));
    }
    blocks.push(Block::Paragraph(intro));

    blocks.push(Block::Heading(3, "Fields".to_owned()));
    blocks.push(field_table(variant));
    blocks.push(Block::Bullets(
        variant
            .fields
            .iter()
            .map(|f| {
                let example = f
                    .example
                    .map(|e| format!(" Example (not a real value): `{e}`."))
                    .unwrap_or_default();
                format!("{}: {}{example}", f.label, f.help)
            })
            .collect(),
    ));

    blocks.push(Block::Heading(3, "How the key is sent".to_owned()));
    let mut sent = vec![match variant.auth {
        Auth::Query { param, field } => format!(
            "In the query string of every request, as `?{param}=<{field}>`; the key is masked wherever a URL is shown."
        ),
        Auth::Exchange(_) => format!(
            "The client credentials are exchanged for a token first: {}.",
            variant.auth.describe()
        ),
        auth => format!("`{}` on every request.", auth.describe()),
    }];
    for header in variant.extra_headers {
        sent.push(match header.value {
            HeaderValueSource::Fixed(value) => {
                format!("`{}: {value}` is sent as well.", header.name)
            }
            HeaderValueSource::Field(key) => {
                let field = variant.field(key);
                let label = field.map_or(key, |f| f.label);
                let default = field
                    .and_then(|f| f.default)
                    .map(|d| format!(" (`{d}` when left empty)"))
                    .unwrap_or_default();
                format!(
                    "`{}: <{key}>` is sent as well, carrying the {label} field{default}.",
                    header.name
                )
            }
        });
    }
    blocks.push(Block::Bullets(sent));

    blocks.push(Block::Heading(3, "How the key is verified".to_owned()));
    let mut facts = Vec::new();
    if let Auth::Exchange(exchange) = variant.auth {
        let origin = exchange
            .origin
            .and_then(|name| spec.origin(name))
            .map_or(spec.base_url.primary(), |o| o.url.primary());
        facts.push(format!(
            "First, the token request: `{} {}{}`. The client secret goes only there.",
            exchange.request.method,
            origin.trim_end_matches('/'),
            exchange.request.path_and_query()
        ));
        facts.extend(answer_lines(&exchange.request));
    }
    facts.push(format!(
        "Request: `{} {}{}`",
        variant.verify.method,
        spec.base_url.primary().trim_end_matches('/'),
        variant.verify.path_and_query()
    ));
    for (name, value) in variant.verify.headers {
        facts.push(format!("Header `{name}: {value}` is sent with it."));
    }
    if let Body::Json(body) = variant.verify.body {
        facts.push(format!("JSON body: `{body}`."));
    }
    facts.extend(answer_lines(&variant.verify));
    if let Some(success) = variant.verify.success {
        facts.push(format!(
            "A 2xx answer counts as a success only when {}.",
            success.describe()
        ));
    }
    facts.push(format!(
        "A success (a 2xx answer whose body the connector recognises) proves {}",
        or_missing(variant.verify.proves, "… (not declared yet).")
    ));
    facts.push("Redirects are not followed, so the key never travels to another host.".to_owned());
    blocks.push(Block::Bullets(facts));
    if !spec.undocumented.is_empty() {
        let names: Vec<String> = spec.undocumented.iter().map(|s| format!("`{s}`")).collect();
        blocks.push(Block::Paragraph(format!(
            "{} documents no answer for these outcomes, so the connector has no recorded example of them: {}.",
            spec.name,
            names.join(", ")
        )));
    }
}

/// The declared answer rules of a request, one line each.
fn answer_lines(request: &RequestSpec) -> Vec<String> {
    request
        .answers
        .iter()
        .map(|a| {
            let when = a
                .when
                .map(|m| format!(" when {}", m.describe()))
                .unwrap_or_default();
            format!("HTTP {}{when} → `{}`: {}", a.status, a.outcome, a.message)
        })
        .collect()
}

/// The base URL, or each choice with the field value that picks it.
fn base_url_text(url: &BaseUrl) -> String {
    match url {
        BaseUrl::Template(t) => format!("`{t}`"),
        BaseUrl::Choice { field, urls } => {
            let each: Vec<String> = urls
                .iter()
                .map(|(v, u)| format!("`{u}` ({field} `{v}`)"))
                .collect();
            each.join(", ")
        }
    }
}

fn action_blocks(spec: &ConnectorSpec, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading(2, "Actions".to_owned()));
    blocks.push(Block::Paragraph(format!(
        "Besides checking a key, this connector can make these requests to {}:",
        spec.name
    )));
    for action in spec.actions {
        action_block(spec, action, blocks);
    }
}

fn action_block(spec: &ConnectorSpec, action: &ActionSpec, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading(
        3,
        format!("{} (`{}`)", action.name, action.id),
    ));
    blocks.push(Block::Paragraph(action.description.to_owned()));
    let credential = spec
        .variant(action.variant)
        .map_or(action.variant, |v| v.label);
    let request = &action.request;
    let query: Vec<String> = action
        .query
        .iter()
        .map(|q| {
            let omitted = q
                .omit_when
                .map(|v| format!(" (left out when it is `{v}`)"))
                .unwrap_or_default();
            format!("`{}` from the `{}` input{omitted}", q.name, q.input)
        })
        .collect();
    let mut facts = vec![
        format!("Credential: {credential} (`{}`).", action.variant),
        format!(
            "Request: `{} {}{}`, with `{{…}}` filled from the inputs.",
            request.method,
            spec.base_url.primary().trim_end_matches('/'),
            request.path
        ),
    ];
    if !query.is_empty() {
        facts.push(format!("Query parameters: {}.", query.join("; ")));
    }
    if let Body::Json(body) = request.body {
        facts.push(format!("JSON body: `{body}`."));
    }
    facts.push(match action.repeat {
        Repeat::Safe => "Retried on rate limits, server errors and network failures.".to_owned(),
        Repeat::OnlyIfRefused => "Retried only when rate limited, because a repeated request \
             could act twice; any other failure is reported for you to decide."
            .to_owned(),
    });
    blocks.push(Block::Bullets(facts));

    if !action.inputs.is_empty() {
        blocks.push(Block::Paragraph("Inputs:".to_owned()));
        blocks.push(fields_table(action.inputs, false));
        blocks.push(Block::Bullets(
            action
                .inputs
                .iter()
                .map(|f| format!("{}: {}", f.label, f.help))
                .collect(),
        ));
    }
    if !action.outputs.is_empty() {
        blocks.push(Block::Paragraph("Outputs:".to_owned()));
        blocks.push(Block::Table {
            header: ["Label", "Key", "Secret", "Read from", "Description"]
                .map(str::to_owned)
                .to_vec(),
            rows: action
                .outputs
                .iter()
                .map(|o| {
                    vec![
                        o.label.to_owned(),
                        format!("`{}`", o.key),
                        if o.secret { "yes" } else { "no" }.to_owned(),
                        format!("`{}`", o.pointer),
                        o.description.to_owned(),
                    ]
                })
                .collect(),
        });
        if action.outputs.iter().any(|o| o.secret) {
            blocks.push(Block::Paragraph(
                "Secret outputs are shown once and appear masked in reports and logs.".to_owned(),
            ));
        }
    }
    if !action.cautions.is_empty() {
        blocks.push(Block::Bullets(
            action
                .cautions
                .iter()
                .map(|c| format!("⚠️ When `{}` is `{}`: {}", c.input, c.when, c.message))
                .collect(),
        ));
    }
}

fn field_table(variant: &CredentialVariant) -> Block {
    fields_table(variant.fields, true)
}

/// The field reference; action inputs leave out the environment variable column when no input
/// has one.
fn fields_table(fields: &[Field], with_env: bool) -> Block {
    let mut header = [
        "Label",
        "Key",
        "Required",
        "Secret",
        "Format",
        "Environment variable",
        "Default",
        "Allowed values",
    ]
    .map(str::to_owned)
    .to_vec();
    let with_env = with_env || fields.iter().any(|f| f.env.is_some());
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let rows = fields
        .iter()
        .map(|f| {
            let mut row = vec![
                f.label.to_owned(),
                format!("`{}`", f.key),
                yes_no(f.required),
                yes_no(f.secret),
                format_cell(f.format),
                f.env.map(|e| format!("`{e}`")).unwrap_or_default(),
                f.default.map(|d| format!("`{d}`")).unwrap_or_default(),
                match f.format {
                    Format::Choice(values) => code_list(values),
                    Format::KeyPrefix { .. } => code_list(&f.format.choices().unwrap_or_default()),
                    Format::Boolean => code_list(&["true", "false"]),
                    _ => "any".to_owned(),
                },
            ];
            if !with_env {
                row.remove(5);
            }
            row
        })
        .collect();
    if !with_env {
        header.remove(5);
    }
    Block::Table { header, rows }
}

fn format_cell(format: Format) -> String {
    match format {
        Format::Text => "text".to_owned(),
        Format::Uuid => "UUID".to_owned(),
        Format::Pattern { regex, description } => format!("{description}; pattern `{regex}`"),
        Format::Choice(_) => "one of the allowed values".to_owned(),
        Format::KeyPrefix { key, values } => {
            let each: Vec<String> = values
                .iter()
                .map(|(value, prefix)| format!("`{prefix}…` → `{value}`"))
                .collect();
            format!(
                "one of the allowed values; left empty, read from the prefix of `{key}` ({})",
                each.join(", ")
            )
        }
        Format::Boolean => "boolean".to_owned(),
    }
}

fn code_list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Generic advice per failed outcome. The provider's own hint from the spec follows it.
fn troubleshooting_blocks(spec: &ConnectorSpec, blocks: &mut Vec<Block>) {
    let tips = &spec.guide.troubleshooting;
    blocks.push(Block::Heading(2, "Troubleshooting".to_owned()));
    blocks.push(Block::Paragraph(
        "A check that does not verify the key ends in exactly one outcome. The outcome name is \
         what `connector check --json` reports; the exit code is what the command returns."
            .to_owned(),
    ));
    let cases = [
        (Status::Rejected, tips.rejected),
        (Status::Forbidden, tips.forbidden),
        (Status::RateLimited, tips.rate_limited),
        (Status::Unavailable, tips.unavailable),
    ];
    for (status, hint) in cases {
        blocks.push(Block::Heading(
            3,
            format!(
                "`{status}`: {}, exit code {}",
                status.title(),
                status.exit_code()
            ),
        ));
        blocks.push(Block::Paragraph(status.advice().to_owned()));
        if let Some(hint) = hint {
            blocks.push(Block::Paragraph(format!("For {}: {hint}", spec.name)));
        }
    }
}
