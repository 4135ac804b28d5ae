//! The flags of a bulk run that name connectors or bound the work: `--concurrency`,
//! `--host-concurrency`, `--base-url ID=URL` and `--rate ID=N`, each checked with a message that
//! says what to give instead.

use connector_core::rate::RateLimit;
use connector_core::{CheckOptions, ConnectorSpec, Limits};
use foldhash::HashMap;

use crate::settings::Settings;
use crate::urls;
use crate::usage::{find_connector, UsageError};

/// Requests in flight when `--concurrency` is not given.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// The most requests in flight `--concurrency` accepts.
pub const MAX_CONCURRENCY: usize = 4096;

pub(super) fn concurrency(flag: Option<usize>) -> Result<usize, UsageError> {
    match flag {
        None => Ok(DEFAULT_CONCURRENCY),
        Some(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        Some(n) => Err(UsageError::new(format!(
            "--concurrency must be between 1 and {MAX_CONCURRENCY}, not {n}"
        ))),
    }
}

/// `--host-concurrency`: at most `--concurrency`, which is also its default.
pub(super) fn host_concurrency(
    flag: Option<usize>,
    concurrency: usize,
) -> Result<usize, UsageError> {
    match flag {
        None => Ok(concurrency),
        Some(n) if (1..=concurrency).contains(&n) => Ok(n),
        Some(n) => Err(UsageError::new(format!(
            "--host-concurrency must be between 1 and --concurrency ({concurrency}), not {n}"
        ))),
    }
}

/// Splits `ID=VALUE`, checking the id names a connector.
fn split_pair<'a>(
    flag: &str,
    text: &'a str,
    example: &str,
) -> Result<(&'static str, &'a str), UsageError> {
    let (id, value) = text.split_once('=').ok_or_else(|| {
        UsageError::new(format!(
            "with --bulk, give {flag} per connector as ID=VALUE, e.g. {flag} {example}"
        ))
    })?;
    // `find_connector`'s message describes the id; it is not repeated here (it may be a key).
    let connector =
        find_connector(id.trim()).map_err(|e| UsageError::new(format!("{flag} ID=…: {e}")))?;
    Ok((connector.spec().id, value.trim()))
}

/// The registered connectors' specs.
pub(super) fn registered() -> Vec<&'static ConnectorSpec<'static>> {
    connector_registry::all().iter().map(|c| c.spec()).collect()
}

/// Options for every registered connector: `--base-url ID=URL` and `--base-url ID.NAME=URL`
/// over the settings' base URLs, slot by slot.
pub(super) fn options_by_connector(
    flags: &[String],
    settings: &Settings,
    limits: Limits,
) -> Result<HashMap<&'static str, CheckOptions>, UsageError> {
    let mut flags = urls::parse_bulk_flags(flags)?;
    Ok(registered()
        .into_iter()
        .map(|spec| {
            let flags = flags.remove(spec.id).unwrap_or_default();
            let options = CheckOptions {
                urls: settings.overrides(spec, flags),
                limits,
            };
            (spec.id, options)
        })
        .collect())
}

/// `--rate ID=N` per connector; a connector without one keeps the rate its spec declares for
/// bulk checks (`bulk_rate`), if any.
pub(super) fn rates_by_connector(
    flags: &[String],
    specs: &[&'static ConnectorSpec<'static>],
) -> Result<HashMap<&'static str, RateLimit>, UsageError> {
    let mut rates = HashMap::default();
    for flag in flags {
        let (id, rate) = split_pair("--rate", flag, "stackone=5")?;
        let per_second = valid_rate(rate.parse::<f64>().ok()).ok_or_else(|| {
            UsageError::new(format!(
                "--rate {id}=…: give requests per second as a number above 0, e.g. {id}=5 or {id}=0.5"
            ))
        })?;
        if rates
            .insert(id, RateLimit::per_second(per_second))
            .is_some()
        {
            return Err(UsageError::new(format!("--rate is given twice for {id}")));
        }
    }
    for spec in specs {
        if let Some(per_second) = valid_rate(spec.bulk_rate) {
            rates
                .entry(spec.id)
                .or_insert_with(|| RateLimit::per_second(per_second));
        }
    }
    Ok(rates)
}

