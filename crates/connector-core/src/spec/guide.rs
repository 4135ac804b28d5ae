//! The setup guide as structured data: what a person needs, the steps to create a key, and what
//! to do when a check fails. The docs generator and `connector describe` render it.

use crate::outcome::Status;

/// How a person creates and manages the key.
#[derive(Debug)]
pub struct SetupGuide {
    /// Who can create the key and what must exist first, e.g. "an admin role".
    pub prerequisites: &'static [&'static str],
    /// Numbered steps to create the key.
    pub steps: &'static [Step],
    /// How to manage the key afterwards: regenerate, revoke, disable.
    pub lifecycle: &'static [&'static str],
    /// Provider-specific advice per failed outcome; the generic advice comes from the core.
    pub troubleshooting: Troubleshooting,
}

/// One numbered step.
#[derive(Debug)]
pub struct Step {
    pub title: &'static str,
    pub body: &'static str,
    /// Sub-points, rendered as a bulleted list under the step.
    pub points: &'static [&'static str],
    /// Warnings, e.g. "the key is shown only once".
    pub warnings: &'static [&'static str],
}

/// What to tell the user for each failed outcome, on top of the generic advice.
#[derive(Debug, Default)]
pub struct Troubleshooting {
    /// 401: why a key is refused, e.g. it was regenerated or revoked.
    pub rejected: Option<&'static str>,
    /// 403: the role, scope or access group to grant.
    pub forbidden: Option<&'static str>,
    /// 429: the provider's published limits.
    pub rate_limited: Option<&'static str>,
    /// 5xx or no answer: where the provider reports outages.
    pub unavailable: Option<&'static str>,
}

impl SetupGuide {
    /// A guide with nothing in it, for tests and scaffolds.
    pub const EMPTY: SetupGuide = SetupGuide {
        prerequisites: &[],
        steps: &[],
        lifecycle: &[],
        troubleshooting: Troubleshooting::NONE,
    };
}

impl Troubleshooting {
    /// The provider-specific advice for an outcome, if any.
    pub fn for_status(&self, status: Status) -> Option<&'static str> {
        match status {
            Status::Rejected => self.rejected,
            Status::Forbidden => self.forbidden,
            Status::RateLimited => self.rate_limited,
            Status::Unavailable => self.unavailable,
            _ => None,
        }
    }

    pub const NONE: Troubleshooting = Troubleshooting {
        rejected: None,
        forbidden: None,
        rate_limited: None,
        unavailable: None,
    };
}
