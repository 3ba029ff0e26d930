// The candidate page, enhanced: j/k move through the list, the rejection reason shows
// only when rejecting. Progressive enhancement only: without this file the previous/next
// links and every form work as they are.
"use strict";

(function () {
  function isTyping(target) {
    if (!target) {
      return false;
    }
    var tag = target.tagName;
    return (
      tag === "INPUT" ||
      tag === "TEXTAREA" ||
      tag === "SELECT" ||
      tag === "BUTTON" ||
      target.isContentEditable
    );
  }

  function follow(direction) {
    var link = document.querySelector('a[data-nav="' + direction + '"]');
    if (link) {
      window.location.assign(link.href);
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    if (event.key === "j") {
      event.preventDefault();
      follow("next");
    } else if (event.key === "k") {
      event.preventDefault();
      follow("previous");
    }
  });

  function toggleReason() {
    var status = document.getElementById("new_status");
    var reason = document.querySelector("[data-reason-field]");
    if (!status || !reason) {
      return;
    }
    reason.hidden = status.value !== "rejected";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("new_status");
    if (status) {
      status.addEventListener("change", toggleReason);
      toggleReason();
    }
    var problem = document.querySelector("[data-focus-on-load]");
    if (problem) {
      problem.focus();
    }
  });
})();
