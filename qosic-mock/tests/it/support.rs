//! Shared helpers: a raw HTTP/1.1 client on `std::net::TcpStream` (no SDK, no reqwest) and
//! a harness that sends the same request over HTTP or through the in-process transport.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use qosic_core::{ApiRequest, Credentials, Delivery, Transport, TransportErrorKind};
use qosic_mock::{MockQosic, MockQosicBuilder, DEFAULT_LOGIN, DEFAULT_PASSWORD};
use serde_json::Value;

/// What came back: an answer, or a connection closed without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    Reply { status: u16, body: Vec<u8> },
    Dropped,
}

impl Answer {
    #[track_caller]
    pub(crate) fn status(&self) -> u16 {
        match self {
            Answer::Reply { status, .. } => *status,
            Answer::Dropped => panic!("expected an answer, the connection was dropped"),
        }
    }

    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        match self {
            Answer::Reply { body, .. } => serde_json::from_slice(body)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(body))),
            Answer::Dropped => panic!("expected an answer, the connection was dropped"),
        }
    }

    #[track_caller]
    pub(crate) fn text(&self) -> String {
        match self {
            Answer::Reply { body, .. } => String::from_utf8_lossy(body).into_owned(),
            Answer::Dropped => panic!("expected an answer, the connection was dropped"),
        }
    }

    /// The `responsecode` of a JSON answer.
    #[track_caller]
    pub(crate) fn code(&self) -> String {
        self.json()["responsecode"]
            .as_str()
            .unwrap_or_else(|| panic!("no responsecode in {}", self.text()))
            .to_owned()
    }
}

/// One raw HTTP/1.1 request with `Connection: close`; reads the whole answer.
pub(crate) fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect to the fake server");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(auth) = authorization {
        head.push_str(&format!("Authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    // The server may answer (413) and close before reading a large body: ignore write errors.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw)
}

/// A request to the admin API of a mock listening on a port; a `null` body sends none.
pub(crate) fn admin(mock: &MockQosic, method: &str, path: &str, body: &Value) -> Answer {
    let body = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    http_request(mock.address().unwrap(), method, path, None, &body)
}

/// Parses an HTTP/1.1 response (Content-Length or read-to-close bodies).
pub(crate) fn parse_response(raw: &[u8]) -> Answer {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Answer::Dropped;
    };
    let head = String::from_utf8_lossy(&raw[..end]);
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let mut body = raw[end + 4..].to_vec();
    if let Some(len) = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    }) {
        body.truncate(len);
    }
    Answer::Reply { status, body }
}

pub(crate) fn basic(login: &str, password: &str) -> String {
    Credentials::new(login, password)
        .authorization()
        .expose()
        .to_owned()
}

/// How a test reaches the fake server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    Http,
    InProcess,
}

pub(crate) const BOTH: [Via; 2] = [Via::Http, Via::InProcess];

/// A fake server and a way to reach it.
#[derive(Debug)]
pub(crate) struct Harness {
    pub mock: MockQosic,
    pub via: Via,
}

impl Harness {
    pub(crate) async fn new(via: Via) -> Harness {
        let mock = match via {
            Via::Http => MockQosic::start().await,
            Via::InProcess => MockQosic::in_process(),
        };
        Harness { mock, via }
    }

    /// A fake with these settings, reached `via`.
    pub(crate) async fn build(builder: MockQosicBuilder, via: Via) -> Harness {
        let mock = match via {
            Via::Http => builder.start().await,
            Via::InProcess => builder.build_in_process(),
        };
        Harness { mock, via }
    }

    pub(crate) fn with(mock: MockQosic, via: Via) -> Harness {
        Harness { mock, via }
    }

    /// POSTs `body` to `path` with the right credentials.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> Answer {
        self.post_as(
            DEFAULT_LOGIN,
            DEFAULT_PASSWORD,
            path,
            body.to_string().into_bytes(),
        )
        .await
    }

    /// POSTs raw bytes to `path` with these credentials.
    pub(crate) async fn post_as(
        &self,
        login: &str,
        password: &str,
        path: &str,
        body: Vec<u8>,
    ) -> Answer {
        match self.via {
            Via::Http => {
                let addr = self.mock.address().expect("an HTTP server");
                let auth = basic(login, password);
                let path = path.to_owned();
                tokio::task::spawn_blocking(move || {
                    http_request(addr, "POST", &path, Some(&auth), &body)
                })
                .await
                .expect("the HTTP helper thread")
            }
            Via::InProcess => {
                let url = format!("{}{path}", self.mock.uri());
                let request = ApiRequest::new(url, Credentials::new(login, password), body);
                match self.mock.transport().send(request).await {
                    Ok(response) => Answer::Reply {
                        status: response.status,
                        body: response.body,
                    },
                    Err(e) => {
                        assert_eq!(e.kind(), TransportErrorKind::ConnectionLost);
                        assert_eq!(e.delivery(), Delivery::MaybeSent);
                        Answer::Dropped
                    }
                }
            }
        }
    }
}

pub(crate) const MTN_PAY: &str = "/QosicBridge/user/requestpayment";
pub(crate) const MTN_STATUS: &str = "/QosicBridge/user/gettransactionstatus";
pub(crate) const MTN_REFUND: &str = "/QosicBridge/user/refund";
pub(crate) const MTN_DEPOSIT: &str = "/QosicBridge/user/deposit";
pub(crate) const MOOV_PAY: &str = "/QosicBridge/user/requestpaymentmv";
pub(crate) const MOOV_STATUS: &str = "/QosicBridge/user/gettransactionstatus2mv";
pub(crate) const MOOV_DEPOSIT: &str = "/QosicBridge/user/depositmv";
pub(crate) const CELTIIS_PAY: &str = "/QosicBridge/sb/v1/requestpayment";
pub(crate) const CELTIIS_STATUS: &str = "/QosicBridge/sb/v1/gettransactionstatus";

pub(crate) fn pay(msisdn: &str, amount: &str, transref: &str, clientid: &str) -> Value {
    serde_json::json!({
        "msisdn": msisdn, "amount": amount, "firstname": "Ada", "lastname": "Lovelace",
        "transref": transref, "clientid": clientid,
    })
}

pub(crate) fn status(transref: &str, clientid: &str) -> Value {
    serde_json::json!({"transref": transref, "clientid": clientid})
}

pub(crate) fn moov_status(transref: &str) -> Value {
    serde_json::json!({"transref": transref, "clientid": "MOOV_CLIENT", "specialfield1": ""})
}

pub(crate) fn deposit(msisdn: &str, amount: &str, transref: &str, clientid: &str) -> Value {
    serde_json::json!({"msisdn": msisdn, "amount": amount, "transref": transref, "clientid": clientid})
}
