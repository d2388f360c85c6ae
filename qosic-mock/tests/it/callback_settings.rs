//! The callback URLs and callback faults the admin API takes, and the reasons it gives for
//! those it refuses.

use qosic_mock::MockQosic;
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn callback_urls_are_checked() {
    let mock = MockQosic::start().await;
    let put = |url: &str| {
        admin(
            &mock,
            "PUT",
            "/__admin/callbacks/url",
            &json!({ "url": url }),
        )
    };
    for (url, stored) in [
        (
            "http://127.0.0.1:8080/hooks/qosic?x=1",
            "http://127.0.0.1:8080/hooks/qosic?x=1",
        ),
        (" http://[::1]:9/ ", "http://[::1]:9/"),
        ("http://receiver", "http://receiver"),
    ] {
        assert_eq!(put(url).status(), 200, "{url}");
        let got = admin(&mock, "GET", "/__admin/callbacks/url", &Value::Null).json();
        assert_eq!(got["url"], stored);
    }
    for (url, why) in [
        ("https://example.com/hook", "plain HTTP only"),
        ("ftp://x/", "expected http://"),
        ("127.0.0.1:80/hook", "expected http://"),
        ("http://", "not a URL"),
        ("not a url", "not a URL"),
        ("http://user:pw@host/", "not supported"),
    ] {
        let a = put(url);
        assert_eq!(a.status(), 400, "{url}");
        let detail = a.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(why), "{url}: {detail}");
    }
}

#[tokio::test]
async fn callback_faults_are_checked() {
    let mock = MockQosic::start().await;
    let post = |spec: Value| admin(&mock, "POST", "/__admin/callbacks/faults", &spec);
    for spec in [
        json!({"kind": "delayed", "delay_ms": 5000, "times": 2}),
        json!({"kind": "forged"}),
        json!({"kind": "dropped"}),
        json!({"kind": "duplicated", "times": 1}),
        json!({"kind": "out_of_order"}),
    ] {
        assert_eq!(post(spec.clone()).status(), 200, "{spec}");
    }
    for (spec, why) in [
        (json!({"kind": "delayed"}), "needs \"delay_ms\""),
        (json!({"kind": "dropped", "delay_ms": 1}), "only a delayed"),
        (
            json!({"kind": "delayed", "delay_ms": 600_001}),
            "at most 600000",
        ),
        (
            json!({"kind": "lost"}),
            "expected one of `dropped`, `delayed`, `duplicated`, `out_of_order`, `forged`",
        ),
    ] {
        let a = post(spec.clone());
        assert_eq!(a.status(), 400, "{spec}");
        let detail = a.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(why), "{spec}: {detail}");
    }
}
