//! Captures everything a connector logs through `tracing`, at TRACE level, for one check at a time,
//! so the hygiene checks can search it for keys while checks run in parallel.

use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex};

use tracing::instrument::WithSubscriber as _;
use tracing_subscriber::fmt::MakeWriter;

/// An in-memory log shared between a subscriber and the check that reads it afterwards.
#[derive(Debug, Clone, Default)]
pub struct LogBuffer {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl LogBuffer {
    /// Everything written so far, lossily decoded.
    pub fn contents(&self) -> String {
        match self.bytes.lock() {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(poisoned) => String::from_utf8_lossy(&poisoned.into_inner()).into_owned(),
        }
    }
}

impl io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.bytes.lock() {
            Ok(mut bytes) => bytes.extend_from_slice(buf),
            Err(poisoned) => poisoned.into_inner().extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Runs `future` with a TRACE-level subscriber of its own and returns its output with the log it
/// wrote. Span fields and events are both recorded, without ANSI colours.
pub async fn with_captured_logs<F: Future>(future: F) -> (F::Output, String) {
    let buffer = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(buffer.clone())
        // A span's fields are written when it opens and when it closes; entering and leaving it
        // on every poll would repeat them hundreds of times and add nothing to search.
        .with_span_events(
            tracing_subscriber::fmt::format::FmtSpan::NEW
                | tracing_subscriber::fmt::format::FmtSpan::CLOSE,
        )
        .finish();
    let output = future.with_subscriber(subscriber).await;
    (output, buffer.contents())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn captures_events_of_its_own_future_only() {
        let (_, mine) = with_captured_logs(async {
            tracing::trace!(marker = "inside", "hello");
        })
        .await;
        tracing::trace!(marker = "outside", "not captured");
        assert!(mine.contains("inside"), "{mine}");
        assert!(!mine.contains("outside"), "{mine}");
    }
}
