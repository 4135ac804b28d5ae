//! Reading a successful verification answer by the variant's declared [`Proof`]: what
//! `Connector::account` does unless a connector writes its own.

use serde_json::Value;

use crate::json::pointer;
use crate::outcome::Account;
use crate::reader::AccountProof;
use crate::spec::connector::CredentialVariant;
use crate::spec::proof::{Proof, Shape, Source};
use crate::spec::request::Match;

/// The account `body` proves, read by the variant's declared proof. An `Err` says which shape
/// was expected.
pub fn read_proof(variant: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
    let Some(proof) = &variant.proof else {
        return Err(format!(
            "the connector declares no proof for variant `{}` and reads none itself",
            variant.name
        ));
    };
    // A check has tested the success predicate on the answer's text before this runs; a JSON
    // test is repeated here so that any caller reads an answer as a check does. A test on the
    // raw text cannot be repeated on parsed JSON, and is not.
    if let Some(success @ Match::Equals { .. }) = variant.verify.success {
        if !success.holds("", Some(body)) {
            return Err(proof.expected.to_owned());
        }
    }
    read(proof, body)
}

/// The account `body` proves by `proof`.
pub fn read(proof: &Proof, body: &Value) -> Result<AccountProof, String> {
    let refused = || proof.expected.to_owned();
    let (list, item) = proof
        .at
        .iter()
        .find_map(|at| fitting(proof.shape, pointer(body, at)?))
        .ok_or_else(refused)?;
    if let Some(item) = item {
        if proof.required.iter().any(|p| present(item, p).is_none()) {
            return Err(refused());
        }
    }
    let names_something =
        item.is_some_and(|item| proof.one_of.iter().any(|p| present(item, p).is_some()));
    if !proof.one_of.is_empty() && !names_something {
        return Err(refused());
    }
    let mut account = Account::new();
    for (name, source) in proof.account {
        // A name already set was found by an earlier alternative.
        if account.contains_key(*name) {
            continue;
        }
        if let Some(value) = find(source, body, list, item) {
            account.insert((*name).to_owned(), value);
        }
    }
    let mut warnings = Vec::new();
    if let Some(item) = item {
        // The item as text only for a test that reads text: most compare a member.
        let mut text: Option<String> = None;
        for warning in proof.warnings {
            let text = match warning.when {
                Match::Contains(_) => text.get_or_insert_with(|| item.to_string()).as_str(),
                Match::Equals { .. } => "",
            };
            if warning.when.holds(text, Some(item)) {
                warnings.push(warning.message.to_owned());
            }
        }
    }
    Ok(AccountProof { account, warnings })
}

/// The list and the item of `value` when it has `shape`: an array's elements and its first, or
/// an object as a list of one.
fn fitting(shape: Shape, value: &Value) -> Option<(&[Value], Option<&Value>)> {
    match (shape, value) {
        (Shape::List | Shape::ListOrObject, Value::Array(items)) => {
            Some((items.as_slice(), items.first()))
        }
        (Shape::Object | Shape::ListOrObject, Value::Object(_)) => {
            Some((std::slice::from_ref(value), Some(value)))
        }
        _ => None,
    }
}

/// The member of `value` at `pointer`, when present and not null.
fn present<'a>(value: &'a Value, at: &str) -> Option<&'a Value> {
    pointer(value, at).filter(|v| !v.is_null())
}

/// The text of `value` at `pointer`, when it is a text and not empty.
fn text<'a>(value: &'a Value, at: &str) -> Option<&'a str> {
    pointer(value, at)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The value `source` finds, if any.
