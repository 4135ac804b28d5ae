//! Loading a definition file as untrusted input: size, TOML syntax, shape, then every semantic
//! check `ConnectorSpec::assert_valid` makes at compile time and more, each problem reported with
//! the file, the line and the key path (`acme.toml:14: variants[0].auth.field ...`). The
//! semantic rules themselves are in `rules.rs`.

use std::collections::BTreeSet;
use std::ops::Range;

use toml_edit::{Item, Value};

use crate::model::Definition;
use crate::rules::Checker;

/// The largest definition file accepted, in bytes (256 KiB); checked before anything is parsed.
pub const MAX_BYTES: usize = 256 * 1024;
/// The longest string value accepted, in characters.
pub const MAX_STRING: usize = 4096;
/// The most elements any array may hold.
pub const MAX_ARRAY: usize = 256;
/// The most credential variants a definition may declare.
pub const MAX_VARIANTS: usize = 16;
/// The most fields a variant (or inputs an action) may declare.
pub const MAX_FIELDS: usize = 32;
/// The most actions a definition may declare.
pub const MAX_ACTIONS: usize = 32;
/// The most answer rules a request may declare.
pub const MAX_ANSWERS: usize = 64;
/// The longest id, in characters.
pub const MAX_ID: usize = 64;

/// One problem with a definition file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file name given to [`load`].
    pub file: String,
    /// 1-based line of the key (or of its parent table when the key cannot be located).
    pub line: usize,
    /// Key path, e.g. `variants[0].auth.field`; `(file)` for the whole file, `(toml)` for a
    /// syntax error.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {} {}",
            self.file, self.line, self.path, self.message
        )
    }
}

impl std::error::Error for LoadError {}

/// A definition file's text, checked: `name` is the file name used in messages. Every problem
/// found is returned, each with its line and key path.
pub fn load(name: &str, text: &str) -> Result<Definition, Vec<LoadError>> {
    let error = |line: usize, path: &str, message: String| LoadError {
        file: name.to_owned(),
        line,
        path: path.to_owned(),
        message,
    };
    if text.len() > MAX_BYTES {
        return Err(vec![error(
            1,
            "(file)",
            format!(
                "is {} bytes; a definition file holds at most {MAX_BYTES} bytes (256 KiB)",
                text.len()
            ),
        )]);
    }
    let doc = match toml_edit::Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            return Err(vec![error(
                line,
                "(toml)",
                format!("is not valid TOML: {}", e.message().trim()),
            )]);
        }
    };
    let root = doc.as_table();
    let mut bounds = Vec::new();
    bound_table(root, "", &mut bounds);
    if !bounds.is_empty() {
        return Err(bounds
            .into_iter()
            .map(|(path, message)| error(locate(root, text, &path), &path, message))
            .collect());
    }
    let definition: Definition = match toml::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let (line, path) = match e.span() {
                Some(span) => (line_of(text, span.start), path_at(root, span.start)),
                None => (1, String::new()),
            };
            let path = if path.is_empty() {
                "(file)".into()
            } else {
                path
            };
            return Err(vec![error(
                line,
                &path,
                format!("does not fit a definition: {}", e.message().trim()),
            )]);
        }
    };
    let mut checker = Checker::default();
    checker.definition(&definition);
    let mut seen = BTreeSet::new();
    checker.errors.retain(|e| seen.insert(e.clone()));
    if checker.errors.is_empty() {
        Ok(definition)
    } else {
        Err(checker
            .errors
            .into_iter()
            .map(|(path, message)| error(locate(root, text, &path), &path, message))
            .collect())
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Strings and arrays of the document within bounds (before serde sees the text).
fn bound_table(table: &dyn toml_edit::TableLike, path: &str, out: &mut Vec<(String, String)>) {
    for (key, item) in table.iter() {
        bound_item(item, &join(path, key), out);
    }
}

fn bound_item(item: &Item, path: &str, out: &mut Vec<(String, String)>) {
    match item {
        Item::None => {}
        Item::Value(value) => bound_value(value, path, out),
        Item::Table(table) => bound_table(table, path, out),
        Item::ArrayOfTables(tables) => {
            if tables.len() > MAX_ARRAY {
                out.push((
                    path.to_owned(),
                    format!(
                        "holds {} tables; at most {MAX_ARRAY} are allowed",
                        tables.len()
                    ),
                ));
                return;
            }
            for (i, table) in tables.iter().enumerate() {
                bound_table(table, &format!("{path}[{i}]"), out);
            }
        }
    }
}

fn bound_value(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => {
            let chars = s.value().chars().count();
            if chars > MAX_STRING {
                out.push((
                    path.to_owned(),
                    format!("is {chars} characters long; at most {MAX_STRING} are allowed"),
                ));
            }
        }
        Value::Array(array) => {
            if array.len() > MAX_ARRAY {
                out.push((
                    path.to_owned(),
                    format!(
                        "holds {} elements; at most {MAX_ARRAY} are allowed",
                        array.len()
                    ),
                ));
                return;
            }
            for (i, v) in array.iter().enumerate() {
                bound_value(v, &format!("{path}[{i}]"), out);
            }
        }
        Value::InlineTable(table) => bound_table(table, path, out),
        _ => {}
    }
}

