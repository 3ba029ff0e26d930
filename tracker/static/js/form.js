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

// "Add another language": copy the row in the <template> instead of reloading the page
// (without JavaScript the button posts the form and the server adds the row). The name
// of a language only shows once "Other language" is chosen in its row.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.querySelector("[data-language-rows]");
  var button = document.querySelector("[data-add-language]");
  var template = document.getElementById("language-row-template");
  if (!list) {
    return;
  }
  function showName(row) {
    var select = row.querySelector("select[id$='-language']");
    var name = row.querySelector("[data-language-name]");
    var input = name && name.querySelector("input");
    // Keep it visible when something is typed or wrong there: never hide an answer.
    name.hidden = select.value !== "other" && !input.value && !name.querySelector(".field-error");
  }
  list.querySelectorAll("[data-language-row]").forEach(showName);
  list.addEventListener("change", function (event) {
    var row = event.target.closest("[data-language-row]");
    if (row && event.target.matches("select[id$='-language']")) {
      showName(row);
    }
  });
  if (!button || !template) {
    return;
  }
  var most = Number(button.getAttribute("data-max"));
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var index = list.querySelectorAll("[data-language-row]").length;
    if (index >= most) {
      return;
    }
    // The template holds only our own labels and choices, never anything typed.
    var markup = template.innerHTML
      .replace(/__index__/g, String(index))
      .replace(/__number__/g, String(index + 1));
    list.insertAdjacentHTML("beforeend", markup);
    var row = list.lastElementChild;
    showName(row);
    row.querySelector("select").focus();
    if (index + 1 >= most) {
      button.hidden = true;
      document.querySelector("[data-language-limit]").hidden = false;
    }
  });
});
