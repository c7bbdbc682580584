//! OpenAPI schemas for the wire types whose JSON is not what their Rust shape
//! suggests (a quantity is a decimal string, not the integer it is stored as).
//! The derived types get theirs from `#[derive(utoipa::ToSchema)]`.

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// A string schema with a pattern, a description and an example.
fn text(
    pattern: Option<&str>,
    format: Option<&str>,
    description: &str,
    example: &str,
) -> RefOr<Schema> {
    let mut builder = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .examples([serde_json::Value::String(example.to_owned())]);
    if let Some(p) = pattern {
        builder = builder.pattern(Some(p));
    }
    if let Some(f) = format {
        builder = builder.format(Some(utoipa::openapi::SchemaFormat::Custom(f.to_owned())));
    }
    builder.into()
}

macro_rules! string_schema {
    ($ty:ty, $pattern:expr, $format:expr, $description:expr, $example:expr) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                text($pattern, $format, $description, $example)
            }
        }
        impl utoipa::ToSchema for $ty {}
    };
}

string_schema!(
    crate::Gtin,
    Some("^[0-9]{8,14}$"),
    None,
    "A GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) with a valid check digit; answered as 14 digits.",
    "08901234567890"
);
string_schema!(
    crate::Currency,
    Some("^[A-Z]{3}$"),
    None,
    "An ISO 4217 currency code.",
    "INR"
);
string_schema!(
    crate::Qty,
    Some("^-?[0-9]+(\\.[0-9]{1,3})?$"),
    None,
    "A quantity as an exact decimal string with at most 3 decimals (a whole number is also accepted); never a float.",
    "1.25"
);
string_schema!(
    crate::Timestamp,
    None,
    Some("date-time"),
    "An instant in RFC 3339, UTC.",
    "2026-11-23T10:15:00Z"
);
