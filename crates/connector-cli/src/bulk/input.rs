//! Bulk input: JSON lines read on their own thread, one at a time and at most
//! [`MAX_LINE_BYTES`] each, judged (`judge.rs`) and handed over in batches to the checking side.

use std::io::{self, BufRead, BufReader, Read};
use std::thread;

use serde_json::Value;
use tokio::sync::mpsc;

use super::judge::{invalid, parse_line, Entry};
use crate::usage::UsageError;

/// The longest input line read; a longer one is skipped and reported, so one runaway line
/// cannot take the memory.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// The read buffer; large enough that reads from a file are few.
const READ_BUFFER_BYTES: usize = 64 * 1024;
/// Lines handed over per wake-up of the checking side.
const BATCH: usize = 64;
/// What the reader thread sends: the next line, or why reading stopped early.
pub type Event = Result<Entry, String>;

/// Where the lines come from.
pub struct Source {
    name: String,
    reader: Box<dyn Read + Send>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").field("name", &self.name).finish()
    }
}

impl Source {
    /// Opens a file, or standard input for `-`. A file that cannot be opened is a usage error.
    pub fn open(path: &str) -> Result<Self, UsageError> {
        if path == "-" {
            return Ok(Self {
                name: "standard input".to_owned(),
                reader: Box::new(io::stdin()),
            });
        }
        let file = std::fs::File::open(path)
            .map_err(|e| UsageError::new(format!("cannot read bulk input file {path}: {e}")))?;
        Ok(Self {
            name: path.to_owned(),
            reader: Box::new(file),
        })
    }

    /// Reads and parses lines on a thread of their own, sending each as soon as it is ready.
    /// `capacity` bounds the lines waiting to be checked, so memory does not grow with the input.
    /// Starts the reader thread. Lines arrive in batches of up to [`BATCH`], each sent as soon
    /// as the reader would otherwise wait for input, so slow input is never held back.
    /// The thread's handle tells, once the channel is closed, whether it ended or panicked.
    pub fn spawn(
        self,
        capacity: usize,
    ) -> Result<(mpsc::Receiver<Vec<Event>>, thread::JoinHandle<()>), UsageError> {
        let (sender, receiver) = mpsc::channel((capacity / BATCH).max(1));
        let reader = thread::Builder::new()
            .name("bulk-input".to_owned())
            .spawn(move || self.send_lines(&sender))
            .map_err(|e| UsageError::new(format!("cannot start the input reader: {e}")))?;
        Ok((receiver, reader))
    }

    fn send_lines(self, sender: &mpsc::Sender<Vec<Event>>) {
        let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, self.reader);
        let mut buffer = Vec::new();
        let mut number = 0u64;
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let event = match read_line(&mut reader, &mut buffer) {
                Ok(None) => {
                    if !batch.is_empty() {
                        let _ = sender.blocking_send(batch);
                    }
                    return;
                }
                Ok(Some(read)) => {
                    number += 1;
                    Ok(match read {
                        Line::Complete => parse_line(number, &buffer),
                        Line::TooLong => invalid(
                            number,
                            Value::from(number),
                            None,
                            format!("the line is longer than {} KiB", MAX_LINE_BYTES / 1024),
                        ),
                    })
                }
                Err(e) => Err(format!(
                    "cannot read {} after line {number}: {e}",
                    self.name
                )),
            };
            let stop = event.is_err();
            batch.push(event);
            if stop || batch.len() == BATCH || reader.buffer().is_empty() {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                // A closed channel means the run has stopped (e.g. stdout is gone): stop reading.
                if sender.blocking_send(full).is_err() || stop {
                    return;
                }
            }
        }
    }
}

/// How a line read ended.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// The line is in the buffer, without its line ending.
    Complete,
    /// The line was longer than [`MAX_LINE_BYTES`]; it was read to its end and dropped.
    TooLong,
}

/// Reads one line into `buffer` (reused between lines). `None` at the end of the input; a last
/// line without a newline still counts.
fn read_line(reader: &mut impl BufRead, buffer: &mut Vec<u8>) -> io::Result<Option<Line>> {
    buffer.clear();
    let mut consumed_any = false;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        consumed_any = true;
        let newline = available.iter().position(|&b| b == b'\n');
        let take = newline.map_or(available.len(), |at| at + 1);
        if !too_long {
            if buffer.len() + take > MAX_LINE_BYTES + 2 {
                too_long = true;
                buffer.clear();
            } else {
                buffer.extend_from_slice(&available[..take]);
            }
        }
        reader.consume(take);
        if newline.is_some() {
            break;
        }
    }
    if !consumed_any {
        return Ok(None);
    }
    if too_long {
        return Ok(Some(Line::TooLong));
    }
    if buffer.last() == Some(&b'\n') {
        buffer.pop();
        if buffer.last() == Some(&b'\r') {
            buffer.pop();
        }
    }
    if buffer.len() > MAX_LINE_BYTES {
        return Ok(Some(Line::TooLong));
    }
    Ok(Some(Line::Complete))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_one_by_one_with_any_ending() {
        let input = b"one\r\n\ntwo\nthree";
        let mut reader = BufReader::with_capacity(4, &input[..]);
        let mut buffer = Vec::new();
        let mut lines = Vec::new();
        while let Some(line) = read_line(&mut reader, &mut buffer).unwrap() {
            assert_eq!(line, Line::Complete);
            lines.push(String::from_utf8(buffer.clone()).unwrap());
        }
        assert_eq!(lines, ["one", "", "two", "three"]);
    }

    #[test]
    fn an_overlong_line_is_skipped_and_counted() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\nnext\n");
        let mut reader = BufReader::new(&input[..]);
        let mut buffer = Vec::new();
        assert_eq!(
            read_line(&mut reader, &mut buffer).unwrap(),
            Some(Line::TooLong)
        );
        assert_eq!(
            read_line(&mut reader, &mut buffer).unwrap(),
            Some(Line::Complete)
        );
        assert_eq!(buffer, b"next");
        assert_eq!(read_line(&mut reader, &mut buffer).unwrap(), None);
    }
}
