//! The connectors the hub serves: the compiled ones, then the custom ones added through the API
//! as definition files (`PUT /api/v1/connectors/{id}`), stored in the database. A custom
//! connector never shadows a compiled one.
//!
//! Each process keeps the custom connectors it last read with the registry revision they came
//! with; [`Hub::refresh_connectors`] reads the revision (one small query, made before each
//! request and scheduled pass) and reloads only when another process changed something, so a
//! definition stored by one process is served by all of them from their next request. A replaced
//! or removed definition is dropped as soon as the last request using it ends: its spec lives in
//! an arena the connector owns, so replacing definitions keeps memory flat.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use connector_core::{
    AccountProof, CheckOptions, CheckReport, Connector, ConnectorSpec, CredentialVariant,
    HttpClient, RawCredentials, Verdict,
};
use connector_definition::{DefinedConnector, Definition, MAX_BYTES};
use serde_json::Value;

use super::hub::{Hub, HubError};
use crate::clock::now;
use crate::store::{Removal, Stored};

/// A connector as the hub hands it out: compiled or custom alike.
pub type ConnectorRef = Arc<dyn Connector>;

/// A compiled connector behind the same handle as a custom one.
struct Compiled(&'static dyn Connector);

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Compiled").field(&self.0.spec().id).finish()
    }
}

#[async_trait]
impl Connector for Compiled {
    fn spec(&self) -> &ConnectorSpec<'_> {
        self.0.spec()
    }

    fn account(&self, variant: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        self.0.account(variant, body)
    }

    fn classify(&self, status: u16, body: &Value) -> Option<Verdict> {
        self.0.classify(status, body)
    }

    async fn check(
        &self,
        http: &HttpClient,
        variant: Option<&str>,
        credentials: &RawCredentials,
        options: &CheckOptions,
    ) -> CheckReport {
        self.0.check(http, variant, credentials, options).await
    }
}

/// The custom connectors as of one registry revision, each with the revision of its last change.
#[derive(Debug, Default)]
struct Custom {
    revision: i64,
    by_id: BTreeMap<String, (i64, Arc<DefinedConnector>)>,
}

/// The registry one process serves from.
pub struct Registry {
    compiled: Vec<ConnectorRef>,
    custom: RwLock<Arc<Custom>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            compiled: connector_registry::all()
                .iter()
                .map(|c| Arc::new(Compiled(*c)) as ConnectorRef)
                .collect(),
            custom: RwLock::new(Arc::new(Custom {
                revision: -1,
                by_id: BTreeMap::new(),
            })),
        }
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let custom = self.custom();
        f.debug_struct("Registry")
            .field("compiled", &self.compiled.len())
            .field("custom", &custom.by_id.keys().collect::<Vec<_>>())
            .field("revision", &custom.revision)
            .finish()
    }
}

impl Registry {
    fn custom(&self) -> Arc<Custom> {
        match self.custom.read() {
            Ok(custom) => custom.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_custom(&self, custom: Custom) {
        let custom = Arc::new(custom);
        match self.custom.write() {
            Ok(mut slot) => *slot = custom,
            Err(poisoned) => *poisoned.into_inner() = custom,
        }
    }

    fn compiled(&self, id: &str) -> Option<&ConnectorRef> {
        self.compiled.iter().find(|c| c.spec().id == id)
    }

    /// The connector with this id, compiled first.
    pub fn find(&self, id: &str) -> Option<ConnectorRef> {
        if let Some(compiled) = self.compiled(id) {
            return Some(compiled.clone());
        }
        self.custom()
            .by_id
            .get(id)
            .map(|(_, c)| c.clone() as ConnectorRef)
    }

    /// Every connector: the compiled ones in display order, then the custom ones by id.
    pub fn all(&self) -> Vec<ConnectorRef> {
        let custom = self.custom();
        let mut all = self.compiled.clone();
        all.extend(
            custom
                .by_id
                .values()
                .map(|(_, c)| c.clone() as ConnectorRef),
        );
        all
    }

    /// Whether `id` is a custom connector's.
    pub fn is_custom(&self, id: &str) -> bool {
        self.compiled(id).is_none() && self.custom().by_id.contains_key(id)
    }

    /// The known id closest to `id`, for "did you mean".
    fn closest(&self, id: &str) -> Option<String> {
        let id = id.to_ascii_lowercase();
        self.all()
            .iter()
            .map(|c| c.spec().id.to_owned())
            .map(|known| (strsim::jaro_winkler(&id, &known), known))
            .filter(|(score, _)| *score > 0.7)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, known)| known)
    }
}

