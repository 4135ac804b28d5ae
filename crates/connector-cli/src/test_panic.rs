//! A switch the end-to-end tests use to prove a panic ends as `unexpected` without its payload.

/// Debug builds only: `CONNECTOR_TEST_PANIC=<place>` panics at that place, so the tests can prove
/// a panic becomes `unexpected` without its payload. Release builds have no such switch.
pub fn panic_for_tests(place: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("CONNECTOR_TEST_PANIC").is_ok_and(|v| v == place) {
        panic!("test panic carrying a secret: sk_live_0123456789abcdef");
    }
    #[cfg(not(debug_assertions))]
    let _ = place;
}
