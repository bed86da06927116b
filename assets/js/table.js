/* DS.VirtualTable: a sortable, scrollable table that renders only the rows on screen.

   new DS.VirtualTable(container, {
     columns: [{key, label, sort: true, numeric: false, width: "8rem", cell: function (row, td) {...}}],
     count: n, row: function (i) { return rowObject },   // i: position in the current order
     rowHeight: 32, height: "60vh", caption: "…",
     selectable: false, isChecked(i), onCheck(i, checked), onActivate(i, row), rowId(i), isCurrent(i),
     onSort: function (key, dir) {}                      // caller reorders, then calls refresh()
   })
   The table keeps the real <table> semantics (header, aria-sort, aria-rowcount/rowindex) and
   fills spacer rows above and below the visible rows. Browsers cap an element's height (Chromium
   33.5M px, Firefox 17.9M px), so past MAX_HEIGHT the scroll range is scaled. */
(function () {
  "use strict";
  var DS = window.DS;
  var MAX_HEIGHT = 8000000;

  function VirtualTable(container, options) {
    this.options = options;
    this.rowHeight = options.rowHeight || 32;
    this.count = options.count || 0;
    this.sortKey = options.sortKey || null;
    this.sortDir = options.sortDir || "ascending";
    this.container = container;
    this.viewport = DS.el("div", { "class": "ds-vt-viewport", tabindex: "-1" });
    this.viewport.style.height = options.height || "60vh";
    this.table = DS.el("table", {
      "class": "ds-table ds-vt",
      "aria-rowcount": String(this.count + 1)
    });
    if (options.caption) { this.table.appendChild(DS.el("caption", { "class": "visually-hidden", text: options.caption })); }
    this.thead = DS.el("thead");
    this.tbody = DS.el("tbody");
    this.table.appendChild(this.thead);
    this.table.appendChild(this.tbody);
    this.viewport.appendChild(this.table);
    DS.clear(container).appendChild(this.viewport);
    var self = this;
    var pending = false;
    this.viewport.addEventListener("scroll", function () {
      if (pending) { return; }
      pending = true;
      requestAnimationFrame(function () { pending = false; self.render(); });
    });
    this.tbody.addEventListener("click", function (event) { self.onClick(event); });
    this.tbody.addEventListener("keydown", function (event) { self.onKey(event); });
    this.renderHeader();
    this.render();
  }

  VirtualTable.prototype.columns = function () {
    return this.options.columns.filter(function (c) { return c.visible !== false; });
  };

  VirtualTable.prototype.renderHeader = function () {
    var self = this;
    var row = DS.el("tr", { "aria-rowindex": "1" });
    if (this.options.selectable) {
      row.appendChild(DS.el("th", { scope: "col", "class": "ds-check" }, [this.options.headerCheck || ""]));
    }
    this.columns().forEach(function (column) {
      var th = DS.el("th", { scope: "col", "class": column.numeric ? "num" : null });
      if (column.width) { th.style.width = column.width; }
      if (column.sort !== false) {
        var active = self.sortKey === column.key;
        th.setAttribute("aria-sort", active ? self.sortDir : "none");
        var button = DS.el("button", { type: "button", "class": "ds-sort", "data-key": column.key }, [
          column.label, DS.el("span", { "class": "ds-sort-icon", "aria-hidden": "true",
            text: active ? (self.sortDir === "ascending" ? " \u25b2" : " \u25bc") : "" })
        ]);
        button.addEventListener("click", function () { self.sortBy(column.key); });
        th.appendChild(button);
      } else {
        th.textContent = column.label;
      }
      row.appendChild(th);
    });
    DS.clear(this.thead).appendChild(row);
  };

  VirtualTable.prototype.sortBy = function (key, dir) {
    if (!dir) { dir = this.sortKey === key && this.sortDir === "ascending" ? "descending" : "ascending"; }
    this.sortKey = key;
    this.sortDir = dir;
    this.renderHeader();
    if (this.options.onSort) { this.options.onSort(key, dir); }
  };

  VirtualTable.prototype.setCount = function (count) {
    this.count = count;
    this.table.setAttribute("aria-rowcount", String(count + 1));
    this.render();
  };

  VirtualTable.prototype.refresh = function () { this.renderHeader(); this.render(); };

  VirtualTable.prototype.geometry = function () {
    var full = this.count * this.rowHeight;
    var total = Math.min(full, MAX_HEIGHT);
    var view = this.viewport.clientHeight || 600;
    var head = this.thead.offsetHeight || 0;
    var visible = Math.ceil(view / this.rowHeight) + 2;
    var top = this.viewport.scrollTop;
    var first, before;
    if (full <= MAX_HEIGHT) {
      first = Math.floor(top / this.rowHeight);
      first = Math.max(0, Math.min(first, Math.max(0, this.count - visible + 2)));
      before = first * this.rowHeight;
    } else {
      // Scaled: the scroll position is a fraction of the range, the rows are drawn where the view
      // is, and at the end of the range the last rows fit under the (sticky) header.
      var fit = Math.max(1, Math.floor((view - head) / this.rowHeight));
      var fraction = Math.min(1, top / Math.max(1, total + head - view));
      first = Math.max(0, Math.round(fraction * Math.max(0, this.count - fit)));
      before = Math.min(top, total);
    }
    var last = Math.min(this.count, first + visible);
    var after = Math.max(0, total - before - (last - first) * this.rowHeight);
    return { first: first, last: last, before: before, after: after };
  };

  VirtualTable.prototype.spacer = function (height) {
    var colspan = this.columns().length + (this.options.selectable ? 1 : 0);
    var tr = DS.el("tr", { "class": "ds-spacer", "aria-hidden": "true" }, [DS.el("td", { colspan: String(colspan) })]);
    tr.style.height = height + "px";
    return tr;
  };

  VirtualTable.prototype.render = function () {
    var g = this.geometry();
    var options = this.options;
    var columns = this.columns();
    var fragment = document.createDocumentFragment();
    fragment.appendChild(this.spacer(g.before));
    for (var i = g.first; i < g.last; i++) {
      var data = options.row(i);
      var current = options.isCurrent ? options.isCurrent(i) : false;
      var tr = DS.el("tr", {
        "class": "ds-row" + (current ? " is-current" : ""),
        "aria-rowindex": String(i + 2),
        "aria-selected": options.onActivate ? String(current) : null,
        tabindex: options.onActivate ? (current ? "0" : "-1") : null,
        "data-index": String(i)
      });
      tr.style.height = this.rowHeight + "px";
      if (options.selectable) {
        var box = DS.el("input", { type: "checkbox", "class": "ds-row-check", "data-index": String(i),
          "aria-label": "Select " + (options.rowLabel ? options.rowLabel(data) : "row " + (i + 1)) });
        box.checked = options.isChecked(i);
        tr.appendChild(DS.el("td", { "class": "ds-check" }, [box]));
      }
      columns.forEach(function (column) {
        var td = DS.el("td", { "class": column.numeric ? "num" : null });
        if (column.cell) { column.cell(data, td, i); } else { td.textContent = data[column.key] === undefined ? "" : String(data[column.key]); }
        if (!td.title && td.textContent.length > 24) { td.title = td.textContent; }
        tr.appendChild(td);
      });
      fragment.appendChild(tr);
    }
    fragment.appendChild(this.spacer(g.after));
    var focused = this.tbody.contains(document.activeElement) ? document.activeElement : null;
    var focusIndex = focused && focused.closest("tr") ? focused.closest("tr").getAttribute("data-index") : null;
    DS.clear(this.tbody).appendChild(fragment);
    if (focusIndex !== null) {
      var again = this.tbody.querySelector('tr[data-index="' + focusIndex + '"]');
      if (again) { again.focus({ preventScroll: true }); }
    }
    this.shown = g;
  };

  /* Bring row i into view (used by keyboard navigation and "scroll to selected"). */
  VirtualTable.prototype.scrollToIndex = function (i) {
    var full = this.count * this.rowHeight;
    var view = this.viewport.clientHeight;
    var rowTop;
    if (full <= MAX_HEIGHT) {
      rowTop = i * this.rowHeight;
      if (rowTop < this.viewport.scrollTop + this.rowHeight) { this.viewport.scrollTop = Math.max(0, rowTop - this.rowHeight); }
      else if (rowTop + 2 * this.rowHeight > this.viewport.scrollTop + view) { this.viewport.scrollTop = rowTop + 2 * this.rowHeight - view; }
    } else {
      var total = Math.min(full, MAX_HEIGHT);
      var head = this.thead.offsetHeight || 0;
      var fit = Math.max(1, Math.floor((view - head) / this.rowHeight));
      this.viewport.scrollTop = (Math.min(i, this.count - fit) / Math.max(1, this.count - fit)) * (total + head - view);
    }
    this.render();
  };

  VirtualTable.prototype.onClick = function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("ds-row-check")) {
      this.options.onCheck(Number(target.getAttribute("data-index")), target.checked);
      return;
    }
    if (target.closest("a, button, input, label")) { return; }
    var tr = target.closest("tr.ds-row");
    if (tr && this.options.onActivate) {
      var i = Number(tr.getAttribute("data-index"));
      this.options.onActivate(i, this.options.row(i));
    }
  };

  VirtualTable.prototype.onKey = function (event) {
    var tr = event.target.closest && event.target.closest("tr.ds-row");
    if (!tr || !this.options.onActivate || event.target !== tr) { return; }
    var i = Number(tr.getAttribute("data-index"));
    var next = null;
    if (event.key === "ArrowDown") { next = Math.min(this.count - 1, i + 1); }
    else if (event.key === "ArrowUp") { next = Math.max(0, i - 1); }
    else if (event.key === "Home") { next = 0; }
    else if (event.key === "End") { next = this.count - 1; }
    else if (event.key === "Enter" || event.key === " ") { next = i; }
    else if (event.key === "x" && this.options.selectable) {
      event.preventDefault();
      this.options.onCheck(i, !this.options.isChecked(i));
      return;
    }
    if (next === null) { return; }
    event.preventDefault();
    this.options.onActivate(next, this.options.row(next));
    this.scrollToIndex(next);
    var row = this.tbody.querySelector('tr[data-index="' + next + '"]');
    if (row) { row.focus({ preventScroll: true }); }
  };

  DS.VirtualTable = VirtualTable;
})();
