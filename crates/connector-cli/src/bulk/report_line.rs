//! A bulk output line: the input's id, then exactly the fields of `connector check --json` in
//! their order, byte for byte what serde_json writes for the same report. Written here rather
//! than through serde_json's serializer, which escapes a string one byte at a time: a line's
//! texts (its message above all) are most of its bytes, and here they are tested for characters
//! to escape 32 bytes at a time and copied whole. The tests compare lines with serde_json's.

use std::io;

use connector_core::CheckReport;
use serde_json::Value;

/// Appends the line for `report` to `out`: `{"id":…,` the report's fields, `}` and a newline.
/// `line` and `notes` are the input line's number and the notes about it: an `invalid_input`
/// names the line in its message, and the notes come first among the warnings.
pub(super) fn write_line(
    out: &mut Vec<u8>,
    id: &Value,
    line: u64,
    notes: &[String],
    report: &CheckReport,
) -> io::Result<()> {
    out.extend_from_slice(b"{\"id\":");
    serde_json::to_writer(&mut *out, id)?;
    out.extend_from_slice(b",\"connector\":");
    write_str(out, &report.connector);
    out.extend_from_slice(b",\"variant\":");
    write_str(out, &report.variant);
    out.extend_from_slice(b",\"status\":");
    write_str(out, report.status.as_str());
    out.extend_from_slice(b",\"key\":");
    match &report.key {
        Some(key) => write_str(out, key),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"http_status\":");
    match report.http_status {
        Some(code) => out.extend_from_slice(code.to_string().as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"message\":\"");
    if names_line(report) {
        out.extend_from_slice(format!("line {line}: ").as_bytes());
    }
    escape_into(out, &report.message);
    out.extend_from_slice(b"\",\"warnings\":[");
    for (i, warning) in notes.iter().chain(&report.warnings).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, warning);
    }
    out.extend_from_slice(b"],\"account\":");
    match &report.account {
        Some(account) => {
            out.push(b'{');
            for (i, (name, value)) in account.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, name);
                out.push(b':');
                match value {
                    Value::String(text) => write_str(out, text),
                    other => serde_json::to_writer(&mut *out, other)?,
                }
            }
            out.push(b'}');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"elapsed_ms\":");
    out.extend_from_slice(report.elapsed_ms.to_string().as_bytes());
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// Whether the line's number goes before the message: an `invalid_input` that does not name
/// its line yet.
fn names_line(report: &CheckReport) -> bool {
    report.status == connector_core::Status::InvalidInput && !report.message.starts_with("line ")
}

/// `text` as a JSON string, quotes included.
fn write_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    escape_into(out, text);
    out.push(b'"');
}

