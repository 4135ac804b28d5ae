//! How the hub reaches providers, as the CLI's config file says it: `ca_cert = "FILE"` (a PEM
//! bundle trusted besides the built-in roots) and `resolve = ["HOST:PORT:ADDR", …]` (pinned
//! addresses, as curl's `--resolve`; `*.example.com` pins every name under example.com, `*`
//! every name). Both apply to the client that runs checks and to the proxy's.

use connector_core::http::{load_ca_bundle, HttpClientBuilder, Pin};

use super::{Settings, SettingsError};

/// One `resolve` entry, read by connector-core's [`Pin`]; `index` is its place in the list, for
/// the error.
fn parse_pin(index: usize, text: &str) -> Result<Pin, SettingsError> {
    Pin::parse(text).map_err(|why| {
        SettingsError(format!(
            "resolve[{index}] {:?}: expected HOST:PORT:ADDRESS as curl's --resolve takes it, \
             e.g. api.example.com:443:127.0.0.1 or *.example.com:443:10.0.0.5 ({why})",
            text.chars().take(80).collect::<String>()
        ))
    })
}

impl Settings {
    /// The `resolve` entries, parsed; blank ones are skipped.
    pub fn pins(&self) -> Result<Vec<Pin>, SettingsError> {
        self.resolve
            .iter()
            .enumerate()
            .filter(|(_, entry)| !entry.trim().is_empty())
            .map(|(index, entry)| parse_pin(index, entry))
            .collect()
    }

    /// The certificates of `ca_cert`, none when it is unset.
    pub fn extra_roots(&self) -> Result<Vec<reqwest::Certificate>, SettingsError> {
        match &self.ca_cert {
            Some(path) => load_ca_bundle(path).map_err(|e| {
                SettingsError(format!(
                    "ca_cert: {e} (a PEM file of the certificate authorities to trust besides \
                     the built-in ones)"
                ))
            }),
            None => Ok(Vec::new()),
        }
    }

    /// `base` with `ca_cert`'s certificates trusted and `resolve`'s pins applied: the client of
    /// checks and the proxy's are built from it.
    pub fn network(&self, base: HttpClientBuilder) -> Result<HttpClientBuilder, SettingsError> {
        let mut builder = base.extra_roots(self.extra_roots()?);
        for pin in self.pins()? {
            builder = builder.pin(&pin.host, pin.socket_addr());
        }
        Ok(builder)
    }
}
