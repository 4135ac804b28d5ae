//! Where a check's requests go instead of the spec's URLs ([`Overrides`]), and the one reader of
//! the `[base_urls]` settings that say so ([`BaseUrlReader`]), shared by the `connector` command
//! and the hub.
//!
//! A layer of settings gives URLs by connector and slot: `greenhouse = "…"` for the API base URL,
//! `"greenhouse.auth" = "…"` (or a table, `[base_urls.greenhouse]` then `auth = "…"`) for a named
//! origin, and `<PREFIX>__GREENHOUSE` / `<PREFIX>__GREENHOUSE__AUTH` in the environment. Ids and
//! origin names match whatever their case and with `_` for `-` (`POLYMER_HIRE` is
//! `polymer-hire`), so a later layer overrides an earlier one for the same connector every time,
//! whatever the spelling. Base URL variables are read here rather than by the `config` crate,
//! which would nest `…__GREENHOUSE__AUTH` under `…__GREENHOUSE` and keep only one of the two.
//!
//! Messages never quote a URL (it may carry credentials), and a name that could be a key pasted
//! in the wrong place is described by its length, not quoted.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::spec::ConnectorSpec;
use crate::template::UrlTemplate;
use crate::text::describe_value;

/// Where a check's requests go instead of the spec's URLs.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Replaces the API base URL, path prefix included.
    pub base_url: Option<UrlTemplate>,
    /// Replaces a named origin's URL (e.g. `auth`).
    pub origins: BTreeMap<String, UrlTemplate>,
}

/// Which of a connector's URLs an override replaces: `None` for the API base, or an origin name
/// as the spec declares it.
pub type UrlSlot = Option<String>;

impl FromIterator<(UrlSlot, UrlTemplate)> for Overrides {
    /// Overrides from URLs by slot; a later URL for the same slot wins.
    fn from_iter<I: IntoIterator<Item = (UrlSlot, UrlTemplate)>>(slots: I) -> Self {
        let mut overrides = Overrides::default();
        for (slot, template) in slots {
            match slot {
                None => overrides.base_url = Some(template),
                Some(name) => {
                    overrides.origins.insert(name.to_owned(), template);
                }
            }
        }
        overrides
    }
}

/// Why base URL settings could not be read; the message names the setting and the fix.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct BaseUrlError(String);

/// Names longer than this are described, not quoted: a key in the wrong place must not show (a
/// run of 12 characters of a key counts as showing it).
const MAX_QUOTED_NAME: usize = 11;

/// Whether `text` can be an origin name or a connector id as typed: letters, digits, `-`, `_`.
pub fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A name from the input, quoted when short and plain; otherwise only its length
/// (`a 24-character value`).
pub fn quote_name(name: &str) -> String {
    if is_name(name) && name.len() <= MAX_QUOTED_NAME {
        format!("`{name}`")
    } else {
        describe_value(name)
    }
}

/// A name from the settings (a key, a variable), quoted when short and plain; otherwise only its
/// length (`(a 24-character name)`).
pub fn describe_name(name: &str) -> String {
    if is_name(name) && name.len() <= MAX_QUOTED_NAME {
        format!("`{name}`")
    } else {
        format!("(a {}-character name)", name.chars().count())
    }
}

/// An id or origin name as compared: lower case, `_` as `-` (`POLYMER_HIRE` is `polymer-hire`).
pub fn normalize_name(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('_', "-")
}

/// The origin of `spec` called `name` (any case, `_` for `-`), or an error listing the names it
/// has. `setting` says where the name came from.
pub fn origin_named<'a>(
    spec: &'a ConnectorSpec<'a>,
    name: &str,
    setting: &str,
) -> Result<&'a str, BaseUrlError> {
    let wanted = normalize_name(name);
    if let Some(origin) = spec
        .origins
        .iter()
        .find(|o| normalize_name(o.name) == wanted)
    {
        return Ok(origin.name);
    }
    let known = if spec.origins.is_empty() {
        format!(
            "{} declares no named origins, only its API base URL (give that as a URL alone)",
            spec.id
        )
    } else {
        let names: Vec<&str> = spec.origins.iter().map(|o| o.name).collect();
        format!(
            "its named origins are: {} (a URL alone overrides the API base URL)",
            names.join(", ")
        )
    };
    Err(BaseUrlError(format!(
        "{setting}: {} has no origin named {}; {known}",
        spec.id,
        quote_name(name)
    )))
}

