//! The pages of merchant-priced sales: the catalogue, a product, a payment link (each asking
//! only for the phone number), and the receipt of a confirmed order (printable).

use std::fmt::Write as _;

use crate::amount::{format_stored, format_xof};
use crate::catalogue::Product;
use crate::links::Link;
use crate::page::{escape, layout, Ctx};
use crate::store::{OrderView, State};

/// Benin's offset from UTC: West Africa Time, UTC+1 all year (no daylight saving time).
pub const BENIN_OFFSET_MS: i64 = 3_600_000;

/// A unix time (ms) as a date and time in Benin: `("06/12/2026", "14:05")`.
pub fn benin_date_time(unix_ms: i64) -> (String, String) {
    let local = unix_ms.saturating_add(BENIN_OFFSET_MS);
    let days = local.div_euclid(86_400_000);
    let in_day = local.rem_euclid(86_400_000) / 1000;
    // The civil date of a day number (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{day:02}/{month:02}/{year}"),
        format!("{:02}:{:02}", in_day / 3600, in_day % 3600 / 60),
    )
}

/// The phone form of a link or product: one field, the number.
fn phone_form(
    ctx: &Ctx<'_>,
    action: &str,
    token: &str,
    error: Option<&str>,
    phone: &str,
    amount: i64,
) -> String {
    let mut described = String::from("phone-hint");
    let mut invalid = "";
    let mut error_html = String::new();
    if let Some(error) = error {
        described.push_str(" phone-error");
        invalid = " aria-invalid=\"true\"";
        error_html = format!(
            "<p class=\"error\" id=\"phone-error\">{}</p>",
            escape(error)
        );
    }
    format!(
        "<form method=\"post\" action=\"{}\" id=\"order-form\" novalidate>\
         <label for=\"phone\">{}</label><p class=\"hint\" id=\"phone-hint\">{}</p>\
         <input id=\"phone\" name=\"phone\" type=\"tel\" value=\"{}\" autocomplete=\"tel\" inputmode=\"tel\" \
         aria-describedby=\"{described}\"{invalid}>{error_html}\
         <input type=\"hidden\" name=\"token\" value=\"{}\">\
         <button type=\"submit\" id=\"pay\" data-sending=\"{}\">{}</button>{}</form>",
        escape(action),
        ctx.t("phone-label"),
        ctx.t("phone-hint"),
        escape(phone),
        escape(token),
        ctx.t("pay-sending"),
        ctx.with("pay-amount-button", &[("amount", format_stored(amount).into())]),
        crate::page::card_button(ctx),
    )
}

/// A payment link's page: what is paid for, the amount, the phone number.
pub(crate) fn pay_page(
    ctx: &Ctx<'_>,
    link: &Link,
    token: &str,
    declined_before: bool,
    error: Option<&str>,
    phone: &str,
) -> String {
    let mut body = format!(
        "<h1>{}</h1><p id=\"item\"><strong>{}</strong></p><p id=\"amount\" class=\"price\">{}</p><p class=\"muted\">{}</p>",
        ctx.t("pay-title"),
        escape(&link.description),
        escape(&format_stored(link.amount)),
        ctx.t("pay-intro"),
    );
    if declined_before {
        let _ = write!(
            body,
            "<p id=\"previous\" role=\"status\">{}</p>",
            ctx.t("pay-previous-failed")
        );
    }
    body.push_str(&phone_form(
        ctx,
        &format!("/pay/{}", link.id),
        token,
        error,
        phone,
        link.amount,
    ));
    layout(
        ctx,
        &format!("/pay/{}", link.id),
        &ctx.texts.t("pay-title"),
        &body,
    )
}

/// The catalogue.
pub(crate) fn products_page(ctx: &Ctx<'_>, products: &[Product]) -> String {
    let mut body = format!("<h1>{}</h1>", ctx.t("products-title"));
    if products.is_empty() {
        let _ = write!(body, "<p id=\"no-products\">{}</p>", ctx.t("products-none"));
    } else {
        body.push_str("<ul id=\"products\">");
        for product in products {
            let _ = write!(
                body,
                "<li class=\"product\"><a href=\"/products/{}\">{}</a> · {}</li>",
                escape(&product.id),
                escape(&product.name),
                escape(&format_xof(product.price)),
            );
        }
        body.push_str("</ul>");
    }
    layout(ctx, "/products", &ctx.texts.t("products-title"), &body)
}

