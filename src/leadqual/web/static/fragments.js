// Progressive enhancement for parts of a page that are slow or live: an element
// <section data-fragment="/app/URL" [data-refresh="30"] [data-autoload]> gets the HTML of URL
// (which answers the fragment alone when asked with ?fragment=1) when its [data-load] link is
// clicked, at once with data-autoload, and again every data-refresh seconds. Without
// JavaScript the [data-load] link opens the same content as a page of its own.
(function () {
  "use strict";

  function withFragment(url) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "fragment=1";
  }

  function load(box) {
    var url = box.getAttribute("data-fragment");
    box.setAttribute("aria-busy", "true");
    return fetch(withFragment(url), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) {
        if (answer.redirected && new URL(answer.url).pathname === "/app/login") {
          // The session ended (8 hours): say so rather than show the sign-in form in the box.
          box.setAttribute("data-refresh", "0");
          return '<p class="error">Your session has ended. <a href="/app/login">Sign in again</a>.</p>';
        }
        if (!answer.ok) { throw new Error(answer.status + " " + answer.statusText); }
        return answer.text();
      })
      .then(function (html) {
        var target = box.querySelector("[data-target]") || box;
        target.innerHTML = html;
        box.setAttribute("data-loaded", String(Date.now()));
        if (window.leadqualCharts) { window.leadqualCharts.drawAll(target); }
      })
      .catch(function (err) {
        var note = box.querySelector("[data-status]");
        if (note) { note.textContent = "Could not load (" + err.message + "); try again later."; }
      })
      .then(function () { box.removeAttribute("aria-busy"); });
  }

  function wire(box) {
    box.addEventListener("click", function (event) {
      var trigger = event.target.closest("[data-load]");
      if (!trigger || !box.contains(trigger)) { return; }
      event.preventDefault();
      var href = trigger.getAttribute("href");
      if (href) { box.setAttribute("data-fragment", href); }
      load(box);
    });
    if (box.hasAttribute("data-autoload")) { load(box); }
    var every = parseInt(box.getAttribute("data-refresh") || "0", 10);
    if (every > 0) {
      var timer = window.setInterval(function () {
        if (box.getAttribute("data-refresh") === "0") { window.clearInterval(timer); return; }
        if (!document.hidden) { load(box); }
      }, every * 1000);
    }
  }

  function ready() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-fragment]"), wire);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
