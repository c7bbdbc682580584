//! Reading one uploaded fact: its envelope and its body, and when it does
//! not read, why, with the field named by its place in the fact's body
//! (`lines[0].variant_id`, as the hub's other refusals of a fact name it),
//! for the till to show in quarantine.
//!
//! A fact's body is an internally tagged enum, and serde loses the path
//! inside one (it buffers the body before it knows the kind). So a fact that
//! fails is read again: the envelope alone, then the body as the kind its
//! tag names.

use pos_shared::http::parse_json;
use pos_shared::sync::Fact;
use pos_shared::Envelope;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_json::Value;

/// The fact in `raw`, or why it does not read.
pub(crate) fn read_fact(raw: &Value) -> Result<Envelope<Fact>, String> {
    let envelope = Envelope::<Fact>::deserialize(raw).map_err(|whole| {
        let why = explain(raw).unwrap_or_else(|| whole.to_string());
        format!("the fact does not parse: {why}")
    })?;
    // Serde reads a struct from a list of its fields in order; a fact names
    // its fields, so a list where an object belongs is refused, not read by
    // position.
    let read = serde_json::to_value(&envelope.data).map_err(|e| e.to_string())?;
    if let Some(data) = raw.get("data") {
        if let Some(path) = list_for_object(data, &read, String::new()) {
            // The body itself: named as the envelope names it.
            let path = match path.is_empty() {
                true => "data".to_owned(),
                false => path,
            };
            return Err(format!(
                "the fact does not parse: {path}: must be an object naming its fields, not a list"
            ));
        }
    }
    Ok(envelope)
}

/// The place in `sent` of the first list where `read` has an object.
fn list_for_object(sent: &Value, read: &Value, at: String) -> Option<String> {
    match (sent, read) {
        (Value::Array(_), Value::Object(_)) => Some(at),
        (Value::Object(sent), Value::Object(read)) => read.iter().find_map(|(key, read)| {
            let place = match at.is_empty() {
                true => key.clone(),
                false => format!("{at}.{key}"),
            };
            list_for_object(sent.get(key)?, read, place)
        }),
        (Value::Array(sent), Value::Array(read)) => sent
            .iter()
            .zip(read)
            .enumerate()
            .find_map(|(i, (sent, read))| list_for_object(sent, read, format!("{at}[{i}]"))),
        _ => None,
    }
}

/// Where and why `raw` fails, in the API's words; `None` if it is not
/// found again (then serde's own message stands).
fn explain(raw: &Value) -> Option<String> {
    if !raw.is_object() {
        return Some("a fact is a JSON object".to_owned());
    }
    let bytes = serde_json::to_vec(raw).ok()?;
    if let Err(e) = parse_json::<Envelope<IgnoredAny>>(&bytes) {
        return Some(e.detail);
    }
    // Else the body, read as the kind its tag names; failing that (no kind,
    // or one this hub does not know), the whole.
    in_body(raw).or_else(|| parse_json::<Envelope<Fact>>(&bytes).err().map(|e| e.detail))
}

/// Why the body of a fact of a kind this hub knows does not read as that
/// kind, its field first.
fn in_body(raw: &Value) -> Option<String> {
    let mut body = raw.get("data")?.clone();
    let kind = body.as_object_mut()?.remove("fact");
    let body = serde_json::to_vec(&body).ok()?;
    match kind.as_ref().and_then(Value::as_str) {
        Some("sale") => fails::<pos_shared::sale::SaleFact>(&body),
        Some("shift_closed") => fails::<pos_shared::shift::ShiftReport>(&body),
        Some("return") => fails::<pos_shared::returns::ReturnFact>(&body),
        Some("audit") => fails::<pos_shared::audit::AuditEntry>(&body),
        Some("order_claimed") => fails::<pos_shared::orders::OrderClaim>(&body),
        Some("order_packed") => fails::<pos_shared::orders::PackedOrder>(&body),
        Some("stock_take_approved") => fails::<pos_shared::stock_take::StockTakeApproved>(&body),
        Some("goods_received") => fails::<pos_shared::purchase::GoodsReceived>(&body),
        Some("dues_paid") => fails::<pos_shared::credit::DuesPayment>(&body),
        Some("credit_released") => fails::<pos_shared::credit::CreditReleased>(&body),
        Some("transfer_dispatched") => fails::<pos_shared::transfer::TransferDispatched>(&body),
        Some("transfer_received") => fails::<pos_shared::transfer::TransferReceived>(&body),
        Some("loyalty_released") => fails::<pos_shared::loyalty::LoyaltyReleased>(&body),
        _ => None,
    }
}

/// Why `body` does not read as a `T`, its field first; `None` if it does.
fn fails<T: DeserializeOwned>(body: &[u8]) -> Option<String> {
    parse_json::<T>(body).err().map(|e| e.detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sale() -> Value {
        json!({
            "event_id": "0190a0a0-0000-7000-8000-000000000001",
            "event_type": "pos.sale.completed",
            "source": "terminal:x",
            "tenant_id": "0190a0a0-0000-7000-8000-000000000002",
            "occurred_at": "2026-12-06T10:00:00Z",
            "trace_id": "0190a0a0-0000-7000-8000-000000000003",
            "schema_version": 1,
            "data": {"fact": "sale", "lines": [{"qty": "1"}]},
        })
    }

    #[test]
    fn a_field_missing_in_the_body_is_named_by_its_place() {
        let why = read_fact(&sale()).unwrap_err();
        assert!(why.contains("lines[0]."), "{why}");
        assert!(why.contains("required"), "{why}");
    }

    #[test]
    fn a_list_where_an_object_belongs_is_refused_by_its_place() {
        let sent =
            json!({"lines": [{"qty": "1", "unit_price": [1000, "INR"]}], "total": {"minor": 1}});
        let read = json!({"lines": [{"qty": "1", "unit_price": {"minor": 1000, "currency": "INR"}}], "total": {"minor": 1}});
        assert_eq!(
            list_for_object(&sent, &read, String::new()).as_deref(),
            Some("lines[0].unit_price")
        );
        assert_eq!(list_for_object(&read, &read, String::new()), None);
    }

    #[test]
    fn the_envelope_and_an_unknown_kind_are_named_too() {
        let mut raw = sale();
        raw["occurred_at"] = json!("yesterday");
        let why = read_fact(&raw).unwrap_err();
        assert!(why.contains("occurred_at"), "{why}");
        let mut raw = sale();
        raw["data"]["fact"] = json!("gift");
        let why = read_fact(&raw).unwrap_err();
        assert!(why.contains("gift"), "{why}");
    }
}
