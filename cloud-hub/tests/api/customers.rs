//! Customers across stores, on both backends: profiles captured into two
//! stores' documents merge into one record per phone (the latest edit heard
//! wins, field by field, and a store syncing again puts nothing stale
//! back); the bills that name a customer count at their store; a till of
//! another store finds the customer; HQ searches; other tenants see
//! nothing; bad requests are refused by field.

use crate::helpers::*;
use crate::on_both_backends;
use automerge::transaction::Transactable;
use automerge::AutoCommit;
use pos_shared::sale::TenderMethod;
use reqwest::StatusCode;
use serde_json::{json, Value};

const ASHA: &str = "+919876543210";
const RAVI: &str = "+919812345678";
const GSTIN: &str = "29AABCB5678C1ZM";

fn capture(doc: &mut AutoCommit, phone: &str, field: &str, value: &str) {
    doc.put(automerge::ROOT, format!("{phone}/phone"), phone)
        .unwrap();
    doc.put(automerge::ROOT, format!("{phone}/{field}"), value)
        .unwrap();
}

fn named_sale(shop: &Shop, receipt: &str, phone: &str) -> Value {
    let mut sale = shop.sale(receipt, &[(0, "1")]);
    sale["data"]["customer"] = json!({ "phone": phone, "name": "as billed" });
    sale
}