/// A product's page: its picture, name and price, and the phone number to pay with.
pub(crate) fn product_page(
    ctx: &Ctx<'_>,
    product: &Product,
    token: &str,
    error: Option<&str>,
    phone: &str,
) -> String {
    let image = product
        .image
        .as_deref()
        .map(|src| {
            format!(
                "<img class=\"product-image\" src=\"{}\" alt=\"\">",
                escape(src)
            )
        })
        .unwrap_or_default();
    let price = i64::try_from(product.price).unwrap_or(i64::MAX);
    let body = format!(
        "<h1 id=\"item\">{}</h1>{image}<p id=\"amount\" class=\"price\">{}</p><p class=\"muted\">{}</p>{}\
         <p class=\"muted\"><a href=\"/products\">{}</a></p>",
        escape(&product.name),
        escape(&format_xof(product.price)),
        ctx.t("pay-intro"),
        phone_form(ctx, &format!("/products/{}", product.id), token, error, phone, price),
        ctx.t("products-title"),
    );
    layout(
        ctx,
        &format!("/products/{}", product.id),
        &product.name,
        &body,
    )
}

/// The receipt of a confirmed order: the shop, the item, the amount, the date and time in
/// Benin, the carrier, the masked number and the references; printable.
pub(crate) fn receipt(ctx: &Ctx<'_>, view: &OrderView, link: Option<&Link>) -> String {
    let (date, time) = benin_date_time(view.updated_at);
    let item = link.map(|l| l.description.clone()).unwrap_or_else(|| {
        ctx.texts.t(if view.by_card() {
            "card-receipt-item"
        } else {
            "receipt-default-item"
        })
    });
    let mut rows = vec![
        ("receipt-shop", escape(&ctx.shop_name())),
        ("receipt-item", escape(&item)),
        ("receipt-amount", escape(&format_stored(view.amount))),
        (
            "receipt-date",
            ctx.with(
                "benin-time",
                &[("date", date.into()), ("time", time.into())],
            ),
        ),
        (
            "receipt-carrier",
            escape(&crate::page::paid_with(ctx, view)),
        ),
        ("receipt-phone", escape(&view.phone)),
        ("receipt-reference", escape(&view.reference)),
    ];
    if view.by_card() {
        // Paid by card: no phone number.
        rows.retain(|(id, _)| *id != "receipt-phone");
    }
    if let Some(merchant) = link.and_then(|l| l.merchant_reference.as_deref()) {
        rows.push(("receipt-merchant-reference", escape(merchant)));
    }
    let title = if view.state == State::Confirmed {
        ctx.t("receipt-title")
    } else {
        ctx.t("receipt-refunded-title")
    };
    let mut html = format!("<section id=\"receipt\" class=\"receipt\"><h2>{title}</h2><table>");
    for (id, value) in rows {
        let _ = write!(
            html,
            "<tr id=\"{id}\"><th>{}</th><td>{value}</td></tr>",
            ctx.t(id)
        );
    }
    let _ = write!(
        html,
        "</table><p><button type=\"button\" id=\"print\">{}</button></p>",
        ctx.t("receipt-print")
    );
    if let Some(url) = link.and_then(|l| l.return_url.as_deref()) {
        let _ = write!(
            html,
            "<p><a id=\"return\" href=\"{}\">{}</a></p>",
            escape(url),
            ctx.t("receipt-return")
        );
    }
    html.push_str("</section>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_in_benin_time() {
        // 2026-12-05 23:30 UTC is 2026-12-06 00:30 in Porto-Novo.
        assert_eq!(
            benin_date_time(1_796_513_400_000),
            ("06/12/2026".to_owned(), "00:30".to_owned())
        );
        assert_eq!(
            benin_date_time(0),
            ("01/01/1970".to_owned(), "01:00".to_owned())
        );
        // 2024-02-29 12:00 UTC.
        assert_eq!(
            benin_date_time(1_709_208_000_000),
            ("29/02/2024".to_owned(), "13:00".to_owned())
        );
    }
}
