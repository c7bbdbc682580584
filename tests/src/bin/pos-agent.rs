//! The agent binary, built here so system tests can start and kill it as a process.

fn main() -> std::process::ExitCode {
    edge_agent::cli_main()
}
