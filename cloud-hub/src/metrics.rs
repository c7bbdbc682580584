//! The hub's Prometheus series: HTTP requests by route (the shared
//! middleware), facts taken from terminals by outcome, what each terminal
//! said of itself with its last feed request (changes still to read, outbox
//! depth, quarantine), and the database pool. Counters move where the work
//! happens; the pool is read when scraped.

use crate::storage::PoolUse;
use pos_shared::http_metrics::HttpMetrics;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::fmt::Write;
use std::sync::Arc;

/// What became of a fact a terminal uploaded.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum FactFate {
    Accepted,
    Duplicate,
    Rejected,
    /// Not answered this time (the upload ran out of time); the till sends
    /// it again.
    Deferred,
}

impl FactFate {
    pub fn as_str(self) -> &'static str {
        match self {
            FactFate::Accepted => "accepted",
            FactFate::Duplicate => "duplicate",
            FactFate::Rejected => "rejected",
            FactFate::Deferred => "deferred",
        }
    }
}

impl EncodeLabelValue for FactFate {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: FactFate,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TerminalLabels {
    tenant: String,
    store: String,
    terminal: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SettledLabels {
    path: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// What a terminal reported with a feed request, and what it had still to read.
#[derive(Debug, Clone, Copy)]
pub struct TerminalFigures {
    /// Changes of its store after its cursor when it asked (a page's worth
    /// at least when more were waiting).
    pub behind: u64,
    pub queued: Option<u64>,
    pub quarantined: Option<u64>,
}

/// Every series the hub keeps, and the registry they are rendered from.
pub struct HubMetrics {
    registry: Registry,
    pub http: Arc<HttpMetrics>,
    facts: Family<OutcomeLabels, Counter>,
    behind: Family<TerminalLabels, Gauge>,
    queued: Family<TerminalLabels, Gauge>,
    quarantined: Family<TerminalLabels, Gauge>,
    seen: Family<TerminalLabels, Gauge>,
    pool: Family<PoolLabels, Gauge>,
    settled: Family<SettledLabels, Counter>,
}

impl Default for HubMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("hub");
        let http = Arc::new(HttpMetrics::register(&mut registry));
        let mut family = |name: &str, help: &str| {
            let family = Family::<TerminalLabels, Gauge>::default();
            registry.register(name, help, family.clone());
            family
        };
        let behind = family(
            "terminal_feed_behind_changes",
            "Changes of the terminal's store it had still to read at its last feed request",
        );
        let queued = family(
            "terminal_outbox_queued",
            "Facts waiting in the terminal's outbox, as it reported them",
        );
        let quarantined = family(
            "terminal_quarantined",
            "Facts the terminal holds in quarantine, as it reported them",
        );
        let seen = family(
            "terminal_last_seen_timestamp_seconds",
            "When the terminal last asked for the feed (Unix seconds)",
        );
        let facts = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "facts",
            "Facts (sales, returns, movements, shifts…) terminals uploaded, by what became of them",
            facts.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections by state: open, idle, in_use, and the pool's max",
            pool.clone(),
        );
        let settled = Family::<SettledLabels, Counter>::default();
        registry.register(
            "stock_movements_settled",
            "HQ's new single stock movements by how they were recorded: alone (one call, PostgreSQL) or in a transaction",
            settled.clone(),
        );
        HubMetrics {
            registry,
            http,
            facts,
            behind,
            queued,
            quarantined,
            seen,
            pool,
            settled,
        }
    }
}

impl HubMetrics {
    pub fn fact(&self, outcome: FactFate) {
        self.facts.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// Facts counted under `outcome` so far.
    pub fn facts(&self, outcome: FactFate) -> u64 {
        self.facts.get_or_create(&OutcomeLabels { outcome }).get()
    }

    pub fn terminal(
        &self,
        device: &crate::domain::stores::DeviceIdentity,
        figures: TerminalFigures,
    ) {
        let labels = TerminalLabels {
            tenant: device.tenant_id.to_string(),
            store: device.store_id.to_string(),
            terminal: device.terminal_id.to_string(),
        };
        let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.behind
            .get_or_create(&labels)
            .set(gauge(figures.behind));
        if let Some(q) = figures.queued {
            self.queued.get_or_create(&labels).set(gauge(q));
        }
        if let Some(q) = figures.quarantined {
            self.quarantined.get_or_create(&labels).set(gauge(q));
        }
        self.seen
            .get_or_create(&labels)
            .set(pos_shared::Timestamp::now().unix_millis() / 1000);
    }

    /// The text a scraper reads, with the pool and the storage's counts of
    /// settled movements (`(alone, in a transaction)`) as they are now.
    pub fn render(&self, pool: PoolUse, settled: (u64, u64)) -> String {
        for (path, n) in [("alone", settled.0), ("transaction", settled.1)] {
            // The storage's count is the truth; concurrent scrapes only raise it to that.
            self.settled
                .get_or_create(&SettledLabels { path })
                .inner()
                .fetch_max(n, std::sync::atomic::Ordering::Relaxed);
        }
        for (state, n) in [
            ("open", pool.open),
            ("idle", pool.idle),
            ("in_use", pool.open - pool.idle),
            ("max", pool.max),
        ] {
            self.pool
                .get_or_create(&PoolLabels { state })
                .set(i64::from(n));
        }
        pos_shared::http_metrics::render(&self.registry)
    }
}
