//! The contract, checked by an implementation other than ours: schemathesis
//! reads `/openapi.json` from a live hub and sends every operation the
//! document describes requests made from its schemas (examples, boundary
//! values, valid and invalid data), then checks each answer against the
//! document: no server error, a documented status, the documented media type
//! and a body that fits the documented schema.
//!
//! The hub (SQLite) runs with its rate limits off (the fuzzer would meet
//! 429s) and a tenant whose things the requests can find: a store with
//! items and stock, an enrolled till and a sale, staff, a user, a category,
//! a source system, a webhook subscription, a reservation, a transfer, a
//! price window and spare records for the operations that revoke or
//! delete. Their ids and the credentials reach schemathesis through the
//! environment (`tests/schemathesis.toml` names them); each operation is
//! sent the credential its `security` names (HQ key, device token, admin or
//! metrics token). The two operations that set where the hub sends events
//! run apart, as a read-only key (refused), so the hub never sends an event
//! to a host the fuzzer made up.
//!
//! The run is bounded (`CONTRACT_EXAMPLES` fuzzed examples an operation, 8
//! by default, besides the examples and boundary cases schemathesis derives
//! from the schemas) and reproducible (`CONTRACT_SEED`, 23 by default, one
//! worker, no example database). On failure the test prints schemathesis'
//! report, each failure with a curl line that reproduces it;
//! `CONTRACT_REPORT_DIR=<dir>` keeps every request and answer as NDJSON.

use crate::helpers::*;
use cloud_hub::http::limits::LimitsConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::process::Command;

/// The seed of every run; `CONTRACT_SEED` tries another.
const SEED: &str = "23";

