//! The HTML of the shop: the form, the order page, and the status block that the event stream
//! sends (rendered once, here, for the first page and for every change). Every word a customer
//! reads comes from the translation catalogue ([`crate::i18n`]); amounts are written as
//! customers read them ([`crate::amount::format_xof`]). No inline script: the behaviour is in
//! `/static/checkout.js` ([`crate::assets`]), so that the Content-Security-Policy forbids
//! inline scripts.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::amount::format_stored;
use crate::i18n::{Lang, Texts};
use crate::store::{Order, OrderView, State};

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What every page says when the shop pays through the embedded fake QosIc server (the
/// operator's pages, in English).
pub(crate) const TEST_MODE_BANNER: &str = "Test mode: no money moves";
/// The same, in French.
pub(crate) const TEST_MODE_BANNER_FR: &str = "Mode test : aucun argent ne circule";

/// The shop as its pages show it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Identity {
    /// The shop's name ("" for the catalogue's default).
    pub(crate) name: String,
    /// How customers reach the shop (a phone number, WhatsApp, e-mail), if given.
    pub(crate) contact: Option<String>,
    /// The address of the shop's logo, if given.
    pub(crate) logo: Option<String>,
}

/// The catalogue of words, the shop's identity and the mode: what customer pages are made
/// from, shared by the routes.
#[derive(Debug)]
pub(crate) struct Look {
    pub(crate) catalogue: std::sync::Arc<crate::i18n::Catalogue>,
    pub(crate) shop: std::sync::Arc<Identity>,
    pub(crate) test_mode: bool,
    /// Whether "Pay by card" is offered ([`crate::Config::card_enabled`]).
    pub(crate) card: bool,
    /// Where the 303 to a card page may go ([`crate::Config::card_origin`]).
    pub(crate) card_origin: Option<std::sync::Arc<str>>,
}

impl Look {
    /// The page context in `lang`.
    pub(crate) fn ctx(&self, lang: Lang) -> Ctx<'_> {
        Ctx {
            texts: self.catalogue.texts(lang),
            test_mode: self.test_mode,
            shop: &self.shop,
            card: self.card,
        }
    }
}

/// What every customer page needs: the words, the mode, the shop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) texts: Texts<'a>,
    pub(crate) test_mode: bool,
    pub(crate) shop: &'a Identity,
    /// Whether "Pay by card" is offered.
    pub(crate) card: bool,
}

impl Ctx<'_> {
    /// The message `id`, escaped for HTML.
    pub(crate) fn t(&self, id: &str) -> String {
        escape(&self.texts.t(id))
    }

    /// The message `id` with its variables, escaped for HTML.
    pub(crate) fn with(&self, id: &str, vars: &[(&str, Cow<'_, str>)]) -> String {
        escape(&self.texts.with(id, vars))
    }

    /// The shop's name (the catalogue's default when none is configured), plain text.
    pub(crate) fn shop_name(&self) -> String {
        if self.shop.name.trim().is_empty() {
            self.texts.t("shop-default-name")
        } else {
            self.shop.name.clone()
        }
    }
}

/// A customer page: `<html lang>` of the language, the shop's header with the language
/// switch (a link to `path?lang=OTHER`), the test-mode banner, the body.
pub(crate) fn layout(ctx: &Ctx<'_>, path: &str, title: &str, body: &str) -> String {
    let lang = ctx.texts.lang();
    let other = match lang {
        Lang::Fr => Lang::En,
        Lang::En => Lang::Fr,
    };
    // Test mode says so in both languages, the page's first: no one takes it for a real
    // payment page.
    let banner = if ctx.test_mode {
        format!(
            "<p id=\"test-mode\" role=\"note\">{} · <span lang=\"{}\">{}</span></p>",
            ctx.t("test-mode-banner"),
            other.code(),
            escape(&ctx.texts.in_lang(other).t("test-mode-banner")),
        )
    } else {
        String::new()
    };
    let logo = ctx
        .shop
        .logo
        .as_deref()
        .map(|src| format!("<img id=\"logo\" src=\"{}\" alt=\"\">", escape(src)))
        .unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · {shop}</title><link rel=\"stylesheet\" href=\"/static/checkout.css\">\
         <link rel=\"stylesheet\" href=\"/static/theme.css\">\
         <script src=\"/static/checkout.js\" defer></script></head><body>\
         <header id=\"shop\">{logo}<span id=\"shop-name\">{shop}</span>\
         <a id=\"lang-switch\" href=\"{path}?lang={other_code}\" hreflang=\"{other_code}\" lang=\"{other_code}\" \
         aria-label=\"{switch_label}\">{switch}</a></header>{banner}<main>{body}</main></body></html>\n",
        code = lang.code(),
        title = escape(title),
        shop = escape(&ctx.shop_name()),
        path = escape(path),
        other_code = other.code(),
        switch_label = ctx.t("lang-switch-label"),
        switch = ctx.t("lang-switch"),
    )
}

