//! `connector describe ID --definition`: the connector as a definition file.

use connector_definition::{parse, print};

#[test]
fn describe_definition_prints_a_definition_file() {
    let out = crate::support::connector()
        .args(["describe", "lever", "--definition"])
        .output();
    assert!(out.status.success(), "{}", crate::support::everything(&out));
    let text = String::from_utf8(out.stdout).expect("the definition is UTF-8");
    assert!(text.starts_with("id = \"lever\"\n"), "{text}");
    let definition = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(definition.id, "lever");
    assert_eq!(
        print(&definition),
        text,
        "the printed definition is canonical"
    );
}

#[test]
fn describe_help_says_what_a_definition_is() {
    let out = crate::support::connector()
        .args(["describe", "--help"])
        .output();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--definition"), "{help}");
    assert!(help.contains("definition file"), "{help}");
}
