// Mentions in the comment box: typing "@" offers the active team members by name
// (WAI-ARIA combobox with a listbox). Arrow keys move, Enter or Tab chooses, Escape
// closes. The names come from the form's data-mention-names; without this file "@Nino"
// is typed as plain text, and the server reads the mention all the same.
"use strict";

(function () {
  var form = document.querySelector("form[data-mention-names]");
  var box = form && form.querySelector("textarea");
  if (!box) {
    return;
  }
  var names = JSON.parse(form.getAttribute("data-mention-names") || "[]");
  var list = document.createElement("ul");
  list.id = "mention-list";
  list.className = "mention-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", form.getAttribute("data-mention-label") || "");
  list.hidden = true;
  box.parentNode.appendChild(list);
  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", list.id);
  box.setAttribute("aria-expanded", "false");
  var active = -1;
  var start = -1;

  function query() {
    var before = box.value.slice(0, box.selectionStart);
    var match = /(^|\s)@([^@\n]{0,40})$/.exec(before);
    if (!match) {
      return null;
    }
    start = before.length - match[2].length - 1;
    return match[2].toLowerCase();
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var options = list.querySelectorAll('[role="option"]');
    active = (index + options.length) % options.length;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    box.setAttribute("aria-activedescendant", options[active].id);
  }

  function choose(name) {
    var caret = box.selectionStart;
    var text = "@" + name + " ";
    box.value = box.value.slice(0, start) + text + box.value.slice(caret);
    box.selectionStart = box.selectionEnd = start + text.length;
    close();
    box.focus();
  }

  function open() {
    var typed = query();
    var found =
      typed === null
        ? []
        : names.filter(function (name) {
            return name.toLowerCase().indexOf(typed) === 0;
          });
    if (!found.length) {
      close();
      return;
    }
    list.textContent = "";
    found.forEach(function (name, i) {
      var option = document.createElement("li");
      option.id = "mention-option-" + i;
      option.setAttribute("role", "option");
      option.textContent = name;
      option.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the comment box
        choose(name);
      });
      list.appendChild(option);
    });
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  box.addEventListener("input", open);
  box.addEventListener("blur", close);
  box.addEventListener("keydown", function (event) {
    if (list.hidden) {
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(list.querySelectorAll('[role="option"]')[active].textContent);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
})();
