//! Canonical TOML for a definition. serde gives the values in the model's field order; this
//! file lays them out, the same way every time:
//!
//! - in each table, its values first, then its sections (tables, arrays of tables), each group
//!   in field order;
//! - a table that fits on one line of [`WIDTH`] columns, `key = { … }`, is written inline, and
//!   an array of tables whose every element fits on a line is an array of inline tables;
//! - an array that does not fit on its line is written one element a line;
//! - every string is a one-line basic string (`"…"`, with `\"`, `\\`, `\n` and `\uXXXX` escapes).
//!
//! The layout depends only on the values, so printing a definition read back from its printed
//! text gives that text again.

use toml_edit::{DocumentMut, Item, Value};

/// The widest line the layout aims for; longer lines come only from long strings.
const WIDTH: usize = 100;
const INDENT: &str = "    ";

/// A value as laid out: a scalar already written as TOML, an array, or a table.
enum Node {
    Scalar(String),
    Array(Vec<Node>),
    Table(Vec<(String, Node)>),
    /// An array whose elements are tables (`[[name]]`), even when empty of them.
    Tables(Vec<Vec<(String, Node)>>),
}

/// The TOML `serde` printed, laid out canonically.
pub(crate) fn layout(text: &str) -> Result<String, toml_edit::TomlError> {
    let document: DocumentMut = text.parse()?;
    let root = table_entries(document.as_table().iter());
    let mut out = String::new();
    write_table(&mut out, &[], &root);
    Ok(out)
}

fn table_entries<'a>(entries: impl Iterator<Item = (&'a str, &'a Item)>) -> Vec<(String, Node)> {
    entries
        .filter_map(|(key, item)| item_node(item).map(|node| (key.to_owned(), node)))
        .collect()
}

fn item_node(item: &Item) -> Option<Node> {
    match item {
        Item::None => None,
        Item::Value(value) => Some(value_node(value)),
        Item::Table(table) => Some(Node::Table(table_entries(table.iter()))),
        Item::ArrayOfTables(tables) => Some(Node::Tables(
            tables.iter().map(|t| table_entries(t.iter())).collect(),
        )),
    }
}

fn value_node(value: &Value) -> Node {
    match value {
        Value::String(s) => Node::Scalar(basic_string(s.value())),
        Value::Integer(i) => Node::Scalar(i.value().to_string()),
        Value::Float(f) => Node::Scalar(float(*f.value())),
        Value::Boolean(b) => Node::Scalar(b.value().to_string()),
        Value::Datetime(d) => Node::Scalar(d.value().to_string()),
        Value::Array(array) => Node::Array(array.iter().map(value_node).collect()),
        Value::InlineTable(table) => Node::Table(
            table
                .iter()
                .map(|(key, value)| (key.to_owned(), value_node(value)))
                .collect(),
        ),
    }
}

fn float(f: f64) -> String {
    if f.is_nan() {
        "nan".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        // `{:?}` keeps a `.0` on whole numbers and is the shortest text that reads back exactly.
        format!("{f:?}")
    }
}

/// `text` as a TOML basic string.
fn basic_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_owned()
    } else {
        basic_string(name)
    }
}

/// The node on one line, if it can be written inline at all.
fn inline(node: &Node) -> String {
    match node {
        Node::Scalar(text) => text.clone(),
        Node::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Node::Table(entries) => inline_table(entries),
        Node::Tables(tables) => {
            let items: Vec<String> = tables.iter().map(|t| inline_table(t)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn inline_table(entries: &[(String, Node)]) -> String {
    if entries.is_empty() {
        return "{}".to_owned();
    }
    let pairs: Vec<String> = entries
        .iter()
        .map(|(name, node)| format!("{} = {}", key(name), inline(node)))
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

/// Whether `key = node` is written among the values (rather than as a section).
fn is_value(name: &str, node: &Node) -> bool {
    match node {
        Node::Scalar(_) | Node::Array(_) => true,
        Node::Table(_) => fits(&format!("{} = {}", key(name), inline(node))),
        Node::Tables(tables) => tables
            .iter()
            .all(|t| fits(&format!("{INDENT}{},", inline_table(t)))),
    }
}

fn fits(line: &str) -> bool {
    line.chars().count() <= WIDTH
}

fn write_value(out: &mut String, name: &str, node: &Node) {
    let line = format!("{} = {}", key(name), inline(node));
    let items: Vec<String> = match node {
        Node::Array(items) if !fits(&line) => items.iter().map(inline).collect(),
        Node::Tables(tables) if !fits(&line) => tables.iter().map(|t| inline_table(t)).collect(),
        _ => {
            out.push_str(&line);
            out.push('\n');
            return;
        }
    };
    out.push_str(&format!("{} = [\n", key(name)));
    for item in items {
        out.push_str(&format!("{INDENT}{item},\n"));
    }
    out.push_str("]\n");
}

fn write_table(out: &mut String, path: &[String], entries: &[(String, Node)]) {
    for (name, node) in entries.iter().filter(|(n, node)| is_value(n, node)) {
        write_value(out, name, node);
    }
    for (name, node) in entries.iter().filter(|(n, node)| !is_value(n, node)) {
        let mut inner = path.to_vec();
        inner.push(key(name));
        match node {
            Node::Table(entries) => {
                section(out, &format!("[{}]", inner.join(".")));
                write_table(out, &inner, entries);
            }
            Node::Tables(tables) => {
                for table in tables {
                    section(out, &format!("[[{}]]", inner.join(".")));
                    write_table(out, &inner, table);
                }
            }
            Node::Scalar(_) | Node::Array(_) => {}
        }
    }
}

fn section(out: &mut String, header: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(header);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_basic_and_escaped() {
        assert_eq!(
            basic_string("a \"b\" \\ c\n\u{7}\u{7f}→"),
            "\"a \\\"b\\\" \\\\ c\\n\\u0007\\u007F→\""
        );
        let text = format!("s = {}\n", basic_string("x\"\\\t\u{1b}'y"));
        let read: toml_edit::DocumentMut = text.parse().expect("valid TOML");
        assert_eq!(read["s"].as_str(), Some("x\"\\\t\u{1b}'y"));
    }

    #[test]
    fn small_tables_go_inline_and_long_arrays_one_item_a_line() {
        let text = "a = 1\nlist = [\"one\", \"two\"]\n[t]\nkind = \"x\"\n[[rows]]\nname = \"r\"\n";
        assert_eq!(
            layout(text).expect("valid TOML"),
            "a = 1\nlist = [\"one\", \"two\"]\nt = { kind = \"x\" }\nrows = [{ name = \"r\" }]\n"
        );
        let long = format!("list = [\"{}\", \"{}\"]\n", "x".repeat(60), "y".repeat(60));
        assert_eq!(
            layout(&long).expect("valid TOML"),
            format!(
                "list = [\n    \"{}\",\n    \"{}\",\n]\n",
                "x".repeat(60),
                "y".repeat(60)
            )
        );
    }
}
