//! Shared by the system tests and the demo: HQ as `hq_client` drives the
//! hub's real HTTP API, and the small demo catalog that seeds a store.

pub mod dark_store;

use hq_client::catalog::first_variant_id;
pub use hq_client::{HqClient as Hq, HqError, HqResult};
use serde_json::json;

/// Starts a hub as production does (`cloud_hub::start`, every background
/// task) on an SQLite file, on a free loopback port, with `admin_token`.
pub async fn start_hub(
    database: &std::path::Path,
    admin_token: &str,
) -> Result<cloud_hub::RunningHub, String> {
    let url = format!("sqlite://{}", database.display());
    cloud_hub::start(cloud_hub::config::HubConfig {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        admin_token: Some(pos_shared::Secret::new(admin_token)),
        secret_key: cloud_hub::config::SecretKeySource::File(database.with_extension("key")),
        ..cloud_hub::config::HubConfig::new(url)
    })
    .await
}

/// Creates a tenant with the hub's admin token and acts as its HQ.
pub async fn create_tenant(base: &str, admin_token: &str, name: &str) -> HqResult<Hq> {
    Hq::new(base)?
        .with_credential(admin_token)
        .as_new_tenant(name)
        .await
}

/// Creates a one-variant product for `item` in `category` under `brand`
/// (ids), with its synonyms, extra barcodes and quick key; returns the
/// variant id.
pub async fn create_placed_item(
    hq: &Hq,
    item: &DemoItem,
    category: Option<&str>,
    brand: Option<&str>,
) -> HqResult<String> {
    let mut variant = json!({"sku": item.sku, "barcode": item.barcode,
        "barcodes": item.extra_barcodes, "quick_key": item.quick_key, "unit": item.unit,
        "price": {"minor": item.price_paise, "currency": "INR"}});
    if let Some(rate_bp) = item.gst_bp {
        variant["tax"] = json!({"rate_bp": rate_bp, "inclusive": true});
    }
    let product = hq
        .create_product(&json!({"name": item.name, "category_id": category,
            "brand_id": brand, "synonyms": item.synonyms, "variants": [variant]}))
        .await?;
    first_variant_id(&product)
}

pub struct DemoItem {
    pub name: &'static str,
    pub sku: &'static str,
    pub barcode: &'static str,
    pub price_paise: i64,
    /// What its quantities count: `each` (whole pieces) or `kg` (sold loose).
    pub unit: &'static str,
    pub stock: &'static str,
    /// GST in basis points, included in the price (MRP); none if exempt.
    pub gst_bp: Option<u32>,
    /// Its category (a name of [`DEMO_CATEGORIES`]) and brand.
    pub category: &'static str,
    pub brand: Option<&'static str>,
    pub synonyms: &'static [&'static str],
    pub extra_barcodes: &'static [&'static str],
    pub quick_key: Option<u16>,
}

/// The demo's category tree: (name, parent name), parents first.
pub const DEMO_CATEGORIES: &[(&str, Option<&str>)] = &[
    ("Staples", None),
    ("Rice & Dal", Some("Staples")),
    ("Beverages", None),
    ("Dairy", None),
];

/// Barcodes of the demo catalog the tests name.
pub const TEA: &str = "8901234567890";
pub const RICE: &str = "4006381333931";
pub const DAL: &str = "8901058000016";
pub const MILK: &str = "8901262010016";

/// The 14-digit form of a barcode, as the hub keys positions.
pub fn gtin(code: &str) -> String {
    pos_shared::Gtin::parse(code)
        .expect("a valid barcode")
        .as_str()
        .to_owned()
}

/// A small kirana catalog with valid EAN-13 barcodes.
pub const DEMO_CATALOG: &[DemoItem] = &[
    DemoItem {
        name: "Assam Tea 250 g",
        sku: "TEA-250",
        barcode: "8901234567890",
        price_paise: 14500,
        unit: "each",
        stock: "100",
        gst_bp: Some(500),
        category: "Beverages",
        brand: Some("Tata Tea"),
        synonyms: &["chai"],
        // The case of 12's outer barcode.
        extra_barcodes: &["96385074"],
        quick_key: Some(1),
    },
    DemoItem {
        name: "Sona Masoori Rice (per kg)",
        sku: "RICE-KG",
        barcode: "4006381333931",
        price_paise: 6250,
        unit: "kg",
        stock: "250.5",
        gst_bp: None,
        category: "Rice & Dal",
        brand: None,
        synonyms: &["chawal"],
        extra_barcodes: &[],
        quick_key: Some(1),
    },
    DemoItem {
        name: "Toor Dal 1 kg",
        sku: "DAL-1KG",
        barcode: "8901058000016",
        price_paise: 16900,
        unit: "each",
        stock: "60",
        gst_bp: Some(500),
        category: "Rice & Dal",
        brand: Some("Tata Sampann"),
        synonyms: &["arhar", "pigeon pea"],
        extra_barcodes: &[],
        quick_key: Some(2),
    },
    DemoItem {
        name: "Milk 500 ml",
        sku: "MILK-500",
        barcode: "8901262010016",
        price_paise: 3000,
        unit: "each",
        stock: "40",
        gst_bp: None,
        category: "Dairy",
        brand: Some("Amul"),
        synonyms: &["doodh"],
        extra_barcodes: &[],
        quick_key: None,
    },
];