/// A `[base_urls]` entry as written: `polytomic = "…"`, `"greenhouse.auth" = "…"`, or a table of
/// named origins (`greenhouse.auth = "…"` without quotes, or `[base_urls.greenhouse] auth = "…"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseUrlEntry {
    Url(String),
    Origins(BTreeMap<String, String>),
}

impl<'de> Deserialize<'de> for BaseUrlEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;

        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = BaseUrlEntry;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a URL in quotes, or a table of named origins' URLs")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<BaseUrlEntry, E> {
                Ok(BaseUrlEntry::Url(text.to_owned()))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<BaseUrlEntry, E> {
                Ok(BaseUrlEntry::Url(text))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BaseUrlEntry, A::Error> {
                let mut origins = BTreeMap::new();
                while let Some((name, url)) = map.next_entry::<String, String>()? {
                    origins.insert(name, url);
                }
                Ok(BaseUrlEntry::Origins(origins))
            }
        }

        deserializer.deserialize_any(EntryVisitor)
    }
}

/// Where a layer of settings came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    File(&'a Path),
    Environment,
}

impl Source<'_> {
    /// `the config file PATH` or `the environment`.
    pub fn describe(self) -> String {
        match self {
            Self::File(path) => format!("the config file {}", path.display()),
            Self::Environment => "the environment".to_owned(),
        }
    }
}

/// A `[base_urls]` table as written, by key (`greenhouse`, `greenhouse.auth`).
pub type BaseUrlTable = HashMap<String, BaseUrlEntry>;

/// A layer's base URLs by connector id and slot, as written (not yet parsed).
pub type LayerUrls = BTreeMap<(String, UrlSlot), String>;

/// The base URLs of every layer, the later layer winning slot by slot, each with its source.
pub type LayeredUrls<'s> = BTreeMap<(String, UrlSlot), (String, Source<'s>)>;

/// Reads `[base_urls]` settings for the connectors of `specs`, as a caller spells them.
#[derive(Debug, Clone, Copy)]
pub struct BaseUrlReader<'a> {
    /// The connectors whose ids and origin names are valid.
    pub specs: &'a [&'a ConnectorSpec<'a>],
    /// The environment variables' prefix in upper case, without the trailing `__`:
    /// `CONNECTOR_BASE_URLS` reads `CONNECTOR_BASE_URLS__<ID>[__<ORIGIN>]`.
    pub env_prefix: &'a str,
    /// A slot name that means the API base URL, besides a URL alone (the hub's `api`).
    pub api_name: Option<&'a str>,
    /// Where to find the valid ids, ending an unknown id's message (`run \`connector list\` to
    /// see the ids`).
    pub ids_hint: &'a str,
    /// The known id closest to a mistyped one, for a "did you mean".
    pub closest_id: fn(&str) -> Option<&'static str>,
    /// Whether an origin name the connector does not have is skipped with a warning (the hub,
    /// which always let such entries be) instead of refused (the CLI).
    pub skip_unknown_origins: bool,
}

impl<'a> BaseUrlReader<'a> {
    /// The environment variable of a connector's base URL: `<PREFIX>__POLYMER_HIRE`,
    /// `<PREFIX>__GREENHOUSE__AUTH`.
    pub fn env_name(&self, id: &str, slot: Option<&str>) -> String {
        let upper = |s: &str| s.to_ascii_uppercase().replace('-', "_");
        match slot {
            None => format!("{}__{}", self.env_prefix, upper(id)),
            Some(name) => format!("{}__{}__{}", self.env_prefix, upper(id), upper(name)),
        }
    }

    /// The setting holding a connector's base URL, named as the user would write it, for
    /// messages about its value.
    pub fn setting(&self, source: Source<'_>, id: &str, slot: Option<&str>) -> String {
        let key = match slot {
            None => id.to_owned(),
            Some(name) => format!("{id}.{name}"),
        };
        match source {
            Source::File(path) => format!(
                "the base URL for {key} under [base_urls] in the config file {}",
                path.display()
            ),
            Source::Environment => format!("the base URL for {key} in {}", self.env_name(id, slot)),
        }
    }

