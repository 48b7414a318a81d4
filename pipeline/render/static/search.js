/* The search page: Pagefind's index, loaded from the site itself (no server-side code,
   no external requests).
   - A date typed in the query ("7 November 1917", "November 7, 1917", "1917-11-07",
     "October 1917") is looked for as a date: each date of the texts is indexed under
     its day and month in every calendar the edition gives it in, so a New Style date
     finds the passage that gives the Old Style one, and the reverse.
   - A name the registers spell in several ways is looked for in each spelling.
   - The filters (text, genre, person, place, organisation, year, kind) and the order
     are Pagefind's filters and sort keys.
   - Each result links to the paragraph or note where the words are found; a register
     entry is a result of its own. */
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var offline = document.getElementById("search-offline");
  var sortSelect = document.getElementById("search-sort");
  if (!form || !input || !list) { return; }
  var facets = Array.prototype.slice.call(form.querySelectorAll("select[data-facet]"));

  var siteRoot = new URL(".", document.baseURI);
  var BLOCKS = /^(p|li|h[1-6]|blockquote|dd|td|section|article)$/;
  var KEY = /\bdt\d{6,8}\b\.?/g;
  var loading = null;
  var variants = {};

  function shards() {
    return fetch(new URL("pagefind/shards.json", siteRoot).href)
      .then(function (answer) { return answer.ok ? answer.json() : { shards: [] }; })
      .then(function (listing) { return listing.shards || []; })
      .catch(function () { return []; });
  }

  // The registers' other spellings of the names (search-names.json, beside this page).
  function loadVariants() {
    return fetch(new URL("search-names.json", siteRoot).href)
      .then(function (answer) { return answer.ok ? answer.json() : {}; })
      .then(function (found) { variants = found || {}; })
      .catch(function () { variants = {}; });
  }

  function loadPagefind() {
    if (!loading) {
      loading = Promise.all([
        import(new URL("pagefind/pagefind.js", siteRoot).href),
        loadVariants()
      ]).then(function (loaded) {
        var pagefind = loaded[0];
        // Results are addressed from the site's own folder, wherever it is served.
        return Promise.resolve(pagefind.options({ baseUrl: siteRoot.pathname }))
          .then(shards)
          .then(function (listed) {
            // A large site's index comes in shards: each is merged into the first.
            return Promise.all(listed.map(function (shard) {
              var at = new URL("pagefind/" + shard.path, siteRoot).pathname;
              return pagefind.mergeIndex(at, { baseUrl: siteRoot.pathname });
            }));
          })
          .then(function () { return pagefind; });
      });
    }
    return loading;
  }

  // --- dates typed in the query -----------------------------------------------------------

  var MONTHS = {
    january: 1, jan: 1, february: 2, feb: 2, march: 3, mar: 3, april: 4, apr: 4, may: 5,
    june: 6, jun: 6, july: 7, jul: 7, august: 8, aug: 8, september: 9, sep: 9, sept: 9,
    october: 10, oct: 10, november: 11, nov: 11, december: 12, dec: 12
  };
  var NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var STYLE = /\(?\b(?:[on]\.\s?s\.?|old style|new style|julian|gregorian)\)?/gi;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function dateKey(year, month, day) {
    if (month < 1 || month > 12 || day < 0 || day > 31) { return null; }
    return {
      key: "dt" + year + pad(month) + (day ? pad(day) : ""),
      words: (day ? day + " " : "") + NAMES[month - 1] + " " + year
    };
  }

  // The query with each date in it replaced by its key; the dates found, in words.
  function withDates(query) {
    var found = [];
    function take(match, key) {
      if (!key) { return match; }
      found.push(key.words);
      return " " + key.key + " ";
    }
    var q = query;
    q = q.replace(/\b(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\b/g, function (m, y, mo, d) {
      return take(m, dateKey(+y, +mo, d ? +d : 0));
    });
    q = q.replace(/\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]+)\.?,?\s+(\d{4})\b/g,
      function (m, d, mo, y) {
        var month = MONTHS[mo.toLowerCase()];
        return month ? take(m, dateKey(+y, month, +d)) : m;
      });
    q = q.replace(/\b([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b/g,
      function (m, mo, d, y) {
        var month = MONTHS[mo.toLowerCase()];
        return month ? take(m, dateKey(+y, month, +d)) : m;
      });
    q = q.replace(/\b([A-Za-z]+)\.?,?\s+(\d{4})\b/g, function (m, mo, y) {
      var month = MONTHS[mo.toLowerCase()];
      return month ? take(m, dateKey(+y, month, 0)) : m;
    });
    if (found.length) { q = q.replace(STYLE, " "); }
    return { query: q.replace(/\s+/g, " ").trim(), dates: found };
  }

  // Each spelling of the names in the query: the queries to ask.
  function spellings(query) {
    var queries = [query];
    query.split(/\s+/).forEach(function (word) {
      var others = variants[word.toLowerCase().replace(/[^\p{L}]/gu, "")];
      if (!others) { return; }
      queries.slice().forEach(function (q) {
        others.forEach(function (other) {
          // The other spelling as a word of its own (not as the start of a longer one).
          if (queries.length < 8) { queries.push(q.split(word).join('"' + other + '"')); }
        });
      });
    });
    return queries;
  }

  // --- the results ------------------------------------------------------------------------

  function text(tag, className, value) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (value) { el.textContent = value; }
    return el;
  }

  // Pagefind's excerpt is HTML with <mark>; only text and <mark> are copied, without
  // the dates' search keys.
  function excerpt(html) {
    var p = text("p", "excerpt");
    var template = document.createElement("template");
    template.innerHTML = html;
    template.content.childNodes.forEach(function (node) {
      var value = node.textContent.replace(KEY, "").replace(/ {2,}/g, " ");
      if (!value) { return; }
      if (node.nodeName === "MARK" && value.trim()) {
        p.appendChild(text("mark", "", value));
      } else {
        p.appendChild(document.createTextNode(value));
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
    return (anchor.text || id).replace(KEY, "").trim().slice(0, 60);
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

  function describe(query, dates, chosen, total, shown) {
    var what = query ? "“" + query + "”" : "everything";
    if (dates.length) { what += " (the date" + (dates.length > 1 ? "s " : " ") + dates.join(", ") + " in either calendar)"; }
    var narrowed = Object.keys(chosen).map(function (facet) { return chosen[facet]; });
    if (narrowed.length) { what += ", narrowed to " + narrowed.join("; "); }
    if (total === 0) { return "No results for " + what + "."; }
    return total + (total === 1 ? " result" : " results") + " found for " + what +
      (total > shown ? "; the first " + shown + " are shown." : ".");
  }

  function render(results) {
    list.textContent = "";
    results.forEach(function (data) {
      var item = document.createElement("li");
      var hits = places(data);
      var kind = data.filters && data.filters.kind && data.filters.kind[0];
      if (kind) { item.appendChild(text("p", "result-kind", kind)); }
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
  }

  function chosenFilters() {
    var chosen = {};
    facets.forEach(function (select) {
      if (select.value) { chosen[select.getAttribute("data-facet")] = select.value; }
    });
    return chosen;
  }

  function chosenSort() {
    var value = sortSelect ? sortSelect.value : "";
    if (!value) { return null; }
    var parts = value.split(":");
    var sort = {};
    sort[parts[0]] = parts[1];
    return sort;
  }

  var asked = 0;
  function search() {
    var typed = input.value.trim();
    var chosen = chosenFilters();
    var sort = chosenSort();
    list.textContent = "";
    if (!typed && !Object.keys(chosen).length) { status.textContent = ""; return; }
    status.textContent = "Searching…";
    var parsed = withDates(typed);
    var options = { filters: chosen };
    if (sort) { options.sort = sort; }
    var mine = ++asked;
    loadPagefind()
      .then(function (pagefind) {
        // The spellings are known once the index (and the names beside it) is loaded.
        var queries = parsed.query ? spellings(parsed.query) : [null];
        return Promise.all(queries.map(function (q) { return pagefind.search(q, options); }));
      })
      .then(function (answers) {
        var seen = {};
        var merged = [];
        answers.forEach(function (answer) {
          (answer ? answer.results : []).forEach(function (result) {
            if (!seen[result.id]) { seen[result.id] = true; merged.push(result); }
          });
        });
        if (!sort && answers.length > 1) {
          merged.sort(function (a, b) { return (b.score || 0) - (a.score || 0); });
        }
        var first = merged.slice(0, 20);
        return Promise.all(first.map(function (r) { return r.data(); })).then(function (data) {
          if (mine !== asked) { return; }
          render(data);
          status.textContent = describe(typed, parsed.dates, chosen, merged.length, data.length);
        });
      })
      .catch(function () {
        status.textContent = "";
        if (offline) { offline.hidden = false; }
      });
  }

  function remember() {
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    facets.concat(sortSelect ? [sortSelect] : []).forEach(function (select) {
      if (select.value) { url.searchParams.set(select.name, select.value); }
      else { url.searchParams.delete(select.name); }
    });
    window.history.replaceState(null, "", url.href);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    remember();
    search();
  });
  facets.concat(sortSelect ? [sortSelect] : []).forEach(function (select) {
    select.addEventListener("change", function () { remember(); search(); });
  });

  var params = new URL(window.location.href).searchParams;
  function chooseFromAddress() {
    facets.concat(sortSelect ? [sortSelect] : []).forEach(function (select) {
      var value = params.get(select.name);
      if (value && Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
        select.value = value;
      }
    });
  }

  // A filter with more choices than the page lists (data-from-index) takes them from
  // the index: every value some page has, in alphabetical order.
  function fillFromIndex() {
    var empty = facets.filter(function (select) { return select.hasAttribute("data-from-index"); });
    if (!empty.length) { return Promise.resolve(); }
    return loadPagefind()
      .then(function (pagefind) { return pagefind.filters(); })
      .then(function (known) {
        empty.forEach(function (select) {
          var values = Object.keys(known[select.getAttribute("data-facet")] || {});
          values.sort(function (a, b) { return a.localeCompare(b); });
          values.forEach(function (value) {
            var option = document.createElement("option");
            option.value = value;
            option.textContent = value;
            select.appendChild(option);
          });
          select.removeAttribute("data-from-index");
        });
      })
      .catch(function () { if (offline) { offline.hidden = false; } });
  }

  var initial = params.get("q");
  if (initial) { input.value = initial; }
  chooseFromAddress();
  fillFromIndex().then(function () {
    chooseFromAddress();
    if (initial || Object.keys(chosenFilters()).length) { search(); }
  });
}());
