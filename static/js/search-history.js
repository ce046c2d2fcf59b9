// One browser-history entry per settled search, not one per pause in typing.
//
// The search form asks the server as you type (htmx), and each answer carries the
// URL of that search (HX-Push-Url). htmx alone cannot tell the first request of a
// burst of typing from the ones that follow it, so this marks the followers with
// "X-History: replace": the server then answers with HX-Replace-Url, and the entry
// the burst began is updated in place. A burst ends when typing pauses for
// SETTLED_MS, or when anything else (Enter, a select, sort, page) asks instead.
// Without this file every search is simply its own entry.
(function () {
  "use strict";
  var SETTLED_MS = 1500;
  var lastTyped = 0;

  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (detail.elt.hasAttribute("data-lazy")) {  // the counts and totals loading after the rows: not a step
      return;
    }
    var form = document.getElementById("search-form");
    if (!form || !form.contains(detail.elt)) {  // sort, page, delete...: the burst is over
      lastTyped = 0;
      return;
    }
    if (detail.elt !== form) {  // the owner picker's suggestions: not a search
      return;
    }
    var typing = detail.triggeringEvent && detail.triggeringEvent.type === "input";
    var now = Date.now();
    if (typing && now - lastTyped < SETTLED_MS) {
      detail.headers["X-History"] = "replace";
    }
    lastTyped = typing ? now : 0;
  });
}());
