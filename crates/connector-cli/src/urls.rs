//! `--base-url` overrides: `URL` for a connector's API base, `NAME=URL` for one of its named
//! origins (Greenhouse's token endpoint is `auth`), and in bulk `ID=URL` and `ID.NAME=URL`.
//! The config file and the environment use the same names (see [`connector_core::overrides`]).
//!
//! An override may use the same `{field}` placeholders as the connector's own URL. Messages
//! never quote a URL (it may carry something secret): they name the setting and its length.

use std::collections::BTreeMap;

use connector_core::overrides::{is_name, normalize_name, origin_named, quote_name};
use connector_core::template::{fill, placeholders};
use connector_core::{ConnectorSpec, Overrides, UrlSlot, UrlTemplate};
use url::Url;

use crate::usage::{find_connector, UsageError};

/// Describes a slot for messages: `the API base URL of greenhouse`, `the auth origin of greenhouse`.
pub fn describe_slot(spec: &ConnectorSpec, slot: Option<&str>) -> String {
    match slot {
        None => format!("the API base URL of {}", spec.id),
        Some(name) => format!("the `{name}` origin of {}", spec.id),
    }
}

/// Every placeholder of an override names a field of one of the connector's variants.
pub fn check_placeholders(
    spec: &ConnectorSpec,
    template: &UrlTemplate,
    setting: &str,
) -> Result<(), UsageError> {
    for (name, _) in placeholders(template.as_str()) {
        let known = spec
            .variants
            .iter()
            .any(|v| v.fields.iter().any(|f| f.key == name && !f.secret));
        if !known {
            let fields: Vec<&str> = spec
                .variants
                .iter()
                .flat_map(|v| v.fields.iter())
                .filter(|f| !f.secret)
                .map(|f| f.key)
                .collect();
            let fields = if fields.is_empty() {
                format!("{} has no non-secret field to put in a URL", spec.id)
            } else {
                let mut fields = fields;
                fields.sort_unstable();
                fields.dedup();
                format!("its non-secret fields are: {}", fields.join(", "))
            };
            return Err(UsageError::new(format!(
                "{setting} names the placeholder {}, which is not a non-secret field of {}; {fields}",
                quote_name(name),
                spec.id
            )));
        }
    }
    Ok(())
}

/// `--base-url [NAME=]URL` of one check (or `run`): the plain form overrides the API base,
/// `NAME=URL` the named origin. Each slot may be given once.
pub fn parse_flags(
    spec: &'static ConnectorSpec<'static>,
    flags: &[String],
) -> Result<BTreeMap<UrlSlot, UrlTemplate>, UsageError> {
    let mut out = BTreeMap::new();
    for flag in flags {
        let (slot, text, setting) = match split_named(flag) {
            Some((name, url)) => {
                let setting = format!("--base-url {}=…", quote_name(name));
                let mut slot =
                    origin_named(spec, name, "--base-url NAME=URL").map_err(UsageError::from);
                if let Err(error) = &mut slot {
                    if connector_registry::find(&normalize_name(name)).is_some() {
                        *error = UsageError::new(format!(
                            "{error}. ID=URL pairs are for --bulk; for one check give the URL alone"
                        ));
                    }
                }
                (Some(slot?.to_owned()), url, setting)
            }
            None => (None, flag.as_str(), "--base-url".to_owned()),
        };
        let template = parse_base_url(text, &setting)?;
        check_placeholders(spec, &template, &setting)?;
        if out.insert(slot.clone(), template).is_some() {
            return Err(UsageError::new(format!(
                "--base-url is given twice for {}; keep one",
                describe_slot(spec, slot.as_deref())
            )));
        }
    }
    Ok(out)
}

/// `NAME=URL` when what comes before the first `=` is a name. A URL alone always has a `:`
/// (its scheme) before any `=`, so it is never taken for a pair.
fn split_named(text: &str) -> Option<(&str, &str)> {
    let (name, url) = text.split_once('=')?;
    is_name(name.trim()).then(|| (name.trim(), url.trim()))
}

/// Overrides per connector id, each by slot.
pub type ByConnector = BTreeMap<String, BTreeMap<UrlSlot, UrlTemplate>>;

