//! HTTP error and body plumbing shared by the hub's and the agent's APIs
//! (feature `http`).
//!
//! Every failure leaves as a [`Problem`] JSON body naming what was wrong. A JSON
//! body that does not parse is refused by [`JsonBody`] with the path of the field
//! at fault, in the same shape as every other error. Internal errors are logged
//! with their cause and shown to the client only as a generic message.

use crate::Problem;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// An error answer: status, stable code, and a detail a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub detail: String,
    pub field: Option<String>,
    /// Wrong PINs left before the code locks, for a refused sign-in.
    pub tries_left: Option<u32>,
    /// Seconds until the refusal lifts, sent as `Retry-After` (a lock-out).
    pub retry_after_secs: Option<u64>,
    /// Where a refused reader of a sequence reads on from.
    pub resume_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            detail: detail.into(),
            field: None,
            tries_left: None,
            retry_after_secs: None,
            resume_after: None,
        }
    }

    /// Says, in `Retry-After`, when to try again (at least a second).
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }

    /// 400: the request itself is malformed.
    pub fn bad_request(kind: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, kind, detail)
    }

    /// 422: well-formed, but a value is not acceptable.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail).with_field(field)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn not_found(kind: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, kind, detail)
    }

    pub fn conflict(kind: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, kind, detail)
    }

    /// 500: logs `cause` and tells the client only that it was our fault.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }

    /// 503: a dependency is down for now; worth retrying.
    /// 405: the path exists, the method does not.
    pub fn method_not_allowed() -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this endpoint does not take that method; the API description lists the ones it does",
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Says where a refused reader of a sequence reads on from.
    pub fn with_resume_after(mut self, after: u64) -> Self {
        self.resume_after = Some(after);
        self
    }

    /// Says how many wrong PINs are left before the code locks.
    pub fn with_tries_left(mut self, left: u32) -> Self {
        self.tries_left = Some(left);
        self
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            kind: self.kind.to_owned(),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            field: self.field.clone(),
            tries_left: self.tries_left,
            resume_after: self.resume_after,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.kind, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.to_problem()).unwrap_or_default();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, crate::problem::CONTENT_TYPE)],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        response
    }
}

/// A JSON body whose parse errors name the offending field.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json(req.headers())?;
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The body of an action that takes none (commit, release, disable,
/// revoke…): nothing, `{}` or `null`. Anything else is refused, not
/// ignored, so a client that meant to say something, or whose body was cut
/// off, hears that it was not read.
#[derive(Debug, Clone, Copy)]
pub struct NoBody;

impl<S> FromRequest<S> for NoBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        #[derive(serde::Deserialize, Default)]
        #[serde(deny_unknown_fields)]
        struct Nothing {}
        let headers = req.headers().clone();
        let bytes = read_body(req, state).await?;
        parse_optional::<Nothing>(&headers, &bytes)
            .map(|_| NoBody)
            .map_err(|mut e| {
                e.detail = format!(
                    "{}; this action takes no body (send none, or {{}})",
                    e.detail
                );
                e
            })
    }
}

/// A body that may be left out (empty or `null`): `T`'s default then, and
/// otherwise read as [`JsonBody`] reads one.
#[derive(Debug, Clone)]
pub struct OptionalBody<T>(pub T);

impl<S, T> FromRequest<S> for OptionalBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let bytes = read_body(req, state).await?;
        parse_optional(&headers, &bytes).map(OptionalBody)
    }
}

/// Reads a body that may be left out (empty or `null`) as `T`, its default
/// then; one that is there must say it is JSON and be an object.
pub fn parse_optional<T: DeserializeOwned + Default>(
    headers: &axum::http::HeaderMap,
    bytes: &[u8],
) -> Result<T, ApiError> {
    if bytes.trim_ascii().is_empty() {
        return Ok(T::default());
    }
    require_json(headers)?;
    if bytes.trim_ascii() == b"null" {
        return Ok(T::default());
    }
    parse_json(bytes)
}

