//! `hq_client`: the hub's HQ API as typed async calls.
//!
//! One client for everything that speaks to the hub as HQ: `hubctl`, the system
//! tests and the demo, and the hub's own API tests. It owns the HTTP plumbing
//! (base URL, bearer credential, JSON in and out, the hub's problem body turned
//! into [`HqError`]) so no caller repeats it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hq_client::HqError> {
//! use hq_client::HqClient;
//! let admin = HqClient::new("http://127.0.0.1:8700")?.with_credential("admin-token");
//! let tenant = admin.create_tenant("Kirana Chain").await?;
//! let hq = admin.with_credential(tenant.api_key);
//! let store = hq.create_store("BLR-01", "Indiranagar", "INR").await?;
//! println!("{} {}", store.id, store.code);
//! # Ok(()) }
//! ```
//!
//! Modules: [`error`] (what a failed call says), [`catalog`] (categories,
//! brands, products, variants and prices), [`stores`] (stores, stock,
//! terminals, staff, quarantine and the store's records), [`access`] (tenants,
//! API keys, users and sessions), [`events`] (the event log), [`ingestion`]
//! (sources, seller feeds, runs and the review queue). The raw calls
//! here ([`HqClient::send_json`] and friends) answer with any status, for
//! tests that assert on refusals.

pub mod access;
pub mod catalog;
pub mod error;
pub mod events;
pub mod ingestion;
pub mod orders;
pub mod stores;

pub use error::{HqError, HqResult, Refusal};
pub use reqwest::{Method, StatusCode};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A hub at a base URL, called with one credential: an HQ API key, a signed-in
/// user's session token, the hub's admin token or a device token.
#[derive(Clone)]
pub struct HqClient {
    base: String,
    credential: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for HqClient {
    /// Never prints the credential.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HqClient")
            .field("base", &self.base)
            .field("credential", &self.credential.as_ref().map(|_| "…"))
            .finish()
    }
}

/// One page of a cursor-paged list (`{items, next_cursor}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

impl HqClient {
    /// A client for the hub at `base` (such as `http://127.0.0.1:8700`), with
    /// no credential yet.
    pub fn new(base: &str) -> HqResult<HqClient> {
        HqClient::with_user_agent(base, concat!("hq-client/", env!("CARGO_PKG_VERSION")))
    }

