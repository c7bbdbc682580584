//! Payloads made wrong on purpose, for the property tests of the adapters
//! (here and through the gateway in `tests/api/ingestion.rs`): a good
//! payload with one to three of its values replaced, removed or blown up.
//! Randomness comes from the caller (`pick(n)` is a number below `n`), so
//! the hub itself needs no random-number crate.

use serde_json::{json, Map, Value};

/// `value` with one to three random mutations.
pub fn mutate(pick: &mut dyn FnMut(usize) -> usize, mut value: Value) -> Value {
    for _ in 0..=pick(3) {
        mutate_somewhere(pick, &mut value);
    }
    value
}

fn mutate_somewhere(pick: &mut dyn FnMut(usize) -> usize, value: &mut Value) {
    // Walk down a random path, stopping at random or at a leaf.
    let descend = match value {
        Value::Object(map) if !map.is_empty() && pick(4) > 0 => {
            let key = map.keys().nth(pick(map.len())).cloned();
            key.and_then(|k| map.get_mut(&k))
        }
        Value::Array(items) if !items.is_empty() && pick(4) > 0 => {
            let at = pick(items.len());
            items.get_mut(at)
        }
        _ => None,
    };
    match descend {
        Some(child) => mutate_somewhere(pick, child),
        None => *value = replacement(pick, value),
    }
}

fn replacement(pick: &mut dyn FnMut(usize) -> usize, was: &Value) -> Value {
    match pick(14) {
        0 => Value::Null,
        1 => json!(""),
        2 => json!(-1),
        3 => json!(1e300),
        4 => json!(i64::MAX),
        5 => json!("12.345678"),
        6 => json!("ग्राहक 🙂 \u{0000}"),
        7 => json!("x".repeat(5000)),
        8 => json!([]),
        9 => Value::Object(Map::new()),
        10 => json!(true),
        11 => json!([was.clone(), was.clone()]),
        12 => json!({"nested": {"deeper": [was.clone()]}}),
        _ => json!("-0.5"),
    }
}
