//! UPI by dynamic QR and the customer-facing display, through the agent's
//! real HTTP API on loopback: the intent's link percent-encoded as NPCI's
//! deep link, its QR read back by an independent decoder from the SVG the
//! agent sent, refusals naming the field; the display's state published by
//! `PUT /v1/display` reaching every open event stream, the current state
//! first, and bad states refused in words.

mod common;

use common::{start_till_config, Till};
use edge_agent::pos::upi::{UpiPayee, Vpa};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const VPA: &str = "ram.sons-kirana@okicici";
const NAME: &str = "Ram & Sons Kirana";

async fn till_with_upi(dir: &std::path::Path) -> Till {
    start_till_config(dir, |config| {
        config.upi = Some(UpiPayee::new(Vpa::parse(VPA).unwrap(), NAME).unwrap());
    })
    .await
}

async fn send(
    till: &Till,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let r = till
        .http
        .request(method, format!("{}{path}", till.base))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn intent(till: &Till, body: Value) -> (StatusCode, Value) {
    send(
        till,
        reqwest::Method::POST,
        "/v1/payments/upi-intent",
        &body,
    )
    .await
}

fn inr(minor: i64) -> Value {
    json!({"minor": minor, "currency": "INR"})
}

/// The query of a `upi://pay?…` link, each value percent-decoded.
fn query(uri: &str) -> Vec<(String, String)> {
    let q = uri.strip_prefix("upi://pay?").expect("a upi://pay link");
    q.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("key=value");
            (k.to_owned(), percent_decode(v))
        })
        .collect()
}

fn percent_decode(v: &str) -> String {
    let mut bytes = Vec::new();
    let mut it = v.bytes();
    while let Some(b) = it.next() {
        match b {
            b'%' => {
                let hex = [it.next().unwrap(), it.next().unwrap()];
                bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).unwrap(), 16).unwrap());
            }
            // Unencoded, these would split or change the value.
            b'&' | b'=' | b'+' | b' ' | b'#' => panic!("{v:?} holds {:?} unencoded", b as char),
            b => bytes.push(b),
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// Reads the SVG the agent drew into pixels (its background, then the dark
/// modules of its one path, `M x y h w v h H x V y` each), four pixels a
/// unit, and decodes that with `rqrr`, which shares no code with the
/// encoder.
fn decode_svg(svg: &str) -> String {
    let view = svg.split("viewBox=\"0 0 ").nth(1).expect("a viewBox");
    let mut dims = view.split('"').next().unwrap().split(' ');
    let (w, h): (usize, usize) = (
        dims.next().unwrap().parse().unwrap(),
        dims.next().unwrap().parse().unwrap(),
    );
    assert!(
        svg.contains(&format!(
            "<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>"
        )),
        "a white background: {svg}"
    );
    assert!(
        svg.contains("<path fill=\"#000\" d=\""),
        "black modules: {svg}"
    );
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut dark = vec![false; w * h];
    let mut numbers = String::new();
    let mut commands: Vec<(char, i64)> = Vec::new();
    let mut pending: Option<char> = None;
    // Tokenise into (command, number) pairs; `M` carries two numbers.
    for c in d.chars().chain(std::iter::once('Z')) {
        if c.is_ascii_alphabetic() {
            if let Some(cmd) = pending.take() {
                for n in numbers.split(' ').filter(|s| !s.is_empty()) {
                    commands.push((cmd, n.parse().unwrap()));
                }
            }
            numbers.clear();
            pending = Some(c);
        } else {
            numbers.push(c);
        }
    }
    let mut i = 0;
    while i < commands.len() {
        let (cmd, x) = commands[i];
        assert_eq!(cmd, 'M', "a rectangle starts with M: {d}");
        let (_, y) = commands[i + 1];
        let (h_cmd, width) = commands[i + 2];
        let (v_cmd, height) = commands[i + 3];
        assert_eq!((h_cmd, v_cmd), ('h', 'v'), "{d}");
        for yy in y..y + height {
            for xx in x..x + width {
                dark[yy as usize * w + xx as usize] = true;
            }
        }
        i += 6; // M x y h w v h H x V y
    }
    const SCALE: usize = 4;
    let image = rqrr::PreparedImage::prepare_from_greyscale(w * SCALE, h * SCALE, |x, y| {
        if dark[(y / SCALE) * w + x / SCALE] {
            0
        } else {
            255
        }
    });
    let mut image = image;
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the SVG");
    let (_, content) = grids[0].decode().expect("the QR decodes");
    content
}

