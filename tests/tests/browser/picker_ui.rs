//! The picker screens in headless Chromium, as a handheld on the store LAN
//! sees them: a real hub with a dark store and two orders, a real picking
//! station with its LAN listener on an address of its own, a pairing code a
//! supervisor issued on loopback. The browser script
//! (`tests/js/browser/picker.mjs`) pairs, signs in, claims, picks by wedge
//! scans and packs; this side runs the processes, revokes the device when
//! the script asks, and checks what reached the hub.

use crate::harness::{eventually, free_port, Agent, Backend, Hub, ADMIN_TOKEN};
use crate::wire::typecheck_answers;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use system_tests::dark_store::{datamatrix, place, seed, ORGANIC_DAL, PICKERS};
use system_tests::{DAL, MILK, RICE, TEA};

/// The supervisor who issues the pairing code and revokes the device.
const SUPERVISOR: (&str, &str) = ("102", "7305");

fn approval() -> Value {
    json!({"approval": {"code": SUPERVISOR.0, "pin": SUPERVISOR.1}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picker_picks_and_packs_on_a_paired_handheld() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let started = std::time::Instant::now();
    let hub = Hub::start(Backend::Sqlite).await;
    let hq = system_tests::create_tenant(&hub.base, ADMIN_TOKEN, "Quick Chain")
        .await
        .unwrap();
    let dark = seed(&hq, 1).await.unwrap();
    // Two minutes to deliver: the screens show time left at first, and the
    // other picker's order is overdue (in red) by the end of the test.
    hq.set_fulfilment(
        &dark.store,
        &json!({"lat": 12.9116, "lon": 77.6389, "delivery_radius_m": 5000,
                "order_capacity": 50, "sla_minutes": 2}),
    )
    .await
    .unwrap();
    hq.create_staff(
        &dark.store,
        "Ravi",
        SUPERVISOR.0,
        "supervisor",
        SUPERVISOR.1,
    )
    .await
    .unwrap();
    let (tea, dal, rice, milk) = (
        dark.variant(TEA),
        dark.variant(DAL),
        dark.variant(RICE),
        dark.variant(MILK),
    );
    let order = place(
        &hq,
        "picker-ui-1",
        json!([{"variant_id": tea, "qty": "3"}, {"variant_id": dal, "qty": "2"}, {"variant_id": rice, "qty": "1.5"}]),
    )
    .await
    .unwrap();
    let others = place(
        &hq,
        "picker-ui-2",
        json!([{"variant_id": milk, "qty": "1"}]),
    )
    .await
    .unwrap();

    let lan = format!("127.0.0.1:{}", free_port());
    let station = Agent::start_with(&hub.base, &dark.codes[0], &[("EDGE_LAN_LISTEN", &lan)]).await;
    let lan_base = format!("http://{lan}");
    assert_ne!(lan_base, station.base, "the LAN listener is not loopback's");
    let at_station = &station;
    // The snapshot the station starts from holds the orders: it must be
    // applied whole (its cursor set), not just its first records.
    eventually(
        "the station to apply its snapshot",
        60,
        || async move { at_station.status().await["cursor"].as_u64() > Some(0) },
        || station.log(),
    )
    .await;
    for id in [&order, &others] {
        eventually(
            "the orders at the picking station",
            60,
            || async move {
                let (_, queue) = at_station.get("/v1/picking/orders").await;
                queue
                    .as_array()
                    .is_some_and(|q| q.iter().any(|o| o["order_id"] == id.as_str()))
            },
            || station.log(),
        )
        .await;
    }
    // The other picker claims the second order at the station itself.
    let (bela, bela_code, bela_pin) = PICKERS[1];
    station
        .post("/v1/session", json!({"code": bela_code, "pin": bela_pin}))
        .await;
    station
        .post(&format!("/v1/picking/orders/{others}/claim"), json!({}))
        .await;
    let (s, _) = station
        .send(reqwest::Method::DELETE, "/v1/session", Value::Null)
        .await;
    assert!(s.is_success());
    let issued = station
        .post("/v1/handhelds/pairing-codes", approval())
        .await;
    let code = issued["code"].as_str().unwrap().to_owned();

    let (asha, asha_code, asha_pin) = PICKERS[0];
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screens");
    std::fs::create_dir_all(&shots).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js/browser/picker.mjs");
    let mut node = Command::new("node")
        .arg(script)
        .env("LAN", &lan_base)
        .env("SHOTS", &shots)
        .env("PAIRING_CODE", &code)
        .env("ORDER", &order)
        .env("OTHERS", &others)
        .env("PICKER", asha)
        .env("PICKER_CODE", asha_code)
        .env("PICKER_PIN", asha_pin)
        .env("OTHER_PICKER", bela)
        .env("MILK", MILK)
        .env("DAL", DAL)
        .env("ORGANIC_DAL", ORGANIC_DAL)
        .env("RICE", RICE)
        .env("TEA_L1", datamatrix(TEA, "270131", "L1"))
        .env("TEA_L2", datamatrix(TEA, "270630", "L2"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs the browser script (scripts/test.sh installs it)");
    let mut to_script = node.stdin.take().unwrap();
    let mut from_script = BufReader::new(node.stdout.take().unwrap()).lines();
    let mut results: Option<Value> = None;
    let mut answers: Vec<(&str, Value)> = Vec::new();
    let mut revoked = false;
    while let Some(line) = tokio::task::block_in_place(|| from_script.next()) {
        let line = line.unwrap();
        if let Some(command) = line.strip_prefix("control ") {
            match command {
                // While the device is paired: what the handheld routes
                // answer it, for the type check below.
                "answers" => {
                    let (_, devices) = station.get("/v1/handhelds").await;
                    answers.push(("HandheldRecord[]", devices));
                    answers.push(("IssuedCode", issued.clone()));
                }
                "revoke" => {
                    let (_, devices) = station.get("/v1/handhelds").await;
                    let devices = devices.as_array().unwrap().clone();
                    assert_eq!(devices.len(), 1, "{devices:?}");
                    let id = devices[0]["id"].as_str().unwrap();
                    let (s, b) = station
                        .send(
                            reqwest::Method::DELETE,
                            &format!("/v1/handhelds/{id}"),
                            approval(),
                        )
                        .await;
                    assert!(s.is_success(), "revoke: {s} {b}");
                    revoked = true;
                }
                _ => panic!("the script asked for {command:?}"),
            }
            writeln!(to_script, "ok").unwrap();
        } else if let Some(json) = line.strip_prefix("result ") {
            results = Some(serde_json::from_str(json).unwrap());
        } else {
            println!("[browser] {line}");
        }
    }
    let status = node.wait().unwrap();
    assert!(
        status.success(),
        "the browser script failed ({status}); station:\n{}",
        station.log()
    );
    assert!(revoked, "the script revoked the device");
    let results = results.expect("the script reports its results");

    // The order the handheld packed reached the hub as packed, with the
    // total the pack screen showed.
    let expected_total = 3 * 14_500 + 16_900 + 16_900 + 9_250;
    assert_eq!(results["packed_total"], expected_total, "{results}");
    let order_ref = order.as_str();
    let hq_ref = &hq;
    eventually(
        "the order packed at the hub",
        60,
        || async move {
            hq_ref
                .order(order_ref)
                .await
                .is_ok_and(|o| o["state"] == "packed")
        },
        || format!("station:\n{}\nhub:\n{}", station.log(), hub.log()),
    )
    .await;
    let at_hub = hq.order(&order).await.unwrap();
    assert_eq!(at_hub["packed_total"]["minor"], expected_total, "{at_hub}");
    assert_eq!(at_hub["picker"]["name"], asha, "{at_hub}");
    assert_eq!(
        results["ordered_total"], at_hub["total"]["minor"],
        "the pack screen's ordered total is HQ's: {at_hub}"
    );

    // What the screens were answered is what the UI's generated types say.
    for (ty, key) in [
        ("Paired", "paired"),
        ("Handheld", "me"),
        ("SignedIn", "signed_in"),
        ("QueuedOrder[]", "queue"),
        ("PickSheet", "sheet"),
        ("PickedScan", "picked"),
        ("PickSheet", "packed"),
    ] {
        answers.push((ty, results["answers"][key].clone()));
    }
    let answers: Vec<(&str, &Value)> = answers.iter().map(|(t, v)| (*t, v)).collect();
    typecheck_answers(&answers);
    println!(
        "picker screens: whole test {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
