//! `cloud-hub`: serves the hub API. Configuration comes from the environment
//! (see `cloud_hub::config`).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match cloud_hub::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("cloud-hub: {e}");
            ExitCode::FAILURE
        }
    }
}
