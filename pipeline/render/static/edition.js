/* Progressive enhancement of the edition's pages. Everything works without it:
   notes and apparatus entries are linked both ways, names lead to their register
   entries, the reading switch is pure CSS. With it, a note, an apparatus entry or a
   name's entry in the text's index also opens in place (HTML popover), the reading
   chosen is remembered across texts, and a date's two-calendar tooltip can be
   dismissed with Escape. */
(function () {
  "use strict";
  var doc = document.documentElement;
  var MODE_KEY = "edition-reading-mode";

  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* storage off */ }
  }
  function recall(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  // Reading mode: the radios drive the CSS; data-mode covers browsers without :has().
  function setupMode() {
    var radios = document.querySelectorAll('input[name="mode"]');
    if (!radios.length) { return; }
    var stored = recall(MODE_KEY);
    radios.forEach(function (radio) {
      if (stored && radio.value === stored) { radio.checked = true; }
      radio.addEventListener("change", function () {
        if (radio.checked) {
          doc.setAttribute("data-mode", radio.value);
          store(MODE_KEY, radio.value);
        }
      });
    });
    var checked = document.querySelector('input[name="mode"]:checked');
    if (checked) { doc.setAttribute("data-mode", checked.value); }
  }

  // Escape hides the tooltip of the focused or hovered date (WCAG 1.4.13).
  function setupDates() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var shown = document.querySelectorAll(".date[tabindex]:hover, .date[tabindex]:focus");
      shown.forEach(function (date) { date.classList.add("tips-dismissed"); });
    });
    ["mouseout", "focusout"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        var date = event.target.closest && event.target.closest(".date");
        if (date) { date.classList.remove("tips-dismissed"); }
      });
    });
  }

  function place(popover, marker) {
    var rect = marker.getBoundingClientRect();
    var box = popover.getBoundingClientRect();
    var margin = 8;
    var top = rect.bottom + margin;
    if (top + box.height > window.innerHeight - margin && rect.top - box.height - margin > 0) {
      top = rect.top - box.height - margin;
    }
    top = Math.max(margin, Math.min(top, window.innerHeight - box.height - margin));
    var left = Math.min(rect.left, window.innerWidth - box.width - margin);
    popover.style.top = top + "px";
    popover.style.left = Math.max(margin, left) + "px";
  }

  var made = 0;
  function buildPopover(marker, note, label, bodySelector, linkText) {
    var popover = document.createElement("div");
    popover.className = "note-popover";
    made += 1;
    popover.id = (marker.id || "marker-" + made) + "-popover";
    popover.setAttribute("popover", "auto");
    popover.setAttribute("role", "dialog");
    popover.setAttribute("aria-label", label);
    popover.tabIndex = -1;

    var heading = document.createElement("p");
    heading.className = "popover-label";
    heading.textContent = label;
    popover.appendChild(heading);

    var body = note.querySelector(bodySelector).cloneNode(true);
    // The copy must not repeat the ids of the note it shows.
    body.removeAttribute("id");
    body.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
    body.querySelectorAll(".pilcrow").forEach(function (el) { el.remove(); });
    popover.appendChild(body);

    var actions = document.createElement("p");
    actions.className = "popover-actions";
    var link = document.createElement("a");
    link.href = "#" + note.id;
    link.textContent = linkText;
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.setAttribute("popovertarget", popover.id);
    close.setAttribute("popovertargetaction", "hide");
    actions.appendChild(link);
    actions.appendChild(close);
    popover.appendChild(actions);

    var leaving = false;
    link.addEventListener("click", function () {
      leaving = true;
      popover.hidePopover();
    });
    popover.addEventListener("toggle", function (event) {
      if (event.newState === "closed") {
        var active = document.activeElement;
        if (!leaving && (!active || active === document.body || popover.contains(active))) {
          marker.focus({ preventScroll: true });
        }
        leaving = false;
      }
    });
    document.body.appendChild(popover);
    return popover;
  }

  // Open what a marker points to in place, where the browser has the popover API; the
  // link still works. kinds: [marker selector, body selector, label, link text].
  var KINDS = [
    ["a.noteref", ".note-body", function (m, t) {
      return "Note " + (t.querySelector(".note-label") || m).textContent.trim();
    }, "Show in the list of notes"],
    ["a.appref", ".app-body", function () { return "Variant readings"; },
     "Show in the apparatus"],
    ["a.name[data-entry]", ".entry-body", function (m) { return m.textContent.trim(); },
     "Show in the index of this text"]
  ];

  function setupPopovers() {
    if (typeof HTMLElement.prototype.showPopover !== "function") { return; }
    KINDS.forEach(function (kind) {
      document.querySelectorAll(kind[0]).forEach(function (marker) {
        var target;
        if (marker.hasAttribute("data-entry")) {
          target = document.getElementById("index-" + marker.getAttribute("data-entry"));
        } else {
          var href = marker.getAttribute("href") || "";
          target = document.getElementById(decodeURIComponent(href.slice(1)));
        }
        if (!target || !target.querySelector(kind[1])) { return; }
        var label = kind[2](marker, target);
        var popover = null;
        marker.addEventListener("click", function (event) {
          if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
            return;
          }
          event.preventDefault();
          if (!popover) { popover = buildPopover(marker, target, label, kind[1], kind[3]); }
          popover.showPopover();
          place(popover, marker);
          popover.focus({ preventScroll: true });
        });
      });
    });
  }

  setupMode();
  setupDates();
  setupPopovers();
}());
