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

// "Add another language": copy the row in the <template> instead of reloading the page
// (without JavaScript the button posts the form and the server adds the row); "Remove"
// takes a row out and numbers the rest again. The name of a language only shows once
// "Other language" is chosen in its row.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.querySelector("[data-language-rows]");
  var button = document.querySelector("[data-add-language]");
  var template = document.getElementById("language-row-template");
  var limit = document.querySelector("[data-language-limit]");
  if (!list || !button || !template) {
    return;
  }
  var most = Number(button.getAttribute("data-max"));
  var numbered = "label, [data-remove-language]";
  // The labels of a row with "__number__" where its number goes, in the page's language.
  var texts = Array.prototype.map.call(template.content.querySelectorAll(numbered), function (el) {
    return el.textContent;
  });

  function rows() {
    return Array.prototype.slice.call(list.querySelectorAll("[data-language-row]"));
  }
  function showName(row) {
    var select = row.querySelector("select[id$='-language']");
    var name = row.querySelector("[data-language-name]");
    var input = name.querySelector("input");
    // Keep it visible when something is typed or wrong there: never hide an answer.
    name.hidden = select.value !== "other" && !input.value && !name.querySelector(".field-error");
  }
  function prepare(row) {
    showName(row);
    row.querySelector(".language-remove").hidden = false;
  }
  function renumber() {
    rows().forEach(function (row, index) {
      row.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (el) {
        ["id", "name", "for", "aria-describedby"].forEach(function (attribute) {
          var value = el.getAttribute(attribute);
          if (value) {
            el.setAttribute(attribute, value.replace(/other_languages-\d+-/g, "other_languages-" + index + "-"));
          }
        });
      });
      row.querySelectorAll(numbered).forEach(function (el, k) {
        el.textContent = texts[k].replace(/__number__/g, String(index + 1));
      });
    });
    var full = rows().length >= most;
    button.hidden = full;
    limit.hidden = !full;
  }

  rows().forEach(prepare);
  list.addEventListener("change", function (event) {
    var row = event.target.closest("[data-language-row]");
    if (row && event.target.matches("select[id$='-language']")) {
      showName(row);
    }
  });
  list.addEventListener("click", function (event) {
    var remove = event.target.closest("[data-remove-language]");
    if (!remove) {
      return;
    }
    var row = remove.closest("[data-language-row]");
    var next = row.nextElementSibling;
    row.remove();
    renumber();
    // Focus where the applicant was: the row that moved up, or the button after the list.
    (next ? next.querySelector("select") : button).focus();
  });
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var index = rows().length;
    if (index >= most) {
      return;
    }
    // The template holds only our own labels and choices, never anything typed.
    var markup = template.innerHTML
      .replace(/__index__/g, String(index))
      .replace(/__number__/g, String(index + 1));
    list.insertAdjacentHTML("beforeend", markup);
    var row = list.lastElementChild;
    prepare(row);
    row.querySelector("select").focus();
    renumber();
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