/// `--base-url ID=URL` and `--base-url ID.NAME=URL` of a bulk run, per registered connector.
pub fn parse_bulk_flags(flags: &[String]) -> Result<ByConnector, UsageError> {
    let specs: Vec<&'static ConnectorSpec<'static>> =
        connector_registry::all().iter().map(|c| c.spec()).collect();
    parse_bulk_flags_in(flags, &specs)
}

/// As [`parse_bulk_flags`], for the connectors of `specs`.
fn parse_bulk_flags_in(
    flags: &[String],
    specs: &[&'static ConnectorSpec<'static>],
) -> Result<ByConnector, UsageError> {
    let mut out = ByConnector::new();
    for flag in flags {
        let (spec, slot, url) = split_bulk(flag, specs)?;
        let setting = match &slot {
            None => format!("--base-url for {}", spec.id),
            Some(name) => format!("--base-url for {}.{name}", spec.id),
        };
        let template = parse_base_url(url, &setting)?;
        check_placeholders(spec, &template, &setting)?;
        if out
            .entry(spec.id.to_owned())
            .or_default()
            .insert(slot.clone(), template)
            .is_some()
        {
            return Err(UsageError::new(format!(
                "--base-url is given twice for {}; keep one",
                describe_slot(spec, slot.as_deref())
            )));
        }
    }
    Ok(out)
}

/// Splits one bulk `--base-url` into its connector, slot and URL text.
fn split_bulk<'a>(
    text: &'a str,
    specs: &[&'static ConnectorSpec<'static>],
) -> Result<(&'static ConnectorSpec<'static>, UrlSlot, &'a str), UsageError> {
    let usage = || {
        UsageError::new(
            "with --bulk, give --base-url per connector as ID=VALUE: ID=URL for the API base URL, \
             ID.NAME=URL for a named origin, e.g. --base-url polytomic=http://127.0.0.1:8080 \
             or --base-url greenhouse.auth=http://127.0.0.1:8081",
        )
    };
    let (key, url) = text.split_once('=').ok_or_else(usage)?;
    let key = key.trim();
    let (id, name) = match key.split_once('.') {
        Some((id, name)) => (id, Some(name)),
        None => (key, None),
    };
    if !is_name(id) || !name.is_none_or(is_name) {
        return Err(usage());
    }
    let id = normalize_name(id);
    let Some(spec) = specs.iter().copied().find(|s| s.id == id) else {
        // `find_connector`'s message describes the id; it is not repeated here (it may be a key).
        let why = find_connector(&id).err().map_or_else(
            || "unknown connector; run `connector list` to see them all".to_owned(),
            |e| e.to_string(),
        );
        return Err(UsageError::new(format!("--base-url ID=…: {why}")));
    };
    let slot = match name {
        None => None,
        Some(name) => Some(origin_named(spec, name, "--base-url ID.NAME=URL")?.to_owned()),
    };
    Ok((spec, slot, url.trim()))
}

/// Overrides from the settings' entries with the flags' on top, slot by slot.
pub fn merge(
    configured: impl IntoIterator<Item = (UrlSlot, UrlTemplate)>,
    flags: impl IntoIterator<Item = (UrlSlot, UrlTemplate)>,
) -> Overrides {
    configured.into_iter().chain(flags).collect()
}

