//! The `qosic-mock` binary, driven by a plain HTTP client as a suite in another language would.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::support::*;

/// The running binary; killed when dropped.
pub(crate) struct Binary {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
}

/// The binary, with none of the variables it reads inherited from the test's environment.
pub(crate) fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qosic-mock"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("QOSIC_") {
            command.env_remove(name);
        }
    }
    command
}

impl Binary {
    pub(crate) fn start(args: &[&str]) -> Binary {
        Binary::start_with(args, &[])
    }

    pub(crate) fn start_with(args: &[&str], env: &[(&str, &str)]) -> Binary {
        let mut child = command()
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn qosic-mock");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("first line");
        let url = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let addr = url.parse().expect("host:port");
        Binary { child, addr }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_full_mtn_payment_and_refund_against_the_binary() {
    let bin = Binary::start(&[
        "--listen",
        "127.0.0.1:0",
        "--login",
        "L",
        "--password",
        "P",
        "--mtn-client-id",
        "M",
        "--moov-client-id",
        "V",
        "--celtiis-client-id",
        "C",
    ]);
    let auth = basic("L", "P");
    let post = |path: &str, body: serde_json::Value| {
        http_request(
            bin.addr,
            "POST",
            path,
            Some(&auth),
            body.to_string().as_bytes(),
        )
    };

    let a = post(MTN_PAY, pay("22997000001", "2500", "BIN-1", "M"));
    assert_eq!(a.status(), 202);
    assert_eq!(a.code(), "01");
    let s = post(MTN_STATUS, status("BIN-1", "M"));
    assert_eq!((s.status(), s.code()), (200, "00".to_owned()));
    let r = post(MTN_REFUND, status("BIN-1", "M"));
    assert_eq!((r.status(), r.code()), (200, "00".to_owned()));
    let r = post(MTN_REFUND, status("BIN-1", "M"));
    assert_eq!(r.status(), 400);

    // The defaults are not accepted when others were given.
    let wrong = http_request(
        bin.addr,
        "POST",
        MTN_PAY,
        Some(&basic("merchant", "secret")),
        pay("22997000001", "1", "BIN-2", "M").to_string().as_bytes(),
    );
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        post(MOOV_PAY, pay("22995000001", "1", "BIN-3", "MOOV_CLIENT")).status(),
        404
    );
    assert_eq!(
        post(MOOV_PAY, pay("22995000001", "1", "BIN-3", "V")).code(),
        "0"
    );
    assert_eq!(
        post(CELTIIS_PAY, pay("22940000001", "1", "BIN-4", "C")).status(),
        202
    );

    let ledger = http_request(bin.addr, "GET", "/__admin/ledger", None, b"").json();
    assert_eq!(
        ledger,
        json!({"collected": 2501, "refunded": 2500, "paid_out": 0, "pending": 1})
    );
}

#[test]
fn the_binary_runs_with_no_flags_and_documents_its_defaults() {
    let bin = Binary::start(&[]);
    let a = http_request(
        bin.addr,
        "POST",
        MTN_PAY,
        Some(&basic("merchant", "secret")),
        pay("22997000001", "1", "DEF-1", "MTN_CLIENT")
            .to_string()
            .as_bytes(),
    );
    assert_eq!(a.status(), 202);
    let help = command().arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for default in [
        "127.0.0.1:0",
        "merchant",
        "secret",
        "MTN_CLIENT",
        "MOOV_CLIENT",
        "CELTIIS_CLIENT",
    ] {
        assert!(
            text.contains(&format!("[default: {default}]")),
            "{default}\n{text}"
        );
    }
    let bad = command().arg("--frobnicate").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn help_and_version_answer_conventionally() {
    for flag in ["--version", "-V"] {
        let out = command().arg(flag).output().unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("qosic-mock {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
    for flag in ["--help", "-h"] {
        let out = command().arg(flag).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Usage: qosic-mock [OPTIONS]"), "{text}");
        for part in [
            "--listen <ADDR>",
            "[env: QOSIC_MOCK_LISTEN]",
            "[env: QOSIC_MOCK_PASSWORD, then QOSIC_PASSWORD]",
            "--password-file <PATH>",
            "visible to every user in `ps`",
            "--no-admin",
            "--admin-token <TOKEN>",
            "--idle-timeout <SECONDS>",
            "[default: 512]",
        ] {
            assert!(text.contains(part), "{part}\n{text}");
        }
    }
    let bad = command()
        .args(["--max-connections", "none"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let said = String::from_utf8(bad.stderr).unwrap();
    assert!(
        said.contains("--max-connections: expected a whole number"),
        "{said}"
    );
}

/// Whether the binary at `addr` takes these credentials.
pub(crate) fn takes(addr: SocketAddr, login: &str, password: &str) -> bool {
    let body = status("NOPE", "MTN_CLIENT").to_string();
    let a = http_request(
        addr,
        "POST",
        MTN_STATUS,
        Some(&basic(login, password)),
        body.as_bytes(),
    );
    a.status() == 200
}

#[test]
fn the_password_comes_from_the_environment_or_a_file() {
    let bin = Binary::start_with(&[], &[("QOSIC_MOCK_PASSWORD", "from-mock-env")]);
    assert!(takes(bin.addr, "merchant", "from-mock-env"));
    assert!(!takes(bin.addr, "merchant", "secret"));
    drop(bin);

    // The SDK's own variables, as `Client::from_env` reads them.
    let bin = Binary::start_with(
        &[],
        &[
            ("QOSIC_LOGIN", "sdk-login"),
            ("QOSIC_PASSWORD", "from-sdk-env"),
        ],
    );
    assert!(takes(bin.addr, "sdk-login", "from-sdk-env"));
    drop(bin);

    let dir = std::env::temp_dir().join(format!("qosic-mock-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("password");
    std::fs::write(&file, "from-file\n").unwrap();
    let path = file.to_str().unwrap();
    let bin = Binary::start(&["--password-file", path]);
    assert!(takes(bin.addr, "merchant", "from-file"));
    drop(bin);
    let bin = Binary::start_with(&[], &[("QOSIC_MOCK_PASSWORD_FILE", path)]);
    assert!(takes(bin.addr, "merchant", "from-file"));
    drop(bin);
    let both = command()
        .args(["--password", "p", "--password-file", path])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8(both.stderr).unwrap().contains("not both"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn flags_come_from_qosic_mock_variables_too() {
    let bin = Binary::start_with(
        &[],
        &[
            ("QOSIC_MOCK_LISTEN", "127.0.0.1:0"),
            ("QOSIC_MOCK_LOGIN", "env-login"),
            ("QOSIC_MOCK_MTN_CLIENT_ID", "ENV_MTN"),
            ("QOSIC_MOCK_NO_ADMIN", "true"),
            ("QOSIC_MOCK_IDLE_TIMEOUT", "0.3"),
        ],
    );
    let body = status("NOPE", "ENV_MTN").to_string();
    let a = http_request(
        bin.addr,
        "POST",
        MTN_STATUS,
        Some(&basic("env-login", "secret")),
        body.as_bytes(),
    );
    assert_eq!(a.code(), "-1");
    assert_eq!(
        http_request(bin.addr, "GET", "/__admin/health", None, b"").status(),
        404
    );
    // The idle timeout applies: a silent connection is closed.
    let mut silent = std::net::TcpStream::connect(bin.addr).unwrap();
    silent
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 16];
    // A signal (another test's child exiting) may interrupt the read: read again then.
    let read = loop {
        match std::io::Read::read(&mut silent, &mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            read => break read,
        }
    };
    let closed = match read {
        Ok(0) => true,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        Ok(_) => false,
    };
    assert!(closed, "the idle connection was not closed");
}

/// Every kind of flag read from its `QOSIC_MOCK_*` variable (clap reads them from the
/// process's environment), seen in `GET /__admin/config`; the SDK's variables only fill what
/// no `QOSIC_MOCK_*` gave, and empty variables count as unset.
#[test]
fn every_kind_of_flag_reads_its_variable() {
    let bin = Binary::start_with(
        &[],
        &[
            ("QOSIC_MOCK_LOGIN", "EL"),
            ("QOSIC_LOGIN", "SDK"),
            ("QOSIC_MOCK_MTN_CLIENT_ID", "EM"),
            ("QOSIC_MTN_CLIENT_ID", "SDKM"),
            ("QOSIC_MOOV_CLIENT_ID", "SDKV"),
            ("QOSIC_MOCK_CELTIIS_CLIENT_ID", ""),
            ("QOSIC_MOCK_CLIENT_ID", "tmoney=ET, flooz=EF"),
            ("QOSIC_MOCK_PHONE_FORMS", "legacy"),
            ("QOSIC_MOCK_REFUSE_WRONG_CARRIER", "1"),
            ("QOSIC_MOCK_JOURNAL_CAPACITY", "11"),
            ("QOSIC_MOCK_MAX_BODY", "2048"),
            ("QOSIC_MOCK_HEADER_TIMEOUT", "0.5"),
        ],
    );
    let config = http_request(bin.addr, "GET", "/__admin/config", None, b"").json();
    assert_eq!(config["login"], "EL", "{config}");
    assert_eq!(
        config["client_ids"],
        json!({"mtn": "EM", "moov": "SDKV", "celtiis": "CELTIIS_CLIENT", "tmoney": "ET", "flooz": "EF"}),
        "{config}"
    );
    assert_eq!(config["phone_forms"], "legacy", "{config}");
    assert_eq!(config["refuse_wrong_carrier"], true, "{config}");
    assert_eq!(config["journal_capacity"], 11, "{config}");
    assert_eq!(config["max_body_bytes"], 2048, "{config}");
    assert_eq!(config["header_timeout_ms"], 500, "{config}");
    drop(bin);

    // A bad value names the variable it came from; the command line wins over it.
    let bad = command()
        .env("QOSIC_MOCK_MAX_CONNECTIONS", "0")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let said = String::from_utf8(bad.stderr).unwrap();
    assert!(
        said.starts_with("qosic-mock: QOSIC_MOCK_MAX_CONNECTIONS: expected a whole number"),
        "{said}"
    );
    let bin = Binary::start_with(
        &["--client-id", "mtn=CLI", "--login", "CLI"],
        &[
            ("QOSIC_MOCK_CLIENT_ID", "mtn=EM"),
            ("QOSIC_MOCK_LOGIN", "EL"),
        ],
    );
    let config = http_request(bin.addr, "GET", "/__admin/config", None, b"").json();
    assert_eq!(
        (&config["login"], &config["mtn_client_id"]),
        (&json!("CLI"), &json!("CLI"))
    );
    drop(bin);

    // A password file from QOSIC_MOCK_PASSWORD_FILE wins over the SDK's QOSIC_PASSWORD, and
    // --password over QOSIC_MOCK_PASSWORD_FILE.
    let dir = std::env::temp_dir().join(format!("qosic-mock-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("password");
    std::fs::write(&file, "from-file\n").unwrap();
    let path = file.to_str().unwrap();
    let bin = Binary::start_with(
        &[],
        &[
            ("QOSIC_MOCK_PASSWORD_FILE", path),
            ("QOSIC_PASSWORD", "sdk"),
        ],
    );
    assert!(takes(bin.addr, "merchant", "from-file"));
    drop(bin);
    let bin = Binary::start_with(&["--password", "p"], &[("QOSIC_MOCK_PASSWORD_FILE", path)]);
    assert!(takes(bin.addr, "merchant", "p"));
    drop(bin);
    let both = command()
        .envs([
            ("QOSIC_MOCK_PASSWORD_FILE", path),
            ("QOSIC_MOCK_PASSWORD", "m"),
        ])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    let said = String::from_utf8(both.stderr).unwrap();
    assert!(
        said.contains("give QOSIC_MOCK_PASSWORD or QOSIC_MOCK_PASSWORD_FILE, not both"),
        "{said}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_admin_token_comes_from_its_variable() {
    let bin = Binary::start_with(&[], &[("QOSIC_MOCK_ADMIN_TOKEN", "tok")]);
    assert_eq!(
        http_request(bin.addr, "GET", "/__admin/health", None, b"").status(),
        401
    );
    assert_eq!(
        http_request(bin.addr, "GET", "/__admin/health", Some("Bearer tok"), b"").status(),
        200
    );
}

/// Beyond loopback, the binary refuses to start with an open admin API, and says why; a
/// token, `--no-admin` or an explicit `--admin-open` lets it start.
#[test]
fn beyond_loopback_the_admin_api_needs_a_token_or_a_choice() {
    let out = command()
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .expect("run qosic-mock");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("beyond loopback")
            && err.contains("--admin-token")
            && err.contains("--admin-open"),
        "{err}"
    );
    for args in [
        &["--listen", "0.0.0.0:0", "--admin-token", "t"][..],
        &["--listen", "0.0.0.0:0", "--no-admin"],
        &["--listen", "0.0.0.0:0", "--admin-open"],
    ] {
        let bin = Binary::start(args);
        assert_ne!(bin.addr.port(), 0, "{args:?}");
    }
    let bin = Binary::start_with(
        &["--listen", "0.0.0.0:0"],
        &[("QOSIC_MOCK_ADMIN_TOKEN", "t")],
    );
    assert_ne!(bin.addr.port(), 0);
}

/// The described contract is served: `GET /__admin/openapi.json` is
/// `docs/qosic-mock.openapi.json`, and lists itself.
#[test]
fn the_binary_serves_its_openapi_document() {
    let bin = Binary::start(&[]);
    let served = http_request(bin.addr, "GET", "/__admin/openapi.json", None, b"");
    assert_eq!(served.status(), 200);
    let docs = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/qosic-mock.openapi.json"
    );
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(docs).unwrap()).unwrap();
    let served = served.json();
    assert_eq!(served, want);
    assert!(served["paths"]["/__admin/openapi.json"]["get"].is_object());
    assert_eq!(served["openapi"], "3.1.0");
}
