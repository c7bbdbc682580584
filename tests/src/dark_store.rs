//! A dark store seeded at HQ, as the dark-store system test and the picker
//! screens' browser test both need it: stock in two tea lots, bins in two
//! zones, two pickers, picking stations, and delivery orders placed and
//! assigned to it.

use crate::{gtin, seed_demo, Hq, HqResult, DAL, MILK, RICE, TEA};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Bengaluru, HSR Layout: the dark store; the customer lives 1 km away.
pub const STORE_AT: (f64, f64) = (12.9116, 77.6389);
pub const HOME: (f64, f64) = (12.9200, 77.6400);
/// A second toor dal of the same category, offered when the first is short.
pub const ORGANIC_DAL: &str = "8901058000023";
/// The pickers: (name, staff code, PIN).
pub const PICKERS: [(&str, &str, &str); 2] = [("Asha", "201", "4821"), ("Bela", "202", "1357")];

/// What a 2D scanner sends for a GS1 DataMatrix: the item, its use-by
/// (`YYMMDD`) and its lot.
pub fn datamatrix(barcode: &str, use_by: &str, lot: &str) -> String {
    format!("]d201{}17{use_by}10{lot}", gtin(barcode))
}

pub struct DarkStore {
    pub store: String,
    /// Enrollment codes of its picking stations.
    pub codes: Vec<String>,
    /// Variant ids by 14-digit barcode.
    pub variants: BTreeMap<String, String>,
}

impl DarkStore {
    /// The variant id of `barcode`.
    pub fn variant(&self, barcode: &str) -> &str {
        &self.variants[&gtin(barcode)]
    }
}

/// The demo's variant ids by 14-digit barcode, from a store's stock.
async fn variants(hq: &Hq, store: &str) -> HqResult<BTreeMap<String, String>> {
    let inventory = hq.inventory(store).await?;
    Ok(inventory["positions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p["barcode"].as_str()?.to_owned(),
                p["variant_id"].as_str()?.to_owned(),
            ))
        })
        .collect())
}

/// The dark store with its stock, bins, pickers and `stations` picking
/// stations, in a tenant seeded with the demo catalog.
pub async fn seed(hq: &Hq, stations: usize) -> HqResult<DarkStore> {
    let (shop, _) = seed_demo(hq, 0).await?;
    let mut ids = variants(hq, &shop).await?;
    let created: Value = hq
        .post(
            "/v1/stores",
            &json!({"code": "BLR-D1", "name": "HSR dark store", "currency": "INR", "kind": "dark_store"}),
        )
        .await?;
    let store = created["id"].as_str().expect("a store id").to_owned();
    hq.set_fulfilment(
        &store,
        &json!({"lat": STORE_AT.0, "lon": STORE_AT.1, "delivery_radius_m": 5000,
                "order_capacity": 50, "sla_minutes": 20}),
    )
    .await?;
    let dal_category = hq
        .categories()
        .await?
        .into_iter()
        .find(|c| c.name == "Rice & Dal")
        .expect("the demo's Rice & Dal category")
        .category_id;
    let product = hq
        .create_product(
            &json!({"name": "Organic Toor Dal 1 kg", "category_id": dal_category,
            "variants": [{"sku": "DAL-ORG-1KG", "barcode": ORGANIC_DAL,
                          "price": {"minor": 18_000, "currency": "INR"}}]}),
        )
        .await?;
    let organic = product["variants"][0]["variant_id"]
        .as_str()
        .expect("a variant id")
        .to_owned();
    ids.insert(gtin(ORGANIC_DAL), organic.clone());
    let id = |code: &str| ids[&gtin(code)].clone();
    let (tea, dal, milk, rice) = (id(TEA), id(DAL), id(MILK), id(RICE));
    // Tea in two lots: two packs that expire first, eight later.
    for (qty, lot, expires) in [("2", "L1", "2027-01-31"), ("8", "L2", "2027-06-30")] {
        hq.post_movement(
            &store,
            &json!({"variant_id": tea, "delta": qty, "reason": "receipt",
                    "batch": {"code": lot, "expires_on": expires}}),
        )
        .await?;
    }
    for (variant, qty) in [(&dal, "2"), (&milk, "10"), (&rice, "20"), (&organic, "5")] {
        hq.receive_stock(&store, variant, qty).await?;
    }
    for (bin, zone) in [
        ("A-01", "ambient"),
        ("A-02", "ambient"),
        ("B-05", "ambient"),
        ("C-01", "chilled"),
    ] {
        hq.put_bin(&store, bin, zone).await?;
    }
    for (variant, bin) in [
        (&tea, "A-01"),
        (&dal, "A-02"),
        (&organic, "A-02"),
        (&rice, "B-05"),
        (&milk, "C-01"),
    ] {
        hq.slot(&store, variant, bin).await?;
    }
    for (name, code, pin) in PICKERS {
        hq.create_staff(&store, name, code, "cashier", pin).await?;
    }
    let mut codes = Vec::new();
    for n in 1..=stations {
        codes.push(
            hq.create_terminal(&store, &format!("Pick station {n}"), &format!("P{n}"))
                .await?
                .enrollment_code,
        );
    }
    Ok(DarkStore {
        store,
        codes,
        variants: ids,
    })
}

/// Places a delivery order for the customer at [`HOME`] and steps it to
/// `assigned_to_store` (the store nearest is the dark store); its id.
pub async fn place(hq: &Hq, key: &str, lines: Value) -> HqResult<String> {
    let order: Value = hq
        .post(
            "/v1/orders",
            &json!({"idempotency_key": key, "channel": "app", "lines": lines,
            "customer": {"lat": HOME.0, "lon": HOME.1, "contact": "+91 98450 00000"}}),
        )
        .await?;
    let id = order["id"].as_str().expect("an order id").to_owned();
    hq.step_order(&id, "confirmed").await?;
    hq.step_order(&id, "assigned_to_store").await?;
    Ok(id)
}