async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!(
                        "the body is larger than this endpoint takes: {}",
                        e.body_text()
                    ),
                )
            } else {
                ApiError::bad_request("unreadable_body", e.body_text())
            }
        })
}

/// A body is JSON only when it says so: 415 otherwise. (A cross-site form
/// cannot send `application/json` without the browser asking first.)
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    Ok(())
}

/// Parses JSON, mapping syntax errors to 400 and type/value errors to 422 with the
/// path of the field (`lines[1].qty`). Every body the API takes is an
/// object: an array is refused, where serde would read an object's fields
/// from it by position and take `[]` as "everything left out".
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.trim_ascii_start().first() == Some(&b'[') {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "the body must be a JSON object, not an array",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let malformed = |e: serde_json::Error| {
        ApiError::bad_request(
            "malformed_json",
            format!(
                "the body is not valid JSON: {} (character {} of line {})",
                syntax_words(&words(&e.to_string())),
                e.column(),
                e.line()
            ),
        )
    };
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => {
            de.end().map_err(malformed)?;
            Ok(value)
        }
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(malformed(inner));
            }
            // serde judges a field by its name before the parser reaches the
            // rest: a body cut off after a key (`{"qty": 2, "no"`) would be
            // told of an unknown field, not of the JSON that is not all there.
            if let Err(syntax) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                return Err(malformed(syntax));
            }
            let mut field = if path == "." { String::new() } else { path };
            let message = words(&inner.to_string());
            // A missing field is reported at its parent: name the field itself.
            let message = match missing_field(&inner.to_string()) {
                Some(missing) => {
                    field = if field.is_empty() {
                        missing.to_owned()
                    } else {
                        format!("{field}.{missing}")
                    };
                    "this field is required".to_owned()
                }
                None => message,
            };
            let detail = if field.is_empty() {
                message
            } else {
                format!("{field}: {message}")
            };
            let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", detail);
            if !field.is_empty() {
                e.field = Some(field);
            }
            Err(e)
        }
    }
}

/// serde's message in words for whoever sent the body: no parser position
/// (`at line 1 column 88`; the field path says where), and its type names
/// (`u32`, `a sequence`, `struct Approval`) as JSON calls them.
fn words(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(at)
            if message[at + 9..]
                .split(" column ")
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) =>
        {
            &message[..at]
        }
        _ => message,
    };
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        if let Some((got, expected)) = rest.split_once(", expected ") {
            return format!(
                "expected {}, not {}",
                expected_words(expected),
                got_words(got)
            );
        }
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((name, known)) = rest.split_once('`') {
            let known = known
                .trim_start_matches(", expected one of ")
                .trim_start_matches(", expected ")
                .replace('`', "");
            return match known.is_empty() || known == ", there are no fields" {
                true => format!("there is no field {name:?} here"),
                false => format!("there is no field {name:?} here; the fields are {known}"),
            };
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        if let Some((name, known)) = rest.split_once('`') {
            let known = known
                .trim_start_matches(", expected one of ")
                .trim_start_matches(", expected ")
                .replace('`', "");
            return format!("{name:?} is not one of {known}");
        }
    }
    message
        .replace("invalid length", "wrong number of items")
        .replace("invalid value: ", "")
}

/// A JSON syntax error in words: where the body went wrong, not the parser's state.
fn syntax_words(message: &str) -> String {
    if message.starts_with("EOF while parsing") {
        return "the body ends before the JSON does (a closing bracket or quote is missing)".into();
    }
    match message {
        "trailing characters" => "there is more after the JSON value".into(),
        "expected value" => "there is something here that is not a JSON value".into(),
        "key must be a string" => "a field name must be in double quotes".into(),
        m => m.into(),
    }
}

/// What serde expected, in JSON's words.
fn expected_words(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number of zero or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list".into(),
        "a string" | "a borrowed string" => "text".into(),
        e if e.starts_with("struct ") || e == "a map" => "an object".into(),
        e => e.into(),
    }
}