fn find(source: &Source, body: &Value, list: &[Value], item: Option<&Value>) -> Option<Value> {
    match *source {
        Source::Member(pointer) => present(item?, pointer).cloned(),
        Source::BodyMember(pointer) => present(body, pointer).cloned(),
        Source::Text(pointers) => {
            let item = item?;
            let parts: Vec<&str> = pointers.iter().filter_map(|p| text(item, p)).collect();
            (!parts.is_empty()).then(|| Value::String(parts.join(" ")))
        }
        Source::Each { member, most } => {
            let texts: Vec<Value> = list
                .iter()
                .filter_map(|element| text(element, member))
                .take(most)
                .map(|s| Value::String(s.to_owned()))
                .collect();
            (!texts.is_empty()).then_some(Value::Array(texts))
        }
        Source::Count => Some(Value::from(list.len())),
        Source::NonEmpty => Some(Value::Bool(!list.is_empty())),
        Source::Keys { most } => {
            let mut names: Vec<&str> = item?.as_object()?.keys().map(String::as_str).collect();
            names.sort_unstable();
            let mut shown = names
                .iter()
                .take(most)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if names.len() > most {
                shown.push_str(", …");
            }
            (!names.is_empty()).then_some(Value::String(shown))
        }
        Source::KeyCount => item?.as_object().map(|o| Value::from(o.len())),
        Source::Fixed(literal) => Some(literal.to_json()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::spec::proof::Warning;
    use crate::spec::request::Literal;

    fn account(proof: &Proof, body: Value) -> Result<Value, String> {
        read(proof, &body).map(|p| Value::Object(p.account))
    }

    const USERS: Proof = Proof {
        account: &[
            ("can_list_users", Source::Fixed(Literal::Bool(true))),
            ("users", Source::BodyMember("/total")),
            ("users", Source::Count),
            ("first_user_id", Source::Member("/id")),
            ("first_user_name", Source::Text(&["/name"])),
            ("first_user_name", Source::Text(&["/first", "/last"])),
            (
                "names",
                Source::Each {
                    member: "/name",
                    most: 2,
                },
            ),
            ("any", Source::NonEmpty),
        ],
        ..Proof::new(Shape::List, &["", "/data"], "expected a list of users")
    };

    #[test]
    fn reads_the_first_place_that_fits_and_its_first_element() {
        let users =
            json!([{"id": 1, "first": "Ada", "last": "Lovelace"}, {"name": "B"}, {"name": "C"}]);
        let expected = json!({
            "can_list_users": true, "users": 3, "first_user_id": 1,
            "first_user_name": "Ada Lovelace", "names": ["B", "C"], "any": true
        });
        assert_eq!(account(&USERS, users.clone()).unwrap(), expected);
        let mut wrapped = expected.clone();
        wrapped["users"] = json!(40);
        assert_eq!(
            account(&USERS, json!({"data": users, "total": 40})).unwrap(),
            wrapped
        );
        assert_eq!(
            account(&USERS, json!({"data": [{"name": "Grace", "first": "G"}]})).unwrap()
                ["first_user_name"],
            "Grace"
        );
        assert_eq!(
            account(&USERS, json!([])).unwrap(),
            json!({"can_list_users": true, "users": 0, "any": false})
        );
        for body in [json!({}), json!({"data": {}}), json!("x"), json!(null)] {
            assert_eq!(
                account(&USERS, body.clone()).unwrap_err(),
                "expected a list of users",
                "{body}"
            );
        }
    }

    #[test]
    fn required_and_one_of_hold_for_the_item() {
        let company = Proof {
            required: &["/id"],
            account: &[("company_name", Source::Member("/attributes/name"))],
            ..Proof::new(Shape::Object, &["/data"], "expected a company")
        };
        assert_eq!(
            account(
                &company,
                json!({"data": {"id": 1, "attributes": {"name": "Acme"}}})
            )
            .unwrap(),
            json!({"company_name": "Acme"})
        );
        assert!(account(&company, json!({"data": {"id": null}})).is_err());

        let named = Proof {
            one_of: &["/id", "/name"],
            account: &[("id", Source::Member("/id"))],
            ..Proof::new(
                Shape::ListOrObject,
                &["/items", ""],
                "expected an organization",
            )
        };
        assert_eq!(account(&named, json!({"name": "Acme"})).unwrap(), json!({}));
        assert_eq!(
            account(&named, json!({"items": [{"id": 7}]})).unwrap(),
            json!({"id": 7})
        );
        for body in [json!({"items": []}), json!({"items": [{}]}), json!({})] {
            assert!(account(&named, body.clone()).is_err(), "{body}");
        }

        let one = Proof {
            required: &["/id"],
            account: &[("users", Source::Count)],
            ..Proof::new(Shape::ListOrObject, &[""], "expected users")
        };
        assert_eq!(
            account(&one, json!({"id": 1})).unwrap(),
            json!({"users": 1})
        );
        assert_eq!(account(&one, json!([])).unwrap(), json!({"users": 0}));
        assert!(account(&one, json!({"error": "x"})).is_err());
    }

    #[test]
    fn warnings_follow_the_item() {
        let proof = Proof {
            warnings: &[Warning {
                when: Match::Equals {
                    pointer: "/is_partner",
                    value: Literal::Bool(true),
                },
                message: "a partner key",
            }],
            ..Proof::new(Shape::Object, &["/data", ""], "expected me")
        };
        let warned = read(&proof, &json!({"data": {"is_partner": true}})).unwrap();
        assert_eq!(warned.warnings, ["a partner key"]);
        let plain = read(&proof, &json!({"is_partner": false})).unwrap();
        assert!(plain.warnings.is_empty());
    }
}
