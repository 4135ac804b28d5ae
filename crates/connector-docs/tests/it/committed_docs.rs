//! Keeps `docs/` honest: the committed generated files must match the registered connectors'
//! specs (the same check as `cargo xtask docs --check`), and the check itself must notice a hand
//! edit, a missing file and a leftover file.

use std::path::{Path, PathBuf};

use connector_core::Connector;
use connector_docs::{
    check, check_docs_dir, docs_dir_files, expected_files, write, write_docs_dir, Problem,
};

use crate::support::AcmeJobs;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("../.."))
}

#[test]
fn committed_docs_match_the_registered_connectors() {
    if let Err(stale) = connector_docs::check_registry(&workspace_root()) {
        panic!("{stale}");
    }
}

fn connectors() -> [&'static dyn Connector; 1] {
    [&AcmeJobs]
}

#[test]
fn write_then_check_passes_and_a_second_write_changes_nothing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let first = write(dir.path(), &connectors()).expect("docs written");
    assert_eq!(first.changed.len(), expected_files(&connectors()).len());
    assert_eq!(check(dir.path(), &connectors()), Ok(()));
    let second = write(dir.path(), &connectors()).expect("docs written");
    assert!(second.changed.is_empty(), "{:?}", second.changed);
}

/// `--out DIR2`: the same files laid out as `docs/` is, rooted at DIR2.
#[test]
fn a_docs_dir_elsewhere_mirrors_the_workspace_layout() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path();
    let written = write_docs_dir(out, &connectors()).expect("docs written");
    assert_eq!(written.changed.len(), expected_files(&connectors()).len());
    for file in docs_dir_files(&connectors()) {
        assert!(!file.path.starts_with("docs"), "{}", file.path.display());
    }
    for path in [
        "connectors/acme-jobs.md",
        "connectors/README.md",
        "catalog.json",
        "definition.schema.json",
    ] {
        assert!(out.join(path).is_file(), "{path} missing");
    }
    assert!(!out.join("docs").exists());
    assert_eq!(check_docs_dir(out, &connectors()), Ok(()));
    std::fs::write(
        out.join("connectors/gone.md"),
        connector_docs::MARKDOWN_MARKER,
    )
    .expect("written");
    let stale = check_docs_dir(out, &connectors()).expect_err("a leftover guide");
    assert_eq!(
        stale.problems,
        [Problem::Extra {
            path: PathBuf::from("connectors/gone.md")
        }]
    );
    let again = write_docs_dir(out, &connectors()).expect("docs written");
    assert_eq!(again.removed, [PathBuf::from("connectors/gone.md")]);
    assert!(again.changed.is_empty(), "{:?}", again.changed);
}

#[test]
fn check_reports_a_hand_edit_a_missing_file_and_a_leftover_file_with_the_fix() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    write(root, &connectors()).expect("docs written");
    let guide = root.join("docs/connectors/acme-jobs.md");
    let edited = std::fs::read_to_string(&guide)
        .expect("guide written")
        .replace("An Acme admin.", "Anyone.");
    std::fs::write(&guide, edited).expect("guide edited");
    std::fs::remove_file(root.join("docs/catalog.json")).expect("catalog removed");
    std::fs::write(root.join("docs/connectors/gone.md"), "old").expect("leftover written");

    let stale = check(root, &connectors()).expect_err("the edits are noticed");
    let kinds: Vec<(&str, String)> = stale
        .problems
        .iter()
        .map(|p| {
            let kind = match p {
                Problem::Missing { .. } => "missing",
                Problem::Stale { .. } => "stale",
                Problem::Extra { .. } => "extra",
                _ => "other",
            };
            (kind, p.path().to_string_lossy().replace('\\', "/"))
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("stale", "docs/connectors/acme-jobs.md".to_owned()),
            ("missing", "docs/catalog.json".to_owned()),
            ("extra", "docs/connectors/gone.md".to_owned()),
        ]
    );
    let message = stale.to_string();
    assert!(message.contains("\n-- Anyone.\n"), "{message}");
    assert!(message.contains("\n+- An Acme admin.\n"), "{message}");
    assert!(message.contains("Run `cargo xtask docs`"), "{message}");
    // The check changed nothing.
    assert!(!root.join("docs/catalog.json").exists());
}

#[test]
fn write_removes_leftover_generated_files_but_keeps_hand_written_ones() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    let folder = root.join("docs/connectors");
    std::fs::create_dir_all(&folder).expect("folder created");
    let leftover = format!("{}\n\n# Old\n", connector_docs::MARKDOWN_MARKER);
    std::fs::write(folder.join("old.md"), leftover).expect("leftover written");
    std::fs::write(folder.join("notes.md"), "mine").expect("notes written");

    let written = write(root, &connectors()).expect("docs written");
    assert_eq!(written.removed, [PathBuf::from("docs/connectors/old.md")]);
    assert_eq!(written.foreign, [PathBuf::from("docs/connectors/notes.md")]);
    assert!(folder.join("notes.md").exists());
}
