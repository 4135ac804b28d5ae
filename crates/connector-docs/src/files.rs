//! The generated files as a set: what `docs/` should contain, writing it, and checking the tree
//! against it (the `--check` mode and the `#[test]` that keeps committed docs fresh).

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use connector_core::Connector;

use crate::{catalog_json, guide_markdown, index_markdown, GENERATED_BY, MARKDOWN_MARKER};

/// The folder whose every file is generated; anything else in it is stale.
pub const CONNECTORS_DIR: &str = "docs/connectors";
/// The catalog, relative to the workspace root.
pub const CATALOG_PATH: &str = "docs/catalog.json";

/// Longest diff shown per file; the rest is summarised.
const MAX_DIFF_LINES: usize = 120;

/// One generated file: its path relative to the workspace root, and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// Every file `cargo xtask docs` writes, in a stable order.
pub fn expected_files(connectors: &[&dyn Connector]) -> Vec<GeneratedFile> {
    let mut files: Vec<GeneratedFile> = connectors
        .iter()
        .map(|c| GeneratedFile {
            path: Path::new(CONNECTORS_DIR).join(format!("{}.md", c.spec().id)),
            contents: guide_markdown(*c),
        })
        .collect();
    files.push(GeneratedFile {
        path: Path::new(CONNECTORS_DIR).join("README.md"),
        contents: index_markdown(connectors),
    });
    let catalog = serde_json::to_string_pretty(&catalog_json(connectors))
        .unwrap_or_else(|e| format!("{{\"error\": \"could not serialize the catalog: {e}\"}}"));
    files.push(GeneratedFile {
        path: PathBuf::from(CATALOG_PATH),
        contents: catalog + "\n",
    });
    files
}

/// What differs between `docs/` on disk and what the specs generate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A generated file is absent.
    Missing { path: PathBuf },
    /// A generated file differs; `diff` is a unified diff from disk to generated.
    Stale { path: PathBuf, diff: String },
    /// A file in the generated folder that no connector produces.
    Extra { path: PathBuf },
    /// A file could not be read (permissions, not UTF-8...).
    Unreadable { path: PathBuf, error: String },
}

impl Problem {
    pub fn path(&self) -> &Path {
        match self {
            Problem::Missing { path }
            | Problem::Stale { path, .. }
            | Problem::Extra { path }
            | Problem::Unreadable { path, .. } => path,
        }
    }
}

/// The generated docs do not match the specs. Its `Display` lists every problem, the diffs and
/// the command that fixes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub problems: Vec<Problem>,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the generated docs are out of date ({} file{}):",
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            let path = slash_path(problem.path());
            match problem {
                Problem::Missing { .. } => writeln!(f, "  missing: {path}")?,
                Problem::Stale { .. } => writeln!(f, "  stale:   {path}")?,
                Problem::Extra { .. } => {
                    writeln!(f, "  extra:   {path} (no registered connector produces it)")?
                }
                Problem::Unreadable { error, .. } => writeln!(f, "  unreadable: {path} ({error})")?,
            }
        }
        for problem in &self.problems {
            if let Problem::Stale { diff, .. } = problem {
                writeln!(f)?;
                f.write_str(diff)?;
            }
        }
        writeln!(f)?;
        write!(
            f,
            "Generated docs come from the connector specs and are not edited by hand. \
             Run `{GENERATED_BY}` and commit the result."
        )
    }
}

impl std::error::Error for Stale {}

/// What [`write`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// Files created or rewritten.
    pub changed: Vec<PathBuf>,
    /// Files already up to date.
    pub unchanged: Vec<PathBuf>,
    /// Stale generated files deleted from the generated folder.
    pub removed: Vec<PathBuf>,
    /// Files in the generated folder that were not generated; left alone (and reported by
    /// [`check`]) so nothing written by hand is lost.
    pub foreign: Vec<PathBuf>,
}

/// Compares `root`'s docs with what `connectors` generate. Changes nothing.
pub fn check(root: &Path, connectors: &[&dyn Connector]) -> Result<(), Stale> {
    let expected = expected_files(connectors);
    let mut problems = Vec::new();
    for file in &expected {
        match std::fs::read(root.join(&file.path)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => problems.push(Problem::Missing {
                path: file.path.clone(),
            }),
            Err(e) => problems.push(Problem::Unreadable {
                path: file.path.clone(),
                error: e.to_string(),
            }),
            Ok(bytes) => match String::from_utf8(bytes) {
                Err(_) => problems.push(Problem::Unreadable {
                    path: file.path.clone(),
                    error: "not UTF-8".to_owned(),
                }),
                Ok(on_disk) => {
                    // A checkout with CRLF line endings is not stale.
                    let on_disk = on_disk.replace("\r\n", "\n");
                    if on_disk != file.contents {
                        problems.push(Problem::Stale {
                            path: file.path.clone(),
                            diff: unified_diff(&file.path, &on_disk, &file.contents),
                        });
                    }
                }
            },
        }
    }
    problems.extend(
        extra_files(root, &expected)
            .into_iter()
            .map(|path| Problem::Extra { path }),
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Stale { problems })
    }
}

/// Writes the generated docs under `root`, touching only files whose contents change, and
/// deletes files in the generated folder that no connector produces any more.
pub fn write(root: &Path, connectors: &[&dyn Connector]) -> io::Result<Written> {
    let expected = expected_files(connectors);
    let mut written = Written::default();
    for file in &expected {
        let target = root.join(&file.path);
        let current = std::fs::read_to_string(&target).ok();
        if current.as_deref() == Some(file.contents.as_str()) {
            written.unchanged.push(file.path.clone());
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, &file.contents)?;
        written.changed.push(file.path.clone());
    }
    for path in extra_files(root, &expected) {
        let full = root.join(&path);
        let generated =
            std::fs::read_to_string(&full).is_ok_and(|text| text.starts_with(MARKDOWN_MARKER));
        if generated {
            std::fs::remove_file(&full)?;
            written.removed.push(path);
        } else {
            written.foreign.push(path);
        }
    }
    Ok(written)
}

/// Files in the generated folder that are not expected, sorted.
fn extra_files(root: &Path, expected: &[GeneratedFile]) -> Vec<PathBuf> {
    let expected: BTreeSet<&Path> = expected.iter().map(|f| f.path.as_path()).collect();
    let Ok(entries) = std::fs::read_dir(root.join(CONNECTORS_DIR)) else {
        return Vec::new();
    };
    let mut extra: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| Path::new(CONNECTORS_DIR).join(e.file_name()))
        .filter(|p| !expected.contains(p.as_path()))
        .collect();
    extra.sort();
    extra
}

fn unified_diff(path: &Path, on_disk: &str, generated: &str) -> String {
    let path = slash_path(path);
    let diff = similar::TextDiff::from_lines(on_disk, generated)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{path} (on disk)"), &format!("{path} (generated)"))
        .to_string();
    let lines: Vec<&str> = diff.lines().collect();
    if lines.len() <= MAX_DIFF_LINES {
        return diff;
    }
    let mut out = lines[..MAX_DIFF_LINES].join("\n");
    out.push_str(&format!(
        "\n... {} more diff lines not shown\n",
        lines.len() - MAX_DIFF_LINES
    ));
    out
}

/// A path with `/` separators, the same on every platform.
fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