    /// How a connector's base URL is written in a layer: `"greenhouse.auth" = …` under
    /// [base_urls], or `<PREFIX>__GREENHOUSE__AUTH`.
    fn key(&self, source: Source<'_>, id: &str, slot: Option<&str>) -> String {
        match (source, slot) {
            (Source::File(_), None) => format!("`{id} = \"…\"` under [base_urls]"),
            (Source::File(_), Some(name)) => format!("`\"{id}.{name}\" = \"…\"` under [base_urls]"),
            (Source::Environment, _) => self.env_name(id, slot),
        }
    }

    /// Splits environment variables into the base URL ones, as `[base_urls]` entries
    /// (`<PREFIX>__<ID>` and `<PREFIX>__<ID>__<ORIGIN>`, any case), and the rest. An empty
    /// variable counts as unset.
    pub fn split_environment(
        &self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(HashMap<String, String>, BaseUrlTable), BaseUrlError> {
        let prefix = format!("{}__", self.env_prefix.to_ascii_lowercase());
        let mut rest = HashMap::new();
        let mut base_urls = BaseUrlTable::new();
        for (name, value) in vars {
            let lower = name.to_ascii_lowercase();
            let Some(key) = lower.strip_prefix(&prefix) else {
                rest.insert(name, value);
                continue;
            };
            if value.is_empty() {
                continue;
            }
            let parts: Vec<&str> = key.split("__").collect();
            let key = match parts.as_slice() {
                [id] if !id.is_empty() => (*id).to_owned(),
                [id, origin] if !id.is_empty() && !origin.is_empty() => format!("{id}.{origin}"),
                _ => {
                    let prefix = self.env_prefix;
                    return Err(BaseUrlError(format!(
                        "invalid settings in the environment: {} is not a base URL variable; name \
                         it {prefix}__<ID> for a connector's API base URL or \
                         {prefix}__<ID>__<ORIGIN> for a named origin, e.g. \
                         {prefix}__GREENHOUSE__AUTH",
                        describe_name(&name)
                    )));
                }
            };
            // Two variables differing only in case are one setting: the last read wins.
            base_urls.insert(key, BaseUrlEntry::Url(value));
        }
        Ok((rest, base_urls))
    }

    /// One layer's `[base_urls]` entries by connector id and slot. An unknown connector or
    /// origin, or two spellings of one in the same layer, is an error naming it.
    pub fn read_layer(
        &self,
        table: impl IntoIterator<Item = (String, BaseUrlEntry)>,
        source: Source<'_>,
    ) -> Result<LayerUrls, BaseUrlError> {
        // Flattened to `id` / `id.origin` keys, sorted so the same input always gives the same
        // message.
        let mut flat: BTreeMap<String, String> = BTreeMap::new();
        for (key, entry) in table {
            match entry {
                BaseUrlEntry::Url(url) => {
                    flat.insert(key, url);
                }
                BaseUrlEntry::Origins(origins) => {
                    for (name, url) in origins {
                        flat.insert(format!("{key}.{name}"), url);
                    }
                }
            }
        }
        let mut spellings: BTreeMap<(String, UrlSlot), String> = BTreeMap::new();
        let mut urls = LayerUrls::new();
        for (key, url) in flat {
            let (id_part, origin_part) = match key.split_once('.') {
                Some((id, name)) => (id, Some(name)),
                None => (key.as_str(), None),
            };
            let normalized = normalize_name(id_part);
            let Some(spec) = self.spec(&normalized) else {
                return Err(self.unknown_connector(id_part, origin_part.is_none(), source));
            };
            let slot = match origin_part {
                None => None,
                Some(name) if self.means_api(name) => None,
                Some(name) => match origin_named(
                    spec,
                    name,
                    &format!("the base URLs of {}", source.describe()),
                ) {
                    Ok(origin) => Some(origin.to_owned()),
                    Err(e) if self.skip_unknown_origins => {
                        tracing::warn!("{e}; the entry is ignored");
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            let shown = match &slot {
                None => spec.id.to_owned(),
                Some(name) => format!("{}.{name}", spec.id),
            };
            if let Some(first) = spellings.insert((spec.id.to_owned(), slot.clone()), key.clone()) {
                return Err(BaseUrlError(format!(
                    "the base URL for {shown} is given twice in {} (as `{first}` and `{key}`, the same {}); keep one",
                    source.describe(),
                    if slot.is_some() { "origin" } else { "connector" },
                )));
            }
            urls.insert((spec.id.to_owned(), slot), url);
        }
        Ok(urls)
    }

    /// Every layer's entries, the later layer winning slot by slot.
    pub fn read<'s>(
        &self,
        layers: impl IntoIterator<Item = (BaseUrlTable, Source<'s>)>,
    ) -> Result<LayeredUrls<'s>, BaseUrlError> {
        let mut out = LayeredUrls::new();
        for (table, source) in layers {
            for (key, url) in self.read_layer(table, source)? {
                out.insert(key, (url, source));
            }
        }
        Ok(out)
    }

    /// The connector of `specs` with this id, already normalized.
    pub fn spec(&self, id: &str) -> Option<&'a ConnectorSpec<'a>> {
        self.specs.iter().copied().find(|s| s.id == id)
    }

    fn means_api(&self, name: &str) -> bool {
        self.api_name
            .is_some_and(|api| normalize_name(name) == normalize_name(api))
    }

    /// An unknown id's message, with a hint when it is an origin joined to the id with one `_`
    /// instead of `__` (or `.`), else a "did you mean" when one is close.
    fn unknown_connector(&self, id: &str, alone: bool, source: Source<'_>) -> BaseUrlError {
        let normalized = normalize_name(id);
        let hint = match (
            alone.then(|| self.joined_origin(&normalized)),
            (self.closest_id)(&normalized),
        ) {
            (Some(Some((id, name))), _) => format!(
                "for the `{name}` origin of {id}, write {}; ",
                self.key(source, id, Some(name))
            ),
            (_, Some(close)) => format!("did you mean `{close}`? "),
            _ => String::new(),
        };
        BaseUrlError(format!(
            "unknown connector {} in the base URLs of {}; {hint}{}",
            describe_name(id),
            source.describe(),
            self.ids_hint
        ))
    }

    /// `greenhouse-auth` read as connector `greenhouse` and its origin `auth`.
    fn joined_origin(&self, normalized: &str) -> Option<(&'a str, &'a str)> {
        self.specs.iter().find_map(|spec| {
            let rest = normalized.strip_prefix(spec.id)?.strip_prefix('-')?;
            let origin = spec
                .origins
                .iter()
                .find(|o| o.name.replace('_', "-") == rest)?;
            Some((spec.id, origin.name))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{
        Auth, BaseUrl, CredentialVariant, Field, Format, Origin, RequestSpec, SetupGuide,
    };

    static VARIANT: CredentialVariant = CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "",
        fields: &[Field {
            key: "api_key",
            label: "API key",
            help: "",
            required: true,
            secret: true,
            format: Format::Text,
            example: None,
            env: None,
            default: None,
        }],
        auth: Auth::Bearer { field: "api_key" },
        extra_headers: &[],
        verify: RequestSpec::get("/me", ""),
        proof: None,
    };

    const fn spec(id: &'static str, origins: &'static [Origin<'static>]) -> ConnectorSpec<'static> {
        ConnectorSpec {
            id,
            name: id,
            category: "ATS",
            summary: "",
            base_url: BaseUrl::Template("https://api.example.com"),
            origins,
            docs: &[],
            variants: std::slice::from_ref(&VARIANT),
            guide: SetupGuide::EMPTY,
            assumptions: &[],
            actions: &[],
            bulk_rate: None,
            undocumented: &[],
            identifying: &[],
        }
    }

    static HOUSE: ConnectorSpec = spec(
        "green-house",
        &[Origin {
            name: "auth",
            url: BaseUrl::Template("https://auth.example.com"),
            description: "the token endpoint",
        }],
    );
    static PLAIN: ConnectorSpec = spec("plain", &[]);
    static SPECS: [&ConnectorSpec; 2] = [&HOUSE, &PLAIN];

    fn reader(api_name: Option<&'static str>) -> BaseUrlReader<'static> {
        BaseUrlReader {
            specs: &SPECS,
            env_prefix: "APP__BASE_URLS",
            api_name,
            ids_hint: "see the list of ids",
            closest_id: |id| (id == "plian").then_some("plain"),
            skip_unknown_origins: false,
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn url(text: &str) -> BaseUrlEntry {
        BaseUrlEntry::Url(text.to_owned())
    }

    #[test]
    fn every_spelling_reads_to_the_same_id_and_slot() {
        let reader = reader(Some("api"));
        let (rest, env) = reader
            .split_environment(vars(&[
                ("APP__BASE_URLS__GREEN_HOUSE__API", "http://e/api"),
                ("app__base_urls__green_house__AUTH", "http://e/auth"),
                ("APP__BASE_URLS__PLAIN", ""),
                ("APP__LISTEN", "127.0.0.1:1"),
            ]))
            .unwrap();
        assert_eq!(rest.keys().collect::<Vec<_>>(), ["APP__LISTEN"]);
        let file = HashMap::from([
            ("Green_House".to_owned(), url("http://f/api")),
            ("plain".to_owned(), url("http://f/plain")),
        ]);
        let path = Path::new("app.toml");
        let urls = reader
            .read([(file, Source::File(path)), (env, Source::Environment)])
            .unwrap();
        assert_eq!(
            urls[&("green-house".to_owned(), None)],
            ("http://e/api".to_owned(), Source::Environment)
        );
        assert_eq!(
            urls[&("green-house".to_owned(), Some("auth".to_owned()))].0,
            "http://e/auth"
        );
        assert_eq!(
            urls[&("plain".to_owned(), None)],
            ("http://f/plain".to_owned(), Source::File(path))
        );

        let table = HashMap::from([(
            "green_house".to_owned(),
            BaseUrlEntry::Origins(BTreeMap::from([
                ("api".to_owned(), "http://t/api".to_owned()),
                ("AUTH".to_owned(), "http://t/auth".to_owned()),
            ])),
        )]);
        let urls = reader.read_layer(table, Source::File(path)).unwrap();
        assert_eq!(urls[&("green-house".to_owned(), None)], "http://t/api");
        assert_eq!(
            urls[&("green-house".to_owned(), Some("auth".to_owned()))],
            "http://t/auth"
        );
        // Without an `api` name, `api` is an origin like any other, and green-house has none.
        let table = HashMap::from([("green-house.api".to_owned(), url("http://t"))]);
        let err = self::reader(None)
            .read_layer(table, Source::File(path))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("green-house has no origin named `api`"),
            "{err}"
        );
    }

    #[test]
    fn mistakes_are_named_with_the_fix_and_the_callers_hint() {
        let reader = reader(None);
        let read_env = |pairs: &[(&str, &str)]| {
            let (_, env) = reader.split_environment(vars(pairs))?;
            reader.read_layer(env, Source::Environment)
        };
        let err = read_env(&[("APP__BASE_URLS__PLIAN", "http://x")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "unknown connector `plian` in the base URLs of the environment; did you mean \
             `plain`? see the list of ids"
        );
        let err = read_env(&[("APP__BASE_URLS__GREEN_HOUSE_AUTH", "http://x")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "for the `auth` origin of green-house, write APP__BASE_URLS__GREEN_HOUSE__AUTH"
            ),
            "{err}"
        );
        let err = read_env(&[("APP__BASE_URLS__sk_live_0123456789", "http://x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("(a 18-character name)"), "{err}");
        for name in ["APP__BASE_URLS__PLAIN__AUTH__X", "APP__BASE_URLS____AUTH"] {
            let err = read_env(&[(name, "http://x")]).unwrap_err().to_string();
            assert!(err.contains("APP__BASE_URLS__<ID>__<ORIGIN>"), "{err}");
        }
        let err = read_env(&[("APP__BASE_URLS__PLAIN__AUTH", "http://x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("plain declares no named origins"), "{err}");

        let table = HashMap::from([
            ("green_house".to_owned(), url("http://a")),
            ("Green-House".to_owned(), url("http://b")),
        ]);
        let err = reader
            .read_layer(table, Source::File(Path::new("app.toml")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the base URL for green-house is given twice in the config file app.toml"),
            "{err}"
        );
        assert!(!err.contains("http://"), "{err}");
    }

    #[test]
    fn settings_are_named_as_written() {
        let reader = reader(None);
        assert_eq!(
            reader.env_name("green-house", Some("auth")),
            "APP__BASE_URLS__GREEN_HOUSE__AUTH"
        );
        assert_eq!(
            reader.setting(Source::Environment, "plain", None),
            "the base URL for plain in APP__BASE_URLS__PLAIN"
        );
        let url = |s: &str| UrlTemplate::parse(s).unwrap();
        let overrides: Overrides = [
            (None, url("http://127.0.0.1:1")),
            (Some("auth".to_owned()), url("http://127.0.0.1:2")),
            (Some("auth".to_owned()), url("http://127.0.0.1:3")),
        ]
        .into_iter()
        .collect();
        assert_eq!(overrides.base_url.unwrap().as_str(), "http://127.0.0.1:1");
        assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:3");
    }
}