/// How a definition is written in a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionFormat {
    Toml,
    Json,
}

/// Says a connector id is unknown, with the closest one and where the list is; never quotes the
/// id asked for (it may be a key pasted in the wrong place).
fn unknown(closest: Option<String>) -> String {
    let hint = closest
        .map(|close| format!("did you mean `{close}`? "))
        .unwrap_or_default();
    format!("no connector has this id; {hint}GET /api/v1/connectors lists them all")
}

impl Hub {
    /// The connector with this id, or an error naming the closest one.
    pub fn connector(&self, id: &str) -> Result<ConnectorRef, HubError> {
        self.connectors.find(id).ok_or_else(|| HubError::Invalid {
            field: "connector",
            message: unknown(self.connectors.closest(id)),
        })
    }

    /// As [`Hub::connector`], the error a "not found".
    pub fn connector_or_404(&self, id: &str) -> Result<ConnectorRef, HubError> {
        self.connectors
            .find(id)
            .ok_or_else(|| HubError::NotFound(unknown(self.connectors.closest(id))))
    }

    /// The connector with this id, if any.
    pub fn find_connector(&self, id: &str) -> Option<ConnectorRef> {
        self.connectors.find(id)
    }

    /// Every connector the hub serves, compiled ones first.
    pub fn all_connectors(&self) -> Vec<ConnectorRef> {
        self.connectors.all()
    }

    /// Whether `id` names a connector added through the API.
    pub fn is_custom_connector(&self, id: &str) -> bool {
        self.connectors.is_custom(id)
    }

    /// Brings this process's custom connectors up to the database's revision: one read when
    /// nothing changed, else the changed definitions are loaded again (the unchanged ones are
    /// kept as they are). A stored definition this version refuses is left out with a warning.
    pub async fn refresh_connectors(&self) -> Result<(), HubError> {
        let revision = self.store.connector_revision().await?;
        let current = self.connectors.custom();
        if current.revision == revision {
            return Ok(());
        }
        let mut by_id = BTreeMap::new();
        for row in self.store.custom_connectors().await? {
            if let Some((kept, connector)) = current.by_id.get(&row.id) {
                if *kept == row.revision {
                    by_id.insert(row.id, (*kept, connector.clone()));
                    continue;
                }
            }
            match DefinedConnector::load(&format!("{}.toml", row.id), &row.definition) {
                Ok(connector) => {
                    by_id.insert(row.id, (row.revision, Arc::new(connector)));
                }
                Err(errors) => tracing::warn!(
                    connector = %row.id,
                    problems = errors.len(),
                    "a stored connector definition no longer loads and is left out: {}",
                    errors.first().map(ToString::to_string).unwrap_or_default()
                ),
            }
        }
        self.connectors.set_custom(Custom { revision, by_id });
        Ok(())
    }

