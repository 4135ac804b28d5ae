//! Base URLs from the settings: `[base_urls]` in the config file (`polytomic = "…"`,
//! `"greenhouse.auth" = "…"`, or a table of origins) and `CONNECTOR_BASE_URLS__<ID>[__<ORIGIN>]`
//! in the environment, read by connector-core's one reader, then each URL checked as a
//! `--base-url` is.

use std::collections::BTreeMap;

use connector_core::overrides::LayeredUrls;
use connector_core::{BaseUrlReader, ConnectorSpec, Overrides, UrlSlot, UrlTemplate};

use super::values::Settings;
use crate::urls::{self, check_placeholders, parse_base_url};
use crate::usage::UsageError;

/// How the CLI spells base URL settings and where it sends people for the ids.
pub(super) fn reader<'a>(specs: &'a [&'static ConnectorSpec<'static>]) -> BaseUrlReader<'a> {
    BaseUrlReader {
        specs,
        env_prefix: "CONNECTOR_BASE_URLS",
        api_name: None,
        ids_hint: "run `connector list` to see the ids",
        closest_id: connector_registry::closest_id,
        skip_unknown_origins: false,
    }
}

/// The environment variable of a connector's base URL: `CONNECTOR_BASE_URLS__POLYMER_HIRE`,
/// `CONNECTOR_BASE_URLS__GREENHOUSE__AUTH`.
pub fn env_name(id: &str, slot: Option<&str>) -> String {
    reader(&[]).env_name(id, slot)
}

/// The winning URLs parsed as `--base-url`s are, each named by its setting in messages; a
/// placeholder must name a non-secret field of the connector.
pub(super) fn parse(
    reader: &BaseUrlReader<'_>,
    layered: LayeredUrls<'_>,
) -> Result<BTreeMap<String, BTreeMap<UrlSlot, UrlTemplate>>, UsageError> {
    let mut out: BTreeMap<String, BTreeMap<UrlSlot, UrlTemplate>> = BTreeMap::new();
    for ((id, slot), (text, source)) in layered {
        let setting = reader.setting(source, &id, slot.as_deref());
        let template = parse_base_url(&text, &setting)?;
        if let Some(spec) = reader.spec(&id) {
            check_placeholders(spec, &template, &setting)?;
        }
        out.entry(id).or_default().insert(slot, template);
    }
    Ok(out)
}

impl Settings {
    /// Where `spec`'s requests go: the configured base URLs, with `flags` on top slot by slot;
    /// what neither gives is the spec's own.
    pub fn overrides(
        &self,
        spec: &ConnectorSpec,
        flags: BTreeMap<UrlSlot, UrlTemplate>,
    ) -> Overrides {
        let configured = self.base_urls.get(spec.id).cloned().unwrap_or_default();
        urls::merge(configured, flags)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;
    use crate::settings::test_support::{config_file, configured, env};

    #[test]
    fn the_environment_wins_over_the_file_whatever_the_spellings() {
        for file_key in ["polymer_hire", "\"polymer-hire\"", "\"Polymer-Hire\""] {
            let (_dir, file) = config_file(&format!(
                "[base_urls]\n{file_key} = \"http://127.0.0.1:1/file\"\n"
            ));
            for env_key in [
                "CONNECTOR_BASE_URLS__POLYMER_HIRE",
                "connector_base_urls__polymer_hire",
            ] {
                for _ in 0..5 {
                    let env = env(&[(env_key, "http://127.0.0.1:2/env")]);
                    let settings = Settings::load_from(Some(&file), Some(env)).unwrap();
                    assert_eq!(
                        configured(&settings, "polymer-hire"),
                        "http://127.0.0.1:2/env",
                        "{file_key} vs {env_key}"
                    );
                }
            }
        }
    }

    #[test]
    fn two_spellings_in_one_layer_are_an_error_naming_the_connector() {
        let (_dir, file) = config_file(
            "[base_urls]\npolymer_hire = \"http://127.0.0.1:1/a\"\n\"polymer-hire\" = \"http://127.0.0.1:2/b\"\n",
        );
        let err = Settings::load_from(Some(&file), Some(HashMap::new())).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("polymer-hire is given twice"), "{text}");
        assert!(text.contains("keep one"), "{text}");
        assert!(!text.contains("127.0.0.1"), "{text}");
    }

