//! `mcp`: the hub's MCP server over stdio, for agents that start the server themselves. Same
//! database and settings as `serve`; the hub key comes from `CONNECTOR_HUB_KEY` and is
//! authenticated before a byte of the protocol is spoken, then again on every request. Standard
//! output carries the protocol only; the log goes to standard error.

use std::process::ExitCode;

use connector_hub::hubkey::Scope;
use connector_hub::keyring::Keyring;
use connector_hub::mcp::HubMcp;
use connector_hub::settings::Settings;
use connector_hub::Hub;
use rmcp::ServiceExt;
use secrecy::{ExposeSecret, SecretString};

use crate::master_key::key_source;

/// The environment variable holding the hub key the server acts with.
pub const KEY_ENV: &str = "CONNECTOR_HUB_KEY";

pub async fn mcp(settings: Settings) -> anyhow::Result<ExitCode> {
    let key = match std::env::var(KEY_ENV) {
        Ok(key) if !key.trim().is_empty() => SecretString::from(key.trim().to_owned()),
        _ => {
            eprintln!(
                "error: set {KEY_ENV} to a hub key (`chub_…`, from the Keys page or \
                 `connector-hub admin-key create`); the MCP server acts with its scopes"
            );
            return Ok(ExitCode::from(2));
        }
    };
    let keyring = Keyring::open(key_source(&settings))?;
    let hub = Hub::start(settings, keyring).await?;
    let row = match hub.authenticate(key.expose_secret()).await? {
        Ok(row) => row,
        Err(failure) => {
            eprintln!(
                "error: {KEY_ENV}: {} ({}); set it to a working hub key",
                failure.message(),
                failure.code()
            );
            hub.close().await;
            return Ok(ExitCode::from(2));
        }
    };
    eprintln!(
        "connector-hub MCP server on stdio (database: {}), as hub key {} ({}) with scopes: {}",
        hub.database_name(),
        row.name,
        row.id,
        Scope::join(&row.scopes)
    );
    let server = HubMcp::with_key(hub.clone(), key)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| anyhow::anyhow!("the MCP client did not start a session: {e}"))?;
    let ended = server.waiting().await;
    hub.close().await;
    ended.map_err(|e| anyhow::anyhow!("the MCP session failed: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
