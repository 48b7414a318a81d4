/* The search page: Pagefind's index, loaded from the site itself (no server-side code,
   no external requests). Each result links to the paragraph or note where the words
   are found, not only to the page. */
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var offline = document.getElementById("search-offline");
  if (!form || !input || !list) { return; }

  var siteRoot = new URL(".", document.baseURI);
  var BLOCKS = /^(p|li|h[1-6]|blockquote|dd|td|section|article)$/;
  var loading = null;

  function loadPagefind() {
    if (!loading) {
      loading = import(new URL("pagefind/pagefind.js", siteRoot).href).then(function (pagefind) {
        // Results are addressed from the site's own folder, wherever it is served.
        return Promise.resolve(pagefind.options({ baseUrl: siteRoot.pathname }))
          .then(function () { return pagefind; });
      });
    }
    return loading;
  }

  function text(tag, className, value) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (value) { el.textContent = value; }
    return el;
  }

  // Pagefind's excerpt is HTML with <mark>; only text and <mark> are copied.
  function excerpt(html) {
    var p = text("p", "excerpt");
    var template = document.createElement("template");
    template.innerHTML = html;
    template.content.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        p.appendChild(text("mark", "", node.textContent));
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function placeLabel(anchor) {
    var id = anchor.id;
    var m = /-n(\d+)(?:-p\d+)?$/.exec(id) || /-note-(\d+)$/.exec(id);
    if (m) { return "note " + m[1]; }
    m = /-p(\d+)$/.exec(id);
    if (m) { return "¶ " + m[1]; }
    return (anchor.text || id).trim().slice(0, 60);
  }

  // The block (paragraph, note, entry heading) each match falls in, first match first.
  function places(data) {
    var anchors = (data.anchors || []).filter(function (a) { return BLOCKS.test(a.element); });
    anchors.sort(function (a, b) { return a.location - b.location; });
    var seen = {};
    var found = [];
    (data.locations || []).slice().sort(function (a, b) { return a - b; }).forEach(function (loc) {
      var hit = null;
      anchors.forEach(function (a) { if (a.location <= loc) { hit = a; } });
      if (hit && !seen[hit.id]) {
        seen[hit.id] = true;
        found.push(hit);
      }
    });
    return found;
  }

  function withAnchor(url, id) {
    return url.split("#")[0] + "#" + encodeURIComponent(id);
  }

  function render(query, total, results) {
    list.textContent = "";
    results.forEach(function (data) {
      var item = document.createElement("li");
      var hits = places(data);
      var heading = text("h2");
      var link = text("a", "", (data.meta && data.meta.title) || data.url);
      link.href = hits.length ? withAnchor(data.url, hits[0].id) : data.url;
      heading.appendChild(link);
      item.appendChild(heading);
      item.appendChild(excerpt(data.excerpt || ""));
      if (hits.length) {
        var where = text("p", "places", "Found in: ");
        var labels = {};
        hits.forEach(function (hit) {
          var label = placeLabel(hit);
          if (labels[label] || Object.keys(labels).length >= 12) { return; }
          labels[label] = true;
          if (where.childNodes.length > 1) { where.appendChild(document.createTextNode(", ")); }
          var a = text("a", "", label);
          a.href = withAnchor(data.url, hit.id);
          where.appendChild(a);
        });
        item.appendChild(where);
      }
      list.appendChild(item);
    });
    status.textContent = total === 0
      ? "No results for “" + query + "”."
      : total + (total === 1 ? " page" : " pages") + " found for “" + query + "”" +
        (total > results.length ? "; the first " + results.length + " are shown." : ".");
  }

  function search(query) {
    query = query.trim();
    list.textContent = "";
    if (!query) { status.textContent = ""; return; }
    status.textContent = "Searching…";
    loadPagefind()
      .then(function (pagefind) { return pagefind.search(query); })
      .then(function (found) {
        var first = found.results.slice(0, 20);
        return Promise.all(first.map(function (r) { return r.data(); })).then(function (data) {
          render(query, found.results.length, data);
        });
      })
      .catch(function () {
        status.textContent = "";
        if (offline) { offline.hidden = false; }
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value;
    var url = new URL(window.location.href);
    url.searchParams.set("q", query);
    window.history.replaceState(null, "", url.href);
    search(query);
  });

  var initial = new URL(window.location.href).searchParams.get("q");
  if (initial) {
    input.value = initial;
    search(initial);
  }
}());
