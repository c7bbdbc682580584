//! Logs as a log shipper reads them: with `HUB_LOG_FORMAT=json` and
//! `EDGE_LOG_FORMAT=json` every line the hub and the agent processes write
//! is one JSON object with its level and message; a format neither knows
//! stops the binary, naming the variable.

use crate::harness::{Agent, Backend, Hub};

/// Every line of `log` as JSON, with the messages.
fn json_lines(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            assert!(
                v["level"].is_string() && v["timestamp"].is_string(),
                "{line}"
            );
            v["fields"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_hub_and_the_till_log_json_lines_when_asked() {
    let hub = Hub::start_with(Backend::Sqlite, &[("HUB_LOG_FORMAT", "json")]).await;
    let messages = json_lines(&hub.log());
    assert!(
        messages.iter().any(|m| m == "hub listening"),
        "{messages:?}"
    );
    let till = Agent::start_with(&hub.base, "NOT-A-CODE", &[("EDGE_LOG_FORMAT", "json")]).await;
    // The till is up (its health answered); its log so far is JSON too.
    let messages = json_lines(&till.log());
    assert!(!messages.is_empty());

    for (binary, variable) in [
        (env!("CARGO_BIN_EXE_pos-hub"), "HUB_LOG_FORMAT"),
        (env!("CARGO_BIN_EXE_pos-agent"), "EDGE_LOG_FORMAT"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(binary)
            .env(variable, "yaml")
            .env("HUB_DATA_DIR", dir.path())
            .env("EDGE_DATA_DIR", dir.path())
            .env("HUB_LISTEN", "127.0.0.1:0")
            .env("EDGE_LISTEN", "127.0.0.1:0")
            .output()
            .expect("run");
        assert!(
            !out.status.success(),
            "{binary} started with {variable}=yaml"
        );
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(variable) && said.contains("json"), "{said}");
    }
}