    /// Like [`HqClient::new`], naming the program that calls (`hubctl/0.1.0`).
    pub fn with_user_agent(base: &str, user_agent: &str) -> HqResult<HqClient> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .user_agent(user_agent)
            .build()
            .map_err(HqError::Setup)?;
        Ok(HqClient::from_http(base, http))
    }

    /// A client over an HTTP client already set up.
    pub fn from_http(base: &str, http: reqwest::Client) -> HqClient {
        HqClient {
            base: base.trim_end_matches('/').to_owned(),
            credential: None,
            http,
        }
    }

    /// The same hub and connections, calling with `credential`.
    pub fn with_credential(&self, credential: impl Into<String>) -> HqClient {
        HqClient {
            credential: Some(credential.into()),
            ..self.clone()
        }
    }

    /// The same hub and connections, calling with no credential.
    pub fn anonymous(&self) -> HqClient {
        HqClient {
            credential: None,
            ..self.clone()
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The credential calls are made with (an API key or session token).
    pub fn credential(&self) -> Option<&str> {
        self.credential.as_deref()
    }

    // --- typed calls: success or an error ---------------------------------

    /// `GET path`, its answer read as `T`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> HqResult<T> {
        self.call(Method::GET, path, None::<&()>).await
    }

    /// `POST path` with a JSON body, its answer read as `T`.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> HqResult<T> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// `POST path` with no body (an action such as revoke), its answer read as `T`.
    pub async fn post_empty<T: DeserializeOwned>(&self, path: &str) -> HqResult<T> {
        self.call(Method::POST, path, None::<&()>).await
    }

    pub async fn put<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> HqResult<T> {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn patch<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> HqResult<T> {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> HqResult<()> {
        self.call::<Value>(Method::DELETE, path, None::<&()>)
            .await
            .map(drop)
    }

    /// Starts a `GET` whose answer is read by the caller (a stream, bytes);
    /// an error status is still an error.
    pub async fn open(
        &self,
        path: &str,
        headers: &[(&str, String)],
    ) -> HqResult<reqwest::Response> {
        let mut request = self.request(Method::GET, path);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(refusal(Method::GET, path, response).await)
        }
    }

    /// `GET path`, its answer's bytes (a document, a snapshot).
    pub async fn get_bytes(&self, path: &str) -> HqResult<Vec<u8>> {
        let response = self.open(path, &[]).await?;
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        Ok(bytes.to_vec())
    }

    /// `POST path` with a JSON body, its answer's bytes (labels to print).
    pub async fn post_for_bytes(&self, path: &str, body: &Value) -> HqResult<Vec<u8>> {
        let response = self
            .request(Method::POST, path)
            .json(body)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if !response.status().is_success() {
            return Err(refusal(Method::POST, path, response).await);
        }
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        Ok(bytes.to_vec())
    }

    // --- raw calls: any status, for tests that assert on refusals -----------

    /// Sends `method path` with an optional JSON body and answers with the
    /// status and the body as JSON, whatever the status. A body that is not
    /// JSON comes back as a JSON string. Only a hub that cannot be reached is
    /// an error.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> HqResult<(StatusCode, Value)> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.answer(request).await
    }

    /// Sends raw bytes with a content type (a malformed body, say); answers
    /// like [`HqClient::send_json`].
    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> HqResult<(StatusCode, Value)> {
        let request = self
            .request(method, path)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        self.answer(request).await
    }

    pub async fn get_json(&self, path: &str) -> HqResult<(StatusCode, Value)> {
        self.send_json(Method::GET, path, None).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> HqResult<(StatusCode, Value)> {
        self.send_json(Method::POST, path, Some(body)).await
    }

    pub async fn put_json(&self, path: &str, body: &Value) -> HqResult<(StatusCode, Value)> {
        self.send_json(Method::PUT, path, Some(body)).await
    }

    pub async fn patch_json(&self, path: &str, body: &Value) -> HqResult<(StatusCode, Value)> {
        self.send_json(Method::PATCH, path, Some(body)).await
    }

    /// A request to `path` with the credential set, for what no call here
    /// covers (headers of the caller's choosing, streamed answers).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.credential {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    // --- plumbing ---------------------------------------------------------

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> HqResult<T> {
        let mut tries = 0;
        let response = loop {
            let mut request = self.request(method.clone(), path);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.map_err(|e| self.unreachable(e))?;
            // Over the hub's rate limit: wait as long as it says, a few
            // times, so a long run (an import) slows down instead of failing.
            let wait = retry_after(&response);
            match wait {
                Some(wait) if tries < RATE_LIMIT_TRIES => {
                    tries += 1;
                    tokio::time::sleep(wait).await;
                }
                _ => break response,
            }
        };
        let status = response.status();
        if !status.is_success() {
            return Err(refusal(method, path, response).await);
        }
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        // A 204 reads as JSON null, for calls that expect `()` or `Option`.
        let bytes = if bytes.is_empty() {
            &b"null"[..]
        } else {
            &bytes[..]
        };
        serde_json::from_slice(bytes).map_err(|e| HqError::UnexpectedAnswer {
            method,
            path: path.to_owned(),
            status,
            detail: e.to_string(),
        })
    }

    async fn answer(&self, request: reqwest::RequestBuilder) -> HqResult<(StatusCode, Value)> {
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| self.unreachable(e))?;
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, value))
    }

    fn unreachable(&self, source: reqwest::Error) -> HqError {
        HqError::Unreachable {
            url: self.base.clone(),
            source,
        }
    }
}

async fn refusal(method: Method, path: &str, response: reqwest::Response) -> HqError {
    let status = response.status();
    let problem = response.json::<pos_shared::problem::Problem>().await.ok();
    HqError::Refused(Box::new(Refusal {
        method,
        path: path.to_owned(),
        status,
        problem,
    }))
}

/// A string field of a JSON answer, or an [`HqError::UnexpectedAnswer`] naming it.
pub(crate) fn field(answer: &Value, name: &str, method: Method, path: &str) -> HqResult<String> {
    answer[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| HqError::UnexpectedAnswer {
            method,
            path: path.to_owned(),
            status: StatusCode::OK,
            detail: format!("no {name} in {answer}"),
        })
}

/// How many times a call waits out the hub's rate limit before it gives up.
const RATE_LIMIT_TRIES: u32 = 8;

/// How long to wait before trying again, when the hub answered 429: its
/// `Retry-After` (seconds, at most 30), else a second.
fn retry_after(response: &reqwest::Response) -> Option<std::time::Duration> {
    if response.status() != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let secs = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, 30);
    Some(std::time::Duration::from_secs(secs))
}
