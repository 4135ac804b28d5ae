//! JSON Pointer (RFC 6901) lookups that allocate nothing. `serde_json::Value::pointer` builds
//! two strings per token to unescape it; a check reads several pointers of every answer, so on
//! the bulk path those strings were a tenth of all allocations. Same results, token by token.

use std::borrow::Cow;

use serde_json::Value;

/// The value `pointer` names in `value`, exactly as `Value::pointer` finds it: `""` is the whole
/// value, anything else starts with `/`; `~1` and `~0` stand for `/` and `~`; an array index is
/// decimal without a sign or leading zero.
pub fn pointer<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/').try_fold(value, |target, token| {
        let token = unescape(token);
        match target {
            Value::Object(map) => map.get(token.as_ref()),
            Value::Array(list) => index(&token).and_then(|i| list.get(i)),
            _ => None,
        }
    })
}

/// A token with `~1` and `~0` read back, borrowed unless it has a `~`.
fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// An array index as RFC 6901 writes it: `0`, or digits not starting with `0`.
fn index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn finds_what_serde_json_finds() {
        let value = json!({
            "a": {"b": [10, {"c/d": 1, "e~f": 2, "": 3}]},
            "01": "key", "1": "one", "": {"": 4}
        });
        for p in [
            "",
            "/",
            "/a",
            "/a/b",
            "/a/b/0",
            "/a/b/1/c~1d",
            "/a/b/1/e~0f",
            "/a/b/1/",
            "/a/b/01",
            "/a/b/+1",
            "/a/b/2",
            "/a/b/-",
            "/01",
            "/1",
            "//",
            "a",
            "/a/b/0/x",
            "/a/b/1/c/d",
            "/~2",
            "/a/b/ 1",
        ] {
            assert_eq!(pointer(&value, p), value.pointer(p), "{p:?}");
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let key = prop::sample::select(vec!["a", "0", "1", "01", "~", "a/b", "a~b", ""]);
        let leaf = prop_oneof![Just(Value::Null), any::<i64>().prop_map(Value::from)];
        leaf.prop_recursive(4, 32, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..4).prop_map(|pairs| {
                    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_pointer_into_any_value_matches_serde_json(
            value in json_value(),
            tokens in prop::collection::vec(
                prop::sample::select(vec!["a", "0", "1", "01", "3", "~0", "~1", "a~1b", "a~0b", "", "~"]),
                0..5,
            ),
            slash in any::<bool>(),
        ) {
            let joined = tokens.join("/");
            let p = if slash { format!("/{joined}") } else { joined };
            prop_assert_eq!(pointer(&value, &p), value.pointer(&p), "{:?}", p);
        }
    }
}