/// A usable rate: above 0 and at most a million a second.
fn valid_rate(rate: Option<f64>) -> Option<f64> {
    rate.filter(|n| n.is_finite() && *n > 0.0 && *n <= 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_are_validated_per_connector() {
        let settings = Settings::default();
        let limits = Limits::default();
        let ok = options_by_connector(
            &strings(&["stackone=http://127.0.0.1:9/x"]),
            &settings,
            limits,
        )
        .unwrap();
        assert_eq!(
            ok["stackone"].urls.base_url.as_ref().unwrap().as_str(),
            "http://127.0.0.1:9/x"
        );
        assert!(ok["polytomic"].urls.base_url.is_none(), "the spec's own");
        assert_eq!(ok.len(), connector_registry::all().len());
        let err =
            options_by_connector(&strings(&["stackon=http://127.0.0.1:9"]), &settings, limits)
                .err()
                .unwrap();
        assert!(err.to_string().contains("did you mean `stackone`"), "{err}");
        assert!(
            options_by_connector(&strings(&["http://127.0.0.1:9"]), &settings, limits).is_err()
        );
        assert!(options_by_connector(&strings(&["stackone=ftp://x"]), &settings, limits).is_err());
        assert!(rates_by_connector(&strings(&["stackone=0.5"]), &registered()).is_ok());
        for bad in [
            "stackone=0",
            "stackone=x",
            "stackone",
            "nope=5",
            "stackone=1,stackone=2",
        ] {
            let flags: Vec<String> = bad.split(',').map(str::to_owned).collect();
            assert!(rates_by_connector(&flags, &registered()).is_err(), "{bad}");
        }
        assert!(concurrency(Some(0)).is_err());
        assert_eq!(concurrency(None).unwrap(), DEFAULT_CONCURRENCY);
        assert_eq!(host_concurrency(None, 64).expect("default"), 64);
        assert_eq!(host_concurrency(Some(4), 64).expect("below"), 4);
        assert!(host_concurrency(Some(0), 64).is_err());
        assert!(host_concurrency(Some(65), 64).is_err());
    }

    #[test]
    fn a_declared_bulk_rate_applies_unless_rate_says_otherwise() {
        let specs = [&urls::fake::EXCHANGING, &urls::fake::SUBDOMAIN];
        let rates = rates_by_connector(&[], &specs).unwrap();
        assert_eq!(rates["fakehouse"].interval(), Duration::from_millis(500));
        assert!(!rates.contains_key("fakeable"), "no rate of its own");
        let mut specs = registered();
        specs.push(&urls::fake::EXCHANGING);
        // `--rate` names registered connectors only; a registered one keeps its flag.
        let rates = rates_by_connector(&strings(&["stackone=4"]), &specs).unwrap();
        assert_eq!(rates["stackone"].interval(), Duration::from_millis(250));
        assert_eq!(rates["fakehouse"].interval(), Duration::from_millis(500));
    }

    #[test]
    fn bulk_base_urls_go_to_their_connector_and_slot() {
        let settings = Settings::default();
        let options = options_by_connector(
            &strings(&[
                "polymer_hire=http://127.0.0.1:9/v1/hire",
                "stackone=http://127.0.0.1:8",
            ]),
            &settings,
            Limits::default(),
        )
        .unwrap();
        assert_eq!(
            options["polymer-hire"]
                .urls
                .base_url
                .as_ref()
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/v1/hire"
        );
        assert!(options["polymer-hire"].urls.origins.is_empty());
        let err = options_by_connector(
            &strings(&["stackone.auth=http://127.0.0.1:8"]),
            &settings,
            Limits::default(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("stackone has no origin named `auth`"), "{err}");
    }
}
