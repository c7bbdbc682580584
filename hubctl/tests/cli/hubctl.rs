//! `hubctl` run as HQ runs it: the real binary against a real hub, on both
//! backends, with its output and exit code checked and the hub's state read
//! back through the API.

use crate::helpers::{shop, spawn_hub, Backend, Shop, ADMIN_TOKEN, TEA};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

pub(crate) fn command(base: &str, key: Option<&str>, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hubctl"));
    cmd.args(args)
        .env("HUB_URL", base)
        .env_remove("HUB_API_KEY")
        .env_remove("HUB_ADMIN_TOKEN");
    if let Some(key) = key {
        cmd.env("HUB_API_KEY", key);
    }
    cmd
}

pub(crate) async fn hubctl(base: &str, key: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = command(base, key, args);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run hubctl"))
        .await
        .expect("join");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn set_up_a_chain_from_nothing(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let base = hub.base.clone();

    let refused = hubctl(
        &base,
        None,
        &["tenant", "create", "Acme", "--admin-token", "wrong"],
    )
    .await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("401"), "{}", refused.stderr);

    let created = hubctl(
        &base,
        None,
        &[
            "--json",
            "tenant",
            "create",
            "Acme Retail",
            "--admin-token",
            ADMIN_TOKEN,
        ],
    )
    .await;
    assert_eq!(created.code, 0, "{}", created.stderr);
    let owner = created.json()["api_key"].as_str().expect("key").to_owned();

    let down = hubctl("http://127.0.0.1:9", Some("k"), &["store", "list"]).await;
    assert_eq!(down.code, 1);
    assert!(
        down.stderr
            .contains("cannot reach the hub at http://127.0.0.1:9"),
        "{}",
        down.stderr
    );

    let no_key = hubctl(&base, None, &["store", "list"]).await;
    assert_eq!(no_key.code, 2, "{}", no_key.stderr);
    assert!(no_key.stderr.contains("HUB_API_KEY"), "{}", no_key.stderr);

    for (code, name) in [
        ("BLR-01", "Indiranagar"),
        ("BLR-02", "Koramangala dark store"),
    ] {
        let store = hubctl(
            &base,
            Some(&owner),
            &["store", "create", "--code", code, "--name", name],
        )
        .await;
        assert_eq!(store.code, 0, "{}", store.stderr);
    }
    let clash = hubctl(
        &base,
        Some(&owner),
        &["store", "create", "--code", "BLR-01", "--name", "x"],
    )
    .await;
    assert_eq!(clash.code, 1);
    assert!(
        clash.stderr.contains("409") && clash.stderr.contains("code"),
        "{}",
        clash.stderr
    );
    let list = hubctl(&base, Some(&owner), &["store", "list"]).await;
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert!(lines[0].starts_with("CODE"), "{}", list.stdout);
    assert!(
        lines[1].starts_with("BLR-01") && lines[1].contains("open"),
        "{}",
        list.stdout
    );
    assert!(lines[2].starts_with("BLR-02"), "{}", list.stdout);

    let issued = hubctl(
        &base,
        Some(&owner),
        &[
            "--json",
            "key",
            "create",
            "--label",
            "Night manager",
            "--role",
            "store_manager",
            "--store",
            "blr-02",
        ],
    )
    .await;
    assert_eq!(issued.code, 0, "{}", issued.stderr);
    let manager = issued.json();
    assert_eq!(manager["role"], "store_manager");
    assert_eq!(manager["store_ids"].as_array().map(Vec::len), Some(1));
    // A store-limited key sees only its store.
    let seen = hubctl(
        &base,
        manager["api_key"].as_str(),
        &["--json", "store", "list"],
    )
    .await;
    let seen = seen.json();
    assert_eq!(seen.as_array().map(Vec::len), Some(1), "{seen}");
    assert_eq!(seen[0]["code"], "BLR-02");
    // A store it does not reach is named as out of its reach, not as missing
    // from the chain.
    let elsewhere = hubctl(&base, manager["api_key"].as_str(), &["stock", "BLR-01"]).await;
    assert_eq!(elsewhere.code, 2, "{}", elsewhere.stderr);
    assert!(
        elsewhere.stderr.contains("\"BLR-01\"") && elsewhere.stderr.contains("this key reaches"),
        "{}",
        elsewhere.stderr
    );

    let bad_role = hubctl(
        &base,
        Some(&owner),
        &["key", "create", "--label", "x", "--role", "boss"],
    )
    .await;
    assert_eq!(bad_role.code, 1);
    assert!(bad_role.stderr.contains("role"), "{}", bad_role.stderr);
    let keys = hubctl(&base, Some(&owner), &["key", "list"]).await;
    assert!(
        keys.stdout.contains("Night manager") && keys.stdout.contains("store_manager"),
        "{}",
        keys.stdout
    );
    let key_id = manager["key_id"].as_str().unwrap();
    let revoked = hubctl(&base, Some(&owner), &["key", "revoke", key_id]).await;
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    let after = hubctl(&base, manager["api_key"].as_str(), &["store", "list"]).await;
    assert_eq!(after.code, 1, "a revoked key no longer works");
}
on_both_backends!(set_up_a_chain_from_nothing);

