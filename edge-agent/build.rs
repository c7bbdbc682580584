//! Builds the cashier UI (`ui-shell/`, TypeScript and Preact through Vite) into
//! this crate's build directory and generates the table of embedded assets, so
//! the agent binary serves the UI with no Node.js on the till.

use std::path::{Path, PathBuf};
use std::process::Command;

const INPUTS: &[&str] = &[
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];

fn npm(ui: &Path, args: &[&str]) {
    let status = Command::new("npm")
        .args(args)
        .current_dir(ui)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "building the cashier UI needs Node.js 20 and npm on the PATH \
                 (scripts/test.sh installs them): running npm failed: {e}"
            )
        });
    assert!(
        status.success(),
        "`npm {}` in {} failed ({status}); see its output above",
        args.join(" "),
        ui.display()
    );
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the built UI") {
        let path = entry.expect("read the built UI").path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let ui = manifest.join("../ui-shell");
    for input in INPUTS {
        println!("cargo:rerun-if-changed={}", ui.join(input).display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("ui");
    // npm records what it installed; a lock file newer than that record means
    // the dependencies changed since.
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(ui.join("node_modules/.package-lock.json"));
    if installed.is_none() || installed < modified(ui.join("package-lock.json")) {
        // `install --no-save` rather than `ci`: the lock holds only the
        // platform packages the registry had (rollup's native builds), which
        // `ci` refuses as out of sync; this installs the locked versions and
        // leaves the lock file as it is.
        npm(
            &ui,
            &[
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ],
        );
    }
    let out_arg = out.display().to_string();
    npm(
        &ui,
        &[
            "run",
            "--silent",
            "build",
            "--",
            "--outDir",
            &out_arg,
            "--logLevel",
            "warn",
        ],
    );

    let mut files = Vec::new();
    collect(&out, &mut files);
    files.sort();
    let mut table = String::from(
        "/// The built cashier UI: (URL path, content type, bytes).\n\
         pub static UI_ASSETS: &[(&str, &str, &[u8])] = &[\n",
    );
    for file in &files {
        let rel = file.strip_prefix(&out).expect("inside the output");
        let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
        table.push_str(&format!(
            "    ({url:?}, {:?}, include_bytes!({:?})),\n",
            content_type(file),
            file.display().to_string()
        ));
    }
    table.push_str("];\n");
    std::fs::write(
        PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("ui_assets.rs"),
        table,
    )
    .expect("write the asset table");
}
