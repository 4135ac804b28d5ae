//! A directory of definition files (`--definitions DIR`): every `*.toml` in it, in name order,
//! each checked as [`load`](crate::load) checks it. All problems of all files are reported
//! together, each as `path:line: key message`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::connector::DefinedConnector;
use crate::load::MAX_BYTES;

/// The most definition files one directory may hold.
pub const MAX_FILES: usize = 1000;

/// Why a directory of definitions could not be loaded: one line per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirError {
    pub problems: Vec<String>,
}

impl fmt::Display for DirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("\n"))
    }
}

impl std::error::Error for DirError {}

/// The `*.toml` files of `dir`, sorted by name.
pub fn definition_files(dir: &Path) -> Result<Vec<PathBuf>, DirError> {
    let fail = |message: String| DirError {
        problems: vec![message],
    };
    let entries = std::fs::read_dir(dir).map_err(|e| {
        fail(match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "definitions directory {} does not exist; create it or point --definitions (or CONNECTOR_DEFINITIONS) at the directory holding the *.toml files",
                dir.display()
            ),
            _ => format!("cannot read the definitions directory {}: {e}", dir.display()),
        })
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| {
                fail(format!(
                    "cannot read the definitions directory {}: {e}",
                    dir.display()
                ))
            })?
            .path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            files.push(path);
        }
    }
    if files.len() > MAX_FILES {
        return Err(fail(format!(
            "{} holds {} definition files; at most {MAX_FILES} are loaded from one directory",
            dir.display(),
            files.len()
        )));
    }
    files.sort();
    Ok(files)
}

/// Every definition of `dir` as a connector, in file name order. Two files may not declare the
/// same id.
pub fn load_dir(dir: &Path) -> Result<Vec<DefinedConnector>, DirError> {
    let mut problems = Vec::new();
    let mut loaded = Vec::new();
    let mut ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in definition_files(dir)? {
        let shown = path.display().to_string();
        match read_bounded(&path) {
            Err(problem) => problems.push(format!("{shown}:1: (file) {problem}")),
            Ok(text) => match DefinedConnector::load(&shown, &text) {
                Err(errors) => problems.extend(errors.iter().map(ToString::to_string)),
                Ok(connector) => {
                    let id = connector.definition().id.clone();
                    if let Some(first) = ids.get(&id) {
                        problems.push(format!(
                            "{shown}:1: id \"{id}\" is already declared by {}; each definition needs its own id",
                            first.display()
                        ));
                    } else {
                        ids.insert(id, path.clone());
                        loaded.push(connector);
                    }
                }
            },
        }
    }
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(DirError { problems })
    }
}

/// The file's text, refused unread when it is larger than a definition may be.
fn read_bounded(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot be read: {e}"))?
        .len();
    if size > MAX_BYTES as u64 {
        return Err(format!(
            "is {size} bytes; a definition file holds at most {MAX_BYTES} bytes (256 KiB)"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "is not UTF-8 text; save it as UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{print, Definition};

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn renamed(id: &str) -> String {
        let mut definition = Definition::from(connector_registry::all()[0].spec());
        definition.id = id.to_owned();
        print(&definition)
    }

    #[test]
    fn loads_every_toml_file_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "b.toml", &renamed("zeta"));
        write(dir.path(), "a.toml", &renamed("alpha"));
        write(dir.path(), "notes.txt", "not a definition");
        let loaded = load_dir(dir.path()).unwrap();
        let ids: Vec<&str> = loaded.iter().map(|c| c.definition().id.as_str()).collect();
        assert_eq!(ids, ["alpha", "zeta"]);
    }

    #[test]
    fn reports_every_file_problem_with_its_path_and_line() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.toml", &renamed("same"));
        write(dir.path(), "b.toml", &renamed("same"));
        write(dir.path(), "c.toml", "id = \"broken\"\nname = 3\n");
        std::fs::write(dir.path().join("d.toml"), vec![b'#'; MAX_BYTES + 1]).unwrap();
        let error = load_dir(dir.path()).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("b.toml:1: id \"same\" is already declared by"),
            "{text}"
        );
        assert!(text.contains("c.toml:2: name"), "{text}");
        assert!(text.contains("d.toml:1: (file) is 262145 bytes"), "{text}");
        let missing = load_dir(&dir.path().join("nope")).unwrap_err().to_string();
        assert!(missing.contains("does not exist"), "{missing}");
    }
}
