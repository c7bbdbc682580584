//! Finding items at the till: type-ahead search over names, brands, synonyms,
//! SKUs and barcodes as the feed changes them, and the quick-key grid built on
//! the category tree; all through the local API with the hub unreachable.

mod common;

use common::*;
use edge_agent::store::{catalog, feed, LocalStore};
use pos_shared::sync::{Change, ChangeBody, FeedPage};
use pos_shared::Gtin;
use reqwest::StatusCode;
use serde_json::Value;

async fn search(till: &Till, query: &str) -> Vec<String> {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/v1/products/search", till.base),
        &[("q", query)],
    )
    .unwrap();
    let r = till.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    let found: Value = r.json().await.unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn type_ahead_search_works_offline_and_follows_the_feed() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let till = start_till(dir.path()).await;
    let tea = "Assam Tea 250 g";
    let rice = "Rice (kg)";
    assert_eq!(search(&till, "ass").await, [tea]);
    assert_eq!(search(&till, "TEA 25").await, [tea]);
    assert_eq!(search(&till, "ri").await, [rice]);
    assert_eq!(search(&till, "sku").await.len(), 2);
    assert_eq!(search(&till, "8901234").await, [tea], "barcode as printed");
    assert_eq!(search(&till, "SKU-1").await, [rice]);
    // Query syntax is just text here.
    for odd in ["\"", "*)(", "tea OR", "NEAR(a b)", "-", "ri*ce"] {
        let found = search(&till, odd).await;
        assert!(found.len() <= 2, "{odd}: {found:?}");
    }
    assert!(
        search(&till, "tea OR").await.is_empty(),
        "every word must match"
    );

    // HQ renames the rice; the feed brings it and search follows at once.
    let store = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let old = store
        .with_conn(|c| catalog::product_by_barcode(c, &Gtin::parse(RICE).unwrap()))
        .unwrap()
        .unwrap();
    let renamed = pos_shared::sync::VariantRecord {
        variant_id: old.variant_id,
        product_id: pos_shared::ProductId::new(),
        name: "Basmati Rice Crème".into(),
        sku: "BAS-5".into(),
        barcode: old.barcode.clone(),
        price: old.price,
        tax: old.tax.clone(),
        modifiers: Vec::new(),
        placement: Default::default(),
        details: Default::default(),
    };
    let renamed_again = renamed.clone();
    let page = FeedPage {
        protocol_version: 1,
        changes: vec![Change {
            seq: 5,
            body: ChangeBody::VariantUpserted(renamed),
        }],
        next_cursor: 5,
        has_more: false,
        cursor_mark: None,
    };
    store
        .with_conn(|c| feed::apply_feed_page(c, credential.store_id, &page))
        .unwrap();
    let new = "Basmati Rice Crème";
    assert_eq!(search(&till, "basm").await, [new]);
    assert_eq!(search(&till, "creme").await, [new], "accents folded");
    assert_eq!(search(&till, "bas-5").await, [new]);
    assert!(search(&till, "kg").await.is_empty(), "the old name is gone");
    assert!(search(&till, "sku-1").await.is_empty());

    // Brand, synonyms and a second barcode arrive, then change: search and
    // scanning follow every version, and forget what was taken away.
    let placed = |seq: u64, brand: &str, synonyms: &[&str], extra: &[&str]| {
        let mut item = renamed_again.clone();
        item.placement = pos_shared::catalog::Placement {
            brand: Some(brand.into()),
            synonyms: synonyms.iter().map(|s| s.to_string()).collect(),
            extra_barcodes: extra.iter().map(|b| Gtin::parse(b).unwrap()).collect(),
            ..Default::default()
        };
        FeedPage {
            protocol_version: 3,
            changes: vec![Change {
                seq,
                body: ChangeBody::VariantUpserted(item),
            }],
            next_cursor: seq,
            has_more: false,
            cursor_mark: None,
        }
    };
    store
        .with_conn(|c| {
            feed::apply_feed_page(
                c,
                credential.store_id,
                &placed(6, "India Gate", &["chawal", "basmati"], &["96385074"]),
            )
        })
        .unwrap();
    assert_eq!(search(&till, "india ga").await, [new]);
    assert_eq!(search(&till, "chaw").await, [new]);
    assert_eq!(search(&till, "96385").await, [new]);
    let (status, by_case) = till.get("/v1/products/by-barcode/96385074").await;
    assert_eq!(
        (status, by_case["name"].as_str()),
        (StatusCode::OK, Some(new))
    );
    store
        .with_conn(|c| {
            feed::apply_feed_page(
                c,
                credential.store_id,
                &placed(7, "Daawat", &["basmati"], &[]),
            )
        })
        .unwrap();
    assert_eq!(search(&till, "daawat").await, [new]);
    assert!(
        search(&till, "india").await.is_empty(),
        "the old brand is gone"
    );
    assert!(
        search(&till, "chawal").await.is_empty(),
        "the old synonym is gone"
    );
    assert!(search(&till, "96385").await.is_empty());
    let (status, _) = till.get("/v1/products/by-barcode/96385074").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the old second barcode is gone"
    );

    for (path, field) in [
        ("/v1/products/search", "q"),
        ("/v1/products/search?q=tea&limit=0", "limit"),
        ("/v1/products/search?q=tea&limit=many", "limit"),
        ("/v1/products/search?q=tea&sort=price", "sort"),
    ] {
        let (status, problem) = till.get(path).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(problem["field"], field, "{path}: {problem}");
    }
    let long = "a".repeat(101);
    let (status, _) = till.get(&format!("/v1/products/search?q={long}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    till.agent.stop();
}

#[tokio::test]
async fn a_snapshot_is_searchable_when_it_is_applied_and_the_feed_keeps_it_so() {
    use edge_agent::store::snapshot;
    use pos_shared::sync::SnapshotRecord;
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let till = start_till(dir.path()).await;
    let store = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let tea = store
        .with_conn(|c| catalog::product_by_barcode(c, &Gtin::parse(TEA).unwrap()))
        .unwrap()
        .unwrap();
    let mut renamed = soap();
    renamed.variant_id = tea.variant_id;
    renamed.name = "Darjeeling Tea 250 g".into();
    renamed.barcode = tea.barcode.clone();
    let mut dal = soap();
    dal.name = "Masoor Dal 1 kg".into();
    dal.sku = "DAL-1".into();
    dal.barcode = Gtin::parse(&ean("890100000077")).unwrap();
    dal.placement = pos_shared::catalog::Placement {
        brand: Some("Tata Sampann".into()),
        synonyms: vec!["lentils".into()],
        extra_barcodes: vec![Gtin::parse("96385074").unwrap()],
        ..Default::default()
    };
    let records = vec![
        SnapshotRecord::Variant(renamed),
        SnapshotRecord::Variant(dal.clone()),
    ];

    // Half applied: search still answers from the index the replica held.
    let empty = store.with_conn(snapshot::begin).unwrap();
    store
        .with_conn(|c| snapshot::apply_batch(c, 20, &records, empty))
        .unwrap();
    assert_eq!(search(&till, "rice").await, ["Rice (kg)"]);
    assert!(search(&till, "masoor").await.is_empty());

    // Applied: the till sells at once, and the search index is rebuilt
    // after, in steps; until a step reaches a row, search answers as before.
    store.with_conn(|c| snapshot::finish(c, 20, None)).unwrap();
    let (_, status) = till.get("/v1/sync/status").await;
    assert_eq!(status["search_indexing"], true, "{status}");
    assert!(search(&till, "masoor").await.is_empty(), "not indexed yet");
    while store
        .with_conn(edge_agent::store::search_index::rebuild_step)
        .unwrap()
    {}
    let (_, status) = till.get("/v1/sync/status").await;
    assert_eq!(status["search_indexing"], false, "{status}");
    // Every field of every variant is found, the old name is not.
    let darjeeling = ["Darjeeling Tea 250 g"];
    let masoor = ["Masoor Dal 1 kg"];
    assert_eq!(search(&till, "darj").await, darjeeling);
    assert!(
        search(&till, "assam").await.is_empty(),
        "the old name is gone"
    );
    assert_eq!(search(&till, "masoor").await, masoor);
    assert_eq!(search(&till, "tata samp").await, masoor, "brand");
    assert_eq!(search(&till, "lentil").await, masoor, "synonym");
    assert_eq!(search(&till, "dal-1").await, masoor, "SKU");
    assert_eq!(search(&till, "96385").await, masoor, "second barcode");
    assert_eq!(search(&till, "890100000077").await, masoor, "barcode");
    // The snapshot is the whole catalog: an item it did not send (deleted
    // while the feed was pruned past it, say) is gone from the till.
    assert!(
        search(&till, "rice").await.is_empty(),
        "left out of the snapshot, so gone"
    );

    // The feed takes over: a deleted item leaves the index with its row.
    apply_changes(
        dir.path(),
        credential.store_id,
        21,
        vec![ChangeBody::VariantDeleted {
            variant_id: dal.variant_id,
        }],
    );
    assert!(search(&till, "masoor").await.is_empty());
    assert!(search(&till, "96385").await.is_empty());
    assert_eq!(search(&till, "darj").await, darjeeling);
    till.agent.stop();
}

/// The rebuild after a snapshot goes step by step; feed pages that index
/// variants between steps, and a restart midway, leave every variant found
/// once under its current name.
#[tokio::test]
async fn the_search_index_is_rebuilt_in_steps_that_survive_feed_pages_and_restarts() {
    use edge_agent::store::{search_index, snapshot};
    use pos_shared::sync::SnapshotRecord;
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let store = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    let items: Vec<_> = (0..7u64)
        .map(|i| {
            let mut v = soap();
            v.variant_id = pos_shared::VariantId::new();
            v.name = format!("Kurkure Masala {i}");
            v.sku = format!("KUR-{i}");
            v.barcode = Gtin::parse(&ean(&format!("8901000001{i:02}"))).unwrap();
            v
        })
        .collect();
    let records: Vec<_> = items.iter().cloned().map(SnapshotRecord::Variant).collect();
    let empty = store.with_conn(snapshot::begin).unwrap();
    store
        .with_conn(|c| snapshot::apply_batch(c, 20, &records, empty))
        .unwrap();
    store.with_conn(|c| snapshot::finish(c, 20, None)).unwrap();

    // Two steps of two, then a feed page renames an item not reached yet and
    // one already indexed.
    for _ in 0..2 {
        assert!(store
            .with_conn(|c| search_index::rebuild_step_of(c, 2))
            .unwrap());
    }
    let mut late = items[6].clone();
    late.name = "Bhujia Sev 6".into();
    let mut early = items[0].clone();
    early.name = "Bhujia Sev 0".into();
    apply_changes(
        dir.path(),
        credential.store_id,
        21,
        vec![
            ChangeBody::VariantUpserted(late),
            ChangeBody::VariantUpserted(early),
        ],
    );
    // A restart midway: the rebuild is still pending and goes on.
    drop(store);
    let store = LocalStore::open(&dir.path().join("edge.db")).unwrap();
    assert!(store.with_conn(|c| search_index::rebuilding(c)).unwrap());
    while store
        .with_conn(|c| search_index::rebuild_step_of(c, 2))
        .unwrap()
    {}
    assert!(!store.with_conn(|c| search_index::rebuilding(c)).unwrap());

    let till = start_till(dir.path()).await;
    let mut kurkure = search(&till, "kurkure").await;
    kurkure.sort();
    assert_eq!(
        kurkure,
        (1..6)
            .map(|i| format!("Kurkure Masala {i}"))
            .collect::<Vec<_>>(),
        "each once, the renamed ones not under their old name"
    );
    let mut bhujia = search(&till, "bhujia").await;
    bhujia.sort();
    assert_eq!(bhujia, ["Bhujia Sev 0", "Bhujia Sev 6"]);
    till.agent.stop();
}

#[tokio::test]
async fn quick_keys_follow_the_category_tree_and_keep_unplaced_items() {
    use pos_shared::catalog::{CategoryRecord, Placement};
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let node = |name: &str, parent: Option<pos_shared::CategoryId>, position: u32| CategoryRecord {
        category_id: pos_shared::CategoryId::new(),
        parent_id: parent,
        name: name.into(),
        position,
    };
    let snacks = node("Snacks", None, 2);
    let drinks = node("Drinks", None, 1);
    let cold = node("Cold", Some(drinks.category_id), 0);
    let keyed = |name: &str, code: &str, category: Option<&CategoryRecord>, key: u16| {
        let mut item = soap();
        item.variant_id = pos_shared::VariantId::new();
        item.name = name.into();
        item.sku = name.to_uppercase();
        item.barcode = Gtin::parse(code).unwrap();
        item.placement = Placement {
            category_id: category.map(|c| c.category_id),
            quick_key: Some(key),
            ..Placement::default()
        };
        item
    };
    apply_changes(
        dir.path(),
        credential.store_id,
        10,
        vec![
            ChangeBody::CategoryUpserted(snacks.clone()),
            ChangeBody::CategoryUpserted(drinks.clone()),
            ChangeBody::CategoryUpserted(cold.clone()),
            ChangeBody::VariantUpserted(keyed("Lassi", "96385074", Some(&cold), 2)),
            ChangeBody::VariantUpserted(keyed("Cola", &ean("890100000001"), Some(&cold), 1)),
            ChangeBody::VariantUpserted(keyed("Chips", &ean("890100000002"), Some(&snacks), 1)),
            // A category this till has not heard of yet, and none at all.
            ChangeBody::VariantUpserted(keyed(
                "Samosa",
                &ean("890100000003"),
                Some(&node("Hot", None, 0)),
                1,
            )),
            ChangeBody::VariantUpserted(keyed("Bag", &ean("890100000004"), None, 9)),
        ],
    );
    let till = start_till(dir.path()).await;
    let (status, pages) = till.get("/v1/quick-keys").await;
    assert_eq!(status, StatusCode::OK, "{pages}");
    let shown: Vec<(String, Vec<&str>)> = pages
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let path: Vec<&str> = p["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            let keys = p["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["name"].as_str().unwrap())
                .collect();
            (path.join(" / "), keys)
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("Drinks / Cold".to_owned(), vec!["Cola", "Lassi"]),
            ("Snacks".to_owned(), vec!["Chips"]),
            ("Other".to_owned(), vec!["Samosa", "Bag"]),
        ]
    );
    assert!(pages[2]["category_id"].is_null());
    let (_, tree) = till.get("/v1/categories").await;
    let names: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Drinks", "Cold", "Snacks"]);
    till.agent.stop();
}

