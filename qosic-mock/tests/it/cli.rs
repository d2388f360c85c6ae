//! The binary's command line, read by the built binary: what it runs with (`GET
//! /__admin/config`, the callback journal) and how it says no (exit 2 and a line on stderr).

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::binary::{command, takes, Binary};
use crate::support::*;

/// The binary's error for these flags and variables: it exits with 2 and says why.
fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = command()
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let said = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {said}");
    assert!(out.stdout.is_empty(), "{args:?}");
    said
}

/// `GET /__admin/config` of the binary started with these flags and variables.
fn config(args: &[&str], env: &[(&str, &str)]) -> Value {
    let bin = Binary::start_with(args, env);
    let token = args.iter().position(|a| *a == "--admin-token");
    let bearer = token.map(|i| format!("Bearer {}", args[i + 1]));
    http_request(bin.addr, "GET", "/__admin/config", bearer.as_deref(), b"").json()
}

fn help() -> String {
    String::from_utf8(command().arg("--help").output().unwrap().stdout).unwrap()
}

#[test]
fn every_flag_is_read() {
    let c = config(
        &[
            "--listen=127.0.0.1:0",
            "--login",
            "L",
            "--password",
            "P",
            "--mtn-client-id",
            "M",
            "--moov-client-id=V",
            "--celtiis-client-id",
            "C",
            "--phone-forms",
            "new",
            "--refuse-wrong-carrier",
            "--journal-capacity=10",
            "--max-transactions",
            "20",
            "--max-body",
            "30",
            "--header-timeout",
            "0.5",
            "--body-timeout=2",
            "--idle-timeout",
            "3",
            "--max-connections",
            "4",
            "--admin-token",
            "T",
        ],
        &[],
    );
    let want = json!({
        "login": "L", "phone_forms": "new", "refuse_wrong_carrier": true,
        "journal_capacity": 10, "max_transactions": 20, "max_body_bytes": 30,
        "header_timeout_ms": 500, "body_timeout_ms": 2000, "idle_timeout_ms": 3000,
        "max_connections": 4, "admin_token": true,
    });
    for (key, value) in want.as_object().unwrap() {
        assert_eq!(&c[key], value, "{key} in {c}");
    }
    assert_eq!(
        (
            &c["mtn_client_id"],
            &c["moov_client_id"],
            &c["celtiis_client_id"]
        ),
        (&json!("M"), &json!("V"), &json!("C"))
    );
    let bin = Binary::start(&["--password", "P"]);
    assert!(takes(bin.addr, "merchant", "P"));
    assert!(!takes(bin.addr, "merchant", "secret"));
    drop(bin);
    assert_eq!(
        Binary::start(&["--listen", "localhost:0"])
            .addr
            .ip()
            .to_string(),
        "127.0.0.1"
    );
    let c = config(
        &["--refuse-wrong-carrier=false", "--phone-forms", "legacy"],
        &[],
    );
    assert_eq!(
        (&c["refuse_wrong_carrier"], &c["phone_forms"]),
        (&json!(false), &json!("legacy"))
    );
    assert_eq!(config(&[], &[])["login"], "merchant");
}

#[test]
fn the_sdk_variables_fill_what_no_flag_gave() {
    let env = [
        ("QOSIC_LOGIN", "SDK"),
        ("QOSIC_MOOV_CLIENT_ID", "SDKV"),
        ("QOSIC_CELTIIS_CLIENT_ID", ""),
        ("QOSIC_TMONEY_CLIENT_ID", "SDKT"),
    ];
    let c = config(&[], &env);
    assert_eq!(c["login"], "SDK");
    let ids = &c["client_ids"];
    assert_eq!(
        (&ids["mtn"], &ids["moov"], &ids["celtiis"], &ids["tmoney"]),
        (
            &json!("MTN_CLIENT"),
            &json!("SDKV"),
            &json!("CELTIIS_CLIENT"),
            &json!("SDKT")
        ),
        "{c}"
    );
    let c = config(&["--login", "CLI", "--moov-client-id", "V"], &env);
    assert_eq!(
        (&c["login"], &c["moov_client_id"]),
        (&json!("CLI"), &json!("V"))
    );
}

