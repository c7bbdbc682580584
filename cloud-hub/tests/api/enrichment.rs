//! Enrichment: a supplier's feed with messy names and sizes yields the
//! proposals a catalog manager expects; HQ takes or turns them down, each
//! taken one an ordinary edit; a tenant's auto-accept takes the sure ones;
//! and with the worker stopped, serving and ingestion go on as before.

use crate::helpers::*;
use crate::on_both_backends;
use crate::seller_feeds::{ean, seller, upload};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The pending proposals by (SKU, field), their proposed values.
async fn pending(hub: &TestHub, key: &str) -> BTreeMap<(String, String), Value> {
    let (s, page) = hub.get("/v1/enrichment/proposals?state=pending", key).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let (_, catalog) = hub.get("/v1/catalog?limit=500", key).await;
    let sku_of = |id: &Value| -> String {
        catalog["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| &i["variant_id"] == id)
            .map(|i| i["sku"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{id} not in the catalog"))
    };
    page["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                (
                    sku_of(&p["variant_id"]),
                    p["field"].as_str().unwrap().to_owned(),
                ),
                p["proposed"].clone(),
            )
        })
        .collect()
}

async fn proposal_id(hub: &TestHub, key: &str, sku: &str, field: &str) -> String {
    let (_, item) = hub.get(&format!("/v1/catalog?q={sku}"), key).await;
    let variant = item["items"][0]["variant_id"].as_str().unwrap().to_owned();
    let (_, page) = hub
        .get(
            &format!("/v1/enrichment/proposals?state=pending&variant_id={variant}"),
            key,
        )
        .await;
    page["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["field"] == field)
        .unwrap_or_else(|| panic!("no pending {field} for {sku}: {page}"))["proposal_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn item(hub: &TestHub, key: &str, sku: &str) -> Value {
    let (_, found) = hub.get(&format!("/v1/catalog?q={sku}"), key).await;
    found["items"][0].clone()
}

fn messy_feed() -> String {
    format!(
        "sku,name,barcode,price,unit,pack,brand,category,stock\n\
         DAL-T,  TATA SAMPANN TOOR DAL 1KG **,{},165,,,Tata,Staples > Dal,5\n\
         MSL-C,chicken masala 100GM,{},75,,,,Masala,3\n\
         ATTA-O,Organic Atta 5 Kg,{},260,,,,,2\n\
         OIL-S,Fortune Sunflower Oil 1 ltr,{},180,,,,,4\n\
         SALT-T,Tata Salt 1 kg,{},28,,1 kg,,,9\n",
        ean(11),
        ean(12),
        ean(13),
        ean(14),
        ean(15),
    )
}

async fn a_messy_supplier_feed_yields_proposals(backend: Backend) {
    // The worker stopped: the feed goes in and search serves all the same.
    let hub = std::sync::Arc::new(
        spawn_hub_with(backend, |c| cloud_hub::config::HubConfig {
            enrichment_worker: false,
            ..c
        })
        .await,
    );
    let s = seller(&hub).await;
    let key = s.hq.credential().unwrap().to_owned();
    let run = upload(&s, "text/csv", messy_feed()).await;
    assert_eq!((run.counts.applied, run.counts.failed), (5, 0), "{run:?}");
    let (status, found) = hub
        .get(&format!("/v1/stores/{}/search?q=toor%20dal", s.store), &key)
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["hits"][0]["sku"], "DAL-T");
    assert!(pending(&hub, &key).await.is_empty());
    // An item HQ made by hand, its size in the name but no pack.
    let (status, made) = hub
        .post(
            "/v1/products",
            &key,
            json!({"name": "Paneer", "variants": [{"name": "Paneer 200 g", "sku": "PANEER-200",
                   "price": {"minor": 9000, "currency": "INR"}}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");

    // The worker runs: it reads the feed from where it stood.
    let synonyms = cloud_hub::enrichment::Enricher::rules();
    let made = cloud_hub::enrichment::catch_up(&hub.storage, &synonyms)
        .await
        .unwrap();
    let proposals = pending(&hub, &key).await;
    assert_eq!(made, proposals.len());
    let at = |sku: &str, field: &str| proposals.get(&(sku.to_owned(), field.to_owned())).cloned();
    assert_eq!(
        at("DAL-T", "name"),
        Some(json!("Tata Sampann Toor Dal 1 kg"))
    );
    // The feed read the packs from the names already.
    assert_eq!(at("DAL-T", "pack"), None, "{proposals:?}");
    assert_eq!(
        at("PANEER-200", "pack"),
        Some(json!({"size": "200", "unit": "g"}))
    );
    assert_eq!(at("PANEER-200", "name"), None);
    let dal_words = at("DAL-T", "synonyms").unwrap();
    assert!(
        dal_words.as_array().unwrap().contains(&json!("arhar")),
        "{dal_words}"
    );
    assert_eq!(at("MSL-C", "name"), Some(json!("Chicken Masala 100 g")));
    // A chicken masala is a spice blend: no diet, no word for chicken.
    assert_eq!(at("MSL-C", "attributes.diet"), None);
    assert_eq!(at("MSL-C", "synonyms"), None);
    assert_eq!(at("ATTA-O", "name"), Some(json!("Organic Atta 5 kg")));
    assert_eq!(at("ATTA-O", "attributes.organic"), Some(json!(true)));
    assert_eq!(
        at("OIL-S", "name"),
        Some(json!("Fortune Sunflower Oil 1 l"))
    );
    // A clean name with its pack already set: nothing but synonyms.
    assert_eq!(at("SALT-T", "name"), None);
    assert_eq!(at("SALT-T", "pack"), None);
    assert_eq!(at("SALT-T", "synonyms"), Some(json!(["namak", "नमक"])));
    // Nothing is suggested twice.
    assert_eq!(
        cloud_hub::enrichment::catch_up(&hub.storage, &synonyms)
            .await
            .unwrap(),
        0
    );

    // Taken: an ordinary edit, a new version of the item.
    let name = proposal_id(&hub, &key, "DAL-T", "name").await;
    let (status, taken) = hub
        .post(
            &format!("/v1/enrichment/proposals/{name}/accept"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    assert_eq!(taken["state"], "accepted");
    assert!(
        taken["decided_by"].as_str().unwrap().starts_with("hq:key:"),
        "{taken}"
    );
    let dal = item(&hub, &key, "DAL-T").await;
    assert_eq!(dal["name"], "Tata Sampann Toor Dal 1 kg");
    let (_, versions) = hub
        .get(
            &format!(
                "/v1/catalog/{}/versions",
                dal["variant_id"].as_str().unwrap()
            ),
            &key,
        )
        .await;
    assert_eq!(versions.as_array().map(Vec::len), Some(2), "{versions}");
    let pack = proposal_id(&hub, &key, "PANEER-200", "pack").await;
    let (status, _) = hub
        .post(
            &format!("/v1/enrichment/proposals/{pack}/accept"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        item(&hub, &key, "PANEER-200").await["pack"],
        json!({"size": "200", "unit": "g"})
    );
    // Taking it twice is refused.
    let (status, again) = hub
        .post(
            &format!("/v1/enrichment/proposals/{pack}/accept"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, &again["field"]),
        (StatusCode::CONFLICT, &json!("proposal_id")),
        "{again}"
    );

    // Turned down: not suggested again when the item changes.
    let words = proposal_id(&hub, &key, "ATTA-O", "synonyms").await;
    let (status, _) = hub
        .post(
            &format!("/v1/enrichment/proposals/{words}/reject"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let atta_name = proposal_id(&hub, &key, "ATTA-O", "name").await;
    hub.post(
        &format!("/v1/enrichment/proposals/{atta_name}/accept"),
        &key,
        json!({}),
    )
    .await;
    cloud_hub::enrichment::catch_up(&hub.storage, &synonyms)
        .await
        .unwrap();
    let after = pending(&hub, &key).await;
    assert!(
        !after.contains_key(&("ATTA-O".into(), "synonyms".into())),
        "{after:?}"
    );
    assert!(
        !after.contains_key(&("ATTA-O".into(), "name".into())),
        "{after:?}"
    );

    // The item changed since: the proposal is superseded, nothing applied.
    let oil = item(&hub, &key, "OIL-S").await;
    let oil_name = proposal_id(&hub, &key, "OIL-S", "name").await;
    let (status, b) = hub
        .send(
            reqwest::Method::PATCH,
            &format!("/v1/variants/{}", oil["variant_id"].as_str().unwrap()),
            Some(&key),
            Some(json!({"name": "Fortune Oil 1 l"})),
        )
        .await;
    assert!(status.is_success(), "{b}");
    let (status, stale) = hub
        .post(
            &format!("/v1/enrichment/proposals/{oil_name}/accept"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{stale}");
    assert_eq!(item(&hub, &key, "OIL-S").await["name"], "Fortune Oil 1 l");
    let (_, was) = hub
        .get(&format!("/v1/enrichment/proposals/{oil_name}"), &key)
        .await;
    assert_eq!(was["state"], "superseded");

    // Auto-accept: the sure ones are taken without HQ, the rest wait.
    let (status, set) = hub
        .put(
            "/v1/enrichment/settings",
            &key,
            json!({"auto_accept_at": 0.9}),
        )
        .await;
    assert_eq!(
        (status, set["auto_accept_at"].as_f64()),
        (StatusCode::OK, Some(0.9))
    );
    let more = format!(
        "sku,name,barcode,price,unit,pack,brand,category,stock\nMTN-K,MUTTON KEEMA 500GM,{},70,,,,,1\n",
        ean(16)
    );
    upload(&s, "text/csv", more).await;
    cloud_hub::enrichment::catch_up(&hub.storage, &synonyms)
        .await
        .unwrap();
    assert_eq!(
        item(&hub, &key, "MTN-K").await["attributes"],
        json!({"diet": "non-veg"})
    );
    let waiting = pending(&hub, &key).await;
    assert_eq!(
        waiting.get(&("MTN-K".into(), "name".into())),
        Some(&json!("Mutton Keema 500 g"))
    );
    assert!(!waiting.contains_key(&("MTN-K".into(), "attributes.diet".into())));

    // Another supplier's entry for toor dal 1 kg is a near-identical copy
    // of the one made before it; its 500 g pack is another product. A copy
    // is merged by hand: never taken alone, whatever the setting.
    let (status, _) = hub
        .put(
            "/v1/enrichment/settings",
            &key,
            json!({"auto_accept_at": 0.5}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let copies = format!(
        "sku,name,barcode,price,unit,pack,brand,category,stock\n\
         DAL-T2,TATA SAMPANN TOOR DAL (1KG),{},160,,,,,1\n\
         DAL-T5,Tata Sampann Toor Dal 500 g,{},85,,,,,1\n",
        ean(17),
        ean(18)
    );
    upload(&s, "text/csv", copies).await;
    cloud_hub::enrichment::catch_up(&hub.storage, &synonyms)
        .await
        .unwrap();
    let waiting = pending(&hub, &key).await;
    let original = item(&hub, &key, "DAL-T").await["variant_id"].clone();
    assert_eq!(
        waiting.get(&("DAL-T2".into(), "attributes.duplicate_of".into())),
        Some(&original),
        "{waiting:?}"
    );
    assert!(!waiting.contains_key(&("DAL-T5".into(), "attributes.duplicate_of".into())));
    assert!(!waiting.contains_key(&("DAL-T".into(), "attributes.duplicate_of".into())));
    assert!(item(&hub, &key, "DAL-T2").await["attributes"]
        .get("duplicate_of")
        .is_none());

    // A deleted item's proposals are superseded: none can be taken.
    let copy = item(&hub, &key, "DAL-T2").await["variant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = hub
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/variants/{copy}"),
            Some(&key),
            None,
        )
        .await;
    assert!(status.is_success());
    cloud_hub::enrichment::catch_up(&hub.storage, &synonyms)
        .await
        .unwrap();
    let (_, left) = hub
        .get(
            &format!("/v1/enrichment/proposals?state=pending&variant_id={copy}"),
            &key,
        )
        .await;
    assert_eq!(left["proposals"], json!([]));
    let (_, gone) = hub
        .get(
            &format!("/v1/enrichment/proposals?state=superseded&variant_id={copy}"),
            &key,
        )
        .await;
    assert!(!gone["proposals"].as_array().unwrap().is_empty(), "{gone}");

    // Bad requests are named.
    let (status, b) = hub
        .put(
            "/v1/enrichment/settings",
            &key,
            json!({"auto_accept_at": 1.5}),
        )
        .await;
    assert_eq!(
        (status, &b["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("auto_accept_at"))
    );
    let (status, b) = hub.get("/v1/enrichment/proposals?state=maybe", &key).await;
    assert_eq!(
        (status, &b["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("state"))
    );
    let (status, _) = hub
        .post(
            &format!("/v1/enrichment/proposals/{}/accept", uuid::Uuid::now_v7()),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Another tenant sees none of it.
    let other = hub.tenant("Other").await;
    let (_, theirs) = hub.get("/v1/enrichment/proposals", &other).await;
    assert_eq!(theirs["proposals"], json!([]));
    let (status, _) = hub
        .get(&format!("/v1/enrichment/proposals/{name}"), &other)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
on_both_backends!(a_messy_supplier_feed_yields_proposals);

/// With the worker running (the default), proposals come by themselves.
async fn the_worker_follows_the_catalog(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let s = seller(&hub).await;
    let key = s.hq.credential().unwrap().to_owned();
    upload(&s, "text/csv", messy_feed()).await;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let found = pending(&hub, &key).await;
        if found.contains_key(&("DAL-T".into(), "name".into())) {
            break;
        }
        assert!(std::time::Instant::now() < until, "no proposals: {found:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
on_both_backends!(the_worker_follows_the_catalog);

/// A stand-in for a language model's API: OpenAI's chat completions, as a
/// local HTTP server. It answers by the item's name: suggestions for soya,
/// a 500 for "Broken", words that are not JSON for "Garbled".
async fn model_server(calls: std::sync::Arc<std::sync::atomic::AtomicUsize>) -> String {
    use axum::http::{HeaderMap, StatusCode as Code};
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |headers: HeaderMap, body: axum::Json<Value>| {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if headers.get("authorization").and_then(|v| v.to_str().ok())
                    != Some("Bearer test-model-key")
                    || body["model"] != "grocer-1"
                    || body["messages"][0]["role"] != "system"
                {
                    return (Code::UNAUTHORIZED, axum::Json(json!({"error": "who?"})));
                }
                let item: Value =
                    serde_json::from_str(body["messages"][1]["content"].as_str().unwrap()).unwrap();
                let name = item["name"].as_str().unwrap_or_default().to_owned();
                let content = if name.contains("Broken") {
                    return (Code::INTERNAL_SERVER_ERROR, axum::Json(json!({"error": "down"})));
                } else if name.contains("Garbled") {
                    "I think it is a nice item".to_owned()
                } else {
                    json!({"suggestions": [
                        {"field": "attributes.diet", "value": "veg", "confidence": 0.95, "reason": "soya is a plant"},
                        {"field": "synonyms", "value": ["meal maker", "nutrela"], "confidence": 0.8, "reason": "what shoppers call it"},
                        {"field": "price", "value": 1, "confidence": 1.0},
                        {"field": "attributes.tags", "value": ["a", "list"], "confidence": 0.9}
                    ]})
                    .to_string()
                };
                let reply = json!({"id": "cmpl-1", "object": "chat.completion", "model": "grocer-1",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}]});
                (Code::OK, axum::Json(reply))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/v1")
}

async fn a_language_model_suggests_beside_the_rules(backend: Backend) {
    let hub = spawn_hub_with(backend, |c| cloud_hub::config::HubConfig {
        enrichment_worker: false,
        ..c
    })
    .await;
    let key = hub.tenant("Model Mart").await;
    for (name, sku) in [
        ("Soya Chunks", "SOYA-1"),
        ("Broken Item", "BRK-1"),
        ("Garbled Item", "GRB-1"),
    ] {
        let (s, b) = hub
            .post(
                "/v1/products",
                &key,
                json!({"name": name, "variants": [{"name": name, "sku": sku,
                        "price": {"minor": 4500, "currency": "INR"}}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let url = model_server(calls.clone()).await;
    let model = cloud_hub::enrichment::model::OpenAiCompatible::new(
        cloud_hub::enrichment::model::ModelConfig {
            url,
            model: "grocer-1".into(),
            key: Some(pos_shared::Secret::new("test-model-key")),
            timeout: std::time::Duration::from_secs(5),
        },
    )
    .unwrap();
    let enricher = cloud_hub::enrichment::Enricher::with_model(std::sync::Arc::new(model));
    cloud_hub::enrichment::catch_up(&hub.storage, &enricher)
        .await
        .unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);

    let (_, page) = hub.get("/v1/enrichment/proposals", &key).await;
    let by_model: Vec<(&str, &Value, &str)> = page["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["source"] == "model:grocer-1")
        .map(|p| {
            (
                p["field"].as_str().unwrap(),
                &p["proposed"],
                p["reason"].as_str().unwrap(),
            )
        })
        .collect();
    // What HQ could not set by hand (a price, a list for an attribute) is dropped.
    assert_eq!(
        by_model,
        [
            ("attributes.diet", &json!("veg"), "soya is a plant"),
            (
                "synonyms",
                &json!(["meal maker", "nutrela"]),
                "what shoppers call it"
            ),
        ],
        "{page}"
    );
    // A model that failed on two items did not hold the worker back: its
    // place moved past them, and they are not asked again.
    cloud_hub::enrichment::catch_up(&hub.storage, &enricher)
        .await
        .unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);

    // A wrong key is an error the worker logs, not a stop.
    let wrong = cloud_hub::enrichment::model::OpenAiCompatible::new(
        cloud_hub::enrichment::model::ModelConfig {
            url: model_server(calls.clone()).await,
            model: "grocer-1".into(),
            key: Some(pos_shared::Secret::new("not-the-key")),
            timeout: std::time::Duration::from_secs(5),
        },
    )
    .unwrap();
    use cloud_hub::enrichment::model::LanguageModel;
    let (_, item) = hub.get("/v1/catalog?q=SOYA-1", &key).await;
    let record: pos_shared::sync::VariantRecord =
        serde_json::from_value(item["items"][0].clone()).unwrap();
    let refused = wrong.suggest(&record).await.unwrap_err();
    assert!(refused.to_string().contains("401"), "{refused}");
}
on_both_backends!(a_language_model_suggests_beside_the_rules);
