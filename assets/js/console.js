/* CONSOLE: search the log (rendered at build time), highlight every match and step through them.
   Matches are highlighted with the CSS Custom Highlight API (ranges over the text, the page's
   DOM is not touched); where it is missing, the current match is selected instead. The search
   ignores case unless the text has a capital letter. Enter: next match; Shift+Enter: previous. */
(function () {
  "use strict";
  var DS = window.DS;
  var MAX_MARKED = 10000;

  DS.component("console", function (log) {
    var input = document.getElementById("console-search");
    var count = document.getElementById("console-count");
    var prev = document.getElementById("console-prev");
    var next = document.getElementById("console-next");
    if (!input) { return; }
    var highlights = typeof CSS !== "undefined" && CSS.highlights && typeof Highlight === "function";
    var lines = log.querySelectorAll(".lt");
    var matches = [], total = 0, current = -1, timer = null, searched = "";

    /* A range from character `from` to `to` of a line split into text nodes. */
    function rangeIn(nodes, starts, from, to) {
      var range = document.createRange();
      for (var i = 0; i < nodes.length; i++) {
        if (from < starts[i] + nodes[i].length) { range.setStart(nodes[i], from - starts[i]); break; }
      }
      for (var j = 0; j < nodes.length; j++) {
        if (to <= starts[j] + nodes[j].length) { range.setEnd(nodes[j], to - starts[j]); break; }
      }
      return range;
    }

    function search(text) {
      searched = text;
      matches = [];
      total = 0;
      current = -1;
      if (highlights) { CSS.highlights.delete("ds-search"); CSS.highlights.delete("ds-search-current"); }
      if (!text) { count.textContent = ""; return; }
      var pattern = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), text === text.toLowerCase() ? "gi" : "g");
      for (var l = 0; l < lines.length; l++) {
        var line = lines[l], content = line.textContent;
        pattern.lastIndex = 0;
        if (!pattern.test(content)) { continue; }
        pattern.lastIndex = 0;
        var nodes = [], starts = [], at = 0;
        var walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (var node = walker.nextNode(); node; node = walker.nextNode()) { nodes.push(node); starts.push(at); at += node.length; }
        var found;
        while ((found = pattern.exec(content)) !== null) {
          total += 1;
          if (matches.length < MAX_MARKED) { matches.push(rangeIn(nodes, starts, found.index, found.index + found[0].length)); }
        }
      }
      if (highlights && matches.length) {
        var all = new Highlight();
        matches.forEach(function (r) { all.add(r); });
        CSS.highlights.set("ds-search", all);
      }
      if (matches.length) { step(1); } else { count.textContent = "No matches"; }
    }

    function step(direction) {
      if (!matches.length) { return; }
      current = current < 0 ? 0 : (current + direction + matches.length) % matches.length;
      var range = matches[current];
      if (highlights) { CSS.highlights.set("ds-search-current", new Highlight(range)); }
      else {
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
      var line = range.startContainer.parentElement.closest(".cl");
      if (line) { line.scrollIntoView({ block: "center" }); }
      count.textContent = DS.fmt.number(current + 1) + " of " + DS.fmt.number(total) +
        (total > matches.length ? " (the first " + DS.fmt.number(matches.length) + " are marked)" : "");
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { timer = null; search(input.value); }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      if (timer !== null || searched !== input.value) {
        clearTimeout(timer);
        timer = null;
        search(input.value);
        return;
      }
      step(event.shiftKey ? -1 : 1);
    });
    prev.addEventListener("click", function () { step(-1); });
    next.addEventListener("click", function () { step(1); });
  });
})();
