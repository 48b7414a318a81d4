/* Progressive enhancement of the edition's pages. Everything works without it: notes
   and apparatus entries are linked both ways, names lead to their register entries,
   an intervention says what it is to a screen reader, the switches are pure CSS.
   With it:
   - a note, an apparatus entry, a name or an editorial intervention opens in place
     (HTML popover), by mouse, touch or keyboard, with its Close button always in view;
   - the reading and the names highlighted are remembered across texts;
   - each kind of thing in a text (notes, names, dates, interventions, paragraph
     links...) is one stop of the Tab key, and the arrow keys move within it;
   - a date's two-calendar tooltip stays inside the window and Escape dismisses it. */
(function () {
  "use strict";
  var doc = document.documentElement;
  var MODE_KEY = "edition-reading-mode";
  var HIGHLIGHT_KEY = "edition-highlight";
  var MARGIN = 8;

  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* storage off */ }
  }
  function recall(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  // A switch of radios, remembered: the radios drive the CSS; the attribute on <html>
  // covers browsers without :has().
  function setupSwitch(name, key, attribute, onChange) {
    var radios = document.querySelectorAll('input[name="' + name + '"]');
    if (!radios.length) { return; }
    var stored = recall(key);
    radios.forEach(function (radio) {
      if (stored && radio.value === stored) { radio.checked = true; }
      radio.addEventListener("change", function () {
        if (radio.checked) {
          doc.setAttribute(attribute, radio.value);
          store(key, radio.value);
          if (onChange) { onChange(); }
        }
      });
    });
    var checked = document.querySelector('input[name="' + name + '"]:checked');
    if (checked) { doc.setAttribute(attribute, checked.value); }
  }

  // --- dates: the tooltip inside the window, Escape hides it (WCAG 1.4.13) ---------------

  function fitTooltip(date) {
    var gloss = date.querySelector(".date-gloss");
    if (!gloss) { return; }
    gloss.style.transform = "";
    date.classList.remove("tip-below");
    var box = gloss.getBoundingClientRect();
    if (box.width <= 1) { return; }
    if (box.top < MARGIN) {
      date.classList.add("tip-below");
      box = gloss.getBoundingClientRect();
    }
    var shift = 0;
    if (box.right > window.innerWidth - MARGIN) { shift = window.innerWidth - MARGIN - box.right; }
    if (box.left + shift < MARGIN) { shift = MARGIN - box.left; }
    if (shift) { gloss.style.transform = "translateX(" + Math.round(shift) + "px)"; }
  }

  function setupDates() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var shown = document.querySelectorAll(".date[tabindex]:hover, .date[tabindex]:focus");
      shown.forEach(function (date) { date.classList.add("tips-dismissed"); });
    });
    ["mouseover", "focusin"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        var date = event.target.closest && event.target.closest(".date[tabindex]");
        if (date) { window.requestAnimationFrame(function () { fitTooltip(date); }); }
      });
    });
    ["mouseout", "focusout"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        var date = event.target.closest && event.target.closest(".date");
        if (date) { date.classList.remove("tips-dismissed"); }
      });
    });
  }

  // --- pop-overs -------------------------------------------------------------------------

  function place(popover, marker) {
    var rect = marker.getBoundingClientRect();
    var room = window.innerHeight - 2 * MARGIN;
    popover.style.maxHeight = Math.min(room, 0.7 * window.innerHeight + 120) + "px";
    var box = popover.getBoundingClientRect();
    var top = rect.bottom + MARGIN;
    if (top + box.height > window.innerHeight - MARGIN && rect.top - box.height - MARGIN > 0) {
      top = rect.top - box.height - MARGIN;
    }
    top = Math.max(MARGIN, Math.min(top, window.innerHeight - box.height - MARGIN));
    var left = Math.min(rect.left, window.innerWidth - box.width - MARGIN);
    popover.style.top = top + "px";
    popover.style.left = Math.max(MARGIN, left) + "px";
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (text) { el.textContent = text; }
    return el;
  }

  var made = 0;
  // A pop-over: its label and Close button at the top (always in view), what it shows
  // (scrolling if long), and links to where it stands in full.
  function buildPopover(marker, label, body, links) {
    var popover = element("div", "note-popover");
    made += 1;
    popover.id = (marker.id || "marker-" + made) + "-popover";
    popover.setAttribute("popover", "auto");
    popover.setAttribute("role", "dialog");
    popover.setAttribute("aria-label", label);
    popover.tabIndex = -1;

    var head = element("div", "popover-head");
    head.appendChild(element("p", "popover-label", label));
    var close = element("button", "popover-close", "Close");
    close.type = "button";
    close.setAttribute("popovertarget", popover.id);
    close.setAttribute("popovertargetaction", "hide");
    head.appendChild(close);
    popover.appendChild(head);

    body.classList.add("popover-body");
    popover.appendChild(body);

    var leaving = false;
    if (links.length) {
      var actions = element("p", "popover-actions");
      links.forEach(function (item) {
        var link = element("a", "", item[1]);
        link.href = item[0];
        link.addEventListener("click", function () {
          leaving = true;
          popover.hidePopover();
        });
        actions.appendChild(link);
      });
      popover.appendChild(actions);
    }
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

  // A copy of part of the page, without its ids, ¶ links or focus stops.
  function copyOf(node) {
    var body = node.cloneNode(true);
    body.removeAttribute("id");
    body.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
    body.querySelectorAll(".pilcrow").forEach(function (el) { el.remove(); });
    body.querySelectorAll("[tabindex]").forEach(function (el) { el.removeAttribute("tabindex"); });
    var wrap = element("div");
    wrap.appendChild(body);
    return wrap;
  }

  function opener(marker, make) {
    var popover = null;
    function open() {
      if (!popover) { popover = make(); }
      if (!popover) { return false; }
      popover.showPopover();
      place(popover, marker);
      popover.focus({ preventScroll: true });
      return true;
    }
    marker.addEventListener("click", function (event) {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
      }
      if (event.target.closest("a") && event.target.closest("a") !== marker) { return; }
      if (open()) { event.preventDefault(); }
    });
    if (marker.tagName !== "A") {  // a focusable span opens with Enter or Space too
      marker.addEventListener("keydown", function (event) {
        if ((event.key === "Enter" || event.key === " ") && event.target === marker) {
          if (open()) { event.preventDefault(); }
        }
      });
    }
  }

  function targetOf(marker) {
    var href = marker.getAttribute("href") || "";
    return document.getElementById(decodeURIComponent(href.slice(1)));
  }

  function setupNotes() {
    var kinds = [
      ["a.noteref", ".note-body", function (m, t) {
        var kind = m.classList.contains("footnote-ref") ? "Footnote " : "Note ";
        return kind + (t.querySelector(".note-label") || m).textContent.trim();
      }, "Show in the list of notes"],
      ["a.appref", ".app-body", function () { return "Variant readings"; },
       "Show in the apparatus"]
    ];
    kinds.forEach(function (kind) {
      document.querySelectorAll(kind[0]).forEach(function (marker) {
        var target = targetOf(marker);
        if (!target || !target.querySelector(kind[1])) { return; }
        opener(marker, function () {
          return buildPopover(marker, kind[2](marker, target),
            copyOf(target.querySelector(kind[1])), [["#" + target.id, kind[3]]]);
        });
      });
    });
  }

  // A name: who or what it is, from the text's index (the register's name, life dates
  // in both calendars, role), and the way to the register entry.
  function setupNames() {
    document.querySelectorAll("a.name[data-entry]").forEach(function (marker) {
      var entry = document.getElementById("index-" + marker.getAttribute("data-entry"));
      if (!entry || !entry.querySelector(".entry-body")) { return; }
      opener(marker, function () {
        var link = entry.querySelector("a.index-link");
        var name = entry.getAttribute("data-name") || marker.textContent.trim();
        var kind = entry.getAttribute("data-kind");
        var body = copyOf(entry.querySelector(".entry-body"));
        if (kind) { body.insertBefore(element("p", "popover-kind", kind), body.firstChild); }
        var links = [[marker.getAttribute("href"), "Open the register entry"]];
        if (link && link.getAttribute("href") !== marker.getAttribute("href")) {
          links = [[link.getAttribute("href"), "Open the register entry"]];
        }
        return buildPopover(marker, name, body, links);
      });
    });
  }

  // An intervention: both readings, what kind it is, why, by whom, how certain.
  function setupInterventions() {
    var list = document.querySelector('.mode-hint a[href*="#interventions-"]');
    document.querySelectorAll(".choice[tabindex]").forEach(function (marker) {
      opener(marker, function () {
        var data = marker.dataset;
        var body = element("dl", "intervention-facts");
        [["Edited text", data.reading ? "“" + data.reading + "”" : ""],
         ["In the source", data.source ? "“" + data.source + "”" : ""],
         ["Why", data.reason], ["By", data.resp], ["Certainty", data.cert]
        ].forEach(function (row) {
          if (!row[1]) { return; }
          var item = element("div");
          item.appendChild(element("dt", "", row[0]));
          item.appendChild(element("dd", "", row[1]));
          body.appendChild(item);
        });
        var links = list ? [[list.getAttribute("href"), "All interventions in this text"]] : [];
        return buildPopover(marker, data.label || "Intervention", body, links);
      });
    });
  }

  // --- one Tab stop per kind of thing, the arrow keys within it (roving focus) ----------

  var GROUPS = [
    ".document .text a.noteref, .document .text a.appref",
    ".document a.name",
    ".document .date[tabindex]",
    ".document .choice[tabindex]",
    ".document a.pilcrow",
    ".document .notes a.backref, .document .apparatus a.backref",
    ".document a.index-link",
    ".document .text-index a.url",
    ".document .notes a.noteref",
    "svg.timeline a.year-bar"
  ];

  function shown(el) {
    return el.getClientRects().length > 0 && !el.closest(".note-popover");
  }

  function rove(selector) {
    var items = Array.prototype.filter.call(document.querySelectorAll(selector), function (el) {
      return !el.closest(".note-popover");
    });
    if (items.length < 2) { return null; }
    var current = null;
    function pick(item) {
      if (current && current !== item) { current.setAttribute("tabindex", "-1"); }
      current = item;
      item.setAttribute("tabindex", "0");
    }
    function reset() {
      var visible = items.filter(shown);
      items.forEach(function (el) { el.setAttribute("tabindex", "-1"); });
      current = null;
      if (visible.length) { pick(visible[0]); }
    }
    items.forEach(function (item) {
      item.addEventListener("focus", function () { pick(item); });
      item.addEventListener("keydown", function (event) {
        var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
        var visible = items.filter(shown);
        var at = visible.indexOf(item);
        var next = null;
        if (step) { next = visible[at + step]; }
        if (event.key === "Home") { next = visible[0]; }
        if (event.key === "End") { next = visible[visible.length - 1]; }
        if (!step && event.key !== "Home" && event.key !== "End") { return; }
        event.preventDefault();
        if (next) { pick(next); next.focus(); }
      });
    });
    reset();
    return reset;
  }

  function setupRoving() {
    var resets = [];
    GROUPS.forEach(function (selector) {
      var reset = rove(selector);
      if (reset) { resets.push(reset); }
    });
    return function () { resets.forEach(function (reset) { reset(); }); };
  }

  var resetRoving = function () {};
  setupSwitch("mode", MODE_KEY, "data-mode", function () { resetRoving(); });
  setupSwitch("highlight", HIGHLIGHT_KEY, "data-highlight");
  setupDates();
  if (typeof HTMLElement.prototype.showPopover === "function") {
    setupNotes();
    setupNames();
    setupInterventions();
  }
  resetRoving = setupRoving();
}());