/// A cashier's typo still finds the item, offline: a word no item's word
/// starts with is searched as the words nearest it (one slip in a short
/// word, two in a long one), the most common first; a word near nothing
/// finds nothing, and what is typed right is searched as typed.
#[tokio::test]
async fn a_typo_finds_the_item_the_cashier_meant() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let item = |name: &str, sku: &str, body: &str| pos_shared::sync::VariantRecord {
        name: name.into(),
        sku: sku.into(),
        variant_id: pos_shared::VariantId::new(),
        product_id: pos_shared::ProductId::new(),
        barcode: Gtin::with_check_digit(body).unwrap(),
        ..soap()
    };
    add_items(
        dir.path(),
        credential.store_id,
        10,
        vec![
            item("Toor Dal 1 kg", "DAL-1", "890100000001"),
            item("Moong Dal 500 g", "DAL-2", "890100000002"),
            item("Basmati Rice 5 kg", "RICE-5", "890100000003"),
            item("Sugar 1 kg", "SUG-1", "890100000004"),
            item("Turmeric Powder 100 g", "TUR-1", "890100000005"),
            item("चीनी शक्कर", "SUG-2", "890100000006"),
            item("ചായപ്പൊടി", "TEA-9", "890100000007"),
        ],
    );
    let till = start_till(dir.path()).await;
    assert_eq!(
        search(&till, "tor dal").await,
        ["Toor Dal 1 kg"],
        "a letter missed"
    );
    assert_eq!(search(&till, "toor dal").await, ["Toor Dal 1 kg"]);
    assert_eq!(search(&till, "basmti").await, ["Basmati Rice 5 kg"]);
    assert_eq!(
        search(&till, "suagr").await,
        ["Sugar 1 kg"],
        "two letters swapped"
    );
    assert_eq!(search(&till, "tumeric").await, ["Turmeric Powder 100 g"]);
    assert_eq!(
        search(&till, "termeric powdr").await,
        ["Turmeric Powder 100 g"]
    );
    assert_eq!(search(&till, "dal").await.len(), 2, "as typed, a prefix");
    assert!(search(&till, "zqxv").await.is_empty(), "near nothing");
    // Words of Indian scripts are found as typed, whole or in part.
    for typed in ["चीनी", "चीनी शक्कर", "शक्कर", "ची"] {
        assert_eq!(search(&till, typed).await, ["चीनी शक्कर"], "{typed}");
    }
    for typed in ["ചായപ്പൊടി", "ചായ"] {
        assert_eq!(search(&till, typed).await, ["ചായപ്പൊടി"], "{typed}");
    }
    assert!(
        search(&till, "tor xqzvw").await.is_empty(),
        "every word must match"
    );
    let mut rice = search(&till, "rce").await;
    rice.sort();
    assert_eq!(
        rice,
        ["Basmati Rice 5 kg", "Rice (kg)"],
        "a short slip: one edit"
    );
    till.agent.stop();
}
