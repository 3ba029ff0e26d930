// Progressive enhancement only: every page works without this file.
"use strict";

// After a failed submit, move focus to the error summary so screen readers announce it.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-focus-on-load]");
  if (!summary) {
    return;
  }
  summary.focus();
  // A fragment link only scrolls; move focus to the field too, and show its label
  // (the GOV.UK pattern: the label and the message sit above the input).
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    history.replaceState(null, "", link.getAttribute("href"));
    var box = field.closest(".field") || field;
    box.scrollIntoView();
    field.focus({ preventScroll: true });
  });
});
