//! Shared by the system tests and the demo: an HQ client that drives the hub's
//! real HTTP API, and the small demo catalog.

use reqwest::StatusCode;
use serde_json::{json, Value};

/// An HQ user of one tenant, talking to the hub over HTTP.
#[derive(Clone)]
pub struct Hq {
    http: reqwest::Client,
    base: String,
    pub api_key: String,
}

/// A request that did not get the status expected, with the hub's problem body.
#[derive(Debug)]
pub struct HqError(pub String);

impl std::fmt::Display for HqError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HqError {}

pub type HqResult<T> = Result<T, HqError>;

impl Hq {
    /// Creates a tenant with the hub's admin token and acts as its HQ.
    pub async fn create_tenant(base: &str, admin_token: &str, name: &str) -> HqResult<Hq> {
        let http = reqwest::Client::new();
        let hq = Hq {
            http,
            base: base.trim_end_matches('/').to_owned(),
            api_key: admin_token.to_owned(),
        };
        let tenant = hq
            .call(
                reqwest::Method::POST,
                "/v1/admin/tenants",
                Some(json!({"name": name})),
                StatusCode::CREATED,
            )
            .await?;
        let api_key = tenant["api_key"]
            .as_str()
            .ok_or_else(|| HqError(format!("no api_key in {tenant}")))?;
        Ok(Hq {
            api_key: api_key.to_owned(),
            ..hq
        })
    }