/// Creates a store, the demo catalog with opening stock, and `tills` terminals;
/// returns the store id and one enrollment code per till.
pub async fn seed_demo(hq: &Hq, tills: usize) -> HqResult<(String, Vec<String>)> {
    let store = hq
        .create_store("BLR-01", "Indiranagar", "INR")
        .await?
        .id
        .to_string();
    let mut categories: Vec<(&str, pos_shared::CategoryId)> = Vec::new();
    for (position, (name, parent)) in DEMO_CATEGORIES.iter().enumerate() {
        let parent = parent.and_then(|p| categories.iter().find(|(n, _)| *n == p));
        let created = hq
            .create_category(name, parent.map(|(_, id)| *id), Some(position as u32))
            .await?;
        categories.push((name, created.category_id));
    }
    let mut brands: Vec<(&str, String)> = Vec::new();
    for item in DEMO_CATALOG {
        let category = categories
            .iter()
            .find(|(n, _)| *n == item.category)
            .map(|(_, id)| id.to_string());
        let brand = match item.brand {
            None => None,
            Some(name) => match brands.iter().find(|(n, _)| *n == name) {
                Some((_, id)) => Some(id.clone()),
                None => {
                    let id = hq.create_brand(name).await?.brand_id.to_string();
                    brands.push((name, id.clone()));
                    Some(id)
                }
            },
        };
        let variant = create_placed_item(hq, item, category.as_deref(), brand.as_deref()).await?;
        hq.receive_stock(&store, &variant, item.stock).await?;
    }
    let mut codes = Vec::with_capacity(tills);
    for n in 1..=tills {
        codes.push(
            hq.create_terminal(&store, &format!("Till {n}"), &format!("T{n}"))
                .await?
                .enrollment_code,
        );
    }
    Ok((store, codes))
}

/// The demo's supplier, Sharma Traders, and an order to it for `store`: 24
/// packets of tea and 10 kg-packs of dal, due in two days. Returns the
/// order as the hub answered.
pub async fn seed_demo_purchase(hq: &Hq, store: &str) -> HqResult<serde_json::Value> {
    let inventory = hq.inventory(store).await?;
    let variant = |code: &str| -> Option<serde_json::Value> {
        let gtin = pos_shared::Gtin::parse(code).ok()?;
        inventory["positions"]
            .as_array()?
            .iter()
            .find(|p| p["barcode"] == gtin.as_str())
            .map(|p| p["variant_id"].clone())
    };
    let supplier: serde_json::Value = hq
        .post(
            "/v1/suppliers",
            &json!({"name": "Sharma Traders", "phone": "+91 80 4000 1234"}),
        )
        .await?;
    let due = pos_shared::Timestamp::from_unix_millis(
        pos_shared::Timestamp::now().unix_millis() + 2 * 86_400_000,
    )
    .to_string();
    hq.post(
        &format!("/v1/stores/{store}/purchase-orders"),
        &json!({"supplier_id": supplier["supplier_id"], "expected_on": due.get(..10), "lines": [
            {"variant_id": variant(TEA), "qty": "24", "unit_cost_minor": 11000},
            {"variant_id": variant(DAL), "qty": "10", "unit_cost_minor": 12500}
        ]}),
    )
    .await
}

/// Another store of the chain with one till; its id and the till's
/// enrollment code.
pub async fn store_with_till(
    hq: &Hq,
    code: &str,
    name: &str,
    prefix: &str,
) -> HqResult<(String, String)> {
    let store = hq.create_store(code, name, "INR").await?.id.to_string();
    let enroll = hq
        .create_terminal(&store, "Till 1", prefix)
        .await?
        .enrollment_code;
    Ok((store, enroll))
}

/// The id of the item with `barcode`, from `store`'s inventory.
pub async fn variant_at(hq: &Hq, store: &str, barcode: &str) -> HqResult<String> {
    let inventory = hq.inventory(store).await?;
    let gtin = pos_shared::Gtin::parse(barcode)
        .map(|g| g.as_str().to_owned())
        .unwrap_or_default();
    Ok(inventory["positions"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["barcode"] == gtin.as_str()))
        .and_then(|p| p["variant_id"].as_str())
        .unwrap_or_default()
        .to_owned())
}

/// The demo's transfers for `store`: a second store of the chain (the HSR
/// dark store, with its own stock of tea), a transfer of 12 tea from it on
/// its way to `store`, and HQ's request that `store` send it 6 dal. Returns
/// the second store's id.
pub async fn seed_demo_transfers(hq: &Hq, store: &str) -> HqResult<String> {
    let hsr = hq
        .create_store("BLR-02", "HSR dark store", "INR")
        .await?
        .id
        .to_string();
    let tea = variant_at(hq, store, TEA).await?;
    hq.receive_stock(&hsr, &tea, "40").await?;
    let _: serde_json::Value = hq
        .post(
            &format!("/v1/stores/{hsr}/transfers"),
            &json!({"to_store_id": store, "variant_id": tea, "qty": "12", "note": "weekend restock"}),
        )
        .await?;
    let _: serde_json::Value = hq
        .post(
            &format!("/v1/stores/{store}/transfer-requests"),
            &json!({"to_store_id": hsr, "variant_id": variant_at(hq, store, DAL).await?, "qty": "6"}),
        )
        .await?;
    Ok(hsr)
}
