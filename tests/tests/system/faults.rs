//! The fault harness: tills keep selling while their links to the hub drop,
//! stall, duplicate, reorder and lose answers, and while tills and the hub are
//! killed with SIGKILL and restarted. At the end every invariant must hold: each
//! sale and movement exactly once at the hub, positions equal to the ledger and to
//! what was sold, every till converged, every till database intact. It runs
//! on one hub process per backend, and on two processes sharing one
//! PostgreSQL with the tills split between them.
//!
//! Seeded: the seed is printed at the start (shown on failure); `FAULT_SEED=<n>`
//! replays a run. `FAULT_SOAK=1` runs the long version (more tills, sales, faults).

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::proxy::{FaultProxy, Mode};
use crate::{demo_chain, hub_positions, wait_synced};
use pos_shared::{Gtin, Qty};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use system_tests::DEMO_CATALOG;

struct Plan {
    tills: usize,
    sales_per_till: usize,
    min_faults: usize,
}

fn plan() -> Plan {
    if std::env::var_os("FAULT_SOAK").is_some() {
        Plan {
            tills: 8,
            sales_per_till: 1500,
            min_faults: 400,
        }
    } else {
        Plan {
            tills: 5,
            sales_per_till: 400,
            min_faults: 50,
        }
    }
}

fn seed() -> u64 {
    match std::env::var("FAULT_SEED") {
        Ok(s) => s.parse().expect("FAULT_SEED must be a number"),
        Err(_) => fastrand::u64(..),
    }
}

