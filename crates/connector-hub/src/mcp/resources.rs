//! The MCP resources: each connector's setup guide as markdown (`connector://<id>/guide`), the
//! same text as `docs/connectors/<id>.md`, so an agent can tell a person how to create the key
//! they will enter on the connect page.

use rmcp::model::{Resource, ResourceContents, ResourceTemplate};

use crate::service::Hub;

/// The guide's media type.
const MARKDOWN: &str = "text/markdown";

/// The URI of connector `id`'s setup guide.
pub fn guide_uri(id: &str) -> String {
    format!("connector://{id}/guide")
}

/// One resource per connector: its setup guide.
pub fn guides(hub: &Hub) -> Vec<Resource> {
    hub.all_connectors()
        .iter()
        .map(|c| {
            let spec = c.spec();
            Resource::new(guide_uri(spec.id), format!("{}-guide", spec.id))
                .with_title(format!("{} setup guide", spec.name))
                .with_description(format!(
                    "How a person creates and manages the {} key the hub asks for, and what to \
                     do when it is refused.",
                    spec.name
                ))
                .with_mime_type(MARKDOWN)
        })
        .collect()
}

/// The template every guide's URI follows.
pub fn guide_template() -> ResourceTemplate {
    ResourceTemplate::new("connector://{id}/guide", "connector-guide")
        .with_title("A connector's setup guide")
        .with_description(
            "How a person creates the key a connector needs; `id` is a connector id from \
             `list_connectors`.",
        )
        .with_mime_type(MARKDOWN)
}

/// The guide at `uri`, or `None` when no connector has one there.
pub fn read_guide(hub: &Hub, uri: &str) -> Option<ResourceContents> {
    let id = uri.strip_prefix("connector://")?.strip_suffix("/guide")?;
    let connector = hub.find_connector(id)?;
    let markdown = connector_docs::guide_markdown(connector.as_ref());
    let markdown = markdown
        .strip_prefix(connector_docs::MARKDOWN_MARKER)
        .unwrap_or(&markdown)
        .trim_start();
    Some(ResourceContents::text(markdown, uri).with_mime_type(MARKDOWN))
}
