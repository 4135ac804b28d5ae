//! One bulk input line's fields, read in one pass: the four known ones kept, the credentials
//! read straight into their pairs, and only the names of unknown fields kept (their values are
//! skipped). Reading the line into a `serde_json::Value` first, as before, built every key as a
//! string and the credentials twice. What the line says is judged by `judge::parse_line`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// The `visit_*` methods of a visitor that answers `make(kind)` for every value but an object
/// and an array, in the words of `connector_core::secret::json_kind`.
macro_rules! other_kinds {
    ($make:path) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($make("a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($make("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($make("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($make("a number"))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($make("a string"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($make("null"))
        }
    };
}

/// A line as read: an object's fields, or the kind of the JSON value it is instead.
#[derive(Debug)]
pub enum Read {
    Object(Fields),
    /// `an array`, `a string`…
    Other(&'static str),
}

/// The fields of an object line; a field given twice keeps its last value, as a JSON object
/// read into a map does.
#[derive(Debug, Default)]
pub struct Fields {
    pub id: Option<Value>,
    pub connector: Option<Value>,
    pub variant: Option<Value>,
    pub credentials: Option<Credentials>,
    /// The names of fields a line does not have, sorted and each once.
    pub unknown: Vec<String>,
}

/// The `credentials` field: its pairs, or the kind of value it is instead of an object.
pub enum Credentials {
    Pairs(Vec<(String, Value)>),
    Other(&'static str),
}

/// Names only: the values are secrets.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Pairs(pairs) => f
                .debug_list()
                .entries(pairs.iter().map(|(k, _)| k))
                .finish(),
            Credentials::Other(kind) => write!(f, "not an object ({kind})"),
        }
    }
}

/// Reads one line; `Err` is the JSON reader's own error (syntax, or the text ends too early).
pub fn read(text: &[u8]) -> Result<Read, serde_json::Error> {
    let read = serde_json::from_slice::<Read>(text)?;
    Ok(match read {
        Read::Object(mut fields) => {
            fields.unknown.sort_unstable();
            fields.unknown.dedup();
            Read::Object(fields)
        }
        other => other,
    })
}

impl<'de> Deserialize<'de> for Read {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LineVisitor)
    }
}

impl<'de> Deserialize<'de> for Credentials {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CredentialsVisitor)
    }
}

/// Accepts any JSON value: an object's fields are read, anything else gives its kind.
struct LineVisitor;

impl<'de> Visitor<'de> for LineVisitor {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        let mut fields = Fields::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "id" => fields.id = Some(map.next_value()?),
                "connector" => fields.connector = Some(map.next_value()?),
                "variant" => fields.variant = Some(map.next_value()?),
                "credentials" => fields.credentials = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    fields.unknown.push(key.into_owned());
                }
            }
        }
        Ok(Read::Object(fields))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Read::Other("an array"))
    }

    other_kinds!(Read::Other);
}

/// Accepts any JSON value: an object's pairs are kept, anything else gives its kind.
struct CredentialsVisitor;

impl<'de> Visitor<'de> for CredentialsVisitor {
    type Value = Credentials;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Credentials, A::Error> {
        let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(2));
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            pairs.push((key, value));
        }
        Ok(Credentials::Pairs(pairs))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Credentials, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Credentials::Other("an array"))
    }

    other_kinds!(Credentials::Other);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_line_keeps_the_known_fields_and_names_the_others() {
        let text = br#"{"zz": [1, {"a": 2}], "connector": "polytomic", "id": 7, "credentials": {"api_key": "k", "n": 3}, "aa": null, "zz": 1, "variant": null}"#;
        let Read::Object(fields) = read(text).expect("valid JSON") else {
            panic!("an object")
        };
        assert_eq!(fields.id, Some(Value::from(7)));
        assert_eq!(fields.connector, Some(Value::from("polytomic")));
        assert_eq!(fields.variant, Some(Value::Null));
        let Some(Credentials::Pairs(pairs)) = fields.credentials else {
            panic!("credentials read")
        };
        assert_eq!(
            pairs,
            [
                ("api_key".to_owned(), Value::from("k")),
                ("n".to_owned(), Value::from(3))
            ]
        );
        assert_eq!(fields.unknown, ["aa", "zz"], "sorted, each once");
    }

    #[test]
    fn other_values_give_their_kind() {
        for (text, kind) in [
            ("[1, 2]", "an array"),
            ("\"x\"", "a string"),
            ("1.5", "a number"),
            ("-3", "a number"),
            ("true", "a boolean"),
            ("null", "null"),
        ] {
            assert!(
                matches!(read(text.as_bytes()), Ok(Read::Other(k)) if k == kind),
                "{text}"
            );
        }
        let Ok(Read::Object(fields)) = read(br#"{"credentials": "k", "id": "a"}"#) else {
            panic!("an object")
        };
        assert!(matches!(
            fields.credentials,
            Some(Credentials::Other("a string"))
        ));
        let Ok(Read::Object(fields)) = read(br#"{"credentials": {"a": 1}, "credentials": 2}"#)
        else {
            panic!("an object")
        };
        assert!(
            matches!(fields.credentials, Some(Credentials::Other("a number"))),
            "the last one counts"
        );
        assert!(read(br#"{"id": 1"#).is_err());
    }
}
