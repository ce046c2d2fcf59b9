// Bulk actions on the customer list: "select all on this page", and the count of
// ticked rows. The page works without this (the form's radio buttons offer the page
// and the whole search); this only saves clicks. Delegated, so rows swapped in by
// htmx (a new search, a new page) need nothing.
(function () {
  "use strict";
  function boxes() { return document.querySelectorAll('input[type=checkbox][form="bulk-form"]'); }
  function refresh() {
    var all = boxes(), ticked = 0;
    all.forEach(function (box) { if (box.checked) { ticked += 1; } });
    var head = document.querySelector("input.select-page");
    if (head) {
      head.hidden = false;
      head.checked = all.length > 0 && ticked === all.length;
      head.indeterminate = ticked > 0 && ticked < all.length;
    }
    var count = document.querySelector("#bulk-form .ticked-count");
    if (count) { count.textContent = ticked ? "(" + ticked + ")" : ""; }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("input.select-page")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches("input.select-page, input[form=\"bulk-form\"]")) {
      var ticked = document.querySelector('#bulk-form input[name=selection][value=ticked]');
      if (ticked) { ticked.checked = true; }
      refresh();
    }
  });
  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
}());
