//! `serve`: the hub's web server, its schedule and webhook deliveries, until Ctrl-C or SIGTERM.

use std::time::Duration;

use connector_hub::http::serve::{connection_cap, ServeLimits};
use connector_hub::keyring::Keyring;
use connector_hub::settings::Settings;
use connector_hub::Hub;

use crate::master_key::key_source;

pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let keyring = Keyring::open(key_source(&settings))?;
    let hub = Hub::start(settings.clone(), keyring).await?;
    if hub.count_keys().await? == 0 {
        eprintln!("No hub keys yet: run `connector-hub init` to create the first admin key.");
    }
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {}: {e}; pick another with --listen",
                settings.listen
            )
        })?;
    let addr = listener.local_addr()?;
    eprintln!(
        "connector-hub listening on http://{addr} (database: {}); open http://{addr}/signin",
        hub.database_name()
    );
    tokio::spawn(connector_hub::schedule::run(hub.clone()));
    tokio::spawn(connector_hub::webhooks::run(hub.clone()));
    let limits = ServeLimits {
        header_read_timeout: Duration::from_secs_f64(settings.header_read_timeout),
        max_connections: connection_cap(settings.max_connections),
    };
    let app = connector_hub::router(hub.clone());
    connector_hub::http::serve::serve(listener, app, limits, shutdown()).await;
    hub.close().await;
    Ok(())
}

pub async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
