/* dsreport core: one namespace (DS), data registration, DOM helpers, formatting, boot.
   Classic script, no build step: pages work from file://, where modules and fetch do not. */
(function () {
  "use strict";
  var DS = (window.DS = window.DS || {});
  var store = {};
  var waiters = {};
  var handlers = {};
  var components = {};

  /* Data files are classic scripts that call DS.data(kind, key, value). */
  DS.data = function (kind, key, value) {
    var id = kind + "\u0000" + key;
    store[id] = value;
    (waiters[id] || []).forEach(function (resolve) { resolve(value); });
    delete waiters[id];
  };
  DS.get = function (kind, key) { return store[kind + "\u0000" + key]; };

  /* Load a data script once; resolves with the value it registers. */
  var loading = {};
  DS.load = function (src, kind, key) {
    var id = kind + "\u0000" + key;
    if (id in store) { return Promise.resolve(store[id]); }
    return new Promise(function (resolve, reject) {
      (waiters[id] = waiters[id] || []).push(resolve);
      if (loading[src]) { return; }
      loading[src] = true;
      var script = document.createElement("script");
      script.src = src;
      script.onerror = function () { delete loading[src]; reject(new Error("cannot load " + src)); };
      document.head.appendChild(script);
    });
  };

  /* Named events: components talk through these, never directly. */
  DS.on = function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); };
  DS.emit = function (name, detail) {
    (handlers[name] || []).slice().forEach(function (fn) { fn(detail); });
  };

  /* Build DOM safely: attributes by setAttribute (never on* handlers), text by textContent. */
  function build(ns, tag, attrs, children) {
    var node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) { return; }
        if (/^on/i.test(name)) { throw new Error("event handler attributes are not allowed"); }
        if (name === "text") { node.textContent = String(value); return; }
        node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) { return; }
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return node;
  }
  DS.el = function (tag, attrs, children) { return build(null, tag, attrs, children); };
  DS.svg = function (tag, attrs, children) {
    return build("http://www.w3.org/2000/svg", tag, attrs, children);
  };
  DS.clear = function (node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; };

  /* Safe URLs only: http(s), mailto, or relative. */
  DS.safeUrl = function (url) {
    var cleaned = String(url).replace(/[\u0000-\u0020\u007f]/g, "");
    var match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(cleaned);
    if (!match) { return url; }
    return /^(https?|mailto)$/i.test(match[1]) ? url : null;
  };

  /* Markdown trees made at build time: [tag, attrs, ...children] or text. */
  var TREE_TAGS = /^(p|h[1-6]|blockquote|ul|ol|li|table|thead|tbody|tr|th|td|em|strong|s|code|pre|a|img|br|hr)$/;
  DS.renderTree = function (nodes) {
    var fragment = document.createDocumentFragment();
    (nodes || []).forEach(function (node) {
      if (typeof node === "string") { fragment.appendChild(document.createTextNode(node)); return; }
      var tag = node[0], attrs = node[1] || {}, safe = {};
      if (!TREE_TAGS.test(tag)) { return; }
      Object.keys(attrs).forEach(function (k) {
        if (!/^(href|src|alt|title|rel|class|start|data-lang|loading)$/.test(k)) { return; }
        if ((k === "href" || k === "src") && DS.safeUrl(attrs[k]) === null) { return; }
        safe[k] = attrs[k];
      });
      var element = DS.el(tag, safe);
      element.appendChild(DS.renderTree(node.slice(2)));
      fragment.appendChild(element);
    });
    return fragment;
  };

  /* Formatting, matching the build's filters. */
  var UNITS = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
  DS.fmt = {
    size: function (bytes) {
      if (bytes === null || bytes === undefined) { return "\u2013"; }
      var value = Math.abs(bytes), unit = 0;
      while (value >= 1000 && unit < UNITS.length - 1) { value /= 1000; unit += 1; }
      var sign = bytes < 0 ? "-" : "";
      if (unit === 0) { return sign + value + " B"; }
      var text = value < 100 ? String(Number(value.toPrecision(3))) : String(Math.round(value));
      return sign + text + " " + UNITS[unit];
    },
    signedSize: function (bytes) { return (bytes > 0 ? "+" : "") + DS.fmt.size(bytes); },
    /* Thousands separators without toLocaleString, which costs ~40 µs a call through ICU. */
    number: function (n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); },
    time: function (iso) {
      var d = new Date(iso);
      if (isNaN(d.getTime())) { return iso; }
      function pad(n) { return (n < 10 ? "0" : "") + n; }
      return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
        pad(d.getHours()) + ":" + pad(d.getMinutes());
    }
  };

  /* POSIX shell quoting, exactly as Python's shlex.quote. */
  DS.shellQuote = function (text) {
    text = String(text);
    if (text === "") { return "''"; }
    if (/^[A-Za-z0-9_@%+=:,.\/-]+$/.test(text)) { return text; }
    return "'" + text.replace(/'/g, "'\"'\"'") + "'";
  };

  /* CSV with cells a spreadsheet could run as formulas neutralised (same rule as the build). */
  DS.csvCell = function (value) {
    if (value === null || value === undefined) { return ""; }
    var text = typeof value === "number" ? String(value) : String(value);
    if (typeof value !== "number" && /^[=+\-@\t\r\n]/.test(text)) { text = "'" + text; }
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  };
  DS.csv = function (header, rows) {
    var lines = [header.map(DS.csvCell).join(",")];
    rows.forEach(function (row) { lines.push(row.map(DS.csvCell).join(",")); });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  };
  /* text: a string, or an array of strings (large files are built in pieces). */
  DS.download = function (filename, text, type) {
    var parts = Array.isArray(text) ? text : [text];
    var url = URL.createObjectURL(new Blob(parts, { type: type || "text/csv;charset=utf-8" }));
    var link = DS.el("a", { href: url, download: filename, hidden: true });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  };

  /* Copy text: the Clipboard API where allowed, else a selected textarea. */
  DS.copy = function (text, textarea) {
    function fallback() {
      if (!textarea) { return Promise.reject(new Error("no clipboard")); }
      textarea.focus();
      textarea.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text).catch(fallback);
    }
    return fallback();
  };

  /* Components mount on [data-ds-component="name"], reading options from data-* attributes. */
  DS.component = function (name, mount) { components[name] = mount; };
  DS.boot = function (root) {
    (root || document).querySelectorAll("[data-ds-component]").forEach(function (element) {
      var mount = components[element.getAttribute("data-ds-component")];
      if (mount && !element.dsMounted) {
        element.dsMounted = true;
        mount(element);
      }
    });
  };
  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.classList.add("js");
    DS.boot(document);
  });
})();
