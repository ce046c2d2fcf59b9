// The customer list from the keyboard, and its quick look panel.
//
//   /  search       j k  next / previous customer      Enter  quick look
//   o  open page    x    tick for a bulk action        Esc    close panel, menu, help
//   ?  the list of keys (a <dialog> in the page: templates/customers/_list_keys.html)
//
// Everything is delegated to the document, so the rows that htmx swaps in (search as
// you type, sort, pages) need nothing. Keys do not fire while typing in a box (Esc
// still closes). Moving to a row focuses its quick look link: a screen reader reads
// "Quick look at <name>", Enter opens it natively, and the row is marked aria-current.
// Without this file the quick look link opens the same panel as a page of its own.
(function () {
  "use strict";
  var ROWS = "#results tbody tr[data-customer]";

  // Boxes that take typing; a tick box or a radio button does not (j, k and x go on from it).
  var NOT_TYPED = /^(checkbox|radio|button|submit|reset|image|range|color|file)$/;
  function typing(element) {
    if (!element) { return false; }
    if (element.tagName === "INPUT") { return !NOT_TYPED.test(element.type); }
    return element.isContentEditable || /^(TEXTAREA|SELECT)$/.test(element.tagName);
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll(ROWS)); }
  function current() {
    var active = document.activeElement;
    var row = active && active.closest ? active.closest(ROWS) : null;
    return row || document.querySelector(ROWS + "[aria-current=true]");
  }
  function mark(row) {
    rows().forEach(function (other) {
      if (other !== row) { other.removeAttribute("aria-current"); }
    });
    if (row) { row.setAttribute("aria-current", "true"); }
  }
  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(current());
    var next = all[at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step))];
    var link = next.querySelector("a.quick-look-link");
    mark(next);
    (link || next).focus();
    next.scrollIntoView({block: "nearest"});
  }
  function panel() { return document.querySelector("#quick-look .quick-look-panel"); }
  function rowFor(id) { return document.querySelector(ROWS + '[data-customer="' + id + '"]'); }

  function closePanel() {
    var open = panel();
    if (!open) { return false; }
    var id = open.getAttribute("data-customer");
    var listUrl = open.getAttribute("data-list-url");
    document.getElementById("quick-look").replaceChildren();
    if (listUrl && location.pathname + location.search !== listUrl) {
      // htmx's own history shape, so Back to the quick look asks the server for it again.
      history.pushState({htmx: true}, "", listUrl);
    }
    var row = rowFor(id);
    if (row) {
      mark(row);
      (row.querySelector("a.quick-look-link") || row).focus();
    }
    return true;
  }
  function showPanel() {
    var open = panel();
    if (!open) { return; }
    mark(rowFor(open.getAttribute("data-customer")));
    var title = document.getElementById("quick-look-title");
    if (title) { title.focus(); }
  }
  function closeMenu() {
    // A row's inline status menu: its Cancel puts the row back.
    var menu = document.querySelector("#results .row-actions");
    var cancel = menu && menu.querySelector("button:last-of-type");
    if (!cancel) { return false; }
    var row = menu.closest(ROWS);
    var url = cancel.getAttribute("data-hx-get");
    if (row && url && window.htmx) {
      // Asked directly: a menu swapped in a moment ago may not have its htmx handlers yet.
      htmx.ajax("GET", url, {source: cancel, target: row, swap: "outerHTML"}).then(function () {
        var again = rowFor(row.getAttribute("data-customer"));
        if (again) { mark(again); (again.querySelector("a.quick-look-link") || again).focus(); }
      });
    } else {
      cancel.click();
    }
    return true;
  }
  function openHelp() {
    var help = document.getElementById("key-help");
    if (help && !help.open) { help.showModal(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var help = document.getElementById("key-help");
    if (help && help.open) { return; }  // the dialog has the keyboard (Esc closes it natively)
    if (event.key === "Escape") {
      if (closePanel() || closeMenu()) { event.preventDefault(); }
      return;
    }
    if (typing(event.target)) { return; }
    var row = current();
    switch (event.key) {
      case "/":
        var box = document.getElementById("q") || document.querySelector("#search-form [name^=cv]");
        if (box) { box.focus(); if (box.select) { box.select(); } }
        break;
      case "j": move(1); break;
      case "k": move(-1); break;
      case "?": openHelp(); break;
      case "x":
        var tick = row && row.querySelector('input[type=checkbox][form="bulk-form"]');
        if (!tick) { return; }
        tick.click();   // a click, so bulk-select.js counts it like a person's
        break;
      case "o":
        var page = row && row.querySelector("td.id-col a");
        if (!page) { return; }
        location.assign(page.href);
        break;
      case "Enter":
        // On a link or button Enter does its own thing; elsewhere it opens the marked row.
        if (event.target.closest("a, button, summary")) { return; }
        var look = row && row.querySelector("a.quick-look-link");
        if (!look) { return; }
        look.click();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest(".quick-look-close") && closePanel()) {
      event.preventDefault();
    } else if (event.target.closest(".key-help-button")) {
      openHelp();
    }
  });
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest(ROWS);
    if (row) { mark(row); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "quick-look") {
      showPanel();
    } else if (target && target.id === "results" && panel()) {
      // A new search, sort or page has its own address, which names no customer: the
      // panel goes with the list it was opened from (the focus stays where it is).
      document.getElementById("quick-look").replaceChildren();
    }
  });
  function ready() {
    var button = document.querySelector(".key-help-button");
    if (button) { button.hidden = false; }
    showPanel();  // the quick look page (a reload, a bookmark): the panel has the focus
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