    /// Invites a person (this HQ must be an owner), lets them take the
    /// invitation up with `password`, and acts as them with their session.
    pub async fn add_user(
        &self,
        email: &str,
        name: &str,
        role: &str,
        password: &str,
    ) -> HqResult<Hq> {
        let invited = self
            .call(
                reqwest::Method::POST,
                "/v1/users",
                Some(json!({"email": email, "name": name, "role": role})),
                StatusCode::CREATED,
            )
            .await?;
        let code = invited["invitation_code"]
            .as_str()
            .ok_or_else(|| HqError(format!("no invitation_code in {invited}")))?;
        let session = self
            .call(
                reqwest::Method::POST,
                "/v1/invitations/accept",
                Some(json!({"code": code, "password": password})),
                StatusCode::CREATED,
            )
            .await?;
        let token = session["token"]
            .as_str()
            .ok_or_else(|| HqError(format!("no token in {session}")))?;
        Ok(Hq {
            api_key: token.to_owned(),
            ..self.clone()
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        expect: StatusCode,
    ) -> HqResult<Value> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.api_key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| HqError(format!("{method} {path}: {e}")))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| HqError(format!("{method} {path}: {e}")))?;
        // A 204 has no body at all.
        let value: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| HqError(format!("{method} {path}: {e}")))?
        };
        if status != expect {
            return Err(HqError(format!("{method} {path}: {status}: {value}")));
        }
        Ok(value)
    }

    pub async fn create_store(&self, code: &str, name: &str) -> HqResult<String> {
        let store = self
            .call(
                reqwest::Method::POST,
                "/v1/stores",
                Some(json!({"code": code, "name": name})),
                StatusCode::CREATED,
            )
            .await?;
        Ok(store["id"].as_str().unwrap_or_default().to_owned())
    }

    /// Creates a terminal and returns its one-time enrollment code.
    pub async fn create_terminal(&self, store: &str, name: &str, prefix: &str) -> HqResult<String> {
        let t = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/stores/{store}/terminals"),
                Some(json!({"name": name, "receipt_prefix": prefix})),
                StatusCode::CREATED,
            )
            .await?;
        Ok(t["enrollment_code"].as_str().unwrap_or_default().to_owned())
    }

    /// Creates a category (under `parent`, if given); returns its id.
    pub async fn create_category(
        &self,
        name: &str,
        parent: Option<&str>,
        position: u32,
    ) -> HqResult<String> {
        let c = self
            .call(
                reqwest::Method::POST,
                "/v1/categories",
                Some(json!({"name": name, "parent_id": parent, "position": position})),
                StatusCode::CREATED,
            )
            .await?;
        Ok(c["category_id"].as_str().unwrap_or_default().to_owned())
    }

    /// Renames, reorders or moves a category.
    pub async fn update_category(
        &self,
        id: &str,
        name: &str,
        parent: Option<&str>,
        position: u32,
    ) -> HqResult<Value> {
        self.call(
            reqwest::Method::PUT,
            &format!("/v1/categories/{id}"),
            Some(json!({"name": name, "parent_id": parent, "position": position})),
            StatusCode::OK,
        )
        .await
    }

    /// Schedules a price window for a variant (`body`: price, store_id,
    /// effective_from, …); returns the window.
    pub async fn schedule_price(&self, variant: &str, body: Value) -> HqResult<Value> {
        self.call(
            reqwest::Method::POST,
            &format!("/v1/variants/{variant}/prices"),
            Some(body),
            StatusCode::CREATED,
        )
        .await
    }

    pub async fn create_brand(&self, name: &str) -> HqResult<String> {
        let b = self
            .call(
                reqwest::Method::POST,
                "/v1/brands",
                Some(json!({"name": name})),
                StatusCode::CREATED,
            )
            .await?;
        Ok(b["brand_id"].as_str().unwrap_or_default().to_owned())
    }

    /// Creates a one-variant product, without brand or category; returns the
    /// variant id.
    pub async fn create_item(&self, item: &DemoItem) -> HqResult<String> {
        self.create_placed_item(item, None, None).await
    }

    /// Creates a one-variant product in `category` under `brand` (ids), with
    /// the item's synonyms, extra barcodes and quick key; returns the variant id.
    pub async fn create_placed_item(
        &self,
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
        let p = self
            .call(
                reqwest::Method::POST,
                "/v1/products",
                Some(
                    json!({"name": item.name, "category_id": category, "brand_id": brand,
                    "synonyms": item.synonyms, "variants": [variant]}),
                ),
                StatusCode::CREATED,
            )
            .await?;
        Ok(p["variants"][0]["variant_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// Creates a product from its full JSON body; returns the hub's answer.
    pub async fn post_product(&self, body: Value) -> HqResult<Value> {
        self.call(
            reqwest::Method::POST,
            "/v1/products",
            Some(body),
            StatusCode::CREATED,
        )
        .await
    }

    /// Creates a one-variant product; returns the variant id.
    pub async fn create_product(
        &self,
        name: &str,
        sku: &str,
        barcode: &str,
        price_paise: i64,
    ) -> HqResult<String> {
        let body = json!({"name": name, "variants": [{"sku": sku, "barcode": barcode, "price": {"minor": price_paise, "currency": "INR"}}]});
        let p = self.post_product(body).await?;
        Ok(p["variants"][0]["variant_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub async fn receive_stock(&self, store: &str, variant: &str, qty: &str) -> HqResult<()> {
        let body = json!({"variant_id": variant, "delta": qty, "reason": "receipt"});
        self.call(
            reqwest::Method::POST,
            &format!("/v1/stores/{store}/movements"),
            Some(body),
            StatusCode::CREATED,
        )
        .await?;
        Ok(())
    }

    /// Changes a variant's details (`PATCH /v1/variants/{id}`).
    pub async fn edit_variant(&self, variant: &str, changes: Value) -> HqResult<Value> {
        self.call(
            reqwest::Method::PATCH,
            &format!("/v1/variants/{variant}"),
            Some(changes),
            StatusCode::OK,
        )
        .await
    }

    /// Deletes a variant from the catalog; tills hear a tombstone.
    pub async fn delete_variant(&self, variant: &str) -> HqResult<()> {
        let path = format!("/v1/variants/{variant}");
        self.call(reqwest::Method::DELETE, &path, None, StatusCode::NO_CONTENT)
            .await?;
        Ok(())
    }

    pub async fn restore_variant(&self, variant: &str) -> HqResult<Value> {
        let path = format!("/v1/variants/{variant}/restore");
        self.call(reqwest::Method::POST, &path, None, StatusCode::OK)
            .await
    }

    pub async fn set_price(&self, variant: &str, paise: i64) -> HqResult<()> {
        let body = json!({"price": {"minor": paise, "currency": "INR"}});
        self.call(
            reqwest::Method::PUT,
            &format!("/v1/variants/{variant}/price"),
            Some(body),
            StatusCode::OK,
        )
        .await?;
        Ok(())
    }

    /// The facts the store's tills set aside because the hub refused them.
    pub async fn quarantine(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "quarantine").await
    }

    /// HQ's decision on a quarantined fact: `resend` or `write-off`.
    pub async fn decide_quarantined(
        &self,
        store: &str,
        terminal: &str,
        event_id: &str,
        decision: &str,
        note: &str,
    ) -> HqResult<Value> {
        self.call(
            reqwest::Method::POST,
            &format!("/v1/stores/{store}/quarantine/{terminal}/{event_id}/{decision}"),
            Some(serde_json::json!({ "note": note })),
            StatusCode::OK,
        )
        .await
    }

    /// Withdraws a till's credential.
    pub async fn revoke_terminal(&self, store: &str, terminal: &str) -> HqResult<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/v1/stores/{store}/terminals/{terminal}/revoke"),
            None,
            StatusCode::NO_CONTENT,
        )
        .await
        .map(drop)
    }

    /// The store's terminals with their sync status.
    pub async fn terminals(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "terminals").await
    }

    /// A store document as the hub saved it (Automerge format).
    pub async fn document(&self, store: &str, purpose: &str) -> HqResult<Vec<u8>> {
        let url = format!("{}/v1/stores/{store}/documents/{purpose}", self.base);
        let resp = self
            .http
            .get(&url)
            .bearer_auth(&self.api_key)
            .send()
            .await
            .map_err(|e| HqError(format!("GET {url}: {e}")))?;
        if resp.status() != StatusCode::OK {
            return Err(HqError(format!("GET {url}: {}", resp.status())));
        }
        Ok(resp
            .bytes()
            .await
            .map_err(|e| HqError(e.to_string()))?
            .to_vec())
    }

    /// `GET /v1/stores/{store}/{what}`, a JSON list.
    /// A store's list, whole: a plain array, or every page of a paged one.
    async fn store_list(&self, store: &str, what: &str) -> HqResult<Vec<Value>> {
        let mut items = Vec::new();
        let mut path = format!("/v1/stores/{store}/{what}");
        loop {
            let v = self
                .call(reqwest::Method::GET, &path, None, StatusCode::OK)
                .await?;
            let Some(page) = v["items"].as_array() else {
                return Ok(v.as_array().cloned().unwrap_or_default());
            };
            items.extend(page.iter().cloned());
            match v["next_cursor"].as_str() {
                Some(next) => path = format!("/v1/stores/{store}/{what}?cursor={next}"),
                None => return Ok(items),
            }
        }
    }

    pub async fn inventory(&self, store: &str) -> HqResult<Value> {
        self.call(
            reqwest::Method::GET,
            &format!("/v1/stores/{store}/inventory"),
            None,
            StatusCode::OK,
        )
        .await
    }

    pub async fn sales(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "sales").await
    }

    /// Adds a member of staff to the store; returns their id.
    pub async fn create_staff(
        &self,
        store: &str,
        name: &str,
        code: &str,
        role: &str,
        pin: &str,
    ) -> HqResult<String> {
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/stores/{store}/staff"),
                Some(json!({"name": name, "code": code, "role": role, "pin": pin})),
                StatusCode::CREATED,
            )
            .await?;
        Ok(v["staff_id"].as_str().unwrap_or_default().to_owned())
    }

    pub async fn deactivate_staff(&self, staff: &str) -> HqResult<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/v1/staff/{staff}/deactivate"),
            Some(json!({})),
            StatusCode::OK,
        )
        .await
        .map(|_| ())
    }

    /// The store's till audit entries, in the order they reached the hub.
    pub async fn audit(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "audit").await
    }

    /// The store's closed shifts (Z reports), in the order they reached the hub.
    pub async fn shifts(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "shifts").await
    }

    pub async fn movements(&self, store: &str) -> HqResult<Vec<Value>> {
        self.store_list(store, "movements").await
    }
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
    let store = hq.create_store("BLR-01", "Indiranagar").await?;
    let mut categories: Vec<(&str, String)> = Vec::new();
    for (position, (name, parent)) in DEMO_CATEGORIES.iter().enumerate() {
        let parent = parent.and_then(|p| categories.iter().find(|(n, _)| *n == p));
        let id = hq
            .create_category(name, parent.map(|(_, id)| id.as_str()), position as u32)
            .await?;
        categories.push((name, id));
    }
    let mut brands: Vec<(&str, String)> = Vec::new();
    for item in DEMO_CATALOG {
        let category = categories
            .iter()
            .find(|(n, _)| *n == item.category)
            .map(|(_, id)| id.as_str());
        let brand = match item.brand {
            None => None,
            Some(name) => match brands.iter().find(|(n, _)| *n == name) {
                Some((_, id)) => Some(id.clone()),
                None => {
                    let id = hq.create_brand(name).await?;
                    brands.push((name, id.clone()));
                    Some(id)
                }
            },
        };
        let variant = hq
            .create_placed_item(item, category, brand.as_deref())
            .await?;
        hq.receive_stock(&store, &variant, item.stock).await?;
    }
    let mut codes = Vec::with_capacity(tills);
    for n in 1..=tills {
        codes.push(
            hq.create_terminal(&store, &format!("Till {n}"), &format!("T{n}"))
                .await?,
        );
    }
    Ok((store, codes))
}
