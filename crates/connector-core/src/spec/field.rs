//! A credential field (or an action's input) and the format its value is expected to have.

/// A credential form field.
#[derive(Debug)]
pub struct Field<'a> {
    /// JSON key in a credentials object, e.g. `api_key`.
    pub key: &'a str,
    pub label: &'a str,
    pub help: &'a str,
    pub required: bool,
    /// Secret fields are masked everywhere and marked write-only in the catalog.
    pub secret: bool,
    pub format: Format<'a>,
    /// An illustrative value; never a real key.
    pub example: Option<&'a str>,
    /// Environment variable `connector check` reads when no credentials file is given.
    pub env: Option<&'a str>,
    /// Value used when the field is left empty.
    pub default: Option<&'a str>,
}

impl<'a> Field<'a> {
    /// The usual secret API-key field; override what differs with struct update syntax.
    pub const fn api_key(env: &'a str) -> Field<'a> {
        Field {
            key: "api_key",
            label: "API Key",
            help: "The API key created in the provider's settings.",
            required: true,
            secret: true,
            format: Format::Text,
            example: None,
            env: Some(env),
            default: None,
        }
    }
}

/// What a field's value looks like. Checked locally; a mismatch is a warning, never a rejection,
/// because providers do not guarantee their formats.
#[derive(Debug, Clone, Copy)]
pub enum Format<'a> {
    /// Any text without whitespace or control characters.
    Text,
    /// A UUID such as `8e5dcfdd-d23d-4e6f-a136-119e1254847b`.
    Uuid,
    /// A regular expression the whole value should match, with a human description.
    Pattern {
        regex: &'a str,
        description: &'a str,
    },
    /// One of a fixed list of values; the list is the only accepted input.
    Choice(&'a [&'a str]),
    /// `true` or `false`.
    Boolean,
    /// One of `values`' names, each paired with the prefix its keys start with
    /// (`("production", "ra_live_")`): left empty, it is the one the prefix of field `key`'s
    /// value names; given, it must agree with that prefix. For an environment a key carries.
    KeyPrefix {
        key: &'a str,
        values: &'a [(&'a str, &'a str)],
    },
}

impl<'a> Format<'a> {
    /// A short human description, for docs and warnings.
    pub fn describe(&self) -> String {
        match self {
            Format::Text => "text".to_owned(),
            Format::Uuid => "UUID (8-4-4-4-12 hexadecimal digits)".to_owned(),
            Format::Pattern { description, .. } => (*description).to_owned(),
            Format::Choice(values) => format!("one of {}", values.join(", ")),
            Format::Boolean => "true or false".to_owned(),
            Format::KeyPrefix { key, values } => {
                let each: Vec<String> = values
                    .iter()
                    .map(|(value, prefix)| format!("{value} (keys starting `{prefix}`)"))
                    .collect();
                format!(
                    "one of {}; left empty, the prefix of `{key}` decides",
                    each.join(", ")
                )
            }
        }
    }

    /// The values a choice accepts (`Choice`, `KeyPrefix`), in order; `None` for free text.
    pub fn choices(&self) -> Option<Vec<&'a str>> {
        match *self {
            Format::Choice(values) => Some(values.to_vec()),
            Format::KeyPrefix { values, .. } => Some(values.iter().map(|(v, _)| *v).collect()),
            _ => None,
        }
    }

    /// The value the prefix of `key_value` names, for a `KeyPrefix` format, with the prefix.
    pub fn value_for_key(&self, key_value: &str) -> Option<(&'a str, &'a str)> {
        match *self {
            Format::KeyPrefix { values, .. } => values
                .iter()
                .find(|(_, prefix)| key_value.starts_with(prefix))
                .copied(),
            _ => None,
        }
    }

    /// The regular expression a value should match, if the format has one.
    pub fn regex(&self) -> Option<&'a str> {
        match self {
            Format::Uuid => Some(UUID_REGEX),
            Format::Pattern { regex, .. } => Some(regex),
            _ => None,
        }
    }
}

pub(crate) const UUID_REGEX: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
