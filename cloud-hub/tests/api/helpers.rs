//! `spawn_hub(backend)`: the real hub on port 0 with a fresh database, started
//! by `cloud_hub::start` as production starts it (every background task
//! running), plus request helpers over `hq_client` and a small tenant fixture.
//!
//! Shared with `hubctl`'s tests (`hubctl/tests/cli/main.rs` includes this file).

// Each test crate that includes this file uses some of it.
#![allow(dead_code)]

use cloud_hub::config::HubConfig;
use hq_client::{HqClient, Method, StatusCode};
use pos_shared::sale::{SaleFact, SaleLine, Tender, TenderMethod};
use pos_shared::sync::Fact;
use pos_shared::{Envelope, Gtin, Money, MovementId, Qty, SaleId, Timestamp};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$scenario(backend)` as two tests: `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($scenario:ident) => {
        mod $scenario {
            #[tokio::test]
            async fn sqlite() {
                super::$scenario($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$scenario($crate::helpers::Backend::Postgres).await
            }
        }
    };
}

pub const ADMIN_TOKEN: &str = "test-admin-token";

pub struct TestHub {
    pub base: String,
    /// The hub's database, for tests that open it again as a restarted hub would.
    pub database_url: String,
    pub storage: cloud_hub::storage::DynStorage,
    /// The hub's HQ API, with no credential: `hq.with_credential(key)` acts as one.
    pub hq: HqClient,
    /// Plain HTTP, for what is below the HQ API: device streams, snapshots,
    /// raw bytes and headers.
    pub http: reqwest::Client,
    _hub: cloud_hub::RunningHub,
    _dir: tempfile::TempDir,
}

pub async fn database_url(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("hub.db").display()),
        Backend::Postgres => {
            let admin = std::env::var("TEST_DATABASE_URL").expect(
                "TEST_DATABASE_URL is not set: run ./scripts/test.sh, which starts PostgreSQL for the tests",
            );
            let name = format!("hub_test_{}", uuid::Uuid::now_v7().simple());
            cloud_hub::storage::postgres::create_database(&admin, &name)
                .await
                .expect("create test database")
        }
    }
}

pub async fn spawn_hub(backend: Backend) -> TestHub {
    spawn_hub_with(backend, |config| config).await
}

/// Like [`spawn_hub`], with the configuration adjusted first (a short session
/// lifetime, say). The defaults are production's, but for reservations
/// expiring within a tenth of a second rather than a second.
pub async fn spawn_hub_with(
    backend: Backend,
    adjust: impl FnOnce(HubConfig) -> HubConfig,
) -> TestHub {
    // Logs only when asked: TEST_LOG=1 cargo test
    if std::env::var_os("TEST_LOG").is_some() {
        cloud_hub::init_tracing();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(backend, dir.path()).await;
    let config = adjust(HubConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        admin_token: Some(pos_shared::Secret::new(ADMIN_TOKEN)),
        reservation_sweep_every: std::time::Duration::from_millis(100),
        secret_key: cloud_hub::config::SecretKeySource::File(dir.path().join("secret.key")),
        ingestion_sweep_every: std::time::Duration::from_millis(50),
        ..HubConfig::new(url.clone())
    });
    let hub = cloud_hub::start(config).await.expect("start the hub");
    let base = hub.base_url();
    TestHub {
        hq: HqClient::new(&base).expect("HQ client"),
        base,
        database_url: url,
        storage: hub.storage().clone(),
        http: reqwest::Client::new(),
        _hub: hub,
        _dir: dir,
    }
}

impl TestHub {
    /// Stops the hub (tasks and server); the directory its SQLite file is in
    /// is handed back, so a hub started again finds its database.
    pub async fn stop(self) -> tempfile::TempDir {
        self._hub.stop().await.expect("stop the hub");
        self._dir
    }