const CATALOG: &str = "\
sku,name,barcode,price,barcodes,brand,category,tax_rate,hsn,synonyms,stock
MILK-500,Toned milk 500 ml,8901000000019,28,,Amul,Dairy > Milk,5,0401,doodh,40
CURD-400,Curd 400 g,8901000000026,35.50,8901000000057,Amul,Dairy > Curd,5,,dahi,12
SALT-1KG,Iodised salt 1 kg,8901000000033,25,,,Staples,0,,,0
BAD-GTIN,Broken barcode,8901000000034,10,,,,,,,
CLASH,Same barcode as milk,8901000000019,10,,,,,,,
";

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write file");
    path.display().to_string()
}

async fn catalog_by_sku(shop: &Shop) -> std::collections::HashMap<String, Value> {
    let (status, page) = shop.hub.get("/v1/catalog?limit=500", &shop.api_key).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["sku"].as_str().unwrap().to_owned(), v.clone()))
        .collect()
}

async fn on_hand(shop: &Shop, sku: &str) -> String {
    let (_, inventory) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/inventory", shop.store_id),
            &shop.api_key,
        )
        .await;
    let position = inventory["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == sku)
        .unwrap_or_else(|| panic!("{sku} not in {inventory}"));
    position["on_hand"].as_str().unwrap().to_owned()
}

