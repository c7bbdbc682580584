//! Regenerates the cashier UI's wire types (`ui-shell/src/generated/`) from
//! the agent's Rust types: `cargo run -p edge-agent --features ts --bin ui-types`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = edge_agent::ui_types::checked_in_dir();
    // Written afresh, so a type that is gone leaves no file behind.
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let files = edge_agent::ui_types::generate(&dir)?;
    println!(
        "wrote {} files to {}",
        files.len(),
        dir.canonicalize()?.display()
    );
    Ok(())
}
