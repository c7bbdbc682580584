//! What the agent's integration tests share: a seeded till on loopback with
//! the hub unreachable, and small request helpers.
#![allow(dead_code)]

pub mod escpos;
pub mod labels;
pub mod messaging;
pub mod printer;

use edge_agent::config::AgentConfig;
use edge_agent::devices::serial::SerialScanner;
use edge_agent::printing::PrintSettings;
use edge_agent::store::{feed, LocalStore};
use pos_shared::staff::{hash_pin, Role, StaffRecord, PIN_SALT_LEN};
use pos_shared::sync::{
    Change, ChangeBody, DeviceCredential, FeedPage, MovementReason, MovementRecord, VariantRecord,
};
use pos_shared::{
    Gtin, Money, MovementId, ProductId, Qty, StaffId, StoreId, TenantId, TerminalId, Timestamp,
    VariantId,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

pub const TEA: &str = "8901234567890";
pub const RICE: &str = "4006381333931";

pub fn seed(dir: &Path) -> DeviceCredential {
    let credential = DeviceCredential {
        tenant_id: TenantId::new(),
        store_id: StoreId::new(),
        terminal_id: TerminalId::new(),
        terminal_name: "Till 1".into(),
        receipt_prefix: "T1".into(),
        token: "dev_test".into(),
    };
    edge_agent::sync::credential::save(dir, &credential).unwrap();
    let product = ProductId::new();
    let mut changes = vec![];
    for (i, (barcode, name, price)) in [(TEA, "Assam Tea 250 g", 14500), (RICE, "Rice (kg)", 6250)]
        .into_iter()
        .enumerate()
    {
        let variant = VariantRecord {
            variant_id: VariantId::new(),
            product_id: product,
            name: name.into(),
            sku: format!("SKU-{i}"),
            barcode: Gtin::parse(barcode).unwrap(),
            price: Money::inr(price),
            // Tea at MRP with 5 % GST inside; loose rice is exempt.
            tax: (barcode == TEA).then(|| pos_shared::tax::TaxClass {
                rate_bp: 500,
                inclusive: true,
                hsn: Some("0902".into()),
            }),
            modifiers: Vec::new(),
            placement: Default::default(),
            // Rice is sold loose, by the kilogram; tea by the packet.
            details: pos_shared::item::ItemDetails {
                unit: match barcode == RICE {
                    true => pos_shared::item::Unit::Kg,
                    false => pos_shared::item::Unit::Each,
                },
                ..Default::default()
            },
        };
        let stock = MovementRecord {
            movement_id: MovementId::new(),
            store_id: credential.store_id,
            variant_id: variant.variant_id,
            delta: Qty::units(10),
            reason: MovementReason::Receipt,
            sale_id: None,
            terminal_id: None,
            occurred_at: Timestamp::now(),
            batch: None,
        };
        changes.push(ChangeBody::VariantUpserted(variant));
        changes.push(ChangeBody::StockMoved(stock));
    }
    let page = FeedPage {
        protocol_version: 1,
        changes: changes
            .into_iter()
            .enumerate()
            .map(|(i, body)| Change {
                seq: i as u64 + 1,
                body,
            })
            .collect(),
        next_cursor: 4,
        has_more: false,
        cursor_mark: None,
    };
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    store
        .with_conn(|c| feed::apply_feed_page(c, credential.store_id, &page))
        .unwrap();
    credential
}

pub struct Till {
    pub base: String,
    pub http: reqwest::Client,
    pub agent: edge_agent::RunningAgent,
}

pub async fn start_till(dir: &Path) -> Till {
    start_till_with(dir, Vec::new(), PrintSettings::default()).await
}

pub async fn start_till_with(
    dir: &Path,
    serial_scanners: Vec<SerialScanner>,
    printing: PrintSettings,
) -> Till {
    start_till_full(dir, serial_scanners, printing, Default::default()).await
}

pub async fn start_till_full(
    dir: &Path,
    serial_scanners: Vec<SerialScanner>,
    printing: PrintSettings,
    sale_policy: edge_agent::pos::sale::SalePolicy,
) -> Till {
    start_till_config(dir, |config| {
        config.serial_scanners = serial_scanners;
        config.printing = printing;
        config.sale_policy = sale_policy;
    })
    .await
}

/// A till with the test defaults, changed by `adjust` (say, a LAN listener).
pub async fn start_till_config(dir: &Path, adjust: impl FnOnce(&mut AgentConfig)) -> Till {
    let mut config = AgentConfig {
        data_dir: dir.to_path_buf(),
        // Nothing listens on port 9 of loopback: the hub is down for this whole file.
        hub_url: "http://127.0.0.1:9".into(),
        hub_ca: None,
        allow_insecure_http: false,
        listen: "127.0.0.1:0".parse().unwrap(),
        lan: Default::default(),
        enroll_code: None,
        sync_interval: Duration::from_millis(100),
        max_backoff: Duration::from_millis(500),
        stall_after: edge_agent::sync::DEFAULT_STALL_AFTER,
        feed_wait_secs: 25,
        serial_scanners: Vec::new(),
        hid_scanners: Vec::new(),
        printing: PrintSettings::default(),
        sale_policy: Default::default(),
        upi: None,
        messages: Default::default(),
        wedge: Default::default(),
    };
    adjust(&mut config);
    let agent = edge_agent::start(config).await.unwrap();
    Till {
        base: format!("http://{}", agent.addr),
        http: reqwest::Client::new(),
        agent,
    }
}

impl Till {
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap())
    }

    pub async fn sell(&self, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}/v1/sales", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap())
    }

    /// A GET answered with text, such as a receipt preview.
    pub async fn text(&self, path: &str) -> String {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.text().await.unwrap()
    }

    pub async fn available(&self, barcode: &str) -> String {
        let (_, p) = self
            .get(&format!("/v1/products/by-barcode/{barcode}"))
            .await;
        p["available"].as_str().unwrap().to_owned()
    }
}

