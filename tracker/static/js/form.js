// Progressive enhancement only: every page works without this file.
"use strict";

// After a failed submit, move focus to the error summary so screen readers announce it.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  }
});
