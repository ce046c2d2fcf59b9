// A search form's "change" that would ask again for what the form last asked is not sent.
//
// The search form asks as you type (input, after a pause) and at once on "change", for
// its selects. A text field fires "change" too, when it loses focus: the mouse going
// down on "Search anyway" or on a customer's link, right after typing. That asked for
// the same search again, and its answer replaced the results between the press and the
// release, so the click landed on nothing and was lost. A "change" that leaves the form
// as it was last sent is cancelled here (htmx:confirm); any real change still goes.
(function () {
  "use strict";
  var lastSent = new WeakMap();

  function state(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.tagName === "FORM") {
      lastSent.set(elt, state(elt));
    }
  });

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var trigger = event.detail.triggeringEvent;
    if (elt.tagName === "FORM" && trigger && trigger.type === "change" && lastSent.get(elt) === state(elt)) {
      event.preventDefault();
    }
  });
}());