pub fn cash(minor: i64) -> Value {
    json!([{"method": "cash", "amount": {"minor": minor, "currency": "INR"}}])
}

/// A pseudo-terminal pair from socat: the agent opens `device` as its serial
/// port; the test plays the device on `host`.
pub struct PtyPair {
    child: std::process::Child,
}

impl PtyPair {
    pub fn start(dir: &Path) -> PtyPair {
        let pair = PtyPair {
            child: std::process::Command::new("socat")
                .arg(format!(
                    "pty,raw,echo=0,link={}",
                    dir.join("device").display()
                ))
                .arg(format!(
                    "pty,raw,echo=0,link={}",
                    dir.join("host").display()
                ))
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("socat is installed by scripts/test.sh"),
        };
        for _ in 0..100 {
            if dir.join("device").exists() && dir.join("host").exists() {
                return pair;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("socat did not create the pseudo-terminals");
    }

    pub fn write(&self, dir: &Path, bytes: &[u8]) {
        use std::io::Write;
        let mut host = std::fs::OpenOptions::new()
            .write(true)
            .open(dir.join("host"))
            .unwrap();
        host.write_all(bytes).unwrap();
        host.flush().unwrap();
    }
}

impl Drop for PtyPair {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// (sales, queued outbox entries, receipt counter) straight from the SQLite file.
/// Read through a second connection to the file (WAL allows it), as a support tool would.
pub fn on_disk(dir: &Path) -> (i64, i64, Option<String>) {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    store
        .with_conn(|c| {
            let sales: i64 = c.query_row("SELECT COUNT(*) FROM sales", [], |r| r.get(0))?;
            let queued = edge_agent::store::outbox::counts(c)?.queued as i64;
            let seq: Option<String> = c
                .query_row(
                    "SELECT value FROM meta WHERE key = 'receipt_seq'",
                    [],
                    |r| r.get(0),
                )
                .ok();
            Ok((sales, queued, seq))
        })
        .unwrap()
}

pub fn tender(method: &str, minor: i64, reference: Option<&str>) -> Value {
    let mut t = json!({"method": method, "amount": {"minor": minor, "currency": "INR"}});
    if let Some(r) = reference {
        t["reference"] = json!(r);
    }
    t
}

pub fn ean(body: &str) -> String {
    let gtin = Gtin::with_check_digit(body).unwrap();
    gtin.as_str().trim_start_matches('0').to_owned()
}

/// Applies changes to a seeded till's replica as the feed would, from `first_seq`.
pub fn apply_changes(dir: &Path, store_id: StoreId, first_seq: u64, bodies: Vec<ChangeBody>) {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    let changes: Vec<Change> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| Change {
            seq: first_seq + i as u64,
            body,
        })
        .collect();
    let page = FeedPage {
        protocol_version: 1,
        next_cursor: first_seq + changes.len() as u64 - 1,
        changes,
        has_more: false,
        cursor_mark: None,
    };
    store
        .with_conn(|c| feed::apply_feed_page(c, store_id, &page))
        .unwrap();
}

/// Adds items to a seeded till's replica as the feed would, after the seed's changes.
pub fn add_items(
    dir: &Path,
    store_id: StoreId,
    first_seq: u64,
    items: Vec<pos_shared::sync::VariantRecord>,
) {
    let bodies = items.into_iter().map(ChangeBody::VariantUpserted).collect();
    apply_changes(dir, store_id, first_seq, bodies);
}

pub const SOAP: &str = "8901058000023";

pub fn soap() -> pos_shared::sync::VariantRecord {
    pos_shared::sync::VariantRecord {
        variant_id: pos_shared::VariantId::new(),
        product_id: pos_shared::ProductId::new(),
        name: "Neem Soap".into(),
        sku: "SOAP-1".into(),
        barcode: Gtin::parse(SOAP).unwrap(),
        price: pos_shared::Money::inr(4000),
        tax: Some(pos_shared::tax::TaxClass {
            rate_bp: 1800,
            inclusive: false,
            hsn: Some("34011110".into()),
        }),
        modifiers: Vec::new(),
        placement: Default::default(),
        details: Default::default(),
    }
}

/// A member of staff as the hub sends them now: an Argon2id PHC string.
pub fn member(store: StoreId, code: &str, name: &str, role: Role, pin: &str) -> StaffRecord {
    let mut salt = [0u8; PIN_SALT_LEN];
    salt[..code.len()].copy_from_slice(code.as_bytes());
    StaffRecord {
        staff_id: StaffId::new(),
        store_id: store,
        name: name.into(),
        code: code.into(),
        role,
        pin_salt: String::new(),
        pin_hash: hash_pin(pin, &salt),
        active: true,
    }
}

pub fn paise(v: &Value) -> i64 {
    v["minor"].as_i64().unwrap()
}

pub async fn post_json(till: &Till, path: &str, body: Value) -> (StatusCode, Value) {
    let r = till
        .http
        .post(format!("{}{path}", till.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

pub fn inr(minor: i64) -> Value {
    json!({"minor": minor, "currency": "INR"})
}

pub async fn put_json(till: &Till, path: &str, body: Value) -> (StatusCode, Value) {
    let r = till
        .http
        .put(format!("{}{path}", till.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

/// A GS1 label: the item, its expiry (YYMMDD), its batch, and a weight in
/// grams when given.
pub fn gs1_label(barcode: &str, expiry: &str, batch: &str, grams: Option<u32>) -> String {
    let gtin = Gtin::parse(barcode).unwrap();
    let mut text = format!("]C101{}17{expiry}10{batch}", gtin.as_str());
    if let Some(g) = grams {
        text.push_str(&format!("\u{1d}3103{g:06}"));
    }
    text
}

/// A seeded item's id, by the start of its name, from the SQLite file.
pub fn variant_of(dir: &Path, name_starts: &str) -> VariantId {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    let id: String = store
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT id FROM variants WHERE name LIKE ?1 || '%'",
                [name_starts],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    id.parse().unwrap()
}

/// An item's stock in milli-units, from the SQLite file.
pub fn on_hand(dir: &Path, variant: VariantId) -> i64 {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    store
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT on_hand_milli FROM stock WHERE variant_id = ?1",
                [variant.to_string()],
                |r| r.get(0),
            )?)
        })
        .unwrap()
}

/// The outbox's facts of `event_type` in queue order, from the SQLite file.
pub fn queued(dir: &Path, event_type: &str) -> Vec<Value> {
    let store = LocalStore::open(&dir.join("edge.db")).unwrap();
    store
        .with_conn(|c| {
            let mut stmt =
                c.prepare("SELECT envelope FROM outbox WHERE event_type = ?1 ORDER BY seq")?;
            let rows = stmt
                .query_map([event_type], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .unwrap()
        .into_iter()
        .map(|e| serde_json::from_str::<Value>(&e).unwrap())
        .collect()
}
