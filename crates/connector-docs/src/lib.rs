//! Renders connector specs into docs (not written yet).
