//! `cloud-hub`: serves the hub API. Configuration comes from `cloud-hub.toml`
//! (`--config <path>` or `HUB_CONFIG` to name another) with environment
//! overrides; `--print-config` shows the result (see `cloud_hub::config`).

fn main() -> std::process::ExitCode {
    cloud_hub::cli_main()
}