/// An operator's page (English, the operator's language).
fn operator_layout(test_mode: bool, title: &str, body: &str) -> String {
    let banner = if test_mode {
        format!(
            "<p id=\"test-mode\" role=\"note\">{TEST_MODE_BANNER} · \
             <span lang=\"fr\">{TEST_MODE_BANNER_FR}</span></p>"
        )
    } else {
        String::new()
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/static/checkout.css\">\
         <script src=\"/static/checkout.js\" defer></script></head><body>{banner}<main>{body}</main></body></html>\n",
        escape(title)
    )
}

/// The values a form was submitted with, to show them again beside the errors.
#[derive(Debug, Default, Clone)]
pub(crate) struct FormValues {
    pub(crate) phone: String,
    pub(crate) amount: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    /// The form's one-time token (a new one for a new form).
    pub(crate) token: String,
}

/// One input with its label, hint and error: `aria-invalid` and `aria-describedby` (the hint,
/// and the error when there is one).
struct Field<'a> {
    name: &'a str,
    label: String,
    value: &'a str,
    kind: &'a str,
    hint: Option<String>,
    extra: &'a str,
}

fn field(body: &mut String, f: &Field<'_>, error: Option<&str>) {
    let name = f.name;
    let _ = write!(body, "<label for=\"{name}\">{}</label>", f.label);
    let mut described = Vec::new();
    if let Some(hint) = &f.hint {
        let _ = write!(body, "<p class=\"hint\" id=\"{name}-hint\">{hint}</p>");
        described.push(format!("{name}-hint"));
    }
    if error.is_some() {
        described.push(format!("{name}-error"));
    }
    let _ = write!(
        body,
        "<input id=\"{name}\" name=\"{name}\" type=\"{}\" value=\"{}\" {}",
        f.kind,
        escape(f.value),
        f.extra
    );
    if !described.is_empty() {
        let _ = write!(body, " aria-describedby=\"{}\"", described.join(" "));
    }
    if error.is_some() {
        body.push_str(" aria-invalid=\"true\"");
    }
    body.push('>');
    if let Some(error) = error {
        let _ = write!(
            body,
            "<p class=\"error\" id=\"{name}-error\">{}</p>",
            escape(error)
        );
    }
}

/// The order form (the customer types the amount: the shop runs without a catalogue or API),
/// with the customer's wording of each error next to its field.
pub(crate) fn form(
    ctx: &Ctx<'_>,
    values: &FormValues,
    errors: &BTreeMap<&'static str, String>,
) -> String {
    let mut body = format!(
        "<h1>{}</h1><p class=\"muted\">{}</p>",
        ctx.t("form-title"),
        ctx.t("form-intro")
    );
    if !errors.is_empty() {
        let _ = write!(
            body,
            "<p id=\"errors-summary\" class=\"error\" role=\"alert\">{}</p>",
            ctx.t("errors-summary")
        );
    }
    body.push_str("<form method=\"post\" action=\"/orders\" id=\"order-form\" novalidate>");
    let fields = [
        Field {
            name: "phone",
            label: ctx.t("phone-label"),
            value: &values.phone,
            kind: "tel",
            hint: Some(ctx.t("phone-hint")),
            extra: "autocomplete=\"tel\" inputmode=\"tel\"",
        },
        Field {
            name: "amount",
            label: ctx.t("amount-label"),
            value: &values.amount,
            kind: "text",
            hint: Some(ctx.t("amount-hint")),
            extra: "inputmode=\"numeric\" autocomplete=\"off\"",
        },
        Field {
            name: "first_name",
            label: ctx.t("first-name-label"),
            value: &values.first_name,
            kind: "text",
            hint: None,
            extra: "autocomplete=\"given-name\"",
        },
        Field {
            name: "last_name",
            label: ctx.t("last-name-label"),
            value: &values.last_name,
            kind: "text",
            hint: None,
            extra: "autocomplete=\"family-name\"",
        },
    ];
    for f in &fields {
        field(&mut body, f, errors.get(f.name).map(String::as_str));
    }
    if let Some(error) = errors.get("form") {
        let _ = write!(
            body,
            "<p class=\"error\" id=\"form-error\">{}</p>",
            escape(error)
        );
    }
    let _ = write!(
        body,
        "<input type=\"hidden\" name=\"token\" value=\"{}\">\
         <button type=\"submit\" id=\"pay\" data-sending=\"{}\">{}</button>{}</form>",
        escape(&values.token),
        ctx.t("pay-sending"),
        ctx.t("pay-button"),
        card_button(ctx),
    );
    layout(ctx, "/", &ctx.texts.t("form-title"), &body)
}

