//! `GET /metrics`: the till in the Prometheus (OpenMetrics) text format, for
//! a store's monitoring to scrape on loopback (or through the agent's host):
//! requests by route, the outbox (queued, quarantined, written off, the
//! oldest unsent fact's age), the feed position, the link to the hub, each
//! printer's state and jobs, each scanner. Queue and device figures are read
//! when scraped, from the same sources as `/v1/sync/status` and
//! `/v1/printers`, so the two never disagree.

use super::status::current_status;
use super::AgentState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use pos_shared::http::ApiError;
use pos_shared::http_metrics::HttpMetrics;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::Arc;

pub fn routes() -> Router<AgentState> {
    Router::new().route("/metrics", get(metrics))
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PrinterLabels {
    printer: String,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeviceLabels {
    device: String,
    kind: &'static str,
}

/// The link states, each a series that is 1 for the one the till is in.
const LINK_STATES: [&str; 5] = ["online", "offline", "degraded", "stalled", "revoked"];
/// A printer's states, as `/v1/printers` names them.
const PRINTER_STATES: [&str; 4] = ["unknown", "ready", "paper_low", "error"];

/// Every series the agent keeps.
pub struct AgentMetrics {
    registry: Registry,
    pub http: Arc<HttpMetrics>,
    outbox: Family<StateLabels, Gauge>,
    oldest_unsent_age: Gauge,
    feed_cursor: Gauge,
    link: Family<StateLabels, Gauge>,
    failures: Gauge,
    receipts_unsent: Gauge,
    printer_state: Family<PrinterLabels, Gauge>,
    print_jobs: Family<PrinterLabels, Gauge>,
    scanner_connected: Family<DeviceLabels, Gauge>,
    scans: Family<DeviceLabels, Gauge>,
}

impl Default for AgentMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("agent");
        let http = Arc::new(HttpMetrics::register(&mut registry));
        macro_rules! series {
            ($name:literal, $help:literal, $metric:expr) => {{
                let metric = $metric;
                registry.register($name, $help, metric.clone());
                metric
            }};
        }
        AgentMetrics {
            http,
            outbox: series!(
                "outbox_facts",
                "Facts in the till's outbox by state: queued (waiting for the hub), quarantined, written_off",
                Family::default()
            ),
            oldest_unsent_age: series!(
                "outbox_oldest_unsent_age_seconds",
                "How long the oldest fact not yet taken by the hub has waited (0 when none)",
                Gauge::default()
            ),
            feed_cursor: series!(
                "feed_cursor",
                "The change-feed position the till has applied",
                Gauge::default()
            ),
            link: series!(
                "link_state",
                "The link to the hub: 1 for the state the till is in",
                Family::default()
            ),
            failures: series!(
                "link_consecutive_failures",
                "Exchanges with the hub that failed in a row",
                Gauge::default()
            ),
            receipts_unsent: series!(
                "e_receipts_unsent",
                "E-receipts (WhatsApp, SMS) queued and not yet sent",
                Gauge::default()
            ),
            printer_state: series!(
                "printer_state",
                "Each printer's state: 1 for the one it is in",
                Family::default()
            ),
            print_jobs: series!(
                "print_jobs",
                "Each printer's jobs by state: queued, unconfirmed, failed",
                Family::default()
            ),
            scanner_connected: series!(
                "scanner_connected",
                "Whether each scanner is connected (1) or not (0)",
                Family::default()
            ),
            scans: series!(
                "scanner_scans",
                "Scans read from each scanner since the agent started",
                Family::default()
            ),
            registry,
        }
    }
}

async fn metrics(State(app): State<AgentState>) -> Result<impl IntoResponse, ApiError> {
    let m = &app.metrics;
    let status = current_status(&app).await?;
    let queue = &status.queue;
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    for (state, count) in [
        ("queued", queue.queued),
        ("quarantined", queue.quarantined),
        ("written_off", queue.written_off),
    ] {
        m.outbox.get_or_create(&StateLabels { state }).set(n(count));
    }
    let age = queue.oldest_unsent_at.map_or(0, |t| {
        (pos_shared::Timestamp::now().unix_millis() - t.unix_millis()).max(0) / 1000
    });
    m.oldest_unsent_age.set(age);
    m.feed_cursor.set(n(queue.cursor));
    let now = status.state.as_str();
    for state in LINK_STATES {
        m.link
            .get_or_create(&StateLabels { state })
            .set(i64::from(state == now));
    }
    m.failures.set(i64::from(status.link.consecutive_failures));
    m.receipts_unsent.set(n(status.receipts_unsent));
    for printer in app.till.printers.list().await? {
        for state in PRINTER_STATES {
            m.printer_state
                .get_or_create(&PrinterLabels {
                    printer: printer.name.clone(),
                    state,
                })
                .set(i64::from(state == printer.state));
        }
        for (state, count) in [
            ("queued", printer.queued),
            ("unconfirmed", printer.unconfirmed),
            ("failed", printer.failed),
        ] {
            m.print_jobs
                .get_or_create(&PrinterLabels {
                    printer: printer.name.clone(),
                    state,
                })
                .set(count);
        }
    }
    for (device, d) in app.devices.all() {
        let labels = DeviceLabels {
            device,
            kind: d.kind,
        };
        m.scanner_connected
            .get_or_create(&labels)
            .set(i64::from(d.connected));
        m.scans.get_or_create(&labels).set(n(d.scans));
    }
    Ok((
        [(header::CONTENT_TYPE, pos_shared::http_metrics::CONTENT_TYPE)],
        pos_shared::http_metrics::render(&m.registry),
    ))
}