/// Every flag has a variable named after it, shown in `--help` with its SDK fallback, and
/// no variable's value is printed there.
#[test]
fn every_flag_has_its_variable() {
    let h = help();
    let flags: Vec<&str> = h
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--"))
        .map(|l| l.split([' ', '[']).next().unwrap())
        .filter(|f| !matches!(*f, "help" | "version"))
        .collect();
    assert_eq!(flags.len(), 24, "{flags:?}");
    for flag in flags {
        let env = format!(
            "[env: QOSIC_MOCK_{}",
            flag.to_ascii_uppercase().replace('-', "_")
        );
        assert!(h.contains(&env), "--{flag}: {h}");
    }
    for sdk in [
        "[env: QOSIC_MOCK_LOGIN, then QOSIC_LOGIN]",
        "[env: QOSIC_MOCK_PASSWORD, then QOSIC_PASSWORD]",
        "[env: QOSIC_MOCK_MTN_CLIENT_ID, then QOSIC_MTN_CLIENT_ID]",
        "[default: merchant]",
        "visible to every user in `ps`",
    ] {
        assert!(h.contains(sdk), "{sdk}: {h}");
    }
    let shown = command()
        .arg("--help")
        .env("QOSIC_MOCK_ADMIN_TOKEN", "s3cr3t")
        .output();
    assert!(!String::from_utf8(shown.unwrap().stdout)
        .unwrap()
        .contains("s3cr3t"));
    for spec in qosic_mock::carrier_specs() {
        let line = format!(
            "[env: {}] [default: {}_CLIENT]",
            spec.client_id_var(),
            spec.name()
        );
        assert!(h.contains(&line), "{line}: {h}");
    }
}

#[test]
fn client_ids_by_carrier_name_from_every_source() {
    let args = [
        "--client-id",
        "moov=V1",
        "--client-id=CELTIIS=C1",
        "--client-id",
        "moov=V2",
    ];
    let ids = config(&args, &[])["client_ids"].clone();
    assert_eq!(
        (&ids["mtn"], &ids["moov"], &ids["celtiis"]),
        (&json!("MTN_CLIENT"), &json!("V2"), &json!("C1"))
    );
    // The command line, then the SDK's variables, per carrier.
    let env = [
        ("QOSIC_MOOV_CLIENT_ID", "SDKV"),
        ("QOSIC_CELTIIS_CLIENT_ID", "SDKC"),
    ];
    let ids = config(
        &["--client-id", "mtn=CLI", "--client-id", "celtiis=C"],
        &env,
    )["client_ids"]
        .clone();
    assert_eq!(
        (&ids["mtn"], &ids["moov"], &ids["celtiis"]),
        (&json!("CLI"), &json!("SDKV"), &json!("C"))
    );
    let both = refused(&["--mtn-client-id", "A", "--client-id", "mtn=B"], &[]);
    assert_eq!(
        both,
        "qosic-mock: give the client id of mtn by --mtn-client-id or by --client-id, not both\n"
    );
    let unknown = refused(&["--client-id", "orange=X"], &[]);
    assert!(
        unknown.starts_with(
            r#"qosic-mock: --client-id: unknown carrier "orange", expected one of mtn, moov, celtiis"#
        ),
        "{unknown}"
    );
    assert!(refused(&["--client-id", "mtn"], &[]).contains("expected CARRIER=ID"));
    assert!(refused(&["--client-id", "mtn= "], &[]).contains("is empty"));
}

