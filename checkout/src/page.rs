//! The HTML of the shop: the form, the order page, and the status block that the event stream
//! sends (rendered once, here, for the first page and for every change).

use std::collections::BTreeMap;
use std::fmt::Write as _;

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

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#222}\
label{display:block;margin-top:1rem;font-weight:600}\
input{display:block;width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}\
.error{color:#b00020;font-weight:400;margin:.25rem 0 0}\
button{margin-top:1.25rem;padding:.6rem 1.2rem;font-size:1rem}\
#status{margin-top:1.5rem;padding:1rem;border-radius:.5rem;background:#f3f3f3}\
#status[data-state=confirmed]{background:#e3f6e5}\
#status[data-state=failed]{background:#fde7e9}\
#status[data-state=still_pending],#status[data-state=unknown]{background:#fff6db}\
.muted{color:#666;font-size:.9rem}\
#test-mode{background:#ffe08a;border:2px solid #a66b00;padding:.5rem 1rem;font-weight:700}";

/// What every page says when the shop pays through the embedded fake QosIc server.
pub(crate) const TEST_MODE_BANNER: &str = "Test mode: no money moves";
/// The same, in French.
pub(crate) const TEST_MODE_BANNER_FR: &str = "Mode test : aucun argent ne circule";

fn layout(test_mode: bool, title: &str, body: &str) -> String {
    let banner = if test_mode {
        format!(
            "<p id=\"test-mode\" role=\"status\">{TEST_MODE_BANNER} · \
             <span lang=\"fr\">{TEST_MODE_BANNER_FR}</span></p>"
        )
    } else {
        String::new()
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>{banner}{body}</body></html>\n",
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

/// The order form, with the SDK's error next to each field at fault.
pub(crate) fn form(
    test_mode: bool,
    values: &FormValues,
    errors: &BTreeMap<&'static str, String>,
) -> String {
    let mut body = String::from(
        "<h1>Pay with mobile money</h1>\
         <p class=\"muted\">MTN MoMo, Moov Money or Celtiis Cash. You approve the payment on your phone.</p>\
         <form method=\"post\" action=\"/orders\" id=\"order-form\" novalidate>",
    );
    let field = |body: &mut String,
                 name: &str,
                 label: &str,
                 value: &str,
                 kind: &str,
                 hint: &str| {
        let _ = write!(
            body,
            "<label for=\"{name}\">{label}</label>\
             <input id=\"{name}\" name=\"{name}\" type=\"{kind}\" value=\"{}\" placeholder=\"{hint}\">",
            escape(value)
        );
        if let Some(error) = errors.get(name) {
            let _ = write!(
                body,
                "<p class=\"error\" id=\"{name}-error\">{}</p>",
                escape(error)
            );
        }
    };
    field(
        &mut body,
        "phone",
        "Phone number",
        &values.phone,
        "tel",
        "+229 01 97 00 01 00",
    );
    field(
        &mut body,
        "amount",
        "Amount (XOF)",
        &values.amount,
        "text",
        "1000",
    );
    field(
        &mut body,
        "first_name",
        "First name (optional)",
        &values.first_name,
        "text",
        "",
    );
    field(
        &mut body,
        "last_name",
        "Last name (optional)",
        &values.last_name,
        "text",
        "",
    );
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
         <button type=\"submit\" id=\"pay\">Pay</button></form>{FORM_SCRIPT}",
        escape(&values.token)
    );
    layout(test_mode, "Checkout", &body)
}

/// Disables the Pay button once the form is sent, so that a second tap sends nothing (and
/// were it sent, the form's one-time token leads it to the same order).
const FORM_SCRIPT: &str = r#"<script>
document.getElementById("order-form").addEventListener("submit", function (e) {
  var pay = document.getElementById("pay");
  if (pay.disabled) { e.preventDefault(); return; }
  pay.disabled = true;
  pay.textContent = "Sending…";
});
</script>"#;

/// The block that says where the order stands; the event stream sends it for each change.
pub(crate) fn status_block(view: &OrderView) -> String {
    let reference = escape(&view.reference);
    let carrier = escape(&view.carrier);
    let check_again = format!(
        "<form method=\"post\" action=\"/orders/{reference}/check\" class=\"check-again\">\
         <button type=\"submit\" id=\"check-again\">Check again</button></form>"
    );
    let (title, detail) = match view.state {
        State::Created | State::Sending => (
            "Sending the payment request…".to_owned(),
            format!("to {carrier}, for {} XOF", view.amount),
        ),
        State::Pending => (
            "Approve the prompt on your phone".to_owned(),
            format!(
                "{carrier} has asked {} to approve a payment of {} XOF. Enter your PIN on your phone.",
                escape(&view.phone),
                view.amount
            ),
        ),
        State::Confirmed => (
            "Payment confirmed".to_owned(),
            format!("{} XOF paid with {carrier}. Thank you!", view.amount),
        ),
        State::Failed => (
            "Payment declined".to_owned(),
            format!(
                "<span id=\"reason\">{}</span>",
                escape(view.reason.as_deref().unwrap_or("declined"))
            ),
        ),
        State::StillPending => (
            "Still pending".to_owned(),
            format!(
                "The window closed before {carrier} confirmed. You may still approve on your phone. {check_again}"
            ),
        ),
        State::Unknown => (
            "Status unknown".to_owned(),
            format!(
                "No answer said what became of the payment{}. Do not pay again: check its status. {check_again}",
                view.reason
                    .as_deref()
                    .map(|r| format!(" (<span id=\"reason\">{}</span>)", escape(r)))
                    .unwrap_or_default()
            ),
        ),
        State::NeedsAttention => (
            "We are looking into it".to_owned(),
            format!(
                "{carrier} has not told us what became of this payment. Do not pay again: the shop will contact you. {check_again}"
            ),
        ),
    };
    format!(
        "<div id=\"status\" data-state=\"{}\" data-final=\"{}\"><h2 id=\"status-title\">{title}</h2>\
         <p id=\"status-detail\">{detail}</p>\
         <p class=\"muted\">Reference <code id=\"reference\">{reference}</code> · status checks: {}</p></div>",
        view.state.as_str(),
        view.is_final,
        view.checks
    )
}

/// Follows the order over server-sent events, replacing the status block at each change.
/// Closes the stream once the state is final; the browser reconnects by itself otherwise (and
/// the server sends the current state first). A stream refused (too many open) falls back to
/// polling the JSON status. "Check again" posts without leaving the page.
const SCRIPT: &str = r#"<script>
(function () {
  var holder = document.getElementById("holder");
  var url = holder.getAttribute("data-events");
  var source = new EventSource(url);
  source.addEventListener("status", function (e) {
    var data = JSON.parse(e.data);
    holder.innerHTML = data.html;
    if (data.view["final"]) { source.close(); }
  });
  // Past the shop's cap on live pages the stream is refused (503) and the browser gives it
  // up: poll the JSON status instead, and reload the page when the state changes.
  var polling = false;
  source.addEventListener("error", function () {
    if (polling || source.readyState !== EventSource.CLOSED) { return; }
    polling = true;
    var poll = function () {
      fetch(url.replace(/events$/, "status"), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (view) {
          var shown = document.getElementById("status").getAttribute("data-state");
          if (view.state !== shown) { location.reload(); return; }
          if (!view["final"]) { setTimeout(poll, 2000); }
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    poll();
  });
  document.addEventListener("submit", function (e) {
    if (!e.target.classList.contains("check-again")) { return; }
    e.preventDefault();
    fetch(e.target.action, { method: "POST", headers: { "Accept": "application/json" } });
  });
})();
</script>"#;

/// The order page: the status now, then live.
pub(crate) fn order_page(test_mode: bool, view: &OrderView) -> String {
    let body = format!(
        "<h1>Your order</h1><p>{} XOF · {} · {}</p>\
         <div id=\"holder\" data-events=\"/orders/{}/events\">{}</div>\
         <p class=\"muted\"><a href=\"/orders/{}/status\">status as JSON</a> · <a href=\"/\">new order</a></p>{SCRIPT}",
        view.amount,
        escape(&view.carrier),
        escape(&view.phone),
        escape(&view.reference),
        status_block(view),
        escape(&view.reference),
    );
    layout(test_mode, "Your order", &body)
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
            "<tr class=\"order\"><td><a href=\"/admin/orders/{reference}\">{reference}</a></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            order.state.as_str(),
            order.amount,
            escape(&order.masked_phone()),
            escape(&order.carrier),
            order.checks
        );
    }
    body.push_str("</table>");
    layout(test_mode, "Orders", &body)
}

/// A plain page for errors (404, 503…).
pub(crate) fn message(test_mode: bool, title: &str, text: &str) -> String {
    layout(
        test_mode,
        title,
        &format!(
            "<h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the shop</a></p>",
            escape(title),
            escape(text)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let mut errors = BTreeMap::new();
        errors.insert("phone", "<script>".to_owned());
        let values = FormValues {
            phone: "\"><script>alert(1)</script>".to_owned(),
            ..FormValues::default()
        };
        let html = form(false, &values, &errors);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("id=\"phone-error\">&lt;script&gt;</p>"),
            "{html}"
        );
    }
}
