//! The agent's HTTP client for the hub's device endpoints.
//!
//! Errors say whether they are worth retrying: a network failure or a 5xx is
//! transient; a 4xx means this request will never succeed as it is.

use pos_shared::sync::{
    DeviceCredential, DocPurpose, EnrollRequest, FeedPage, QuarantineAnswer, QuarantineReport,
    UploadAck, PROTOCOL_HEADER, PROTOCOL_VERSION, SNAPSHOT_SEQ_HEADER,
};
use pos_shared::Problem;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("hub unreachable: {0}")]
    Unreachable(String),
    #[error("hub answered {status}: {detail}")]
    Refused {
        status: u16,
        /// The problem's stable code (`payload_too_large`, `unauthorized`, …),
        /// empty when the answer was not a problem body.
        kind: String,
        detail: String,
    },
    #[error("hub answer not understood: {0}")]
    BadAnswer(String),
}

impl HubError {
    /// True when retrying the same request cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, HubError::Refused { status, .. } if (400..500).contains(status) && *status != 429 && *status != 408)
    }

    /// The hub no longer accepts this terminal's credential (HQ revoked the
    /// till, or its token is unknown): retrying cannot help until it enrolls
    /// again. Only the hub's own refusal counts: a 401 or 403 from a proxy
    /// or gateway in front of one path says nothing of the credential, and
    /// taking it for a revocation would stop the till's sales on account.
    pub fn is_credential_refused(&self) -> bool {
        matches!(
            self,
            HubError::Refused { status: 401, kind, .. } if kind == "unauthorized"
        )
    }

    /// The hub refused the request because of what the request carried (too
    /// large, malformed, a value refused), not because of the link, the
    /// credential or the protocol: splitting the batch can isolate the fact at
    /// fault. A 400 or 422 counts only with the hub's own problem body: a proxy
    /// or a half-configured gateway that answers 400 with a page of its own
    /// says nothing about the facts, and splitting on it would quarantine good
    /// sales; that refusal is retried and shown as the link's error instead.
    pub fn blames_the_content(&self) -> bool {
        const CONTENT_REFUSALS: [&str; 5] = [
            "invalid_field",
            "invalid_body",
            "malformed_json",
            "unreadable_body",
            "payload_too_large",
        ];
        match self {
            HubError::Refused { status: 413, .. } => true,
            // The hub's words for a body it cannot take; anything else (a
            // proxy's own problem, the protocol) is not the facts' fault.
            HubError::Refused {
                status: 400 | 422,
                kind,
                ..
            } => CONTENT_REFUSALS.contains(&kind.as_str()),
            _ => false,
        }
    }
}

impl HubError {
    /// A request that got no answer, with every cause reqwest knows (the
    /// refused certificate, the refused connection), so the till's status
    /// says why and not only that.
    fn unreachable(e: &reqwest::Error) -> HubError {
        let mut said = e.to_string();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            let text = c.to_string();
            if !said.contains(&text) {
                said = format!("{said}: {text}");
            }
            cause = c.source();
        }
        HubError::Unreachable(said)
    }
}

#[derive(Clone)]
pub struct HubClient {
    http: reqwest::Client,
    base: String,
}

impl HubClient {
    pub fn new(base_url: &str) -> Result<Self, String> {
        Self::trusting(base_url, None)
    }

