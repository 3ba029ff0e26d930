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

// A character counter under each field marked data-character-count (the cover letter),
// in the GOV.UK pattern: the count shows at once; screen readers hear it in a polite live
// region only once typing pauses, never on every key. Nothing is cut: over the limit the
// count says by how much, and the server refuses with the numbers if it is sent so.
function characterCount(box) {
  var field = box.querySelector("textarea");
  var limit = Number(box.getAttribute("data-character-count"));
  var messages = JSON.parse(box.getAttribute("data-count-messages"));
  var language = document.documentElement.lang || "de";
  var plural = new Intl.PluralRules(language);
  var numbers = new Intl.NumberFormat(language);
  var shown = document.createElement("p");
  shown.className = "character-count";
  shown.setAttribute("aria-hidden", "true");
  var spoken = document.createElement("p");
  spoken.className = "visually-hidden";
  spoken.setAttribute("aria-live", "polite");
  field.after(shown, spoken);
  var pause;

  function sentence() {
    // Characters as the server counts them (code points), not UTF-16 units: an emoji is one.
    var used = field.value.length - (field.value.match(/[\uD800-\uDBFF]/g) || []).length;
    var left = limit - used;
    var forms = left < 0 ? messages.over : messages.left;
    var count = Math.abs(left);
    var text = forms[plural.select(count)] || forms.other;
    return { text: text.replace("{count}", numbers.format(count)), over: left < 0 };
  }

  function update(announce) {
    var now = sentence();
    shown.textContent = now.text;
    shown.classList.toggle("is-over", now.over);
    clearTimeout(pause);
    if (announce) {
      pause = setTimeout(function () {
        spoken.textContent = now.text;
      }, 1000);
    }
  }

  field.addEventListener("input", function () {
    update(true);
  });
  update(false);
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-character-count]").forEach(characterCount);
});