    /// The HQ API as the holder of `token` (an API key, session or device token).
    pub fn as_(&self, token: &str) -> HqClient {
        self.hq.with_credential(token)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let client = match token {
            Some(t) => self.as_(t),
            None => self.hq.clone(),
        };
        client
            .send_json(method, path, body.as_ref())
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PUT, path, Some(token), Some(body)).await
    }

    /// POSTs a raw body with a JSON content type.
    pub async fn post_raw(&self, path: &str, token: &str, body: &str) -> (StatusCode, Value) {
        self.as_(token)
            .send_bytes(Method::POST, path, "application/json", body.to_owned())
            .await
            .expect("request")
    }

    /// A store's catalog view (`query` like `""` or `"?channel=online"`), read
    /// whole and again one item a page: the two are answered by different
    /// queries (joins over the store against lookups per item), and must agree.
    pub async fn catalog_view(&self, store: &str, query: &str, token: &str) -> Value {
        let path = format!("/v1/stores/{store}/catalog-view");
        let (s, whole) = self.get(&format!("{path}{query}"), token).await;
        assert_eq!(s, StatusCode::OK, "{whole}");
        let joiner = if query.is_empty() { "?" } else { "&" };
        let (mut paged, mut cursor) = (Vec::new(), String::new());
        loop {
            let (s, page) = self
                .get(&format!("{path}{query}{joiner}limit=1{cursor}"), token)
                .await;
            assert_eq!(s, StatusCode::OK, "{page}");
            paged.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(
            whole["items"],
            Value::Array(paged),
            "the view a page at a time against the whole view{query}"
        );
        self.assert_projection_true().await;
        whole
    }

    /// The catalog's read model agrees with the tables it is kept from, for
    /// every tenant of the hub.
    pub async fn assert_projection_true(&self) {
        let drift = self
            .storage
            .catalog_projection_drift(None)
            .await
            .expect("projection drift");
        assert!(
            drift.is_empty(),
            "the catalog projection drifted: {drift:?}"
        );
    }

    /// Creates a tenant through the admin API and returns its API key.
    pub async fn tenant(&self, name: &str) -> String {
        self.as_(ADMIN_TOKEN)
            .create_tenant(name)
            .await
            .expect("create tenant")
            .api_key
    }
}

/// A new tenant's store with one terminal not enrolled yet; returns the
/// An envelope's `source` for `fact`: the terminal that made it (the
/// picker's, for a picker's fact), as the till that uploads it says.
pub fn source_of(fact: &Fact) -> String {
    let data = serde_json::to_value(fact).expect("fact");
    let terminal = data
        .get("terminal_id")
        .or_else(|| data["picker"].get("terminal_id"))
        .and_then(Value::as_str)
        .expect("a fact names its terminal");
    format!("terminal:{terminal}")
}

/// terminal as HQ got it (with its one-time `enrollment_code`).
pub async fn unenrolled_terminal(hub: &TestHub) -> Value {
    let key = hub.tenant("T").await;
    let hq = hub.as_(&key);
    let store = hq.create_store("S1", "S", "INR").await.expect("store");
    let terminal = hq
        .create_terminal(&store.id.to_string(), "Till", "A")
        .await
        .expect("terminal");
    serde_json::to_value(terminal).expect("json")
}

/// A tenant with one store, one product of two variants with stock, and one
/// enrolled terminal.
pub struct Shop {
    /// Shared by the shops of several tenants on one hub.
    pub hub: std::sync::Arc<TestHub>,
    pub api_key: String,
    pub tenant_id: String,
    pub store_id: String,
    pub terminal_id: String,
    pub device_token: String,
    /// (variant_id, barcode, price in paise)
    pub variants: Vec<(String, String, i64)>,
}

pub const TEA: &str = "8901234567890";
pub const RICE: &str = "4006381333931";
pub const INITIAL_STOCK: i64 = 50;

pub async fn shop(backend: Backend) -> Shop {
    shop_on(
        std::sync::Arc::new(spawn_hub(backend).await),
        "Kirana Chain",
    )
    .await
}

