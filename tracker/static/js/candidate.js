// The candidate page, enhanced: j/k move through the list, the rejection reason shows
// only when rejecting, the documents become tabs (WAI-ARIA tabs pattern, automatic
// activation) and the side column fits the viewport. Progressive enhancement only:
// without this file the previous/next links and every form work as they are, and the
// documents follow one another under their headings.
"use strict";

(function () {
  function isTyping(target) {
    if (!target) {
      return false;
    }
    if (target.getAttribute && target.getAttribute("role") === "tab") {
      return false; // a tab of the reader: j/k still move through the list
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

  function selectTab(tabs, chosen, focus) {
    tabs.forEach(function (tab) {
      var selected = tab === chosen;
      tab.setAttribute("aria-selected", selected ? "true" : "false");
      tab.tabIndex = selected ? 0 : -1;
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
    });
    if (focus) {
      chosen.focus();
    }
  }

  function onTabKey(tabs, event) {
    var index = tabs.indexOf(event.currentTarget);
    var target = null;
    if (event.key === "ArrowRight") {
      target = tabs[(index + 1) % tabs.length];
    } else if (event.key === "ArrowLeft") {
      target = tabs[(index - 1 + tabs.length) % tabs.length];
    } else if (event.key === "Home") {
      target = tabs[0];
    } else if (event.key === "End") {
      target = tabs[tabs.length - 1];
    }
    if (target) {
      event.preventDefault();
      selectTab(tabs, target, true);
    }
  }

  function makeTabs(reader) {
    var tablist = reader.querySelector("[data-tablist]");
    var tabs = Array.prototype.slice.call(tablist.querySelectorAll('[role="tab"]'));
    if (tabs.length === 0) {
      return;
    }
    tabs.forEach(function (tab) {
      var panel = document.getElementById(tab.getAttribute("aria-controls"));
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.tabIndex = 0;
      tab.addEventListener("click", function () {
        selectTab(tabs, tab, false);
      });
      tab.addEventListener("keydown", function (event) {
        onTabKey(tabs, event);
      });
    });
    tablist.hidden = false;
    reader.classList.add("is-tabbed");
    // The first document is the one an editor reads first.
    selectTab(tabs, tabs[0], false);
  }

  // The side column is sticky with its own scrollbar; until it sticks it starts lower
  // than its sticky top, so its height follows its distance from the viewport's top and
  // its save buttons stay on screen.
  function fitSideColumn(side) {
    var pending = false;
    function fit() {
      pending = false;
      var top = Math.max(side.getBoundingClientRect().top, 8);
      side.style.setProperty("--side-offset", top + 8 + "px");
    }
    function schedule() {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(fit);
      }
    }
    window.addEventListener("scroll", schedule, { passive: true });
    window.addEventListener("resize", schedule);
    fit();
  }

  // A page the server could not draw: say so, and open the document's text instead.
  function watchPages(pages) {
    var notice = pages.parentNode.querySelector("[data-pages-failed]");
    var text = pages.parentNode.querySelector("details.document-text");
    function failed() {
      notice.hidden = false;
      if (text) {
        text.open = true;
      }
    }
    Array.prototype.forEach.call(pages.querySelectorAll("img"), function (image) {
      image.addEventListener("error", failed);
      // It may have failed before this script ran.
      if (image.complete && image.naturalWidth === 0 && image.loading !== "lazy") {
        failed();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".pdf-pages"), watchPages);
    var reader = document.querySelector("[data-reader]");
    if (reader) {
      makeTabs(reader);
    }
    var side = document.querySelector(".reading-side");
    if (side) {
      fitSideColumn(side);
    }
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
