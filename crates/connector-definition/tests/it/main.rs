//! Definition files of every registered connector: printed, parsed back and printed again.

use connector_definition::{parse, print, Definition};

#[test]
fn every_connector_prints_canonically() {
    let connectors = connector_registry::all();
    assert!(
        connectors.len() >= 38,
        "every registered connector is round-tripped; {} registered",
        connectors.len()
    );
    for connector in connectors {
        let spec = connector.spec();
        let definition = Definition::from(spec);
        let text = print(&definition);
        assert!(
            text.starts_with(&format!("id = \"{}\"\n", spec.id)),
            "{}: {}",
            spec.id,
            text.lines().next().unwrap_or_default()
        );
        let parsed = parse(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", spec.id));
        assert_eq!(parsed, definition, "{}", spec.id);
        assert_eq!(print(&parsed), text, "{}", spec.id);
    }
}

#[test]
fn unknown_keys_are_refused() {
    let lever = connector_registry::all()
        .iter()
        .find(|c| c.spec().id == "lever")
        .expect("lever is registered");
    let text = print(&Definition::from(lever.spec()));
    let top = text.replacen("name = \"Lever\"\n", "name = \"Lever\"\nnmae = \"x\"\n", 1);
    assert!(parse(&top).is_err());
    let nested = text.replacen("kind = \"field\"", "kind = \"field\", extra = 1", 1);
    assert!(parse(&nested).is_err(), "{nested}");
}

#[test]
fn the_schema_names_every_status_and_method() {
    let schema = connector_definition::schema().to_string();
    for status in connector_core::Status::ALL {
        let name = serde_json::to_value(status).expect("a status serializes");
        let name = name.as_str().expect("a status is a string");
        assert!(schema.contains(&format!("\"{name}\"")), "{name}");
    }
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(schema.contains(&format!("\"{method}\"")), "{method}");
    }
    assert_eq!(connector_definition::schema()["title"], "Definition");
}
mod load;
