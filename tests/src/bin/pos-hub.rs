//! The hub binary, built here so system tests can start it as a process.

fn main() -> std::process::ExitCode {
    cloud_hub::cli_main()
}
