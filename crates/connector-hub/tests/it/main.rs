//! The hub's integration tests, one binary: the API and the pages against the router, the
//! browser flows in Chromium, restarts and kills of the real binary, rotation, the schedule,
//! webhooks and import, and webhook endpoints kept off internal addresses.

mod api;
mod browser;
mod debug;
mod limiter;
mod pages;
mod restart;
mod rotate;
mod schedule;
mod slow_clients;
mod ssrf;
mod support;