/// "Pay by card", a second submit button of a payment form (`method=card`: the same
/// one-time token), when the shop takes cards; nothing otherwise.
pub(crate) fn card_button(ctx: &Ctx<'_>) -> String {
    if !ctx.card {
        return String::new();
    }
    format!(
        "<p class=\"muted\" id=\"card-or\">{}</p><button type=\"submit\" name=\"method\" \
         value=\"card\" id=\"pay-card\" data-sending=\"{}\">{}</button>",
        ctx.t("card-or"),
        ctx.t("card-sending"),
        ctx.t("card-button"),
    )
}

/// How the order is paid, as the customer reads it: the carrier, or "bank card".
pub(crate) fn paid_with(ctx: &Ctx<'_>, view: &OrderView) -> String {
    if view.by_card() {
        ctx.texts.t("card-carrier")
    } else {
        view.carrier.clone()
    }
}

/// A card order's title and detail, for the states where they differ from mobile money's.
fn card_status(
    ctx: &Ctx<'_>,
    view: &OrderView,
    link: Option<&crate::links::Link>,
    (reach, check_again): (&str, &str),
) -> Option<(String, String)> {
    let amount: Cow<'_, str> = format_stored(view.amount).into();
    let go = || {
        view.card_url
            .as_deref()
            .map(|url| {
                format!(
                    "<p><a id=\"card-continue\" class=\"button\" href=\"{}\">{}</a></p>",
                    escape(url),
                    ctx.t("card-continue")
                )
            })
            .unwrap_or_default()
    };
    Some(match view.state {
        State::Created | State::Sending => (
            ctx.t("card-preparing-title"),
            ctx.with("card-preparing-detail", &[("amount", amount)]),
        ),
        State::Pending => (
            ctx.t("card-pending-title"),
            format!(
                "{}{}",
                ctx.with("card-pending-detail", &[("amount", amount)]),
                go()
            ),
        ),
        State::Failed => (
            ctx.t("card-failed-title"),
            format!(
                "<span id=\"reason\">{}</span> {}",
                ctx.t(crate::wording::card_decline_message(view.reason.as_deref())),
                ctx.t("failed-nothing-taken")
            ),
        ),
        State::StillPending => (
            ctx.t("status-still-pending-title"),
            format!(
                "{}{}{reach}{check_again}",
                ctx.t("card-still-pending-detail"),
                go()
            ),
        ),
        State::NeedsAttention => (
            ctx.t("status-attention-title"),
            format!("{}{reach}{check_again}", ctx.t("card-attention-detail")),
        ),
        State::Confirmed => (
            ctx.t("status-confirmed-title"),
            format!(
                "{}{}",
                ctx.with("card-confirmed-detail", &[("amount", amount)]),
                crate::storefront::receipt(ctx, view, link)
            ),
        ),
        State::Refunded | State::Unknown => return None,
    })
}

/// The line that says how to reach the shop about this order.
fn contact(ctx: &Ctx<'_>, reference: &str) -> String {
    let shop = ctx.shop_name();
    match &ctx.shop.contact {
        Some(contact) => ctx.with(
            "contact-shop",
            &[
                ("shop", shop.into()),
                ("contact", contact.into()),
                ("reference", reference.into()),
            ],
        ),
        None => ctx.with(
            "contact-shop-no-contact",
            &[("shop", shop.into()), ("reference", reference.into())],
        ),
    }
}

