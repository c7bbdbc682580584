//! `hubctl events`: the tenant's event log, the last few and then live over
//! server-sent events, reconnecting where it left off when the hub goes away.

use super::{find_store, text, CliError, Client};
use clap::Args;
use serde_json::Value;
use std::time::Duration;

#[derive(Args)]
pub struct EventsArgs {
    /// Only this store's events (and chain-wide ones): its code or id.
    #[arg(long)]
    store: Option<String>,
    /// Only events whose type starts with this, such as `inventory.`.
    #[arg(long = "type")]
    event_type: Option<String>,
    /// Start after this event's number instead of a few back from the newest.
    #[arg(long, conflicts_with = "last")]
    after: Option<u64>,
    /// Start this many events back from the newest (counted before filtering).
    #[arg(long, default_value_t = 10)]
    last: u64,
    /// Print what is there and stop, instead of following new events.
    #[arg(long)]
    no_follow: bool,
}

pub async fn run(hub: &Client, args: EventsArgs, json: bool) -> Result<(), CliError> {
    let mut filter = String::new();
    if let Some(store) = &args.store {
        let store = find_store(hub, store).await?;
        filter.push_str(&format!("&store_id={}", store.id));
    }
    if let Some(t) = &args.event_type {
        filter.push_str(&format!("&type={}", encode(t)));
    }
    let mut after = match args.after {
        Some(after) => after,
        None => {
            let probe = hub.events(&format!("limit=1{filter}")).await?;
            probe.head.saturating_sub(args.last).max(probe.floor)
        }
    };
    if args.no_follow {
        loop {
            let page = hub
                .events(&format!("limit=1000&after={after}{filter}"))
                .await?;
            page.events.iter().for_each(|e| print_event(e, json));
            after = page.next_after;
            if !page.has_more {
                return Ok(());
            }
        }
    }
    tokio::select! {
        result = follow(hub, &filter, after, json) => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// Follows the stream; when it breaks, resumes after the last event printed.
async fn follow(hub: &Client, filter: &str, after: u64, json: bool) -> Result<(), CliError> {
    let query = format!("after={after}{filter}");
    let mut last_seen: Option<String> = None;
    loop {
        let outcome = match hub.event_stream(&query, last_seen.as_deref()).await {
            Ok(mut response) => {
                let mut parser = SseParser::default();
                loop {
                    match response.chunk().await {
                        Ok(Some(bytes)) => {
                            for frame in parser.push(&bytes) {
                                if let Some(id) = frame.id {
                                    last_seen = Some(id);
                                }
                                match serde_json::from_str::<Value>(&frame.data) {
                                    Ok(event) => print_event(&event, json),
                                    Err(_) => eprintln!("hubctl: not an event: {}", frame.data),
                                }
                            }
                        }
                        Ok(None) => break "the hub closed the stream".to_owned(),
                        Err(e) => break format!("the stream broke: {e}"),
                    }
                }
            }
            // The hub refusing (a bad filter, a revoked key) will not mend itself.
            Err(e) if e.is_refusal() => return Err(e.into()),
            Err(e) => e.to_string(),
        };
        eprintln!("hubctl: {outcome}; reconnecting");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn print_event(event: &Value, json: bool) {
    if json {
        println!("{event}");
        return;
    }
    let mut data = event["data"].to_string();
    if data.chars().count() > 160 {
        data = data.chars().take(159).collect::<String>() + "…";
    }
    println!(
        "{:>6}  {}  {:<32}  {}",
        text(&event["seq"]),
        text(&event["occurred_at"]),
        text(&event["event_type"]),
        data
    );
}

/// Percent-encodes a query value (types are lowercase letters, dots and
/// underscores; anything else is escaped so the hub can name it as wrong).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'_' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One dispatched server-sent event.
#[derive(Debug, PartialEq)]
struct SseFrame {
    id: Option<String>,
    data: String,
}

/// Reads server-sent events off arbitrary chunks of the body (a chunk may end
/// mid-line or mid-character).
#[derive(Default)]
struct SseParser {
    line: Vec<u8>,
    id: Option<String>,
    data: Vec<String>,
}

impl SseParser {
    fn push(&mut self, bytes: &[u8]) -> Vec<SseFrame> {
        let mut frames = Vec::new();
        for &b in bytes {
            if b != b'\n' {
                self.line.push(b);
                continue;
            }
            let raw = std::mem::take(&mut self.line);
            let line = String::from_utf8_lossy(&raw);
            let line = line.strip_suffix('\r').unwrap_or(&line);
            if line.is_empty() {
                if !self.data.is_empty() {
                    frames.push(SseFrame {
                        id: self.id.take(),
                        data: std::mem::take(&mut self.data).join("\n"),
                    });
                }
                self.id = None;
                continue;
            }
            // Lines starting with ':' are comments (the hub's keep-alives).
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "data" => self.data.push(value.to_owned()),
                "id" => self.id = Some(value.to_owned()),
                _ => {}
            }
        }
        frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_across_chunk_boundaries() {
        let stream = ": keep-alive\n\nid: 7\nevent: a.b\ndata: {\"x\":\"é\"}\n\nid: 8\r\ndata: 1\r\ndata: 2\r\n\r\n";
        let bytes = stream.as_bytes();
        for split in 0..bytes.len() {
            let mut parser = SseParser::default();
            let mut frames = parser.push(&bytes[..split]);
            frames.extend(parser.push(&bytes[split..]));
            assert_eq!(
                frames,
                vec![
                    SseFrame {
                        id: Some("7".into()),
                        data: "{\"x\":\"é\"}".into()
                    },
                    SseFrame {
                        id: Some("8".into()),
                        data: "1\n2".into()
                    },
                ],
                "split at {split}"
            );
        }
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(encode("inventory.stock_"), "inventory.stock_");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
