//! Ingestion as HQ drives it: source systems, a seller's feed uploaded
//! (streamed from a reader, its bytes counted as they go), the runs that
//! apply what sources send, and the review queue of the rows a feed could
//! not apply.

use crate::{HqClient, HqError, HqResult, Method, Page};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::io::Read;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// A source system as the hub shows it (the fields callers use).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub id: String,
    pub code: String,
    pub name: String,
    /// `restaurant_pos`, `erp` or `seller`.
    pub kind: String,
    pub enabled: bool,
}

/// A feed the hub kept and queued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedReceipt {
    pub status: String,
    pub feed_id: String,
    pub run_id: String,
    pub bytes: u64,
    pub review_path: String,
}

/// What a run did, entity by entity (a feed's: row by row).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunCounts {
    pub received: u64,
    pub applied: u64,
    pub unchanged: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunError {
    pub entity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub detail: String,
}

/// One ingestion run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub id: String,
    #[serde(default)]
    pub source_id: Option<String>,
    pub trigger: String,
    pub format: String,
    /// `running`, `completed` or `failed`.
    pub state: String,
    pub counts: RunCounts,
    pub errors: Vec<RunError>,
}

impl Run {
    pub fn finished(&self) -> bool {
        self.state != "running"
    }
}

/// A row a feed could not apply.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewRow {
    pub id: String,
    pub run_id: String,
    pub line: u64,
    #[serde(default)]
    pub sku: Option<String>,
    /// The row as received: column to text.
    pub row: Map<String, Value>,
    #[serde(default)]
    pub field: Option<String>,
    pub error: String,
    /// `pending`, `superseded`, `rejected` or `applied`.
    pub status: String,
}

/// What a resubmitted row did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resubmitted {
    /// `changed` or `unchanged`.
    pub outcome: String,
    pub row: ReviewRow,
}

/// A feed's content type by its file name: `.jsonl`/`.ndjson` are JSON
/// Lines, anything else CSV.
pub fn feed_content_type(file_name: &str) -> &'static str {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        "application/x-ndjson"
    } else {
        "text/csv"
    }
}

/// A request body read from `reader` as it is sent, `sent` counting the
/// bytes handed over; `len` is told to the hub as the Content-Length.
pub fn counted_body(
    reader: impl Read + Send + Sync + Unpin + 'static,
    len: u64,
    sent: Arc<AtomicU64>,
) -> reqwest::Body {
    reqwest::Body::wrap(CountedBody {
        reader,
        left: len,
        sent,
    })
}

struct CountedBody<R> {
    reader: R,
    left: u64,
    sent: Arc<AtomicU64>,
}

const READ_CHUNK: u64 = 64 * 1024;

impl<R: Read + Unpin> http_body::Body for CountedBody<R> {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = self.get_mut();
        if this.left == 0 {
            return Poll::Ready(None);
        }
        // A local file: a read this size does not hold the runtime up.
        let mut buf = vec![0; this.left.min(READ_CHUNK) as usize];
        match this.reader.read(&mut buf) {
            Ok(0) => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file is shorter than it was",
            )))),
            Ok(n) => {
                buf.truncate(n);
                this.left -= n as u64;
                this.sent.fetch_add(n as u64, Ordering::Relaxed);
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
            }
            Err(e) => Poll::Ready(Some(Err(e))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

impl HqClient {
    /// Registers a source system (`code`, `name`, `kind`, `stores`, …); the
    /// answer carries its signing secret, shown once.
    pub async fn create_source(&self, body: &Value) -> HqResult<Value> {
        self.post("/v1/sources", body).await
    }

    /// A seller source with these stores (pairs of the seller's id for the
    /// store and the store's id).
    pub async fn create_seller(
        &self,
        code: &str,
        name: &str,
        stores: &[(&str, &str)],
    ) -> HqResult<Source> {
        let stores: Vec<Value> = stores
            .iter()
            .map(|(ext, id)| json!({"external_id": ext, "store_id": id}))
            .collect();
        let body = json!({"code": code, "name": name, "kind": "seller", "stores": stores});
        let made = self.create_source(&body).await?;
        serde_json::from_value(made).map_err(|e| HqError::UnexpectedAnswer {
            method: Method::POST,
            path: "/v1/sources".into(),
            status: reqwest::StatusCode::CREATED,
            detail: e.to_string(),
        })
    }

    pub async fn sources(&self) -> HqResult<Vec<Source>> {
        self.get("/v1/sources").await
    }

    /// Uploads a seller's feed (`text/csv` or `application/x-ndjson`).
    pub async fn upload_feed(
        &self,
        source: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> HqResult<FeedReceipt> {
        let path = format!("/v1/sources/{source}/feeds");
        let response = self
            .request(Method::POST, &path)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| HqError::Unreachable {
                url: self.base().to_owned(),
                source: e,
            })?;
        if !response.status().is_success() {
            return Err(crate::refusal(Method::POST, &path, response).await);
        }
        let status = response.status();
        response
            .json()
            .await
            .map_err(|e| HqError::UnexpectedAnswer {
                method: Method::POST,
                path,
                status,
                detail: e.to_string(),
            })
    }

    pub async fn ingestion_run(&self, run: &str) -> HqResult<Run> {
        self.get(&format!("/v1/ingestion-runs/{run}")).await
    }

    /// A page of a source's rows in review, oldest first (`status`:
    /// `pending`, `superseded`, `rejected`, `applied`; all when `None`).
    pub async fn review_rows(
        &self,
        source: &str,
        status: Option<&str>,
        cursor: Option<&str>,
        limit: u32,
    ) -> HqResult<Page<ReviewRow>> {
        let mut path = format!("/v1/sources/{source}/review?limit={limit}");
        if let Some(s) = status {
            path.push_str(&format!("&status={s}"));
        }
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        self.get(&path).await
    }

    /// Applies a row in review with `fields` replaced.
    pub async fn resubmit_review_row(
        &self,
        source: &str,
        row: &str,
        fields: &Value,
    ) -> HqResult<Resubmitted> {
        self.post(
            &format!("/v1/sources/{source}/review/{row}/resubmit"),
            fields,
        )
        .await
    }

    pub async fn reject_review_row(&self, source: &str, row: &str) -> HqResult<ReviewRow> {
        self.post_empty(&format!("/v1/sources/{source}/review/{row}/reject"))
            .await
    }
}