/// What serde found, in JSON's words.
fn got_words(got: &str) -> String {
    let quoted = |prefix: &str| got.strip_prefix(prefix).map(|v| v.trim_matches('`'));
    if let Some(v) = quoted("integer ").or(quoted("floating point ")) {
        return format!("the number {v}");
    }
    if let Some(v) = got.strip_prefix("string ") {
        return format!("the text {v}");
    }
    if let Some(v) = quoted("boolean ") {
        return v.to_owned();
    }
    match got {
        "map" => "an object".into(),
        "sequence" => "a list".into(),
        "unit value" | "null" => "null".into(),
        other => other.into(),
    }
}

/// The name in serde's "missing field `name`" message.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Money, Qty};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Line {
        qty: Qty,
        price: Money,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        lines: Vec<Line>,
    }

    #[test]
    fn json_is_known_by_its_media_type_in_any_case_and_is_an_object() {
        let with = |ct: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, ct.parse().unwrap());
            require_json(&headers).is_ok()
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(!with("application/jsonx"));
        assert!(!with("text/plain"));
        let err = parse_json::<Body>(b"  [[]]").unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(err.detail.contains("not an array"), "{}", err.detail);
    }

    #[test]
    fn type_errors_name_the_field_path() {
        let err = parse_json::<Body>(
            br#"{"lines":[{"qty":"1","price":{"minor":1,"currency":"INR"}},{"qty":"x","price":{"minor":1,"currency":"INR"}}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.field.as_deref(), Some("lines[1].qty"));
        assert!(err.detail.contains("not a decimal"), "{}", err.detail);
    }

    #[test]
    fn type_errors_are_words_without_parser_positions() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        #[serde(deny_unknown_fields)]
        struct Pin {
            code: String,
            tries: u32,
            on: bool,
        }
        let err = parse_json::<Pin>(br#"{"code": 101, "tries": 1, "on": true}"#).unwrap_err();
        assert_eq!(err.detail, "code: expected text, not the number 101");
        let err = parse_json::<Pin>(br#"{"code": "1", "tries": "x", "on": true}"#).unwrap_err();
        assert_eq!(
            err.detail,
            "tries: expected a whole number of zero or more, not the text \"x\""
        );
        let err =
            parse_json::<Pin>(br#"{"code": "1", "tries": 1, "on": true, "pin": 1}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("pin"));
        assert!(
            err.detail
                .contains("there is no field \"pin\" here; the fields are code, tries, on"),
            "{}",
            err.detail
        );
        let err = parse_json::<Pin>(b"{\"code\": [1]}").unwrap_err();
        assert_eq!(err.detail, "code: expected text, not a list");
        assert!(!err.detail.contains("column"), "{}", err.detail);
    }

    #[test]
    fn a_body_cut_off_is_told_as_cut_off_whatever_came_before() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        #[serde(deny_unknown_fields)]
        struct Pin {
            code: String,
            tries: u32,
        }
        // Cut after a key serde would judge unknown, after a bad value, and
        // inside a key.
        for body in [
            &br#"{"code": "1", "tr"#[..],
            br#"{"code": "1", "tr""#,
            br#"{"code": 1, "tries": 2"#,
            br#"{"code": "1", "tries": 2, "#,
        ] {
            let err = parse_json::<Pin>(body).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{}", err.detail);
            assert_eq!(err.kind, "malformed_json", "{}", err.detail);
            assert!(
                err.detail.contains("the body ends before the JSON does"),
                "{}",
                err.detail
            );
        }
        // Whole, the same mistakes are named by field.
        let err = parse_json::<Pin>(br#"{"code": "1", "tr": 2}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("tr"));
        let err = parse_json::<Pin>(br#"{"code": 1, "tries": 2}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("code"));
    }

    #[test]
    fn missing_fields_and_syntax_errors_are_distinguished() {
        let err = parse_json::<Body>(br#"{"lines":[{"qty":"1"}]}"#).unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.detail, "lines[0].price: this field is required");
        assert_eq!(
            err.field.as_deref(),
            Some("lines[0].price"),
            "the missing field is named"
        );
        let err = parse_json::<Body>(br#"{}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("lines"));
        let err = parse_json::<Body>(br#"{"lines": ["#).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(err.kind, "malformed_json");
        let err = parse_json::<Body>(br#"{"lines": []} trailing"#).unwrap_err();
        assert_eq!(err.kind, "malformed_json");
    }
}

/// Path parameters parsed into their types (ids, mostly): `PathIds<StoreId>`
/// or `PathIds<(StoreId, VariantId)>`. A segment that does not parse is a 400
/// `invalid_id` naming the route's own parameter (`variant_id`), so no
/// handler parses ids by hand.
#[derive(Debug, Clone, Copy)]
pub struct PathIds<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for PathIds<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::path::{ErrorKind, RawPathParams};
        use axum::extract::rejection::PathRejection;
        let err = match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => return Ok(PathIds(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => e.into_kind(),
            Err(e) => return Err(ApiError::bad_request("invalid_path", e.body_text())),
        };
        // The names of the route's parameters, in order, for errors by position.
        let names: Vec<String> = RawPathParams::from_request_parts(parts, state)
            .await
            .map(|raw| raw.iter().map(|(k, _)| k.to_owned()).collect())
            .unwrap_or_default();
        let at = |i: usize| names.get(i).cloned().unwrap_or_else(|| "id".into());
        let (name, value) = match err {
            ErrorKind::ParseErrorAtKey { key, value, .. } => (key, value),
            ErrorKind::ParseErrorAtIndex { index, value, .. } => (at(index), value),
            ErrorKind::ParseError { value, .. } => (at(0), value),
            ErrorKind::DeserializeError { key, value, .. } => (key, value),
            other => return Err(ApiError::bad_request("invalid_path", other.to_string())),
        };
        Err(
            ApiError::bad_request("invalid_id", format!("{name} {value:?} is not a UUID"))
                .with_field(name),
        )
    }
}

/// The `limit` of a list request: `default` when absent, else 1 to `max`.
pub fn limit(given: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match given {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::invalid(
            "limit",
            format!("limit {n} is not a number from 1 to {max}"),
        )),
    }
}

/// A position in a numbered list in query parameter `name` (`after=`)
/// taken as text: absent, or digits only, refused naming `name` otherwise
/// (`-1`, `+5`, `1.0`), as a count is.
pub fn position_text(name: &str, given: Option<&str>) -> Result<Option<u64>, ApiError> {
    let Some(text) = given else {
        return Ok(None);
    };
    match text.parse::<u64>() {
        Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
        _ => Err(ApiError::invalid(
            name,
            format!(
                "{name} {text:?} is not a position in the list: a whole number of zero or more"
            ),
        )),
    }
}

/// [`limit`] for a parameter taken as text, so that `limit=ten` gets the same
/// words as `limit=0`.
pub fn limit_text(given: Option<&str>, default: u32, max: u32) -> Result<u32, ApiError> {
    count_text("limit", given, default, max)
}

/// A count in query parameter `name` taken as text (`days`, `limit`):
/// `default` when absent, else 1 to `max`, refused naming `name` otherwise.
pub fn count_text(
    name: &str,
    given: Option<&str>,
    default: u32,
    max: u32,
) -> Result<u32, ApiError> {
    let Some(text) = given else {
        return Ok(default);
    };
    // Digits only: `+5` is not how a count is written, though Rust reads it.
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let said = match text.parse::<u32>() {
        Ok(n) if digits && (1..=max).contains(&n) => return Ok(n),
        Ok(n) if digits => n.to_string(),
        _ => format!("{text:?}"),
    };
    Err(ApiError::invalid(
        name,
        format!("{name} {said} is not a number from 1 to {max}"),
    ))
}
