//! The relay of the hub's events to a real `nats-server` with JetStream:
//! HQ makes changes while the broker is stopped and started again mid-stream;
//! a consumer reading the tenant's subjects, deduplicating by event id, then
//! has every event of the outbox exactly once, on the subject of its type,
//! and nothing of another tenant's.

use crate::helpers::*;
use crate::on_both_backends;
use async_nats::jetstream::{self, consumer};
use cloud_hub::event_bus::{NatsConfig, RELAY};
use futures_util::StreamExt;
use pos_shared::TenantId;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const STREAM: &str = "POS_EVENTS_TEST";
const PREFIX: &str = "pos.events";

/// The `nats-server` binary: `NATS_SERVER`, else on the path or where
/// Debian's package puts it.
fn nats_server() -> String {
    if let Some(path) = std::env::var_os("NATS_SERVER") {
        return path.to_string_lossy().into_owned();
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([std::path::PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nats-server"))
        .find(|p| p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
        .expect("nats-server is not installed: run ./scripts/test.sh, which installs it (Debian: nats-server)")
}

/// A JetStream broker on a loopback port, its store in a directory that
/// outlives restarts.
struct Broker {
    port: u16,
    store: tempfile::TempDir,
    child: Option<Child>,
}

impl Broker {
    fn start() -> Broker {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let mut broker = Broker {
            port,
            store: tempfile::tempdir().expect("store dir"),
            child: None,
        };
        broker.run();
        broker
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn run(&mut self) {
        let child = Command::new(nats_server())
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the broker as its service manager would (SIGTERM), and waits.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn relayed_to(
    broker: &Broker,
) -> impl FnOnce(cloud_hub::config::HubConfig) -> cloud_hub::config::HubConfig {
    let url = broker.url();
    move |config| cloud_hub::config::HubConfig {
        nats: Some(NatsConfig {
            url: pos_shared::Secret::new(url),
            stream: STREAM.into(),
            subject_prefix: PREFIX.into(),
            sweep_every: Duration::from_millis(50),
        }),
        ..config
    }
}

/// Waits until the relay has had every event of `tenant` acknowledged.
async fn relayed_all(hub: &TestHub, tenant: TenantId) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (relayed, head) = hub
            .storage
            .relay_position(RELAY, tenant)
            .await
            .expect("relay position");
        if relayed == head && head > 0 {
            return head;
        }
        assert!(
            Instant::now() < deadline,
            "the relay stopped at {relayed} of {head} events"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every message on the tenant's subjects, as a consumer reads them:
/// (subject, body) in stream order.
async fn consume(broker: &Broker, tenant: &str) -> Vec<(String, Value)> {
    let client = async_nats::connect(broker.url()).await.expect("connect");
    let stream = jetstream::new(client)
        .get_stream(STREAM)
        .await
        .expect("the relay made the stream");
    let reader = stream
        .create_consumer(consumer::pull::Config {
            filter_subject: format!("{PREFIX}.{tenant}.>"),
            ack_policy: consumer::AckPolicy::None,
            ..Default::default()
        })
        .await
        .expect("consumer");
    let mut got = Vec::new();
    loop {
        let mut batch = reader
            .fetch()
            .max_messages(500)
            .expires(Duration::from_millis(500))
            .messages()
            .await
            .expect("fetch");
        let before = got.len();
        while let Some(message) = batch.next().await {
            let message = message.expect("message");
            let body: Value = serde_json::from_slice(&message.payload).expect("JSON body");
            let id = message
                .headers
                .as_ref()
                .and_then(|h| h.get("Nats-Msg-Id"))
                .map(|v| v.to_string());
            assert_eq!(
                id.as_deref(),
                body["id"].as_str(),
                "Nats-Msg-Id is the event id"
            );
            got.push((message.subject.to_string(), body));
        }
        if got.len() == before {
            return got;
        }
    }
}

async fn relay_survives_a_broker_restart(backend: Backend) {
    let mut broker = Broker::start();
    let shop = shop_with(backend, relayed_to(&broker)).await;
    let tenant = shop.tenant_id.parse::<TenantId>().expect("tenant id");
    // Another tenant on the same hub: its events go out on its own subjects.
    let other = shop_on(shop.hub.clone(), "Other Chain").await;
    let hq = shop.hub.as_(&shop.api_key);
    let (tea, _, _) = &shop.variants[0];
    let mut receipts = 0;
    let mut before_restart = 0;
    for round in 0..3 {
        for _ in 0..20 {
            hq.post_movement(
                &shop.store_id,
                &json!({"variant_id": tea, "delta": 1, "reason": "receipt"}),
            )
            .await
            .expect("receive");
            receipts += 1;
        }
        match round {
            // Mid-stream: what was made so far is in the stream; then the
            // broker goes away while HQ goes on working ...
            0 => {
                before_restart = relayed_all(&shop.hub, tenant).await;
                broker.stop();
            }
            // ... and comes back with its store.
            1 => broker.run(),
            _ => {}
        }
    }
    let head = relayed_all(&shop.hub, tenant).await;
    assert!(
        head >= before_restart + 40,
        "events made while the broker was away: {before_restart} → {head}"
    );

    let (_, outbox) = shop
        .hub
        .storage
        .events_after(tenant, 0, 10_000)
        .await
        .expect("outbox");
    assert_eq!(outbox.len() as u64, head);
    let messages = consume(&broker, &shop.tenant_id).await;
    let mut seen: BTreeMap<String, (String, Value)> = BTreeMap::new();
    for (subject, body) in messages {
        let id = body["id"].as_str().expect("id").to_owned();
        // The consumer's dedupe: a repeat is the same event.
        if let Some((first_subject, first_body)) = seen.get(&id) {
            assert_eq!((first_subject, first_body), (&subject, &body));
        }
        seen.entry(id).or_insert((subject, body));
    }
    assert_eq!(seen.len(), outbox.len(), "every event of the outbox, once");
    for event in &outbox {
        let (subject, body) = seen.get(&event.event_id.to_string()).unwrap_or_else(|| {
            panic!(
                "event {} ({}) never reached NATS",
                event.seq, event.event_type
            )
        });
        assert_eq!(
            subject,
            &format!("{PREFIX}.{}.{}", shop.tenant_id, event.event_type)
        );
        assert_eq!(body["type"], event.event_type.as_str());
        assert_eq!(body["data"], event.data);
    }
    let stock_changes = outbox
        .iter()
        .filter(|e| e.event_type == "inventory.stock.adjusted")
        .count();
    assert!(
        stock_changes >= receipts,
        "{stock_changes} stock events for {receipts} receipts"
    );

    // The other tenant's events went out too, on its subjects only.
    let other_tenant = other.tenant_id.parse::<TenantId>().expect("tenant id");
    let other_head = relayed_all(&shop.hub, other_tenant).await;
    let theirs = consume(&broker, &other.tenant_id).await;
    let ids: std::collections::BTreeSet<_> = theirs
        .iter()
        .map(|(_, b)| b["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids.len() as u64, other_head);
    assert!(theirs
        .iter()
        .all(|(subject, _)| subject.starts_with(&format!("{PREFIX}.{}.", other.tenant_id))));
    assert!(theirs
        .iter()
        .all(|(_, b)| !seen.contains_key(b["id"].as_str().unwrap_or(""))));
}
on_both_backends!(relay_survives_a_broker_restart);

/// A hub started while the broker is down relays once it comes up; nothing
/// made meanwhile is lost.
async fn relay_waits_for_a_broker_that_is_not_up_yet(backend: Backend) {
    let mut broker = Broker::start();
    broker.stop();
    let shop = shop_with(backend, relayed_to(&broker)).await;
    let tenant = shop.tenant_id.parse::<TenantId>().expect("tenant id");
    let (relayed, head) = shop
        .hub
        .storage
        .relay_position(RELAY, tenant)
        .await
        .expect("position");
    assert!(head > 0);
    assert_eq!(relayed, 0, "nothing is relayed without a broker");
    broker.run();
    let head = relayed_all(&shop.hub, tenant).await;
    let ids: std::collections::BTreeSet<_> = consume(&broker, &shop.tenant_id)
        .await
        .into_iter()
        .map(|(_, b)| b["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids.len() as u64, head);
}
on_both_backends!(relay_waits_for_a_broker_that_is_not_up_yet);
