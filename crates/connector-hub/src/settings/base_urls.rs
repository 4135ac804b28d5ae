//! `[base_urls]` in the hub's settings, read by connector-core's one reader with the hub's
//! prefix and `api` naming the API base URL in a table, and the overrides a check is given.

use std::collections::BTreeMap;

use connector_core::overrides::{BaseUrlEntry, BaseUrlReader, LayeredUrls};
use connector_core::{ConnectorSpec, Overrides, UrlTemplate};
use serde::{Deserialize, Serialize};

/// Prefix of the base URL variables (`CONNECTOR_HUB__BASE_URLS__GREENHOUSE__AUTH`), read apart
/// from the other settings.
const ENV_BASE_URLS: &str = "CONNECTOR_HUB__BASE_URLS";
/// The slot name of a connector's API base URL in a `[base_urls.<id>]` table.
const API_SLOT: &str = "api";

/// A connector's URL overrides: one API base URL, or a table naming the API (`api`) and origins.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum UrlSetting {
    Api(String),
    Slots(BTreeMap<String, String>),
}

/// URL overrides for one connector, from the settings' `base_urls`; `Err` says which entry is not
/// a URL.
pub(super) fn overrides_of(
    base_urls: &BTreeMap<String, UrlSetting>,
    id: &str,
) -> Result<Overrides, String> {
    let mut overrides = Overrides::default();
    let parse = |text: &str| {
        UrlTemplate::parse(text)
            .map_err(|e| format!("[base_urls] entry for {id} is not a valid URL: {e}"))
    };
    match base_urls.get(id) {
        None => {}
        Some(UrlSetting::Api(url)) => overrides.base_url = Some(parse(url)?),
        Some(UrlSetting::Slots(slots)) => {
            for (slot, url) in slots {
                if slot == API_SLOT {
                    overrides.base_url = Some(parse(url)?);
                } else {
                    overrides.origins.insert(slot.clone(), parse(url)?);
                }
            }
        }
    }
    Ok(overrides)
}

/// How the hub spells base URL settings: the CLI's spellings under its own prefix, plus `api`
/// for the API base URL in a table; an unknown id points at the hub's own list.
pub(super) fn base_url_reader<'a>(
    specs: &'a [&'static ConnectorSpec<'static>],
) -> BaseUrlReader<'a> {
    BaseUrlReader {
        specs,
        env_prefix: ENV_BASE_URLS,
        api_name: Some(API_SLOT),
        ids_hint: "GET /api/v1/connectors lists the ids this hub knows",
        closest_id: connector_registry::closest_id,
        skip_unknown_origins: true,
    }
}

impl From<UrlSetting> for BaseUrlEntry {
    fn from(setting: UrlSetting) -> Self {
        match setting {
            UrlSetting::Api(url) => BaseUrlEntry::Url(url),
            UrlSetting::Slots(slots) => BaseUrlEntry::Origins(slots),
        }
    }
}

/// The read URLs as `[base_urls.<id>]` tables keyed by connector id, `api` for the API base.
pub(super) fn by_connector(urls: LayeredUrls<'_>) -> BTreeMap<String, UrlSetting> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for ((id, slot), (url, _)) in urls {
        let slot = slot.unwrap_or_else(|| API_SLOT.to_owned());
        out.entry(id.to_owned()).or_default().insert(slot, url);
    }
    out.into_iter()
        .map(|(id, slots)| (id, UrlSetting::Slots(slots)))
        .collect()
}
