/* CONTENT: every entry of a version, rebuilt from shared data files, in a virtual table.

   The page carries a plan (the table's data-plan attribute, written by
   dsreport/render/content.py): the parts of one full copy and the deltas to apply after it.
   Data files are classic scripts (DS.data("c", key, columns)) loaded a few at a time, so the
   browser parses them off the main thread and the page stays responsive; the first rows show as
   soon as the first part and the deltas are in. Rows live in flat columns indexed by a row id:
   ids 0… are the full copy's rows, then each delta's rows. A delta turns the previous list of ids
   into the next one with array copies (positions, never string comparisons), so the row order is
   known before the big parts arrive. Sorting and filtering run on index arrays once everything is
   loaded; the table renders only the rows on screen. */
(function () {
  "use strict";
  var DS = window.DS;
  var IN_FLIGHT = 2;
  var DELTAS_IN_FLIGHT = 6;
  var HASH_WIDTH = 43;
  var ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
  var DIGIT = new Int8Array(128).fill(-1);
  for (var a = 0; a < ALPHABET.length; a++) { DIGIT[ALPHABET.charCodeAt(a)] = a; }
  var HEX = "0123456789abcdef";
  var NONE = 126; /* "~": an unknown hash */

  /* Two digits (12 bits) as three hex digits: a hash's hex is 21 lookups and one more digit. */
  var PAIR = new Array(4096);
  for (var v = 0; v < 4096; v++) { PAIR[v] = HEX[v >> 8] + HEX[(v >> 4) & 15] + HEX[v & 15]; }

  /* One hash of a part's hash string as hex (64 digits), or null. */
  function hexAt(text, at) {
    if (text.charCodeAt(at) === NONE) { return null; }
    var out = "";
    for (var i = 0; i < 42; i += 2) {
      out += PAIR[(DIGIT[text.charCodeAt(at + i)] << 6) | DIGIT[text.charCodeAt(at + i + 1)]];
    }
    return out + HEX[DIGIT[text.charCodeAt(at + 42)] >> 2];
  }
  /* The first 5 digits (30 bits) of a hash as a number, for sorting (equal ones are then put in
     full-hash order); an unknown hash sorts last. */
  var NO_HASH_KEY = 1 << 30;
  function hashPrefix(text, at) {
    if (text.charCodeAt(at) === NONE) { return NO_HASH_KEY; }
    var value = 0;
    for (var i = 0; i < 5; i++) { value = value * 64 + DIGIT[text.charCodeAt(at + i)]; }
    return value;
  }

  /* Turn the list `base` of row ids into the next version's: drop positions `dels`, insert the
     delta's rows (ids first, first+1, …) before positions `ins`. As content.apply_delta does. */
  function applyDelta(base, dels, ins, first) {
    var out = new Int32Array(base.length - dels.length + ins.length);
    var o = 0, b = 0, d = 0, k = 0, n = base.length;
    for (;;) {
      var stop = Math.min(k < ins.length ? ins[k] : n, d < dels.length ? dels[d] : n, n);
      if (stop > b) { out.set(base.subarray(b, stop), o); o += stop - b; b = stop; }
      if (k < ins.length && ins[k] === b) { out[o++] = first + k; k++; continue; }
      if (d < dels.length && dels[d] === b) { d++; b++; continue; }
      if (b >= n) { break; }
    }
    return out;
  }

  /* Sort positions by numeric keys (keys[p]; ties in position order) without a comparator: each
     key (or, when keys are too large or not integers, its rank among the distinct keys) and the
     index are packed into one exact number, and the engine's native numeric sort orders those:
     several times faster than a comparator. */
  var EXACT = 9007199254740992; /* 2**53 */
  function numericSort(positions, keys, descending) {
    var n = positions.length, i, v, min = Infinity, max = -Infinity, integral = true;
    for (i = 0; i < n; i++) {
      v = keys[positions[i]];
      if (v < min) { min = v; }
      if (v > max) { max = v; }
      if (v !== Math.floor(v)) { integral = false; }
    }
    var scale = 1;
    while (scale < n) { scale *= 2; }
    var span = max - min, ranks = null;
    if (!(integral && (span + 1) * scale < EXACT)) {
      var values = new Float64Array(n);
      for (i = 0; i < n; i++) { values[i] = keys[positions[i]]; }
      var sorted = values.slice().sort();
      var distinct = new Float64Array(n), u = 0;
      for (i = 0; i < n; i++) { if (i === 0 || sorted[i] !== sorted[i - 1]) { distinct[u++] = sorted[i]; } }
      ranks = values;
      for (i = 0; i < n; i++) {
        var lo = 0, hi = u - 1;
        v = values[i];
        while (lo < hi) { var mid = (lo + hi) >> 1; if (distinct[mid] < v) { lo = mid + 1; } else { hi = mid; } }
        ranks[i] = lo;
      }
      min = 0;
      span = u - 1;
    }
    var packed = new Float64Array(n);
    for (i = 0; i < n; i++) {
      v = (ranks ? ranks[i] : keys[positions[i]]) - min;
      packed[i] = (descending ? span - v : v) * scale + i;
    }
    packed.sort();
    var out = new Int32Array(n);
    for (i = 0; i < n; i++) { out[i] = positions[packed[i] % scale]; }
    return out;
  }

  function globToRegExp(glob, flags) {
    var re = "", i = 0;
    while (i < glob.length) {
      var c = glob.charAt(i);
      if (c === "*") {
        if (glob.charAt(i + 1) === "*") {
          i += 2;
          if (glob.charAt(i) === "/") { re += "(?:.*/)?"; i += 1; } else { re += ".*"; }
          continue;
        }
        re += "[^/]*";
      } else if (c === "?") {
        re += "[^/]";
      } else if (c === "[") {
        var end = glob.indexOf("]", i + 2);
        if (end < 0) { re += "\\["; } else {
          var body = glob.slice(i + 1, end), negate = body.charAt(0) === "!" || body.charAt(0) === "^";
          if (negate) { body = body.slice(1); }
          re += "[" + (negate ? "^" : "") + body.replace(/[\\\]\[^]/g, "\\$&") + "]";
          i = end;
        }
      } else {
        re += c.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&");
      }
      i += 1;
    }
    // Without a "/", a glob names files anywhere (*.png); with one, it matches the whole path.
    return new RegExp((glob.indexOf("/") < 0 ? "(?:^|/)" : "^") + re + "$", flags);
  }

  /* The test a filter text stands for: a glob (with * ? or [), else a substring; the case is
     ignored unless the text has a capital letter. */
  DS.contentMatcher = function (text) {
    var flags = text === text.toLowerCase() ? "i" : "";
    if (/[*?[]/.test(text)) { return globToRegExp(text, flags); }
    return new RegExp(text.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&"), flags);
  };

  function Store(plan) {
    var parts = [], start = 0;
    plan.full.forEach(function (f) { parts.push({ src: f[0], key: f[1], rows: f[2], start: start, delta: false }); start += f[2]; });
    this.fullRows = start;
    plan.deltas.forEach(function (f) { parts.push({ src: f[0], key: f[1], rows: f[2], start: start, delta: true }); start += f[2]; });
    this.parts = parts;
    this.rows = start;
    this.paths = new Array(start);
    this.sizes = new Float64Array(start);
    this.exact = {};           /* sizes past 2**53, exactly, by row id */
    this.origin = new Uint32Array(start);
    this.origins = [];         /* version ids */
    this.originAt = {};
    this.links = new Map();
    this.starts = new Int32Array(parts.map(function (p) { return p.start; }));
  }
  Store.prototype.add = function (part, value) {
    var s = part.start, n = part.rows, paths = this.paths, sizes = this.sizes, origin = this.origin;
    var local = value.O.map(function (id) {
      if (!(id in this.originAt)) { this.originAt[id] = this.origins.length; this.origins.push(id); }
      return this.originAt[id];
    }, this);
    var p = value.p, z = value.s, o = value.o;
    for (var j = 0; j < n; j++) {
      paths[s + j] = p[j];
      var size = z[j];
      if (size === null) { sizes[s + j] = NaN; }
      else if (typeof size === "string") { sizes[s + j] = Number(size); this.exact[s + j] = size; }
      else { sizes[s + j] = size; }
      origin[s + j] = local[o ? o[j] : 0];
    }
    var links = this.links;
    (value.l || []).forEach(function (pair) { links.set(s + pair[0], pair[1]); });
    part.hashes = value.h;
    part.loaded = true;
  };
  Store.prototype.partOf = function (id) {
    var lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= id) { lo = mid; } else { hi = mid - 1; }
    }
    return this.parts[lo];
  };
  Store.prototype.ready = function (id) { return !!this.partOf(id).loaded; };
  Store.prototype.hash = function (id) {
    var part = this.partOf(id);
    return hexAt(part.hashes, (id - part.start) * HASH_WIDTH);
  };
  Store.prototype.sizeText = function (id) {
    var size = this.sizes[id];
    return isNaN(size) ? null : (this.exact[id] || String(size));
  };

  DS.component("content", function (root) {
    var plan = JSON.parse(root.getAttribute("data-plan"));
    var up = root.getAttribute("data-root") || "";
    var store = new Store(plan);
    var status = document.getElementById("content-status");
    var filterBox = document.getElementById("content-filter");
    var csvAll = document.getElementById("csv-all");
    var csvFiltered = document.getElementById("csv-filtered");
    var state = { filter: "", sortKey: null, sortDir: "ascending" };
    var order = null;   /* row ids of the version, in path order */
    var view = null;    /* positions in `order` shown, in display order (null: all, in order) */
    var table = null;
    var loadedParts = 0, loadedRows = 0, done = false, failed = false;
    var api = { done: false };
    DS.content = api;

    function say(text) { if (!failed) { status.textContent = text; } }
    function shown() { return view ? view.length : (order ? order.length : 0); }
    function idAt(i) { return order[view ? view[i] : i]; }
    function total() { return plan.total; }
    function summary() {
      if (!done) {
        return "Loading entries\u2026 " + DS.fmt.number(Math.min(loadedRows, total())) + " of " + DS.fmt.number(total());
      }
      if (state.filter) { return DS.fmt.number(shown()) + " of " + DS.fmt.number(total()) + " entries match"; }
      return DS.fmt.number(total()) + " entries";
    }

    /* ---- the table ---- */
    var pendingShown = false;   /* a row on screen waits for its data */
    function pending(td) {
      pendingShown = true;
      td.appendChild(DS.el("span", { "class": "muted", text: "\u2026" }));
    }
    var columns = [
      { key: "path", label: "Path", cell: function (id, td) {
        if (id < 0 || !store.ready(id)) { pending(td); return; }
        td.textContent = store.paths[id];
        td.title = store.paths[id];
      } },
      { key: "size", label: "Size", numeric: true, width: "6.5rem", cell: function (id, td) {
        if (id < 0 || !store.ready(id)) { pending(td); return; }
        var exact = store.sizeText(id);
        td.textContent = exact === null ? "\u2013" : DS.fmt.size(store.sizes[id]);
        td.title = exact === null ? "unknown size" : DS.fmt.number(store.sizes[id]) + " bytes";
        if (store.exact[id]) { td.title = store.exact[id] + " bytes"; }
      } },
      { key: "hash", label: "Hash", width: "14rem", cell: function (id, td) {
        if (id < 0 || !store.ready(id)) { pending(td); return; }
        var hex = store.hash(id);
        td.className = "mono";
        td.textContent = hex || "\u2013";
        if (hex) { td.title = hex; }
      } },
      { key: "origin", label: "Origin", width: "11rem", cell: function (id, td) {
        if (id < 0 || !store.ready(id)) { pending(td); return; }
        var vid = store.origins[store.origin[id]];
        var label = vid === plan.self ? "this version" : (plan.origins[vid] || vid);
        td.appendChild(DS.el("a", { href: up + "v/" + encodeURIComponent(vid) + "/index.html", title: vid, text: label }));
      } },
      { key: "link", label: "Link target", width: "12rem", cell: function (id, td) {
        if (id < 0 || !store.ready(id)) { pending(td); return; }
        var link = store.links.get(id);
        if (!link) { return; }
        td.title = link;
        if (/^https?:\/\//i.test(link) && DS.safeUrl(link) !== null) {
          td.appendChild(DS.el("a", { href: link, rel: "nofollow noopener noreferrer", text: link }));
        } else {
          td.textContent = link;
        }
      } }
    ];
    function makeTable() {
      table = new DS.VirtualTable(root, {
        columns: columns,
        count: shown(),
        caption: "Files and links of this version",
        height: "min(70vh, " + Math.max(120, shown() * 32 + 40) + "px)",
        row: function (i) { return idAt(i); },
        onSort: function (key, dir) {
          state.sortKey = key;
          state.sortDir = dir;
          if (done) { later(recompute); } else { say(summary() + " (sorted when all have loaded)"); }
        }
      });
      table.viewport.setAttribute("tabindex", "0");
      table.viewport.setAttribute("role", "region");
      table.viewport.setAttribute("aria-label", "Content entries (scrollable)");
    }
    DS.on("version-tab", function (name) { if (name === "content" && table) { table.render(); } });
    DS.on("version-layout", function () { if (table) { table.render(); } });

    function later(fn) {
      say("Working\u2026");
      setTimeout(fn, 20);
    }

    /* ---- filter and sort (on index arrays) ---- */
    function sortPositions(positions) {
      var key = state.sortKey, sign = state.sortDir === "ascending" ? 1 : -1;
      if (!key) { return positions; }
      if (key === "path") {
        // `order` is path order (the manifest's, by code point): positions are sorted already.
        return sign === 1 ? positions : positions.reverse();
      }
      var n = order.length, keys, strings = null;
      if (key === "size") {
        keys = new Float64Array(n);
        for (var p = 0; p < n; p++) { var s = store.sizes[order[p]]; keys[p] = isNaN(s) ? -1 : s; }
      } else if (key === "hash") {
        keys = new Float64Array(n);
        for (var q = 0; q < n; q++) {
          var part = store.partOf(order[q]);
          keys[q] = hashPrefix(part.hashes, (order[q] - part.start) * HASH_WIDTH);
        }
      } else if (key === "origin") {
        var labels = store.origins.map(function (vid) { return vid === plan.self ? "this version" : (plan.origins[vid] || vid); });
        var ranked = labels.map(function (label, i) { return i; }).sort(function (x, y) {
          return labels[x] < labels[y] ? -1 : labels[x] > labels[y] ? 1 : x - y;
        });
        var rank = new Float64Array(labels.length);
        ranked.forEach(function (i, r) { rank[i] = r; });
        keys = new Float64Array(n);
        for (var r = 0; r < n; r++) { keys[r] = rank[store.origin[order[r]]]; }
      } else {
        strings = new Array(n);
        for (var t = 0; t < n; t++) { strings[t] = store.links.get(order[t]) || ""; }
      }
      if (strings) {
        return positions.sort(function (x, y) {
          var u = strings[x], v = strings[y];
          return u < v ? -sign : u > v ? sign : x - y;
        });
      }
      var sorted = numericSort(positions, keys, sign < 0);
      if (key === "hash") { exactHashes(sorted, keys, sign); }
      return sorted;
    }
    /* Runs of equal 30-bit prefixes: put them in full-hash order. */
    function exactHashes(sorted, keys, sign) {
      for (var a = 0; a < sorted.length;) {
        var b = a + 1;
        while (b < sorted.length && keys[sorted[b]] === keys[sorted[a]]) { b++; }
        if (b - a > 1 && keys[sorted[a]] !== NO_HASH_KEY) {
          var run = Array.prototype.slice.call(sorted, a, b);
          var hex = {};
          run.forEach(function (p) { hex[p] = store.hash(order[p]); });
          run.sort(function (x, y) { return hex[x] < hex[y] ? -sign : hex[x] > hex[y] ? sign : x - y; });
          sorted.set(run, a);
        }
        a = b;
      }
    }
    function recompute() {
      var n = order.length, positions = null;
      if (state.filter) {
        var matcher = DS.contentMatcher(state.filter), paths = store.paths;
        var hits = new Int32Array(n), m = 0;
        for (var p = 0; p < n; p++) { if (matcher.test(paths[order[p]])) { hits[m++] = p; } }
        positions = hits.slice(0, m);
      }
      if (state.sortKey && !(state.sortKey === "path" && state.sortDir === "ascending")) {
        if (!positions) {
          positions = new Int32Array(n);
          for (var q = 0; q < n; q++) { positions[q] = q; }
        }
        positions = sortPositions(positions);
      }
      view = positions;
      csvFiltered.disabled = !state.filter;
      table.viewport.scrollTop = 0;
      table.setCount(shown());
      say(summary());
      DS.emit("content-view", shown());
    }
    var timer = null;
    filterBox.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        state.filter = filterBox.value;
        if (done) { recompute(); } else { say(summary() + " (filtered when all have loaded)"); }
      }, 150);
    });
    filterBox.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { clearTimeout(timer); state.filter = filterBox.value; if (done) { recompute(); } }
    });

    /* ---- CSV: all entries (path order) or the filtered ones (as displayed) ---- */
    function download(filtered) {
      var count = filtered ? shown() : order.length;
      var chunks = ["\ufeffpath,size,hash,origin,link\r\n"];
      var i = 0;
      function step() {
        var end = Math.min(count, i + 20000), lines = [];
        for (; i < end; i++) {
          var id = filtered ? idAt(i) : order[i];
          var size = store.sizeText(id);
          lines.push([
            DS.csvCell(store.paths[id]),
            size === null ? "" : size,
            store.hash(id) || "",
            DS.csvCell(store.origins[store.origin[id]]),
            DS.csvCell(store.links.get(id) || "")
          ].join(","));
        }
        if (lines.length) { chunks.push(lines.join("\r\n") + "\r\n"); }
        if (i < count) { setTimeout(step, 0); return; }
        DS.download(plan.name + (filtered ? "-filtered" : "") + ".csv", chunks, "text/csv;charset=utf-8");
        say(summary());
      }
      say("Preparing the CSV\u2026");
      setTimeout(step, 0);
    }
    csvAll.disabled = true;  /* until every entry has loaded */
    csvAll.addEventListener("click", function () { download(false); });
    csvFiltered.addEventListener("click", function () { download(true); });

    /* ---- loading ---- */
    /* Two queues: the full copy's parts in order (few at a time: large scripts), and the
       deltas (small: many at a time, since the row order waits for all of them). */
    var parts = store.parts.filter(function (p) { return !p.delta; });
    var deltas = store.parts.filter(function (p) { return p.delta; });
    var firstPart = parts[0];
    var deltasLeft = plan.deltas.length;

    function buildOrder() {
      var ids = new Int32Array(store.fullRows);
      for (var i = 0; i < ids.length; i++) { ids[i] = i; }
      store.parts.forEach(function (part) {
        if (!part.delta) { return; }
        var value = DS.get("c", part.key);
        ids = applyDelta(ids, value.d, value.i, part.start);
      });
      if (ids.length !== plan.total) { throw new Error("content data does not add up"); }
      return ids;
    }
    function arrived(part, value) {
      store.add(part, value);
      loadedParts += 1;
      loadedRows += part.delta ? 0 : part.rows;
      if (part.delta) { deltasLeft -= 1; }
      if (!order && deltasLeft === 0 && firstPart && firstPart.loaded) {
        order = buildOrder();
        makeTable();
        performance.mark("ds-content-first-rows");
        for (var k = 0; k < IN_FLIGHT; k++) { next(parts); }
      } else if (table && pendingShown) {
        pendingShown = false;
        table.render();
      }
      if (loadedParts === store.parts.length) {
        done = true;
        api.done = true;
        csvAll.disabled = false;
        loadedRows = plan.total;
        performance.mark("ds-content-loaded");
        if (state.filter || state.sortKey) { later(recompute); } else { say(summary()); }
        if (table) { table.render(); }
        DS.emit("content-loaded", plan.total);
      } else {
        say(summary());
      }
    }
    function next(queue) {
      if (failed || !queue.length) { return; }
      var part = queue.shift();
      DS.load(up + part.src, "c", part.key).then(function (value) {
        arrived(part, value);
        next(queue);
      }, function () {
        failed = true;
        status.textContent = "The content data could not be loaded (" + part.src + "): only the first rows are shown.";
      });
    }
    if (!store.parts.length) { order = new Int32Array(0); makeTable(); done = api.done = true; csvAll.disabled = false; say(summary()); return; }
    say(summary());
    /* Start after the first paint (the page's own first rows show at once), or after 100 ms in
       a background tab, where animation frames wait. */
    var started = false;
    function start() {
      if (started) { return; }
      started = true;
      performance.mark("ds-content-start");
      // The first part and the deltas first: the row order needs them all; then the rest.
      next([parts.shift()].filter(Boolean));
      for (var j = 0; j < DELTAS_IN_FLIGHT; j++) { next(deltas); }
    }
    requestAnimationFrame(function () { setTimeout(start, 0); });
    setTimeout(start, 100);

    /* For tests and tools: every entry as [path, size, hash, origin, link], in path order. */
    api.entries = function () {
      var out = [];
      for (var i = 0; i < order.length; i++) {
        var id = order[i], size = store.sizeText(id);
        out.push([store.paths[id], size === null ? null : size, store.hash(id),
          store.origins[store.origin[id]], store.links.get(id) || null]);
      }
      return out;
    };
  });
})();
