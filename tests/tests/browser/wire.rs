//! The agent's real answers checked against the UI's generated wire types.

use serde_json::Value;
use std::process::Command;

/// Checks the agent's real answers against the UI's generated wire types
/// (`ui-shell/src/generated`) with the TypeScript compiler: each answer
/// becomes an object literal of its declared type, so a field the agent sends
/// that the type lacks, a required field it leaves out, or a `null` where the
/// type says the field is left out (`exactOptionalPropertyTypes`) fails.
pub fn typecheck_answers(answers: &[(&str, &Value)]) {
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui-shell");
    let generated = ui.canonicalize().unwrap().join("src/generated/index");
    let dir = tempfile::tempdir().unwrap();
    let mut source = String::new();
    let mut names: Vec<&str> = answers
        .iter()
        .map(|(ty, _)| ty.trim_end_matches("[]"))
        .map(|ty| {
            ty.strip_prefix("Record<string, ")
                .map_or(ty, |t| t.trim_end_matches('>'))
        })
        .collect();
    names.sort();
    names.dedup();
    source.push_str(&format!(
        "import type {{ {} }} from {:?};\n",
        names.join(", "),
        generated.display().to_string()
    ));
    for (i, (ty, value)) in answers.iter().enumerate() {
        source.push_str(&format!(
            "export const answer{i}: {ty} = {};\n",
            serde_json::to_string_pretty(value).unwrap()
        ));
    }
    let file = dir.path().join("answers.ts");
    std::fs::write(&file, &source).unwrap();
    let out = Command::new("node")
        .arg(ui.join("node_modules/typescript/bin/tsc"))
        .args([
            "--noEmit",
            "--strict",
            "--exactOptionalPropertyTypes",
            "--target",
            "es2022",
            "--module",
            "esnext",
            "--moduleResolution",
            "bundler",
            "--skipLibCheck",
        ])
        .arg(&file)
        .output()
        .expect("node runs the TypeScript compiler that the UI build installed");
    assert!(
        out.status.success(),
        "the agent's answers do not match the UI's generated types:\n{}\n{source}",
        String::from_utf8_lossy(&out.stdout)
    );
}
