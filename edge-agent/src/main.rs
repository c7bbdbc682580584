//! `edge-agent`: the till daemon. Configuration comes from the environment
//! (see `edge_agent::config`).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let result = async {
        let config = edge_agent::config::AgentConfig::from_env()?;
        let agent = edge_agent::start(config).await?;
        println!("edge-agent listening on http://{}", agent.addr);
        tokio::select! {
            _ = agent_wait(agent) => {}
            _ = tokio::signal::ctrl_c() => tracing::info!("shutting down"),
        }
        Ok::<(), String>(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("edge-agent: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn agent_wait(agent: edge_agent::RunningAgent) {
    agent.wait().await
}