/// The `field` of a created thing's answer, asserting it was created.
fn created(what: &str, (status, body): (StatusCode, Value), field: &str) -> String {
    assert!(
        status == StatusCode::CREATED || status == StatusCode::OK,
        "{what}: {status} {body}"
    );
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no {field} in {body}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_keeps_the_documented_contract() {
    let python = std::env::var("ORACLE_PYTHON").expect(
        "ORACLE_PYTHON is not set: run ./scripts/test.sh, which installs schemathesis in .venv-test",
    );
    let shop = shop_with(Backend::Sqlite, |c| cloud_hub::config::HubConfig {
        limits: LimitsConfig {
            requests_per_second: 0,
            burst: 0,
            failed_attempts_per_minute: 0,
        },
        metrics_token: Some(pos_shared::Secret::new(METRICS_TOKEN)),
        ..c
    })
    .await;
    let hub = &shop.hub;
    let key = shop.api_key.as_str();
    let store = shop.store_id.as_str();
    let variant = shop.variants[0].0.as_str();

    // A second store to send stock to, staff, a user, a category.
    let other_store = created(
        "store",
        hub.post(
            "/v1/stores",
            key,
            json!({"code": "BLR-2", "name": "Koramangala", "currency": "INR"}),
        )
        .await,
        "id",
    );
    let staff = created(
        "staff",
        hub.post(
            &format!("/v1/stores/{store}/staff"),
            key,
            json!({"name": "Asha", "code": "1234", "role": "cashier", "pin": "4321"}),
        )
        .await,
        "staff_id",
    );
    let user = created(
        "user",
        hub.post(
            "/v1/users",
            key,
            json!({"email": "ravi@contract.example", "name": "Ravi", "role": "read_only"}),
        )
        .await,
        "user_id",
    );
    let category = created(
        "category",
        hub.post("/v1/categories", key, json!({"name": "Staples"}))
            .await,
        "category_id",
    );
    // A source system feeding the store.
    let source = created(
        "source",
        hub.post(
            "/v1/sources",
            key,
            json!({"code": "erp-1", "name": "ERP", "kind": "erp",
                   "stores": [{"external_id": "F1", "store_id": store}]}),
        )
        .await,
        "id",
    );
    // A subscription on loopback (nothing answers there: its deliveries
    // fail and are retried). The fuzzer creates and edits subscriptions
    // only with a read-only key (refused), so the hub never sends events
    // to an address it made up.
    let subscription = created(
        "subscription",
        hub.post(
            "/v1/webhook-subscriptions",
            key,
            json!({"url": "https://127.0.0.1:9/contract", "event_types": ["inventory."]}),
        )
        .await,
        "id",
    );
    let read_only = created(
        "read-only key",
        hub.post(
            "/v1/api-keys",
            key,
            json!({"label": "fuzzer, read only", "role": "read_only"}),
        )
        .await,
        "api_key",
    );
    // Spares for the operations that revoke or delete.
    let spare_key = created(
        "spare key",
        hub.post(
            "/v1/api-keys",
            key,
            json!({"label": "spare", "role": "read_only"}),
        )
        .await,
        "key_id",
    );
    let spare_terminal = created(
        "spare terminal",
        hub.post(
            &format!("/v1/stores/{store}/terminals"),
            key,
            json!({"name": "Till 2", "receipt_prefix": "t2"}),
        )
        .await,
        "id",
    );
    let spare_variant = shop.variants[1].0.as_str();
    // Stock held, stock on its way, a price window.
    let reservation = created(
        "reservation",
        hub.post(
            &format!("/v1/stores/{store}/reservations"),
            key,
            json!({"variant_id": variant, "qty": "1", "order_ref": "ORD-1"}),
        )
        .await,
        "reservation_id",
    );
    let transfer = created(
        "transfer",
        hub.post(
            &format!("/v1/stores/{store}/transfers"),
            key,
            json!({"to_store_id": other_store, "variant_id": variant, "qty": "2"}),
        )
        .await,
        "transfer_id",
    );
    let price = created(
        "price window",
        hub.post(
            &format!("/v1/variants/{variant}/prices"),
            key,
            json!({"price": {"minor": 13900, "currency": "INR"},
                   "effective_from": "2030-01-01T00:00:00Z"}),
        )
        .await,
        "price_id",
    );
    // A till's sale, so lists have something in them.
    let (status, ack) = shop.upload(&[shop.sale("T1-000001", &[(0, "1")])]).await;
    assert_eq!(status, StatusCode::OK, "{ack}");

    let ids = [
        ("CONTRACT_DEVICE_TOKEN", shop.device_token.as_str()),
        ("CONTRACT_ADMIN_TOKEN", ADMIN_TOKEN),
        ("CONTRACT_METRICS_TOKEN", METRICS_TOKEN),
        ("CONTRACT_STORE_ID", store),
        ("CONTRACT_VARIANT_ID", variant),
        ("CONTRACT_SPARE_VARIANT_ID", spare_variant),
        ("CONTRACT_STAFF_ID", staff.as_str()),
        ("CONTRACT_USER_ID", user.as_str()),
        ("CONTRACT_CATEGORY_ID", category.as_str()),
        ("CONTRACT_SOURCE_ID", source.as_str()),
        ("CONTRACT_SUBSCRIPTION_ID", subscription.as_str()),
        ("CONTRACT_SPARE_KEY_ID", spare_key.as_str()),
        ("CONTRACT_SPARE_TERMINAL_ID", spare_terminal.as_str()),
        ("CONTRACT_RESERVATION_ID", reservation.as_str()),
        ("CONTRACT_TRANSFER_ID", transfer.as_str()),
        ("CONTRACT_PRICE_ID", price.as_str()),
    ];
    let started = std::time::Instant::now();
    // Every operation as the tenant's owner, but for the two that set where
    // the hub sends events: those only as a read-only key (refused), so no
    // event goes to a host the fuzzer made up.
    let writes_subscriptions = [
        "POST /v1/webhook-subscriptions",
        "PATCH /v1/webhook-subscriptions/{subscription_id}",
    ];
    let mut everything = vec![];
    for name in writes_subscriptions {
        everything.extend(["--exclude-name", name]);
    }
    let owner = schemathesis(&python, &hub.base, key, &ids, &everything, "owner").await;
    let mut subscriptions = vec![];
    for name in writes_subscriptions {
        subscriptions.extend(["--include-name", name]);
    }
    let read_only = schemathesis(
        &python,
        &hub.base,
        &read_only,
        &ids,
        &subscriptions,
        "read-only",
    )
    .await;
    println!(
        "schemathesis: {} and {} operations, seed {}, {} examples an operation, {:.0} s",
        owner.tested,
        read_only.tested,
        seed(),
        examples(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        owner.tested + read_only.tested,
        owner.selected_of,
        "not every operation was tested"
    );
}

/// `CONTRACT_EXAMPLES`, or 8: how many examples an operation is sent in
/// the fuzzing phase (the examples and coverage phases send their own).
fn examples() -> String {
    std::env::var("CONTRACT_EXAMPLES").unwrap_or_else(|_| "8".into())
}

fn seed() -> String {
    std::env::var("CONTRACT_SEED").unwrap_or_else(|_| SEED.into())
}

/// What a passing run covered.
struct Run {
    tested: usize,
    /// How many operations the document has.
    selected_of: usize,
}

/// Runs schemathesis against the hub at `base` as the holder of `hq`, with
/// the fixture's `ids` and its own `filters`; fails the test with its
/// report unless every check passed. With `CONTRACT_REPORT_DIR` set, every
/// request and answer is kept there too (NDJSON, under `name`).
async fn schemathesis(
    python: &str,
    base: &str,
    hq: &str,
    ids: &[(&str, &str)],
    filters: &[&str],
    name: &str,
) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(python);
    command
        .current_dir(dir.path())
        .args(["-m", "schemathesis.cli", "--config-file"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/schemathesis.toml"
        ))
        .arg("run")
        .arg(format!("{base}/openapi.json"))
        .args([
            "--max-examples",
            &examples(),
            "--seed",
            &seed(),
            "--no-color",
        ])
        .args(filters)
        .env("CONTRACT_HQ_KEY", hq)
        .envs(ids.iter().copied());
    if let Some(dir) = std::env::var_os("CONTRACT_REPORT_DIR") {
        command
            .args(["--report", "ndjson", "--report-dir"])
            .arg(std::path::Path::new(&dir).join(name));
    }
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run schemathesis");
    let report = String::from_utf8_lossy(&out.stdout);
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found the hub breaking its contract ({}):\n{report}\n{errors}",
        out.status
    );
    println!("{report}");
    // "Selected: 129/131", "Tested: 129"
    let figure = |label: &str| {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix(label).map(str::to_owned))
            .unwrap_or_else(|| panic!("no {label:?} in the report:\n{report}"))
    };
    let selected = figure("Selected: ");
    let tested: usize = figure("Tested: ").parse().expect("tested");
    let (selected, of) = selected.split_once('/').expect("selected/total");
    assert_eq!(
        selected.parse::<usize>().expect("selected"),
        tested,
        "an operation selected was not tested:\n{report}"
    );
    Run {
        tested,
        selected_of: of.parse().expect("total"),
    }
}

const METRICS_TOKEN: &str = "contract-metrics-token";
