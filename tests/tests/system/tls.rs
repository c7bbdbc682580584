//! A till reaching its hub over HTTPS, as a store does across the internet:
//! the hub serves a certificate from a CA made for the test (rcgen), the
//! agent process pins that CA and enrolls and syncs; an agent pinning
//! another CA is refused at the handshake and says so; an agent told to
//! use plain HTTP to another machine does not start.

use crate::harness::{eventually, Agent, ADMIN_TOKEN};
use std::path::Path;
use system_tests::Hq;

struct Ca {
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

fn ca(name: &str) -> Ca {
    let key = rcgen::KeyPair::generate().expect("CA key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let cert = params.self_signed(&key).expect("CA");
    Ca { cert, key }
}

/// Writes `ca`'s certificate, and a server certificate it signed for
/// 127.0.0.1 with its key, into `dir`.
fn issue(
    ca: &Ca,
    dir: &Path,
    name: &str,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
    let cert = params.signed_by(&key, &ca.cert, &ca.key).expect("cert");
    let paths = (
        dir.join(format!("{name}-ca.pem")),
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&paths.0, ca.cert.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

#[tokio::test]
async fn a_till_enrolls_and_syncs_over_https_and_refuses_a_hub_it_cannot_verify() {
    let dir = tempfile::tempdir().unwrap();
    let trusted = ca("Chain Test CA");
    let (ca_pem, cert, key) = issue(&trusted, dir.path(), "hub");
    let (other_ca_pem, _, _) = issue(&ca("Some Other CA"), dir.path(), "other");
    let hub = cloud_hub::start(cloud_hub::config::HubConfig {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        admin_token: Some(pos_shared::Secret::new(ADMIN_TOKEN)),
        secret_key: cloud_hub::config::SecretKeySource::File(dir.path().join("hub.secret")),
        tls: Some(cloud_hub::tls::TlsFiles { cert, key }),
        ..cloud_hub::config::HubConfig::new(format!(
            "sqlite://{}",
            dir.path().join("hub.db").display()
        ))
    })
    .await
    .expect("hub");
    let base = hub.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let trusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&ca_pem).unwrap()).unwrap(),
        )
        .build()
        .unwrap();
    let hq = Hq::from_http(&base, trusting)
        .with_credential(ADMIN_TOKEN)
        .as_new_tenant("Kirana Chain")
        .await
        .expect("tenant over HTTPS");
    let (_store, codes) = system_tests::seed_demo(&hq, 2).await.expect("seed");

    // Pinned to the hub's CA: enrolls and receives the catalog.
    let ca_env = ca_pem.display().to_string();
    let till = Agent::start_with(&base, &codes[0], &[("EDGE_HUB_CA", ca_env.as_str())]).await;
    eventually(
        "the till enrolls and reads the catalog over HTTPS",
        30,
        || async {
            let s = till.status().await;
            s["enrolled"] == true && s["cursor"].as_u64().unwrap_or(0) > 0
        },
        || till.log(),
    )
    .await;

    // Pinned to another CA: the handshake fails, the till stays unenrolled
    // and says why.
    let other_env = other_ca_pem.display().to_string();
    let stranger =
        Agent::start_with(&base, &codes[1], &[("EDGE_HUB_CA", other_env.as_str())]).await;
    eventually(
        "the till pinned to another CA reports the refused certificate",
        30,
        || async {
            let s = stranger.status().await;
            s["enrolled"] == false
                && s["last_error"]
                    .as_str()
                    .is_some_and(|e| e.to_lowercase().contains("certificate"))
        },
        || stranger.log(),
    )
    .await;

    // Plain HTTP to another machine: the agent does not start, and names
    // the setting and the way out.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pos-agent"))
        .env("EDGE_DATA_DIR", dir.path().join("refused"))
        .env("EDGE_HUB_URL", "http://10.0.0.5:8700")
        .env("EDGE_LISTEN", "127.0.0.1:0")
        .output()
        .expect("run the agent");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("EDGE_HUB_URL") && said.contains("EDGE_ALLOW_INSECURE_HTTP"),
        "{said}"
    );
    drop(hub);
}
