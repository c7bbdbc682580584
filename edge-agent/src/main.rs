//! `edge-agent`: the till daemon. Configuration comes from the environment
//! (see `edge_agent::config`).

fn main() -> std::process::ExitCode {
    edge_agent::cli_main()
}