/// `text` escaped as serde_json escapes it inside a JSON string: `"` and `\` with a backslash,
/// control characters as `\n`, `\t`… or `\u00XX`; everything else (non-ASCII included) as is.
fn escape_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut blocks = bytes.chunks_exact(32);
    let mut start = 0;
    for block in blocks.by_ref() {
        // Tested without stopping early, which the compiler turns into vector instructions.
        if block.iter().fold(false, |any, b| any | needs_escape(*b)) {
            escape_bytes(out, block);
        } else {
            out.extend_from_slice(block);
        }
        start += block.len();
    }
    escape_bytes(out, &bytes[start..]);
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Escapes `bytes` one at a time, copying the runs between escapes whole.
fn escape_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut run = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if !needs_escape(byte) {
            continue;
        }
        out.extend_from_slice(&bytes[run..i]);
        run = i + 1;
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]),
        }
    }
    out.extend_from_slice(&bytes[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::{Account, Status};
    use proptest::prelude::*;

    /// The line serde_json writes for the report as this line reports it.
    fn by_serde(id: &Value, line: u64, notes: &[String], report: &CheckReport) -> String {
        let mut expected = report.clone();
        if names_line(report) {
            expected.message = format!("line {line}: {}", report.message);
        }
        expected.warnings = notes.iter().chain(&report.warnings).cloned().collect();
        let fields = serde_json::to_string(&expected).expect("serializes");
        format!(
            "{{\"id\":{},{}\n",
            serde_json::to_string(id).expect("serializes"),
            &fields[1..]
        )
    }

    fn written(id: &Value, line: u64, notes: &[String], report: &CheckReport) -> String {
        let mut out = Vec::new();
        write_line(&mut out, id, line, notes, report).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    fn report(status: Status) -> CheckReport {
        CheckReport {
            connector: "polytomic".to_owned(),
            variant: "api_key".to_owned(),
            status,
            key: Some("••••847b".to_owned()),
            http_status: None,
            message: "field `api_key` is required".to_owned(),
            warnings: vec!["report".to_owned()],
            account: None,
            elapsed_ms: 0,
        }
    }

    #[test]
    fn output_lines_are_id_then_the_check_json_fields() {
        let report = report(Status::InvalidInput);
        let notes = ["line".to_owned()];
        let text = written(&Value::from("acct"), 9, &notes, &report);
        assert_eq!(
            text,
            "{\"id\":\"acct\",\"connector\":\"polytomic\",\"variant\":\"api_key\",\
             \"status\":\"invalid_input\",\"key\":\"••••847b\",\"http_status\":null,\
             \"message\":\"line 9: field `api_key` is required\",\
             \"warnings\":[\"line\",\"report\"],\"account\":null,\"elapsed_ms\":0}\n"
        );
        assert_eq!(text, by_serde(&Value::from("acct"), 9, &notes, &report));
    }

    #[test]
    fn a_message_that_names_its_line_is_not_named_again() {
        let mut report = report(Status::InvalidInput);
        report.message = "line 3: not JSON".to_owned();
        let text = written(&Value::from(3), 3, &[], &report);
        assert!(text.contains("\"message\":\"line 3: not JSON\""), "{text}");
        let mut verified = report.clone();
        verified.status = Status::Verified;
        verified.message = "The key works".to_owned();
        let text = written(&Value::from(3), 3, &[], &verified);
        assert!(text.contains("\"message\":\"The key works\""), "{text}");
    }

    #[test]
    fn every_byte_is_escaped_as_serde_json_escapes_it() {
        let all: String = (0u8..0x80)
            .map(char::from)
            .chain(['é', '€', '😀'])
            .collect();
        for text in [all.clone(), all.repeat(3), format!("{}\"", "a".repeat(31))] {
            let mut out = Vec::new();
            write_str(&mut out, &text);
            assert_eq!(
                String::from_utf8(out).expect("UTF-8"),
                serde_json::to_string(&text).expect("serializes")
            );
        }
    }

    fn any_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<String>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
            prop::collection::vec(any::<String>(), 0..3).prop_map(|items| Value::from(
                items.into_iter().map(Value::from).collect::<Vec<_>>()
            )),
        ]
    }

    /// Texts that mix plain runs longer than a block with the characters that need escaping.
    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                "[a-z ]{0,40}",
                Just("\"".to_owned()),
                Just("\\".to_owned()),
                "[\\x00-\\x1f\\x7f]",
                any::<String>(),
            ],
            0..6,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn any_report_is_written_as_serde_json_writes_it(
            id in any_value(),
            line in any::<u64>(),
            notes in prop::collection::vec(text(), 0..3),
            status in prop::sample::select(Status::ALL.to_vec()),
            key in prop::option::of(text()),
            http_status in prop::option::of(any::<u16>()),
            message in text(),
            warnings in prop::collection::vec(text(), 0..3),
            account in prop::option::of(prop::collection::vec((text(), any_value()), 0..5)),
            elapsed_ms in any::<u64>(),
        ) {
            let report = CheckReport {
                connector: "smartrecruiters".to_owned(),
                variant: "api_key".to_owned(),
                status,
                key,
                http_status,
                message,
                warnings,
                account: account.map(|pairs| pairs.into_iter().collect::<Account>()),
                elapsed_ms,
            };
            prop_assert_eq!(
                written(&id, line, &notes, &report),
                by_serde(&id, line, &notes, &report)
            );
        }
    }
}