async fn a_catalog_file_is_imported_and_reimported(backend: Backend) {
    let shop = shop(backend).await;
    let base = shop.hub.base.clone();
    let key = shop.api_key.clone();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "catalog.csv", CATALOG);

    let run = hubctl(
        &base,
        Some(&key),
        &["--json", "import", &file, "--store", "blr-1"],
    )
    .await;
    assert_eq!(run.code, 1, "two rows fail: {}", run.stderr);
    assert!(
        run.stderr.contains("importing: 3/3 rows (100%)"),
        "{}",
        run.stderr
    );
    let summary = run.json();
    assert_eq!(
        (
            &summary["rows"],
            &summary["created"],
            &summary["updated"],
            &summary["unchanged"],
            &summary["stock_set"]
        ),
        (&json!(5), &json!(3), &json!(0), &json!(0), &json!(2)),
        "{summary}"
    );
    let failed: Vec<(u64, &str, &str)> = summary["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["sku"].as_str().unwrap(),
                f["column"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        vec![(5, "BAD-GTIN", "barcode"), (6, "CLASH", "barcode")]
    );

    let catalog = catalog_by_sku(&shop).await;
    let milk = &catalog["MILK-500"];
    assert_eq!(milk["price"], json!({"minor": 2800, "currency": "INR"}));
    assert_eq!(milk["brand"], "Amul");
    assert_eq!(
        milk["tax"],
        json!({"rate_bp": 500, "inclusive": true, "hsn": "0401"})
    );
    assert_eq!(milk["synonyms"], json!(["doodh"]));
    let curd = &catalog["CURD-400"];
    assert_eq!(curd["price"]["minor"], 3550);
    assert_eq!(curd["extra_barcodes"], json!(["08901000000057"]));
    assert!(!catalog.contains_key("CLASH") && !catalog.contains_key("BAD-GTIN"));
    let (_, categories) = shop.hub.get("/v1/categories", &key).await;
    let names: Vec<&str> = categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.iter().filter(|n| **n == "Dairy").count(),
        1,
        "one Dairy for both rows: {names:?}"
    );
    let dairy = categories
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Dairy")
        .unwrap();
    let milk_category = categories
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Milk")
        .unwrap();
    assert_eq!(milk_category["parent_id"], dairy["category_id"]);
    assert_eq!(milk["category_id"], milk_category["category_id"]);
    assert_eq!(on_hand(&shop, "MILK-500").await, "40");
    assert_eq!(on_hand(&shop, "CURD-400").await, "12");

    // The same file again: nothing changes, nothing is counted twice.
    let again = hubctl(
        &base,
        Some(&key),
        &["--json", "import", &file, "--store", "BLR-1"],
    )
    .await;
    let summary = again.json();
    assert_eq!(
        (
            &summary["created"],
            &summary["updated"],
            &summary["unchanged"],
            &summary["stock_set"]
        ),
        (&json!(0), &json!(0), &json!(3), &json!(0)),
        "{summary}"
    );
    assert_eq!(on_hand(&shop, "MILK-500").await, "40");

    // A new price list and a recount; the brand cell emptied clears the brand,
    // and a file without a category column leaves categories alone.
    let edited = write(
        dir.path(),
        "edit.csv",
        "sku,name,barcode,price,brand,stock\n\
         MILK-500,Toned milk 500 ml,8901000000019,29.00,,38\n\
         CURD-400,Curd 400 g,8901000000026,35.50,Amul,12\n\
         TEA-250,Assam Tea 250 g,8901234567890,150,,50\n",
    );
    let run = hubctl(&base, Some(&key), &["import", &edited, "--store", "BLR-1"]).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("3 rows: 0 created, 2 updated, 1 unchanged, 0 failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("stock set for 1 items"),
        "{}",
        run.stdout
    );
    let catalog = catalog_by_sku(&shop).await;
    assert_eq!(catalog["MILK-500"]["price"]["minor"], 2900);
    assert!(
        catalog["MILK-500"].get("brand").is_none(),
        "{}",
        catalog["MILK-500"]
    );
    assert_eq!(catalog["MILK-500"]["category_id"], milk["category_id"]);
    assert_eq!(catalog["TEA-250"]["price"]["minor"], 15000);
    assert_eq!(on_hand(&shop, "MILK-500").await, "38");
    let (_, movements) = shop
        .hub
        .get(&format!("/v1/stores/{}/movements", shop.store_id), &key)
        .await;
    let milk_id = &milk["variant_id"];
    let reasons: Vec<&str> = movements["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| &m["variant_id"] == milk_id)
        .map(|m| m["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2, "{movements}");
    assert!(
        reasons.contains(&"receipt") && reasons.contains(&"adjustment"),
        "{reasons:?}"
    );

    // What the items are: a pack size and pictures, and rice sold loose.
    let details = write(
        dir.path(),
        "details.csv",
        "sku,name,barcode,price,unit,pack,image_urls\n\
         CURD-400,Curd 400 g,8901000000026,35.50,,400 g,https://cdn.example.com/curd.jpg\n\
         SALT-1KG,Iodised salt 1 kg,8901000000033,25,kg,,\n",
    );
    for (round, expected) in [
        (1, "0 created, 2 updated, 0 unchanged"),
        (2, "0 created, 0 updated, 2 unchanged"),
    ] {
        let run = hubctl(&base, Some(&key), &["import", &details]).await;
        assert_eq!(run.code, 0, "round {round}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains(expected),
            "round {round}: {}",
            run.stdout
        );
    }
    let catalog = catalog_by_sku(&shop).await;
    assert_eq!(
        catalog["CURD-400"]["pack"],
        json!({"size": "400", "unit": "g"})
    );
    assert_eq!(
        catalog["CURD-400"]["image_urls"],
        json!(["https://cdn.example.com/curd.jpg"])
    );
    assert_eq!(catalog["SALT-1KG"]["unit"], "kg");

    let stock = hubctl(&base, Some(&key), &["stock", "BLR-1", "--find", "milk"]).await;
    assert_eq!(stock.code, 0, "{}", stock.stderr);
    let lines: Vec<&str> = stock.stdout.lines().collect();
    assert!(
        lines[0].starts_with("BLR-1 Indiranagar (open)"),
        "{}",
        stock.stdout
    );
    assert!(lines[1].starts_with("SKU"), "{}", stock.stdout);
    assert_eq!(lines.len(), 3, "only the milk: {}", stock.stdout);
    assert!(
        lines[2].starts_with("MILK-500") && lines[2].contains(" 38 ") && lines[2].ends_with("yes"),
        "{}",
        stock.stdout
    );
}
on_both_backends!(a_catalog_file_is_imported_and_reimported);

async fn a_bad_import_changes_nothing_and_says_why(backend: Backend) {
    let shop = shop(backend).await;
    let base = shop.hub.base.clone();
    let key = shop.api_key.clone();
    let dir = tempfile::tempdir().unwrap();
    let before = catalog_by_sku(&shop).await;

    let typo = write(
        dir.path(),
        "typo.csv",
        "sku,name,barcode,prise\nA,Apple,8901000000019,10\n",
    );
    let run = hubctl(&base, Some(&key), &["import", &typo]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("unknown column(s) prise"),
        "{}",
        run.stderr
    );

    let counted = write(
        dir.path(),
        "stock.csv",
        "sku,name,barcode,price,stock\nA,Apple,8901000000019,10,5\n",
    );
    let run = hubctl(&base, Some(&key), &["import", &counted]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--store"), "{}", run.stderr);
    let run = hubctl(
        &base,
        Some(&key),
        &["import", &counted, "--store", "NOWHERE"],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("NOWHERE"), "{}", run.stderr);

    let missing = hubctl(&base, Some(&key), &["import", "/nonexistent/catalog.csv"]).await;
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("cannot read /nonexistent/catalog.csv"),
        "{}",
        missing.stderr
    );

    // A read-only key is refused by the hub, and hubctl says so.
    let (_, issued) = shop
        .hub
        .post(
            "/v1/api-keys",
            &key,
            json!({"label": "auditor", "role": "read_only"}),
        )
        .await;
    let reader = issued["api_key"].as_str().unwrap();
    let plain = write(
        dir.path(),
        "plain.csv",
        "sku,name,barcode,price,brand\nA,Apple,8901000000019,10,NewBrand\n",
    );
    let run = hubctl(&base, Some(reader), &["import", &plain]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("403") && run.stderr.contains("read_only"),
        "{}",
        run.stderr
    );

    assert_eq!(catalog_by_sku(&shop).await, before, "nothing was written");
    let (_, brands) = shop.hub.get("/v1/brands", &key).await;
    assert_eq!(brands, json!([]));
}
on_both_backends!(a_bad_import_changes_nothing_and_says_why);

async fn events_are_listed_and_followed(backend: Backend) {
    let shop = shop(backend).await;
    let base = shop.hub.base.clone();
    let key = shop.api_key.clone();

    let listed = hubctl(
        &base,
        Some(&key),
        &[
            "--json",
            "events",
            "--no-follow",
            "--last",
            "1000",
            "--type",
            "inventory.",
        ],
    )
    .await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let types: Vec<String> = listed
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["event_type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(!types.is_empty());
    assert!(
        types.iter().all(|t| t.starts_with("inventory.")),
        "{types:?}"
    );
    let bad = hubctl(
        &base,
        Some(&key),
        &["events", "--no-follow", "--type", "Bad Type"],
    )
    .await;
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("type"), "{}", bad.stderr);

    // Following: only what happens from now (--last 0), as it happens.
    let mut child = command(
        &base,
        Some(&key),
        &["events", "--last", "0", "--type", "catalog.price"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("spawn hubctl");
    let stdout = child.stdout.take().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let tea = &shop.variants[0].0;
    // The stream may not be open yet; keep changing the price until a line comes.
    let mut price = 15_000;
    let line = loop {
        price += 100;
        let (status, body) = shop
            .hub
            .put(
                &format!("/v1/variants/{tea}/price"),
                &key,
                json!({"price": {"minor": price, "currency": "INR"}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        match tokio::time::timeout(std::time::Duration::from_millis(500), rx.recv()).await {
            Ok(line) => break line.expect("hubctl printed"),
            Err(_) if price < 16_000 => continue,
            Err(_) => panic!("hubctl printed no event"),
        }
    };
    child.kill().ok();
    child.wait().ok();
    assert!(line.contains("catalog.price.updated"), "{line}");
    assert!(line.contains(TEA) || line.contains(tea), "{line}");
}
on_both_backends!(events_are_listed_and_followed);

/// An import bigger than the hub's rate limit allows at once slows down to
/// it (the hub's `Retry-After`) instead of failing rows.
async fn an_import_waits_out_the_rate_limit(backend: Backend) {
    let shop = crate::helpers::shop_with(backend, |mut config| {
        config.limits.requests_per_second = 20;
        config.limits.burst = 5;
        config
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ean = |n: u64| {
        let body = format!("89{:010}", 7_000_000 + n);
        let sum: u32 = body
            .bytes()
            .enumerate()
            .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
            .sum();
        format!("{body}{}", (10 - sum % 10) % 10)
    };
    let mut rows = String::from("sku,name,barcode,price,stock\n");
    for i in 0..24 {
        rows += &format!("BULK-{i:03},Bulk item {i},{},10,{}\n", ean(i), i % 3);
    }
    let file = write(dir.path(), "bulk.csv", &rows);
    let run = hubctl(
        &shop.hub.base,
        Some(&shop.api_key),
        &["--json", "import", &file, "--store", "BLR-1"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary = run.json();
    assert_eq!(summary["created"], 24, "{summary}");
    assert_eq!(summary["failed"], json!([]), "{summary}");
}
on_both_backends!(an_import_waits_out_the_rate_limit);
