//! The cashier UI's wire types (`ui-shell/src/generated/`) are what the
//! agent's Rust types produce now: generated afresh into a temporary folder
//! and compared file by file with the checked-in ones.

#[test]
fn the_ui_wire_types_match_the_rust_types() {
    let fresh = tempfile::tempdir().unwrap();
    let files = edge_agent::ui_types::generate(fresh.path()).unwrap();
    assert!(
        files.iter().any(|f| f == "SyncStatus.ts"),
        "generated {files:?}"
    );
    let checked_in = edge_agent::ui_types::checked_in_dir();
    let differences = edge_agent::ui_types::differences(fresh.path(), &checked_in).unwrap();
    assert!(
        differences.is_empty(),
        "the UI's generated wire types are out of date:\n  {}\nRun `{}` and commit ui-shell/src/generated/ \
         (then fix what the TypeScript compiler finds in the UI).",
        differences.join("\n  "),
        edge_agent::ui_types::REGENERATE
    );
}

/// The check itself notices a stale, a missing and a left-over file.
#[test]
fn a_changed_type_is_named() {
    let fresh = tempfile::tempdir().unwrap();
    edge_agent::ui_types::generate(fresh.path()).unwrap();
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fresh.path()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.path().join(entry.file_name())).unwrap();
    }
    assert!(edge_agent::ui_types::differences(fresh.path(), copy.path())
        .unwrap()
        .is_empty());

    let money = copy.path().join("Money.ts");
    let text = std::fs::read_to_string(&money).unwrap();
    std::fs::write(&money, text.replace("minor: number", "minor: bigint")).unwrap();
    std::fs::remove_file(copy.path().join("Qty.ts")).unwrap();
    std::fs::write(copy.path().join("Gone.ts"), "export type Gone = string;\n").unwrap();

    let found = edge_agent::ui_types::differences(fresh.path(), copy.path()).unwrap();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found.iter().any(|d| d.contains("Money.ts is stale")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|d| d.contains("Qty.ts is missing")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|d| d.contains("Gone.ts is no longer generated")),
        "{found:#?}"
    );
}
