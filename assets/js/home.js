/* Catalog home: filter the datasets table as the user types. */
(function () {
  "use strict";
  var DS = window.DS;
  DS.component("home-search", function (element) {
    var input = element.querySelector("input");
    var table = document.getElementById(element.getAttribute("data-target"));
    var count = element.querySelector("#dataset-count");
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.getAttribute("data-search") || "";
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " datasets";
    }
    input.addEventListener("input", apply);
    apply();
  });
})();