#[test]
fn the_password_file_is_checked() {
    let dir = std::env::temp_dir().join(format!("qosic-mock-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("password");
    std::fs::write(&file, "from-file\r\n").unwrap();
    let path = file.to_str().unwrap();
    // A file given on the command line wins over the SDK's variable.
    let bin = Binary::start_with(&["--password-file", path], &[("QOSIC_PASSWORD", "sdk")]);
    assert!(takes(bin.addr, "merchant", "from-file"));
    drop(bin);
    let said = refused(&["--password", "p", "--password-file", path], &[]);
    assert!(
        said.contains("give --password or --password-file, not both"),
        "{said}"
    );
    let missing = refused(&["--password-file", "/nonexistent/qosic"], &[]);
    assert!(
        missing.starts_with("qosic-mock: --password-file: cannot open /nonexistent/qosic"),
        "{missing}"
    );
    std::fs::write(&file, "\n").unwrap();
    assert!(refused(&["--password-file", path], &[]).contains("holds no password"));
    std::fs::write(&file, vec![b'x'; 64 * 1024 + 1]).unwrap();
    assert!(refused(&["--password-file", path], &[]).contains("not a password file"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The journal of callbacks of the binary at `addr` once it holds `n`.
fn callbacks(addr: std::net::SocketAddr, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let journal = http_request(addr, "GET", "/__admin/callbacks", None, b"").json();
        let journal = journal.as_array().unwrap().clone();
        if journal.len() >= n || start.elapsed() > Duration::from_secs(60) {
            return journal;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `--callback-url`, `--callback-timeout` and `--callback-queue` are obeyed: a receiver that
/// never answers fails the first callback after the timeout (3 s, long enough
/// for the second to come while the first is in flight); the second, beyond a queue of
/// one, is dropped.
#[test]
fn callback_flags() {
    let receiver = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", receiver.local_addr().unwrap());
    let bin = Binary::start(&[
        "--callback-url",
        &url,
        "--callback-timeout=3",
        "--callback-queue",
        "1",
    ]);
    let got = http_request(bin.addr, "GET", "/__admin/callbacks/url", None, b"").json();
    assert_eq!(got["url"], url.as_str());
    let auth = basic("merchant", "secret");
    for (n, transref) in ["CB-1", "CB-2"].into_iter().enumerate() {
        let body = pay(&format!("2299700010{n}"), "100", transref, "MTN_CLIENT").to_string();
        assert_eq!(
            http_request(bin.addr, "POST", MTN_PAY, Some(&auth), body.as_bytes()).status(),
            202
        );
        let body = status(transref, "MTN_CLIENT").to_string();
        http_request(bin.addr, "POST", MTN_STATUS, Some(&auth), body.as_bytes());
    }
    let journal = callbacks(bin.addr, 2);
    let outcomes: Vec<(&Value, &Value)> = journal
        .iter()
        .map(|c| (&c["reference"], &c["delivery"]))
        .collect();
    let dropped = outcomes
        .iter()
        .find(|(r, _)| *r == "CB-2")
        .expect("CB-2 journaled")
        .1;
    assert_eq!(dropped["outcome"], "dropped", "{journal:?}");
    assert!(dropped["reason"]
        .as_str()
        .unwrap()
        .contains("queue is full (1 callbacks"));
    let failed = outcomes
        .iter()
        .find(|(r, _)| *r == "CB-1")
        .expect("CB-1 journaled")
        .1;
    assert_eq!(failed["outcome"], "failed", "{journal:?}");
    assert!(
        failed["reason"].as_str().unwrap().contains("within 3s"),
        "{failed}"
    );
    drop(receiver);
    assert!(refused(&["--callback-queue", "0"], &[]).contains("at least 1"));
    let err = refused(&["--callback-url", "https://x/"], &[]);
    assert!(
        err.starts_with("qosic-mock: --callback-url: expected an http:// URL"),
        "{err}"
    );
    assert!(refused(&["--callback-timeout", "0"], &[]).contains("positive"));
    let bin = Binary::start(&[]);
    let none = http_request(bin.addr, "GET", "/__admin/callbacks/url", None, b"").json();
    assert_eq!(none["url"], Value::Null);
}

#[test]
fn bad_arguments_are_explained() {
    for (args, said) in [
        (&["--nope"][..], "unexpected argument '--nope'"),
        (&["stray"], "unexpected argument 'stray'"),
        (&["--login"], "a value is required for '--login <LOGIN>'"),
    ] {
        let err = refused(args, &[]);
        assert!(err.contains(said), "{args:?}: {err}");
    }
    assert!(refused(&["--listen", "x"], &[]).contains("--listen: \"x\" is not an address"));
    let forms = refused(&["--phone-forms", "x"], &[]);
    assert!(
        forms.contains("expected one of `legacy`, `new`, `both`"),
        "{forms}"
    );
    assert!(refused(&["--header-timeout", "0"], &[]).contains("positive"));
    assert!(refused(&["--max-connections", "0"], &[]).contains("at least 1"));
    assert!(refused(&["--no-admin", "--admin-token", "t"], &[]).contains("do not go together"));
    assert!(refused(&["--admin-token="], &[]).contains("the token is empty"));
    assert!(refused(&["--refuse-wrong-carrier=maybe"], &[]).contains("true or false"));
}

/// With glibc, the binary runs with its mmap threshold fixed (a request body is given back
/// to the system once freed), unless it was given one.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_binary_fixes_glibcs_mmap_threshold() {
    let environ = |bin: &Binary| {
        let raw = std::fs::read(format!("/proc/{}/environ", bin.child.id())).unwrap();
        let vars = String::from_utf8_lossy(&raw).into_owned();
        let tunables = vars
            .split('\0')
            .find_map(|v| v.strip_prefix("GLIBC_TUNABLES="));
        tunables.map(str::to_owned)
    };
    let bin = Binary::start(&[]);
    assert_eq!(
        environ(&bin).as_deref(),
        Some("glibc.malloc.mmap_threshold=131072")
    );
    let set = [("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=65536")];
    let bin = Binary::start_with(&[], &set);
    assert_eq!(
        environ(&bin).as_deref(),
        Some("glibc.malloc.mmap_threshold=65536")
    );
}
