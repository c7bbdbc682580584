//! `cloud-hub`: serves the hub API. Configuration comes from the environment
//! (see `cloud_hub::config`).

fn main() -> std::process::ExitCode {
    cloud_hub::cli_main()
}
