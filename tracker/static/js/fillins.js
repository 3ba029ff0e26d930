// Fill-in parts ([[…]]) in the compose and bulk email texts: the list under the fields
// ([data-unfilled-parts], listing the ids of the fields it watches) follows the typing,
// and a click on a listed part selects it in its field, ready to be overwritten. The
// server checks the same markers again before anything is queued.
"use strict";

(function () {
  var MARKER = /\[\[(?:(?!\[\[|\]\]).)+?\]\]/g;

  function watch(list) {
    var fields = list
      .getAttribute("data-unfilled-parts")
      .split(" ")
      .map(function (id) { return document.getElementById(id); })
      .filter(Boolean);
    var items = list.querySelector("ul");
    // The old single-bracket seed sentences, which count as fill-in parts too.
    var legacy = JSON.parse(list.getAttribute("data-legacy-fill-ins") || "[]");

    function partsOf(text) {
      var found = [];
      var match;
      MARKER.lastIndex = 0;
      while ((match = MARKER.exec(text)) !== null) found.push([match.index, match[0]]);
      legacy.forEach(function (sentence) {
        var start = text.indexOf(sentence);
        while (start !== -1) {
          if (text.charAt(start - 1) !== "[") found.push([start, sentence]);
          start = text.indexOf(sentence, start + 1);
        }
      });
      return found.sort(function (a, b) { return a[0] - b[0]; }).map(function (hit) { return hit[1]; });
    }

    function select(field, part) {
      var start = field.value.indexOf(part);
      if (start === -1) return;
      field.focus();
      field.setSelectionRange(start, start + part.length);
    }

    function refresh() {
      items.textContent = "";
      fields.forEach(function (field) {
        partsOf(field.value).forEach(function (part) {
          var item = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "link-button inline-link";
          var mark = document.createElement("mark");
          mark.textContent = part;
          button.appendChild(mark);
          button.addEventListener("click", function () { select(field, part); });
          item.appendChild(button);
          items.appendChild(item);
        });
      });
      list.hidden = items.children.length === 0;
    }

    fields.forEach(function (field) { field.addEventListener("input", refresh); });
    refresh();
  }

  document.querySelectorAll("[data-unfilled-parts]").forEach(watch);
})();
