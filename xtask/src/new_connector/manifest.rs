//! Registering a connector: the workspace's `[workspace.dependencies]` and the registry's
//! `[dependencies]`, edited with toml_edit so comments and layout stay as they are, and the
//! registry's `CONNECTORS` list, which is Rust and gets one line in its sorted place.

use anyhow::{bail, Context as _};
use toml_edit::{DocumentMut, InlineTable, Item, Key, Table, Value};

pub const ROOT_MANIFEST: &str = "Cargo.toml";
pub const REGISTRY_MANIFEST: &str = "crates/connector-registry/Cargo.toml";
pub const REGISTRY_LIB: &str = "crates/connector-registry/src/lib.rs";

/// Adds `<id> = { path = "connectors/<id>" }` to `[workspace.dependencies]`, among the other
/// connectors: before the first one whose name sorts after it, else after the last one.
pub fn add_workspace_dependency(manifest: &str, id: &str) -> anyhow::Result<String> {
    let mut doc: DocumentMut = manifest
        .parse()
        .with_context(|| format!("{ROOT_MANIFEST} is not valid TOML"))?;
    let Some(deps) = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("dependencies"))
        .and_then(Item::as_table_mut)
    else {
        bail!("{ROOT_MANIFEST} has no [workspace.dependencies] section");
    };
    if deps.contains_key(id) {
        bail!("`{id}` is already a workspace dependency in {ROOT_MANIFEST}; pick another id");
    }
    let connectors: Vec<String> = deps
        .iter()
        .filter(|(_, item)| {
            item.get("path")
                .and_then(Item::as_str)
                .is_some_and(|p| p.starts_with("connectors/"))
        })
        .map(|(key, _)| key.to_owned())
        .collect();
    let place = match connectors.iter().find(|k| k.as_str() > id) {
        Some(next) => Place::Before(next.clone()),
        None => match connectors.last() {
            Some(last) => Place::After(last.clone()),
            None => Place::End,
        },
    };
    let mut path = InlineTable::new();
    path.insert("path", Value::from(format!("connectors/{id}")));
    path.fmt();
    insert_at(deps, id, Item::Value(Value::InlineTable(path)), place);
    Ok(doc.to_string())
}

/// Adds `<id>.workspace = true` to the registry's `[dependencies]`, in sorted place.
pub fn add_registry_dependency(manifest: &str, id: &str) -> anyhow::Result<String> {
    let mut doc: DocumentMut = manifest
        .parse()
        .with_context(|| format!("{REGISTRY_MANIFEST} is not valid TOML"))?;
    let Some(deps) = doc.get_mut("dependencies").and_then(Item::as_table_mut) else {
        bail!("{REGISTRY_MANIFEST} has no [dependencies] section");
    };
    if deps.contains_key(id) {
        bail!("{REGISTRY_MANIFEST} already depends on `{id}`");
    }
    let place = deps
        .iter()
        .map(|(key, _)| key)
        .find(|key| *key > id)
        .map_or(Place::End, |next| Place::Before(next.to_owned()));
    let mut workspace = Table::new();
    workspace.set_dotted(true);
    workspace.insert("workspace", toml_edit::value(true));
    insert_at(deps, id, Item::Table(workspace), place);
    Ok(doc.to_string())
}

/// Where a new key goes in a table.
#[derive(Debug)]
enum Place {
    Before(String),
    After(String),
    End,
}

/// Inserts `key` at `place`. Keys after it are taken out and put back with their decoration, so
/// a comment above the key it is inserted before stays above the group it introduces.
fn insert_at(table: &mut Table, key: &str, item: Item, place: Place) {
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
    let from = match &place {
        Place::Before(next) => keys.iter().position(|k| k == next),
        Place::After(last) => keys.iter().position(|k| k == last).map(|i| i + 1),
        Place::End => None,
    }
    .unwrap_or(keys.len());
    let moved: Vec<(Key, Item)> = keys[from..]
        .iter()
        .filter_map(|k| table.remove_entry(k))
        .collect();
    let mut new_key = Key::new(key);
    if let (Place::Before(_), Some((next, _))) = (&place, moved.first()) {
        // The comment above the group's first entry introduces the group: keep it first.
        if let Some(prefix) = next.leaf_decor().prefix() {
            new_key.leaf_decor_mut().set_prefix(prefix.clone());
        }
    }
    table.insert_formatted(&new_key, item);
    for (i, (mut k, v)) in moved.into_iter().enumerate() {
        if i == 0 && matches!(place, Place::Before(_)) {
            k.leaf_decor_mut().set_prefix("");
        }
        table.insert_formatted(&k, v);
    }
}

/// Adds `    <entry>,` to the `CONNECTORS` list in sorted place.
pub fn add_registry_entry(lib: &str, entry: &str) -> anyhow::Result<String> {
    let lines: Vec<&str> = lib.lines().collect();
    let Some(start) = lines.iter().position(|l| l.contains("static CONNECTORS")) else {
        bail!("{REGISTRY_LIB} has no `CONNECTORS` list");
    };
    let Some(end) = lines[start..]
        .iter()
        .position(|l| l.trim() == "];")
        .map(|i| start + i)
    else {
        bail!("{REGISTRY_LIB}: cannot find the end (`];`) of the `CONNECTORS` list");
    };
    let line = format!("    {entry},");
    if lines[start + 1..end]
        .iter()
        .any(|l| l.trim() == line.trim())
    {
        bail!("{REGISTRY_LIB} already lists `{entry}`");
    }
    let at = lines[start + 1..end]
        .iter()
        .position(|l| l.trim() > line.trim())
        .map_or(end, |i| start + 1 + i);
    let mut out: Vec<&str> = lines.clone();
    out.insert(at, &line);
    let mut text = out.join("\n");
    if lib.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}
