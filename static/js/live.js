/* Live session page: poll the small JSON endpoint and redraw counts and flags in place.
   Without JavaScript the page has a Refresh link; nothing here is needed to act. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.fetch) { return; }
  var seconds = parseInt(root.getAttribute("data-live-seconds"), 10) || 4;
  var auto = root.querySelector("[data-live-auto]");
  if (auto) { auto.hidden = false; }

  function signature(doc) {
    return Array.prototype.map.call(doc.querySelectorAll("[data-flag]"), function (el) {
      return el.getAttribute("data-flag");
    }).join(",");
  }

  function adopted(nodes) {
    // Copy first: adopting a node takes it out of the (live) list it came from.
    return Array.prototype.slice.call(nodes).map(function (node) { return document.adoptNode(node); });
  }

  function redrawFlags() {
    // ?poll=1: the server neither audits this as a view nor hands over a waiting message.
    return fetch(location.pathname + "?poll=1", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        // The count is a live region: it stays in the page and only its words change, so
        // screen readers announce a new flag (a replaced region is not announced).
        var count = document.querySelector("[data-live-flag-count]");
        var freshCount = fresh.querySelector("[data-live-flag-count]");
        if (count && freshCount && count.textContent.trim() !== freshCount.textContent.trim()) {
          count.replaceChildren.apply(count, adopted(freshCount.childNodes));
        }
        // Never swap the flags out from under someone typing a note or about to press a
        // button: with focus inside, wait (the next poll tries again).
        var list = document.querySelector("[data-live-flag-list]");
        var freshList = fresh.querySelector("[data-live-flag-list]");
        if (list && freshList && !list.contains(document.activeElement)) {
          list.replaceWith(document.adoptNode(freshList));
        }
        var checked = fresh.querySelector("[data-live-checked]");
        var shown = document.querySelector("[data-live-checked]");
        if (checked && shown) { shown.textContent = checked.textContent; }
      });
  }

  // A page left open must not keep a sign-in alive for ever: stop after 12 hours, and
  // for good once the answer is not ours (signed out, or the session is not theirs).
  var until = Date.now() + 12 * 3600 * 1000;
  var stopped = false;

  function poll() {
    fetch(root.getAttribute("data-live"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.ok && !json) { stopped = true; }
        return response.ok && json ? response.json() : null;
      })
      .then(function (state) {
        if (!state) { return; }
        var shown = document.querySelector("[data-live-checked]");
        if (shown) { shown.textContent = state.checked; }
        state.counts.forEach(function (row) {
          ["started", "in_progress", "finished", "stopped"].forEach(function (key) {
            var cell = root.querySelector('[data-count="' + row.audience + ":" + key + '"]');
            if (cell) { cell.textContent = new Intl.NumberFormat(document.documentElement.lang).format(row[key]); }
          });
        });
        var wanted = state.flags.map(function (f) { return f.id + ":" + f.status; }).join(",");
        if (wanted !== signature(document)) { return redrawFlags(); }
      })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () {
        if (!stopped && Date.now() < until) { window.setTimeout(poll, seconds * 1000); }
      });
  }
  window.setTimeout(poll, seconds * 1000);
})();
