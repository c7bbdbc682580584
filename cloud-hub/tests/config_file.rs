//! The hub's configuration through its real interface: the built `cloud-hub`
//! binary, a config file on disk, environment variables, and what
//! `--print-config` and the error messages say.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary with a clean environment: a home of its own (so no developer's
/// config file leaks in) and only the variables a test gives.
fn hub(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloud-hub"))
        .env_clear()
        .env("HOME", home)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run cloud-hub")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const FILE: &str = r#"
listen = "127.0.0.1:9870"
database_url = "postgres://hub:Pa55-w0rd-xyz@db.internal/pos"
admin_token = "ADMIN-TOKEN-31337"
session_hours = 8

[feed]
retain = 5000
"#;

#[test]
fn print_config_shows_the_files_settings_and_no_secret() {
    let home = tempfile::tempdir().unwrap();
    let file = write(home.path(), "hub.toml", FILE);
    let out = hub(
        home.path(),
        &["--config", file.to_str().unwrap(), "--print-config"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for shown in [
        "listen = \"127.0.0.1:9870\"",
        "session_hours = 8",
        "retain = 5000",
        "prune_secs = 300",
    ] {
        assert!(text.contains(shown), "{shown} in\n{text}");
    }
    assert!(text.contains("database_url is set (postgresql)"), "{text}");
    assert!(
        !text.contains("Pa55-w0rd-xyz") && !text.contains("ADMIN-TOKEN-31337"),
        "{text}"
    );
    // Printing creates nothing: the data dir appears only when the hub starts.
    assert!(!home.path().join(".local").exists());
}

#[test]
fn environment_variables_override_the_file() {
    let home = tempfile::tempdir().unwrap();
    let file = write(home.path(), "hub.toml", FILE);
    let out = hub(
        home.path(),
        &["--print-config"],
        &[
            ("HUB_CONFIG", file.to_str().unwrap()),
            ("HUB_SESSION_HOURS", "24"),
            ("DATABASE_URL", "sqlite:///tmp/other.db"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("session_hours = 24"), "{text}");
    assert!(text.contains("retain = 5000"), "{text}");
    assert!(text.contains("database_url is set (sqlite)"), "{text}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_default_file_is_read_from_the_config_directory_and_may_be_missing() {
    let home = tempfile::tempdir().unwrap();
    let out = hub(home.path(), &["--print-config"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("listen = \"127.0.0.1:8700\""),
        "{}",
        stdout(&out)
    );
    let dir = home.path().join(".config/pos-hub");
    std::fs::create_dir_all(&dir).unwrap();
    write(&dir, "cloud-hub.toml", "expiry_warn_days = 9\n");
    let out = hub(home.path(), &["--print-config"], &[]);
    assert!(
        stdout(&out).contains("expiry_warn_days = 9"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_missing_named_file_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("nope.toml");
    for out in [
        hub(home.path(), &["--config", missing.to_str().unwrap()], &[]),
        hub(
            home.path(),
            &["--print-config"],
            &[("HUB_CONFIG", missing.to_str().unwrap())],
        ),
    ] {
        assert!(!out.status.success());
        assert!(stderr(&out).contains("nope.toml"), "{}", stderr(&out));
    }
}

#[test]
fn a_bad_file_is_refused_naming_the_key_and_the_line_never_the_secret() {
    let home = tempfile::tempdir().unwrap();
    for (bad, says) in [
        (
            "sesion_hours = 8\n",
            "line 4, column 1: sesion_hours: unknown field",
        ),
        (
            "session_hours = 0\n",
            "line 4, column 17: session_hours: must be between 1 and 720",
        ),
        (
            "[feed]\nretain = -1\n",
            "line 5, column 10: feed.retain: invalid value",
        ),
        (
            "listen = \"everywhere\"\n",
            "line 4, column 10: listen: invalid socket address",
        ),
    ] {
        let text = format!(
            "database_url = \"postgres://hub:Pa55-w0rd-xyz@db/pos\"\nadmin_token = \"ADMIN-TOKEN-31337\"\n\n{bad}"
        );
        let file = write(home.path(), "bad.toml", &text);
        let out = hub(home.path(), &["--config", file.to_str().unwrap()], &[]);
        assert!(!out.status.success(), "{bad}");
        let err = stderr(&out);
        assert!(
            err.contains(says) && err.contains("bad.toml"),
            "{bad}\n{err}"
        );
        assert!(
            !err.contains("Pa55-w0rd") && !err.contains("ADMIN-TOKEN"),
            "{err}"
        );
    }
    let file = write(home.path(), "bad.toml", "\nadmin_token = 31337424242\n");
    let err = stderr(&hub(
        home.path(),
        &["--config", file.to_str().unwrap()],
        &[],
    ));
    assert!(
        err.contains("line 2") && err.contains("admin_token"),
        "{err}"
    );
    assert!(!err.contains("31337424242"), "{err}");
}

#[test]
fn bad_environment_values_keep_their_named_errors() {
    let home = tempfile::tempdir().unwrap();
    for (name, value, says) in [
        (
            "HUB_LISTEN",
            "x",
            "HUB_LISTEN is not an address such as 127.0.0.1:8700",
        ),
        (
            "HUB_FEED_PRUNE_SECS",
            "often",
            "HUB_FEED_PRUNE_SECS is not a whole number",
        ),
        (
            "HUB_SESSION_HOURS",
            "1000",
            "HUB_SESSION_HOURS must be between 1 and 720",
        ),
    ] {
        let out = hub(home.path(), &["--print-config"], &[(name, value)]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains(says), "{name}: {}", stderr(&out));
    }
}

#[test]
fn the_example_file_is_a_valid_config() {
    let home = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("cloud-hub.example.toml");
    let out = hub(
        home.path(),
        &["--config", example.to_str().unwrap(), "--print-config"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("data_dir = \"/var/lib/pos-hub\""), "{text}");
    assert!(text.contains("retain = 1000000"), "{text}");
}

/// `GET /health` over a plain socket: these tests need no async client.
fn healthy(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    // The Host a client on this machine would send.
    let request =
        format!("GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let _ = s.write_all(request.as_bytes());
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

#[test]
fn the_hub_runs_with_the_files_settings() {
    let home = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = home.path().join("hub-data");
    let file = write(
        home.path(),
        "hub.toml",
        &format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = {:?}\n",
            data.display().to_string()
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloud-hub"))
        .env_clear()
        .env("HOME", home.path())
        .args(["--config", file.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut up = false;
    while !up && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        up = healthy(port);
    }
    assert!(up, "the hub never answered on the file's port {port}");
    assert!(
        data.join("hub.db").exists(),
        "the embedded database is in the file's data_dir"
    );
    // A service manager's reload (SIGHUP) leaves a hub without TLS running;
    // its stop (SIGTERM) ends it cleanly.
    let pid = child.id().to_string();
    let signal = |name: &str| {
        let sent = Command::new("kill").args([name, &pid]).status().unwrap();
        assert!(sent.success(), "kill {name}");
    };
    signal("-HUP");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let after_hangup = child.try_wait().unwrap();
    let still_up = healthy(port);
    signal("-TERM");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut exit = None;
    while exit.is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        exit = child.try_wait().unwrap();
    }
    // Reaps it (and ends it, should it still run).
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(after_hangup, None, "SIGHUP ended the hub");
    assert!(still_up, "the hub stopped answering after SIGHUP");
    assert!(
        exit.is_some_and(|s| s.success()),
        "SIGTERM stops the hub cleanly: {exit:?}"
    );
}

#[test]
fn a_database_the_hub_does_not_run_on_is_named_without_its_password() {
    let home = tempfile::tempdir().unwrap();
    for (url, says) in [
        ("mysql://root:MyPw123@h/d", "\"mysql\""),
        ("MyPw123", "(none)"),
    ] {
        let out = hub(home.path(), &["--print-config"], &[("DATABASE_URL", url)]);
        assert!(!out.status.success(), "{url}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("database_url") && err.contains(says),
            "{url}: {err}"
        );
        assert!(!err.contains("MyPw123"), "{err}");
    }
}