async fn customer(shop: &Shop, phone: &str) -> Value {
    let (s, b) = shop
        .hub
        .get(&format!("/v1/customers/{phone}"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

async fn till_lookup(shop: &Shop, phone: &str) -> (StatusCode, Value) {
    shop.hub
        .get(&format!("/v1/sync/customers/{phone}"), &shop.device_token)
        .await
}

/// The `customer_changed` changes in the feed of the shop's till.
async fn customer_changes(shop: &Shop) -> Vec<Value> {
    let (_, page) = shop
        .hub
        .get("/v1/sync/feed?since=0&limit=1000", &shop.device_token)
        .await;
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "customer_changed")
        .cloned()
        .collect()
}

fn at<'a>(report: &'a Value, store: &str) -> &'a Value {
    report["stores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["store_id"] == store)
        .unwrap_or_else(|| panic!("store {store} not in {report}"))
}

async fn one_customer_across_two_stores(backend: Backend) {
    let koramangala = shop(backend).await;
    let hsr = koramangala.second_store("BLR-2", "HSR dark store").await;

    // Koramangala's till captures Asha; HQ and HSR's till know her at once.
    let mut k_doc = AutoCommit::new();
    capture(&mut k_doc, ASHA, "name", "Asha K");
    capture(&mut k_doc, ASHA, "gstin", GSTIN);
    koramangala
        .push_document("customer_profiles", &mut k_doc)
        .await;
    let asha = customer(&koramangala, "9876543210").await;
    assert_eq!(asha["name"], "Asha K", "{asha}");
    assert_eq!(asha["gstin"], GSTIN);
    assert_eq!(asha["first_store_id"], koramangala.store_id.as_str());
    assert_eq!(at(&asha, &koramangala.store_id)["profile_here"], true);
    let (s, found) = till_lookup(&hsr, "9876543210").await;
    assert_eq!(s, StatusCode::OK, "{found}");
    assert_eq!(
        found,
        json!({"phone": ASHA, "name": "Asha K", "gstin": GSTIN})
    );

    // HSR corrects the name: the latest edit heard wins.
    let mut h_doc = AutoCommit::new();
    capture(&mut h_doc, ASHA, "name", "Asha Kumar");
    hsr.push_document("customer_profiles", &mut h_doc).await;
    let asha = customer(&koramangala, ASHA).await;
    assert_eq!(asha["name"], "Asha Kumar");
    assert_eq!(asha["gstin"], GSTIN, "HSR did not touch the GSTIN");
    assert_eq!(asha["updated_by_store_id"], hsr.store_id.as_str());
    // Koramangala's tills hear the correction, so they bill with it; HSR's,
    // whose edit it was, hear nothing.
    let told = customer_changes;
    let heard = told(&koramangala).await;
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(
        (heard[0]["name"].as_str(), heard[0]["gstin"].as_str()),
        (Some("Asha Kumar"), Some(GSTIN))
    );
    assert!(told(&hsr).await.is_empty());

    // Koramangala syncs again for another customer: its old name for Asha
    // does not come back. Then it changes only her GSTIN: the name stays.
    capture(&mut k_doc, RAVI, "name", "Ravi");
    koramangala
        .push_document("customer_profiles", &mut k_doc)
        .await;
    assert_eq!(customer(&koramangala, ASHA).await["name"], "Asha Kumar");
    k_doc
        .delete(automerge::ROOT, format!("{ASHA}/gstin"))
        .unwrap();
    koramangala
        .push_document("customer_profiles", &mut k_doc)
        .await;
    let asha = customer(&koramangala, ASHA).await;
    assert_eq!(asha["name"], "Asha Kumar");
    assert!(asha.get("gstin").is_none(), "the GSTIN was cleared: {asha}");
    assert_eq!(asha["updated_by_store_id"], koramangala.store_id.as_str());

    // Her bills count at the store that made them; a return at Koramangala
    // is her refund there. A customer met only on a bill is a customer too.
    let k_sale = named_sale(&koramangala, "T1-000001", ASHA);
    let (s, ack) = koramangala
        .upload(&[k_sale.clone(), named_sale(&koramangala, "T1-000002", ASHA)])
        .await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted", "accepted"]);
    let (s, ack) = koramangala
        .upload(&[koramangala.return_of(&k_sale, "T1-000003", TenderMethod::Cash)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{s} {ack}");
    let walk_in = "+919900011122";
    let (_, ack) = hsr
        .upload(&[
            named_sale(&hsr, "T1-000001", ASHA),
            named_sale(&hsr, "T1-000002", walk_in),
        ])
        .await;
    assert_eq!(Shop::statuses(&ack), ["accepted", "accepted"], "{ack}");
    let price = koramangala.variants[0].2;
    let asha = customer(&koramangala, ASHA).await;
    let k = at(&asha, &koramangala.store_id);
    assert_eq!(k["bills"], 2, "{asha}");
    assert_eq!(k["billed"]["minor"], 2 * price);
    assert_eq!(k["refunded"]["minor"], price);
    let h = at(&asha, &hsr.store_id);
    assert_eq!(
        (h["bills"].as_i64(), h["billed"]["minor"].as_i64()),
        (Some(1), Some(price))
    );
    assert_eq!(h["profile_here"], true);
    assert_eq!(
        asha["name"], "Asha Kumar",
        "a bill's name does not overwrite the profile"
    );
    let walker = customer(&hsr, walk_in).await;
    assert_eq!(walker["first_store_id"], hsr.store_id.as_str());
    assert_eq!(walker["name"], "as billed");
    assert_eq!(till_lookup(&koramangala, walk_in).await.0, StatusCode::OK);

    // Her credit account at HSR shows beside her bills there.
    let (s, b) = koramangala
        .hub
        .put(
            &format!("/v1/stores/{}/credit-accounts/{ASHA}", hsr.store_id),
            &koramangala.api_key,
            json!({"limit": {"minor": 500_000, "currency": "INR"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let asha = customer(&koramangala, ASHA).await;
    let h = at(&asha, &hsr.store_id);
    assert_eq!(
        (
            h["credit_limit"]["minor"].as_i64(),
            h["dues"]["minor"].as_i64()
        ),
        (Some(500_000), Some(0))
    );
    assert!(at(&asha, &koramangala.store_id).get("dues").is_none());

    // HQ's search: digits of the phone, part of the name, any case.
    let search = |q: &str| {
        let path = format!("/v1/customers?q={}", urlencode(q));
        let shop = &koramangala;
        async move {
            let (s, b) = shop.hub.get(&path, &shop.api_key).await;
            assert_eq!(s, StatusCode::OK, "{b}");
            b.as_array()
                .unwrap()
                .iter()
                .map(|c| c["phone"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("98765").await, [ASHA]);
    assert_eq!(search("98765-43210").await, [ASHA], "written with a dash");
    assert_eq!(search("+91 98765 43210").await, [ASHA]);
    assert_eq!(search("KUMAR").await, [ASHA]);
    assert_eq!(search("ravi").await, [RAVI]);
    assert!(
        search("%").await.is_empty(),
        "a % is a character, not a wildcard"
    );
    // Names in any script are found in any case.
    let mut doc = AutoCommit::new();
    capture(&mut doc, "+919811111111", "name", "Zoë Ünal");
    hsr.push_document("customer_profiles", &mut doc).await;
    assert_eq!(search("üNAL").await, ["+919811111111"]);
    assert_eq!(search("ZOË").await, ["+919811111111"]);
    let (_, all) = koramangala
        .hub
        .get("/v1/customers?limit=2", &koramangala.api_key)
        .await;
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");

    // Refusals by field, and nothing of another tenant's.
    let (s, b) = koramangala
        .hub
        .get("/v1/customers?limit=0", &koramangala.api_key)
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "limit");
    let (s, b) = koramangala
        .hub
        .get("/v1/customers?name=asha", &koramangala.api_key)
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_query");
    let (s, b) = koramangala
        .hub
        .get("/v1/customers?q=%00zzz", &koramangala.api_key)
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "q");
    // A second credit account at another store is refused, saying why.
    let (s, b) = koramangala
        .hub
        .put(
            &format!("/v1/stores/{}/credit-accounts/{ASHA}", koramangala.store_id),
            &koramangala.api_key,
            json!({"limit": {"minor": 100_000, "currency": "INR"}}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "phone");
    assert!(
        b["detail"].as_str().unwrap().contains("another store"),
        "{b}"
    );
    // An account's holder is a customer even without a profile or a bill.
    let holder = "+919822222222";
    let (s, _) = koramangala
        .hub
        .put(
            &format!(
                "/v1/stores/{}/credit-accounts/{holder}",
                koramangala.store_id
            ),
            &koramangala.api_key,
            json!({"limit": {"minor": 100_000, "currency": "INR"}, "name": "Holder"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let held = customer(&koramangala, holder).await;
    assert_eq!(held["name"], "Holder");
    assert_eq!(
        at(&held, &koramangala.store_id)["credit_limit"]["minor"],
        100_000
    );
    // A key limited to Koramangala reads her there only.
    let (_, key) = koramangala
        .hub
        .post(
            "/v1/api-keys",
            &koramangala.api_key,
            json!({"label": "floor", "role": "store_manager", "store_ids": [koramangala.store_id]}),
        )
        .await;
    let limited = customer(
        &Shop {
            api_key: key["api_key"].as_str().unwrap().to_owned(),
            ..Shop::clone_of(&koramangala)
        },
        ASHA,
    )
    .await;
    let seen: Vec<&str> = limited["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["store_id"].as_str().unwrap())
        .collect();
    assert_eq!(seen, [koramangala.store_id.as_str()], "{limited}");
    let (s, b) = koramangala
        .hub
        .get("/v1/customers/12345", &koramangala.api_key)
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "phone");
    let (s, b) = koramangala
        .hub
        .get("/v1/customers/9000000001", &koramangala.api_key)
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_customer");
    assert_eq!(b["field"], "phone");
    let (s, b) = till_lookup(&hsr, "9000000001").await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_customer");
    let other = shop_on(koramangala.hub.clone(), "Other Chain").await;
    let (s, _) = other
        .hub
        .get(&format!("/v1/customers/{ASHA}"), &other.api_key)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(till_lookup(&other, ASHA).await.0, StatusCode::NOT_FOUND);
    let (_, none) = other.hub.get("/v1/customers", &other.api_key).await;
    assert_eq!(none, json!([]));
}
on_both_backends!(one_customer_across_two_stores);

async fn key_of(shop: &Shop, role: &str, stores: &[&str]) -> Shop {
    let (s, key) = shop
        .hub
        .post(
            "/v1/api-keys",
            &shop.api_key,
            json!({"label": role, "role": role, "store_ids": stores}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    Shop {
        api_key: key["api_key"].as_str().unwrap().to_owned(),
        ..Shop::clone_of(shop)
    }
}

async fn hq_corrects_a_customer_and_every_store_hears(backend: Backend) {
    let koramangala = shop(backend).await;
    let hsr = koramangala.second_store("BLR-2", "HSR dark store").await;
    let indiranagar = koramangala.second_store("BLR-3", "Indiranagar").await;
    let mut k_doc = AutoCommit::new();
    capture(&mut k_doc, ASHA, "name", "Asha K");
    koramangala
        .push_document("customer_profiles", &mut k_doc)
        .await;
    let mut h_doc = AutoCommit::new();
    capture(&mut h_doc, ASHA, "gstin", GSTIN);
    hsr.push_document("customer_profiles", &mut h_doc).await;
    let edit = |shop: &Shop, phone: &str, body: Value| {
        let (hub, key, path) = (
            shop.hub.clone(),
            shop.api_key.clone(),
            format!("/v1/customers/{phone}"),
        );
        async move { hub.put(&path, &key, body).await }
    };

    // HQ corrects her name: the record is HQ's edit, and both stores'
    // tills hear it with the GSTIN HSR gave.
    let (s, asha) = edit(&koramangala, "98765 43210", json!({"name": " Asha Iyer "})).await;
    assert_eq!(s, StatusCode::OK, "{asha}");
    assert_eq!(
        (asha["name"].as_str(), asha["gstin"].as_str()),
        (Some("Asha Iyer"), Some(GSTIN))
    );
    assert!(asha.get("updated_by_store_id").is_none(), "{asha}");
    for store in [&koramangala, &hsr] {
        let heard = customer_changes(store).await;
        let last = heard
            .last()
            .expect("the correction reaches every store holding her");
        assert_eq!(
            (last["name"].as_str(), last["gstin"].as_str()),
            (Some("Asha Iyer"), Some(GSTIN))
        );
    }
    assert!(
        customer_changes(&indiranagar).await.is_empty(),
        "a store without her hears nothing"
    );
    // The same correction again changes nothing and tells no one again.
    let before = customer_changes(&hsr).await.len();
    let (s, _) = edit(&koramangala, ASHA, json!({"name": "Asha Iyer"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(customer_changes(&hsr).await.len(), before);
    // Koramangala syncs its old document again: HQ's name stays.
    capture(&mut k_doc, RAVI, "name", "Ravi");
    koramangala
        .push_document("customer_profiles", &mut k_doc)
        .await;
    assert_eq!(customer(&koramangala, ASHA).await["name"], "Asha Iyer");
    // An empty GSTIN clears it; a lowercase one is read as capitals.
    let (_, cleared) = edit(&koramangala, ASHA, json!({"gstin": ""})).await;
    assert!(cleared.get("gstin").is_none(), "{cleared}");
    assert_eq!(cleared["name"], "Asha Iyer");
    let (s, b) = edit(&koramangala, ASHA, json!({"gstin": GSTIN.to_lowercase()})).await;
    assert_eq!(
        (s, b["gstin"].as_str()),
        (StatusCode::OK, Some(GSTIN)),
        "{b}"
    );

    // Refusals, each by field, changing nothing.
    for (body, field) in [
        (json!({}), "name"),
        (json!({"gstin": "29AABCB5678C1ZX"}), "gstin"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": "Asha\u{7}"}), "name"),
        (json!({"name": "Asha\u{202E}K"}), "name"),
    ] {
        let (s, b) = edit(&koramangala, ASHA, body.clone()).await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let (s, b) = edit(&koramangala, ASHA, json!({"name": "A", "email": "a@b"})).await;
    assert!(s.is_client_error() && s != StatusCode::NOT_FOUND, "{s} {b}");
    let (s, b) = edit(&koramangala, "12345", json!({"name": "A"})).await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "phone");
    let (s, b) = edit(&koramangala, "9000000001", json!({"name": "A"})).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_customer");
    let asha = customer(&koramangala, ASHA).await;
    assert_eq!(
        (asha["name"].as_str(), asha["gstin"].as_str()),
        (Some("Asha Iyer"), Some(GSTIN))
    );
    // Not the chain's own registration.
    let (s, b) = koramangala
        .hub
        .put(
            &format!("/v1/stores/{}/gstin", indiranagar.store_id),
            &koramangala.api_key,
            json!({"gstin": "29AAACK1234A1Z6"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let (s, b) = edit(&koramangala, ASHA, json!({"gstin": "29AAACK1234A1Z6"})).await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "gstin", "{b}");
    // Nor from a till: the chain's record keeps what it had.
    capture(&mut h_doc, ASHA, "gstin", "29AAACK1234A1Z6");
    hsr.push_document("customer_profiles", &mut h_doc).await;
    assert_eq!(customer(&koramangala, ASHA).await["gstin"], GSTIN);

    // Her credit account at Koramangala goes by the name HQ gives her, and
    // the store's tills hear it.
    let account = format!("/v1/stores/{}/credit-accounts/{ASHA}", koramangala.store_id);
    let (s, b) = koramangala
        .hub
        .put(
            &account,
            &koramangala.api_key,
            json!({"limit": {"minor": 100_000, "currency": "INR"}, "name": "Asha K"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, _) = edit(&koramangala, ASHA, json!({"name": "Asha Iyer-Rao"})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, statement) = koramangala.hub.get(&account, &koramangala.api_key).await;
    assert_eq!(statement["account"]["name"], "Asha Iyer-Rao", "{statement}");
    let (_, page) = koramangala
        .hub
        .get(
            "/v1/sync/feed?since=0&limit=1000",
            &koramangala.device_token,
        )
        .await;
    let heard = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|c| c["type"] == "credit_account_changed")
        .cloned()
        .unwrap();
    assert_eq!(heard["name"], "Asha Iyer-Rao", "{heard}");

    // Who may: a store manager of a store that knows her; not one of a
    // store that does not, nor a catalog manager or a read-only key.
    let (s, b) = edit(
        &key_of(&koramangala, "store_manager", &[&hsr.store_id]).await,
        ASHA,
        json!({"name": "Asha I"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = edit(
        &key_of(&koramangala, "store_manager", &[&indiranagar.store_id]).await,
        ASHA,
        json!({"name": "X"}),
    )
    .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    for role in ["catalog_manager", "read_only"] {
        let (s, b) = edit(
            &key_of(&koramangala, role, &[]).await,
            ASHA,
            json!({"name": "X"}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{role}: {b}");
    }
    assert_eq!(customer(&koramangala, ASHA).await["name"], "Asha I");
    // Another tenant cannot reach her.
    let other = shop_on(koramangala.hub.clone(), "Other Chain").await;
    let (s, _) = edit(&other, ASHA, json!({"name": "X"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(hq_corrects_a_customer_and_every_store_hears);

fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
