//! The shop's language and words: French by default, English from `Accept-Language` or the
//! page's switch, the merchant's own texts, amounts as customers write them, and the security
//! headers every page carries.

use std::time::Duration;

use qosic::mock::{MockQosic, Subscriber};
use qosic_checkout::State;

use crate::support::*;

/// A form body, percent-encoded.
pub(crate) fn form_body(fields: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn get(url: &str, accept_language: Option<&str>) -> reqwest::Response {
    let mut request = http().get(url);
    if let Some(lang) = accept_language {
        request = request.header("accept-language", lang);
    }
    request.send().await.expect("GET")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_french_by_default_and_english_when_the_browser_asks() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000540", Subscriber::approves_after_checks(1));
    let app = start_shop(&mock, dir.path(), Duration::from_secs(4)).await;
    let base = app.url();

    let french = get(&base, None).await.text().await.unwrap();
    assert!(french.contains("<html lang=\"fr\">"), "{french}");
    assert!(french.contains("Payer par mobile money"), "{french}");
    assert!(french.contains("autocomplete=\"tel\""), "{french}");
    assert!(french.contains("inputmode=\"numeric\""), "{french}");
    let benin = get(&base, Some("fr-BJ,fr;q=0.9,en;q=0.5"))
        .await
        .text()
        .await
        .unwrap();
    assert!(benin.contains("<html lang=\"fr\">"), "{benin}");

    let english = get(&base, Some("en")).await.text().await.unwrap();
    assert!(english.contains("<html lang=\"en\">"), "{english}");
    assert!(english.contains("Pay with mobile money"), "{english}");
    assert!(!english.contains("Payer par mobile money"), "{english}");

    // The switch: `?lang=en` answers in English and remembers it in a cookie.
    let switched = get(&format!("{base}/?lang=en"), Some("fr")).await;
    let cookie = switched.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("checkout_lang=en;"), "{cookie}");
    assert!(switched
        .text()
        .await
        .unwrap()
        .contains("<html lang=\"en\">"));
    let remembered = http()
        .get(&base)
        .header("accept-language", "fr")
        .header("cookie", "checkout_lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(remembered.contains("<html lang=\"en\">"), "{remembered}");
    // The French page links to the English one, and back.
    assert!(french.contains("href=\"/?lang=en\""), "{french}");
    assert!(english.contains("href=\"/?lang=fr\""), "{english}");

    // The order page and its live status, in either language; amounts as "1 000 FCFA".
    let reference = order(&base, "22997000540", 1000).await;
    wait_state(&base, &reference, State::Confirmed).await;
    let page = get(&format!("{base}/orders/{reference}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Paiement confirmé"), "{page}");
    assert!(page.contains("1\u{202F}000\u{A0}FCFA"), "{page}");
    assert!(page.contains("aria-live=\"polite\""), "{page}");
    let page = get(&format!("{base}/orders/{reference}"), Some("en-US"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Payment confirmed"), "{page}");
    let events = get(&format!("{base}/orders/{reference}/events?lang=en"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(events.contains("Payment confirmed"), "{events}");

    // The 404 page is a customer page too.
    let missing = get(&format!("{base}/nothing-here"), None).await;
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page introuvable"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_are_read_as_customers_write_them_and_errors_are_in_their_words() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let app = start_shop(&mock, dir.path(), Duration::from_secs(2)).await;
    let base = app.url();
    for (typed, stored) in [
        ("1 000", 1000),
        ("1.500", 1500),
        ("2000 FCFA", 2000),
        ("2\u{A0}500", 2500),
    ] {
        let response = http()
            .post(format!("{base}/orders"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&[("phone", "01 97 00 05 41"), ("amount", typed)]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{typed:?}");
        let location = response.headers()["location"].to_str().unwrap();
        let reference = location.strip_prefix("/orders/").unwrap();
        assert_eq!(status(&base, reference).await.amount, stored, "{typed:?}");
    }
    // A number that is not Benin's: what one looks like, in French; focus goes to it.
    let response = http()
        .post(format!("{base}/orders"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("phone", "97 00"), ("amount", "1,5")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Un numéro béninois a 10 chiffres et commence par 01"),
        "{html}"
    );
    assert!(html.contains("sans centimes"), "{html}");
    assert!(
        html.contains("aria-describedby=\"phone-hint phone-error\" aria-invalid=\"true\""),
        "{html}"
    );
    assert!(
        !html.contains("invalid phone number"),
        "no SDK text: {html}"
    );
    assert!(
        !html.contains("XOF"),
        "no developer's currency code: {html}"
    );
    // A decline for want of funds, in the customer's words.
    let reference = order(&base, "22997000591", 1000).await;
    wait_state(&base, &reference, State::Failed).await;
    let page = get(&format!("{base}/orders/{reference}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<span id=\"reason\">Solde insuffisant : votre compte mobile money n&#39;a pas assez d&#39;argent"),
        "{page}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_changes_the_words_and_the_shop_identity_without_touching_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let locales = dir.path().join("locales");
    std::fs::create_dir_all(locales.join("fr")).unwrap();
    std::fs::write(
        locales.join("fr/checkout.ftl"),
        "form-title = Réglez vos achats chez nous\n",
    )
    .unwrap();
    let mock = MockQosic::in_process();
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(2));
    config.locales_dir = Some(locales);
    config.shop_name = "Chez Adjoa".to_owned();
    config.shop_colour = Some("#c60".to_owned());
    config.shop_logo = Some("https://example.com/adjoa.png".to_owned());
    config.shop_contact = Some("+229 01 97 00 00 00".to_owned());
    let app = start_app(&mock, config).await;
    let base = app.url();
    let html = get(&base, None).await.text().await.unwrap();
    assert!(html.contains("Réglez vos achats chez nous"), "{html}");
    assert!(html.contains("id=\"shop-name\">Chez Adjoa<"), "{html}");
    assert!(
        html.contains("<img id=\"logo\" src=\"https://example.com/adjoa.png\""),
        "{html}"
    );
    // The rest keeps the built-in words.
    assert!(html.contains("Votre numéro de téléphone"), "{html}");
    let theme = get(&format!("{base}/static/theme.css"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(theme.contains("--brand:#c60"), "{theme}");
    // A payment still pending tells the customer how to reach the shop.
    let reference = order(&base, "22997000193", 1000).await;
    wait_state(&base, &reference, State::StillPending).await;
    let page = get(&format!("{base}/orders/{reference}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            "Contactez Chez Adjoa : +229 01 97 00 00 00, en donnant la référence {reference}."
        )),
        "{page}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_security_headers_and_json_endpoints_answer_json() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let app = start_shop(&mock, dir.path(), Duration::from_secs(2)).await;
    let base = app.url();
    let response = get(&base, None).await;
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let html = response.text().await.unwrap();
    assert!(
        !html.contains("<script>") && html.contains("<script src=\"/static/checkout.js\""),
        "no inline script: {html}"
    );
    let script = get(&format!("{base}/static/checkout.js"), None).await;
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));

    let reference = order(&base, "22997000542", 1000).await;
    let status = get(&format!("{base}/orders/{reference}/status"), None).await;
    assert_eq!(status.headers()["cache-control"], "no-store");
    for path in [
        "/orders/NOPE0000000000000/status".to_owned(),
        "/orders/NOPE0000000000000/events".to_owned(),
        "/admin/orders/NOPE0000000000000".to_owned(),
        "/api/nothing".to_owned(),
    ] {
        let response = get(&format!("{base}{path}"), None).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        let body: serde_json::Value =
            serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("not found"),
            "{path}"
        );
    }
    app.stop().await;
}

/// The README's "Run it as your shop" says, in this order: the prices (a catalogue or the API),
/// the events, the admin, the languages.
#[test]
fn the_readme_shows_a_merchant_the_shop_in_order() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("\n## Run it as your shop\n")
        .expect("a \"Run it as your shop\" section");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let mut at = 0;
    for heading in [
        "**Your prices: a catalogue or your backend.**",
        "--catalogue products.toml",
        "/api/orders",
        "**Events to your server.**",
        "**The admin.**",
        "**Languages.**",
    ] {
        let found = section[at..]
            .find(heading)
            .unwrap_or_else(|| panic!("{heading:?} missing or out of order in: {section}"));
        at += found + heading.len();
    }
}
