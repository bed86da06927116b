/* The dataset page: versions list (filter, sort, columns, selection, downloads), the selection
   bar's commands, the lineage graph and the VERSION INFO panel, kept in step through one state. */
(function () {
  "use strict";
  var DS = window.DS;

  function text(value) { return value === null || value === undefined ? "" : String(value); }

  DS.component("dataset", function (root) {
    var slug = root.getAttribute("data-slug");
    var view = root.getAttribute("data-view");
    var data = DS.get("dataset", slug);
    if (!data) { return; }
    var byId = {};
    data.rows.forEach(function (r) { byId[r.id] = r; });
    var external = data.external || {};
    var rows = data.rows.filter(function (r) { return r.archived === (view === "archived"); });
    rows.forEach(function (r) {
      /* The same rule as `dsreport list --search` (dsreport/select.py): each field on its own. */
      r._search = [r.name, r.version, r.id].concat(r.tags).map(function (f) { return f.toLowerCase(); });
      r._updated = Date.parse(r.updated) || 0;
    });
    var up = "../../";
    var state = { text: "", tag: "", sortKey: null, sortDir: "ascending", current: null, checked: {} };
    var columns = data.columns.map(function (c) { return { key: c[0], label: c[1], visible: true }; });
    var order = [];

    /* ---- filtering and sorting (same rules as `dsreport list --search/--tag`) ---- */
    function matches(r) {
      if (state.tag && r.tags.indexOf(state.tag) === -1) { return false; }
      if (state.text && !r._search.some(function (f) { return f.indexOf(state.text) !== -1; })) { return false; }
      return true;
    }
    var sorters = {
      name: function (r) { return r.name.toLowerCase(); },
      version: function (r) { return r.rank; },
      tags: function (r) { return r.tags.join(" ").toLowerCase(); },
      size: function (r) { return r.size; },
      files: function (r) { return r.files; },
      updated: function (r) { return r._updated; },
      status: function (r) { return r.status.toLowerCase(); }
    };
    function recompute() {
      order = [];
      for (var i = 0; i < rows.length; i++) { if (matches(rows[i])) { order.push(i); } }
      if (state.sortKey) {
        var key = sorters[state.sortKey], sign = state.sortDir === "ascending" ? 1 : -1;
        var keys = {};
        order.forEach(function (i) { keys[i] = key(rows[i]); });
        order.sort(function (a, b) { return keys[a] < keys[b] ? -sign : keys[a] > keys[b] ? sign : a - b; });
      }
      table.setCount(order.length);
      document.getElementById("versions-count").textContent = order.length + " of " + rows.length +
        (view === "archived" ? " archived" : "") + " version" + (rows.length === 1 ? "" : "s");
      updateHeaderCheck();
    }

    /* ---- the table ---- */
    var headerCheck = DS.el("input", { type: "checkbox", id: "check-all", "aria-label": "Select all listed versions" });
    var cells = {
      name: function (r, td) { td.appendChild(DS.el("a", { href: up + "v/" + encodeURIComponent(r.id) + "/index.html", text: r.name })); td.title = r.name; },
      version: function (r, td) { td.textContent = r.version; },
      tags: function (r, td) { r.tags.forEach(function (t) { td.appendChild(DS.el("span", { "class": "tag", title: t, text: t })); }); },
      size: function (r, td) { td.textContent = DS.fmt.size(r.size); },
      files: function (r, td) { td.textContent = DS.fmt.number(r.files); },
      updated: function (r, td) { td.appendChild(DS.el("time", { datetime: r.updated, text: DS.fmt.time(r.updated) })); },
      status: function (r, td) { if (r.status) { td.appendChild(DS.el("span", { "class": "status-" + r.status.toLowerCase().replace(/[^a-z0-9_-]/g, "-"), text: r.status })); } }
    };
    columns.forEach(function (c) {
      c.cell = cells[c.key];
      c.numeric = c.key === "size" || c.key === "files";
      c.width = { name: null, version: "7rem", tags: "9rem", size: "6rem", files: "5rem", updated: "10.5rem", status: "5rem" }[c.key];
    });
    var table = new DS.VirtualTable(document.getElementById("versions-table"), {
      columns: columns,
      count: 0,
      height: "min(65vh, " + Math.max(160, rows.length * 32 + 40) + "px)",
      caption: view === "archived" ? "Archived versions" : "Versions",
      selectable: true,
      headerCheck: headerCheck,
      row: function (i) { return rows[order[i]]; },
      rowLabel: function (r) { return r.name + " " + r.version; },
      isChecked: function (i) { return !!state.checked[rows[order[i]].id]; },
      onCheck: function (i, on) { setChecked([rows[order[i]].id], on); },
      isCurrent: function (i) { return rows[order[i]].id === state.current; },
      onActivate: function (i, r) { select(r.id); },
      onSort: function (key, dir) { state.sortKey = key; state.sortDir = dir; recompute(); }
    });
    headerCheck.addEventListener("change", function () {
      setChecked(order.map(function (i) { return rows[i].id; }), headerCheck.checked);
    });
    function updateHeaderCheck() {
      var listed = order.length, on = 0;
      order.forEach(function (i) { if (state.checked[rows[i].id]) { on += 1; } });
      headerCheck.checked = listed > 0 && on === listed;
      headerCheck.indeterminate = on > 0 && on < listed;
    }

    /* ---- selection (checkboxes) and the bar ---- */
    var bar = document.getElementById("selection-bar");
    var commandBox = document.getElementById("command-box");
    var commandText = document.getElementById("command-text");
    var commandNote = document.getElementById("command-note");
    function checkedIds() {
      return rows.filter(function (r) { return state.checked[r.id]; }).map(function (r) { return r.id; });
    }
    function setChecked(ids, on) {
      ids.forEach(function (id) { if (on) { state.checked[id] = true; } else { delete state.checked[id]; } });
      table.render();
      updateHeaderCheck();
      var ids2 = checkedIds();
      bar.hidden = ids2.length === 0;
      var hiddenCount = ids2.filter(function (id) { return !matches(byId[id]); }).length;
      document.getElementById("selection-count").textContent = ids2.length + " selected" +
        (hiddenCount ? " (" + hiddenCount + " hidden by the filter)" : "");
      commandBox.hidden = true;
      commandNote.hidden = true;
    }
    function showCommand(command) {
      commandText.value = command;
      commandBox.hidden = false;
      commandNote.hidden = false;
      document.getElementById("copy-status").textContent = "";
      commandText.focus();
      commandText.select();
    }
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) { return; }
      var action = button.getAttribute("data-action");
      var ids = checkedIds();
      var quoted = ids.map(DS.shellQuote).join(" ");
      if (action === "clear") { setChecked(ids, false); return; }
      if (action === "csv") { downloadRows(ids.map(function (id) { return byId[id]; }), data.slug + "-selection.csv"); return; }
      if (action === "tag") {
        var tag = document.getElementById("tag-input").value;
        if (!tag) { document.getElementById("tag-input").focus(); showCommand("# Type the tag to add in the Tag box first."); return; }
        showCommand("dsreport tag " + quoted + " --add " + DS.shellQuote(tag));
        return;
      }
      showCommand("dsreport " + action + " " + quoted);
    });
    document.getElementById("copy-command").addEventListener("click", function () {
      var status = document.getElementById("copy-status");
      DS.copy(commandText.value, commandText).then(function () { status.textContent = "Copied."; },
        function () { status.textContent = "Select the text and copy it (Ctrl+C)."; });
    });

    /* ---- select-all menu: All, None, Filtered ---- */
    var selectMenu = DS.el("div", { "class": "menu" }, [
      DS.el("button", { type: "button", "aria-haspopup": "true", "aria-expanded": "false", "aria-controls": "select-list", text: "Select \u25be" }),
      DS.el("ul", { "class": "menu-list", id: "select-list", hidden: true }, [
        DS.el("li", null, [DS.el("button", { type: "button", "data-select": "all", text: "All" })]),
        DS.el("li", null, [DS.el("button", { type: "button", "data-select": "none", text: "None" })]),
        DS.el("li", null, [DS.el("button", { type: "button", "data-select": "filtered", text: "Filtered" })])
      ])
    ]);
    var toolbar = root.querySelector(".toolbar");
    toolbar.insertBefore(selectMenu, toolbar.querySelector(".spacer"));
    selectMenu.querySelector("ul").addEventListener("click", function (event) {
      var choice = event.target.getAttribute("data-select");
      if (!choice) { return; }
      closeMenus();
      if (choice === "none") { setChecked(checkedIds(), false); }
      else if (choice === "all") { setChecked(rows.map(function (r) { return r.id; }), true); }
      else { setChecked(checkedIds(), false); setChecked(order.map(function (i) { return rows[i].id; }), true); }
    });

    /* ---- menus (columns, download, select) ---- */
    function closeMenus(except) {
      root.querySelectorAll(".menu").forEach(function (menu) {
        if (menu === except) { return; }
        menu.querySelector(".menu-list").hidden = true;
        menu.querySelector("button").setAttribute("aria-expanded", "false");
      });
    }
    root.querySelectorAll(".menu").forEach(function (menu) {
      var button = menu.querySelector("button");
      var list = menu.querySelector(".menu-list");
      button.addEventListener("click", function () {
        var open = list.hidden;
        closeMenus(menu);
        list.hidden = !open;
        button.setAttribute("aria-expanded", String(open));
        if (open) { var first = list.querySelector("button, input"); if (first) { first.focus(); } }
      });
      menu.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && !list.hidden) { closeMenus(); button.focus(); }
      });
    });
    document.addEventListener("click", function (event) { if (!event.target.closest(".menu")) { closeMenus(); } });

    var columnsList = document.getElementById("columns-list");
    columns.forEach(function (c) {
      var box = DS.el("input", { type: "checkbox", "data-column": c.key, disabled: c.key === "name" });
      box.checked = true;
      columnsList.appendChild(DS.el("li", null, [DS.el("label", null, [box, c.label])]));
    });
    columnsList.addEventListener("change", function (event) {
      var key = event.target.getAttribute("data-column");
      columns.forEach(function (c) { if (c.key === key) { c.visible = event.target.checked; } });
      table.refresh();
    });

    /* ---- downloads ---- */
    function downloadRows(list, filename) {
      var shown = columns.filter(function (c) { return c.visible !== false; });
      var header = ["ID"].concat(shown.map(function (c) { return c.label; }));
      var values = {
        name: function (r) { return r.name; }, version: function (r) { return r.version; },
        tags: function (r) { return r.tags.join(" "); }, size: function (r) { return r.size; },
        files: function (r) { return r.files; }, updated: function (r) { return r.updated; },
        status: function (r) { return r.status; }
      };
      DS.download(filename, DS.csv(header, list.map(function (r) {
        return [r.id].concat(shown.map(function (c) { return values[c.key](r); }));
      })));
    }
    document.getElementById("download-list").addEventListener("click", function (event) {
      var which = event.target.getAttribute("data-download");
      if (!which) { return; }
      closeMenus();
      var indices = which === "onscreen" ? order.slice(table.shown.first, table.shown.last) : order;
      downloadRows(indices.map(function (i) { return rows[i]; }), data.slug + (which === "onscreen" ? "-onscreen.csv" : "-versions.csv"));
    });

    /* ---- filters ---- */
    var filterInput = document.getElementById("version-filter");
    filterInput.addEventListener("input", function () { state.text = filterInput.value.toLowerCase(); recompute(); });
    var tagSelect = document.getElementById("tag-filter");
    tagSelect.addEventListener("change", function () { state.tag = tagSelect.value; recompute(); });

    /* ---- the panel ---- */
    var info = document.getElementById("version-info");
    function item(dl, label, content) {
      dl.appendChild(DS.el("dt", { text: label }));
      dl.appendChild(DS.el("dd", null, Array.isArray(content) ? content : [content]));
    }
    function renderPanel(r) {
      DS.clear(info);
      var href = up + "v/" + encodeURIComponent(r.id) + "/";
      info.appendChild(DS.el("h3", { "class": "info-title", text: r.name }));
      var dl = DS.el("dl", { "class": "info-grid" });
      item(dl, "Version name", r.name);
      item(dl, "Version", [r.version, r.archived ? DS.el("span", { "class": "badge archived", text: "archived" }) : null]);
      item(dl, "Dataset ID", DS.el("span", { "class": "mono", text: r.id }));
      var task = r.task ? [DS.el("a", { href: href + "full.html", text: r.task.name })] : [DS.el("span", { "class": "muted", text: "none" })];
      if (r.task && r.task.url && DS.safeUrl(r.task.url) !== null) {
        task.push(" \u00b7 ", DS.el("a", { href: r.task.url, rel: "nofollow noopener noreferrer", text: "open task" }));
      }
      item(dl, "Parent task", task);
      item(dl, "Size", [DS.fmt.size(r.size), r.unknown_sizes ? DS.el("span", { "class": "muted", text: " (+" + r.unknown_sizes + " link" + (r.unknown_sizes === 1 ? "" : "s") + " of unknown size)" }) : null]);
      item(dl, "Compressed", DS.fmt.size(r.size_compressed));
      item(dl, "Files", DS.fmt.number(r.files));
      item(dl, "Links", DS.fmt.number(r.links));
      item(dl, "Changes", DS.el("span", { "class": "changes" }, [
        DS.el("span", { "class": "added", text: "+" + DS.fmt.number(r.added) + " added" }),
        DS.el("span", { "class": "modified", text: "~" + DS.fmt.number(r.modified) + " modified" }),
        DS.el("span", { "class": "removed", text: "\u2212" + DS.fmt.number(r.removed) + " removed" }),
        DS.el("span", { text: DS.fmt.signedSize(r.size_change) })
      ]));
      item(dl, "Status", r.status || "\u2013");
      item(dl, "Updated", DS.el("time", { datetime: r.updated, text: DS.fmt.time(r.updated) }));
      item(dl, "Tags", r.tags.length ? r.tags.map(function (t) { return DS.el("span", { "class": "tag", title: t, text: t }); }) : "\u2013");
      info.appendChild(dl);
      var description = DS.el("div", { "class": "description md" });
      description.appendChild(DS.renderTree(r.description));
      info.appendChild(description);
      info.appendChild(DS.el("p", null, [
        DS.el("a", { "class": "button primary", href: href + "full.html", text: "Full details" }), " ",
        DS.el("a", { "class": "button", href: href + "index.html", text: "Content, preview, console" })
      ]));
    }

    /* ---- lineage ---- */
    var lineage = new DS.Lineage(document.getElementById("lineage"), {
      data: data.lineage,
      label: "Lineage of " + data.name,
      rowOf: function (id) { return byId[id] || external[id] || null; },
      detailsHref: function (id) { return up + "v/" + encodeURIComponent(id) + "/index.html"; },
      onSelect: function (id) { select(id); }
    });

    /* ---- selecting a version: list, graph, panel and URL in step ---- */
    function select(id, fromHash) {
      var r = byId[id];
      if (!r) {
        if (external[id]) { location.href = "../" + encodeURIComponent(external[id].dataset) + "/" + (external[id].archived ? "archive" : "index") + ".html#v=" + encodeURIComponent(id); }
        return;
      }
      if (r.archived !== (view === "archived")) {
        location.href = (r.archived ? "archive.html" : "index.html") + "#v=" + encodeURIComponent(id);
        return;
      }
      state.current = id;
      renderPanel(r);
      lineage.select(id);
      var position = -1;
      for (var k = 0; k < order.length; k++) { if (rows[order[k]].id === id) { position = k; break; } }
      if (position >= 0 && !fromHash) { table.scrollToIndex(position); } else { table.render(); }
      if (position >= 0 && fromHash) { table.scrollToIndex(position); }
      var hash = "#v=" + encodeURIComponent(id);
      if (location.hash !== hash) { history.replaceState(null, "", hash); }
    }
    function fromHash() {
      var match = /^#v=(.+)$/.exec(location.hash);
      return match ? decodeURIComponent(match[1]) : null;
    }
    window.addEventListener("hashchange", function () { var id = fromHash(); if (id) { select(id, true); } });

    recompute();
    var initial = fromHash();
    if (initial && byId[initial]) { select(initial, true); }
    else if (rows.length) { select(rows[0].id, true); }
    if (window.performance && performance.mark) { performance.mark("ds-dataset-ready"); }
  });
})();