/// The block that says where the order stands; the event stream sends it for each change.
pub(crate) fn status_block(
    ctx: &Ctx<'_>,
    view: &OrderView,
    link: Option<&crate::links::Link>,
) -> String {
    let reference = escape(&view.reference);
    let amount: Cow<'_, str> = format_stored(view.amount).into();
    let carrier: Cow<'_, str> = paid_with(ctx, view).into();
    let check_again = format!(
        "<form method=\"post\" action=\"/orders/{reference}/check\" class=\"check-again\">\
         <button type=\"submit\" id=\"check-again\" data-checking=\"{}\" data-too-soon=\"{}\" \
         data-failed=\"{}\">{}</button></form>",
        ctx.t("checking"),
        ctx.t("check-too-soon"),
        ctx.t("check-failed"),
        ctx.t("check-again")
    );
    let reach = format!("<p class=\"contact\">{}</p>", contact(ctx, &view.reference));
    let card = if view.by_card() {
        card_status(ctx, view, link, (&reach, &check_again))
    } else {
        None
    };
    let (title, detail) = if let Some(card) = card {
        card
    } else {
        match view.state {
            State::Created | State::Sending => (
                ctx.t("status-sending-title"),
                ctx.with(
                    "status-sending-detail",
                    &[("carrier", carrier), ("amount", amount)],
                ),
            ),
            State::Pending => (
                ctx.t("status-pending-title"),
                ctx.with(
                    "status-pending-detail",
                    &[
                        ("carrier", carrier),
                        ("phone", view.phone.as_str().into()),
                        ("amount", amount),
                    ],
                ),
            ),
            State::Confirmed => (
                ctx.t("status-confirmed-title"),
                format!(
                    "{}{}",
                    ctx.with(
                        "status-confirmed-detail",
                        &[("amount", amount), ("carrier", carrier)],
                    ),
                    crate::storefront::receipt(ctx, view, link)
                ),
            ),
            State::Refunded => (
                ctx.t("status-refunded-title"),
                format!(
                    "{}{}",
                    ctx.with(
                        "status-refunded-detail",
                        &[("amount", amount), ("carrier", carrier)]
                    ),
                    crate::storefront::receipt(ctx, view, link)
                ),
            ),
            State::Failed => (
                ctx.t("status-failed-title"),
                format!(
                    "<span id=\"reason\">{}</span> {}",
                    ctx.t(crate::wording::decline_message(view.reason.as_deref())),
                    ctx.t("failed-nothing-taken")
                ),
            ),
            State::StillPending => (
                ctx.t("status-still-pending-title"),
                format!(
                    "{}{reach}{check_again}",
                    ctx.with("status-still-pending-detail", &[("carrier", carrier)])
                ),
            ),
            State::Unknown => (
                ctx.t("status-unknown-title"),
                format!("{}{reach}{check_again}", ctx.t("status-unknown-detail")),
            ),
            State::NeedsAttention => (
                ctx.t("status-attention-title"),
                format!(
                    "{}{reach}{check_again}",
                    ctx.with("status-attention-detail", &[("carrier", carrier)])
                ),
            ),
        }
    };
    format!(
        "<div id=\"status\" data-state=\"{}\" data-final=\"{}\"><h2 id=\"status-title\">{title}</h2>\
         <div id=\"status-detail\">{detail}</div>\
         <p class=\"muted\">{} <code id=\"reference\">{reference}</code> · {}</p></div>",
        view.state.as_str(),
        view.is_final,
        ctx.t("reference-label"),
        ctx.with("status-checks", &[("checks", view.checks.to_string().into())]),
    )
}

/// The order page: the status now, then live (`/static/checkout.js` follows the event
/// stream). The status sits in an `aria-live` region, so screen readers announce changes; so
/// do the "reconnecting…" notice (shown while the live stream is down) and the note of "check
/// again".
pub(crate) fn order_page(
    ctx: &Ctx<'_>,
    view: &OrderView,
    link: Option<&crate::links::Link>,
) -> String {
    let reference = escape(&view.reference);
    let lang = ctx.texts.lang().code();
    let body = format!(
        "<h1>{}</h1><p>{} · {}{}</p>\
         <div id=\"notices\" role=\"status\" aria-live=\"polite\"><p id=\"reconnecting\" hidden>{}</p></div>\
         <div id=\"holder\" aria-live=\"polite\" data-events=\"/orders/{reference}/events?lang={lang}\" \
         data-status=\"/orders/{reference}/status\">{}</div>\
         <p id=\"check-note\" role=\"status\" aria-live=\"polite\"></p>\
         <p class=\"muted\"><a href=\"/orders/{reference}/status\">{}</a> · <a href=\"/\">{}</a></p>",
        ctx.t("order-title"),
        escape(&format_stored(view.amount)),
        escape(&paid_with(ctx, view)),
        if view.phone.is_empty() {
            String::new()
        } else {
            format!(" · {}", escape(&view.phone))
        },
        ctx.t("reconnecting"),
        status_block(ctx, view, link),
        ctx.t("status-json"),
        ctx.t("new-order"),
    );
    layout(
        ctx,
        &format!("/orders/{}", view.reference),
        &ctx.texts.t("order-title"),
        &body,
    )
}