/// The same shop on a hub whose configuration is adjusted first.
pub async fn shop_with(backend: Backend, adjust: impl FnOnce(HubConfig) -> HubConfig) -> Shop {
    shop_on(
        std::sync::Arc::new(spawn_hub_with(backend, adjust).await),
        "Kirana Chain",
    )
    .await
}

/// The same shop for a tenant named `tenant` on a hub already running.
pub async fn shop_on(hub: std::sync::Arc<TestHub>, tenant: &str) -> Shop {
    let api_key = hub.tenant(tenant).await;
    let hq = hub.as_(&api_key);
    let store = hq
        .create_store("BLR-1", "Indiranagar", "INR")
        .await
        .expect("create store");
    let store_id = store.id.to_string();
    let product = hq
        .create_product(&json!({"name": "Staples", "variants": [
            {"name": "Assam Tea 250 g", "sku": "TEA-250", "barcode": TEA, "price": {"minor": 14500, "currency": "INR"}},
            {"name": "Sona Masoori Rice (kg)", "sku": "RICE-KG", "barcode": RICE, "unit": "kg", "price": {"minor": 6250, "currency": "INR"}}
        ]}))
        .await
        .expect("create product");
    let variants: Vec<(String, String, i64)> = product["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| {
            (
                v["variant_id"].as_str().expect("id").to_owned(),
                v["barcode"].as_str().expect("barcode").to_owned(),
                v["price"]["minor"].as_i64().expect("price"),
            )
        })
        .collect();
    for (variant_id, _, _) in &variants {
        hq.post_movement(
            &store_id,
            &json!({"variant_id": variant_id, "delta": INITIAL_STOCK, "reason": "receipt"}),
        )
        .await
        .expect("receive stock");
    }
    let terminal = hq
        .create_terminal(&store_id, "Till 1", "t1")
        .await
        .expect("create terminal");
    let credential = hub
        .hq
        .enroll(&terminal.enrollment_code, "test")
        .await
        .expect("enroll");
    assert_eq!(credential.receipt_prefix, "T1");
    Shop {
        tenant_id: credential.tenant_id.to_string(),
        terminal_id: credential.terminal_id.to_string(),
        device_token: credential.token,
        hub,
        api_key,
        store_id,
        variants,
    }
}

impl Shop {
    /// The same shop, till and items, to change (another item, say).
    pub fn clone_of(shop: &Shop) -> Shop {
        Shop {
            hub: shop.hub.clone(),
            api_key: shop.api_key.clone(),
            tenant_id: shop.tenant_id.clone(),
            store_id: shop.store_id.clone(),
            terminal_id: shop.terminal_id.clone(),
            device_token: shop.device_token.clone(),
            variants: shop.variants.clone(),
        }
    }

    /// Another store of the chain with its own enrolled till, as a shop;
    /// the till's receipt prefix is the store code's letters and digits.
    pub async fn second_store(&self, code: &str, name: &str) -> Shop {
        let store = self
            .hub
            .as_(&self.api_key)
            .create_store(code, name, "INR")
            .await
            .expect("create store");
        let prefix: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
        self.till_at(&store.id.to_string(), "Till 1", &prefix).await
    }

    /// HQ (this shop's key) revokes `till`'s credential.
    pub async fn revoke(&self, till: &Shop) {
        let path = format!(
            "/v1/stores/{}/terminals/{}/revoke",
            till.store_id, till.terminal_id
        );
        let (s, b) = self
            .hub
            .post(&path, &self.api_key, serde_json::json!({}))
            .await;
        assert!(s.is_success(), "revoke: {s} {b}");
    }

    /// HQ writes one of `variant` off at this shop's store.
    pub async fn write_off(&self, variant: &str) {
        let path = format!("/v1/stores/{}/movements", self.store_id);
        let body =
            serde_json::json!({"variant_id": variant, "delta": "-1", "reason": "adjustment"});
        let (s, b) = self.hub.post(&path, &self.api_key, body).await;
        assert_eq!(s, reqwest::StatusCode::CREATED, "write-off: {b}");
    }

