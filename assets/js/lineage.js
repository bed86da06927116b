/* DS.Lineage: draws a window of the dataset's history from build-time geometry (Graphviz laid
   it out), marks the selected version, and reports clicks. Text goes in with textContent. */
(function () {
  "use strict";
  var DS = window.DS;

  function truncate(text, length) {
    text = String(text);
    return text.length > length ? text.slice(0, length - 1) + "\u2026" : text;
  }

  function Lineage(container, options) {
    this.container = container;
    this.data = options.data;          /* {windows: [{expanded, collapsed}], where: {id: [w, hidden]}} */
    this.rowOf = options.rowOf;        /* id -> row (or null) */
    this.detailsHref = options.detailsHref;
    this.label = options.label;
    this.onSelect = options.onSelect;
    this.shown = null;                 /* [window, variant] on screen */
    var self = this;
    container.addEventListener("click", function (event) { self.onClick(event); });
    container.addEventListener("keydown", function (event) {
      if ((event.key === "Enter" || event.key === " ") && event.target.classList &&
          event.target.classList.contains("node")) {
        event.preventDefault();
        self.activate(event.target);
      }
    });
  }

  Lineage.prototype.onClick = function (event) {
    if (event.target.closest("a")) { return; }
    var node = event.target.closest(".node");
    if (node) { this.activate(node); }
  };

  Lineage.prototype.activate = function (node) {
    if (node.getAttribute("data-more")) {
      this.draw(this.shown[0], "expanded", this.selected);
      var first = this.container.querySelector(".node.selected") || this.container.querySelector(".node");
      if (first) { first.focus(); }
      return;
    }
    var id = node.getAttribute("data-vid");
    if (id) { this.onSelect(id); }
  };

  Lineage.prototype.select = function (id) {
    this.selected = id;
    var where = this.data.where[id];
    if (!where) { return; }
    var variant = where[1] ? "expanded" : (this.shown && this.shown[0] === where[0] ? this.shown[1] : null);
    var win = this.data.windows[where[0]];
    if (!variant) { variant = win.collapsed ? "collapsed" : "expanded"; }
    if (!this.shown || this.shown[0] !== where[0] || this.shown[1] !== variant) {
      this.draw(where[0], variant, id);
    }
    this.container.querySelectorAll(".node[data-vid]").forEach(function (node) {
      var on = node.getAttribute("data-vid") === id && !node.classList.contains("stub");
      node.classList.toggle("selected", on);
    });
    this.reveal(id);
  };

  /* Scroll the selected node into view, from the layout's coordinates (no forced layout). */
  Lineage.prototype.reveal = function (id) {
    var box = this.positions[id];
    var c = this.container;
    var svg = c.querySelector("svg");
    if (!box || !svg) { return; }
    var scale = svg.clientWidth ? svg.clientWidth / this.shownSize[0] : 1;
    var top = (box[1] + 6) * scale, bottom = (box[1] + 6 + box[3]) * scale;
    if (top < c.scrollTop || bottom > c.scrollTop + c.clientHeight) {
      c.scrollTop = Math.max(0, top - c.clientHeight / 3);
    }
  };

  Lineage.prototype.draw = function (index, variant, selectedId) {
    var win = this.data.windows[index];
    var layout = win[variant] || win.expanded;
    /* A margin of 6 around Graphviz's bounding box, as the build's SVG has. */
    var svg = DS.svg("svg", {
      width: layout.w + 12, height: layout.h + 12, viewBox: "-6 -6 " + (layout.w + 12) + " " + (layout.h + 12),
      role: "group", "aria-label": this.label
    });
    var marker = DS.svg("marker", { id: "ds-arrow", viewBox: "0 0 10 10", refX: "9", refY: "5",
      markerWidth: "7", markerHeight: "7", orient: "auto" }, [DS.svg("path", { "class": "arrow", d: "M0,0 L10,5 L0,10 z" })]);
    svg.appendChild(DS.svg("defs", null, [marker]));
    layout.edges.forEach(function (p) {
      var d = "M" + p[0] + "," + p[1];
      for (var i = 2; i + 5 < p.length; i += 6) {
        d += " C" + p[i] + "," + p[i + 1] + " " + p[i + 2] + "," + p[i + 3] + " " + p[i + 4] + "," + p[i + 5];
      }
      svg.appendChild(DS.svg("path", { "class": "edge", "marker-end": "url(#ds-arrow)", d: d }));
    });
    var self = this;
    this.positions = {};
    this.shownSize = [layout.w + 12, layout.h + 12];
    layout.nodes.forEach(function (n) {
      var kind = n[0], id = n[1], x = n[2], y = n[3], w = n[4], h = n[5], hidden = n[6];
      if (kind === "more") {
        svg.appendChild(DS.svg("g", { "class": "node more", tabindex: "0", role: "button", "data-more": "1" }, [
          DS.svg("rect", { x: x, y: y, width: w, height: h, rx: 6 }),
          DS.svg("text", { x: x + 10, y: y + 20, text: "\u22ef " + hidden + " more versions (expand)" })
        ]));
        return;
      }
      if (kind === "version") { self.positions[id] = [x, y, w, h]; }
      var row = self.rowOf(id) || { name: id, version: "", size: null, updated: "" };
      var classes = "node " + kind + (row.archived ? " archived" : "") + (id === selectedId && kind !== "stub" ? " selected" : "");
      /* The button's name comes from its visible text; the <title> shows the full name on hover. */
      var node = DS.svg("g", { "class": classes, tabindex: "0", role: "button", "data-vid": id }, [
        DS.svg("title", { text: row.name + " " + row.version }),
        DS.svg("rect", { x: x, y: y, width: w, height: h, rx: 6 })
      ]);
      if (kind === "stub") {
        node.appendChild(DS.svg("text", { "class": "name", x: x + 10, y: y + 18, text: "\u21aa " + truncate(row.name, 19) }));
        node.appendChild(DS.svg("text", { "class": "meta", x: x + 10, y: y + 32,
          text: "v" + truncate(row.version, 14) + (row.dataset ? " \u00b7 in " + row.dataset : " \u00b7 elsewhere in the history") }));
      } else {
        node.appendChild(DS.svg("text", { "class": "name", x: x + 10, y: y + 20, text: truncate(row.name, 19) }));
        node.appendChild(DS.svg("text", { "class": "meta", x: x + 10, y: y + 38, text: "v" + truncate(row.version, 14) + " \u00b7 " + DS.fmt.size(row.size) }));
        node.appendChild(DS.svg("text", { "class": "meta", x: x + 10, y: y + 55, text: DS.fmt.time(row.updated) }));
      }
      var wrap = DS.svg("g", { "class": "node-wrap" }, [node]);
      if (kind === "version") {
        wrap.appendChild(DS.svg("a", { "class": "details", href: self.detailsHref(id), "aria-label": "Details of " + row.name + " " + row.version }, [
          DS.svg("rect", { x: x + w - 32, y: y + 8, width: 24, height: 22, rx: 4 }),
          DS.svg("path", { d: "M" + (x + w - 27) + "," + (y + 14) + " l5,5 l-5,5 M" + (x + w - 20) + "," + (y + 25) + " h8" })
        ]));
      }
      svg.appendChild(wrap);
    });
    DS.clear(this.container).appendChild(svg);
    this.shown = [index, variant];
  };

  DS.Lineage = Lineage;
})();