/// Sends a request until the till answers with success (it may be dead for a while).
async fn until_answered(make: impl Fn() -> reqwest::RequestBuilder) -> Value {
    loop {
        match make().send().await {
            Ok(r) if r.status().is_success() => {
                if let Ok(body) = r.json::<Value>().await {
                    return body;
                }
            }
            Ok(r) => panic!(
                "the till refused: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ),
            // Killed or restarting: the same request again.
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Makes sure a shift is open: asks until the till answers, a conflict
/// (one is open already, say after a kill) being as good as a new one.
async fn ensure_shift(make: impl Fn() -> reqwest::RequestBuilder) {
    loop {
        match make().send().await {
            Ok(r) if r.status().is_success() || r.status() == reqwest::StatusCode::CONFLICT => {
                return
            }
            Ok(r) => panic!(
                "the till refused a shift: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Sends a request that is not safe to repeat once: its answer, or `None` when
/// the till died before answering (whether it acted is then found out from
/// the hub). A refusal is a failure of the test.
async fn once(request: reqwest::RequestBuilder) -> Option<Value> {
    let r = request.send().await.ok()?;
    let status = r.status();
    let body: Value = r.json().await.ok()?;
    assert!(status.is_success(), "the till refused: {status} {body}");
    Some(body)
}

/// What the sellers share: sale ids rung up at each till (so another till can
/// reuse one, as a faulty client would), the ids reused, and the sales
/// returned (never reused: which of two sales keeps a reused id is a race).
#[derive(Default)]
struct Shared {
    fresh: std::sync::Mutex<Vec<(usize, String)>>,
    reused: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// What one till's seller did.
#[derive(Default)]
struct Rung {
    /// Sales the till answered, with whether their id was reused from another till.
    sales: Vec<(Value, bool)>,
    /// Returns the till answered.
    returns: Vec<Value>,
    /// Returns sent whose answer was lost (the till died): recorded or not.
    returns_unknown: usize,
    /// Shift closes the till answered.
    shift_closes: usize,
}

fn random_lines(rng: &mut fastrand::Rng) -> Vec<Value> {
    // Mostly one or two lines; now and then a big basket, up to a bill's limit.
    let count = if rng.usize(..100) == 0 {
        rng.usize(25..=pos_shared::limits::MAX_SALE_LINES)
    } else {
        rng.usize(1..=2)
    };
    (0..count)
        .map(|_| {
            let item = &DEMO_CATALOG[rng.usize(..DEMO_CATALOG.len())];
            // Loose rice by weight; packets in whole numbers.
            let qty = match item.unit {
                "each" => ["1", "2", "3"][rng.usize(..3)],
                _ => ["1", "2", "0.25", "0.5"][rng.usize(..4)],
            };
            json!({"barcode": item.barcode, "qty": qty})
        })
        .collect()
}

/// Rings up `n` random baskets at till `index` at `base` (each retried with its
/// sale id until the till answers), and around them what a store does all day:
/// item-state and customer edits, held and resumed bills, returns, shift
/// closes, and now and then a sale under an id another till already used.
async fn sell_many(base: String, index: usize, n: usize, seed: u64, shared: Arc<Shared>) -> Rung {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut rung = Rung::default();
    let open_shift = |http: &reqwest::Client| {
        let body = json!({"cashier": format!("Cashier {index}"), "opening_float": {"minor": 100_000, "currency": "INR"}});
        http.post(format!("{base}/v1/shifts")).json(&body)
    };
    ensure_shift(|| open_shift(&http)).await;
    for i in 0..n {
        match rng.usize(..40) {
            0..=3 => {
                let item = &DEMO_CATALOG[rng.usize(..DEMO_CATALOG.len())];
                let patch = match rng.u8(..3) {
                    0 => json!({"disabled": rng.bool()}),
                    1 => {
                        json!({"shelf": format!("{}{}", ['A', 'B', 'C'][rng.usize(..3)], rng.u8(1..9))})
                    }
                    _ => {
                        let note = ["", "check expiry", "reorder"][rng.usize(..3)];
                        json!({ "note": note })
                    }
                };
                let url = format!("{base}/v1/item-state/{}", item.barcode);
                until_answered(|| http.put(&url).json(&patch)).await;
            }
            4 => {
                let phone = format!("98765 4321{}", rng.u8(..10));
                let name = ["Meera", "Ravi", "Asha", "Kabir"][rng.usize(..4)];
                let url = format!("{base}/v1/customers/{phone}");
                until_answered(|| http.put(&url).json(&json!({ "name": name }))).await;
            }
            5 => {
                // A return of the first line of one of this till's sales.
                let candidates: Vec<&Value> = rung
                    .sales
                    .iter()
                    .filter(|(_, reused)| !reused)
                    .map(|(s, _)| s)
                    .collect();
                if let Some(sale) = candidates.get(rng.usize(..candidates.len().max(1))) {
                    let id = sale["sale_id"].as_str().unwrap().to_owned();
                    // Only a sale whose id nobody reused may be returned.
                    let claimed = {
                        let mut fresh = shared.fresh.lock().unwrap();
                        let at = fresh.iter().position(|(_, f)| *f == id);
                        at.map(|at| fresh.remove(at)).is_some()
                    };
                    if claimed {
                        let body = json!({
                            "original_receipt_no": sale["receipt_no"], "refund_to": "cash",
                            "reason": "harness", "lines": [{"sale_line": 0, "qty": sale["lines"][0]["qty"]}],
                        });
                        match once(http.post(format!("{base}/v1/returns")).json(&body)).await {
                            Some(ret) => rung.returns.push(ret),
                            None => rung.returns_unknown += 1,
                        }
                    }
                }
            }
            6 if i > 0 && rng.usize(..3) == 0 => {
                // Close the shift and open the next one.
                let close = json!({"counted_cash": {"minor": 0, "currency": "INR"}});
                if once(
                    http.post(format!("{base}/v1/shifts/current/close"))
                        .json(&close),
                )
                .await
                .is_some()
                {
                    rung.shift_closes += 1;
                }
                // The till may have died with the close: whether it closed
                // or not, a shift must be open before the next close.
                ensure_shift(|| open_shift(&http)).await;
            }
            _ => {}
        }
        let mut lines = random_lines(&mut rng);
        if rng.usize(..30) == 0 {
            // Parked and resumed (on this till) before it is paid.
            let hold = json!({ "lines": lines });
            if let Some(bill) = once(http.post(format!("{base}/v1/held-bills")).json(&hold)).await {
                let url = format!(
                    "{base}/v1/held-bills/{}/resume",
                    bill["bill_id"].as_str().unwrap()
                );
                if let Some(resumed) = once(http.post(url).json(&json!({}))).await {
                    lines = resumed["lines"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|l| json!({"barcode": l["barcode"], "qty": l["qty"]}))
                        .collect();
                }
            }
        }
        // Now and then a sale under an id another till already used.
        let reused = (rng.usize(..60) == 0)
            .then(|| {
                let mut fresh = shared.fresh.lock().unwrap();
                let theirs: Vec<usize> =
                    (0..fresh.len()).filter(|&k| fresh[k].0 != index).collect();
                let pick = *theirs.get(rng.usize(..theirs.len().max(1)))?;
                let (_, id) = fresh.remove(pick);
                shared.reused.lock().unwrap().insert(id.clone());
                Some(id)
            })
            .flatten();
        let sale_id = reused
            .clone()
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let body = json!({
            "sale_id": sale_id,
            "lines": lines,
            "tenders": [{"method": "cash", "amount": {"minor": 100_000_000, "currency": "INR"}}],
        });
        let url = format!("{base}/v1/sales");
        let sale = until_answered(|| http.post(&url).json(&body)).await;
        if reused.is_none() {
            shared.fresh.lock().unwrap().push((index, sale_id));
        }
        rung.sales.push((sale, reused.is_some()));
    }
    rung
}

pub(crate) async fn tills_converge_under_faults(backend: Backend) {
    converge_under_faults(backend, 1).await
}

/// The same with two hub processes on one PostgreSQL and the tills split
/// between them: either process is killed now and then, and a till's
/// changes reach the tills of the other process through the database.
pub(crate) async fn tills_on_two_hub_processes_converge_under_faults() {
    converge_under_faults(Backend::Postgres, 2).await
}

async fn converge_under_faults(backend: Backend, processes: usize) {
    let seed = seed();
    let plan = plan();
    eprintln!(
        "fault harness: seed {seed} (replay with FAULT_SEED={seed}), {} tills x {} sales, {processes} hub process(es)",
        plan.tills, plan.sales_per_till
    );
    let mut hubs = vec![Hub::start(backend).await];
    while hubs.len() < processes {
        let next = hubs[0].beside().await;
        hubs.push(next);
    }
    let (hq, store, codes) = demo_chain(&hubs[0], plan.tills).await;
    let mut proxies = Vec::new();
    let mut tills = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let hub = &hubs[i % hubs.len()];
        let proxy = FaultProxy::start(hub.addr(), seed.wrapping_add(i as u64)).await;
        tills.push(Agent::start_at(&proxy.url, code).await);
        proxies.push(proxy);
    }
    // Faults start once every till has the catalog, so every sale can be priced.
    for till in &tills {
        wait_synced(till, &hq, &store).await;
    }

    let shared = Arc::new(Shared::default());
    let sellers: Vec<_> = tills
        .iter()
        .enumerate()
        .map(|(i, t)| {
            tokio::spawn(sell_many(
                t.base.clone(),
                i,
                plan.sales_per_till,
                seed ^ (i as u64 + 1) << 32,
                shared.clone(),
            ))
        })
        .collect();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut faults: Vec<String> = Vec::new();
    while faults.len() < plan.min_faults || !sellers.iter().all(|s| s.is_finished()) {
        tokio::time::sleep(Duration::from_millis(rng.u64(20..200))).await;
        let i = rng.usize(..tills.len());
        let hold = Duration::from_millis(rng.u64(100..700));
        // With two processes, each is killed at least once while the tills
        // are surely still selling; the rest is left to chance.
        let forced_kill = match (hubs.len(), faults.len()) {
            (2, 2) => Some(1),
            (2, 5) => Some(0),
            _ => None,
        };
        let kind = match forced_kill {
            Some(_) => 1,
            None => rng.u8(..8),
        };
        let fault = match kind {
            0 => {
                tills[i].kill();
                tokio::time::sleep(hold).await;
                tills[i].restart().await;
                format!("KillTill till {i}")
            }
            1 => {
                let h = forced_kill.unwrap_or_else(|| rng.usize(..hubs.len()));
                hubs[h].stop();
                tokio::time::sleep(hold).await;
                hubs[h].restart().await;
                match hubs.len() {
                    1 => "KillHub".to_owned(),
                    _ => format!("KillHub {h}"),
                }
            }
            n => {
                let mode = [
                    Mode::Partition,
                    Mode::Delay,
                    Mode::CutResponse,
                    Mode::Duplicate,
                    Mode::Replay,
                    Mode::CutResponse,
                ][usize::from(n) - 2];
                proxies[i].set_mode(mode);
                tokio::time::sleep(hold).await;
                proxies[i].set_mode(Mode::Pass);
                format!("{mode:?} till {i}")
            }
        };
        faults.push(fault);
    }
    let mut rung = Vec::new();
    for s in sellers {
        rung.push(s.await.expect("seller"));
    }
    let reused = shared.reused.lock().unwrap().clone();
    let context = || {
        format!(
            "seed {seed}; {} faults: {}\n{}",
            faults.len(),
            faults.join(", "),
            hubs.iter()
                .enumerate()
                .map(|(h, hub)| format!("hub {h} log:\n{}", hub.log()))
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    assert!(faults.len() >= plan.min_faults);
    let sales: Vec<&Value> = rung
        .iter()
        .flat_map(|r| r.sales.iter().map(|(s, _)| s))
        .collect();
    assert_eq!(sales.len(), plan.tills * plan.sales_per_till);

    for till in &tills {
        // The PostgreSQL hub takes a few thousand ledger movements a second
        // from tills (see the README's figures); five tills' backlogs of up to
        // 1,000-line baskets, with the faults' retries, can take minutes.
        eventually(
            "every till to drain its queue",
            360,
            || async move {
                let s = till.status().await;
                s["queued"] == 0 && s["online"] == true
            },
            || format!("{}\ntill log:\n{}", context(), till.log()),
        )
        .await;
    }

    // Every fact a till set aside is at HQ, and every one is explained: one
    // of the two sales under each reused id, refused as an id conflict.
    let held: u64 = {
        let mut n = 0;
        for till in &tills {
            n += till.status().await["quarantined"].as_u64().unwrap();
        }
        n
    };
    assert_eq!(
        held as usize,
        reused.len(),
        "one quarantine per reused id; {}",
        context()
    );
    let mut quarantined = Vec::new();
    eventually(
        "HQ to see every quarantined fact",
        60,
        || {
            let (hq, store, want) = (&hq, &store, reused.len());
            async move {
                hq.quarantine(store)
                    .await
                    .map(|q| q.len() == want)
                    .unwrap_or(false)
            }
        },
        context,
    )
    .await;
    quarantined.extend(hq.quarantine(&store).await.unwrap());
    for q in &quarantined {
        let id = q["event_id"].as_str().unwrap();
        assert!(
            reused.contains(id) && q["reason"].as_str().unwrap().starts_with("id_conflict:"),
            "an unexplained quarantine: {q}; {}",
            context()
        );
    }
    // HQ writes them off; the tills set them aside and drop their movements.
    for q in &quarantined {
        hq.decide_quarantined(
            &store,
            q["terminal_id"].as_str().unwrap(),
            q["event_id"].as_str().unwrap(),
            "write-off",
            "the harness reused this sale id on purpose",
        )
        .await
        .unwrap();
    }
    for till in &tills {
        eventually(
            "every till to carry out the write-offs",
            120,
            || async move { till.status().await["quarantined"] == 0 },
            || format!("{}\ntill log:\n{}", context(), till.log()),
        )
        .await;
    }

    // Each sale that was not set aside, and each of its movements, exactly
    // once at the hub.
    let set_aside: std::collections::HashSet<(String, String)> = quarantined
        .iter()
        .map(|q| {
            (
                q["event_id"].as_str().unwrap().to_owned(),
                q["terminal_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let key = |s: &Value| {
        (
            s["sale_id"].as_str().unwrap().to_owned(),
            s["terminal_id"].as_str().unwrap().to_owned(),
        )
    };
    let kept: Vec<&Value> = sales
        .iter()
        .copied()
        .filter(|s| !set_aside.contains(&key(s)))
        .collect();
    let mut made: Vec<(String, String)> = kept.iter().map(|s| key(s)).collect();
    made.sort_unstable();
    let at_hub = hq.sales(&store).await.unwrap();
    let mut received: Vec<(String, String)> = at_hub.iter().map(key).collect();
    received.sort_unstable();
    assert_eq!(received, made, "each sale exactly once; {}", context());

    let movements = hq.movements(&store).await.unwrap();
    let mut made_movements: Vec<&str> = kept
        .iter()
        .flat_map(|s| s["lines"].as_array().unwrap())
        .map(|l| l["movement_id"].as_str().unwrap())
        .collect();
    made_movements.sort_unstable();
    let mut hub_movements: Vec<&str> = movements
        .iter()
        .filter(|m| m["reason"] == "sale")
        .map(|m| m["movement_id"].as_str().unwrap())
        .collect();
    hub_movements.sort_unstable();
    assert_eq!(
        hub_movements,
        made_movements,
        "each movement exactly once; {}",
        context()
    );
    // Every answered return is at the hub once; a return whose answer was lost
    // may or may not have been made, never twice.
    let answered: Vec<&str> = rung
        .iter()
        .flat_map(|r| &r.returns)
        .flat_map(|r| r["lines"].as_array().unwrap())
        .map(|l| l["movement_id"].as_str().unwrap())
        .collect();
    let returned: Vec<&Value> = movements
        .iter()
        .filter(|m| m["reason"] == "return")
        .collect();
    let returned_ids: std::collections::HashSet<&str> = returned
        .iter()
        .map(|m| m["movement_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        returned_ids.len(),
        returned.len(),
        "each return movement once"
    );
    for id in &answered {
        assert!(
            returned_ids.contains(id),
            "return movement {id} missing at the hub; {}",
            context()
        );
    }
    let unknown: usize = rung.iter().map(|r| r.returns_unknown).sum();
    assert!(returned.len() <= answered.len() + unknown, "{}", context());
    let closes: usize = rung.iter().map(|r| r.shift_closes).sum();
    let hub_closes = hq.shifts(&store).await.unwrap().len();
    assert!(
        hub_closes >= closes,
        "every answered shift close is at the hub; {}",
        context()
    );

    // Positions equal the ledger, and the opening stock minus everything sold
    // plus everything returned.
    let mut ledger: BTreeMap<String, Qty> = BTreeMap::new();
    for m in &movements {
        let e = ledger
            .entry(m["variant_id"].as_str().unwrap().to_owned())
            .or_default();
        *e = e
            .checked_add(Qty::parse(m["delta"].as_str().unwrap()).unwrap())
            .unwrap();
    }
    let inventory = hq.inventory(&store).await.unwrap();
    let mut barcode_of: BTreeMap<String, String> = BTreeMap::new();
    for p in inventory["positions"].as_array().unwrap() {
        let on_hand = Qty::parse(p["on_hand"].as_str().unwrap()).unwrap();
        assert_eq!(
            on_hand,
            ledger[p["variant_id"].as_str().unwrap()],
            "position = ledger sum; {}",
            context()
        );
        barcode_of.insert(
            p["variant_id"].as_str().unwrap().to_owned(),
            p["barcode"].as_str().unwrap().to_owned(),
        );
    }
    let mut expected: BTreeMap<String, Qty> = DEMO_CATALOG
        .iter()
        .map(|i| {
            (
                Gtin::parse(i.barcode).unwrap().as_str().to_owned(),
                Qty::parse(i.stock).unwrap(),
            )
        })
        .collect();
    for line in kept.iter().flat_map(|s| s["lines"].as_array().unwrap()) {
        let e = expected.get_mut(line["barcode"].as_str().unwrap()).unwrap();
        *e = e
            .checked_sub(Qty::parse(line["qty"].as_str().unwrap()).unwrap())
            .unwrap();
    }
    for m in &returned {
        let e = expected
            .get_mut(&barcode_of[m["variant_id"].as_str().unwrap()])
            .unwrap();
        *e = e
            .checked_add(Qty::parse(m["delta"].as_str().unwrap()).unwrap())
            .unwrap();
    }
    let expected: BTreeMap<String, String> = expected
        .into_iter()
        .map(|(b, q)| (b, q.to_string()))
        .collect();
    assert_eq!(hub_positions(&hq, &store).await, expected, "{}", context());

    // Every replica of the item-state document holds the same content: every
    // till and the hub's copy.
    let saved = hq
        .document(&store, "item_state")
        .await
        .unwrap_or_else(|e| panic!("{e}; {}\ntill 0 log:\n{}", context(), tills[0].log()));
    let hub_doc = automerge::AutoCommit::load(&saved).unwrap();
    let hub_items = till_view(&flat_document(&hub_doc));
    for till in &tills {
        let want = hub_items.clone();
        // Generous: on a loaded two-core machine the tills' 200-sale uploads
        // queue behind one another on the tenant lock, and a till in backoff
        // waits up to 30 s between tries.
        eventually(
            "the till's item state to equal the hub's document",
            120,
            move || {
                let want = want.clone();
                async move { till.get("/v1/item-state").await.1 == want }
            },
            || format!("{}\ntill log:\n{}", context(), till.log()),
        )
        .await;
    }

    // Every till converged, and every till database is intact.
    for till in &tills {
        wait_synced(till, &hq, &store).await;
        let conn = rusqlite::Connection::open(till.data_dir.join("edge.db")).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "{}", context());
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &faults {
        *kinds
            .entry(f.split(" till").next().unwrap_or(f))
            .or_default() += 1;
    }
    let big = sales
        .iter()
        .filter(|s| s["lines"].as_array().unwrap().len() >= 25)
        .count();
    let most = sales
        .iter()
        .map(|s| s["lines"].as_array().unwrap().len())
        .max()
        .unwrap_or(0);
    eprintln!(
        "fault harness: {} sales ({big} of 25 to {most} lines), {} reused ids quarantined and written off, \
         {} returns ({} unanswered), {closes} shift closes, {} faults {kinds:?}, converged",
        sales.len(),
        reused.len(),
        answered.len(),
        unknown,
        faults.len()
    );
}

/// `<gtin>/<field>` -> value, from an Automerge document.
fn flat_document(doc: &automerge::AutoCommit) -> BTreeMap<String, Value> {
    use automerge::{ReadDoc, ScalarValue, Value as AmValue, ROOT};
    doc.keys(ROOT)
        .filter_map(|key| {
            let (value, _) = doc.get(ROOT, key.as_str()).ok()??;
            let json = match value {
                AmValue::Scalar(s) => match s.as_ref() {
                    ScalarValue::Boolean(b) => json!(b),
                    ScalarValue::Str(t) => json!(t.to_string()),
                    other => json!(other.to_string()),
                },
                AmValue::Object(_) => return None,
            };
            Some((key, json))
        })
        .collect()
}

/// What a till's `GET /v1/item-state` shows for a document's content.
fn till_view(flat: &BTreeMap<String, Value>) -> Value {
    let mut items = serde_json::Map::new();
    for (key, value) in flat {
        let Some((gtin, field)) = key.split_once('/') else {
            continue;
        };
        let item = items
            .entry(gtin.to_owned())
            .or_insert_with(|| json!({"disabled": false, "shelf": null, "note": null}));
        item[field] = value.clone();
    }
    Value::Object(items)
}