    /// Another till enrolled at `store` (this shop's or another of the
    /// chain's), as a shop that uploads as it.
    pub async fn till_at(&self, store: &str, name: &str, prefix: &str) -> Shop {
        let terminal = self
            .hub
            .as_(&self.api_key)
            .create_terminal(store, name, prefix)
            .await
            .expect("create terminal");
        let credential = self
            .hub
            .hq
            .enroll(&terminal.enrollment_code, "test")
            .await
            .expect("enroll");
        Shop {
            store_id: store.to_owned(),
            terminal_id: credential.terminal_id.to_string(),
            device_token: credential.token,
            ..Shop::clone_of(self)
        }
    }

    /// Sends `doc`'s changes to the hub as this shop's terminal speaking
    /// protocol 11 (the oldest served), until neither side has more to say.
    pub async fn push_document(&self, purpose: &str, doc: &mut automerge::AutoCommit) {
        use automerge::sync::SyncDoc;
        let mut state = automerge::sync::State::new();
        for _ in 0..6 {
            let Some(message) = doc.sync().generate_sync_message(&mut state) else {
                return;
            };
            let r = self
                .hub
                .http
                .post(format!("{}/v1/sync/docs/{purpose}", self.hub.base))
                .bearer_auth(&self.device_token)
                .header("content-type", "application/octet-stream")
                .header(pos_shared::sync::PROTOCOL_HEADER, "11")
                .body(message.encode())
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.status());
            if r.status() == StatusCode::OK {
                let reply = automerge::sync::Message::decode(&r.bytes().await.unwrap()).unwrap();
                doc.sync().receive_sync_message(&mut state, reply).unwrap();
            }
        }
    }

    /// A return of `sale`'s whole first line, refunded by `method`.
    pub fn return_of(&self, sale: &Value, receipt: &str, method: TenderMethod) -> Value {
        use pos_shared::returns::{refund_for, ReturnFact, ReturnLine};
        use pos_shared::ReturnId;
        let sale: SaleFact = serde_json::from_value(sale["data"].clone()).unwrap();
        let qty = sale.lines[0].qty;
        let (refund, tax) = refund_for(&sale.lines[0], Qty::ZERO, qty);
        let ret = ReturnFact {
            return_id: ReturnId::new(),
            store_id: sale.store_id,
            terminal_id: sale.terminal_id,
            receipt_no: receipt.into(),
            original_sale_id: sale.sale_id,
            original_receipt_no: sale.receipt_no.clone(),
            occurred_at: Timestamp::now(),
            reason: "damp".into(),
            lines: vec![ReturnLine {
                movement_id: MovementId::new(),
                sale_line: 0,
                variant_id: sale.lines[0].variant_id,
                barcode: sale.lines[0].barcode.clone(),
                name: sale.lines[0].name.clone(),
                qty,
                refund,
                tax,
            }],
            total: refund,
            refunds: vec![Tender {
                method,
                amount: refund,
                reference: None,
            }],
            rounding: None,
        };
        let envelope = Envelope::new(
            ret.return_id.as_uuid(),
            "pos.return.completed",
            format!("terminal:{}", self.terminal_id),
            self.tenant_id.parse().expect("tenant id"),
            ret.occurred_at,
            Fact::Return(ret),
        );
        serde_json::to_value(envelope).expect("json")
    }

    /// A consistent cash sale envelope of `(variant index, qty)` lines.
    pub fn sale(&self, receipt_no: &str, lines: &[(usize, &str)]) -> Value {
        self.sale_with(receipt_no, lines, |_| {})
    }

    /// [`Shop::sale`], with its lines changed by `adjust` before it is sealed.
    pub fn sale_with(
        &self,
        receipt_no: &str,
        lines: &[(usize, &str)],
        adjust: impl FnOnce(&mut Vec<SaleLine>),
    ) -> Value {
        self.sale_made(receipt_no, lines, adjust, Timestamp::now())
    }

    /// [`Shop::sale`], made at `at` (a till that was offline, a past day).
    pub fn sale_at(&self, receipt_no: &str, lines: &[(usize, &str)], at: Timestamp) -> Value {
        self.sale_made(receipt_no, lines, |_| {}, at)
    }

    fn sale_made(
        &self,
        receipt_no: &str,
        lines: &[(usize, &str)],
        adjust: impl FnOnce(&mut Vec<SaleLine>),
        at: Timestamp,
    ) -> Value {
        let lines: Vec<SaleLine> = lines
            .iter()
            .map(|(i, qty)| {
                let (id, barcode, price) = &self.variants[*i];
                let qty = Qty::parse(qty).expect("qty");
                SaleLine {
                    movement_id: MovementId::new(),
                    variant_id: id.parse().expect("variant id"),
                    barcode: Gtin::parse(barcode).expect("barcode"),
                    name: "item".into(),
                    qty,
                    unit_price: Money::inr(*price),
                    line_total: Money::inr(*price).times(qty).expect("total"),
                    tax: None,
                    discount: None,
                    price_override: None,
                    modifiers: Vec::new(),
                    batch: None,
                    expires_on: None,
                }
            })
            .collect();
        let mut lines = lines;
        adjust(&mut lines);
        let total = Money::sum(
            pos_shared::Currency::INR,
            lines.iter().map(|l| &l.line_total),
        )
        .expect("sum");
        let sale = SaleFact {
            sale_id: SaleId::new(),
            store_id: self.store_id.parse().expect("store id"),
            terminal_id: self.terminal_id.parse().expect("terminal id"),
            receipt_no: receipt_no.into(),
            occurred_at: at,
            lines,
            total,
            tenders: vec![Tender {
                method: TenderMethod::Cash,
                amount: total,
                reference: None,
            }],
            change_due: Money::inr(0),
            rounding: None,
            discount_approved_by: None,
            cashier: None,
            customer: None,
            receipt_key: None,
        };
        let envelope = Envelope::new(
            sale.sale_id.as_uuid(),
            "pos.sale.completed",
            format!("terminal:{}", self.terminal_id),
            self.tenant_id.parse().expect("tenant id"),
            sale.occurred_at,
            Fact::Sale(sale),
        );
        serde_json::to_value(envelope).expect("json")
    }

    pub async fn upload(&self, facts: &[Value]) -> (StatusCode, Value) {
        self.hub
            .post(
                "/v1/sync/outbox",
                &self.device_token,
                json!({"protocol_version": pos_shared::sync::PROTOCOL_VERSION, "facts": facts}),
            )
            .await
    }

    pub fn statuses(ack: &Value) -> Vec<String> {
        ack["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["status"].as_str().expect("status").to_owned())
            .collect()
    }

    /// Everything HQ can see of the store: sales, movements, inventory, feed head.
    pub async fn snapshot(&self) -> Value {
        let store = &self.store_id;
        let (_, sales) = self
            .hub
            .get(
                &format!("/v1/stores/{store}/sales?limit=1000"),
                &self.api_key,
            )
            .await;
        let (_, movements) = self
            .hub
            .get(
                &format!("/v1/stores/{store}/movements?limit=1000"),
                &self.api_key,
            )
            .await;
        let (_, inventory) = self
            .hub
            .get(&format!("/v1/stores/{store}/inventory"), &self.api_key)
            .await;
        let (_, feed) = self
            .hub
            .get("/v1/sync/feed?since=0&limit=5000", &self.device_token)
            .await;
        json!({"sales": sales["items"], "movements": movements["items"], "inventory": inventory, "feed_cursor": feed["next_cursor"]})
    }

    /// A new till's snapshot at protocol `v`, its header first, one JSON
    /// value a record.
    pub async fn snapshot_records(&self, v: u16) -> Vec<Value> {
        let r = self
            .hub
            .http
            .get(format!("{}/v1/sync/snapshot?v={v}", self.hub.base))
            .bearer_auth(&self.device_token)
            .send()
            .await
            .expect("snapshot");
        assert_eq!(r.status(), StatusCode::OK);
        let bytes = r.bytes().await.expect("snapshot bytes");
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .expect("a gzip snapshot");
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON record"))
            .collect()
    }

    /// The store's feed as the shop's till reads it after `since`: its
    /// changes and the cursor to read on from.
    pub async fn feed_after(&self, since: u64) -> (Vec<Value>, u64) {
        let (status, page) = self
            .hub
            .get(
                &format!("/v1/sync/feed?since={since}&limit=1000"),
                &self.device_token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let next = page["next_cursor"].as_u64().expect("next_cursor");
        (page["changes"].as_array().expect("changes").clone(), next)
    }

    /// On-hand by barcode from HQ's inventory view.
    pub async fn on_hand(&self, barcode: &str) -> String {
        let (_, inventory) = self
            .hub
            .get(
                &format!("/v1/stores/{}/inventory", self.store_id),
                &self.api_key,
            )
            .await;
        let gtin = Gtin::parse(barcode).expect("barcode");
        inventory["positions"]
            .as_array()
            .expect("positions")
            .iter()
            .find(|p| p["barcode"] == gtin.as_str())
            .map(|p| p["on_hand"].as_str().expect("on_hand").to_owned())
            .expect("position")
    }
}

/// Asserts an error answer: its status, its `type`, and a detail to read.
pub fn assert_problem(status: StatusCode, body: &Value, expected: StatusCode, kind: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["type"], kind, "{body}");
    assert_eq!(body["status"], expected.as_u16(), "{body}");
    assert!(
        !body["detail"].as_str().unwrap_or_default().is_empty(),
        "{body}"
    );
}

