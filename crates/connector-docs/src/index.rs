//! The connector index, `docs/connectors/README.md`: a section per category, one table row per
//! registered connector.

use connector_core::{Connector, ConnectorSpec};

use crate::doc::{to_markdown, Block};
use crate::MARKDOWN_MARKER;

/// `docs/connectors/README.md`: name, id, category, auth and verification of every connector.
pub fn index_markdown(connectors: &[&dyn Connector]) -> String {
    let row = |c: &&dyn Connector| {
        let spec = c.spec();
        vec![
            format!("[{}]({}.md)", spec.name, spec.id),
            format!("`{}`", spec.id),
            distinct(spec, |v| {
                let mut auth = format!("`{}`", v.auth.kind());
                for header in v.extra_headers {
                    auth.push_str(&format!(" + `{}`", header.name));
                }
                auth
            }),
            distinct(spec, |v| format!("`{}`", v.verified_by().describe())),
            spec.variants
                .iter()
                .map(|v| format!("`{}`", v.name))
                .collect::<Vec<_>>()
                .join(", "),
        ]
    };
    // One section per category, in alphabetical order; connectors in registry order within.
    let mut categories: Vec<&str> = connectors.iter().map(|c| c.spec().category).collect();
    categories.sort_unstable();
    categories.dedup();
    let mut blocks = vec![
        Block::Heading(1, "Connectors".to_owned()),
        Block::Paragraph(format!(
            "Every registered connector ({}), by category, with a setup guide per connector. The \
             machine-readable form of the same information, with a JSON Schema per credential \
             form, is [`docs/catalog.json`](../catalog.json).",
            connectors.len()
        )),
    ];
    for category in categories {
        blocks.push(Block::Heading(2, category.to_owned()));
        blocks.push(Block::Table {
            header: ["Name", "Id", "Auth", "Verification", "Credential types"]
                .map(str::to_owned)
                .to_vec(),
            rows: connectors
                .iter()
                .filter(|c| c.spec().category == category)
                .map(row)
                .collect(),
        });
    }
    format!("{MARKDOWN_MARKER}\n\n{}", to_markdown(&blocks))
}

/// The distinct values of `describe` over a spec's variants, in declaration order.
fn distinct(
    spec: &ConnectorSpec,
    describe: impl Fn(&connector_core::CredentialVariant) -> String,
) -> String {
    let mut seen: Vec<String> = Vec::new();
    for variant in spec.variants {
        let text = describe(variant);
        if !seen.contains(&text) {
            seen.push(text);
        }
    }
    seen.join(", ")
}
