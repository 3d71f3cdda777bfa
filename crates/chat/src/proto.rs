//! Framing of the JSON protocol: every message is an object `{"v":1,"type":"…",…}`.
//! Decoding tells a malformed frame, a wrong version, an unknown type and bad fields
//! apart, so the peer gets the precise `error` code.

use crate::error::{Error, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The protocol version this server speaks.
pub const VERSION: u32 = 1;

/// Decodes one text frame into `T`, a `#[serde(tag = "type")]` enum whose variant
/// names are `types`.
pub fn decode<T: DeserializeOwned>(text: &str, types: &[&str]) -> Result<T, Error> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::peer(ErrorCode::BadJson, format!("invalid JSON: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| Error::peer(ErrorCode::BadJson, "a message is a JSON object"))?;
    match obj.get("v").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        _ => {
            return Err(Error::peer(
                ErrorCode::UnsupportedVersion,
                "\"v\" must be 1",
            ));
        }
    }
    let ty = obj
        .get("type")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| Error::peer(ErrorCode::UnknownType, "\"type\" is missing"))?
        .to_string();
    if !types.contains(&ty.as_str()) {
        return Err(Error::peer(
            ErrorCode::UnknownType,
            format!("unknown message type {ty:?}"),
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| Error::peer(ErrorCode::BadMessage, format!("{ty}: {e}")))
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    v: u32,
    #[serde(flatten)]
    msg: &'a T,
}

/// Encodes a server message with the version field.
pub fn encode<T: Serialize>(msg: &T) -> String {
    serde_json::to_string(&Envelope { v: VERSION, msg }).unwrap_or_else(|_| {
        // Our own types always serialize; this is unreachable in practice.
        r#"{"v":1,"type":"error","code":"unavailable","message":"encoding failed"}"#.into()
    })
}

/// The `error` message, common to the three protocols.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename = "error")]
pub struct ErrorMsg {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// Explanation.
    pub message: String,
    /// The `type` of the message that failed, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
}

impl ErrorMsg {
    /// The message for an error.
    pub fn from_error(e: &Error, about: Option<&str>) -> Self {
        ErrorMsg {
            code: e.code(),
            message: e.public_message(),
            about: about.map(str::to_string),
        }
    }
}

/// Checks a free-text field: trimmed, 1..=max characters, no control characters
/// except newlines in message bodies.
pub fn text_field(field: &str, v: &str, max: usize, multiline: bool) -> Result<String, Error> {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(Error::peer(
            ErrorCode::BadMessage,
            format!("{field} must be 1 to {max} characters"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t')))
    {
        return Err(Error::peer(
            ErrorCode::BadMessage,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum M {
        Ping,
        Say { text: String },
    }
    const TYPES: &[&str] = &["ping", "say"];

    fn code(s: &str) -> ErrorCode {
        decode::<M>(s, TYPES).unwrap_err().code()
    }

    #[test]
    fn decodes_and_classifies_errors() {
        assert_eq!(
            decode::<M>(r#"{"v":1,"type":"ping"}"#, TYPES).unwrap(),
            M::Ping
        );
        assert_eq!(code("{nope"), ErrorCode::BadJson);
        assert_eq!(code("[1,2]"), ErrorCode::BadJson);
        assert_eq!(code(r#"{"type":"ping"}"#), ErrorCode::UnsupportedVersion);
        assert_eq!(
            code(r#"{"v":2,"type":"ping"}"#),
            ErrorCode::UnsupportedVersion
        );
        assert_eq!(code(r#"{"v":1}"#), ErrorCode::UnknownType);
        assert_eq!(code(r#"{"v":1,"type":"dance"}"#), ErrorCode::UnknownType);
        assert_eq!(code(r#"{"v":1,"type":"say"}"#), ErrorCode::BadMessage);
    }

    #[test]
    fn encodes_with_version() {
        let e = ErrorMsg {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
            about: None,
        };
        assert_eq!(
            encode(&e),
            r#"{"v":1,"type":"error","code":"rate_limited","message":"slow down"}"#
        );
    }

    #[test]
    fn text_fields_are_checked() {
        assert_eq!(text_field("name", "  Ann ", 10, false).unwrap(), "Ann");
        assert!(text_field("name", "", 10, false).is_err());
        assert!(text_field("name", "a\u{7}", 10, false).is_err());
        assert!(text_field("text", "a\nb", 10, true).is_ok());
        assert!(text_field("name", &"x".repeat(11), 10, false).is_err());
    }
}
