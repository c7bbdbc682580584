//! `hubctl`: HQ's command line for the hub API (see `cloud_hub::hubctl`).

fn main() -> std::process::ExitCode {
    cloud_hub::hubctl::main()
}
