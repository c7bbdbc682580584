//! How the hub and the agent log: to stderr, filtered by `RUST_LOG`
//! (`info` by default), as text for a person at a terminal or as one JSON
//! object per line (`timestamp`, `level`, `target`, `fields` with the
//! `message`) for journald, Loki or any log shipper. The format comes from
//! an environment variable named by the binary, read before anything else
//! so the first lines are in it too.

/// The format `variable` asks for: `text` (or unset) or `json`; anything
/// else is an error naming the variable.
pub fn init(variable: &str) -> Result<(), String> {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Another subscriber (a test's) may be set already: keep it.
    match std::env::var(variable).as_deref() {
        Err(_) | Ok("text") => {
            let _ = builder.try_init();
        }
        Ok("json") => {
            let _ = builder.json().try_init();
        }
        Ok(other) => {
            let _ = builder.try_init();
            return Err(format!("{variable} {other:?} is not text or json"));
        }
    }
    Ok(())
}