/// Reads a cursor-paged list (`{items, next_cursor}`) `limit` items at a time
/// to its end, checking each page's size.
pub async fn page_through(hub: &TestHub, path: &str, token: &str, limit: u32) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (mut items, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let query = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let (s, page) = hub.get(&query, token).await;
        assert_eq!(s, StatusCode::OK, "{query}: {page}");
        let got = page["items"].as_array().expect("items");
        assert!(got.len() <= limit as usize, "{query}: {page}");
        items.extend(got.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// A cursor-paged list refuses cursors not from it (garbage, or `foreign`:
/// an id from some other list) and limits out of range, naming the parameter.
pub async fn assert_cursors_checked(hub: &TestHub, path: &str, token: &str, foreign: &str) {
    for (query, field) in [
        (format!("{path}?cursor=nope"), "cursor"),
        (format!("{path}?cursor={foreign}"), "cursor"),
        (format!("{path}?limit=0"), "limit"),
        (format!("{path}?limit=1001"), "limit"),
        (format!("{path}?limit=ten"), "limit"),
    ] {
        let (s, b) = hub.get(&query, token).await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{query}: {b}");
    }
}

/// `n` items of their own (for writers that should not touch each other's
/// stock positions), each with 100 in stock at the shop's store, as
/// [`Shop::variants`] holds them.
pub async fn own_items(shop: &Shop, n: usize) -> Vec<(String, String, i64)> {
    let hq = shop.hub.as_(&shop.api_key);
    let variants: Vec<Value> = (0..n)
        .map(|i| {
            let barcode = pos_shared::Gtin::with_check_digit(&format!("89012340000{i:02}"))
                .expect("barcode");
            json!({"name": format!("Item {i}"), "sku": format!("OWN-{i}"), "barcode": barcode.as_str(),
                   "price": {"minor": 1000, "currency": "INR"}})
        })
        .collect();
    let product = hq
        .create_product(&json!({"name": "Own items", "variants": variants}))
        .await
        .expect("create product");
    let mut own = Vec::new();
    for v in product["variants"].as_array().expect("variants") {
        let id = v["variant_id"].as_str().expect("id").to_owned();
        hq.post_movement(
            &shop.store_id,
            &json!({"variant_id": id, "delta": 100, "reason": "receipt"}),
        )
        .await
        .expect("receive");
        own.push((id, v["barcode"].as_str().expect("barcode").to_owned(), 1000));
    }
    own
}