/// A key path's segments: `variants[0].auth.field` is `variants`, 0, `auth`, `field`.
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        for index in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

/// The line of a key path in the document, or of the nearest parent that can be located.
fn locate(root: &toml_edit::Table, text: &str, path: &str) -> usize {
    enum Node<'a> {
        Table(&'a dyn toml_edit::TableLike),
        Item(&'a Item),
        Value(&'a Value),
    }
    let mut span: Option<Range<usize>> = None;
    let mut node = Node::Table(root);
    for seg in segments(path) {
        let next: Option<(Option<Range<usize>>, Node<'_>)> = match (seg, &node) {
            (Seg::Key(k), Node::Table(t)) => t
                .get_key_value(k)
                .map(|(key, item)| (key.span(), Node::Item(item))),
            (Seg::Key(k), Node::Item(item)) => item
                .as_table_like()
                .and_then(|t| t.get_key_value(k))
                .map(|(key, item)| (key.span(), Node::Item(item))),
            (Seg::Key(k), Node::Value(v)) => v
                .as_inline_table()
                .and_then(|t| t.get_key_value(k))
                .map(|(key, item)| (key.span(), Node::Item(item))),
            (Seg::Index(i), Node::Item(Item::ArrayOfTables(tables))) => tables
                .get(i)
                .map(|t| (t.span(), Node::Table(t as &dyn toml_edit::TableLike))),
            (Seg::Index(i), Node::Item(Item::Value(Value::Array(a))))
            | (Seg::Index(i), Node::Value(Value::Array(a))) => {
                a.get(i).map(|v| (v.span(), Node::Value(v)))
            }
            _ => None,
        };
        match next {
            Some((s, n)) => {
                if s.is_some() {
                    span = s;
                }
                node = n;
            }
            None => break,
        }
    }
    span.map_or(1, |s| line_of(text, s.start))
}

/// The key path of the innermost key whose key or value holds `offset`.
fn path_at(root: &toml_edit::Table, offset: usize) -> String {
    fn contains(span: Option<Range<usize>>, offset: usize) -> bool {
        span.is_some_and(|s| s.start <= offset && offset < s.end.max(s.start + 1))
    }
    fn in_table(table: &dyn toml_edit::TableLike, path: String, offset: usize) -> String {
        for (key, item) in table.iter() {
            let key_span = table.key(key).and_then(|k| k.span());
            let here = join(&path, key);
            if contains(key_span, offset) {
                return here;
            }
            if let Some(found) = in_item(item, here, offset) {
                return found;
            }
        }
        path
    }
    fn in_item(item: &Item, path: String, offset: usize) -> Option<String> {
        match item {
            Item::Table(t) => {
                // A table header's span covers only the header; its keys follow it.
                let inner = in_table(t, path.clone(), offset);
                (inner != path || contains(t.span(), offset)).then_some(inner)
            }
            Item::ArrayOfTables(tables) => tables.iter().enumerate().find_map(|(i, t)| {
                let p = format!("{path}[{i}]");
                let inner = in_table(t, p.clone(), offset);
                (inner != p || contains(t.span(), offset)).then_some(inner)
            }),
            Item::Value(v) => in_value(v, path, offset),
            Item::None => None,
        }
    }
    fn in_value(value: &Value, path: String, offset: usize) -> Option<String> {
        if !contains(value.span(), offset) {
            return None;
        }
        Some(match value {
            Value::InlineTable(t) => in_table(t, path, offset),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, v)| in_value(v, format!("{path}[{i}]"), offset))
                .unwrap_or(path),
            _ => path,
        })
    }
    in_table(root, String::new(), offset)
}
