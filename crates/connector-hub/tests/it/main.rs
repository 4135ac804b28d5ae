//! The hub's integration tests, one binary: the API and the pages against the router, the
//! OpenAPI document as the API's contract, the browser flows in Chromium, restarts and kills of
//! the real binary, rotation, the schedule, webhooks and import.

mod api;
mod browser;
mod contract;
mod pages;
mod restart;
mod rotate;
mod schedule;
mod support;
