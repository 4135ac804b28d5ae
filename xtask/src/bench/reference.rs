//! The bare reference: the same requests as the bulk run, sent by a plain reqwest loop with the
//! same concurrency that does nothing else (no input to parse, no JSON read, no output). Runs in
//! a child process of its own so its time and memory are measured like the bulk run's.

use std::process::ExitCode;
use std::time::Duration;

use futures::stream::{self, StreamExt};

use super::workload::{credential, POLYTOMIC, POLYTOMIC_PATH, SMARTRECRUITERS_PATH};

/// Sends `lines` requests to the server at `base`, `concurrency` at a time; prints the count of
/// each status code on stdout.
pub fn run(base: &str, lines: u64, concurrency: usize) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let counts = runtime.block_on(send_all(base, lines, concurrency))?;
    println!(
        "200={} 401={} 403={} other={}",
        counts[0], counts[1], counts[2], counts[3]
    );
    Ok(ExitCode::SUCCESS)
}

async fn send_all(base: &str, lines: u64, concurrency: usize) -> anyhow::Result<[u64; 4]> {
    // Configured like connector-core's client: same pool, no redirects, a User-Agent.
    let client = reqwest::Client::builder()
        .user_agent("connector-bench-reference")
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .connect_timeout(Duration::from_secs(10))
        .build()?;
    let polytomic_url = format!("{base}{POLYTOMIC_PATH}");
    let smartrecruiters_url = format!("{base}{SMARTRECRUITERS_PATH}");
    let mut counts = [0u64; 4];
    let mut responses = stream::iter(0..lines)
        .map(|index| {
            let (connector, key) = credential(index);
            let request = if connector == POLYTOMIC {
                client
                    .get(&polytomic_url)
                    .bearer_auth(key)
                    .header("x-polytomic-version", "2025-09-18")
            } else {
                client.get(&smartrecruiters_url).header("x-smarttoken", key)
            };
            let request = request.header("accept", "application/json");
            async move {
                let response = request.send().await?;
                let status = response.status().as_u16();
                response.bytes().await?;
                Ok::<u16, reqwest::Error>(status)
            }
        })
        .buffer_unordered(concurrency);
    while let Some(status) = responses.next().await {
        let slot = match status {
            Ok(200) => 0,
            Ok(401) => 1,
            Ok(403) => 2,
            _ => 3,
        };
        counts[slot] += 1;
    }
    Ok(counts)
}