/// Parses a base URL given by the user: absolute http or https, with neither a query string nor
/// a fragment (a request path is joined to it, so they would be lost), nor a user name or
/// password. It may hold `{field}` placeholders like the connector's own
/// (`http://127.0.0.1:8080/{company_domain}/v1`, `http://{subdomain}.localhost:9`), checked as
/// if filled. `setting` names where it came from; the URL itself is never quoted.
pub fn parse_base_url(text: &str, setting: &str) -> Result<UrlTemplate, UsageError> {
    let length = text.chars().count();
    // A stand-in for each placeholder shows what the URL looks like once filled.
    let sample = fill(text, |_, _| Some("x".to_owned())).unwrap_or_else(|_| text.to_owned());
    let url = Url::parse(&sample).map_err(|e| {
        UsageError::new(format!(
            "{setting} is not a valid URL ({e}; {length} characters given); write it like https://api.example.com/v1"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(UsageError::new(format!(
            "{setting} must be an http or https URL with a host ({length} characters given); write it like https://api.example.com/v1"
        )));
    }
    if url.query().is_some() {
        return Err(UsageError::new(format!(
            "{setting} has a query string (after `?`, {length} characters given); remove the query string: a base URL is the scheme, host and path prefix only"
        )));
    }
    if url.fragment().is_some() {
        return Err(UsageError::new(format!(
            "{setting} has a fragment (after `#`, {length} characters given); remove the fragment: a base URL is the scheme, host and path prefix only"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UsageError::new(format!(
            "{setting} carries a user name or password (before `@`, {length} characters given); remove it: credentials go in the credentials file"
        )));
    }
    UrlTemplate::parse(text).map_err(|e| {
        UsageError::new(format!(
            "{setting} {e} ({length} characters given); a placeholder is a field name in braces, e.g. https://{{subdomain}}.example.com/v1"
        ))
    })
}

#[cfg(test)]
pub mod fake;

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_plain_url_is_the_api_base_and_name_url_a_named_origin() {
        let parsed = parse_flags(
            &fake::EXCHANGING,
            &strings(&["http://127.0.0.1:9/v3", "AUTH=http://127.0.0.1:8"]),
        )
        .unwrap();
        assert_eq!(parsed[&None].as_str(), "http://127.0.0.1:9/v3");
        assert_eq!(
            parsed[&Some("auth".to_owned())].as_str(),
            "http://127.0.0.1:8"
        );
        let overrides = merge([], parsed);
        assert_eq!(
            overrides.base_url.as_ref().unwrap().as_str(),
            "http://127.0.0.1:9/v3"
        );
        assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:8");
    }

    #[test]
    fn an_unknown_origin_name_lists_the_known_ones() {
        let err = parse_flags(&fake::EXCHANGING, &strings(&["token=http://127.0.0.1:8"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no origin named `token`"), "{err}");
        assert!(err.contains("its named origins are: auth"), "{err}");
        assert!(!err.contains("127.0.0.1"), "{err}");

        let polytomic = connector_registry::find("polytomic").unwrap().spec();
        let err = parse_flags(polytomic, &strings(&["auth=http://127.0.0.1:8"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("polytomic declares no named origins"), "{err}");
        let err = parse_flags(polytomic, &strings(&["polytomic=http://127.0.0.1:8"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("ID=URL pairs are for --bulk"), "{err}");
    }

    #[test]
    fn a_url_with_an_equals_sign_is_not_taken_for_a_pair() {
        assert_eq!(split_named("http://x/?a=b"), None);
        assert_eq!(split_named("http://x/a=b"), None);
        assert_eq!(split_named("auth=http://x"), Some(("auth", "http://x")));
        // Refused for its query string, never quoted.
        let err = parse_flags(
            &fake::EXCHANGING,
            &strings(&["http://127.0.0.1:9/?token=hunter2hunter2"]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("remove the query string"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        // A name with a URL that is not one is refused as such.
        let err = parse_flags(&fake::EXCHANGING, &strings(&["auth=ftp://x"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("--base-url `auth`=…"), "{err}");
    }

    #[test]
    fn each_slot_is_given_once() {
        for flags in [
            &["http://127.0.0.1:9", "http://127.0.0.1:8"][..],
            &["auth=http://127.0.0.1:9", "Auth=http://127.0.0.1:8"][..],
        ] {
            let err = parse_flags(&fake::EXCHANGING, &strings(flags))
                .unwrap_err()
                .to_string();
            assert!(err.contains("given twice"), "{err}");
        }
    }

    #[test]
    fn overrides_may_use_the_connectors_non_secret_fields_as_placeholders() {
        let ok = parse_flags(
            &fake::SUBDOMAIN,
            &strings(&["http://{subdomain}.localhost:9"]),
        );
        assert!(ok.is_ok());
        for bad in ["http://{api_key}.localhost:9", "http://127.0.0.1:9/{nope}"] {
            let err = parse_flags(&fake::SUBDOMAIN, &strings(&[bad]))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("its non-secret fields are: subdomain"),
                "{err}"
            );
        }
    }

    #[test]
    fn bulk_pairs_name_a_connector_and_optionally_an_origin() {
        let parsed = parse_bulk_flags(&strings(&[
            "stackone=http://127.0.0.1:9/x",
            "polymer_hire=http://127.0.0.1:8",
        ]))
        .unwrap();
        assert_eq!(parsed["stackone"][&None].as_str(), "http://127.0.0.1:9/x");
        assert_eq!(parsed["polymer-hire"][&None].as_str(), "http://127.0.0.1:8");

        // `ID.NAME=URL` is read as connector and origin; polytomic declares none.
        let err = parse_bulk_flags(&strings(&["polytomic.auth=http://127.0.0.1:8"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("polytomic has no origin named `auth`"),
            "{err}"
        );
        let err = parse_bulk_flags(&strings(&["polytomik.auth=http://127.0.0.1:8"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `polytomic`"), "{err}");
        for bad in [
            "http://127.0.0.1:9",
            "http://x/?a=b",
            "polytomic.=http://x",
            ".auth=http://x",
            "a.b.c=http://x",
        ] {
            let err = parse_bulk_flags(&strings(&[bad])).unwrap_err().to_string();
            assert!(err.contains("ID=VALUE"), "{bad}: {err}");
            assert!(err.contains("ID.NAME=URL"), "{bad}: {err}");
        }
        let err = parse_bulk_flags(&strings(&[
            "stackone=http://127.0.0.1:9",
            "stackone=http://x",
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.contains("given twice"), "{err}");
    }

    #[test]
    fn bulk_id_dot_name_sets_that_connectors_named_origin() {
        let specs = [&fake::EXCHANGING, &fake::SUBDOMAIN];
        let parsed = parse_bulk_flags_in(
            &strings(&[
                "fakehouse.auth=http://127.0.0.1:8",
                "FakeHouse=http://127.0.0.1:9/v3",
                "fakeable=http://{subdomain}.localhost:7",
            ]),
            &specs,
        )
        .unwrap();
        assert_eq!(
            parsed["fakehouse"][&Some("auth".to_owned())].as_str(),
            "http://127.0.0.1:8"
        );
        assert_eq!(parsed["fakehouse"][&None].as_str(), "http://127.0.0.1:9/v3");
        assert_eq!(
            parsed["fakeable"][&None].as_str(),
            "http://{subdomain}.localhost:7"
        );
        let overrides = merge([], parsed["fakehouse"].clone());
        assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:8");

        let err = parse_bulk_flags_in(&strings(&["fakehouse.token=http://127.0.0.1:8"]), &specs)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("fakehouse has no origin named `token`"),
            "{err}"
        );
        assert!(err.contains("its named origins are: auth"), "{err}");
        let err = parse_bulk_flags_in(
            &strings(&[
                "fakehouse.auth=http://127.0.0.1:8",
                "fakehouse.AUTH=http://x",
            ]),
            &specs,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("given twice for the `auth` origin of fakehouse"),
            "{err}"
        );
        let err = parse_bulk_flags_in(&strings(&["fakeable.auth=http://x"]), &specs)
            .unwrap_err()
            .to_string();
        assert!(err.contains("fakeable declares no named origins"), "{err}");
    }

    #[test]
    fn origin_names_match_whatever_the_case_or_separator() {
        for name in ["auth", "AUTH", " Auth "] {
            assert_eq!(
                origin_named(&fake::EXCHANGING, name, "--base-url").unwrap(),
                "auth"
            );
        }
    }

    #[test]
    fn flags_win_over_configured_urls_slot_by_slot() {
        let url = |s: &str| UrlTemplate::parse(s).unwrap();
        let overrides = merge(
            [
                (None, url("http://127.0.0.1:1")),
                (Some("auth".to_owned()), url("http://127.0.0.1:2")),
            ],
            [(Some("auth".to_owned()), url("http://127.0.0.1:3"))],
        );
        assert_eq!(overrides.base_url.unwrap().as_str(), "http://127.0.0.1:1");
        assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:3");
    }
}
