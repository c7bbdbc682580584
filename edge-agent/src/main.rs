//! `edge-agent`: the till daemon. Configuration comes from `edge-agent.toml`
//! (`--config <path>` or `EDGE_CONFIG` to name another) with `EDGE_*`
//! environment overrides; `--print-config` shows the result (see
//! `edge_agent::config`).

fn main() -> std::process::ExitCode {
    edge_agent::cli_main()
}
