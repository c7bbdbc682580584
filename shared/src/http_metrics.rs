//! Prometheus metrics every HTTP server here keeps: requests by route,
//! method and status, their latency, and how many are open, recorded by one
//! axum middleware. The route is the matched template
//! (`/v1/stores/{store_id}/catalog-view`), never the raw path, so the
//! number of series is bounded by the routes a server has, whatever callers
//! send.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Instant;

/// The content type of [`render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What a request is counted under.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    /// The route template, or `unmatched` for a path no route serves.
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AnsweredLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The HTTP series of one server.
#[derive(Clone)]
pub struct HttpMetrics {
    requests: Family<AnsweredLabels, Counter>,
    latency: Latency,
    open: Gauge,
}

fn latency_buckets() -> Histogram {
    // 1 ms to about 33 s: a price lookup and a 25 s long-poll both land
    // in a bucket of their own.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl HttpMetrics {
    /// Registers the series in `registry` (under its prefix).
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            requests: Family::default(),
            latency: Latency::new_with_constructor(latency_buckets),
            open: Gauge::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            metrics.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer's head, by method and route",
            metrics.latency.clone(),
        );
        registry.register(
            "http_requests_open",
            "Requests being served now (long-polls included)",
            metrics.open.clone(),
        );
        metrics
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let route = RouteLabels {
            method: method.to_owned(),
            route: route.to_owned(),
        };
        self.latency.get_or_create(&route).observe(seconds);
        self.requests
            .get_or_create(&AnsweredLabels {
                method: route.method,
                route: route.route,
                status,
            })
            .inc();
    }

    /// Requests answered so far under these labels (for tests and status pages).
    pub fn answered(&self, method: &str, route: &str, status: u16) -> u64 {
        self.requests
            .get_or_create(&AnsweredLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .get()
    }
}

/// Counts the request under its route: an axum middleware added with
/// `Router::layer`, so it sees the matched route and every answer, fallbacks
/// included.
pub async fn track(
    State(metrics): State<Arc<HttpMetrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    metrics.open.inc();
    let response = next.run(request).await;
    metrics.open.dec();
    metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The registry in the OpenMetrics text format.
pub fn render(registry: &Registry) -> String {
    let mut text = String::new();
    // Writing to a String cannot fail; an encoding error would be a bug in
    // a label, and an empty answer says so to the scraper.
    if let Err(e) = prometheus_client::encoding::text::encode(&mut text, registry) {
        tracing::error!("cannot encode metrics: {e}");
        text.clear();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_template() {
        let mut registry = Registry::with_prefix("hub");
        let metrics = HttpMetrics::register(&mut registry);
        metrics.observe("GET", "/v1/stores/{store_id}", 200, 0.004);
        metrics.observe("GET", "/v1/stores/{store_id}", 200, 0.002);
        metrics.observe("GET", "/v1/stores/{store_id}", 404, 0.001);
        let text = render(&registry);
        assert!(
            text.contains(
                "hub_http_requests_total{method=\"GET\",route=\"/v1/stores/{store_id}\",status=\"200\"} 2"
            ),
            "{text}"
        );
        assert!(text.contains("hub_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/stores/{store_id}\"} 3"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
