//! Standard output for bulk results, in whole lines only. A line is formatted in full before it
//! joins the pending buffer, and the buffer goes to stdout under one lock, so the process can
//! exit at any moment (a second Ctrl-C) and leave only whole JSON lines behind.

use std::io::{self, Write};
use std::sync::{Mutex, MutexGuard};

/// Pending bytes past this are written out at once.
const FLUSH_AT_BYTES: usize = 64 * 1024;

/// Whole result lines waiting for stdout, and stdout itself.
#[derive(Debug)]
pub struct LineOutput<W> {
    pending: Mutex<Pending<W>>,
}

#[derive(Debug)]
struct Pending<W> {
    buffer: Vec<u8>,
    out: W,
}

impl LineOutput<io::Stdout> {
    pub fn stdout() -> Self {
        Self::new(io::stdout())
    }
}

impl<W: Write> LineOutput<W> {
    pub fn new(out: W) -> Self {
        Self {
            pending: Mutex::new(Pending {
                buffer: Vec::with_capacity(FLUSH_AT_BYTES + 4096),
                out,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pending<W>> {
        // A writer that panicked left only whole lines behind: the buffer is still good.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds one whole line (ending in `\n`), writing the pending lines out when there are many.
    pub fn push(&self, line: &[u8]) -> io::Result<()> {
        debug_assert!(line.ends_with(b"\n"));
        let mut pending = self.lock();
        pending.buffer.extend_from_slice(line);
        if pending.buffer.len() >= FLUSH_AT_BYTES {
            pending.write_out()?;
        }
        Ok(())
    }

    /// Writes every pending line out.
    pub fn flush(&self) -> io::Result<()> {
        self.lock().write_out()
    }

    /// Writes every pending line out, then exits the process with `code` while still holding
    /// the lock, so no other line can start in between. Waits for a write in progress to end.
    pub fn flush_and_exit(&self, code: i32) -> ! {
        let mut pending = self.lock();
        let _ = pending.write_out();
        std::process::exit(code)
    }
}

#[cfg(test)]
impl LineOutput<Vec<u8>> {
    /// What reached the writer (tests).
    pub fn flush_into(&self, into: &mut Vec<u8>) {
        let mut pending = self.lock();
        pending.write_out().unwrap();
        into.append(&mut pending.out);
    }
}

impl<W: Write> Pending<W> {
    fn write_out(&mut self) -> io::Result<()> {
        if !self.buffer.is_empty() {
            let result = self.out.write_all(&self.buffer);
            self.buffer.clear();
            result?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_reach_the_writer_whole_and_in_order() {
        let output = LineOutput::new(Vec::new());
        output.push(b"{\"id\":1}\n").unwrap();
        output.push(b"{\"id\":2}\n").unwrap();
        assert!(output.lock().out.is_empty(), "held until a flush");
        output.flush().unwrap();
        assert_eq!(output.lock().out, b"{\"id\":1}\n{\"id\":2}\n");
    }

    #[test]
    fn many_lines_are_written_out_without_a_flush() {
        let output = LineOutput::new(Vec::new());
        let line = format!("{}\n", "x".repeat(1023));
        for _ in 0..64 {
            output.push(line.as_bytes()).unwrap();
        }
        let written = output.lock().out.len();
        assert_eq!(written, 64 * 1024);
        assert_eq!(written % line.len(), 0, "only whole lines");
    }
}
