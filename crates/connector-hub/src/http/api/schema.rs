//! What the OpenAPI document says of values the service checks by hand: names and labels
//! (`clean_name`'s rule as a pattern), connector ids (the registry's, as an enum) and webhook URLs,
//! so a value the document allows is one the API takes and a value it forbids is refused.

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaFormat, SchemaType, Type};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::service::{EventType, MAX_NAME};

/// What `str::trim` removes: Unicode's White_Space.
const SPACE: &str = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// What `char::is_control` refuses: Unicode's Cc.
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";

/// A name as `clean_name` takes it: at most `MAX_NAME` characters once trimmed, no control
/// character inside; `required` also refuses one that is empty once trimmed.
fn name_pattern(required: bool) -> String {
    let edge = format!("[^{SPACE}{CONTROL}]");
    let inside = format!("[^{CONTROL}]");
    let core = format!("(?:{edge}|{edge}{inside}{{0,{}}}{edge})", MAX_NAME - 2);
    let optional = if required { "" } else { "?" };
    format!("^[{SPACE}]*{core}{optional}[{SPACE}]*$")
}

fn name(required: bool, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(name_pattern(required)))
        .description(Some(format!(
            "{description} At most {MAX_NAME} characters once leading and trailing spaces are \
             trimmed, and no control characters."
        )))
}

/// `owner` of a connect session.
pub fn owner() -> ObjectBuilder {
    name(
        true,
        "Your identifier for the customer the account belongs to; required, not blank.",
    )
}

/// `name` of a hub key.
pub fn key_name() -> ObjectBuilder {
    name(
        true,
        "A label; required, not blank. It cannot be changed later.",
    )
}

/// `label` of an account edit: null or absent keeps it.
pub fn label() -> ObjectBuilder {
    name(
        false,
        "A new label for the account; empty, null or absent keeps the current one.",
    )
    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
}

/// `description` of a webhook endpoint.
pub fn description() -> ObjectBuilder {
    name(false, "What the endpoint is for.")
}

/// The connector ids a connect session may offer.
pub fn connector_ids() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(connector_registry::all().iter().map(|c| c.spec().id))),
        )
        .description(Some(
            "Connector ids offered (`GET /api/v1/connectors`); every connector when absent or \
             empty.",
        ))
}

/// The event types a webhook endpoint receives.
pub fn event_types() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(EventType::ALL.map(EventType::as_str))),
        )
        .description(Some(
            "The event types delivered to the endpoint; every type (types added later included) \
             when absent, empty or naming them all. A name repeated counts once; an unknown one is \
             refused with 400 `unknown_event_type`.",
        ))
}

/// A webhook endpoint's URL.
pub fn webhook_url() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("uri".to_owned())))
        .pattern(Some(format!(
            "^[{SPACE}]*[Hh][Tt][Tt][Pp][Ss]?://[^{SPACE}/?#@]+(?:[/?#][^{SPACE}]*)?[{SPACE}]*$"
        )))
        .description(Some(
            "An absolute `http://` or `https://` URL without credentials, under 2000 bytes. The \
             hub may also refuse, with 422, a URL that is not `https://` or whose host is an \
             internal address.",
        ))
}

/// An `http://` loopback authority: 127.0.0.0/8, `[::1]` or `localhost`, with an optional port.
const LOOPBACK: &str = r"[Hh][Tt][Tt][Pp]://(?:127(?:\.[0-9]{1,3}){3}|\[::1\]|[Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss][Tt])(?::[0-9]{1,5})?";

/// An `https://` authority without userinfo.
fn https_authority() -> String {
    format!(r"[Hh][Tt][Tt][Pp][Ss]://[^{SPACE}{CONTROL}/?#@\\*]+")
}

/// `return_url` of a connect session.
pub fn return_url() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .format(Some(SchemaFormat::Custom("uri".to_owned())))
        .max_length(Some(crate::origin::MAX_URL))
        .pattern(Some(format!(
            r"^(?:{}|{LOOPBACK})(?:[/?#][^{SPACE}{CONTROL}\\*]*)?$",
            https_authority()
        )))
        .description(Some(
            "Where the browser goes when the person is done: after Connect, with `session_id`, \
             `account_id`, `connector` and `status=linked` added to its query; after Cancel, \
             with `session_id` and `status=cancelled`. `https://` (or `http://` on a loopback \
             host), no user name or password, and on an origin the hub's \
             `allowed_return_origins` setting lists: anything else is refused with 400 \
             `invalid_return_url`.",
        ))
}

/// `origin` of a connect session.
pub fn origin() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(format!(r"^(?:{}|{LOOPBACK})/?$", https_authority())))
        .description(Some(
            "The origin of the page that embeds the connect page (modal) or opens it (popup), \
             e.g. `https://app.example.com`: the connect pages post their events to it, and to \
             no other. It must be one the hub's `frame_ancestors` setting lists: anything else \
             is refused with 400 `invalid_origin`. Without it, events go to the `return_url`'s \
             origin; with neither, none are posted.",
        ))
}

/// `account_id` of a connect session: the account a re-link replaces the credentials of.
pub fn relink_account() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some("^acc_[0-9a-z]{1,60}$".to_owned()))
        .description(Some(
            "Re-link this account: the link opens its form (its connector and variant, public \
             values filled in, secrets empty) and, once the new key is verified, replaces its \
             stored credentials (same id, history and audit). 404 when no account has this id, \
             409 `owner_mismatch` when it is filed under another `owner`.",
        ))
}

/// A number as JSON Schema's `integer` reads it: `600` and `600.0` alike, never `600.5`.
pub fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Some(whole) = number.as_i64() {
        return Ok(Some(whole));
    }
    match number.as_f64() {
        // Beyond 2^53 a float no longer says which integer it is.
        Some(float) if float.fract() == 0.0 && float.abs() < 9.0e15 => Ok(Some(float as i64)),
        _ => Err(D::Error::custom(format!(
            "invalid value: {number}, expected a whole number"
        ))),
    }
}
