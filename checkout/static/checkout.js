// The shop's behaviour, served as a file so that the Content-Security-Policy allows no
// inline script. Every text it shows comes from the page (data-* attributes), in the page's
// language.
(function () {
  "use strict";
  // The form: focus the first field in error; one tap sends the form once.
  var firstError = document.querySelector("[aria-invalid=true]");
  if (firstError) { firstError.focus(); }
  var form = document.getElementById("order-form");
  if (form) {
    form.addEventListener("submit", function (e) {
      var pay = document.getElementById("pay");
      if (pay.disabled) { e.preventDefault(); return; }
      // The button pressed ("Pay", or "Pay by card" with its method=card): its value goes in
      // a hidden field, since a disabled button sends none; then every button is disabled.
      var button = e.submitter || pay;
      if (button.name) {
        var chosen = document.createElement("input");
        chosen.type = "hidden";
        chosen.name = button.name;
        chosen.value = button.value;
        form.appendChild(chosen);
      }
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
      button.textContent = button.getAttribute("data-sending");
    });
  }
  // The order page: follow the order live; say so while the stream is down.
  var holder = document.getElementById("holder");
  if (!holder) { return; }
  var note = document.getElementById("check-note");
  var reconnecting = document.getElementById("reconnecting");
  var done = false;
  var polling = false;
  // The last view the stream sent, and the "check again" in progress: the view it was asked
  // from ({checks: null} until the shop answers), until a status shows the check's result.
  var latest = null;
  var asked = null;
  var label = "";
  var giveUp = null;
  function checkButton() { return holder.querySelector(".check-again button"); }
  function showChecking() {
    var button = checkButton();
    if (button) {
      button.disabled = true;
      button.textContent = button.getAttribute("data-checking");
    }
  }
  function endCheck(text) {
    asked = null;
    clearTimeout(giveUp);
    note.textContent = text;
    var button = checkButton();
    if (button && button.disabled) {
      button.disabled = false;
      button.textContent = label;
    }
  }
  function checked(view) {
    return asked && asked.checks !== null &&
      (view.checks > asked.checks || view.state !== asked.state);
  }
  function show(data) {
    holder.innerHTML = data.html;
    latest = data.view;
    if (data.view["final"]) { done = true; }
    if (asked) {
      if (checked(data.view)) { endCheck(""); } else { showChecking(); }
    }
  }
  var source = new EventSource(holder.getAttribute("data-events"));
  source.addEventListener("status", function (e) {
    reconnecting.hidden = true;
    show(JSON.parse(e.data));
    if (done) { source.close(); }
  });
  source.addEventListener("open", function () { reconnecting.hidden = true; });
  source.addEventListener("error", function () {
    if (!done) { reconnecting.hidden = false; }
    if (done || polling || source.readyState !== EventSource.CLOSED) { return; }
    // Past the shop's cap on live pages the stream is refused (503) and the browser gives it
    // up: poll the JSON status instead, and reload the page when the state changes. While the
    // polls are answered, the page is followed: no "reconnecting" notice.
    polling = true;
    var poll = function () {
      fetch(holder.getAttribute("data-status"), { headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (!r.ok) { throw new Error("status " + r.status); }
          return r.json();
        })
        .then(function (view) {
          reconnecting.hidden = true;
          var shown = document.getElementById("status").getAttribute("data-state");
          if (view.state !== shown) { location.reload(); return; }
          if (!view["final"]) { setTimeout(poll, 2000); }
        })
        .catch(function () {
          reconnecting.hidden = false;
          setTimeout(poll, 5000);
        });
    };
    poll();
  });
  // "Check again": posts without leaving the page; says it is checking until a status shows
  // the check's result (or for 20 s at most), and says when a repeat is too soon.
  document.addEventListener("submit", function (e) {
    if (!e.target.classList.contains("check-again")) { return; }
    e.preventDefault();
    if (asked) { return; }
    var button = e.target.querySelector("button");
    label = button.textContent;
    asked = { checks: null, state: null };
    showChecking();
    note.textContent = button.getAttribute("data-checking");
    var tooSoon = button.getAttribute("data-too-soon");
    var failed = button.getAttribute("data-failed");
    giveUp = setTimeout(function () { endCheck(""); }, 20000);
    fetch(e.target.action, { method: "POST", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 429) { endCheck(tooSoon); return; }
        if (r.status === 409) { endCheck(""); return; }
        if (!r.ok) { endCheck(failed); return; }
        return r.json().then(function (view) {
          if (!asked) { return; }
          asked = { checks: view.checks, state: view.state };
          if (latest && checked(latest)) { endCheck(""); }
        });
      })
      .catch(function () { if (asked) { endCheck(failed); } });
  });
})();
// The receipt's "Print" button (the order page's status block is replaced live, so listen on
// the document).
document.addEventListener("click", function (e) {
  if (e.target && e.target.id === "print") { window.print(); }
});
