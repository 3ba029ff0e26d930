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

// Check a chosen file's type (by its name's ending) and size before anything is uploaded,
// in the server's own words (the form carries them); the server checks everything again.
// A refused choice is cleared, so the form never uploads it and a kept file stays.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("application-form");
  if (!form || !form.dataset.maxFileSize) {
    return;
  }
  var limit = Number(form.dataset.maxFileSize);
  var endings = (form.dataset.fileEndings || "").split(",");

  function showError(input, message) {
    var box = input.closest(".field");
    var id = input.id + "-error";
    var error = document.getElementById(id);
    if (!message) {
      if (error && error.hasAttribute("data-from-browser")) {
        error.remove();
        box.classList.remove("has-error");
        input.removeAttribute("aria-invalid");
      }
      return;
    }
    if (!error) {
      error = document.createElement("p");
      error.className = "field-error";
      error.id = id;
      error.setAttribute("data-from-browser", "");
      box.insertBefore(error, input);
      var described = (input.getAttribute("aria-describedby") || "").split(" ");
      if (described.indexOf(id) < 0) {
        described.push(id);
        input.setAttribute("aria-describedby", described.join(" ").trim());
      }
    }
    error.textContent = message;
    box.classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
  }

  form.querySelectorAll("input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) {
        return;
      }
      var ending = file.name.indexOf(".") < 0 ? "" : file.name.split(".").pop().toLowerCase();
      var message = null;
      if (endings.indexOf(ending) < 0) {
        message = form.dataset.typeMessage;
      } else if (file.size > limit) {
        message = form.dataset.sizeMessage;
      }
      showError(input, message);
      if (message) {
        input.value = "";
      }
    });
  });

  // Enter in a one-line field would send the whole form half-filled; only the buttons send
  // it. Text areas keep Enter for new lines, buttons and file choosers for themselves.
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    var keeps = ["submit", "button", "image", "reset", "file"];
    if (event.key === "Enter" && target.tagName === "INPUT" && keeps.indexOf(target.type) < 0) {
      event.preventDefault();
    }
  });
});