    /// A client for `base_url` that trusts, for TLS, only the CA in
    /// `ca_pem` when one is given, else the platform's roots.
    pub fn trusting(base_url: &str, ca_pem: Option<&[u8]>) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("edge-agent/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = ca_pem {
            let ca = reqwest::Certificate::from_pem(pem)
                .map_err(|e| format!("EDGE_HUB_CA (hub_ca) is not a PEM certificate: {e}"))?;
            builder = builder
                .tls_built_in_root_certs(false)
                .add_root_certificate(ca);
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(HubClient {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Exchanges a one-time code for this installation's credential; repeating
    /// it with the same `install_id` is safe when an answer was lost.
    pub async fn enroll(
        &self,
        code: &str,
        install_id: uuid::Uuid,
        was: Option<pos_shared::sync::FormerTerminal>,
    ) -> Result<DeviceCredential, HubError> {
        let body = EnrollRequest {
            code: code.to_owned(),
            agent_version: env!("CARGO_PKG_VERSION").to_owned(),
            install_id: Some(install_id),
            was,
        };
        let req = self
            .http
            .post(format!("{}/v1/enroll", self.base))
            .json(&body);
        send(req).await
    }

    /// Asks for changes after `since`, letting the hub hold the request up to
    /// `wait` seconds for one, and reports the terminal's queue depth.
    pub async fn feed(
        &self,
        token: &str,
        (since, mark): (u64, Option<i64>),
        limit: u32,
        wait: u64,
        queue: &crate::store::outbox::OutboxCounts,
        acked: Option<&crate::store::outbox::AckedFact>,
    ) -> Result<FeedPage, HubError> {
        let oldest = queue
            .oldest_unsent_at
            .map(|t| (pos_shared::Timestamp::now().unix_millis() - t.unix_millis()).max(0) / 1000);
        let mut report = vec![
            ("queue", queue.queued.to_string()),
            ("quarantined", queue.quarantined.to_string()),
        ];
        if let Some(age) = oldest {
            report.push(("oldest", age.to_string()));
        }
        // The hub's mark of the change at `since`, so a hub restored from
        // an older copy says so instead of serving a history with gaps.
        if let Some(mark) = mark {
            report.push(("mark", mark.to_string()));
        }
        // The fact it acknowledged last, so a hub restored from a copy older
        // than that says so even where the cursor cannot tell.
        if let Some(fact) = acked {
            report.push(("acked", fact.event_id.to_string()));
            report.push(("acked_type", fact.event_type.clone()));
        }
        let req = self
            .http
            .get(format!("{}/v1/sync/feed", self.base))
            .bearer_auth(token)
            // The request outlives the wait by a margin, not by the default timeout.
            .timeout(Duration::from_secs(wait + 15))
            .query(&[
                ("since", since.to_string()),
                ("limit", limit.to_string()),
                ("wait", wait.to_string()),
                ("v", PROTOCOL_VERSION.to_string()),
                ("agent", env!("CARGO_PKG_VERSION").to_string()),
            ])
            .query(&report);
        send(req).await
    }

    /// Tells the hub what this terminal holds in quarantine; the answer says
    /// which of those facts HQ wants resent or has written off.
    pub async fn report_quarantine(
        &self,
        token: &str,
        report: &QuarantineReport,
    ) -> Result<QuarantineAnswer, HubError> {
        let req = self
            .http
            .post(format!("{}/v1/sync/quarantine", self.base))
            .bearer_auth(token)
            .json(report);
        send(req).await
    }

    /// Uploads envelopes already serialised in the outbox, without re-encoding them.
    pub async fn upload(&self, token: &str, envelopes: &[String]) -> Result<UploadAck, HubError> {
        let body = format!(
            "{{\"protocol_version\":{PROTOCOL_VERSION},\"facts\":[{}]}}",
            envelopes.join(",")
        );
        let req = self
            .http
            .post(format!("{}/v1/sync/outbox", self.base))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        send(req).await
    }
}

impl HubClient {
    /// Asks for more of a credit account's limit for a sale being made now.
    /// Short: the cashier is waiting, and offline the till sells within
    /// what it holds.
    pub async fn credit_top_up(
        &self,
        token: &str,
        ask: &pos_shared::credit::CreditTopUp,
    ) -> Result<pos_shared::credit::CreditAccount, HubError> {
        let req = self
            .http
            .post(format!("{}/v1/sync/credit-top-up", self.base))
            .bearer_auth(token)
            .timeout(Duration::from_secs(5))
            .json(ask);
        send(req).await
    }

    /// The chain's profile of a customer; `None` when the chain has not met
    /// them. Short: the cashier is waiting, and the store's own profiles
    /// answer offline.
    pub async fn customer(
        &self,
        token: &str,
        phone: &str,
    ) -> Result<Option<pos_shared::customer::Customer>, HubError> {
        // The number without its `+`, which a path would have to escape.
        let digits = phone.trim_start_matches('+');
        let req = self
            .http
            .get(format!("{}/v1/sync/customers/{digits}", self.base))
            .bearer_auth(token)
            .timeout(Duration::from_secs(3));
        match send(req).await {
            Ok(found) => Ok(Some(found)),
            Err(HubError::Refused { kind, .. }) if kind == "unknown_customer" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// What sells with `item`, as the hub ranks it for this till's store.
    /// Short: it serves a hint beside a bill being rung up.
    pub async fn add_ons(
        &self,
        token: &str,
        item: pos_shared::VariantId,
    ) -> Result<pos_shared::addons::AddOns, HubError> {
        let req = self
            .http
            .get(format!("{}/v1/sync/items/{item}/add-ons", self.base))
            .bearer_auth(token)
            .timeout(Duration::from_millis(1500));
        send(req).await
    }

    /// Asks for more of a customer's points than this till holds, for a bill
    /// being paid in points now. Short, like a credit top-up.
    pub async fn loyalty_top_up(
        &self,
        token: &str,
        ask: &pos_shared::loyalty::LoyaltyTopUp,
    ) -> Result<pos_shared::loyalty::LoyaltyAccount, HubError> {
        let req = self
            .http
            .post(format!("{}/v1/sync/loyalty-top-up", self.base))
            .bearer_auth(token)
            .timeout(Duration::from_secs(5))
            .json(ask);
        send(req).await
    }

    /// The store's reorder points and batches expiring within `days`.
    pub async fn stock_watch(
        &self,
        token: &str,
        days: u32,
    ) -> Result<pos_shared::stock_watch::StockWatch, HubError> {
        let req = self
            .http
            .get(format!("{}/v1/sync/stock-watch?days={days}", self.base))
            .bearer_auth(token)
            .timeout(Duration::from_secs(5));
        send(req).await
    }

    /// One step of Automerge's sync protocol for a store document: sends this
    /// terminal's message (or nothing) and returns the hub's (or nothing).
    pub async fn sync_document(
        &self,
        token: &str,
        purpose: DocPurpose,
        message: Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, HubError> {
        let resp = self
            .http
            .post(format!("{}/v1/sync/docs/{}", self.base, purpose.as_str()))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .body(message.unwrap_or_default())
            .send()
            .await
            .map_err(|e| HubError::unreachable(&e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| HubError::unreachable(&e))?;
        match status.as_u16() {
            204 => Ok(None),
            200 => Ok(Some(bytes.to_vec())),
            code => Err(refusal(code, &bytes)),
        }
    }
}

/// A snapshot download under way.
pub struct SnapshotDownload {
    /// The feed sequence the snapshot was taken at.
    pub seq: u64,
    /// Its whole size in bytes; unknown for a snapshot sent as the hub reads
    /// it, whose end is the stream's end.
    pub total: Option<u64>,
    pub response: reqwest::Response,
}

impl HubClient {
    /// Starts (no `seq`) or resumes (`seq`, from byte `from`) a snapshot download.
    pub async fn snapshot(
        &self,
        token: &str,
        seq: Option<u64>,
        from: u64,
    ) -> Result<SnapshotDownload, HubError> {
        let mut req = self
            .http
            .get(format!("{}/v1/sync/snapshot", self.base))
            .bearer_auth(token)
            .timeout(Duration::from_secs(600));
        req = req.query(&[("v", u64::from(PROTOCOL_VERSION))]);
        if let Some(seq) = seq {
            req = req.query(&[("seq", seq)]);
        }
        if from > 0 {
            req = req.header(reqwest::header::RANGE, format!("bytes={from}-"));
        }
        let resp = req.send().await.map_err(|e| HubError::unreachable(&e))?;
        let status = resp.status();
        if !status.is_success() {
            let bytes = resp.bytes().await.map_err(|e| HubError::unreachable(&e))?;
            return Err(refusal(status.as_u16(), &bytes));
        }
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok());
        let seq = header(SNAPSHOT_SEQ_HEADER)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| HubError::BadAnswer("the snapshot has no sequence header".into()))?;
        let total = match header("content-range") {
            Some(range) => range.rsplit('/').next().and_then(|t| t.parse().ok()),
            None => resp.content_length(),
        };
        Ok(SnapshotDownload {
            seq,
            total,
            response: resp,
        })
    }
}

/// The refusal an error answer carries: its problem code and detail, or the
/// start of whatever text came back (a proxy's page, say).
fn refusal(status: u16, bytes: &[u8]) -> HubError {
    let (kind, detail) = match serde_json::from_slice::<Problem>(bytes) {
        Ok(p) => (p.kind, p.detail),
        Err(_) => (
            String::new(),
            String::from_utf8_lossy(bytes).chars().take(200).collect(),
        ),
    };
    HubError::Refused {
        status,
        kind,
        detail,
    }
}

async fn send<T: serde::de::DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<T, HubError> {
    let resp = req.send().await.map_err(|e| HubError::unreachable(&e))?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| HubError::unreachable(&e))?;
    if !status.is_success() {
        return Err(refusal(status.as_u16(), &bytes));
    }
    serde_json::from_slice(&bytes).map_err(|e| HubError::BadAnswer(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, body: &str) -> HubError {
        refusal(status, body.as_bytes())
    }

    #[test]
    fn only_the_hubs_own_refusals_blame_the_facts() {
        let problem =
            |kind: &str| format!(r#"{{"type":"{kind}","title":"x","status":422,"detail":"d"}}"#);
        assert!(refused(413, "<html>too big</html>").blames_the_content());
        assert!(refused(422, &problem("invalid_body")).blames_the_content());
        assert!(refused(400, &problem("malformed_json")).blames_the_content());
        assert!(!refused(400, &problem("unsupported_protocol")).blames_the_content());
        assert!(
            !refused(400, "<html>Bad Request</html>").blames_the_content(),
            "a proxy's 400 page says nothing about the facts"
        );
        assert!(
            !refused(400, &problem("proxy")).blames_the_content(),
            "a proxy's own problem body says nothing about the facts either"
        );
        assert!(!refused(401, &problem("unauthorized")).blames_the_content());
        assert!(!HubError::Unreachable("reset".into()).blames_the_content());
    }

    #[test]
    fn only_the_hubs_own_401_refuses_the_credential() {
        let problem =
            |kind: &str| format!(r#"{{"type":"{kind}","title":"x","status":401,"detail":"d"}}"#);
        assert!(refused(401, &problem("unauthorized")).is_credential_refused());
        assert!(!refused(401, "<html>Unauthorized</html>").is_credential_refused());
        assert!(!refused(403, &problem("forbidden")).is_credential_refused());
        assert!(!refused(401, &problem("proxy")).is_credential_refused());
    }
}
