//! The agent's configuration through its real interface: the built
//! `edge-agent` binary, a config file on disk, environment variables, and
//! what `--print-config` and the error messages say.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary with a clean environment: a home of its own (so no developer's
/// config file leaks in) and only the variables a test gives.
fn agent(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edge-agent"))
        .env_clear()
        .env("HOME", home)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run edge-agent")
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
hub_url = "https://hub.example.in"
enroll_code = "ENROLL-SECRET-4242"

[sync]
interval_ms = 700

[[printers]]
name = "front"
uri = "tcp://192.168.1.50"
profile = "epson-tm-t82"
"#;

#[test]
fn print_config_shows_the_files_settings_and_no_secret() {
    let home = tempfile::tempdir().unwrap();
    let file = write(home.path(), "till.toml", FILE);
    let out = agent(
        home.path(),
        &["--config", file.to_str().unwrap(), "--print-config"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("hub_url = \"https://hub.example.in\""),
        "{text}"
    );
    assert!(text.contains("interval_ms = 700"), "{text}");
    assert!(text.contains("uri = \"tcp://192.168.1.50:9100\""), "{text}");
    // Defaults fill in what the file leaves out.
    assert!(text.contains("feed_wait_secs = 25"), "{text}");
    // The LAN listener for handhelds is off unless turned on.
    assert!(text.contains("lan_listen = \"off\""), "{text}");
    assert!(!text.contains("ENROLL-SECRET-4242"), "{text}");
    assert!(text.contains("enroll_code is set"), "{text}");
    // What it prints is itself a valid config.
    let again = write(home.path(), "printed.toml", &text);
    let out = agent(
        home.path(),
        &["--config", again.to_str().unwrap(), "--print-config"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn environment_variables_override_the_file() {
    let home = tempfile::tempdir().unwrap();
    let file = write(home.path(), "till.toml", FILE);
    let out = agent(
        home.path(),
        &["--print-config"],
        &[
            ("EDGE_CONFIG", file.to_str().unwrap()),
            ("EDGE_SYNC_INTERVAL_MS", "300"),
            (
                "EDGE_PRINTERS",
                "back=file:///tmp/back.bin?profile=generic-58mm",
            ),
            ("EDGE_ENROLL_CODE", "ENV-SECRET-777"),
            ("EDGE_LAN_LISTEN", "0.0.0.0:8766"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("interval_ms = 300"), "{text}");
    assert!(text.contains("lan_listen = \"0.0.0.0:8766\""), "{text}");
    assert!(
        text.contains("hub_url = \"https://hub.example.in\""),
        "{text}"
    );
    assert!(
        text.contains("name = \"back\"") && !text.contains("front"),
        "{text}"
    );
    assert!(
        !text.contains("ENV-SECRET-777") && !text.contains("ENROLL-SECRET"),
        "{text}"
    );
}

#[test]
fn the_flag_wins_over_edge_config() {
    let home = tempfile::tempdir().unwrap();
    let file = write(home.path(), "till.toml", FILE);
    let other = write(
        home.path(),
        "other.toml",
        "hub_url = \"http://other:8700\"\n",
    );
    let out = agent(
        home.path(),
        &["--config", file.to_str().unwrap(), "--print-config"],
        &[("EDGE_CONFIG", other.to_str().unwrap())],
    );
    assert!(
        stdout(&out).contains("https://hub.example.in"),
        "{}",
        stdout(&out)
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_default_file_is_read_from_the_config_directory_and_may_be_missing() {
    let home = tempfile::tempdir().unwrap();
    let out = agent(home.path(), &["--print-config"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("http://127.0.0.1:8700"),
        "{}",
        stdout(&out)
    );
    let dir = home.path().join(".config/pos-edge-agent");
    std::fs::create_dir_all(&dir).unwrap();
    write(
        &dir,
        "edge-agent.toml",
        "hub_url = \"https://default.example.in\"\n",
    );
    let out = agent(home.path(), &["--print-config"], &[]);
    assert!(
        stdout(&out).contains("https://default.example.in"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_missing_named_file_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("nope.toml");
    for out in [
        agent(
            home.path(),
            &["--config", missing.to_str().unwrap(), "--print-config"],
            &[],
        ),
        agent(
            home.path(),
            &["--print-config"],
            &[("EDGE_CONFIG", missing.to_str().unwrap())],
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
            "[sync]\nintervl_ms = 5\n",
            "line 8, column 1: sync.intervl_ms: unknown field",
        ),
        (
            "[sync]\ninterval_ms = \"soon\"\n",
            "line 8, column 15: sync.interval_ms: invalid type",
        ),
        (
            "[[printers]]\nname = \"x\"\nuri = \"tcp://10.0.0.9\"\nprofile = \"tm-9000\"\n",
            "line 10, column 11: printers[1].profile: printer profile \"tm-9000\"",
        ),
        (
            "[receipt]\nutc_offset = \"IST\"\n",
            "line 8, column 14: receipt.utc_offset: \"IST\" is not an offset",
        ),
        (
            "listen2 = \"127.0.0.1:1\"\n",
            "line 7, column 1: printers[0].listen2: unknown field",
        ),
    ] {
        // The bad part comes after the secret, from line 7 on.
        let text = format!(
            "enroll_code = \"ENROLL-SECRET-4242\"\n[[printers]]\nname = \"front\"\nuri = \"tcp://10.0.0.5\"\n\n\n{bad}"
        );
        let file = write(home.path(), "bad.toml", &text);
        let out = agent(
            home.path(),
            &["--config", file.to_str().unwrap(), "--print-config"],
            &[],
        );
        assert!(!out.status.success(), "{bad}");
        let err = stderr(&out);
        assert!(err.contains(says), "{bad}\n{err}");
        assert!(err.contains("bad.toml"), "{err}");
        assert!(!err.contains("ENROLL-SECRET-4242"), "{err}");
    }
    // A secret of the wrong type is refused without being echoed.
    let file = write(home.path(), "bad.toml", "enroll_code = 98765432\n");
    let err = stderr(&agent(
        home.path(),
        &["--config", file.to_str().unwrap()],
        &[],
    ));
    assert!(
        err.contains("line 1") && err.contains("enroll_code"),
        "{err}"
    );
    assert!(!err.contains("98765432"), "{err}");
    // The LAN listener's address is checked at its own key.
    let file = write(home.path(), "bad.toml", "lan_listen = \"store-wifi\"\n");
    let err = stderr(&agent(
        home.path(),
        &["--config", file.to_str().unwrap(), "--print-config"],
        &[],
    ));
    assert!(
        err.contains("line 1")
            && err.contains(
                "lan_listen: \"store-wifi\" is not an address such as 0.0.0.0:8766, or off"
            ),
        "{err}"
    );
}

#[test]
fn bad_environment_values_keep_their_named_errors() {
    let home = tempfile::tempdir().unwrap();
    for (name, value, says) in [
        (
            "EDGE_LISTEN",
            "0.0.0.0:8710",
            "EDGE_LISTEN 0.0.0.0:8710 is not a loopback address",
        ),
        (
            "EDGE_HUB_URL",
            "hub:8700",
            "EDGE_HUB_URL \"hub:8700\" must start with http://",
        ),
        ("EDGE_NEGATIVE_STOCK", "sometimes", "EDGE_NEGATIVE_STOCK: "),
        ("EDGE_CASH_ROUNDING", "5000", "EDGE_CASH_ROUNDING \"5000\""),
        (
            "EDGE_LAN_LISTEN",
            "wifi",
            "EDGE_LAN_LISTEN \"wifi\" is not an address such as 0.0.0.0:8766, or off",
        ),
        (
            "EDGE_LAN_LISTEN",
            "127.0.0.1:8710",
            "EDGE_LAN_LISTEN (lan_listen) 127.0.0.1:8710 is the till API's own address",
        ),
    ] {
        let out = agent(home.path(), &["--print-config"], &[(name, value)]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains(says), "{name}: {}", stderr(&out));
    }
}

#[test]
fn the_example_file_is_a_valid_config() {
    let home = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("edge-agent.example.toml");
    let out = agent(
        home.path(),
        &["--config", example.to_str().unwrap(), "--print-config"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for shown in [
        "name = \"slip\"",
        "language = \"zpl\"",
        "prefix = 22",
        "vendor = \"0c2e\"",
        "cash_rounding = 100",
        "upi_vpa = \"kiranamart@okicici\"",
    ] {
        assert!(text.contains(shown), "{shown} in\n{text}");
    }
}

/// `GET /health` over a plain socket: these tests need no async client.
fn healthy(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    // The Host a browser on this machine would send: the till refuses others.
    let request =
        format!("GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let _ = s.write_all(request.as_bytes());
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

#[test]
fn the_agent_runs_with_the_files_settings() {
    let home = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = home.path().join("till-data");
    // Nothing listens on port 9: the hub is down, which the till does not mind.
    let file = write(
        home.path(),
        "till.toml",
        &format!(
            "hub_url = \"http://127.0.0.1:9\"\nlisten = \"127.0.0.1:{port}\"\ndata_dir = {:?}\n",
            data.display().to_string()
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_edge-agent"))
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
    // A service manager stops it with SIGTERM: an orderly stop, exit 0.
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut exit = None;
    while exit.is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        exit = child.try_wait().unwrap();
    }
    // Reaps it (and ends it, should it still run).
    let _ = child.kill();
    let _ = child.wait();
    assert!(up, "the agent never answered on the file's port {port}");
    assert!(
        data.join("edge.db").exists(),
        "the database is in the file's data_dir"
    );
    assert!(sent.success());
    assert!(
        exit.is_some_and(|s| s.success()),
        "SIGTERM stops the agent cleanly: {exit:?}"
    );
}

#[test]
fn a_store_gstin_with_a_wrong_check_character_is_refused_by_name() {
    let home = tempfile::tempdir().unwrap();
    let out = agent(
        home.path(),
        &["--print-config"],
        &[("EDGE_STORE_GSTIN", "29ABCDE1234F1Z6")],
    );
    assert!(!out.status.success(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("receipt.gstin") && err.contains("EDGE_STORE_GSTIN"),
        "{err}"
    );
    let good = agent(
        home.path(),
        &["--print-config"],
        &[("EDGE_STORE_GSTIN", "29ABCDE1234F1ZW")],
    );
    assert!(good.status.success(), "{}", stderr(&good));
}

#[test]
fn a_upi_payee_is_checked_at_start_up_by_name() {
    let home = tempfile::tempdir().unwrap();
    for (env, says) in [
        (
            &[
                ("EDGE_UPI_VPA", "kirana store@okicici"),
                ("EDGE_UPI_PAYEE_NAME", "Kirana Store"),
            ][..],
            "EDGE_UPI_VPA \"kirana store@okicici\" is not a UPI address (VPA) such as kiranastore@okicici: the part before @ may hold only letters, digits",
        ),
        (
            &[("EDGE_UPI_VPA", "kiranastore"), ("EDGE_UPI_PAYEE_NAME", "Kirana Store")][..],
            "EDGE_UPI_VPA \"kiranastore\" is not a UPI address (VPA) such as kiranastore@okicici: it has no @",
        ),
        (
            &[("EDGE_UPI_VPA", "kiranastore@okicici")][..],
            "payments.upi_vpa (EDGE_UPI_VPA) is set but payments.upi_payee_name (EDGE_UPI_PAYEE_NAME) is not",
        ),
        (
            &[("EDGE_UPI_PAYEE_NAME", "Kirana Store")][..],
            "payments.upi_payee_name (EDGE_UPI_PAYEE_NAME) is set but payments.upi_vpa (EDGE_UPI_VPA) is not",
        ),
    ] {
        let out = agent(home.path(), &["--print-config"], env);
        assert!(!out.status.success(), "{env:?}");
        assert!(stderr(&out).contains(says), "{env:?}: {}", stderr(&out));
    }
    // In the file, a bad VPA is refused at its own key and line.
    let file = write(
        home.path(),
        "upi.toml",
        "[payments]\nupi_payee_name = \"Kirana Store\"\nupi_vpa = \"kirana@ok icici\"\n",
    );
    let err = stderr(&agent(
        home.path(),
        &["--config", file.to_str().unwrap(), "--print-config"],
        &[],
    ));
    assert!(
        err.contains("line 3")
            && err.contains("payments.upi_vpa: \"kirana@ok icici\" is not a UPI address"),
        "{err}"
    );
    let good = agent(
        home.path(),
        &["--print-config"],
        &[
            ("EDGE_UPI_VPA", "kiranastore@okicici"),
            ("EDGE_UPI_PAYEE_NAME", "Kirana & Sons"),
        ],
    );
    assert!(good.status.success(), "{}", stderr(&good));
    let text = stdout(&good);
    assert!(
        text.contains("upi_vpa = \"kiranastore@okicici\"")
            && text.contains("upi_payee_name = \"Kirana & Sons\""),
        "{text}"
    );
}

#[test]
fn the_counter_settings_default_on_and_bad_wedge_keys_are_refused_in_words() {
    let home = tempfile::tempdir().unwrap();
    // Defaults: a shift before selling, 9,999 a line, the wedge ends with Enter.
    let out = agent(home.path(), &["--print-config"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for says in [
        "require_open_shift = true",
        "max_line_qty = \"9999\"",
        "[scanners]",
        "wedge_suffix = \"Enter\"",
    ] {
        assert!(text.contains(says), "{says}: {text}");
    }
    assert!(!text.contains("wedge_prefix"), "{text}");

    // The file, then the environment over it.
    let file = write(
        home.path(),
        "till.toml",
        "[sales]\nrequire_open_shift = false\nmax_line_qty = \"50\"\n[scanners]\nwedge_prefix = \"F13\"\nwedge_suffix = \"Tab\"\n",
    );
    let out = agent(
        home.path(),
        &["--config", file.to_str().unwrap(), "--print-config"],
        &[("EDGE_WEDGE_PREFIX", "~")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for says in [
        "require_open_shift = false",
        "max_line_qty = \"50\"",
        "wedge_prefix = \"~\"",
        "wedge_suffix = \"Tab\"",
    ] {
        assert!(text.contains(says), "{says}: {text}");
    }
    let out = agent(
        home.path(),
        &["--print-config"],
        &[("EDGE_REQUIRE_OPEN_SHIFT", "no")],
    );
    assert!(stdout(&out).contains("require_open_shift = false"));

    for (env, says) in [
        (
            ("EDGE_WEDGE_SUFFIX", "Space"),
            "EDGE_WEDGE_SUFFIX: \"Space\" is not a key a scanner ends a barcode with: Enter or Tab",
        ),
        (
            ("EDGE_WEDGE_PREFIX", "F99"),
            "EDGE_WEDGE_PREFIX: \"F99\" is not a key a scanner can send first",
        ),
        (
            ("EDGE_WEDGE_PREFIX", "ab"),
            "a function key F1 to F24 (as the browser names it), or one printable character",
        ),
        (
            ("EDGE_MAX_LINE_QTY", "0"),
            "EDGE_MAX_LINE_QTY: \"0\" is not a quantity from 0.001 to 100000",
        ),
        (
            ("EDGE_MAX_LINE_QTY", "200000"),
            "is not a quantity from 0.001 to 100000",
        ),
        (
            ("EDGE_REQUIRE_OPEN_SHIFT", "maybe"),
            "EDGE_REQUIRE_OPEN_SHIFT \"maybe\" is not yes or no",
        ),
    ] {
        let out = agent(home.path(), &["--print-config"], &[env]);
        assert!(!out.status.success(), "{env:?}");
        assert!(stderr(&out).contains(says), "{env:?}: {}", stderr(&out));
    }
    let file = write(
        home.path(),
        "bad.toml",
        "[scanners]\nwedge_suffix = \"Return\"\n",
    );
    let out = agent(
        home.path(),
        &["--config", file.to_str().unwrap(), "--print-config"],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("scanners.wedge_suffix: \"Return\" is not a key"),
        "{}",
        stderr(&out)
    );
}
