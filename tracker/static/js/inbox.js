// The inbox, enhanced: a bulk bar that appears when rows are ticked, "select all", and
// keys – "/" search, "j"/"k" move between rows, Enter opens, "x" ticks. Without this file
// the bulk controls are always visible and everything works with links and buttons.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // On a phone the cards come first: fold the filters beyond search (the summary counts
  // those in use). The width is the one at which the filters stop being a side column.
  var moreFilters = document.querySelector("[data-fold-on-phone]");
  if (moreFilters && window.matchMedia("(max-width: 63.99rem)").matches) {
    moreFilters.open = false;
  }
  var table = document.querySelector("[data-inbox-table]");
  var search = document.querySelector("[data-search-box]");
  var bar = document.querySelector("[data-bulk-bar]");
  var counter = document.querySelector("[data-selected-count]");
  var selectAll = document.querySelector("[data-select-all]");
  var scopeFilter = document.getElementById("scope-filter");
  var rows = table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr")) : [];
  var current = -1;

  function boxes() {
    return rows.map(function (row) {
      return row.querySelector("input[name='ids']");
    }).filter(Boolean);
  }

  function updateBar() {
    var ticked = boxes().filter(function (box) { return box.checked; }).length;
    if (counter) {
      counter.textContent = String(ticked);
    }
    if (bar) {
      // Keep the bar while "every application matching the filter" is chosen.
      bar.hidden = ticked === 0 && !(scopeFilter && scopeFilter.checked);
    }
    if (selectAll) {
      selectAll.checked = ticked > 0 && ticked === boxes().length;
      selectAll.indeterminate = ticked > 0 && ticked < boxes().length;
    }
  }

  if (table) {
    table.addEventListener("change", function (event) {
      if (event.target === selectAll) {
        boxes().forEach(function (box) { box.checked = selectAll.checked; });
      }
      updateBar();
    });
  }
  if (selectAll) {
    selectAll.hidden = false;
  }
  if (bar) {
    bar.addEventListener("change", updateBar);
    updateBar();
  }

  function highlight(index) {
    if (!rows.length) {
      return;
    }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) {
      rows[current].classList.remove("is-current");
    }
    current = index;
    var row = rows[current];
    row.classList.add("is-current");
    // Focus the row's link (or its checkbox): Enter then opens it, and the focus ring
    // shows where the keyboard is.
    var target = row.querySelector("a.candidate-link") || row.querySelector("input[name='ids']");
    if (target) {
      target.focus({ preventScroll: true });
    }
    row.scrollIntoView({ block: "nearest" });
  }

  function isTyping(element) {
    if (!element) {
      return false;
    }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable) {
      return true;
    }
    return tag === "INPUT" && element.type !== "checkbox" && element.type !== "radio";
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (isTyping(event.target)) {
      if (event.key === "Escape" && event.target === search) {
        search.blur();
      }
      return;
    }
    if (event.key === "/" && search) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "j") {
      event.preventDefault();
      highlight(current + 1);
    } else if (event.key === "k") {
      event.preventDefault();
      highlight(current < 0 ? 0 : current - 1);
    } else if (event.key === "x" && current >= 0) {
      var box = rows[current].querySelector("input[name='ids']");
      if (box) {
        event.preventDefault();
        box.checked = !box.checked;
        updateBar();
      }
    } else if (event.key === "Enter" && current >= 0 &&
               (event.target === document.body || event.target.name === "ids")) {
      // On a link or a button the browser acts itself; from the page or a row's checkbox,
      // open the highlighted row.
      var link = rows[current].querySelector("a.candidate-link");
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    }
  });
});