    #[test]
    fn an_unknown_connector_gets_a_did_you_mean_without_quoting_long_names() {
        let (_dir, file) = config_file("[base_urls]\npolytomik = \"http://127.0.0.1:1\"\n");
        let err = Settings::load_from(Some(&file), Some(HashMap::new())).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unknown connector `polytomik`"), "{text}");
        assert!(text.contains("did you mean `polytomic`"), "{text}");

        let long = "sk_live_0123456789abcdef";
        let env = env(&[(
            &format!("CONNECTOR_BASE_URLS__{long}"),
            "http://127.0.0.1:1",
        )]);
        let err = Settings::load_from(None, Some(env)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("(a 24-character name)"), "{text}");
        assert!(!text.contains("0123456789"), "{text}");
    }

    #[test]
    fn a_base_url_with_a_query_or_fragment_is_refused_without_quoting_it() {
        for (url, what) in [
            (
                "http://127.0.0.1:9/v1?token=hunter2hunter2",
                "remove the query string",
            ),
            ("http://127.0.0.1:9/v1?", "remove the query string"),
            (
                "http://127.0.0.1:9/v1#hunter2hunter2",
                "remove the fragment",
            ),
        ] {
            let err = parse_base_url(url, "--base-url").unwrap_err().to_string();
            assert!(err.contains(what), "{err}");
            assert!(err.starts_with("--base-url "), "{err}");
            assert!(
                !err.contains("hunter2") && !err.contains("127.0.0.1"),
                "{err}"
            );
            assert!(err.contains(&format!("{} characters", url.len())), "{err}");

            let env = env(&[("CONNECTOR_BASE_URLS__POLYTOMIC", url)]);
            let err = Settings::load_from(None, Some(env))
                .unwrap_err()
                .to_string();
            assert!(err.contains("CONNECTOR_BASE_URLS__POLYTOMIC"), "{err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn an_overridden_bad_file_url_does_not_matter() {
        let (_dir, file) = config_file("[base_urls]\nstackone = \"not a url\"\n");
        let env = env(&[("CONNECTOR_BASE_URLS__STACKONE", "http://127.0.0.1:3/")]);
        let settings = Settings::load_from(Some(&file), Some(env)).unwrap();
        assert_eq!(configured(&settings, "stackone"), "http://127.0.0.1:3/");
        let err = Settings::load_from(Some(&file), Some(HashMap::new())).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("the base URL for stackone under [base_urls]"),
            "{text}"
        );
        assert!(text.contains("is not a valid URL"), "{text}");
        assert!(!text.contains("not a url"), "{text}");
    }

    /// The registered connectors plus two test ones: one with a named origin (`auth`), one with
    /// a host placeholder.
    fn with_fakes(
        file: Option<&Path>,
        env: HashMap<String, String>,
    ) -> Result<Settings, UsageError> {
        let mut specs: Vec<&'static ConnectorSpec<'static>> =
            connector_registry::all().iter().map(|c| c.spec()).collect();
        specs.push(&urls::fake::EXCHANGING);
        specs.push(&urls::fake::SUBDOMAIN);
        Settings::load_with(file, Some(env), &specs)
    }

    #[test]
    fn base_urls_may_be_templates_with_placeholders() {
        for url in [
            "http://127.0.0.1:8080/{company_domain}/v1",
            "http://{subdomain}.localhost:9",
            "https://{subdomain}.workable.com/spi/v3",
        ] {
            let template = parse_base_url(url, "--base-url").unwrap();
            assert_eq!(template.as_str(), url);
        }
        for (url, what) in [
            (
                "http://{subdomain}.localhost:9/?key=hunter2hunter2",
                "remove the query string",
            ),
            (
                "http://{subdomain}.localhost:9/#hunter2hunter2",
                "remove the fragment",
            ),
            (
                "http://hunter2hunter2@{subdomain}.localhost:9",
                "user name or password",
            ),
            ("ftp://{subdomain}.hunter2hunter2", "http or https"),
            ("http://{sub.hunter2hunter2/", "placeholder"),
            ("http://{Sub}.hunter2hunter2/", "placeholder"),
        ] {
            let err = parse_base_url(url, "--base-url").unwrap_err().to_string();
            assert!(err.contains(what), "{url}: {err}");
            assert!(!err.contains("hunter2"), "{url}: {err}");
            assert!(
                err.contains(&format!("{} characters", url.chars().count())),
                "{err}"
            );
        }

        let (_dir, file) =
            config_file("[base_urls]\nfakeable = \"http://{subdomain}.localhost:9\"\n");
        let settings = with_fakes(Some(&file), HashMap::new()).unwrap();
        let overrides = settings.overrides(&urls::fake::SUBDOMAIN, BTreeMap::new());
        assert_eq!(
            overrides.base_url.unwrap().as_str(),
            "http://{subdomain}.localhost:9"
        );
        // A placeholder naming no field of the connector (or a secret one) is refused at once.
        let (_dir, file) =
            config_file("[base_urls]\nfakeable = \"http://{api_key}.localhost:9\"\n");
        let err = with_fakes(Some(&file), HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the base URL for fakeable under [base_urls]"),
            "{err}"
        );
        assert!(err.contains("non-secret fields are: subdomain"), "{err}");
    }

    #[test]
    fn named_origins_have_their_own_entries_in_the_file_and_the_environment() {
        for file_text in [
            "[base_urls]\nfakehouse = \"http://127.0.0.1:1/api\"\n\"fakehouse.auth\" = \"http://127.0.0.1:1/auth\"\n",
            "[base_urls]\nfakehouse = \"http://127.0.0.1:1/api\"\n\"FakeHouse.AUTH\" = \"http://127.0.0.1:1/auth\"\n",
        ] {
            let (_dir, file) = config_file(file_text);
            let settings = with_fakes(Some(&file), HashMap::new()).unwrap();
            let overrides = settings.overrides(&urls::fake::EXCHANGING, BTreeMap::new());
            assert_eq!(overrides.base_url.unwrap().as_str(), "http://127.0.0.1:1/api");
            assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:1/auth");
        }
        // A table of origins: `fakehouse.auth = …` without quotes, or `[base_urls.fakehouse]`.
        for file_text in [
            "[base_urls]\nfakehouse.auth = \"http://127.0.0.1:1/auth\"\n",
            "[base_urls.fakehouse]\nauth = \"http://127.0.0.1:1/auth\"\n",
        ] {
            let (_dir, file) = config_file(file_text);
            let settings = with_fakes(Some(&file), HashMap::new()).unwrap();
            let overrides = settings.overrides(&urls::fake::EXCHANGING, BTreeMap::new());
            assert!(overrides.base_url.is_none(), "{file_text}");
            assert_eq!(
                overrides.origins["auth"].as_str(),
                "http://127.0.0.1:1/auth"
            );
        }

        // The environment: `__<ID>` and `__<ID>__<ORIGIN>` side by side, each winning over the
        // file for its own slot only, every time.
        let (_dir, file) = config_file(
            "[base_urls]\nfakehouse = \"http://127.0.0.1:1/api\"\n\"fakehouse.auth\" = \"http://127.0.0.1:1/auth\"\n",
        );
        for _ in 0..10 {
            let vars = env(&[
                ("CONNECTOR_BASE_URLS__FAKEHOUSE", "http://127.0.0.1:2/api"),
                (
                    "CONNECTOR_BASE_URLS__FAKEHOUSE__AUTH",
                    "http://127.0.0.1:2/auth",
                ),
            ]);
            let settings = with_fakes(Some(&file), vars).unwrap();
            let overrides = settings.overrides(&urls::fake::EXCHANGING, BTreeMap::new());
            assert_eq!(
                overrides.base_url.unwrap().as_str(),
                "http://127.0.0.1:2/api"
            );
            assert_eq!(
                overrides.origins["auth"].as_str(),
                "http://127.0.0.1:2/auth"
            );
        }
        let vars = env(&[("connector_base_urls__fakehouse__auth", "http://127.0.0.1:3")]);
        let settings = with_fakes(Some(&file), vars).unwrap();
        let overrides = settings.overrides(&urls::fake::EXCHANGING, BTreeMap::new());
        assert_eq!(
            overrides.base_url.unwrap().as_str(),
            "http://127.0.0.1:1/api"
        );
        assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:3");
        // A flag wins over both for its slot.
        let flags = urls::parse_flags(
            &urls::fake::EXCHANGING,
            &["auth=http://127.0.0.1:4".to_owned()],
        )
        .unwrap();
        let overrides = settings.overrides(&urls::fake::EXCHANGING, flags);
        assert_eq!(
            overrides.base_url.unwrap().as_str(),
            "http://127.0.0.1:1/api"
        );
        assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:4");
    }

    #[test]
    fn unknown_origins_and_malformed_variables_are_errors_naming_the_setting() {
        let (_dir, file) =
            config_file("[base_urls]\n\"fakehouse.token\" = \"http://127.0.0.1:1\"\n");
        let err = with_fakes(Some(&file), HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("fakehouse has no origin named `token`"),
            "{err}"
        );
        assert!(err.contains("its named origins are: auth"), "{err}");

        let vars = env(&[("CONNECTOR_BASE_URLS__FAKEHOUSE_AUTH", "http://127.0.0.1:1")]);
        let err = with_fakes(None, vars).unwrap_err().to_string();
        assert!(
            err.contains(
                "for the `auth` origin of fakehouse, write CONNECTOR_BASE_URLS__FAKEHOUSE__AUTH"
            ),
            "{err}"
        );
        let (_dir, file) = config_file("[base_urls]\nfakehouse_auth = \"http://127.0.0.1:1\"\n");
        let err = with_fakes(Some(&file), HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("write `\"fakehouse.auth\" = \"…\"` under [base_urls]"),
            "{err}"
        );

        let vars = env(&[("CONNECTOR_BASE_URLS__POLYTOMIC__AUTH", "http://127.0.0.1:1")]);
        let err = Settings::load_from(None, Some(vars))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("polytomic has no origin named `auth`"),
            "{err}"
        );
        assert!(err.contains("the environment"), "{err}");

        for name in [
            "CONNECTOR_BASE_URLS__FAKEHOUSE__AUTH__X",
            "CONNECTOR_BASE_URLS____AUTH",
            "CONNECTOR_BASE_URLS__FAKEHOUSE__",
        ] {
            let err = with_fakes(None, env(&[(name, "http://127.0.0.1:1")]))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("CONNECTOR_BASE_URLS__<ID>__<ORIGIN>"),
                "{name}: {err}"
            );
        }

        let vars = env(&[(
            "CONNECTOR_BASE_URLS__FAKEHOUSE__AUTH",
            "http://127.0.0.1:1/?k=hunter2",
        )]);
        let err = with_fakes(None, vars).unwrap_err().to_string();
        assert!(
            err.contains("CONNECTOR_BASE_URLS__FAKEHOUSE__AUTH has a query string"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");

        let (_dir, file) = config_file(
            "[base_urls]\n\"fakehouse.auth\" = \"http://127.0.0.1:1\"\n\"fakehouse.AUTH\" = \"http://127.0.0.1:2\"\n",
        );
        let err = with_fakes(Some(&file), HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("fakehouse.auth is given twice"), "{err}");

        let (_dir, file) = config_file("[base_urls]\npolytomic = 5\n");
        let err = with_fakes(Some(&file), HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("a URL in quotes"), "{err}");
    }
}
