//! Messaging providers for the tests: Meta's WhatsApp Cloud API and
//! Twilio's Messages API as real HTTP servers on loopback (as far as a send
//! goes), a till set up to send through one, and the test's own reading of
//! a click-to-chat link.

use super::{start_till_config, Till};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use axum::{Json, Router};
use edge_agent::config::AgentConfig;
use edge_agent::messages::{MessagesConfig, Provider};
use pos_shared::Secret;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the fake provider took.
#[derive(Debug, Clone)]
pub struct Taken {
    pub path: String,
    pub authorization: String,
    pub body: String,
}

/// What the fake answers: success, or a status with the provider's error body.
#[derive(Clone)]
pub enum Answer {
    Take,
    Refuse(u16, Value),
}

#[derive(Clone)]
pub struct Fake {
    pub taken: Arc<Mutex<Vec<Taken>>>,
    pub answer: Arc<Mutex<Answer>>,
}

impl Fake {
    pub fn taken(&self) -> Vec<Taken> {
        self.taken.lock().unwrap().clone()
    }
}

async fn record(
    fake: &Fake,
    path: String,
    headers: &HeaderMap,
    body: Bytes,
) -> Option<(AxumStatus, Value)> {
    fake.taken.lock().unwrap().push(Taken {
        path,
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let answer = fake.answer.lock().unwrap().clone();
    match answer {
        Answer::Take => None,
        Answer::Refuse(status, body) => Some((AxumStatus::from_u16(status).unwrap(), body)),
    }
}

/// Meta's WhatsApp Cloud API and Twilio's Messages API, as far as a send goes.
pub async fn spawn_provider(listener: tokio::net::TcpListener) -> Fake {
    let fake = Fake {
        taken: Arc::default(),
        answer: Arc::new(Mutex::new(Answer::Take)),
    };
    let app = Router::new()
        .route(
            "/{version}/{phone_id}/messages",
            post(
                |State(fake): State<Fake>,
                 axum::extract::Path((v, id)): axum::extract::Path<(String, String)>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    match record(&fake, format!("/{v}/{id}/messages"), &headers, body).await {
                        Some((status, body)) => (status, Json(body)),
                        None => (
                            AxumStatus::OK,
                            Json(json!({
                                "messaging_product": "whatsapp",
                                "contacts": [{"input": "919845012345", "wa_id": "919845012345"}],
                                "messages": [{"id": "wamid.HBgMOTE5ODQ1MDEyMzQ1"}]
                            })),
                        ),
                    }
                },
            ),
        )
        .route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            post(
                |State(fake): State<Fake>,
                 axum::extract::Path(sid): axum::extract::Path<String>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let path = format!("/2010-04-01/Accounts/{sid}/Messages.json");
                    match record(&fake, path, &headers, body).await {
                        Some((status, body)) => (status, Json(body)),
                        None => (
                            AxumStatus::CREATED,
                            Json(json!({"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})),
                        ),
                    }
                },
            ),
        )
        .with_state(fake.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    fake
}

/// A loopback port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn listen_on(port: u16) -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap()
}

pub fn whatsapp(port: u16) -> Provider {
    Provider::WhatsappCloud {
        base_url: format!("http://127.0.0.1:{port}"),
        api_version: "v21.0".into(),
        phone_number_id: "106540352242922".into(),
        token: Secret::new("EAAG-test-token"),
    }
}

pub fn twilio(port: u16) -> Provider {
    Provider::TwilioSms {
        base_url: format!("http://127.0.0.1:{port}/"),
        account_sid: "AC0123456789abcdef0123456789abcdef".into(),
        from: "+15005550006".into(),
        auth_token: Secret::new("twilio-auth-token"),
    }
}

pub async fn till_with(
    dir: &std::path::Path,
    provider: Option<Provider>,
    max_attempts: u32,
) -> Till {
    start_till_config(dir, |c: &mut AgentConfig| {
        c.messages = MessagesConfig {
            provider,
            link_base: Some("https://receipts.example.in/r".into()),
            timeout: Duration::from_secs(2),
            max_attempts,
        };
        c.printing.receipt.header = vec!["Kirana Mart".into(), "MG Road".into()];
    })
    .await
}

/// `%XX` sequences back to text (the test's own reading of the link).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
