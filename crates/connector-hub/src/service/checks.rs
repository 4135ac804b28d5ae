//! Running a connector's check for the hub: the stored or typed values and the configured base
//! URLs and limits in, a verification to record and advice to show out.

use std::collections::BTreeMap;

use connector_core::{
    CheckOptions, CheckReport, Connector, CredentialVariant, RawCredentials, Status,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::hub::{Hub, HubError};
use crate::clock::now;
use crate::crypto::KeyError;
use crate::store::{AccountRow, Verification};

/// How long a request waits for a place to run its provider check.
const PLACE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Hub {
    /// Runs the connector's real check on these values.
    pub async fn check(
        &self,
        connector: &dyn Connector,
        variant: &CredentialVariant<'_>,
        values: &BTreeMap<String, SecretString>,
    ) -> CheckReport {
        let (raw, options) = self.check_input(connector, values);
        connector
            .check(&self.http, Some(variant.name), &raw, &options)
            .await
    }

    /// Runs a check a request asked for, in one of the places `request_checks` allows; a
    /// request that finds none within a few seconds is refused as busy.
    pub async fn request_check(
        &self,
        connector: &dyn Connector,
        variant: &CredentialVariant<'_>,
        values: &BTreeMap<String, SecretString>,
    ) -> Result<CheckReport, HubError> {
        let place = tokio::time::timeout(PLACE_WAIT, self.request_checks.acquire()).await;
        let Ok(Ok(_place)) = place else {
            return Err(HubError::Busy(
                "the hub is running as many provider checks as it allows; try again in a moment"
                    .to_owned(),
            ));
        };
        Ok(self.check(connector, variant, values).await)
    }

    /// What a check of these values is given: the values as raw credentials, and the
    /// configured base URLs and limits.
    pub(crate) fn check_input(
        &self,
        connector: &dyn Connector,
        values: &BTreeMap<String, SecretString>,
    ) -> (RawCredentials, CheckOptions) {
        let mut raw = RawCredentials::new();
        for (k, v) in values {
            raw.insert(k.clone(), v.expose_secret().to_owned());
        }
        let options = match self.settings.overrides(connector.spec().id) {
            Ok(urls) => CheckOptions {
                urls,
                limits: self.settings.limits(),
            },
            Err(e) => {
                tracing::error!(connector = connector.spec().id, "{e}");
                CheckOptions {
                    limits: self.settings.limits(),
                    ..CheckOptions::default()
                }
            }
        };
        (raw, options)
    }

    /// When an account checked at `at` is next due.
    pub fn next_check_at(&self, at: i64) -> i64 {
        let hours = self.settings.reverify_every_hours;
        if hours > 0.0 {
            at + (hours * 3600.0) as i64
        } else {
            // Scheduling is off: due in a century (on demand still works).
            at + 100 * 365 * 24 * 3600
        }
    }
}

/// What a check proved, as a JSON object (empty when it proved nothing).
pub(crate) fn proves(report: &CheckReport) -> Value {
    report
        .account
        .clone()
        .map(Value::Object)
        .unwrap_or_else(|| Value::Object(Map::new()))
}

/// The verification to record for a check's report on the credentials of `account`.
pub(crate) fn verification(version: i64, report: &CheckReport, next_check_at: i64) -> Verification {
    Verification {
        version,
        lease: None,
        next_check_at,
        status: report.status.as_str().to_owned(),
        message: report.message.clone(),
        proves: if report.status == Status::Verified {
            proves(report)
        } else {
            Value::Object(Map::new())
        },
        http_status: report.http_status.map(i64::from),
        at: now(),
    }
}

/// The status of an account whose stored credentials do not open with the hub's master keys.
pub const SEALED: &str = "sealed";

/// The verification to record for an account whose credentials do not open: `sealed`, saying
/// why and where to look, instead of leaving its last status standing as if it had been checked.
pub(crate) fn sealed(version: i64, error: &KeyError, next_check_at: i64) -> Verification {
    Verification {
        version,
        lease: None,
        next_check_at,
        status: SEALED.to_owned(),
        message: format!(
            "the stored credentials do not open with the hub's master keys ({error}); \
             `connector-hub doctor` on the server lists such accounts"
        ),
        proves: Value::Object(Map::new()),
        http_status: None,
        at: now(),
    }
}

/// Applies a recorded verification to the account in hand.
pub(crate) fn apply(account: &mut AccountRow, v: &Verification) {
    account.status = v.status.clone();
    account.message = v.message.clone();
    if v.status == "verified" {
        account.proves = v.proves.clone();
    }
    account.http_status = v.http_status;
    account.last_verified_at = Some(v.at);
    account.updated_at = v.at;
}

/// Provider-specific advice for a failed outcome, then the generic advice; a tip the check's
/// message already carries is not repeated.
pub fn advice(hub: &Hub, connector_id: &str, status: Status, message: &str) -> Option<String> {
    if matches!(status, Status::Verified | Status::Done) {
        return None;
    }
    let connector = hub.find_connector(connector_id);
    let specific = connector
        .as_ref()
        .and_then(|c| c.spec().guide.troubleshooting.for_status(status))
        .filter(|tip| !message.contains(tip));
    Some(match specific {
        Some(tip) => format!("{tip} {}", status.advice()),
        None => status.advice().to_owned(),
    })
}