#[tokio::test]
async fn a_upi_intent_is_npcis_link_for_the_amount_and_its_qr_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    common::seed(dir.path());
    let till = till_with_upi(dir.path()).await;

    let (status, body) = intent(&till, json!({"amount": inr(30555), "bill": "0198f3a2b7c4"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let uri = body["uri"].as_str().unwrap();
    assert_eq!(
        uri,
        "upi://pay?pa=ram.sons-kirana@okicici&pn=Ram%20%26%20Sons%20Kirana&am=305.55&cu=INR&tn=Bill%200198f3a2b7c4&tr=0198f3a2b7c4"
    );
    assert_eq!(
        query(uri),
        [
            ("pa", VPA),
            ("pn", NAME),
            ("am", "305.55"),
            ("cu", "INR"),
            ("tn", "Bill 0198f3a2b7c4"),
            ("tr", "0198f3a2b7c4"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(body["amount"], inr(30555));
    assert_eq!(body["payee_vpa"], VPA);
    assert_eq!(body["payee_name"], NAME);
    let svg = body["qr_svg"].as_str().unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
    assert_eq!(decode_svg(svg), uri, "the QR carries the link");

    // Two decimals always: paise, whole rupees, the largest UPI payment.
    for (minor, am) in [
        (5, "0.05"),
        (100, "1.00"),
        (120_000, "1200.00"),
        (10_000_000, "100000.00"),
    ] {
        let (status, body) = intent(&till, json!({"amount": inr(minor), "bill": "B-1"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let uri = body["uri"].as_str().unwrap();
        assert!(uri.contains(&format!("&am={am}&")), "{minor}: {uri}");
        assert_eq!(decode_svg(body["qr_svg"].as_str().unwrap()), uri);
    }
}

#[tokio::test]
async fn bad_intents_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    common::seed(dir.path());
    let till = till_with_upi(dir.path()).await;
    for (body, field, says) in [
        (
            json!({"amount": inr(0), "bill": "B1"}),
            "amount",
            "more than ₹0.00",
        ),
        (
            json!({"amount": inr(-500), "bill": "B1"}),
            "amount",
            "more than ₹0.00",
        ),
        (
            json!({"amount": {"minor": 500, "currency": "USD"}, "bill": "B1"}),
            "amount",
            "rupees (INR), not USD",
        ),
        (
            json!({"amount": inr(10_000_001), "bill": "B1"}),
            "amount",
            "at most ₹100000.00",
        ),
        (json!({"amount": inr(500), "bill": ""}), "bill", "is empty"),
        (
            json!({"amount": inr(500), "bill": "B".repeat(36)}),
            "bill",
            "longer than 35 characters",
        ),
        (
            json!({"amount": inr(500), "bill": "B1&am=1"}),
            "bill",
            "only letters, digits and '-'",
        ),
        (
            json!({"amount": inr(500), "bill": "B 1"}),
            "bill",
            "only letters",
        ),
        (json!({"bill": "B1"}), "amount", "this field is required"),
        (
            json!({"amount": inr(500)}),
            "bill",
            "this field is required",
        ),
        (json!({"amount": 5.5, "bill": "B1"}), "amount", "amount"),
    ] {
        let (status, problem) = intent(&till, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert_eq!(problem["field"], field, "{body}: {problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{body}: {detail}");
    }
}

#[tokio::test]
async fn without_a_vpa_the_intent_says_upi_is_not_set_up() {
    let dir = tempfile::tempdir().unwrap();
    common::seed(dir.path());
    let till = common::start_till(dir.path()).await;
    let (status, problem) = intent(&till, json!({"amount": inr(30555), "bill": "B1"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["type"], "upi_not_configured");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("UPI is not set up") && detail.contains("EDGE_UPI_VPA"),
        "{detail}"
    );
}

/// One display page's event stream, read as it arrives.
struct Listener {
    response: reqwest::Response,
    buffer: String,
}

impl Listener {
    async fn open(till: &Till) -> Listener {
        let response = till
            .http
            .get(format!("{}/v1/display/events", till.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        Listener {
            response,
            buffer: String::new(),
        }
    }

    /// The next `display` event's state (keep-alive comments skipped).
    async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let mut name = None;
                let mut data = String::new();
                for line in event.lines() {
                    if let Some(n) = line.strip_prefix("event: ") {
                        name = Some(n.to_owned());
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data.push_str(d);
                    }
                }
                match name.as_deref() {
                    Some("display") => return serde_json::from_str(&data).unwrap(),
                    None => continue,
                    Some(other) => panic!("unexpected event {other}: {data}"),
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("a display event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

async fn publish(till: &Till, state: &Value) -> (StatusCode, Value) {
    send(till, reqwest::Method::PUT, "/v1/display", state).await
}

#[tokio::test]
async fn a_published_state_reaches_every_display_current_state_first() {
    let dir = tempfile::tempdir().unwrap();
    common::seed(dir.path());
    let till = till_with_upi(dir.path()).await;

    // Before anything is published, a display is idle.
    let mut first = Listener::open(&till).await;
    assert_eq!(first.next().await, json!({"lines": []}));

    let bill = json!({
        "lines": [
            {"name": "Assam Tea 250 g", "qty": "2", "amount": inr(29000)},
            {"name": "Rice (kg)", "qty": "1.250 kg", "amount": inr(7813)},
        ],
        "total": inr(36813),
    });
    let (status, body) = publish(&till, &bill).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(first.next().await, bill);

    // A display opened later starts from the current state, not idle.
    let mut second = Listener::open(&till).await;
    assert_eq!(second.next().await, bill);

    // The UPI QR reaches both, as the agent drew it.
    let (_, upi) = intent(&till, json!({"amount": inr(36813), "bill": "0198f3a2b7c4"})).await;
    let paying = json!({"lines": bill["lines"], "total": inr(36813), "upi": upi});
    assert_eq!(publish(&till, &paying).await.0, StatusCode::NO_CONTENT);
    for listener in [&mut first, &mut second] {
        let state = listener.next().await;
        assert_eq!(state, paying);
        assert_eq!(
            decode_svg(state["upi"]["qr_svg"].as_str().unwrap()),
            upi["uri"].as_str().unwrap()
        );
    }

    let done = json!({"lines": bill["lines"], "total": inr(36813), "paid": inr(50000),
                      "change": inr(13187), "message": "Thank you! Visit again"});
    assert_eq!(publish(&till, &done).await.0, StatusCode::NO_CONTENT);
    assert_eq!(first.next().await, done);
    assert_eq!(second.next().await, done);
    // And for a page without a stream, the same.
    assert_eq!(till.get("/v1/display").await.1, done);
}

#[tokio::test]
async fn bad_display_states_are_refused_in_words_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    common::seed(dir.path());
    let till = common::start_till(dir.path()).await;
    let good =
        json!({"lines": [{"name": "Tea", "qty": "1", "amount": inr(14500)}], "total": inr(14500)});
    assert_eq!(publish(&till, &good).await.0, StatusCode::NO_CONTENT);

    let line = json!({"name": "Tea", "qty": "1", "amount": inr(100)});
    let too_many: Vec<Value> = (0..501).map(|_| line.clone()).collect();
    let upi = json!({"uri": "upi://pay?pa=x@ybl", "qr_svg": "<script>alert(1)</script>",
                     "amount": inr(100), "payee_vpa": "x@ybl", "payee_name": "X"});
    for (body, status, field, says) in [
        (
            json!({"lines": too_many}),
            422,
            "lines",
            "501 lines is more than the display takes (500)",
        ),
        (
            json!({"lines": [{"name": " ", "qty": "1", "amount": inr(100)}]}),
            422,
            "lines[0].name",
            "lines[0].name: is empty",
        ),
        (
            json!({"lines": [{"name": "N".repeat(121), "qty": "1", "amount": inr(100)}]}),
            422,
            "lines[0].name",
            "longer than 120 characters",
        ),
        (
            json!({"lines": [line, {"name": "Dal", "qty": "1"}]}),
            422,
            "lines[1].amount",
            "this field is required",
        ),
        (
            json!({"lines": [], "message": "m".repeat(281)}),
            422,
            "message",
            "longer than 280",
        ),
        (
            json!({"lines": [], "upi": upi}),
            422,
            "upi.qr_svg",
            "not the QR the agent drew",
        ),
        (
            json!({"lines": [], "colour": "red"}),
            422,
            "colour",
            "there is no field",
        ),
        (
            json!({"lines": [], "total": {"minor": "lots", "currency": "INR"}}),
            422,
            "total.minor",
            "expected",
        ),
    ] {
        let (s, problem) = publish(&till, &body).await;
        assert_eq!(s.as_u16(), status, "{problem}");
        assert_eq!(problem["field"], field, "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{detail}");
    }
    // A body past the limit is refused before it is read whole.
    let huge = json!({"lines": [], "message": "x".repeat(300 * 1024)});
    let (s, problem) = publish(&till, &huge).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(problem["type"], "payload_too_large");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("larger than this endpoint takes"));

    // Not JSON at all.
    let r = till
        .http
        .put(format!("{}/v1/display", till.base))
        .header("content-type", "application/json")
        .body("{\"lines\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // Nothing of any of them was shown.
    assert_eq!(till.get("/v1/display").await.1, good);
    let mut display = Listener::open(&till).await;
    assert_eq!(display.next().await, good);
}

#[tokio::test]
async fn the_display_api_is_this_machines_only() {
    let dir = tempfile::tempdir().unwrap();
    common::seed(dir.path());
    let till = common::start_till(dir.path()).await;
    for (header, value, kind) in [
        ("host", "evil.example", "not_loopback"),
        ("origin", "http://evil.example", "foreign_origin"),
    ] {
        let r = till
            .http
            .put(format!("{}/v1/display", till.base))
            .header(header, value)
            .json(&json!({"lines": [], "message": "pay here"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(r.json::<Value>().await.unwrap()["type"], kind);
    }
    assert_eq!(till.get("/v1/display").await.1, json!({"lines": []}));
    // The display page itself is served like the cashier's.
    let page = till.text("/display").await;
    assert!(page.contains("id=\"app\""), "{page}");
}
