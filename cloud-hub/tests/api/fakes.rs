//! The only mocks in these tests: a delivery partner and a payment gateway,
//! each a real HTTP server on 127.0.0.1:0 (axum) standing in for a service
//! nothing here can reach. They keep every request they were sent, and can
//! be told to fail the way real ones do: a partner answering 503, a gateway
//! that captures but whose answer is lost (500), a gateway that declines.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const PARTNER_KEY: &str = "partner-api-key";
pub const GATEWAY_KEY_ID: &str = "rzp_test_hub";
pub const GATEWAY_SECRET: &str = "gateway-secret";

/// One request a fake received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub idempotency_key: Option<String>,
    pub body: Value,
}

fn received(path: String, headers: &HeaderMap, body: Value) -> Received {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Received {
        path,
        authorization: text("authorization"),
        idempotency_key: text("idempotency-key"),
        body,
    }
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// A URL nothing listens on: connections are refused.
pub async fn closed_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

#[derive(Default)]
pub struct PartnerLog {
    pub pickups: Vec<Received>,
    pub cancels: Vec<Received>,
    /// Pick-ups answered with a delivery.
    pub answered: u32,
    /// Answer every pick-up with 503 while set.
    pub down: bool,
    /// Each order id's reference, so a request repeated with the same
    /// Idempotency-Key gets the same delivery.
    references: HashMap<String, String>,
}

#[derive(Clone)]
pub struct FakePartner {
    pub url: String,
    pub log: Arc<Mutex<PartnerLog>>,
}

impl FakePartner {
    pub async fn start() -> FakePartner {
        let log = Arc::new(Mutex::new(PartnerLog::default()));
        let router = Router::new()
            .route("/api/deliveries", post(pickup))
            .route("/api/deliveries/{reference}/cancel", post(cancel))
            .with_state(log.clone());
        FakePartner {
            url: format!("{}/api/", serve(router).await),
            log,
        }
    }

    pub fn set_down(&self, down: bool) {
        self.log.lock().unwrap().down = down;
    }

    pub fn pickups(&self) -> Vec<Received> {
        self.log.lock().unwrap().pickups.clone()
    }

    /// (pick-ups answered with a delivery, pick-ups called off)
    pub fn answered_and_cancelled(&self) -> (u32, usize) {
        let log = self.log.lock().unwrap();
        (log.answered, log.cancels.len())
    }
}

async fn pickup(
    State(log): State<Arc<Mutex<PartnerLog>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut log = log.lock().unwrap();
    log.pickups
        .push(received("/deliveries".into(), &headers, body));
    if log.down {
        return (StatusCode::SERVICE_UNAVAILABLE, "riders are all busy").into_response();
    }
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {PARTNER_KEY}"))
    {
        return (StatusCode::UNAUTHORIZED, "bad key").into_response();
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let next = log.references.len() + 1;
    let reference = log
        .references
        .entry(key)
        .or_insert_with(|| format!("SWIFT-{next:04}"))
        .clone();
    log.answered += 1;
    Json(json!({"reference": reference, "eta": "2030-01-01T10:30:00Z"})).into_response()
}

async fn cancel(
    State(log): State<Arc<Mutex<PartnerLog>>>,
    Path(reference): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> StatusCode {
    let mut log = log.lock().unwrap();
    log.cancels.push(received(
        format!("/deliveries/{reference}/cancel"),
        &headers,
        body,
    ));
    StatusCode::OK
}

#[derive(Default)]
pub struct GatewayLog {
    /// Every request, retries included.
    pub requests: Vec<Received>,
    /// Operations that took effect: (action, payment id, amount), once per
    /// idempotency key as a real gateway keeps them.
    pub effective: Vec<(String, String, Option<i64>)>,
    answers: HashMap<String, Value>,
    /// Captures of this many requests take effect but answer 500 (the
    /// answer lost on the way back).
    pub lose_answers: u32,
    /// Payments whose operations are declined (400).
    pub declined: Vec<String>,
}

#[derive(Clone)]
pub struct FakeGateway {
    pub url: String,
    pub log: Arc<Mutex<GatewayLog>>,
}

impl FakeGateway {
    pub async fn start() -> FakeGateway {
        let log = Arc::new(Mutex::new(GatewayLog::default()));
        let router = Router::new()
            .route("/v1/payments/{id}/{action}", post(operation))
            .with_state(log.clone());
        FakeGateway {
            url: format!("{}/v1", serve(router).await),
            log,
        }
    }

    pub fn effective(&self) -> Vec<(String, String, Option<i64>)> {
        self.log.lock().unwrap().effective.clone()
    }

    pub fn requests(&self) -> Vec<Received> {
        self.log.lock().unwrap().requests.clone()
    }
}

async fn operation(
    State(log): State<Arc<Mutex<GatewayLog>>>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    use base64::Engine as _;
    let mut log = log.lock().unwrap();
    log.requests.push(received(
        format!("/payments/{id}/{action}"),
        &headers,
        body.clone(),
    ));
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{GATEWAY_KEY_ID}:{GATEWAY_SECRET}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad key"}))).into_response();
    }
    if log.declined.contains(&id) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": "BAD_REQUEST_ERROR", "description": "authorization expired"}})),
        )
            .into_response();
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if let Some(answer) = log.answers.get(&key) {
        return Json(answer.clone()).into_response();
    }
    let amount = body["amount"].as_i64();
    let n = log.effective.len() + 1;
    log.effective.push((action.clone(), id.clone(), amount));
    let answer = match action.as_str() {
        "refund" => json!({"id": format!("rfnd_{n}"), "payment_id": id, "amount": amount}),
        _ => json!({"id": id, "status": action, "amount": amount}),
    };
    log.answers.insert(key, answer.clone());
    if action == "capture" && log.lose_answers > 0 {
        log.lose_answers -= 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, "upstream reset").into_response();
    }
    Json(answer).into_response()
}
