//! `list_connectors`: the providers the hub can link, for a model.

use crate::http::api::actions::{ActionView, InputView};
use crate::mcp::resources::guide_uri;
use connector_core::Field;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{to_value, ToolError};
use crate::service::Hub;

/// Which connectors to list.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListConnectors {
    /// Only this connector id, e.g. `lever`; every connector when absent.
    #[serde(default)]
    pub connector: Option<String>,
}

/// A connector as `list_connectors` shows it.
#[derive(Debug, Serialize)]
pub(super) struct ConnectorView<'a> {
    id: &'a str,
    name: &'a str,
    category: &'a str,
    summary: &'a str,
    /// The ways to authenticate; the first is the default.
    variants: Vec<VariantView<'a>>,
    actions: Vec<ActionView>,
    /// The MCP resource holding how a person creates the key (markdown).
    guide: String,
}

#[derive(Debug, Serialize)]
pub(super) struct VariantView<'a> {
    name: &'a str,
    label: &'a str,
    description: &'a str,
    /// What the person fills in on the connect page (the secret ones only there).
    fields: Vec<InputView>,
}

pub(super) fn list_connectors(hub: &Hub, args: ListConnectors) -> Result<Value, ToolError> {
    let wanted = args.connector.filter(|c| !c.trim().is_empty());
    let all = hub.all_connectors();
    let connectors: Vec<ConnectorView> = all
        .iter()
        .map(|c| c.spec())
        .filter(|spec| wanted.as_deref().is_none_or(|w| w == spec.id))
        .map(|spec| ConnectorView {
            id: spec.id,
            name: spec.name,
            category: spec.category,
            summary: spec.summary,
            variants: spec
                .variants
                .iter()
                .map(|v| VariantView {
                    name: v.name,
                    label: v.label,
                    description: v.description,
                    fields: v.fields.iter().map(field_view).collect(),
                })
                .collect(),
            actions: spec.actions.iter().map(ActionView::from).collect(),
            guide: guide_uri(spec.id),
        })
        .collect();
    if connectors.is_empty() {
        return Err(ToolError::new(
            "not_found",
            "no connector has this id; call `list_connectors` without `connector` to see them all",
        ));
    }
    Ok(json!({ "connectors": to_value(&connectors) }))
}

/// A credential field as `list_connectors` shows it. A secret field's example is left out: an
/// agent never enters a key, and an example shaped like a key has no place in its context.
pub(super) fn field_view(field: &Field) -> InputView {
    let mut view = InputView::from(field);
    if field.secret {
        view.example = None;
    }
    view
}
