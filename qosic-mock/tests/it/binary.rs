//! The `qosic-mock` binary, driven by a plain HTTP client as a suite in another language would.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::support::*;

/// The running binary; killed when dropped.
struct Binary {
    child: Child,
    addr: SocketAddr,
}

impl Binary {
    fn start(args: &[&str]) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qosic-mock"))
            .args(args)
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
    let help = Command::new(env!("CARGO_BIN_EXE_qosic-mock"))
        .arg("--help")
        .output()
        .unwrap();
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
    let bad = Command::new(env!("CARGO_BIN_EXE_qosic-mock"))
        .arg("--frobnicate")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
