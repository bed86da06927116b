/* Version pages: the CONTENT / PREVIEW / CONSOLE tabs (the tab is in the URL: #content,
   #preview, #console, names that no element has, so the browser does not jump; #L12 opens the
   console at line 12, #preview-3 the third preview), the
   Expand control (the panel full-screen; Escape leaves), and "Copy JSON" on the full-details page.
   Without JavaScript the three panels show one after the other and the tab links jump to them. */
(function () {
  "use strict";
  var DS = window.DS;
  var TABS = ["content", "preview", "console"];

  DS.component("version-tabs", function (root) {
    var list = root.querySelector(".tab-nav ul");
    var button = document.getElementById("expand-button");
    var tabs = {}, panels = {}, current = null, expanded = false, inerted = [];

    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", "Version details");
    Array.prototype.forEach.call(list.children, function (li) { li.setAttribute("role", "presentation"); });
    TABS.forEach(function (name) {
      var tab = document.getElementById("tab-" + name);
      var panel = document.getElementById("panel-" + name);
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panel.id);
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", "tab-" + name);
      panel.setAttribute("tabindex", "0");
      tabs[name] = tab;
      panels[name] = panel;
    });
    root.classList.add("has-tabs");

    function select(name) {
      TABS.forEach(function (n) {
        var on = n === name;
        tabs[n].setAttribute("aria-selected", String(on));
        tabs[n].setAttribute("tabindex", on ? "0" : "-1");
        panels[n].hidden = !on;
      });
      if (current !== name) {
        current = name;
        DS.emit("version-tab", name);
      }
    }

    function setUrl(hash) {
      if (location.hash !== "#" + hash) { history.replaceState(null, "", "#" + hash); }
    }

    /* Show what the URL's fragment names: a tab, a console line or a preview. */
    function route() {
      var hash = location.hash.slice(1);
      try { hash = decodeURIComponent(hash); } catch (e) { /* keep it as it is */ }
      var target = null;
      if (/^panel-/.test(hash)) { hash = hash.slice(6); }
      if (TABS.indexOf(hash) >= 0) {
        select(hash);
        return;
      }
      if (/^L[0-9]+$/.test(hash)) {
        select("console");
        target = document.getElementById(hash);
      } else if (/^preview-[0-9]+$/.test(hash)) {
        select("preview");
        target = document.getElementById(hash);
      } else {
        select(current || "content");
      }
      if (target) { target.scrollIntoView({ block: "center" }); }
    }

    list.addEventListener("click", function (event) {
      var tab = event.target.closest("[role=tab]");
      if (!tab) { return; }
      event.preventDefault();
      var name = tab.getAttribute("data-tab");
      select(name);
      setUrl(name);
    });
    list.addEventListener("keydown", function (event) {
      var at = TABS.indexOf(current), next = null;
      if (event.key === "ArrowRight") { next = TABS[(at + 1) % TABS.length]; }
      else if (event.key === "ArrowLeft") { next = TABS[(at + TABS.length - 1) % TABS.length]; }
      else if (event.key === "Home") { next = TABS[0]; }
      else if (event.key === "End") { next = TABS[TABS.length - 1]; }
      if (next === null) { return; }
      event.preventDefault();
      select(next);
      setUrl(next);
      tabs[next].focus();
    });
    window.addEventListener("hashchange", route);

    /* Expand: the tabs and panels fill the window; the rest of the page is inert meanwhile. */
    function setExpanded(on) {
      expanded = on;
      root.classList.toggle("is-expanded", on);
      document.documentElement.classList.toggle("ds-expanded", on);
      button.setAttribute("aria-pressed", String(on));
      button.textContent = on ? "Exit full screen" : "Expand";
      if (on) {
        for (var node = root; node && node !== document.body; node = node.parentElement) {
          Array.prototype.forEach.call(node.parentElement.children, function (sibling) {
            if (sibling !== node && !sibling.inert && sibling.tagName !== "SCRIPT") {
              sibling.inert = true;
              inerted.push(sibling);
            }
          });
        }
      } else {
        inerted.forEach(function (node) { node.inert = false; });
        inerted = [];
      }
      DS.emit("version-layout", on);
    }
    button.addEventListener("click", function () {
      setExpanded(!expanded);
      button.focus();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !expanded || event.defaultPrevented) { return; }
      var target = event.target;
      // Escape in a search box first clears it (the browser does that); a second one leaves.
      if (target && target.matches && target.matches("input[type=search]") && target.value) { return; }
      setExpanded(false);
      button.focus();
    });

    route();
  });

  /* "Copy JSON" buttons: data-copy-target names the element whose text is copied. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var id = button.getAttribute("data-copy-target");
    var source = document.getElementById(id);
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (!source) { return; }
    DS.copy(source.textContent).then(
      function () { if (status) { status.textContent = "Copied."; } },
      function () { if (status) { status.textContent = "Select the text and copy it (Ctrl+C)."; } }
    );
  });
})();
