//! The hub's integration tests, one binary: the API and the pages against the router, the
//! OpenAPI document as the API's contract, connect sessions' return URLs, events, cancel and
//! re-link, the browser flows in Chromium, restarts and kills of the real binary, rotation, the
//! schedule, webhooks and import, webhook events for links and their subscriptions (verified with
//! the Standard Webhooks library), webhook endpoints kept off internal addresses, the limiter
//! behind a proxy, slow clients, Debug output, the registry of custom connectors, and the MCP server driven by rmcp's client and the
//! Python SDK.

mod actions;
mod api;
mod browser;
mod contract;
mod credentials;
mod debug;
mod limiter;
mod mcp;
mod pages;
mod proxy;
mod registry;
mod restart;
mod rotate;
mod schedule;
mod sessions;
mod slow_clients;
mod ssrf;
mod support;
mod webhooks;
