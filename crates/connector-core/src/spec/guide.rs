//! The setup guide as structured data: what a person needs, the steps to create a key, and what
//! to do when a check fails. The docs generator and `connector describe` render it.

use crate::outcome::Status;

/// How a person creates and manages the key.
#[derive(Debug)]
pub struct SetupGuide<'a> {
    /// Who can create the key and what must exist first, e.g. "an admin role".
    pub prerequisites: &'a [&'a str],
    /// Numbered steps to create the key.
    pub steps: &'a [Step<'a>],
    /// How to manage the key afterwards: regenerate, revoke, disable.
    pub lifecycle: &'a [&'a str],
    /// Provider-specific advice per failed outcome; the generic advice comes from the core.
    pub troubleshooting: Troubleshooting<'a>,
}

/// One numbered step.
#[derive(Debug)]
pub struct Step<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// Sub-points, rendered as a bulleted list under the step.
    pub points: &'a [&'a str],
    /// Warnings, e.g. "the key is shown only once".
    pub warnings: &'a [&'a str],
}

/// What to tell the user for each failed outcome, on top of the generic advice.
#[derive(Debug, Default)]
pub struct Troubleshooting<'a> {
    /// 401: why a key is refused, e.g. it was regenerated or revoked.
    pub rejected: Option<&'a str>,
    /// 403: the role, scope or access group to grant.
    pub forbidden: Option<&'a str>,
    /// 429: the provider's published limits.
    pub rate_limited: Option<&'a str>,
    /// 5xx or no answer: where the provider reports outages.
    pub unavailable: Option<&'a str>,
}

impl<'a> SetupGuide<'a> {
    /// A guide with nothing in it, for tests and scaffolds.
    pub const EMPTY: SetupGuide<'a> = SetupGuide {
        prerequisites: &[],
        steps: &[],
        lifecycle: &[],
        troubleshooting: Troubleshooting::NONE,
    };
}

impl<'a> Troubleshooting<'a> {
    /// The provider-specific advice for an outcome, if any.
    pub fn for_status(&self, status: Status) -> Option<&'a str> {
        match status {
            Status::Rejected => self.rejected,
            Status::Forbidden => self.forbidden,
            Status::RateLimited => self.rate_limited,
            Status::Unavailable => self.unavailable,
            _ => None,
        }
    }

    pub const NONE: Troubleshooting<'a> = Troubleshooting {
        rejected: None,
        forbidden: None,
        rate_limited: None,
        unavailable: None,
    };
}