    /// Stores a custom connector's definition under `id` (new or replacing), checked first as
    /// an untrusted definition file, and serves it from now on.
    pub async fn put_connector(
        &self,
        id: &str,
        body: &str,
        format: DefinitionFormat,
        actor: &str,
    ) -> Result<(Stored, ConnectorRef), HubError> {
        if self.connectors.compiled(id).is_some() {
            return Err(HubError::Conflict {
                code: "compiled_connector",
                message: format!(
                    "`{id}` is a compiled connector; a custom connector cannot replace one, so give the definition an id of its own"
                ),
            });
        }
        let connector = parse_definition(id, body, format)?;
        if connector.definition().id != id {
            return Err(HubError::Invalid {
                field: "id",
                message: format!(
                    "the definition's id is `{}` but the URL names `{id}`; PUT it to /api/v1/connectors/{}",
                    connector.definition().id,
                    connector.definition().id
                ),
            });
        }
        let text = connector_definition::print(connector.definition());
        let stored = self
            .store
            .put_custom_connector(id, &text, actor, now())
            .await?;
        self.refresh_connectors().await?;
        let served = self.connector(id)?;
        Ok((stored, served))
    }

    /// Removes a custom connector; refused while accounts use it, and for a compiled one.
    pub async fn delete_connector(&self, id: &str, actor: &str) -> Result<(), HubError> {
        if self.connectors.compiled(id).is_some() {
            return Err(HubError::Conflict {
                code: "compiled_connector",
                message: format!(
                    "`{id}` is a compiled connector; only custom connectors can be removed"
                ),
            });
        }
        match self.store.delete_custom_connector(id, actor).await? {
            Removal::Removed => {
                self.refresh_connectors().await?;
                Ok(())
            }
            Removal::NotFound => Err(HubError::NotFound(unknown(self.connectors.closest(id)))),
            Removal::InUse(count) => Err(HubError::Conflict {
                code: "connector_in_use",
                message: format!(
                    "{count} linked account{} use{} `{id}`; unlink {} first, then remove the connector",
                    if count == 1 { "" } else { "s" },
                    if count == 1 { "s" } else { "" },
                    if count == 1 { "it" } else { "them" },
                ),
            }),
        }
    }

    /// Any connector's definition: canonical TOML, or the same as JSON.
    pub fn connector_definition(
        &self,
        id: &str,
        format: DefinitionFormat,
    ) -> Result<String, HubError> {
        let connector = self.connector_or_404(id)?;
        let definition = Definition::from(connector.spec());
        Ok(match format {
            DefinitionFormat::Toml => connector_definition::print(&definition),
            DefinitionFormat::Json => {
                serde_json::to_string_pretty(&definition).map_err(|e| HubError::Invalid {
                    field: "format",
                    message: format!("the definition cannot be written as JSON: {e}"),
                })?
            }
        })
    }
}

/// A request body as a checked definition: TOML as a file is checked; JSON is read into the
/// same model, then checked as the TOML it prints to.
fn parse_definition(
    id: &str,
    body: &str,
    format: DefinitionFormat,
) -> Result<DefinedConnector, HubError> {
    let name = format!("{id}.toml");
    if body.len() > MAX_BYTES {
        return Err(HubError::Invalid {
            field: "definition",
            message: format!(
                "the definition is {} bytes; a definition holds at most {MAX_BYTES} bytes (256 KiB)",
                body.len()
            ),
        });
    }
    let text = match format {
        DefinitionFormat::Toml => body.to_owned(),
        DefinitionFormat::Json => {
            let definition: Definition =
                serde_json::from_str(body).map_err(|e| HubError::Invalid {
                    field: "definition",
                    message: format!(
                        "the JSON is not a connector definition ({e}); docs/definition.schema.json describes one"
                    ),
                })?;
            connector_definition::print(&definition)
        }
    };
    DefinedConnector::load(&name, &text).map_err(|errors| {
        // A TOML file's problems carry its lines; a JSON body's lines would be those of the TOML
        // it was read into, so only the key paths are named.
        let problems: Vec<String> = errors
            .iter()
            .map(|e| match format {
                DefinitionFormat::Toml => e.to_string(),
                DefinitionFormat::Json => format!("{} {}", e.path, e.message),
            })
            .collect();
        HubError::Invalid {
            field: "definition",
            message: format!("the definition is refused: {}", problems.join("; ")),
        }
    })
}
