//! The conformance suite every connector must pass (not written yet).