/// The operator's page: counts by state, the filter form, and the orders found (each linking
/// to its transitions as JSON).
pub(crate) fn admin(
    test_mode: bool,
    counts: &BTreeMap<State, i64>,
    orders: &[Order],
    (state, since, until, q): (&str, &str, &str, &str),
) -> String {
    let mut body = String::from("<h1>Orders</h1><p id=\"counts\">");
    for (s, n) in counts {
        let _ = write!(
            body,
            "<a href=\"/admin?state={0}\">{0}</a>: <span id=\"count-{0}\">{n}</span> · ",
            s.as_str()
        );
    }
    let _ = write!(
        body,
        "</p><form method=\"get\" action=\"/admin\">\
         <label for=\"state\">State</label><input id=\"state\" name=\"state\" value=\"{}\" placeholder=\"needs_attention\">\
         <label for=\"since\">From (YYYY-MM-DD)</label><input id=\"since\" name=\"since\" value=\"{}\">\
         <label for=\"until\">To (YYYY-MM-DD)</label><input id=\"until\" name=\"until\" value=\"{}\">\
         <label for=\"q\">Reference or last digits of the phone</label><input id=\"q\" name=\"q\" value=\"{}\">\
         <button type=\"submit\">Search</button></form>\
         <table id=\"orders\"><tr><th>Reference</th><th>State</th><th>XOF</th><th>Phone</th><th>Carrier</th><th>Checks</th></tr>",
        escape(state),
        escape(since),
        escape(until),
        escape(q)
    );
    for order in orders {
        let reference = escape(&order.reference);
        let _ = write!(
            body,
            "<tr class=\"order\"><td><a href=\"/admin/order/{reference}\">{reference}</a></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            order.state.as_str(),
            order.amount,
            escape(&order.masked_phone()),
            escape(&order.carrier),
            order.checks
        );
    }
    body.push_str("</table>");
    operator_layout(test_mode, "Orders", &body)
}

/// A plain customer page for errors (404, 503…): the title and text are message ids.
pub(crate) fn message(ctx: &Ctx<'_>, title: &str, text: &str) -> String {
    message_text(ctx, title, &ctx.texts.t(text))
}

/// [`message`] with its text already said (a message with variables).
pub(crate) fn message_text(ctx: &Ctx<'_>, title: &str, text: &str) -> String {
    let title = ctx.texts.t(title);
    layout(
        ctx,
        "/",
        &title,
        &format!(
            "<h1>{}</h1><p>{}</p><p><a href=\"/\">{}</a></p>",
            escape(&title),
            escape(text),
            ctx.t("back-to-shop")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Catalogue;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let catalogue = Catalogue::builtin();
        let shop = Identity {
            name: "<b>Chez Ade</b>".to_owned(),
            ..Identity::default()
        };
        let ctx = Ctx {
            texts: catalogue.texts(Lang::Fr),
            test_mode: false,
            shop: &shop,
            card: false,
        };
        let mut errors = BTreeMap::new();
        errors.insert("phone", "<script>".to_owned());
        let values = FormValues {
            phone: "\"><script>alert(1)</script>".to_owned(),
            ..FormValues::default()
        };
        let html = form(&ctx, &values, &errors);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<b>Chez"), "{html}");
        assert!(
            html.contains("id=\"phone-error\">&lt;script&gt;</p>"),
            "{html}"
        );
        // The field in error says so, and points at its error.
        assert!(
            html.contains("aria-describedby=\"phone-hint phone-error\" aria-invalid=\"true\""),
            "{html}"
        );
        assert!(html.contains("<html lang=\"fr\">"), "{html}");
        assert!(!html.contains("<script>"), "no inline script: {html}");
    }
}
