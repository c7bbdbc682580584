//! `/openapi.json`: the hub describes every endpoint it serves, and the
//! document is valid OpenAPI, checked by an independent validator.

use crate::helpers::{assert_problem, shop, spawn_hub, Backend};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every `$ref` anywhere in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

async fn the_document_covers_every_endpoint_and_is_valid(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let resp = hub
        .http
        .get(format!("{}/openapi.json", hub.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let doc: Value = resp.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );

    // Every reference points at a schema that is there.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    for r in &found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(schemas.contains_key(name), "{r} has no schema");
    }

    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    let mut operation_ids = std::collections::HashSet::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            operations += 1;
            let what = format!("{} {path}", method.to_uppercase());
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                operation_ids.insert(id),
                "{what}: operationId {id:?} is taken"
            );
            let responses = op["responses"].as_object().unwrap();
            // Errors are documented as problem JSON, under the media type
            // they are served as, and nothing else is.
            if path != "/health" {
                let problem = responses.iter().any(|(code, r)| {
                    (code.starts_with('4') || code.starts_with('5'))
                        && r["content"]["application/problem+json"]["schema"]["$ref"]
                            == "#/components/schemas/Problem"
                });
                assert!(problem, "{what}: no problem response");
            }
            for (code, r) in responses {
                if code.starts_with('4') || code.starts_with('5') {
                    assert!(
                        r["content"].get("application/json").is_none(),
                        "{what}: {code} is documented as application/json, served as application/problem+json"
                    );
                }
            }
            // A JSON body sent as something else is refused with 415, and
            // one past the limit with 413: every operation reading a JSON
            // body says so (a till's outbox and signed webhooks read bytes).
            let json_body = op["requestBody"]["content"]
                .get("application/json")
                .is_some();
            let raw = [
                "/v1/sync/outbox",
                "/v1/webhooks/{source_id}",
                "/v1/delivery/callbacks/{partner}",
            ];
            if json_body {
                assert!(responses.contains_key("413"), "{what}: no 413");
                if !raw.contains(&path.as_str()) {
                    assert!(responses.contains_key("415"), "{what}: no 415");
                }
            }
            // Every limited operation says it may answer 429 and when to retry.
            if !["/health", "/ready", "/metrics"].contains(&path.as_str()) {
                let limited = &responses["429"];
                assert_eq!(
                    limited["headers"]["Retry-After"]["schema"]["type"], "integer",
                    "{what}: 429 without Retry-After"
                );
            }
            // The ways in: health, a till's enrollment code, a user's password.
            let public = [
                "/health",
                "/ready",
                "/v1/enroll",
                "/v1/sessions",
                "/v1/invitations/accept",
            ];
            if !public.contains(&path.as_str()) {
                assert!(op["security"].is_array(), "{what}: no credential");
            }
            // The hub serves it: anything but "no such route" or "wrong method".
            let concrete = path
                .replace("{purpose}", "item_state")
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        "0190a5c4-0000-7000-8000-000000000000"
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) = hub.send(method, &concrete, None, None).await;
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{what}");
            assert!(body["type"] != "no_route", "{what}: {body}");
        }
    }
    assert!(operations >= 59, "only {operations} operations documented");

    // The request and answer shapes are the real ones.
    let product = &schemas["NewProductBody"];
    let mut required: Vec<&str> = product["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort();
    assert_eq!(required, ["name", "variants"]);
    assert_eq!(
        schemas["Qty"]["type"], "string",
        "quantities are decimal strings"
    );
    assert!(schemas["Money"]["properties"]["minor"].is_object());
    assert_eq!(schemas["KeyRole"]["enum"].as_array().map(Vec::len), Some(4));
    assert!(schemas.contains_key("StaffRole"));
    // HQ can tell whose PIN still has a legacy hash.
    let pin_scheme = &schemas["Staff"]["properties"]["pin_scheme"];
    assert_eq!(
        pin_scheme["$ref"], "#/components/schemas/PinScheme",
        "{pin_scheme}"
    );
    let scheme = schemas["PinScheme"].to_string();
    assert!(
        scheme.contains("legacy") && scheme.contains("argon2id"),
        "{scheme}"
    );
    let stream = &paths["/v1/events/stream"]["get"]["responses"]["200"]["content"];
    assert!(stream.get("text/event-stream").is_some(), "{stream}");
    // Each event is described as it is framed: an id, a type, JSON data.
    let event = stream["text/event-stream"]["schema"]["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(|name| &schemas[name])
        .expect("the stream's event schema");
    assert_eq!(
        event["properties"]["id"]["pattern"], "^[0-9]+:[0-9]+$",
        "{event}"
    );

    // What the server checks, the document says: a page size's range, an
    // instant's format, a name that is not empty, a staff code's digits,
    // a cursor that is not empty, the protocol versions a till may speak.
    let param = |path: &str, method: &str, name: &str| -> Value {
        paths[path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{method} {path}: no parameter {name}"))["schema"]
            .clone()
    };
    let limit = param("/v1/stores/{store_id}/movements", "get", "limit");
    assert_eq!(
        (limit["minimum"].as_u64(), limit["maximum"].as_u64()),
        (Some(1), Some(1000)),
        "{limit}"
    );
    let cursor = param("/v1/stores/{store_id}/movements", "get", "cursor");
    assert_eq!(cursor["minLength"], 1, "{cursor}");
    let at = param("/v1/orders/sla-breaches", "get", "at");
    assert_eq!(at["format"], "date-time", "{at}");
    let protocol = &schemas["UploadBatch"]["properties"]["protocol_version"];
    for v in [
        param("/v1/sync/feed", "get", "v"),
        param("/v1/sync/snapshot", "get", "v"),
        protocol.clone(),
    ] {
        assert_eq!(
            (v["minimum"].as_u64(), v["maximum"].as_u64()),
            (
                Some(pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL.into()),
                Some(pos_shared::sync::PROTOCOL_VERSION.into())
            ),
            "{v}"
        );
    }
    assert_eq!(
        schemas["NewStoreBody"]["properties"]["name"]["minLength"],
        1
    );
    assert_eq!(
        schemas["NewStaffBody"]["properties"]["code"]["pattern"],
        "^\\s*[0-9]{1,8}\\s*$"
    );
    // Each body type is its own: no two share a name (the sources' and
    // the subscriptions' edits once showed a variant's fields).
    assert!(
        schemas["SourcePatch"]["properties"].get("sku").is_none(),
        "{}",
        schemas["SourcePatch"]
    );

    // And an implementation other than ours agrees it is valid OpenAPI.
    let python = std::env::var("ORACLE_PYTHON").expect(
        "ORACLE_PYTHON is not set: run ./scripts/test.sh, which installs openapi-spec-validator",
    );
    let mut child = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/openapi_check.py"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the validator");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let verdict = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "openapi-spec-validator: {verdict}");
}
on_both_backends!(the_document_covers_every_endpoint_and_is_valid);

/// A path segment that is not text once percent-decoded (`%FF`) is answered
/// as a problem, as the document says, never axum's plain-text refusal.
async fn undecodable_path_segments_are_answered_as_problems(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let (s, b) = hub.get("/v1/stores/%FF/quarantine", &shop.api_key).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");
    assert_eq!(b["field"], "store_id", "{b}");
    let (s, b) = hub
        .post("/v1/webhooks/%FF", &shop.api_key, serde_json::json!({}))
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_source");
    let (s, b) = hub
        .post(
            "/v1/delivery/callbacks/%FF",
            &shop.api_key,
            serde_json::json!({}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_partner");
}
on_both_backends!(undecodable_path_segments_are_answered_as_problems);
