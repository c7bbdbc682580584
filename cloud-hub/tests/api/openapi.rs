//! `/openapi.json`: the hub describes every endpoint it serves, and the
//! document is valid OpenAPI, checked by an independent validator.

use crate::helpers::{spawn_hub, Backend};
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
