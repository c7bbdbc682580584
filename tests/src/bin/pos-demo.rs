//! `pos-demo`: one command that runs a hub and a till on the embedded defaults,
//! with a small demo catalog, and prints where to find them.
//!
//! Everything lives in a fresh directory (printed), so each run starts clean.
//! `POS_DEMO_DIR` picks the directory; `HUB_LISTEN`/`EDGE_LISTEN` the ports.

use edge_agent::config::AgentConfig;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "pos-demo: runs a hub and a till on the embedded defaults, with a demo catalog.

Usage: pos-demo            (no arguments; settings come from the environment)

  POS_DEMO_DIR   the directory for the hub's and the till's data (a fresh one by default)
  HUB_LISTEN     the hub's address (127.0.0.1:8700)
  EDGE_LISTEN    the till's address (127.0.0.1:8710)

It prints where the till's screen is and the keys it made, and runs until stopped.";

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("pos-demo: it takes no arguments, not {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    cloud_hub::init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pos-demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pos-demo: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let dir = match std::env::var("POS_DEMO_DIR") {
        Ok(d) => std::path::PathBuf::from(d),
        Err(_) => std::env::temp_dir().join(format!("pos-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let env_or =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let hub_listen = env_or("HUB_LISTEN", "127.0.0.1:8700");
    let edge_listen = env_or("EDGE_LISTEN", "127.0.0.1:8710");

    // The hub, on its embedded SQLite default.
    let admin_token = cloud_hub::auth::new_secret("admin");
    let db_url = format!("sqlite://{}", dir.join("hub.db").display());
    // Started as the `cloud-hub` binary starts it: every background task runs.
    let listen = hub_listen
        .parse()
        .map_err(|e| format!("HUB_LISTEN {hub_listen}: {e}"))?;
    let hub = cloud_hub::start(cloud_hub::config::HubConfig {
        listen,
        admin_token: Some(pos_shared::Secret::new(admin_token.clone())),
        secret_key: cloud_hub::config::SecretKeySource::File(dir.join("secret.key")),
        ..cloud_hub::config::HubConfig::new(db_url)
    })
    .await?;
    let hub_url = hub.base_url();

    // HQ sets up a store, the catalog and a till, through the real API.
    let hq = system_tests::create_tenant(&hub_url, &admin_token, "Demo Kirana")
        .await
        .map_err(|e| e.to_string())?;
    let (store, codes) = system_tests::seed_demo(&hq, 1)
        .await
        .map_err(|e| e.to_string())?;
    // A person at HQ who signs in (the key above is for systems).
    hq.add_user(DEMO_HQ_USER.0, "Demo Owner", "owner", DEMO_HQ_USER.1)
        .await
        .map_err(|e| e.to_string())?;
    // Staff to sign in with at the till; the PINs are the demo's, printed below.
    for (name, code, role, pin) in DEMO_STAFF {
        hq.create_staff(&store, name, code, role, pin)
            .await
            .map_err(|e| e.to_string())?;
    }

    // A supplier and an order to it, for the till's Goods in screen.
    let order = system_tests::seed_demo_purchase(&hq, &store)
        .await
        .map_err(|e| e.to_string())?;

    // A second store, a transfer on its way here and one HQ asks this
    // store to send, for the till's Transfers screen.
    system_tests::seed_demo_transfers(&hq, &store)
        .await
        .map_err(|e| e.to_string())?;

    // The till, enrolling with its one-time code.
    let agent = edge_agent::start(AgentConfig {
        data_dir: dir.join("till-1"),
        hub_url: hub_url.clone(),
        hub_ca: None,
        allow_insecure_http: false,
        listen: edge_listen
            .parse()
            .map_err(|e| format!("EDGE_LISTEN {edge_listen}: {e}"))?,
        lan: Default::default(),
        enroll_code: codes.into_iter().next().map(pos_shared::Secret::new),
        sync_interval: Duration::from_secs(1),
        max_backoff: Duration::from_secs(30),
        stall_after: edge_agent::sync::DEFAULT_STALL_AFTER,
        feed_wait_secs: 25,
        serial_scanners: Vec::new(),
        hid_scanners: Vec::new(),
        printing: demo_printing(&dir)?,
        // Cash bills round to the nearest rupee, as most Indian stores do.
        sale_policy: edge_agent::pos::sale::SalePolicy {
            cash_rounding_minor: 100,
            // As a store runs by default: the cashier opens a shift first.
            require_open_shift: true,
            ..Default::default()
        },
        // No UPI QR: a made-up VPA might be somebody's real one.
        upi: None,
        // No messaging provider: WhatsApp receipts are click-to-chat links.
        messages: Default::default(),
        wedge: Default::default(),
    })
    .await?;

    println!();
    println!("  Till UI        http://{}/", agent.addr);
    println!("  Till API       http://{}/v1/sync/status", agent.addr);
    println!("  Hub API        {hub_url}/v1/stores/{store}/inventory");
    println!("  HQ API key     {}", hq.credential().unwrap_or_default());
    println!(
        "  HQ sign-in     {} / {} (POST {hub_url}/v1/sessions, or hubctl sign-in)",
        DEMO_HQ_USER.0, DEMO_HQ_USER.1
    );
    println!(
        "  Goods in       {} from Sharma Traders waits at the till (Shift, then Goods in)",
        order["number"].as_str().unwrap_or_default()
    );
    println!("  Transfers      12 tea coming from the HSR dark store, 6 dal to send there (Shift, then Transfers)");
    println!("  Data           {}", dir.display());
    for (name, code, role, pin) in DEMO_STAFF {
        println!("  Sign in        {name} ({role}): code {code}, PIN {pin}");
    }
    println!(
        "  Try barcodes   {}",
        system_tests::DEMO_CATALOG
            .iter()
            .map(|i| i.barcode)
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();
    println!("  Ctrl-C stops both.");
    tokio::select! {
        _ = agent.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    hub.stop().await.map_err(|e| format!("hub: {e}"))
}

/// The demo's HQ owner: (email, password).
const DEMO_HQ_USER: (&str, &str) = ("owner@demo.example", "demo-kirana-2026");

/// Who can sign in at the demo till: (name, code, role, PIN).
const DEMO_STAFF: [(&str, &str, &str, &str); 3] = [
    ("Asha", "101", "cashier", "4821"),
    ("Ravi", "102", "supervisor", "7305"),
    ("Meena", "103", "manager", "2468"),
];

/// The demo till prints to a file standing in for `/dev/usb/lp0`, so receipts
/// go through the real queue; previews are at `/v1/sales/{id}/receipt`.
fn demo_printing(dir: &std::path::Path) -> Result<edge_agent::printing::PrintSettings, String> {
    let device = dir.join("receipt-printer.bin");
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&device)
        .map_err(|e| format!("cannot create {}: {e}", device.display()))?;
    let printer = edge_agent::printing::PrinterConfig::parse(&format!(
        "front=file://{}?profile=epson-tm-t20",
        device.display()
    ))?;
    Ok(edge_agent::printing::PrintSettings {
        printers: vec![printer],
        receipt_printer: None,
        receipt: edge_agent::printing::receipt::ReceiptSettings {
            header: vec!["Demo Kirana".into(), "12 MG Road, Bengaluru 560001".into()],
            gstin: Some("29ABCDE1234F1ZW".into()),
            footer: vec![
                "Thank you! Goods once sold are exchanged within 7 days with the bill.".into(),
            ],
            logo_png: None,
            qr_template: None,
            utc_offset_minutes: 330,
            ..Default::default()
        },
        ..Default::default()
    })
}
