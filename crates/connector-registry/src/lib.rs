//! The registry: every connector, one line each. Adding a connector means adding its line here
//! (`cargo xtask new-connector` does it for you).

use std::sync::OnceLock;

use connector_core::Connector;

/// Every registered connector, in display order.
pub static CONNECTORS: &[&dyn Connector] = &[
    &ashby::Ashby,
    &bamboohr::BambooHr,
    &breathe_hr::BreatheHR,
    &dayforce::Dayforce,
    &deel::Deel,
    &factorial::Factorial,
    &fountain::Fountain,
    &gem::Gem,
    &greenhouse::Greenhouse,
    &hailey_hr::HaileyHR,
    &hibob::HiBob,
    &homerun::Homerun,
    &hr_cloud::HRCloud,
    &humaans::Humaans,
    &jazzhr::JazzHr,
    &jobdiva::JobDiva,
    &jobvite::Jobvite,
    &lever::Lever,
    &lucca::Lucca,
    &manatal::Manatal,
    &namely::Namely,
    &paycom::Paycom,
    &payfit::PayFit,
    &paylocity::Paylocity,
    &peoplehr::PeopleHR,
    &personio::Personio,
    &pinpoint::Pinpoint,
    &planday::Planday,
    &polymer_hire::PolymerHire,
    &polytomic::Polytomic,
    &recruitee::Recruitee,
    &remote::Remote,
    &rippling::Rippling,
    &sage_hr::SageHR,
    &smartrecruiters::SmartRecruiters,
    &stackone::StackOne,
    &teamtailor::Teamtailor,
    &ukg_pro::UKGPro,
    &workable::Workable,
];

/// The compiled connectors followed by the ones [`add`]ed, once they are.
static WITH_ADDED: OnceLock<&'static [&'static dyn Connector]> = OnceLock::new();

/// Every registered connector, in display order: the compiled ones, then any [`add`]ed (the
/// CLI's and the suite's `--definitions DIR`).
pub fn all() -> &'static [&'static dyn Connector] {
    WITH_ADDED.get().copied().unwrap_or(CONNECTORS)
}

/// Whether `id` is a compiled connector's (one built into this binary).
pub fn is_compiled(id: &str) -> bool {
    CONNECTORS.iter().any(|c| c.spec().id == id)
}

/// Why connectors could not be added.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AddError {
    #[error("definition `{0}` reuses the id of a compiled connector; a definition cannot replace one, so give it an id of its own")]
    Compiled(String),
    #[error("connector `{0}` is added twice; each connector needs its own id")]
    Twice(String),
    #[error("connectors were already added to this process's registry; add them all at once")]
    AlreadyAdded,
}

/// Adds connectors loaded at run time (definition files) after the compiled ones, for the rest
/// of the process. They live as long as the process: a command loads them once. None may reuse
/// a compiled connector's id or another's.
pub fn add(connectors: Vec<Box<dyn Connector>>) -> Result<(), AddError> {
    let mut ids: Vec<&str> = CONNECTORS.iter().map(|c| c.spec().id).collect();
    for connector in &connectors {
        let id = connector.spec().id;
        if is_compiled(id) {
            return Err(AddError::Compiled(id.to_owned()));
        }
        if ids.contains(&id) {
            return Err(AddError::Twice(id.to_owned()));
        }
        ids.push(id);
    }
    if WITH_ADDED.get().is_some() {
        return Err(AddError::AlreadyAdded);
    }
    let mut list: Vec<&'static dyn Connector> = CONNECTORS.to_vec();
    list.extend(connectors.into_iter().map(|c| &*Box::leak(c)));
    WITH_ADDED
        .set(list.leak())
        .map_err(|_| AddError::AlreadyAdded)
}

/// The connector with this id.
pub fn find(id: &str) -> Option<&'static dyn Connector> {
    all().iter().copied().find(|c| c.spec().id == id)
}

/// No connector has the id asked for. Display names the closest registered id, if any; the id
/// itself is described, not quoted (a key pasted in its place would be shown).
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown connector ({described}); {}run `connector list` to see them all", self.hint())]
pub struct UnknownConnector {
    described: String,
    /// The registered id closest to the one asked for.
    pub closest: Option<&'static str>,
}

impl UnknownConnector {
    /// `did you mean `x`? ` (with the trailing space), or nothing.
    pub fn hint(&self) -> String {
        self.closest
            .map(|close| format!("did you mean `{close}`? "))
            .unwrap_or_default()
    }

    /// Every registered id, for messages that list them.
    pub fn known() -> Vec<&'static str> {
        all().iter().map(|c| c.spec().id).collect()
    }
}

/// The connector with this id, or why there is none with the closest one named.
pub fn lookup(id: &str) -> Result<&'static dyn Connector, UnknownConnector> {
    find(id).ok_or_else(|| UnknownConnector {
        described: connector_core::text::describe_value(id),
        closest: closest_id(id),
    })
}

/// The registered id closest to `id`, for "did you mean" hints.
pub fn closest_id(id: &str) -> Option<&'static str> {
    let id = id.to_ascii_lowercase();
    all()
        .iter()
        .map(|c| c.spec().id)
        .map(|known| (strsim::jaro_winkler(&id, known), known))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, known)| known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_id_and_suggests_near_misses() {
        assert_eq!(find("polytomic").unwrap().spec().name, "Polytomic");
        assert!(find("polytomik").is_none());
        assert_eq!(closest_id("polytomik"), Some("polytomic"));
        assert_eq!(closest_id("smart-recruiters"), Some("smartrecruiters"));
        assert_eq!(closest_id("zzzzzz"), None);
    }
}
